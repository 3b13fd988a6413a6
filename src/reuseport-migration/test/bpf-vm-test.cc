/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The interpreter's jumps, memory, atomics, helpers and limits (RFC 9669 sections 4.3-5,
// the kernel's sk_reuseport_md and map semantics).

#include "bpf-asm.h"

#include "ns3/bpf-error.h"

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>

namespace ns3
{
namespace test
{
namespace
{

using namespace bpfasm;

/// r0 = 1; r1 = a; r2 = b; if (r1 op r2) r0 = 2 ... as 64 or 32 bits.
uint64_t
Taken(uint8_t cls, uint8_t op, uint64_t a, uint64_t b)
{
    Prog p;
    p << Mov64(0, 0) << Lddw(1, a) << Lddw(2, b) << JmpX(cls, op, 1, 2, 1) << Exit() << Mov64(0, 1)
      << Exit();
    return Exec(p);
}

TEST(BpfVm, UnsignedAndSignedComparisons)
{
    const uint64_t minus1 = static_cast<uint64_t>(-1);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JGT, minus1, 1), 1u);  // as unsigned, huge
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSGT, minus1, 1), 0u); // as signed, -1 < 1
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSLT, minus1, 1), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSLE, 1, 1), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSGE, minus1, minus1), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JLT, 1, minus1), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JLE, 2, 1), 0u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JGE, 1, 1), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JEQ, 5, 5), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JNE, 5, 5), 0u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSET, 0b1010, 0b0100), 0u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSET, 0b1010, 0b0010), 1u);
}

TEST(BpfVm, Jmp32ComparesTheLowHalves)
{
    EXPECT_EQ(Taken(BPF_JMP32, BPF_JEQ, 0x100000000ULL, 0), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JEQ, 0x100000000ULL, 0), 0u);
    // 0x80000000 is negative as a signed 32-bit value, positive as 64 bits.
    EXPECT_EQ(Taken(BPF_JMP32, BPF_JSLT, 0x80000000u, 0), 1u);
    EXPECT_EQ(Taken(BPF_JMP, BPF_JSLT, 0x80000000u, 0), 0u);
    EXPECT_EQ(Taken(BPF_JMP32, BPF_JGT, 0x1ffffffffULL, 0x2fffffffeULL), 1u);
}

TEST(BpfVm, ImmediateComparisonsSignExtend)
{
    // JMP with imm -1 compares against 0xffffffffffffffff; JMP32 against 0xffffffff.
    Prog p;
    p << Mov64(0, 0) << Lddw(1, 0xffffffffu) << JmpK(BPF_JMP, BPF_JEQ, 1, -1, 1) << Mov64(0, 2)
      << JmpK(BPF_JMP32, BPF_JEQ, 1, -1, 1) << Exit() << Alu64K(BPF_ADD, 0, 1) << Exit();
    EXPECT_EQ(Exec(p), 3u); // first not taken (r0 = 2), second taken (r0 = 3)
}

TEST(BpfVm, UnconditionalJumps)
{
    Prog p;
    p << Mov64(0, 1) << Insn(BPF_JMP | BPF_JA, 0, 0, 1, 0) << Mov64(0, 2)
      << Insn(BPF_JMP32 | BPF_JA, 0, 0, 0, 1) // gotol: the offset is in imm
      << Mov64(0, 3) << Exit();
    EXPECT_EQ(Exec(p), 1u);
}

TEST(BpfVm, StackLoadsAndStoresOfEachSize)
{
    Prog p;
    p << Lddw(1, 0x1122334455667788ULL) << Stx(BPF_DW, 10, 1, -8) << Ldx(BPF_B, 2, 10, -8)
      << Ldx(BPF_H, 3, 10, -8) << Ldx(BPF_W, 4, 10, -4) << St(BPF_W, 10, -16, -1)
      << Ldx(BPF_DW, 5, 10, -16) << Mov64(0, 0) << Alu64X(BPF_ADD, 0, 2) << Alu64X(BPF_ADD, 0, 3)
      << Alu64X(BPF_ADD, 0, 4) << Exit();
    // little-endian: byte 0x88, half 0x7788, high word 0x11223344
    EXPECT_EQ(Exec(p), 0x88u + 0x7788u + 0x11223344u);
}

