/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The interpreter's hot path (EbpfVm::Run): instruction dispatch, arithmetic and checked
// memory accesses, kept in one file so that the compiler inlines them into the loop.

#include "bpf-error.h"
#include "ebpf-context.h"
#include "ebpf-vm.h"

#include <array>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace ns3
{

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

// Per offset of sk_reuseport_md, the load sizes (1, 2, 4, 8 as bits) a program may use.
const std::array<uint8_t, SK_REUSEPORT_MD_SIZE> g_contextSizes = []() {
    std::array<uint8_t, SK_REUSEPORT_MD_SIZE> sizes{};
    for (uint32_t off = 0; off < SK_REUSEPORT_MD_SIZE; ++off)
    {
        for (uint32_t size : {1u, 2u, 4u, 8u})
        {
            if (IsValidContextRead(off, size))
            {
                sizes[off] |= size;
            }
        }
    }
    return sizes;
}();

} // namespace

// Always inlined into the loop's loads and stores (the compiler would not, for its size).
__attribute__((always_inline)) inline uint8_t*
EbpfVm::TranslateFast(uint64_t addr, uint32_t size, bool write, size_t pc)
{
    // The common regions inline: the stack (spills, helper arguments), the context and map
    // values; the others, and every fault, out of line.
    uint64_t off = static_cast<uint32_t>(addr);
    uint32_t region = static_cast<uint32_t>(addr >> 32);
    if (region == bpfaddr::STACK)
    {
        if (off >= bpfaddr::STACK_BASE + m_stackLow &&
            off - bpfaddr::STACK_BASE + size <= bpfaddr::STACK_TOTAL)
        {
            return m_stack + (off - bpfaddr::STACK_BASE);
        }
    }
    else if (region == bpfaddr::CTX)
    {
        if (!write && off < SK_REUSEPORT_MD_SIZE && (g_contextSizes[off] & size))
        {
            return m_ctx + off;
        }
    }
    else if (region - bpfaddr::MAP_VALUE < m_values.size()) // unsigned: below MAP_VALUE wraps
    {
        const Values& v = m_values[region - bpfaddr::MAP_VALUE];
        if (off + size <= v.total && off % v.valueSize + size <= v.valueSize &&
            !(write && v.readOnly))
        {
            return v.base + off;
        }
    }
    return TranslateSlow(addr, size, write, pc);
}

uint8_t*
EbpfVm::Translate(uint64_t addr, uint32_t size, bool write, size_t pc)
{
    return TranslateFast(addr, size, write, pc);
}

