/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ebpf-vm.h"

#include "bpf-error.h"
#include "ebpf-context.h"

#include "ns3/log.h"

#include <cerrno>
#include <cstring>
#include <limits>
#include <type_traits>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("EbpfVm");

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "BPF_TO_LE and the context layout assume a little-endian host");

namespace
{

template <typename T>
bool
SignedGt(T a, T b)
{
    return static_cast<std::make_signed_t<T>>(a) > static_cast<std::make_signed_t<T>>(b);
}

template <typename T>
bool
SignedGe(T a, T b)
{
    return static_cast<std::make_signed_t<T>>(a) >= static_cast<std::make_signed_t<T>>(b);
}

// RFC 9669 4.1: x / 0 = 0; the most negative value / -1 wraps (no trap, unlike C).
template <typename T>
T
Div(T a, T b, bool isSigned)
{
    if (b == 0)
    {
        return 0;
    }
    if (!isSigned)
    {
        return a / b;
    }
    using S = std::make_signed_t<T>;
    S sa = static_cast<S>(a);
    S sb = static_cast<S>(b);
    if (sb == -1)
    {
        return static_cast<T>(T(0) - a);
    }
    return static_cast<T>(sa / sb);
}

// RFC 9669 4.1: x % 0 = x; signed modulo truncates towards zero like C.
template <typename T>
T
Mod(T a, T b, bool isSigned)
{
    if (b == 0)
    {
        return a;
    }
    if (!isSigned)
    {
        return a % b;
    }
    using S = std::make_signed_t<T>;
    S sb = static_cast<S>(b);
    if (sb == -1)
    {
        return 0;
    }
    return static_cast<T>(static_cast<S>(a) % sb);
}

uint64_t
SignExtend(uint64_t v, int16_t bits)
{
    switch (bits)
    {
    case 8:
        return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(v)));
    case 16:
        return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(v)));
    case 32:
        return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)));
    default:
        return v;
    }
}

uint64_t
ByteSwap(uint64_t v, int32_t bits)
{
    switch (bits)
    {
    case 16:
        return __builtin_bswap16(static_cast<uint16_t>(v));
    case 32:
        return __builtin_bswap32(static_cast<uint32_t>(v));
    default:
        return __builtin_bswap64(v);
    }
}

uint64_t
Truncate(uint64_t v, int32_t bits)
{
    return bits == 16 ? static_cast<uint16_t>(v) : bits == 32 ? static_cast<uint32_t>(v) : v;
}

} // namespace

