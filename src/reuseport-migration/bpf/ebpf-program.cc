/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ebpf-program.h"

#include "bpf-error.h"
#include "ebpf-context.h"

#include "ns3/log.h"

#include <linux/bpf.h>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("EbpfProgram");

BpfHelper
BpfHelperFromId(int32_t id)
{
    switch (id)
    {
    case BPF_FUNC_map_lookup_elem:
        return BpfHelper::MAP_LOOKUP_ELEM;
    case BPF_FUNC_map_update_elem:
        return BpfHelper::MAP_UPDATE_ELEM;
    case BPF_FUNC_map_delete_elem:
        return BpfHelper::MAP_DELETE_ELEM;
    case BPF_FUNC_ktime_get_ns:
        return BpfHelper::KTIME_GET_NS;
    case BPF_FUNC_trace_printk:
        return BpfHelper::TRACE_PRINTK;
    case BPF_FUNC_get_prandom_u32:
        return BpfHelper::GET_PRANDOM_U32;
    case BPF_FUNC_get_socket_cookie:
        return BpfHelper::GET_SOCKET_COOKIE;
    case BPF_FUNC_sk_select_reuseport:
        return BpfHelper::SK_SELECT_REUSEPORT;
    default:
        return BpfHelper::NONE;
    }
}

namespace
{

/// Checks one instruction; returns an empty string or what is wrong.
class Checker
{
  public:
    Checker(const std::vector<struct bpf_insn>& insns, const std::vector<BpfMapDef>& maps)
        : m_insns(insns),
          m_maps(maps)
    {
    }

    /// \return the reason, or "" when the instruction at pc is valid
    std::string Check(size_t pc) const
    {
        const struct bpf_insn& i = m_insns[pc];
        uint8_t cls = BPF_CLASS(i.code);
        if (i.dst_reg > BPF_REG_10 || i.src_reg > BPF_REG_10)
        {
            return "register number out of range";
        }
        switch (cls)
        {
        case BPF_ALU:
        case BPF_ALU64:
            return CheckAlu(i);
        case BPF_JMP:
        case BPF_JMP32:
            return CheckJmp(pc, i);
        case BPF_LD:
            return CheckLd(pc, i);
        case BPF_LDX:
            if (i.dst_reg == BPF_REG_10)
            {
                return "r10 (the frame pointer) is read-only";
            }
            if (BPF_MODE(i.code) == BPF_MEM)
            {
                return "";
            }
            if (BPF_MODE(i.code) == ebpfop::MEMSX && BPF_SIZE(i.code) != BPF_DW)
            {
                return "";
            }
            return "unknown load mode";
        case BPF_ST:
            return BPF_MODE(i.code) == BPF_MEM ? "" : "unknown store mode";
        case BPF_STX:
            if (BPF_MODE(i.code) == BPF_MEM)
            {
                return "";
            }
            if (BPF_MODE(i.code) == BPF_ATOMIC)
            {
                return CheckAtomic(i);
            }
            return "unknown store mode";
        }
        return "unknown instruction class";
    }

