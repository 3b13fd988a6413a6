/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RPM_BPF_ASM_H
#define RPM_BPF_ASM_H

// Hand-written eBPF instructions for the interpreter's tests, and a host that records what the
// helpers did.

#include "ns3/bpf-object.h"
#include "ns3/ebpf-program.h"
#include "ns3/ebpf-vm.h"

#include <linux/bpf.h>
#include <string>
#include <vector>

namespace ns3
{
namespace test
{
namespace bpfasm
{

inline struct bpf_insn
Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i
    {
    };

    i.code = code;
    i.dst_reg = dst;
    i.src_reg = src;
    i.off = off;
    i.imm = imm;
    return i;
}

/// ALU64 with an immediate: dst op= imm.
inline struct bpf_insn
Alu64K(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0)
{
    return Insn(BPF_ALU64 | op | BPF_K, dst, 0, off, imm);
}

/// ALU64 with a register: dst op= src.
inline struct bpf_insn
Alu64X(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0)
{
    return Insn(BPF_ALU64 | op | BPF_X, dst, src, off, 0);
}

/// ALU (32-bit) with an immediate.
inline struct bpf_insn
Alu32K(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0)
{
    return Insn(BPF_ALU | op | BPF_K, dst, 0, off, imm);
}

/// ALU (32-bit) with a register.
inline struct bpf_insn
Alu32X(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0)
{
    return Insn(BPF_ALU | op | BPF_X, dst, src, off, 0);
}

/// dst = imm (sign-extended to 64 bits).
inline struct bpf_insn
Mov64(uint8_t dst, int32_t imm)
{
    return Alu64K(BPF_MOV, dst, imm);
}

/// A 64-bit immediate load: two slots.
inline std::vector<struct bpf_insn>
Lddw(uint8_t dst, uint64_t imm, uint8_t src = 0)
{
    return {Insn(BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, static_cast<int32_t>(imm)),
            Insn(0, 0, 0, 0, static_cast<int32_t>(imm >> 32))};
}

/// A conditional jump with an immediate.
inline struct bpf_insn
JmpK(uint8_t cls, uint8_t op, uint8_t dst, int32_t imm, int16_t off)
{
    return Insn(cls | op | BPF_K, dst, 0, off, imm);
}

/// A conditional jump with a register.
inline struct bpf_insn
JmpX(uint8_t cls, uint8_t op, uint8_t dst, uint8_t src, int16_t off)
{
    return Insn(cls | op | BPF_X, dst, src, off, 0);
}

inline struct bpf_insn
Exit()
{
    return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

inline struct bpf_insn
Call(int32_t helper)
{
    return Insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

/// dst = *(size *)(src + off)
inline struct bpf_insn
Ldx(uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{
    return Insn(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
}

/// *(size *)(dst + off) = src
inline struct bpf_insn
Stx(uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{
    return Insn(BPF_STX | BPF_MEM | size, dst, src, off, 0);
}

/// *(size *)(dst + off) = imm
inline struct bpf_insn
St(uint8_t size, uint8_t dst, int16_t off, int32_t imm)
{
    return Insn(BPF_ST | BPF_MEM | size, dst, 0, off, imm);
}

/// A program from pieces: instructions and 64-bit loads.
class Prog
{
  public:
    Prog& operator<<(const struct bpf_insn& i)
    {
        insns.push_back(i);
        return *this;
    }

    Prog& operator<<(const std::vector<struct bpf_insn>& v)
    {
        insns.insert(insns.end(), v.begin(), v.end());
        return *this;
    }

    /// \return the program as an object would give it
    BpfProgramInfo Info(uint32_t attach = BPF_SK_REUSEPORT_SELECT_OR_MIGRATE) const
    {
        BpfProgramInfo info;
        info.name = "test";
        info.section = "sk_reuseport/migrate";
        info.type = BPF_PROG_TYPE_SK_REUSEPORT;
        info.attachType = attach;
        info.insns = insns;
        return info;
    }

    std::vector<struct bpf_insn> insns; //!< the instructions
};

/// A host that answers the helpers with fixed values and records the rest.
class TestHost : public EbpfHost
{
  public:
    int64_t SelectReuseport(uint32_t map, uint32_t key, uint64_t) override
    {
        selected.emplace_back(map, key);
        return selectResult;
    }

    uint64_t GetSocketCookie(EbpfSocket which) override
    {
        return which == EbpfSocket::SK ? 1001 : 2002;
    }

    void FillSocket(EbpfSocket which, struct bpf_sock& out) override
    {
        out.state = which == EbpfSocket::SK ? BPF_TCP_LISTEN : BPF_TCP_ESTABLISHED;
        out.src_port = 80;
    }

    uint64_t GetTimeNs() override
    {
        return 123456789;
    }

    uint32_t GetRandom() override
    {
        return 4;
    }

    void Trace(const std::string& text) override
    {
        traces.push_back(text);
    }

    std::vector<std::pair<uint32_t, uint32_t>> selected; //!< (map, key) asked
    int64_t selectResult{0};                             //!< what selection returns
    std::vector<std::string> traces;                     //!< printed lines
};

/// Load and run a program once; returns r0.
inline uint64_t
Exec(const Prog& p,
     const EbpfRunContext& ctx = EbpfRunContext{},
     const std::vector<BpfMapDef>& maps = {},
     EbpfHost* host = nullptr)
{
    EbpfVm vm(EbpfProgram::Load(p.Info(), maps));
    return vm.Run(ctx, host);
}

} // namespace bpfasm
} // namespace test
} // namespace ns3

#endif /* RPM_BPF_ASM_H */