TEST(BpfVm, SignExtendingLoads)
{
    Prog p;
    p << St(BPF_W, 10, -4, static_cast<int32_t>(0x80c0fffe))
      << Insn(BPF_LDX | ebpfop::MEMSX | BPF_B, 0, 10, -4, 0) << Exit();
    EXPECT_EQ(Exec(p), static_cast<uint64_t>(-2)); // byte 0xfe
    Prog w;
    w << St(BPF_W, 10, -4, static_cast<int32_t>(0x80c0fffe))
      << Insn(BPF_LDX | ebpfop::MEMSX | BPF_W, 0, 10, -4, 0) << Exit();
    EXPECT_EQ(Exec(w), 0xffffffff80c0fffeULL);
}

TEST(BpfVm, Atomics)
{
    // Each check is one run: r0 returns the memory (0), the source register (1) or r0 (2).
    auto result = [](int32_t op, uint8_t size, uint64_t mem, uint64_t src, uint64_t r0, int which) {
        Prog p;
        p << Lddw(1, mem) << Stx(BPF_DW, 10, 1, -8) << Lddw(2, src) << Lddw(0, r0)
          << Insn(BPF_STX | BPF_ATOMIC | size, 10, 2, -8, op);
        if (which == 0)
        {
            p << Ldx(BPF_DW, 0, 10, -8); // memory
        }
        else if (which == 1)
        {
            p << Alu64X(BPF_MOV, 0, 2); // src register
        }
        p << Exit();
        return Exec(p);
    };
    EXPECT_EQ(result(BPF_ADD, BPF_DW, 5, 3, 0, 0), 8u);
    EXPECT_EQ(result(BPF_ADD, BPF_DW, 5, 3, 0, 1), 3u); // no fetch: src unchanged
    EXPECT_EQ(result(BPF_ADD | BPF_FETCH, BPF_DW, 5, 3, 0, 1), 5u);
    EXPECT_EQ(result(BPF_OR, BPF_DW, 0b1100, 0b0011, 0, 0), 0b1111u);
    EXPECT_EQ(result(BPF_AND | BPF_FETCH, BPF_DW, 0b1100, 0b0110, 0, 0), 0b0100u);
    EXPECT_EQ(result(BPF_XOR, BPF_DW, 0b1100, 0b0110, 0, 0), 0b1010u);
    EXPECT_EQ(result(BPF_XCHG, BPF_DW, 7, 9, 0, 0), 9u);
    EXPECT_EQ(result(BPF_XCHG, BPF_DW, 7, 9, 0, 1), 7u);
    // cmpxchg: stores src if memory equals r0; r0 gets the old value either way.
    EXPECT_EQ(result(BPF_CMPXCHG, BPF_DW, 7, 9, 7, 0), 9u);
    EXPECT_EQ(result(BPF_CMPXCHG, BPF_DW, 7, 9, 6, 0), 7u);
    EXPECT_EQ(result(BPF_CMPXCHG, BPF_DW, 7, 9, 6, 2), 7u);
    // 32 bits: only the low word changes; a fetched value is zero-extended.
    EXPECT_EQ(result(BPF_ADD, BPF_W, 0x00000001ffffffffULL, 1, 0, 0), 0x0000000100000000ULL);
    EXPECT_EQ(result(BPF_ADD | BPF_FETCH, BPF_W, 0x00000001ffffffffULL, 1, 0, 1), 0xffffffffu);
}