  private:
    std::string CheckAlu(const struct bpf_insn& i) const
    {
        bool is64 = BPF_CLASS(i.code) == BPF_ALU64;
        uint8_t op = BPF_OP(i.code);
        bool k = BPF_SRC(i.code) == BPF_K;
        if (i.dst_reg == BPF_REG_10)
        {
            return "r10 (the frame pointer) is read-only";
        }
        switch (op)
        {
        case BPF_ADD:
        case BPF_SUB:
        case BPF_MUL:
        case BPF_OR:
        case BPF_AND:
        case BPF_XOR:
            return i.off == 0 ? "" : "nonzero offset";
        case BPF_DIV:
        case BPF_MOD:
            if (i.off != 0 && i.off != 1)
            {
                return "division offset must be 0 (unsigned) or 1 (signed)";
            }
            // As the kernel's verifier: a constant divisor of zero is refused; a register one
            // gives the RFC's result at run time.
            return k && i.imm == 0 ? "division by zero" : "";
        case BPF_LSH:
        case BPF_RSH:
        case BPF_ARSH:
            if (k && (i.imm < 0 || i.imm >= (is64 ? 64 : 32)))
            {
                return "invalid shift " + std::to_string(i.imm);
            }
            return i.off == 0 ? "" : "nonzero offset";
        case BPF_NEG:
            return k && i.src_reg == 0 && i.off == 0 ? "" : "invalid negation";
        case BPF_MOV:
            if (k)
            {
                return i.off == 0 ? "" : "nonzero offset";
            }
            if (i.off == 0 || i.off == 8 || i.off == 16 || (is64 && i.off == 32))
            {
                return "";
            }
            return "invalid sign-extension width " + std::to_string(i.off);
        case BPF_END:
            if (i.imm != 16 && i.imm != 32 && i.imm != 64)
            {
                return "invalid byte-swap width " + std::to_string(i.imm);
            }
            return is64 && !k ? "unknown byte-swap opcode" : "";
        }
        return "unknown ALU operation";
    }

    std::string CheckJmp(size_t pc, const struct bpf_insn& i) const
    {
        uint8_t op = BPF_OP(i.code);
        bool is32 = BPF_CLASS(i.code) == BPF_JMP32;
        if (op == BPF_EXIT)
        {
            return is32 ? "unknown jump opcode" : "";
        }
        if (op == BPF_CALL)
        {
            if (is32)
            {
                return "unknown jump opcode";
            }
            if (i.src_reg == BPF_PSEUDO_CALL)
            {
                int64_t target = static_cast<int64_t>(pc) + 1 + i.imm;
                if (target < 0 || target >= static_cast<int64_t>(m_insns.size()))
                {
                    return "call of a BPF function out of range (to " + std::to_string(target) +
                           " of " + std::to_string(m_insns.size()) + ")";
                }
                if (target > 0 && IsLddw(m_insns[target - 1]) && !IsSecondHalf(target - 1))
                {
                    return "call into the middle of a 64-bit immediate load";
                }
                return "";
            }
            if (i.src_reg != 0)
            {
                return "kernel function calls are not supported";
            }
            if (BpfHelperFromId(i.imm) == BpfHelper::NONE)
            {
                return "unknown helper " + std::to_string(i.imm) +
                       " (the simulator provides map lookup/update/delete, ktime_get_ns, "
                       "trace_printk, get_prandom_u32, get_socket_cookie, sk_select_reuseport)";
            }
            return "";
        }
        if (op > BPF_JSLE)
        {
            return "unknown jump opcode";
        }
        int64_t off = op == BPF_JA && is32 ? i.imm : i.off;
        int64_t target = static_cast<int64_t>(pc) + 1 + off;
        if (target < 0 || target >= static_cast<int64_t>(m_insns.size()))
        {
            return "jump out of range (to " + std::to_string(target) + " of " +
                   std::to_string(m_insns.size()) + ")";
        }
        if (target > 0 && IsLddw(m_insns[target - 1]) && !IsSecondHalf(target - 1))
        {
            return "jump into the middle of a 64-bit immediate load";
        }
        return "";
    }

