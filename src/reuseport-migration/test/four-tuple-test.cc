/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/four-tuple.h"

#include <gtest/gtest.h>

namespace ns3
{
namespace
{

// Semantics 2.4: index = floor(hash * n / 2^32); a flow with hash 2^31 maps to index 2 when
// n = 4, index 1 when n = 3 and index 1 when n = 2.
TEST(ReciprocalScaleTest, WorkedExampleIndices)
{
    const uint32_t half = 1u << 31;
    EXPECT_EQ(ReciprocalScale(half, 4), 2u);
    EXPECT_EQ(ReciprocalScale(half, 3), 1u);
    EXPECT_EQ(ReciprocalScale(half, 2), 1u);
}

TEST(ReciprocalScaleTest, RangeEnds)
{
    for (uint32_t n : {1u, 2u, 7u, 128u, 32768u})
    {
        EXPECT_EQ(ReciprocalScale(0, n), 0u);
        EXPECT_EQ(ReciprocalScale(0xffffffffu, n), n - 1);
    }
}

TEST(FlowHashTest, DependsOnEveryFieldAndTheSecret)
{
    FourTuple t{Ipv4Address("10.0.0.2"), 80, Ipv4Address("10.0.1.1"), 49153};
    uint32_t h = FlowHash(t, 42);
    EXPECT_EQ(FlowHash(t, 42), h); // deterministic
    EXPECT_NE(FlowHash(t, 43), h);
    FourTuple u = t;
    u.remotePort = 49154;
    EXPECT_NE(FlowHash(u, 42), h);
    u = t;
    u.localPort = 81;
    EXPECT_NE(FlowHash(u, 42), h);
    u = t;
    u.remote = Ipv4Address("10.0.1.2");
    EXPECT_NE(FlowHash(u, 42), h);
    u = t;
    u.local = Ipv4Address("10.0.0.3");
    EXPECT_NE(FlowHash(u, 42), h);
}

// The top bits decide the listener, so they must be uniform over consecutive client ports.
TEST(FlowHashTest, TopBitsAreUniformOverClientPorts)
{
    const uint32_t buckets = 16;
    const uint32_t n = 16000;
    std::vector<uint32_t> count(buckets, 0);
    for (uint32_t i = 0; i < n; ++i)
    {
        FourTuple t{Ipv4Address("10.0.0.2"),
                    80,
                    Ipv4Address("10.0.1.1"),
                    static_cast<uint16_t>(49152 + i % 16384)};
        t.remote = Ipv4Address(0x0a000101 + i / 16384);
        count[ReciprocalScale(FlowHash(t, 0x9e3779b9), buckets)]++;
    }
    double expected = static_cast<double>(n) / buckets;
    double chi2 = 0;
    for (uint32_t c : count)
    {
        chi2 += (c - expected) * (c - expected) / expected;
    }
    // 15 degrees of freedom: the 0.999 quantile of chi-square is 37.70.
    EXPECT_LT(chi2, 37.70);
}

} // namespace
} // namespace ns3