TEST(BpfVm, ReadsTheContextAtTheKernelsOffsets)
{
    EbpfRunContext ctx;
    ctx.len = 40;
    ctx.ethProtocol = 0x0008;
    ctx.ipProtocol = 6;
    ctx.bindInany = 1;
    ctx.hash = 0xabcdef12;
    auto field = [&](int16_t off, uint8_t size) {
        Prog p;
        p << Ldx(size, 0, 1, off) << Exit();
        return Exec(p, ctx);
    };
    EXPECT_EQ(field(16, BPF_W), 40u);
    EXPECT_EQ(field(20, BPF_W), 0x0008u);
    EXPECT_EQ(field(24, BPF_W), 6u);
    EXPECT_EQ(field(28, BPF_W), 1u);
    EXPECT_EQ(field(32, BPF_W), 0xabcdef12u);
    EXPECT_EQ(field(24, BPF_B), 6u); // narrow load of ip_protocol
    // sk is set, migrating_sk is NULL (steering).
    EXPECT_NE(field(40, BPF_DW), 0u);
    EXPECT_EQ(field(48, BPF_DW), 0u);
    // data == data_end: no packet bytes.
    Prog p;
    p << Ldx(BPF_DW, 2, 1, 0) << Ldx(BPF_DW, 3, 1, 8) << Alu64X(BPF_MOV, 0, 3)
      << Alu64X(BPF_SUB, 0, 2) << Exit();
    EXPECT_EQ(Exec(p, ctx), 0u);
}

TEST(BpfVm, ReadsTheSocketsThroughTheContext)
{
    EbpfRunContext ctx;
    ctx.hasMigratingSk = true;
    TestHost host;
    Prog p;
    // r0 = migrating_sk->state * 100 + sk->state
    p << Ldx(BPF_DW, 2, 1, 48) << Ldx(BPF_W, 0, 2, 72) << Alu64K(BPF_MUL, 0, 100)
      << Ldx(BPF_DW, 3, 1, 40) << Ldx(BPF_W, 4, 3, 72) << Alu64X(BPF_ADD, 0, 4) << Exit();
    EXPECT_EQ(Exec(p, ctx, {}, &host), BPF_TCP_ESTABLISHED * 100u + BPF_TCP_LISTEN);
}

TEST(BpfVm, NullSocketDereferenceFaults)
{
    Prog p; // reads migrating_sk->state without the NULL check the verifier demands
    p << Ldx(BPF_DW, 2, 1, 48) << Ldx(BPF_W, 0, 2, 72) << Exit();
    try
    {
        Exec(p);
        FAIL() << "no fault";
    }
    catch (const BpfRuntimeError& e)
    {
        EXPECT_EQ(e.GetInsn(), 1);
        EXPECT_NE(e.GetReason().find("NULL pointer"), std::string::npos) << e.what();
    }
}

TEST(BpfVm, StackOutOfBoundsFaults)
{
    Prog below;
    below << St(BPF_DW, 10, -520, 0) << Mov64(0, 0) << Exit();
    EXPECT_THROW(Exec(below), BpfRuntimeError);
    Prog above;
    above << Ldx(BPF_W, 0, 10, 0) << Exit(); // r10 points just past the stack
    try
    {
        Exec(above);
        FAIL() << "no fault";
    }
    catch (const BpfRuntimeError& e)
    {
        EXPECT_EQ(e.GetInsn(), 0);
        EXPECT_NE(e.GetReason().find("512-byte stack"), std::string::npos) << e.what();
    }
    Prog edge; // the lowest and highest bytes are fine
    edge << St(BPF_B, 10, -512, 1) << St(BPF_B, 10, -1, 2) << Ldx(BPF_B, 0, 10, -512)
         << Ldx(BPF_B, 1, 10, -1) << Alu64X(BPF_ADD, 0, 1) << Exit();
    EXPECT_EQ(Exec(edge), 3u);
}