    std::string CheckLd(size_t pc, const struct bpf_insn& i) const
    {
        if (i.code != (BPF_LD | BPF_IMM | BPF_DW))
        {
            return "legacy packet loads (LD_ABS, LD_IND) are not available to SK_REUSEPORT";
        }
        if (pc + 1 >= m_insns.size() || m_insns[pc + 1].code != 0)
        {
            return "incomplete 64-bit immediate load";
        }
        if (i.dst_reg == BPF_REG_10)
        {
            return "r10 (the frame pointer) is read-only";
        }
        if (i.src_reg == 0)
        {
            return "";
        }
        if (i.src_reg != BPF_PSEUDO_MAP_FD && i.src_reg != BPF_PSEUDO_MAP_VALUE)
        {
            return "unsupported 64-bit immediate kind " + std::to_string(i.src_reg);
        }
        if (i.imm < 0 || static_cast<size_t>(i.imm) >= m_maps.size())
        {
            return "reference to map " + std::to_string(i.imm) + ", but the object has " +
                   std::to_string(m_maps.size()) + " map(s)";
        }
        if (i.src_reg == BPF_PSEUDO_MAP_VALUE)
        {
            const BpfMapDef& m = m_maps[i.imm];
            uint64_t size = static_cast<uint64_t>(m.valueSize) * m.maxEntries;
            if (m.type != BPF_MAP_TYPE_ARRAY || m_insns[pc + 1].imm < 0 ||
                static_cast<uint64_t>(m_insns[pc + 1].imm) >= size)
            {
                return "bad reference into the values of map " + m.name;
            }
        }
        return "";
    }

    static std::string CheckAtomic(const struct bpf_insn& i)
    {
        if (BPF_SIZE(i.code) != BPF_W && BPF_SIZE(i.code) != BPF_DW)
        {
            return "atomic operations are 32 or 64 bits wide";
        }
        switch (i.imm)
        {
        case BPF_ADD:
        case BPF_OR:
        case BPF_AND:
        case BPF_XOR:
        case BPF_ADD | BPF_FETCH:
        case BPF_OR | BPF_FETCH:
        case BPF_AND | BPF_FETCH:
        case BPF_XOR | BPF_FETCH:
        case BPF_XCHG:
        case BPF_CMPXCHG:
            return "";
        }
        return "unknown atomic operation " + std::to_string(i.imm);
    }

    static bool IsLddw(const struct bpf_insn& i)
    {
        return i.code == (BPF_LD | BPF_IMM | BPF_DW);
    }

    /// \return true if the instruction at pc is the second slot of a LDDW
    bool IsSecondHalf(size_t pc) const
    {
        // Count the LDDW run backwards: slots alternate between first and second halves.
        size_t run = 0;
        while (pc >= run + 1 && IsLddw(m_insns[pc - run - 1]))
        {
            ++run;
        }
        return run % 2 == 1;
    }

    const std::vector<struct bpf_insn>& m_insns; //!< program
    const std::vector<BpfMapDef>& m_maps;        //!< maps
};

} // namespace

