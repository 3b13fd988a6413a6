/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/tcp-mib.h"

#include <gtest/gtest.h>
#include <sstream>

namespace ns3
{
namespace
{

// The names are nstat's (semantics, header): note "TCPMigrateReq" with upper-case TCP.
TEST(TcpMibTest, NstatNames)
{
    EXPECT_STREQ(TcpMib::GetName(TcpMib::TCP_MIGRATE_REQ_SUCCESS), "TcpExtTCPMigrateReqSuccess");
    EXPECT_STREQ(TcpMib::GetName(TcpMib::TCP_MIGRATE_REQ_FAILURE), "TcpExtTCPMigrateReqFailure");
    EXPECT_STREQ(TcpMib::GetName(TcpMib::LISTEN_OVERFLOWS), "TcpExtListenOverflows");
    EXPECT_STREQ(TcpMib::GetName(TcpMib::LISTEN_DROPS), "TcpExtListenDrops");
    EXPECT_STREQ(TcpMib::GetName(TcpMib::TCP_OUT_RSTS), "TcpOutRsts");
    EXPECT_STREQ(TcpMib::GetName(TcpMib::TCP_REQ_Q_FULL_DO_COOKIES), "TcpExtTCPReqQFullDoCookies");
}

TEST(TcpMibTest, LookupAcceptsBothSpellings)
{
    TcpMib::Counter c;
    ASSERT_TRUE(TcpMib::Lookup("ListenOverflows", c));
    EXPECT_EQ(c, TcpMib::LISTEN_OVERFLOWS);
    ASSERT_TRUE(TcpMib::Lookup("TcpExtListenOverflows", c));
    EXPECT_EQ(c, TcpMib::LISTEN_OVERFLOWS);
    ASSERT_TRUE(TcpMib::Lookup("TcpOutRsts", c));
    EXPECT_EQ(c, TcpMib::TCP_OUT_RSTS);
    EXPECT_FALSE(TcpMib::Lookup("ListenOverflow", c));
    EXPECT_FALSE(TcpMib::Lookup("OutRsts", c)); // only the TcpExt prefix may be dropped
}

TEST(TcpMibTest, CountsAndPrints)
{
    TcpMib mib;
    mib.Increment(TcpMib::TCP_OUT_RSTS);
    mib.Increment(TcpMib::TCP_OUT_RSTS, 2);
    EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 3u);
    EXPECT_EQ(mib.Get("TcpOutRsts"), 3u);
    EXPECT_EQ(mib.Get("ListenDrops"), 0u);
    std::ostringstream os;
    mib.Print(os);
    EXPECT_NE(os.str().find("TcpOutRsts"), std::string::npos);
    EXPECT_EQ(os.str().find("ListenDrops"), std::string::npos); // zero counters omitted
}

} // namespace
} // namespace ns3