TEST(BpfVm, BudgetStopsARunawayProgram)
{
    Prog loop;
    loop << Mov64(0, 0) << Alu64K(BPF_ADD, 0, 1) << Insn(BPF_JMP | BPF_JA, 0, 0, -2, 0);
    EbpfVm vm(EbpfProgram::Load(loop.Info(), {}));
    vm.SetBudget(1000);
    try
    {
        vm.Run(EbpfRunContext{}, nullptr);
        FAIL() << "no fault";
    }
    catch (const BpfRuntimeError& e)
    {
        // 1 + 2 * 499 instructions, then the 1000th (an add at 1) is the last one allowed;
        // the jump after it is the 1001st.
        EXPECT_EQ(e.GetInsn(), 2);
        EXPECT_NE(e.GetReason().find("budget of 1000"), std::string::npos) << e.what();
    }
    EbpfVm def(EbpfProgram::Load(loop.Info(), {}));
    EXPECT_THROW(def.Run(EbpfRunContext{}, nullptr), BpfRuntimeError);
    EXPECT_EQ(def.GetLastInsnCount(), EbpfVm::DEFAULT_BUDGET);
}

BpfMapDef
MapDef(const std::string& name, uint32_t type, uint32_t key, uint32_t value, uint32_t n)
{
    BpfMapDef d;
    d.name = name;
    d.type = type;
    d.keySize = key;
    d.valueSize = value;
    d.maxEntries = n;
    return d;
}

TEST(BpfVm, ArrayMapLookupAndValueBounds)
{
    std::vector<BpfMapDef> maps = {MapDef("a", BPF_MAP_TYPE_ARRAY, 4, 8, 4)};
    // key = 2; v = lookup(a, &key); if (!v) return 99; *v += 5; return *v
    Prog p;
    p << St(BPF_W, 10, -4, 2) << Lddw(1, 0, BPF_PSEUDO_MAP_FD) << Alu64X(BPF_MOV, 2, 10)
      << Alu64K(BPF_ADD, 2, -4) << Call(BPF_FUNC_map_lookup_elem) << JmpK(BPF_JMP, BPF_JNE, 0, 0, 2)
      << Mov64(0, 99) << Exit() << Ldx(BPF_DW, 1, 0, 0) << Alu64K(BPF_ADD, 1, 5)
      << Stx(BPF_DW, 0, 1, 0) << Alu64X(BPF_MOV, 0, 1) << Exit();
    EbpfVm vm(EbpfProgram::Load(p.Info(), maps));
    EXPECT_EQ(vm.Run(EbpfRunContext{}, nullptr), 5u);
    EXPECT_EQ(vm.Run(EbpfRunContext{}, nullptr), 10u); // the value persists
    uint32_t key = 2;
    uint64_t value = 0;
    int32_t slot = vm.GetMap(0)->Lookup(reinterpret_cast<uint8_t*>(&key));
    std::memcpy(&value, vm.GetMap(0)->GetValues() + slot * 8, 8);
    EXPECT_EQ(value, 10u);
    // A key past max_entries finds nothing.
    p.insns[0] = St(BPF_W, 10, -4, 4);
    EXPECT_EQ(Exec(p, EbpfRunContext{}, maps), 99u);
    // Reading past the 8-byte value faults.
    p.insns[0] = St(BPF_W, 10, -4, 0);
    p.insns[9] = Ldx(BPF_DW, 1, 0, 4);
    EXPECT_THROW(Exec(p, EbpfRunContext{}, maps), BpfRuntimeError);
}