EbpfVm::EbpfVm(EbpfProgram program)
    : m_program(std::move(program))
{
    std::memset(m_ctx, 0, sizeof(m_ctx));
    std::memset(m_stack, 0, sizeof(m_stack));
    std::memset(m_socks, 0, sizeof(m_socks));
    const std::vector<BpfMapDef>& defs = m_program.GetMaps();
    m_maps.reserve(defs.size()); // values must not move: programs hold pointers into them
    for (const BpfMapDef& def : defs)
    {
        BpfMapDef storage = def;
        if (def.type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
        {
            storage.maxEntries = 0; // its sockets live in the model's ReuseportSockArray
        }
        m_maps.emplace_back(storage);
    }
    for (BpfMap& m : m_maps)
    {
        const BpfMapDef& d = m.GetDef();
        m_values.push_back(
            Values{m.GetValues(), d.valueSize, d.valueSize * d.maxEntries, d.readOnly});
    }
}

const EbpfProgram&
EbpfVm::GetProgram() const
{
    return m_program;
}

void
EbpfVm::SetBudget(uint64_t budget)
{
    m_budget = budget;
}

BpfMap*
EbpfVm::GetMap(uint32_t index)
{
    if (index >= m_maps.size() || m_maps[index].GetDef().type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
    {
        return nullptr;
    }
    return &m_maps[index];
}

int32_t
EbpfVm::FindMap(const std::string& name) const
{
    const std::vector<BpfMapDef>& defs = m_program.GetMaps();
    for (size_t i = 0; i < defs.size(); ++i)
    {
        if (defs[i].name == name)
        {
            return static_cast<int32_t>(i);
        }
    }
    return -1;
}

uint64_t
EbpfVm::GetLastInsnCount() const
{
    return m_lastCount;
}

void
EbpfVm::Fault(size_t pc, const std::string& why) const
{
    throw BpfRuntimeError(m_program.GetName(), static_cast<int64_t>(pc), why);
}

std::string
EbpfVm::Describe(uint64_t addr, uint32_t size, bool write) const
{
    uint32_t region = static_cast<uint32_t>(addr >> 32);
    uint32_t off = static_cast<uint32_t>(addr);
    std::string what =
        std::string(write ? "write of " : "read of ") + std::to_string(size) + " bytes ";
    switch (region)
    {
    case 0:
        return what + "at address " + std::to_string(addr) + ": NULL pointer dereference";
    case bpfaddr::CTX:
        return what + "at offset " + std::to_string(off) + " of sk_reuseport_md (" +
               ContextFieldName(off) + (write ? "): the context is read-only" : ")");
    case bpfaddr::STACK:
        return what + "at frame pointer " +
               std::to_string(static_cast<int64_t>(off) - bpfaddr::STACK_BASE -
                              bpfaddr::STACK_SIZE) +
               ": outside the 512-byte stack";
    case bpfaddr::PACKET:
        return what + "at packet offset " + std::to_string(off) + " of " +
               std::to_string(m_run ? m_run->dataLen : 0) + " (read-only, data..data_end)";
    case bpfaddr::SK:
    case bpfaddr::MIGRATING_SK:
        return what + "at offset " + std::to_string(off) + " of struct bpf_sock (80 bytes, " +
               "read-only)";
    }
    if (region >= bpfaddr::MAP_VALUE && region - bpfaddr::MAP_VALUE < m_values.size())
    {
        const BpfMapDef& d = m_program.GetMaps()[region - bpfaddr::MAP_VALUE];
        return what + "at offset " + std::to_string(off) + " of the values of map " + d.name +
               " (" + std::to_string(d.valueSize) + " bytes each" +
               (d.readOnly ? ", read-only)" : ")");
    }
    if (region >= bpfaddr::MAP && region < bpfaddr::MAP + bpfaddr::MAX_MAPS)
    {
        return what + "through a map pointer";
    }
    return what + "at address " + std::to_string(addr) + ", which points nowhere";
}

uint8_t*
EbpfVm::Translate(uint64_t addr, uint32_t size, bool write, size_t pc)
{
    uint32_t region = static_cast<uint32_t>(addr >> 32);
    uint64_t off = static_cast<uint32_t>(addr);
    switch (region)
    {
    case bpfaddr::STACK:
        if (off >= bpfaddr::STACK_BASE && off - bpfaddr::STACK_BASE + size <= bpfaddr::STACK_SIZE)
        {
            return m_stack + (off - bpfaddr::STACK_BASE);
        }
        break;
    case bpfaddr::CTX:
        if (!write && IsValidContextRead(static_cast<uint32_t>(off), size))
        {
            return m_ctx + off;
        }
        break;
    case bpfaddr::PACKET:
        if (!write && off + size <= m_run->dataLen)
        {
            return const_cast<uint8_t*>(m_run->data) + off;
        }
        break;
    case bpfaddr::SK:
    case bpfaddr::MIGRATING_SK: {
        size_t s = region - bpfaddr::SK;
        bool present = s == 0 ? m_run->hasSk : m_run->hasMigratingSk;
        if (!write && present && off + size <= sizeof(struct bpf_sock) && off % size == 0)
        {
            if (!m_sockFilled[s])
            {
                std::memset(&m_socks[s], 0, sizeof(m_socks[s]));
                if (m_host)
                {
                    m_host->FillSocket(s == 0 ? EbpfSocket::SK : EbpfSocket::MIGRATING_SK,
                                       m_socks[s]);
                }
                m_sockFilled[s] = true;
            }
            return reinterpret_cast<uint8_t*>(&m_socks[s]) + off;
        }
        break;
    }
    default:
        if (region >= bpfaddr::MAP_VALUE && region - bpfaddr::MAP_VALUE < m_values.size())
        {
            const Values& v = m_values[region - bpfaddr::MAP_VALUE];
            if (off + size <= v.total && off % v.valueSize + size <= v.valueSize &&
                !(write && v.readOnly))
            {
                return v.base + off;
            }
        }
    }
    Fault(pc, Describe(addr, size, write));
}

template <typename T>
T
EbpfVm::Load(uint64_t addr, size_t pc)
{
    T v;
    std::memcpy(&v, Translate(addr, sizeof(T), false, pc), sizeof(T));
    return v;
}

template <typename T>
void
EbpfVm::Store(uint64_t addr, T value, size_t pc)
{
    std::memcpy(Translate(addr, sizeof(T), true, pc), &value, sizeof(T));
}

template <typename T>
void
EbpfVm::Atomic(const EbpfInsn& in, uint64_t* r, size_t pc)
{
    // One program runs at a time, so plain reads and writes are atomic.
    uint8_t* p = Translate(r[in.dst] + in.off, sizeof(T), true, pc);
    T old;
    std::memcpy(&old, p, sizeof(T));
    T src = static_cast<T>(r[in.src]);
    T value = old;
    switch (in.imm & ~BPF_FETCH)
    {
    case BPF_ADD:
        value = old + src;
        break;
    case BPF_OR:
        value = old | src;
        break;
    case BPF_AND:
        value = old & src;
        break;
    case BPF_XOR:
        value = old ^ src;
        break;
    case BPF_XCHG & ~BPF_FETCH:
        value = src;
        break;
    case BPF_CMPXCHG & ~BPF_FETCH:
        value = old == static_cast<T>(r[BPF_REG_0]) ? src : old;
        break;
    }
    std::memcpy(p, &value, sizeof(T));
    if (in.imm == BPF_CMPXCHG)
    {
        r[BPF_REG_0] = old; // zero-extended for 32 bits
    }
    else if (in.imm & BPF_FETCH)
    {
        r[in.src] = old;
    }
}

// The dispatch is one switch over the whole opcode byte, so each instruction costs one
// indirect jump; the cases are generated per operation and operand source.
#define RPM_ALU_CASES(OP, EXPR64, EXPR32)                                                          \
    case BPF_ALU64 | OP | BPF_K: {                                                                 \
        uint64_t d = r[in.dst];                                                                    \
        uint64_t s = static_cast<uint64_t>(static_cast<int64_t>(in.imm));                          \
        r[in.dst] = (EXPR64);                                                                      \
        break;                                                                                     \
    }                                                                                              \
    case BPF_ALU64 | OP | BPF_X: {                                                                 \
        uint64_t d = r[in.dst];                                                                    \
        uint64_t s = r[in.src];                                                                    \
        r[in.dst] = (EXPR64);                                                                      \
        break;                                                                                     \
    }                                                                                              \
    case BPF_ALU | OP | BPF_K: {                                                                   \
        uint32_t d = static_cast<uint32_t>(r[in.dst]);                                             \
        uint32_t s = static_cast<uint32_t>(in.imm);                                                \
        r[in.dst] = static_cast<uint32_t>(EXPR32);                                                 \
        break;                                                                                     \
    }                                                                                              \
    case BPF_ALU | OP | BPF_X: {                                                                   \
        uint32_t d = static_cast<uint32_t>(r[in.dst]);                                             \
        uint32_t s = static_cast<uint32_t>(r[in.src]);                                             \
        r[in.dst] = static_cast<uint32_t>(EXPR32);                                                 \
        break;                                                                                     \
    }

#define RPM_JMP_CASES(OP, COND)                                                                    \
    case BPF_JMP | OP | BPF_K: {                                                                   \
        uint64_t d = r[in.dst];                                                                    \
        uint64_t s = static_cast<uint64_t>(static_cast<int64_t>(in.imm));                          \
        if (COND)                                                                                  \
        {                                                                                          \
            pc += in.off;                                                                          \
        }                                                                                          \
        break;                                                                                     \
    }                                                                                              \
    case BPF_JMP | OP | BPF_X: {                                                                   \
        uint64_t d = r[in.dst];                                                                    \
        uint64_t s = r[in.src];                                                                    \
        if (COND)                                                                                  \
        {                                                                                          \
            pc += in.off;                                                                          \
        }                                                                                          \
        break;                                                                                     \
    }                                                                                              \
    case BPF_JMP32 | OP | BPF_K: {                                                                 \
        uint32_t d = static_cast<uint32_t>(r[in.dst]);                                             \
        uint32_t s = static_cast<uint32_t>(in.imm);                                                \
        if (COND)                                                                                  \
        {                                                                                          \
            pc += in.off;                                                                          \
        }                                                                                          \
        break;                                                                                     \
    }                                                                                              \
    case BPF_JMP32 | OP | BPF_X: {                                                                 \
        uint32_t d = static_cast<uint32_t>(r[in.dst]);                                             \
        uint32_t s = static_cast<uint32_t>(r[in.src]);                                             \
        if (COND)                                                                                  \
        {                                                                                          \
            pc += in.off;                                                                          \
        }                                                                                          \
        break;                                                                                     \
    }

#define RPM_LDX_CASES(SIZE, T, ST)                                                                 \
    case BPF_LDX | BPF_MEM | SIZE:                                                                 \
        r[in.dst] = Load<T>(r[in.src] + in.off, pc);                                               \
        break;                                                                                     \
    case BPF_LDX | ebpfop::MEMSX | SIZE:                                                           \
        r[in.dst] = static_cast<uint64_t>(                                                         \
            static_cast<int64_t>(static_cast<ST>(Load<T>(r[in.src] + in.off, pc))));               \
        break;                                                                                     \
    case BPF_ST | BPF_MEM | SIZE:                                                                  \
        Store<T>(r[in.dst] + in.off, static_cast<T>(in.imm), pc);                                  \
        break;                                                                                     \
    case BPF_STX | BPF_MEM | SIZE:                                                                 \
        Store<T>(r[in.dst] + in.off, static_cast<T>(r[in.src]), pc);                               \
        break;

uint64_t
EbpfVm::Run(const EbpfRunContext& ctx, EbpfHost* host)
{
    m_run = &ctx;
    m_host = host;
    m_sockFilled[0] = m_sockFilled[1] = false;
    auto put64 = [this](size_t off, uint64_t v) { std::memcpy(m_ctx + off, &v, 8); };
    auto put32 = [this](size_t off, uint32_t v) { std::memcpy(m_ctx + off, &v, 4); };
    put64(offsetof(struct sk_reuseport_md, data), bpfaddr::Make(bpfaddr::PACKET, 0));
    put64(offsetof(struct sk_reuseport_md, data_end), bpfaddr::Make(bpfaddr::PACKET, ctx.dataLen));
    put32(offsetof(struct sk_reuseport_md, len), ctx.len);
    put32(offsetof(struct sk_reuseport_md, eth_protocol), ctx.ethProtocol);
    put32(offsetof(struct sk_reuseport_md, ip_protocol), ctx.ipProtocol);
    put32(offsetof(struct sk_reuseport_md, bind_inany), ctx.bindInany);
    put32(offsetof(struct sk_reuseport_md, hash), ctx.hash);
    put64(offsetof(struct sk_reuseport_md, sk), ctx.hasSk ? bpfaddr::Make(bpfaddr::SK, 0) : 0);
    put64(offsetof(struct sk_reuseport_md, migrating_sk),
          ctx.hasMigratingSk ? bpfaddr::Make(bpfaddr::MIGRATING_SK, 0) : 0);

    uint64_t r[11] = {};
    r[BPF_REG_1] = bpfaddr::Make(bpfaddr::CTX, 0);
    r[BPF_REG_10] = bpfaddr::Make(bpfaddr::STACK, bpfaddr::STACK_BASE + bpfaddr::STACK_SIZE);
    const EbpfInsn* insns = m_program.GetInsns().data();
    const uint64_t budget = m_budget;
    uint64_t count = 0;
    size_t pc = 0;
    for (;; ++pc)
    {
        if (++count > budget)
        {
            m_lastCount = count - 1;
            Fault(pc,
                  "instruction budget of " + std::to_string(budget) +
                      " exhausted (the kernel's verifier refuses programs that may not end)");
        }
        const EbpfInsn& in = insns[pc];
        switch (in.code)
        {
            RPM_ALU_CASES(BPF_ADD, d + s, d + s)
            RPM_ALU_CASES(BPF_SUB, d - s, d - s)
            RPM_ALU_CASES(BPF_MUL, d * s, d * s)
            RPM_ALU_CASES(BPF_DIV, Div(d, s, in.off == 1), Div(d, s, in.off == 1))
            RPM_ALU_CASES(BPF_MOD, Mod(d, s, in.off == 1), Mod(d, s, in.off == 1))
            RPM_ALU_CASES(BPF_OR, d | s, d | s)
            RPM_ALU_CASES(BPF_AND, d & s, d & s)
            RPM_ALU_CASES(BPF_XOR, d ^ s, d ^ s)
            RPM_ALU_CASES(BPF_LSH, d << (s & 63), d << (s & 31))
            RPM_ALU_CASES(BPF_RSH, d >> (s & 63), d >> (s & 31))
            RPM_ALU_CASES(BPF_ARSH,
                          static_cast<uint64_t>(static_cast<int64_t>(d) >> (s & 63)),
                          static_cast<uint32_t>(static_cast<int32_t>(d) >> (s & 31)))
        case BPF_ALU64 | BPF_MOV | BPF_K:
            r[in.dst] = static_cast<uint64_t>(static_cast<int64_t>(in.imm));
            break;
        case BPF_ALU64 | BPF_MOV | BPF_X: // off 8, 16, 32: MOVSX
            r[in.dst] = SignExtend(r[in.src], in.off);
            break;
        case BPF_ALU | BPF_MOV | BPF_K:
            r[in.dst] = static_cast<uint32_t>(in.imm);
            break;
        case BPF_ALU | BPF_MOV | BPF_X:
            r[in.dst] = static_cast<uint32_t>(SignExtend(r[in.src], in.off));
            break;
        case BPF_ALU64 | BPF_NEG:
            r[in.dst] = 0 - r[in.dst];
            break;
        case BPF_ALU | BPF_NEG:
            r[in.dst] = static_cast<uint32_t>(0 - static_cast<uint32_t>(r[in.dst]));
            break;
        case BPF_ALU | BPF_END | BPF_TO_LE:
            r[in.dst] = Truncate(r[in.dst], in.imm);
            break;
        case BPF_ALU | BPF_END | BPF_TO_BE:
        case BPF_ALU64 | BPF_END | BPF_TO_LE: // RFC 9669: unconditional byte swap
            r[in.dst] = ByteSwap(r[in.dst], in.imm);
            break;
        case BPF_JMP | BPF_JA:
            pc += in.off;
            break;
        case BPF_JMP32 | BPF_JA:
            pc += in.imm;
            break;
            RPM_JMP_CASES(BPF_JEQ, d == s)
            RPM_JMP_CASES(BPF_JNE, d != s)
            RPM_JMP_CASES(BPF_JGT, d > s)
            RPM_JMP_CASES(BPF_JGE, d >= s)
            RPM_JMP_CASES(BPF_JLT, d < s)
            RPM_JMP_CASES(BPF_JLE, d <= s)
            RPM_JMP_CASES(BPF_JSET, (d & s) != 0)
            RPM_JMP_CASES(BPF_JSGT, SignedGt(d, s))
            RPM_JMP_CASES(BPF_JSGE, SignedGe(d, s))
            RPM_JMP_CASES(BPF_JSLT, SignedGt(s, d))
            RPM_JMP_CASES(BPF_JSLE, SignedGe(s, d))
        case BPF_JMP | BPF_CALL:
            r[BPF_REG_0] = Call(in, r, pc);
            break;
        case BPF_JMP | BPF_EXIT:
            m_lastCount = count;
            return r[BPF_REG_0];
        case BPF_LD | BPF_IMM | BPF_DW:
            r[in.dst] = in.imm64;
            ++pc;
            break;
            RPM_LDX_CASES(BPF_B, uint8_t, int8_t)
            RPM_LDX_CASES(BPF_H, uint16_t, int16_t)
            RPM_LDX_CASES(BPF_W, uint32_t, int32_t)
        case BPF_LDX | BPF_MEM | BPF_DW:
            r[in.dst] = Load<uint64_t>(r[in.src] + in.off, pc);
            break;
        case BPF_ST | BPF_MEM | BPF_DW:
            Store<uint64_t>(r[in.dst] + in.off,
                            static_cast<uint64_t>(static_cast<int64_t>(in.imm)),
                            pc);
            break;
        case BPF_STX | BPF_MEM | BPF_DW:
            Store<uint64_t>(r[in.dst] + in.off, r[in.src], pc);
            break;
        case BPF_STX | BPF_ATOMIC | BPF_W:
            Atomic<uint32_t>(in, r, pc);
            break;
        case BPF_STX | BPF_ATOMIC | BPF_DW:
            Atomic<uint64_t>(in, r, pc);
            break;
        default:
            Fault(pc, "unknown opcode " + std::to_string(in.code)); // refused at load
        }
    }
}

#undef RPM_ALU_CASES
#undef RPM_JMP_CASES
#undef RPM_LDX_CASES

} // namespace ns3
