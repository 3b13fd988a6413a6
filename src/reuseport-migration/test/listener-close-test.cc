/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// close() and shutdown() of a listener without migration (semantics 7, 11.3, 12): one RST
// per accept-queue child at once; requests untouched, answered with a RST when the client's
// final ACK reaches them.

#include "test-network.h"

#include "ns3/reuseport-listener.h"

#include <set>

namespace ns3
{
namespace test
{
namespace
{

enum class Stop
{
    CLOSE,
    SHUTDOWN
};

/// Param: close() or shutdown().
class ListenerCloseTest : public ReuseportTest, public ::testing::WithParamInterface<Stop>
{
  protected:
    static void StopListener(Ptr<ReuseportListener> l)
    {
        if (GetParam() == Stop::CLOSE)
        {
            EXPECT_EQ(l->Close(), 0);
        }
        else
        {
            EXPECT_EQ(l->Shutdown(), 0);
        }
    }
};

// Six clients connect and nobody accepts: at close, exactly six RSTs reach six distinct
// clients, each of whose sockets reports a reset.
TEST_P(ListenerCloseTest, AcceptQueueChildrenAreReset)
{
    const uint32_t n = 6;
    TestNetwork net(n);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    RstRecorder rsts;
    rsts.Attach(net.stack);
    for (uint32_t i = 0; i < n; ++i)
    {
        net.Connect(i, Seconds(0.1 + 0.05 * i), 80);
    }
    Simulator::Schedule(Seconds(1), [&]() {
        EXPECT_EQ(l->GetAcceptQueueLength(), n);
        StopListener(l);
        EXPECT_EQ(l->GetAcceptQueueLength(), 0u);
        EXPECT_EQ(rsts.rsts.size(), n); // sent during close(), not later
    });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    EXPECT_EQ(rsts.Count(RstCause::ACCEPT_QUEUE_PURGE), n);
    EXPECT_EQ(rsts.rsts.size(), n);
    EXPECT_EQ(rsts.DistinctPeers(), n);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), n);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_ESTAB_RESETS), n);
    for (const auto& c : net.connections)
    {
        EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::RESET);
        EXPECT_TRUE(c->SawRst());
        EXPECT_FALSE(c->WasClosedByFin());
    }
    // Every RST went to one of these clients' 4-tuples.
    std::set<uint16_t> ports;
    for (const auto& c : net.connections)
    {
        ports.insert(c->GetLocalPort());
    }
    for (const auto& r : rsts.rsts)
    {
        EXPECT_EQ(ports.count(r.tuple.remotePort), 1u);
    }
}

// Server link 200 ms one way: SYNs at ~0.31 s, SYN-ACKs back at ~0.52 s, final ACKs at the
// server at ~0.73 s. The listener stops at 0.5 s: its five requests wait, untouched, and
// each final ACK is answered with a RST. Clients send nothing but the ACK.
TEST_P(ListenerCloseTest, RequestsAreResetWhenTheirFinalAckArrives)
{
    const uint32_t m = 5;
    TestNetwork net(m, MilliSeconds(10), MilliSeconds(200));
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    RstRecorder rsts;
    rsts.Attach(net.stack);
    for (uint32_t i = 0; i < m; ++i)
    {
        net.Connect(i, Seconds(0.1), 80, 0);
    }
    Simulator::Schedule(Seconds(0.5), [&]() {
        EXPECT_EQ(l->GetSynQueueLength(), static_cast<int32_t>(m));
        StopListener(l);
        EXPECT_TRUE(rsts.rsts.empty()); // no RST at close for requests
    });
    Simulator::Schedule(Seconds(0.6),
                        [&]() { EXPECT_EQ(l->GetSynQueueLength(), static_cast<int32_t>(m)); });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    EXPECT_EQ(rsts.Count(RstCause::ORPHANED_REQUEST), m);
    EXPECT_EQ(rsts.rsts.size(), m);
    EXPECT_EQ(rsts.DistinctPeers(), m);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), m);
    EXPECT_EQ(l->GetSynQueueLength(), 0);
    for (const auto& r : rsts.rsts)
    {
        EXPECT_GT(r.at, Seconds(0.7)); // on the ACK's arrival
        EXPECT_LT(r.at, Seconds(0.8));
    }
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::RESET), m);
}

// The same with another listener left in the group: the re-lookup finds it and it answers
// the stray ACK with a RST; it gains no connection.
TEST_P(ListenerCloseTest, RequestsAreResetByTheRemainingListener)
{
    const uint32_t m = 5;
    TestNetwork net(m, MilliSeconds(10), MilliSeconds(200));
    ReuseportHelper reuseport;
    InetSocketAddress any(Ipv4Address::GetAny(), 80);
    Ptr<ReuseportListener> l = reuseport.Listen(net.server, any);
    Ptr<ReuseportListener> other;
    RstRecorder rsts;
    rsts.Attach(net.stack);
    for (uint32_t i = 0; i < m; ++i)
    {
        net.Connect(i, Seconds(0.1), 80, 0);
    }
    Simulator::Schedule(Seconds(0.4), [&]() { other = reuseport.Listen(net.server, any); });
    Simulator::Schedule(Seconds(0.5), [&]() { StopListener(l); });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    EXPECT_EQ(rsts.Count(RstCause::ORPHANED_REQUEST), m);
    EXPECT_EQ(rsts.rsts.size(), m);
    EXPECT_EQ(other->GetAcceptQueueLength(), 0u);
    EXPECT_EQ(other->GetSynQueueLength(), 0);
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::RESET), m);
}

// Requests of a stopped listener whose ACKs never come leave silently at their timer.
TEST_P(ListenerCloseTest, OrphanedRequestsDropSilentlyAtTheirTimer)
{
    const uint32_t m = 4;
    TestNetwork net(m);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    net.DropClientAcks();
    uint32_t orphaned = 0;
    net.stack->TraceConnectWithoutContext(
        "RequestEnded",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>, RequestEndReason>(
            [&](const FourTuple&, Ptr<const ReuseportListener>, RequestEndReason r) {
                orphaned += r == RequestEndReason::ORPHANED_TIMER ? 1 : 0;
            }));
    for (uint32_t i = 0; i < m; ++i)
    {
        net.Connect(i, Seconds(0.1), 80, 0);
    }
    Simulator::Schedule(Seconds(0.5), [&]() { StopListener(l); });
    // The first timer fires at ~1.11 s.
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(orphaned, m);
    EXPECT_EQ(l->GetSynQueueLength(), 0);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_TIMEOUTS), 0u); // not a timeout: a drop
    EXPECT_EQ(net.stack->GetEstablishedHash().GetSize(), 0u);
}

INSTANTIATE_TEST_SUITE_P(CloseAndShutdown,
                         ListenerCloseTest,
                         ::testing::Values(Stop::CLOSE, Stop::SHUTDOWN),
                         [](const ::testing::TestParamInfo<Stop>& info) {
                             return info.param == Stop::CLOSE ? "Close" : "Shutdown";
                         });

} // namespace
} // namespace test
} // namespace ns3
