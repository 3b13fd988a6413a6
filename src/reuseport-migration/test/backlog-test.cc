/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Admission and overflow (semantics 4, 5.4, 6): SYN-queue and accept-queue limits of
// backlog + 1, syncookies, and the final ACK that finds the accept queue full.

#include "test-network.h"

#include "ns3/reuseport-listener.h"

namespace ns3
{
namespace test
{
namespace
{

class BacklogTest : public ReuseportTest
{
};

// 20 SYNs at once at a listener with backlog 8, final ACKs dropped so requests stay:
// requests are created while qlen <= 8 (full is qlen > backlog), so 9 fit and 11 are dropped.
TEST_F(BacklogTest, SynQueueOverflowWithoutCookies)
{
    TestNetwork net(20);
    net.stack->SetSysctl("tcp_syncookies", 0);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 8);
    net.DropClientAcks();
    for (uint32_t i = 0; i < 20; ++i)
    {
        net.Connect(i, Seconds(1), 80, 0);
    }
    uint32_t dropped = 0;
    net.stack->TraceConnectWithoutContext(
        "SynDropped",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>, SynDropReason>(
            [&](const FourTuple&, Ptr<const ReuseportListener>, SynDropReason r) {
                EXPECT_EQ(r, SynDropReason::SYN_QUEUE_FULL);
                ++dropped;
            }));
    // Clients retransmit their SYN 1 s after the first; look before that.
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(l->GetSynQueueLength(), 9);
    EXPECT_EQ(mib.Get(TcpMib::TCP_REQ_Q_FULL_DROP), 11u);
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_DROPS), 11u);
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_OVERFLOWS), 0u);
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_SENT), 0u);
    EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 0u); // drops are silent
    EXPECT_EQ(dropped, 11u);
}

TEST_F(BacklogTest, SynQueueOverflowSendsCookies)
{
    TestNetwork net(20);
    ReuseportHelper reuseport; // tcp_syncookies = 1, the default
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 8);
    net.DropClientAcks();
    for (uint32_t i = 0; i < 20; ++i)
    {
        net.Connect(i, Seconds(1), 80, 0);
    }
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(l->GetSynQueueLength(), 9);
    EXPECT_EQ(mib.Get(TcpMib::TCP_REQ_Q_FULL_DO_COOKIES), 11u);
    EXPECT_EQ(mib.Get(TcpMib::SYNCOOKIES_SENT), 11u);
    EXPECT_EQ(mib.Get(TcpMib::TCP_REQ_Q_FULL_DROP), 0u);
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_DROPS), 0u);
    EXPECT_EQ(net.stack->GetEstablishedHash().Count(EstablishedHash::REQUEST), 9u);
}

// Backlog 4: five children fit (full is length > backlog). Eight clients connect 100 ms
// apart and nobody accepts: SYNs 6, 7 and 8 are dropped for the full accept queue.
TEST_F(BacklogTest, AcceptQueueOverflowDropsSyns)
{
    TestNetwork net(8);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 4);
    for (uint32_t i = 0; i < 8; ++i)
    {
        net.Connect(i, Seconds(0.1 * (i + 1)), 80);
    }
    // The first retransmission of SYN 6 (sent at 0.6 s) leaves at 1.6 s.
    Simulator::Stop(Seconds(1.0));
    Simulator::Run();
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(l->GetAcceptQueueLength(), 5u);
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_OVERFLOWS), 3u);
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_DROPS), 3u);
    EXPECT_EQ(mib.Get(TcpMib::TCP_PASSIVE_OPENS), 5u);
    EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_EQ(l->GetSynQueueLength(), 0);
}

/// Backlog 1 (two children fit). A fills one slot; B and C then complete together, and
/// whichever final ACK comes second finds the queue full.
class FinalAckOverflowTest : public ReuseportTest
{
  protected:
    void RunCase(bool abortOnOverflow)
    {
        TestNetwork net(3);
        net.stack->SetSysctl("tcp_abort_on_overflow", abortOnOverflow ? 1 : 0);
        ReuseportHelper reuseport;
        Ptr<ReuseportListener> l =
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 1);
        RstRecorder rsts;
        rsts.Attach(net.stack);
        net.Connect(0, Seconds(0.1), 80, 0);
        Ptr<ClientConnection> b = net.Connect(1, Seconds(0.5), 80, 0);
        Ptr<ClientConnection> c = net.Connect(2, Seconds(0.5), 80, 0);
        // Handshakes end at 0.5 s + 1 RTT (~24 ms); SYN-ACK timers fire at ~1.5 s.
        Simulator::Stop(Seconds(1.2));
        Simulator::Run();
        const TcpMib& mib = net.stack->GetMib();
        EXPECT_EQ(l->GetAcceptQueueLength(), 2u);
        EXPECT_EQ(mib.Get(TcpMib::LISTEN_OVERFLOWS), 1u);
        EXPECT_EQ(mib.Get(TcpMib::LISTEN_DROPS), 1u);
        EXPECT_EQ(mib.Get(TcpMib::TCP_PASSIVE_OPENS), 2u);
        if (!abortOnOverflow)
        {
            // The ACK is ignored; the request waits with its owner.
            EXPECT_EQ(l->GetSynQueueLength(), 1);
            EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 0u);
            EXPECT_EQ(b->GetOutcome(), ConnectionOutcome::PENDING);
            EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::PENDING);
        }
        else
        {
            EXPECT_EQ(l->GetSynQueueLength(), 0);
            EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 1u);
            EXPECT_EQ(mib.Get(TcpMib::EMBRYONIC_RSTS), 1u);
            EXPECT_EQ(rsts.Count(RstCause::ABORT_ON_OVERFLOW), 1u);
            // Exactly one of B and C was reset, after it believed itself connected.
            uint32_t reset = (b->GetOutcome() == ConnectionOutcome::RESET ? 1 : 0) +
                             (c->GetOutcome() == ConnectionOutcome::RESET ? 1 : 0);
            EXPECT_EQ(reset, 1u);
        }
    }
};

TEST_F(FinalAckOverflowTest, AckIgnoredByDefault)
{
    RunCase(false);
}

TEST_F(FinalAckOverflowTest, ResetWithAbortOnOverflow)
{
    RunCase(true);
}

// With syncookies off, the last quarter of tcp_max_syn_backlog is kept for proven peers.
// max_syn_backlog 8: a SYN is dropped once 8 - qlen < 2, i.e. from qlen 7 on.
TEST_F(BacklogTest, MaxSynBacklogQuarterRule)
{
    TestNetwork net(10);
    net.stack->SetSysctl("tcp_syncookies", 0);
    net.stack->SetSysctl("tcp_max_syn_backlog", 8);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 100);
    net.DropClientAcks();
    for (uint32_t i = 0; i < 10; ++i)
    {
        net.Connect(i, Seconds(1), 80, 0);
    }
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(l->GetSynQueueLength(), 7);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::LISTEN_DROPS), 3u);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_REQ_Q_FULL_DROP), 0u);
}

} // namespace
} // namespace test
} // namespace ns3