TEST(BpfVm, HashMapUpdateLookupDelete)
{
    std::vector<BpfMapDef> maps = {MapDef("h", BPF_MAP_TYPE_HASH, 8, 4, 2)};
    // key (u64) at fp-8, value (u32) at fp-12; r0 = update(h, key, value, flags)
    auto update = [](int32_t key, int32_t value, int32_t flags) {
        Prog p;
        p << St(BPF_DW, 10, -8, key) << St(BPF_W, 10, -12, value) << Lddw(1, 0, BPF_PSEUDO_MAP_FD)
          << Alu64X(BPF_MOV, 2, 10) << Alu64K(BPF_ADD, 2, -8) << Alu64X(BPF_MOV, 3, 10)
          << Alu64K(BPF_ADD, 3, -12) << Mov64(4, flags) << Call(BPF_FUNC_map_update_elem) << Exit();
        return p;
    };
    Prog del;
    del << St(BPF_DW, 10, -8, 7) << Lddw(1, 0, BPF_PSEUDO_MAP_FD) << Alu64X(BPF_MOV, 2, 10)
        << Alu64K(BPF_ADD, 2, -8) << Call(BPF_FUNC_map_delete_elem) << Exit();
    // One VM per program, sharing nothing: the map semantics are checked on BpfMap itself.
    BpfMap h(maps[0]);
    uint64_t k7 = 7;
    uint64_t k8 = 8;
    uint64_t k9 = 9;
    uint32_t v = 1;
    auto key = [](uint64_t& k) { return reinterpret_cast<uint8_t*>(&k); };
    auto val = reinterpret_cast<uint8_t*>(&v);
    EXPECT_EQ(h.Update(key(k7), val, BPF_EXIST), -ENOENT);
    EXPECT_EQ(h.Update(key(k7), val, BPF_NOEXIST), 0);
    EXPECT_EQ(h.Update(key(k7), val, BPF_NOEXIST), -EEXIST);
    EXPECT_EQ(h.Update(key(k8), val, BPF_ANY), 0);
    EXPECT_EQ(h.Update(key(k9), val, BPF_ANY), -E2BIG); // max_entries 2
    EXPECT_EQ(h.Delete(key(k9)), -ENOENT);
    EXPECT_EQ(h.Delete(key(k7)), 0);
    EXPECT_EQ(h.Lookup(key(k7)), BpfMap::NO_SLOT);
    EXPECT_EQ(h.Update(key(k9), val, BPF_ANY), 0);
    // Through the helpers: the same errors come back in r0.
    EXPECT_EQ(Exec(update(7, 1, BPF_EXIST), EbpfRunContext{}, maps),
              static_cast<uint64_t>(-ENOENT));
    EXPECT_EQ(Exec(update(7, 1, BPF_ANY), EbpfRunContext{}, maps), 0u);
    EXPECT_EQ(Exec(del, EbpfRunContext{}, maps), static_cast<uint64_t>(-ENOENT));
}

TEST(BpfVm, SelectReuseportAndOtherHelpers)
{
    std::vector<BpfMapDef> maps = {MapDef("socks", BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, 8)};
    TestHost host;
    host.selectResult = -ENOENT;
    EbpfRunContext ctx;
    ctx.hasMigratingSk = true;
    // key = hash % 3 with hash 11; r0 = select(ctx, socks, &key, 0)
    ctx.hash = 11;
    Prog p;
    p << Ldx(BPF_W, 6, 1, 32) << Alu64K(BPF_MOD, 6, 3) << Stx(BPF_W, 10, 6, -4)
      << Lddw(2, 0, BPF_PSEUDO_MAP_FD) << Alu64X(BPF_MOV, 3, 10) << Alu64K(BPF_ADD, 3, -4)
      << Mov64(4, 0) << Call(BPF_FUNC_sk_select_reuseport) << Exit();
    EXPECT_EQ(Exec(p, ctx, maps, &host), static_cast<uint64_t>(-ENOENT));
    ASSERT_EQ(host.selected.size(), 1u);
    EXPECT_EQ(host.selected[0], std::make_pair(0u, 2u));
    Prog cookie;
    cookie << Ldx(BPF_DW, 1, 1, 40) << Call(BPF_FUNC_get_socket_cookie) << Exit();
    EXPECT_EQ(Exec(cookie, ctx, {}, &host), 1001u);
    Prog time;
    time << Call(BPF_FUNC_ktime_get_ns) << Alu64X(BPF_MOV, 6, 0) << Call(BPF_FUNC_get_prandom_u32)
         << Alu64X(BPF_ADD, 0, 6) << Exit();
    EXPECT_EQ(Exec(time, ctx, {}, &host), 123456789u + 4u);
}

} // namespace
} // namespace test
} // namespace ns3
