/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ebpf-context.h"

#include "bpf-error.h"
#include "ebpf-program.h"

#include <array>
#include <cstddef>
#include <deque>
#include <optional>

namespace ns3
{

static_assert(offsetof(struct sk_reuseport_md, len) == 16, "kernel layout");
static_assert(offsetof(struct sk_reuseport_md, hash) == 32, "kernel layout");
static_assert(offsetof(struct sk_reuseport_md, sk) == 40, "kernel layout");
static_assert(offsetof(struct sk_reuseport_md, migrating_sk) == 48, "kernel layout");
static_assert(sizeof(struct sk_reuseport_md) == 56, "kernel layout");

bool
IsValidContextRead(uint32_t off, uint32_t size)
{
    if (size == 0 || (size & (size - 1)) != 0 || off % size != 0 || off >= SK_REUSEPORT_MD_SIZE ||
        off + size > SK_REUSEPORT_MD_SIZE)
    {
        return false;
    }
    switch (off & ~7u)
    {
    case offsetof(struct sk_reuseport_md, data):
    case offsetof(struct sk_reuseport_md, data_end):
    case offsetof(struct sk_reuseport_md, sk):
    case offsetof(struct sk_reuseport_md, migrating_sk):
        return size == 8;
    }
    if (size > 4)
    {
        return false;
    }
    switch (off & ~3u)
    {
    case offsetof(struct sk_reuseport_md, len):
    case offsetof(struct sk_reuseport_md, ip_protocol):
    case offsetof(struct sk_reuseport_md, bind_inany):
        return true;
    case offsetof(struct sk_reuseport_md, eth_protocol):
        return size >= 2;
    case offsetof(struct sk_reuseport_md, hash):
        return size == 4;
    }
    return false; // the padding before sk
}

std::string
ContextFieldName(uint32_t off)
{
    static const std::array<const char*, 14> words = {"data",
                                                      "data",
                                                      "data_end",
                                                      "data_end",
                                                      "len",
                                                      "eth_protocol",
                                                      "ip_protocol",
                                                      "bind_inany",
                                                      "hash",
                                                      "padding",
                                                      "sk",
                                                      "sk",
                                                      "migrating_sk",
                                                      "migrating_sk"};
    return off < SK_REUSEPORT_MD_SIZE ? words[off / 4] : "beyond the end";
}

namespace
{

/// What the check knows about a register.
struct Reg
{
    enum Kind : uint8_t
    {
        UNKNOWN,
        CTX, //!< the context + off
        MAP, //!< map number off
    } kind{UNKNOWN};

    int64_t off{0};