EbpfProgram
EbpfProgram::Load(const BpfProgramInfo& info, const std::vector<BpfMapDef>& maps)
{
    NS_LOG_FUNCTION(info.name);
    const std::string& name = info.name;
    if (info.type != BPF_PROG_TYPE_SK_REUSEPORT)
    {
        throw BpfLoadError(name,
                           BpfLoadError::NO_INSN,
                           "section " + info.section + " gives program type " +
                               std::to_string(info.type) + ", not SK_REUSEPORT (" +
                               std::to_string(BPF_PROG_TYPE_SK_REUSEPORT) + ")");
    }
    if (info.attachType != 0 && info.attachType != BPF_SK_REUSEPORT_SELECT &&
        info.attachType != BPF_SK_REUSEPORT_SELECT_OR_MIGRATE)
    {
        throw BpfLoadError(name,
                           BpfLoadError::NO_INSN,
                           "unknown attach type " + std::to_string(info.attachType));
    }
    if (info.insns.empty() || info.insns.size() > ebpfop::MAX_INSNS)
    {
        throw BpfLoadError(name, BpfLoadError::NO_INSN, "no instructions, or too many");
    }
    if (maps.size() > bpfaddr::MAX_MAPS)
    {
        throw BpfLoadError(name, BpfLoadError::NO_INSN, "more than 256 maps");
    }
    for (const BpfMapDef& m : maps)
    {
        if (m.type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY &&
            (m.keySize != 4 || (m.valueSize != 4 && m.valueSize != 8)))
        {
            throw BpfLoadError(name,
                               BpfLoadError::NO_INSN,
                               "map " + m.name +
                                   ": a REUSEPORT_SOCKARRAY has 4-byte keys and 4- or 8-byte "
                                   "values");
        }
        if (m.type != BPF_MAP_TYPE_REUSEPORT_SOCKARRAY && m.type != BPF_MAP_TYPE_ARRAY &&
            m.type != BPF_MAP_TYPE_HASH)
        {
            throw BpfLoadError(name,
                               BpfLoadError::NO_INSN,
                               "map " + m.name + " has type " + BpfMapTypeName(m.type) +
                                   "; the simulator supports ARRAY, HASH and REUSEPORT_SOCKARRAY");
        }
        if (m.type == BPF_MAP_TYPE_ARRAY && m.keySize != 4)
        {
            throw BpfLoadError(name, BpfLoadError::NO_INSN, "map " + m.name + ": 4-byte keys");
        }
        if (m.keySize == 0 || m.valueSize == 0 || m.maxEntries == 0)
        {
            throw BpfLoadError(name, BpfLoadError::NO_INSN, "map " + m.name + " is empty");
        }
    }

    Checker checker(info.insns, maps);
    EbpfProgram p;
    p.m_name = name;
    p.m_migrate = info.attachType == BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
    p.m_maps = maps;
    p.m_insns.reserve(info.insns.size());
    for (size_t pc = 0; pc < info.insns.size(); ++pc)
    {
        std::string why = checker.Check(pc);
        if (!why.empty())
        {
            throw BpfLoadError(name, static_cast<int64_t>(pc), why);
        }
        const struct bpf_insn& i = info.insns[pc];
        EbpfInsn d{i.code, i.dst_reg, i.src_reg, BpfHelper::NONE, i.off, i.imm, 0};
        if (i.code == (BPF_JMP | BPF_CALL))
        {
            d.helper = BpfHelperFromId(i.imm);
        }
        p.m_insns.push_back(d);
        if (i.code == (BPF_LD | BPF_IMM | BPF_DW))
        {
            const struct bpf_insn& next = info.insns[pc + 1];
            uint32_t m = static_cast<uint32_t>(i.imm);
            switch (i.src_reg)
            {
            case 0:
                p.m_insns.back().imm64 =
                    static_cast<uint32_t>(i.imm) |
                    (static_cast<uint64_t>(static_cast<uint32_t>(next.imm)) << 32);
                break;
            case BPF_PSEUDO_MAP_FD:
                p.m_insns.back().imm64 = bpfaddr::Make(bpfaddr::MAP + m, 0);
                break;
            default:
                p.m_insns.back().imm64 =
                    bpfaddr::Make(bpfaddr::MAP_VALUE + m, static_cast<uint32_t>(next.imm));
            }
            p.m_insns.push_back(EbpfInsn{0, 0, 0, BpfHelper::NONE, 0, 0, 0});
            ++pc;
        }
    }
    // A program must end: the last instruction is an exit or an unconditional jump.
    const struct bpf_insn& last = info.insns.back();
    bool lddwTail = info.insns.size() >= 2 &&
                    info.insns[info.insns.size() - 2].code == (BPF_LD | BPF_IMM | BPF_DW);
    if (lddwTail || (last.code != (BPF_JMP | BPF_EXIT) && last.code != (BPF_JMP | BPF_JA) &&
                     last.code != (BPF_JMP32 | BPF_JA)))
    {
        throw BpfLoadError(name,
                           static_cast<int64_t>(info.insns.size() - 1),
                           "the program runs past its last instruction");
    }
    CheckContextAccesses(name, info.insns, maps);
    return p;
}

const std::string&
EbpfProgram::GetName() const
{
    return m_name;
}

bool
EbpfProgram::IsMigrate() const
{
    return m_migrate;
}

const std::vector<EbpfInsn>&
EbpfProgram::GetInsns() const
{
    return m_insns;
}

const std::vector<BpfMapDef>&
EbpfProgram::GetMaps() const
{
    return m_maps;
}

} // namespace ns3
