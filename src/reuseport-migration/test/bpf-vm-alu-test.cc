/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The interpreter's arithmetic against RFC 9669 section 4: 32-bit operations zero-extend
// their result, immediates are sign-extended for 64-bit operations, x / 0 = 0 and x % 0 = x,
// shift counts are masked, signed division truncates, and the byte-swap rules.

#include "bpf-asm.h"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>

namespace ns3
{
namespace test
{
namespace
{

using namespace bpfasm;

/// r0 = a; r1 = b; r0 op= r1 (ALU64 or ALU); exit.
uint64_t
Binary(bool is64, uint8_t op, uint64_t a, uint64_t b, int16_t off = 0)
{
    Prog p;
    p << Lddw(0, a) << Lddw(1, b) << (is64 ? Alu64X(op, 0, 1, off) : Alu32X(op, 0, 1, off))
      << Exit();
    return Exec(p);
}

constexpr uint64_t ALL_ONES = std::numeric_limits<uint64_t>::max();
constexpr uint64_t INT64_MIN_BITS = uint64_t{1} << 63;

TEST(BpfVmAlu, Add64WrapsAround)
{
    EXPECT_EQ(Binary(true, BPF_ADD, ALL_ONES, 2), 1u);
}

TEST(BpfVmAlu, Alu32ZeroExtendsItsResult)
{
    // 0xffffffff + 1 in 32 bits is 0, and the upper half of the register is cleared.
    EXPECT_EQ(Binary(false, BPF_ADD, 0x1ffffffffULL, 1), 0u);
    EXPECT_EQ(Binary(false, BPF_SUB, 0x500000003ULL, 5), 0xfffffffeu);
    EXPECT_EQ(Binary(false, BPF_MUL, 0x100000003ULL, 0x80000000ULL), 0x80000000u);
}

TEST(BpfVmAlu, ImmediateIsSignExtendedFor64BitsOnly)
{
    Prog p64;
    p64 << Mov64(0, -1) << Exit();
    EXPECT_EQ(Exec(p64), ALL_ONES);
    Prog p32;
    p32 << Alu32K(BPF_MOV, 0, -1) << Exit();
    EXPECT_EQ(Exec(p32), 0xffffffffu);
    Prog add;
    add << Mov64(0, 0) << Alu64K(BPF_ADD, 0, -2) << Exit();
    EXPECT_EQ(Exec(add), ALL_ONES - 1);
}

TEST(BpfVmAlu, DivisionByZeroGivesZero)
{
    EXPECT_EQ(Binary(true, BPF_DIV, 7, 0), 0u);
    EXPECT_EQ(Binary(false, BPF_DIV, 7, 0), 0u);
    EXPECT_EQ(Binary(true, BPF_DIV, 7, 0, 1), 0u);  // SDIV
    EXPECT_EQ(Binary(false, BPF_DIV, 7, 0, 1), 0u); // SDIV 32
}

TEST(BpfVmAlu, ModuloByZeroLeavesTheDividend)
{
    EXPECT_EQ(Binary(true, BPF_MOD, 0x123456789ULL, 0), 0x123456789ULL);
    // 32 bits: dst = (u32)dst.
    EXPECT_EQ(Binary(false, BPF_MOD, 0x100000007ULL, 0), 7u);
    EXPECT_EQ(Binary(true, BPF_MOD, 7, 0, 1), 7u); // SMOD
}

TEST(BpfVmAlu, UnsignedDivisionAndModulo)
{
    EXPECT_EQ(Binary(true, BPF_DIV, 100, 7), 14u);
    EXPECT_EQ(Binary(true, BPF_MOD, 100, 7), 2u);
    // -1 as unsigned 64 bits, divided by 2.
    EXPECT_EQ(Binary(true, BPF_DIV, ALL_ONES, 2), 0x7fffffffffffffffULL);
    // 32 bits: only the low halves count.
    EXPECT_EQ(Binary(false, BPF_DIV, 0x500000064ULL, 0x300000007ULL), 14u);
}

TEST(BpfVmAlu, SignedDivisionTruncatesTowardsZero)
{
    const uint64_t minus7 = static_cast<uint64_t>(-7);
    EXPECT_EQ(Binary(true, BPF_DIV, minus7, 2, 1), static_cast<uint64_t>(-3));
    EXPECT_EQ(Binary(true, BPF_MOD, minus7, 2, 1), static_cast<uint64_t>(-1));
    EXPECT_EQ(Binary(true, BPF_MOD, 7, static_cast<uint64_t>(-2), 1), 1u);
    // 32 bits: -7 / 2 = -3 as a 32-bit value, zero-extended.
    EXPECT_EQ(Binary(false, BPF_DIV, 0xfffffff9u, 2, 1), 0xfffffffdu);
    // An immediate divisor is a signed 32-bit value.
    Prog p;
    p << Mov64(0, 12) << Alu64K(BPF_DIV, 0, -4, 1) << Exit();
    EXPECT_EQ(Exec(p), static_cast<uint64_t>(-3));
}

TEST(BpfVmAlu, SignedOverflowWraps)
{
    // LLONG_MIN / -1 does not trap: the result wraps to LLONG_MIN; the remainder is 0.
    EXPECT_EQ(Binary(true, BPF_DIV, INT64_MIN_BITS, ALL_ONES, 1), INT64_MIN_BITS);
    EXPECT_EQ(Binary(true, BPF_MOD, INT64_MIN_BITS, ALL_ONES, 1), 0u);
    EXPECT_EQ(Binary(false, BPF_DIV, 0x80000000u, 0xffffffffu, 1), 0x80000000u);
}

TEST(BpfVmAlu, BitwiseOperations)
{
    EXPECT_EQ(Binary(true, BPF_OR, 0xf0, 0x0f), 0xffu);
    EXPECT_EQ(Binary(true, BPF_AND, 0xff00ff00ff00ff00ULL, 0x0ff00ff00ff00ff0ULL),
              0x0f000f000f000f00ULL);
    EXPECT_EQ(Binary(true, BPF_XOR, ALL_ONES, 1), ALL_ONES - 1);
    EXPECT_EQ(Binary(false, BPF_XOR, ALL_ONES, 1), 0xfffffffeu);
}

TEST(BpfVmAlu, ShiftCountsAreMasked)
{
    // 64-bit shifts use the count modulo 64, 32-bit ones modulo 32.
    EXPECT_EQ(Binary(true, BPF_LSH, 1, 65), 2u);
    EXPECT_EQ(Binary(false, BPF_LSH, 1, 33), 2u);
    EXPECT_EQ(Binary(true, BPF_RSH, 0x8000000000000000ULL, 127), 1u);
    EXPECT_EQ(Binary(false, BPF_RSH, 0x80000000u, 63), 1u);
    EXPECT_EQ(Binary(false, BPF_LSH, 0x1ffffffffULL, 4), 0xfffffff0u);
}

TEST(BpfVmAlu, ArithmeticShiftKeepsTheSign)
{
    EXPECT_EQ(Binary(true, BPF_ARSH, static_cast<uint64_t>(-16), 2), static_cast<uint64_t>(-4));
    EXPECT_EQ(Binary(true, BPF_RSH, static_cast<uint64_t>(-16), 60), 0xfu);
    // 32 bits: the sign is bit 31, and the result is zero-extended.
    EXPECT_EQ(Binary(false, BPF_ARSH, 0x80000000u, 4), 0xf8000000u);
    EXPECT_EQ(Binary(false, BPF_ARSH, 0x80000000u, 36), 0xf8000000u);
}

TEST(BpfVmAlu, Negation)
{
    Prog p64;
    p64 << Mov64(0, 5) << Insn(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0) << Exit();
    EXPECT_EQ(Exec(p64), static_cast<uint64_t>(-5));
    Prog p32;
    p32 << Mov64(0, 5) << Insn(BPF_ALU | BPF_NEG, 0, 0, 0, 0) << Exit();
    EXPECT_EQ(Exec(p32), 0xfffffffbu);
}

TEST(BpfVmAlu, MovSignExtends)
{
    // MOVSX: offset 8, 16 or 32 sign-extends that many low bits of the source.
    auto movsx = [](bool is64, uint64_t v, int16_t bits) {
        Prog p;
        p << Lddw(1, v) << (is64 ? Alu64X(BPF_MOV, 0, 1, bits) : Alu32X(BPF_MOV, 0, 1, bits))
          << Exit();
        return Exec(p);
    };
    EXPECT_EQ(movsx(true, 0x80, 8), 0xffffffffffffff80ULL);
    EXPECT_EQ(movsx(true, 0x7f, 8), 0x7fu);
    EXPECT_EQ(movsx(true, 0x12348000, 16), 0xffffffffffff8000ULL);
    EXPECT_EQ(movsx(true, 0x80000000, 32), 0xffffffff80000000ULL);
    EXPECT_EQ(movsx(false, 0x8000, 16), 0xffff8000u);      // 32-bit: then zero-extended
    EXPECT_EQ(movsx(false, 0xffffffff00000001ULL, 0), 1u); // plain 32-bit move
}

TEST(BpfVmAlu, ByteSwaps)
{
    const uint64_t v = 0x0102030405060708ULL;
    auto end = [v](uint8_t code, int32_t bits) {
        Prog p;
        p << Lddw(0, v) << Insn(code, 0, 0, 0, bits) << Exit();
        return Exec(p);
    };
    const uint8_t toBe = BPF_ALU | BPF_END | BPF_TO_BE;
    const uint8_t toLe = BPF_ALU | BPF_END | BPF_TO_LE;
    const uint8_t bswap = BPF_ALU64 | BPF_END | BPF_TO_LE;
    // On a little-endian host, to-big-endian swaps and zero-extends; to-little truncates.
    EXPECT_EQ(end(toBe, 16), 0x0807u);
    EXPECT_EQ(end(toBe, 32), 0x08070605u);
    EXPECT_EQ(end(toBe, 64), 0x0807060504030201ULL);
    EXPECT_EQ(end(toLe, 16), 0x0708u);
    EXPECT_EQ(end(toLe, 32), 0x05060708u);
    EXPECT_EQ(end(toLe, 64), v);
    // ALU64 END is the unconditional byte swap.
    EXPECT_EQ(end(bswap, 16), 0x0807u);
    EXPECT_EQ(end(bswap, 32), 0x08070605u);
    EXPECT_EQ(end(bswap, 64), 0x0807060504030201ULL);
}

TEST(BpfVmAlu, SixtyFourBitImmediate)
{
    Prog p;
    p << Lddw(0, 0xdeadbeefcafef00dULL) << Exit();
    EXPECT_EQ(Exec(p), 0xdeadbeefcafef00dULL);
}

} // namespace
} // namespace test
} // namespace ns3