    bool operator==(const Reg& o) const
    {
        return kind == o.kind && off == o.off;
    }
};

using State = std::array<Reg, 11>;

/// Joins b into a; returns true if a changed.
bool
Join(State& a, const State& b)
{
    bool changed = false;
    for (size_t r = 0; r < a.size(); ++r)
    {
        if (!(a[r] == b[r]) && a[r].kind != Reg::UNKNOWN)
        {
            a[r] = Reg{};
            changed = true;
        }
    }
    return changed;
}

uint32_t
SizeOf(uint8_t code)
{
    switch (BPF_SIZE(code))
    {
    case BPF_B:
        return 1;
    case BPF_H:
        return 2;
    case BPF_W:
        return 4;
    default:
        return 8;
    }
}

} // namespace

void
CheckContextAccesses(const std::string& name,
                     const std::vector<struct bpf_insn>& insns,
                     const std::vector<BpfMapDef>& maps)
{
    std::vector<std::optional<State>> in(insns.size());
    State start;
    start[BPF_REG_1] = Reg{Reg::CTX, 0};
    in[0] = start;
    std::deque<size_t> work{0};
    auto fail = [&](size_t pc, const std::string& why) {
        throw BpfLoadError(name, static_cast<int64_t>(pc), why);
    };
    auto flow = [&](size_t to, const State& s) {
        if (!in[to])
        {
            in[to] = s;
            work.push_back(to);
        }
        else if (Join(*in[to], s))
        {
            work.push_back(to);
        }
    };
    while (!work.empty())
    {
        size_t pc = work.front();
        work.pop_front();
        State s = *in[pc];
        const struct bpf_insn& i = insns[pc];
        uint8_t cls = BPF_CLASS(i.code);
        size_t next = pc + 1;
        switch (cls)
        {
        case BPF_ALU64:
            if (BPF_OP(i.code) == BPF_MOV && BPF_SRC(i.code) == BPF_X && i.off == 0)
            {
                s[i.dst_reg] = s[i.src_reg];
            }
            else if (s[i.dst_reg].kind == Reg::CTX && BPF_OP(i.code) == BPF_ADD &&
                     BPF_SRC(i.code) == BPF_K)
            {
                s[i.dst_reg].off += i.imm;
            }
            else if (s[i.dst_reg].kind == Reg::CTX && BPF_OP(i.code) == BPF_SUB &&
                     BPF_SRC(i.code) == BPF_K)
            {
                s[i.dst_reg].off -= i.imm;
            }
            else
            {
                s[i.dst_reg] = Reg{};
            }
            break;
        case BPF_ALU:
            s[i.dst_reg] = Reg{};
            break;
        case BPF_LD:
            s[i.dst_reg] = i.src_reg == BPF_PSEUDO_MAP_FD ? Reg{Reg::MAP, i.imm} : Reg{};
            next = pc + 2;
            break;
        case BPF_LDX:
            if (s[i.src_reg].kind == Reg::CTX)
            {
                int64_t off = s[i.src_reg].off + i.off;
                uint32_t size = SizeOf(i.code);
                if (off < 0 || !IsValidContextRead(static_cast<uint32_t>(off), size) ||
                    BPF_MODE(i.code) != BPF_MEM)
                {
                    fail(pc,
                         "invalid read of " + std::to_string(size) + " bytes at offset " +
                             std::to_string(off) + " of sk_reuseport_md (" +
                             (off < 0 ? std::string("before the start")
                                      : ContextFieldName(static_cast<uint32_t>(off))) +
                             ")");
                }
            }
            s[i.dst_reg] = Reg{};
            break;
        case BPF_ST:
        case BPF_STX:
            if (s[i.dst_reg].kind == Reg::CTX)
            {
                fail(pc, "write into sk_reuseport_md: the context is read-only");
            }
            if (s[i.dst_reg].kind == Reg::MAP)
            {
                fail(pc, "write through a map pointer");
            }
            if (cls == BPF_STX && BPF_MODE(i.code) == BPF_ATOMIC && (i.imm & BPF_FETCH))
            {
                s[i.imm == BPF_CMPXCHG ? size_t{BPF_REG_0} : size_t{i.src_reg}] = Reg{};
            }
            break;
        case BPF_JMP:
        case BPF_JMP32: {
            uint8_t op = BPF_OP(i.code);
            if (op == BPF_EXIT)
            {
                continue;
            }
            if (op == BPF_CALL && i.src_reg == BPF_PSEUDO_CALL)
            {
                // The callee gets the arguments r1-r5 and the caller's stack pointers;
                // its own r6-r9 start unknown. After the call r0-r5 are unknown.
                State callee = s;
                for (int r = BPF_REG_6; r <= BPF_REG_9; ++r)
                {
                    callee[r] = Reg{};
                }
                flow(static_cast<size_t>(static_cast<int64_t>(pc) + 1 + i.imm), callee);
                for (int r = BPF_REG_0; r <= BPF_REG_5; ++r)
                {
                    s[r] = Reg{};
                }
                break;
            }
            if (op == BPF_CALL)
            {
                BpfHelper h = BpfHelperFromId(i.imm);
                const Reg& r1 = s[BPF_REG_1];
                if (r1.kind == Reg::MAP)
                {
                    bool sockarray = maps[r1.off].type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
                    bool select = h == BpfHelper::SK_SELECT_REUSEPORT;
                    if (sockarray != select && h != BpfHelper::NONE)
                    {
                        fail(pc,
                             "map " + maps[r1.off].name + " (" +
                                 (sockarray ? "REUSEPORT_SOCKARRAY" : "not a sockarray") +
                                 ") passed to a helper that cannot take it");
                    }
                }
                if (h == BpfHelper::SK_SELECT_REUSEPORT)
                {
                    const Reg& r2 = s[BPF_REG_2];
                    if (r2.kind == Reg::MAP &&
                        maps[r2.off].type != BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
                    {
                        fail(pc,
                             "bpf_sk_select_reuseport needs a REUSEPORT_SOCKARRAY, not map " +
                                 maps[r2.off].name);
                    }
                }
                for (int r = BPF_REG_0; r <= BPF_REG_5; ++r)
                {
                    s[r] = Reg{};
                }
                break;
            }
            int64_t off = op == BPF_JA && cls == BPF_JMP32 ? i.imm : i.off;
            size_t target = static_cast<size_t>(static_cast<int64_t>(pc) + 1 + off);
            flow(target, s);
            if (op == BPF_JA)
            {
                continue;
            }
            break;
        }
        }
        if (next < insns.size())
        {
            flow(next, s);
        }
    }
}

} // namespace ns3
