/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/syn-cookie.h"

#include <gtest/gtest.h>

namespace ns3
{
namespace
{

const FourTuple g_tuple{Ipv4Address("10.0.0.2"), 80, Ipv4Address("10.0.1.1"), 49153};

TEST(SynCookieTest, ValidForTwoCounterPeriods)
{
    SynCookie c(0x12345678, 0x9abcdef0);
    const uint32_t isn = 1000;
    for (uint32_t mss = 0; mss < SynCookie::MSS_TABLE_SIZE; ++mss)
    {
        uint32_t cookie = c.Make(g_tuple, isn, 7, mss);
        uint32_t data = 99;
        ASSERT_TRUE(c.Check(g_tuple, isn, cookie, 7, data));
        EXPECT_EQ(data, mss);
        ASSERT_TRUE(c.Check(g_tuple, isn, cookie, 8, data)); // one period later
        EXPECT_EQ(data, mss);
        EXPECT_FALSE(c.Check(g_tuple, isn, cookie, 9, data)); // MAX_AGE = 2 periods
    }
}

TEST(SynCookieTest, BoundToTupleAndSecrets)
{
    SynCookie c(1, 2);
    uint32_t cookie = c.Make(g_tuple, 0, 3, 0);
    uint32_t data;
    FourTuple other = g_tuple;
    other.remotePort++;
    EXPECT_FALSE(c.Check(other, 0, cookie, 3, data));
    SynCookie rekeyed(1, 3);
    EXPECT_FALSE(rekeyed.Check(g_tuple, 0, cookie, 3, data));
}

TEST(SynCookieTest, MinuteCounter)
{
    EXPECT_EQ(SynCookie::Counter(Seconds(59.9)), 0u);
    EXPECT_EQ(SynCookie::Counter(Seconds(60)), 1u);
    EXPECT_EQ(SynCookie::Counter(Seconds(185)), 3u);
}

// cookie_init_timestamp: options in the low 6 bits (wscale, 0xf for none; bit 4 SACK;
// bit 5 ECN), never ahead of the clock.
TEST(SynCookieTest, TimestampCarriesOptions)
{
    SynCookie::TsOptions o;
    o.wscaleOk = true;
    o.sndWscale = 7;
    o.sackOk = true;
    // 1000 = 960 + 40; 960 | 23 = 983 <= 1000.
    EXPECT_EQ(SynCookie::EncodeTimestamp(1000, o), 983u);
    // 965: 960 | 23 = 983 > 965, so one 64-tick period back: 919.
    EXPECT_EQ(SynCookie::EncodeTimestamp(965, o), 919u);
    SynCookie::TsOptions d = SynCookie::DecodeTimestamp(919);
    EXPECT_TRUE(d.wscaleOk);
    EXPECT_EQ(d.sndWscale, 7);
    EXPECT_TRUE(d.sackOk);
    EXPECT_FALSE(d.ecnOk);

    SynCookie::TsOptions none;
    EXPECT_EQ(SynCookie::EncodeTimestamp(1000, none) & SynCookie::TS_MASK, 0xfu);
    d = SynCookie::DecodeTimestamp(SynCookie::EncodeTimestamp(1000, none));
    EXPECT_FALSE(d.wscaleOk);
    EXPECT_FALSE(d.sackOk);
}

} // namespace
} // namespace ns3