uint8_t*
EbpfVm::TranslateSlow(uint64_t addr, uint32_t size, bool write, size_t pc)
{
    uint32_t region = static_cast<uint32_t>(addr >> 32);
    uint64_t off = static_cast<uint32_t>(addr);
    switch (region)
    {
    case bpfaddr::STACK:
        if (off >= bpfaddr::STACK_BASE + m_stackLow &&
            off - bpfaddr::STACK_BASE + size <= bpfaddr::STACK_TOTAL)
        {
            return m_stack + (off - bpfaddr::STACK_BASE);
        }
        break;
    case bpfaddr::CTX:
        if (!write && off < SK_REUSEPORT_MD_SIZE && (g_contextSizes[off] & size))
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
    std::memcpy(&v, TranslateFast(addr, sizeof(T), false, pc), sizeof(T));
    return v;
}

template <typename T>
void
EbpfVm::Store(uint64_t addr, T value, size_t pc)
{
    std::memcpy(TranslateFast(addr, sizeof(T), true, pc), &value, sizeof(T));
}

template <typename T>
void
EbpfVm::Atomic(const EbpfInsn& in, uint64_t* r, size_t pc)
{
    // One program runs at a time, so plain reads and writes are atomic.
    uint8_t* p = TranslateFast(r[in.dst] + in.off, sizeof(T), true, pc);
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

// Threaded dispatch: every handler ends with its own indirect jump to the next one, which
// predicts far better than the single jump of a switch (GCC and clang "labels as values").
#define RPM_NEXT()                                                                                 \
    do                                                                                             \
    {                                                                                              \
        ++pc;                                                                                      \
        if (__builtin_expect(++count > budget, 0))                                                 \
        {                                                                                          \
            goto exhausted;                                                                        \
        }                                                                                          \
        in = &insns[pc];                                                                           \
        goto* table[in->code];                                                                     \
    } while (0)

#define RPM_ALU(NAME, EXPR64, EXPR32)                                                              \
    NAME##64_K:                                                                                    \
    {                                                                                              \
        uint64_t d = r[in->dst];                                                                   \
        uint64_t s = static_cast<uint64_t>(static_cast<int64_t>(in->imm));                         \
        r[in->dst] = (EXPR64);                                                                     \
        RPM_NEXT();                                                                                \
    }                                                                                              \
    NAME##64_X:                                                                                    \
    {                                                                                              \
        uint64_t d = r[in->dst];                                                                   \
        uint64_t s = r[in->src];                                                                   \
        r[in->dst] = (EXPR64);                                                                     \
        RPM_NEXT();                                                                                \
    }                                                                                              \
    NAME##32_K:                                                                                    \
    {                                                                                              \
        uint32_t d = static_cast<uint32_t>(r[in->dst]);                                            \
        uint32_t s = static_cast<uint32_t>(in->imm);                                               \
        r[in->dst] = static_cast<uint32_t>(EXPR32);                                                \
        RPM_NEXT();                                                                                \
    }                                                                                              \
    NAME##32_X:                                                                                    \
    {                                                                                              \
        uint32_t d = static_cast<uint32_t>(r[in->dst]);                                            \
        uint32_t s = static_cast<uint32_t>(r[in->src]);                                            \
        r[in->dst] = static_cast<uint32_t>(EXPR32);                                                \
        RPM_NEXT();                                                                                \
    }

#define RPM_JMP(NAME, COND)                                                                        \
    NAME##64_K:                                                                                    \
    {                                                                                              \
        uint64_t d = r[in->dst];                                                                   \
        uint64_t s = static_cast<uint64_t>(static_cast<int64_t>(in->imm));                         \
        pc += (COND) ? in->off : 0;                                                                \
        RPM_NEXT();                                                                                \
    }                                                                                              \
    NAME##64_X:                                                                                    \
    {                                                                                              \
        uint64_t d = r[in->dst];                                                                   \
        uint64_t s = r[in->src];                                                                   \
        pc += (COND) ? in->off : 0;                                                                \
        RPM_NEXT();                                                                                \
    }                                                                                              \
    NAME##32_K:                                                                                    \
    {                                                                                              \
        uint32_t d = static_cast<uint32_t>(r[in->dst]);                                            \
        uint32_t s = static_cast<uint32_t>(in->imm);                                               \
        pc += (COND) ? in->off : 0;                                                                \
        RPM_NEXT();                                                                                \
    }                                                                                              \
    NAME##32_X:                                                                                    \
    {                                                                                              \
        uint32_t d = static_cast<uint32_t>(r[in->dst]);                                            \
        uint32_t s = static_cast<uint32_t>(r[in->src]);                                            \
        pc += (COND) ? in->off : 0;                                                                \
        RPM_NEXT();                                                                                \
    }

#define RPM_MEM(NAME, T, ST)                                                                       \
    NAME##_LDX : r[in->dst] = Load<T>(r[in->src] + in->off, pc);                                   \
    RPM_NEXT();                                                                                    \
    NAME##_LDXSX : r[in->dst] = static_cast<uint64_t>(                                             \
                       static_cast<int64_t>(static_cast<ST>(Load<T>(r[in->src] + in->off, pc))));  \
    RPM_NEXT();                                                                                    \
    NAME##_ST : Store<T>(r[in->dst] + in->off, static_cast<T>(static_cast<int64_t>(in->imm)), pc); \
    RPM_NEXT();                                                                                    \
    NAME##_STX : Store<T>(r[in->dst] + in->off, static_cast<T>(r[in->src]), pc);                   \
    RPM_NEXT();

// Table entries for the labels above.
#define RPM_SET_ALU(NAME, OP)                                                                      \
    t[BPF_ALU64 | OP | BPF_K] = &&NAME##64_K;                                                      \
    t[BPF_ALU64 | OP | BPF_X] = &&NAME##64_X;                                                      \
    t[BPF_ALU | OP | BPF_K] = &&NAME##32_K;                                                        \
    t[BPF_ALU | OP | BPF_X] = &&NAME##32_X;
#define RPM_SET_JMP(NAME, OP)                                                                      \
    t[BPF_JMP | OP | BPF_K] = &&NAME##64_K;                                                        \
    t[BPF_JMP | OP | BPF_X] = &&NAME##64_X;                                                        \
    t[BPF_JMP32 | OP | BPF_K] = &&NAME##32_K;                                                      \
    t[BPF_JMP32 | OP | BPF_X] = &&NAME##32_X;
#define RPM_SET_MEM(NAME, SIZE)                                                                    \
    t[BPF_LDX | BPF_MEM | SIZE] = &&NAME##_LDX;                                                    \
    t[BPF_LDX | ebpfop::MEMSX | SIZE] = &&NAME##_LDXSX;                                            \
    t[BPF_ST | BPF_MEM | SIZE] = &&NAME##_ST;                                                      \
    t[BPF_STX | BPF_MEM | SIZE] = &&NAME##_STX;

uint64_t
EbpfVm::Run(const EbpfRunContext& ctx, EbpfHost* host)
{
    static void* table[256];
    static bool ready = false;
    if (!ready)
    {
        void** t = table;
        for (int i = 0; i < 256; ++i)
        {
            t[i] = &&unknown;
        }
        RPM_SET_ALU(ADD, BPF_ADD)
        RPM_SET_ALU(SUB, BPF_SUB)
        RPM_SET_ALU(MUL, BPF_MUL)
        RPM_SET_ALU(DIV, BPF_DIV)
        RPM_SET_ALU(MOD, BPF_MOD)
        RPM_SET_ALU(OR, BPF_OR)
        RPM_SET_ALU(AND, BPF_AND)
        RPM_SET_ALU(XOR, BPF_XOR)
        RPM_SET_ALU(LSH, BPF_LSH)
        RPM_SET_ALU(RSH, BPF_RSH)
        RPM_SET_ALU(ARSH, BPF_ARSH)
        t[BPF_ALU64 | BPF_MOV | BPF_K] = &&MOV64_K;
        t[BPF_ALU64 | BPF_MOV | BPF_X] = &&MOV64_X;
        t[BPF_ALU | BPF_MOV | BPF_K] = &&MOV32_K;
        t[BPF_ALU | BPF_MOV | BPF_X] = &&MOV32_X;
        t[BPF_ALU64 | BPF_NEG] = &&NEG64;
        t[BPF_ALU | BPF_NEG] = &&NEG32;
        t[BPF_ALU | BPF_END | BPF_TO_LE] = &&END_LE;
        t[BPF_ALU | BPF_END | BPF_TO_BE] = &&BSWAP;
        t[BPF_ALU64 | BPF_END | BPF_TO_LE] = &&BSWAP; // RFC 9669: unconditional byte swap
        t[BPF_JMP | BPF_JA] = &&JA;
        t[BPF_JMP32 | BPF_JA] = &&JA32;
        RPM_SET_JMP(JEQ, BPF_JEQ)
        RPM_SET_JMP(JNE, BPF_JNE)
        RPM_SET_JMP(JGT, BPF_JGT)
        RPM_SET_JMP(JGE, BPF_JGE)
        RPM_SET_JMP(JLT, BPF_JLT)
        RPM_SET_JMP(JLE, BPF_JLE)
        RPM_SET_JMP(JSET, BPF_JSET)
        RPM_SET_JMP(JSGT, BPF_JSGT)
        RPM_SET_JMP(JSGE, BPF_JSGE)
        RPM_SET_JMP(JSLT, BPF_JSLT)
        RPM_SET_JMP(JSLE, BPF_JSLE)
        t[BPF_JMP | BPF_CALL] = &&CALL;
        t[BPF_JMP | BPF_EXIT] = &&EXIT;
        t[BPF_LD | BPF_IMM | BPF_DW] = &&LDDW;
        RPM_SET_MEM(B, BPF_B)
        RPM_SET_MEM(H, BPF_H)
        RPM_SET_MEM(W, BPF_W)
        t[BPF_LDX | BPF_MEM | BPF_DW] = &&DW_LDX;
        t[BPF_ST | BPF_MEM | BPF_DW] = &&DW_ST;
        t[BPF_STX | BPF_MEM | BPF_DW] = &&DW_STX;
        t[BPF_STX | BPF_ATOMIC | BPF_W] = &&ATOMIC32;
        t[BPF_STX | BPF_ATOMIC | BPF_DW] = &&ATOMIC64;
        ready = true;
    }

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
    r[BPF_REG_10] = bpfaddr::Make(bpfaddr::STACK, bpfaddr::STACK_BASE + bpfaddr::STACK_TOTAL);
    m_depth = 0;
    m_stackLow = bpfaddr::STACK_TOTAL - bpfaddr::STACK_SIZE;
    const EbpfInsn* insns = m_program.GetInsns().data();
    const uint64_t budget = m_budget;
    uint64_t count = 1;
    size_t pc = 0;
    const EbpfInsn* in = &insns[0];
    if (budget == 0)
    {
        goto exhausted;
    }
    goto* table[in->code];

    RPM_ALU(ADD, d + s, d + s)
    RPM_ALU(SUB, d - s, d - s)
    RPM_ALU(MUL, d * s, d * s)
    RPM_ALU(DIV, Div(d, s, in->off == 1), Div(d, s, in->off == 1))
    RPM_ALU(MOD, Mod(d, s, in->off == 1), Mod(d, s, in->off == 1))
    RPM_ALU(OR, d | s, d | s)
    RPM_ALU(AND, d & s, d & s)
    RPM_ALU(XOR, d ^ s, d ^ s)
    RPM_ALU(LSH, d << (s & 63), d << (s & 31))
    RPM_ALU(RSH, d >> (s & 63), d >> (s & 31))
    RPM_ALU(ARSH,
            static_cast<uint64_t>(static_cast<int64_t>(d) >> (s & 63)),
            static_cast<uint32_t>(static_cast<int32_t>(d) >> (s & 31)))
MOV64_K:
    r[in->dst] = static_cast<uint64_t>(static_cast<int64_t>(in->imm));
    RPM_NEXT();
MOV64_X: // off 8, 16, 32: MOVSX
    r[in->dst] = SignExtend(r[in->src], in->off);
    RPM_NEXT();
MOV32_K:
    r[in->dst] = static_cast<uint32_t>(in->imm);
    RPM_NEXT();
MOV32_X:
    r[in->dst] = static_cast<uint32_t>(SignExtend(r[in->src], in->off));
    RPM_NEXT();
NEG64:
    r[in->dst] = 0 - r[in->dst];
    RPM_NEXT();
NEG32:
    r[in->dst] = static_cast<uint32_t>(0 - static_cast<uint32_t>(r[in->dst]));
    RPM_NEXT();
END_LE:
    r[in->dst] = Truncate(r[in->dst], in->imm);
    RPM_NEXT();
BSWAP:
    r[in->dst] = ByteSwap(r[in->dst], in->imm);
    RPM_NEXT();
JA:
    pc += in->off;
    RPM_NEXT();
JA32:
    pc += in->imm;
    RPM_NEXT();
    RPM_JMP(JEQ, d == s)
    RPM_JMP(JNE, d != s)
    RPM_JMP(JGT, d > s)
    RPM_JMP(JGE, d >= s)
    RPM_JMP(JLT, d < s)
    RPM_JMP(JLE, d <= s)
    RPM_JMP(JSET, (d & s) != 0)
    RPM_JMP(JSGT, SignedGt(d, s))
    RPM_JMP(JSGE, SignedGe(d, s))
    RPM_JMP(JSLT, SignedGt(s, d))
    RPM_JMP(JSLE, SignedGe(s, d))
CALL:
    if (in->src == BPF_PSEUDO_CALL)
    {
        // A BPF function: a new frame with its own stack below the caller's; r6-r9 are
        // the callee's to use and come back as they were.
        if (m_depth + 1 >= bpfaddr::MAX_CALL_FRAMES)
        {
            Fault(pc, "calls nested more than 8 frames deep (MAX_CALL_FRAMES)");
        }
        Frame& f = m_frames[m_depth++];
        f.returnPc = pc;
        std::memcpy(f.saved, &r[BPF_REG_6], sizeof(f.saved));
        m_stackLow -= bpfaddr::STACK_SIZE;
        r[BPF_REG_10] =
            bpfaddr::Make(bpfaddr::STACK, bpfaddr::STACK_BASE + m_stackLow + bpfaddr::STACK_SIZE);
        pc += in->imm;
        RPM_NEXT();
    }
    r[BPF_REG_0] = Call(*in, r, pc);
    RPM_NEXT();
LDDW:
    r[in->dst] = in->imm64;
    ++pc; // the second slot
    RPM_NEXT();
    RPM_MEM(B, uint8_t, int8_t)
    RPM_MEM(H, uint16_t, int16_t)
    RPM_MEM(W, uint32_t, int32_t)
DW_LDX:
    r[in->dst] = Load<uint64_t>(r[in->src] + in->off, pc);
    RPM_NEXT();
DW_ST:
    Store<uint64_t>(r[in->dst] + in->off, static_cast<uint64_t>(static_cast<int64_t>(in->imm)), pc);
    RPM_NEXT();
DW_STX:
    Store<uint64_t>(r[in->dst] + in->off, r[in->src], pc);
    RPM_NEXT();
ATOMIC32:
    Atomic<uint32_t>(*in, r, pc);
    RPM_NEXT();
ATOMIC64:
    Atomic<uint64_t>(*in, r, pc);
    RPM_NEXT();
EXIT:
    if (m_depth > 0)
    {
        const Frame& f = m_frames[--m_depth];
        std::memcpy(&r[BPF_REG_6], f.saved, sizeof(f.saved));
        m_stackLow += bpfaddr::STACK_SIZE;
        r[BPF_REG_10] =
            bpfaddr::Make(bpfaddr::STACK, bpfaddr::STACK_BASE + m_stackLow + bpfaddr::STACK_SIZE);
        pc = f.returnPc;
        RPM_NEXT();
    }
    m_lastCount = count;
    return r[BPF_REG_0];
unknown:
    Fault(pc, "unknown opcode " + std::to_string(in->code)); // refused at load
exhausted:
    m_lastCount = count - 1;
    Fault(pc,
          "instruction budget of " + std::to_string(budget) +
              " exhausted (the kernel's verifier refuses programs that may not end)");
}

#undef RPM_NEXT
#undef RPM_ALU
#undef RPM_JMP
#undef RPM_MEM
#undef RPM_SET_ALU
#undef RPM_SET_JMP
#undef RPM_SET_MEM

} // namespace ns3
