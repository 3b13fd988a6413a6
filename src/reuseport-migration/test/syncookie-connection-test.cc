/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Connections made with SYN cookies (semantics 3.4, 4): no request is kept; the cookie ACK
// creates the child directly, steered afresh, so it survives a listener close.

#include "test-network.h"

#include "ns3/reuseport-listener.h"
#include "ns3/worker-application.h"

namespace ns3
{
namespace test
{
namespace
{

class SyncookieConnectionTest : public ReuseportTest
{
};

// tcp_syncookies = 2: every SYN gets a cookie; every connection still completes and
// carries its request and response (non-zero ISNs, options from the timestamp echo).
TEST_F(SyncookieConnectionTest, AlwaysCookiesStillServe)
{
    const uint32_t n = 40;
    TestNetwork net(4);
    net.stack->SetSysctl("tcp_syncookies", 2);
    ReuseportHelper reuseport;
    auto listeners =
        reuseport.ListenGroup(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 2);
    Ptr<WorkerApplication> worker = CreateObject<WorkerApplication>();
    worker->SetAttribute("ResponseBytes", UintegerValue(20000));
    net.server->AddApplication(worker);
    for (auto& l : listeners)
    {
        worker->AddListener(l);
    }
    uint32_t requests = 0;
    net.stack->TraceConnectWithoutContext(
        "RequestCreated",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
            [&](const FourTuple&, Ptr<const ReuseportListener>) { ++requests; }));
    for (uint32_t i = 0; i < n; ++i)
    {
        net.Connect(i % 4, MilliSeconds(100 + 20 * i), 80, 100, 20000);
    }
    Simulator::Stop(Seconds(5));
    Simulator::Run();
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::COMPLETED), n);
    EXPECT_EQ(requests, 0u);
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_SENT), n);
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_RECV), n);
    EXPECT_EQ(mib.Get(TcpMib::TCP_REQ_Q_FULL_DO_COOKIES), n); // counted in mode 2 too
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_FAILED), 0u);
    EXPECT_EQ(mib.Get(TcpMib::TCP_PASSIVE_OPENS), n);
}

// The cookie SYN-ACK leaves through listener A, which closes before the ACK arrives
// (200 ms server link). The ACK is steered afresh, to B, and the connection lives.
TEST_F(SyncookieConnectionTest, CookieConnectionsSurviveAClose)
{
    TestNetwork net(3, MilliSeconds(10), MilliSeconds(200));
    net.stack->SetSysctl("tcp_syncookies", 2);
    ReuseportHelper reuseport;
    InetSocketAddress any(Ipv4Address::GetAny(), 80);
    Ptr<ReuseportListener> a = reuseport.Listen(net.server, any);
    Ptr<ReuseportListener> b;
    for (uint32_t i = 0; i < 3; ++i)
    {
        net.Connect(i, Seconds(0.1), 80, 0);
    }
    Simulator::Schedule(Seconds(0.4), [&]() { b = reuseport.Listen(net.server, any); });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(b->GetAcceptQueueLength(), 3u);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::SYNCOOKIES_RECV), 3u);
}

// A stray ACK while cookies are being validated fails the check and gets a RST.
TEST_F(SyncookieConnectionTest, OrphanedAckFailsTheCookieCheckFirst)
{
    TestNetwork net(2, MilliSeconds(10), MilliSeconds(200));
    ReuseportHelper reuseport;
    InetSocketAddress any(Ipv4Address::GetAny(), 80);
    Ptr<ReuseportListener> a = reuseport.Listen(net.server, any, 0);
    Ptr<ReuseportListener> b;
    // Backlog 0: the first SYN makes a request, the second finds qlen 1 > 0 and gets a
    // cookie, which marks the group as overflowed.
    net.Connect(0, Seconds(0.1), 80, 0);
    net.Connect(1, Seconds(0.1), 80, 0);
    Simulator::Schedule(Seconds(0.4), [&]() { b = reuseport.Listen(net.server, any); });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_SENT), 1u);
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_RECV), 1u);   // the cookie client lives, on B
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_FAILED), 1u); // the orphaned request's ACK
    EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 1u);
    EXPECT_EQ(b->GetAcceptQueueLength(), 1u);
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::RESET), 1u);
}

} // namespace
} // namespace test
} // namespace ns3
