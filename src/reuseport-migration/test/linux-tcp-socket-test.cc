/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Client sockets as Linux behaves toward a server whose accept queue is full.
//
// Network (TestNetwork): client hosts with a ClientTcpStack (so LinuxTcpSocket), 10 ms
// access links and a 1 ms server link at 1 Gb/s: 11 ms one way, 22 ms RTT. Timestamps
// count milliseconds, so the handshake's RTT sample is exactly 22 ms and the RTO is
// srtt + max(4 rttvar, TCP_RTO_MIN) = 22 + max(44, 200) = 222 ms.
//
// Expected values come from the kernel: a final ACK refused for a full accept queue leaves
// the request in SYN_RECV (tcp_abort_on_overflow = 0), and every later segment of that
// client reaching it counts one TcpExtListenOverflows (tcp_check_req ->
// tcp_v4_syn_recv_sock). Measured on Linux 6.18 with a stuck request: the request at t,
// a tail loss probe at t + RTO, RTOs at +2, +4, +8, +16 RTO, and an ACK to each of the
// server's SYN-ACK retransmissions (TCPSYNChallenge, TCPChallengeACK).

#include "test-network.h"

#include "ns3/client-tcp-socket.h"
#include "ns3/client-tcp-stack.h"
#include "ns3/linux-tcp-socket.h"
#include "ns3/tcp-flag-drop-model.h"

namespace ns3
{
namespace test
{
namespace
{

const Time RTO = MilliSeconds(222); //!< srtt 22 ms + TCP_RTO_MIN

/// A listener with backlog 1 that never accepts, and client hosts with ClientTcpStacks.
class LinuxTcpSocketTest : public ReuseportTest
{
  protected:
    /**
     * \brief Build the network and the listener.
     * \param clients client hosts
     */
    void Build(uint32_t clients)
    {
        net = std::make_unique<TestNetwork>(clients);
        for (uint32_t i = 0; i < clients; ++i)
        {
            ClientTcpStack::Install(net->clients.Get(i));
        }
        ReuseportHelper reuseport;
        listener = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80), 1);
    }

    /**
     * \brief The access device of a client host.
     * \param i the client host
     * \return its point-to-point device
     */
    Ptr<NetDevice> Device(uint32_t i) const
    {
        Ptr<Node> node = net->clients.Get(i);
        for (uint32_t d = 0; d < node->GetNDevices(); ++d)
        {
            if (DynamicCast<PointToPointNetDevice>(node->GetDevice(d)))
            {
                return node->GetDevice(d);
            }
        }
        return nullptr;
    }

    /**
     * \brief Fill the queue: A at 0.1 s takes one slot, B at 0.5 s the second; C, 1 ms
     * after B, has its SYN answered before B's final ACK arrives, and its own final ACK
     * then finds the queue full (2 > backlog 1).
     * \return C
     */
    Ptr<ClientConnection> ConnectRefused()
    {
        net->Connect(0, Seconds(0.1), 80, 100, 0);
        net->Connect(1, Seconds(0.5), 80, 100, 0);
        return net->Connect(2, Seconds(0.501), 80, 100, 0);
    }

    void TearDown() override
    {
        net.reset();
        ReuseportTest::TearDown();
    }

    std::unique_ptr<TestNetwork> net; //!< the network
    Ptr<ReuseportListener> listener;  //!< the server's listener
};

/// Times of the request's copies (100-byte segments) a tap saw.
std::vector<Time>
Requests(const WireTap& tap)
{
    std::vector<Time> times;
    for (const auto& s : tap.segments)
    {
        if (s.payload == 100)
        {
            times.push_back(s.time);
        }
    }
    return times;
}

TEST_F(LinuxTcpSocketTest, RetransmissionsToARefusedFinalAck)
{
    Build(3);
    WireTap tap(Device(2));
    Ptr<ClientConnection> c = ConnectRefused();
    Simulator::Stop(Seconds(2.5));
    Simulator::Run();

    ASSERT_TRUE(c->WasConnected());
    EXPECT_EQ(c->GetConnectedTime(), Seconds(0.501) + MilliSeconds(22) + NanoSeconds(1856));
    EXPECT_EQ(listener->GetAcceptQueueLength(), 2u);
    // The request enters TCP 1 ns after the connect callback and waits on the wire only
    // behind the handshake ACK (54 bytes at 1 Gb/s).
    std::vector<Time> requests = Requests(tap);
    ASSERT_EQ(requests.size(), 5u);
    Time sent = c->GetConnectedTime() + NanoSeconds(1);
    EXPECT_EQ(requests[0], c->GetConnectedTime() + NanoSeconds(432));
    // Loss probe at +RTO (2 srtt + 200 ms = 244 ms is later, so the RTO caps it), then
    // the RTO from the probe, doubling.
    std::vector<Time> expected{sent + RTO, sent + 2 * RTO, sent + 4 * RTO, sent + 8 * RTO};
    EXPECT_EQ(std::vector<Time>(requests.begin() + 1, requests.end()), expected);

    // The server retransmits the SYN-ACK 1 s after sending it; the client answers it
    // with a challenge ACK: two pure ACKs in all, the handshake's and that one.
    uint32_t pureAcks = 0;
    for (const auto& s : tap.segments)
    {
        pureAcks += (s.flags == TcpHeader::ACK && s.payload == 0) ? 1 : 0;
    }
    EXPECT_EQ(pureAcks, 2u);

    // Overflows by 2.5 s: the final ACK, the request, the probe, three RTOs (the last
    // at +8 RTO = 1.78 s after the request) and the challenge ACK.
    const TcpMib& mib = net->stack->GetMib();
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_OVERFLOWS), 7u);
    EXPECT_EQ(mib.Get(TcpMib::LISTEN_DROPS), 7u);
    EXPECT_EQ(listener->GetSynQueueLength(), 1);
}

TEST_F(LinuxTcpSocketTest, AFinAfterAnRtoWaitsForTheWindow)
{
    // The client gives up at 1.501 s, after two RTOs: its window is one segment and the
    // request fills it, so Linux queues the FIN behind it and never sends it; the request
    // keeps its RTO series (measured on Linux 6.18: a timed-out connection stuck behind a
    // refused final ACK sent no FIN). ns-3 alone would send the FIN at once, and the
    // server would answer it.
    Build(3);
    WireTap tap(Device(2));
    net->Connect(0, Seconds(0.1), 80, 100, 0);
    net->Connect(1, Seconds(0.5), 80, 100, 0);
    Ptr<ClientConnection> c = net->Connect(2, Seconds(0.501), 80, 100, 1000);
    c->SetAttribute("Timeout", TimeValue(Seconds(1)));
    Simulator::Stop(Seconds(2.5));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    uint32_t fins = 0;
    for (const auto& s : tap.segments)
    {
        fins += (s.flags & TcpHeader::FIN) ? 1 : 0;
    }
    EXPECT_EQ(fins, 0u);
    std::vector<Time> requests = Requests(tap);
    ASSERT_EQ(requests.size(), 5u);
    Time sent = c->GetConnectedTime() + NanoSeconds(1);
    EXPECT_EQ(requests.back(), sent + 8 * RTO);
    EXPECT_EQ(net->stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
}

TEST_F(LinuxTcpSocketTest, WithoutTheLossProbe)
{
    // The same exchange with the probe off: ns-3's plain RTO series, and one overflow
    // fewer by 2.5 s (the final ACK, the request, three RTOs, the challenge ACK).
    Config::SetDefault("ns3::LinuxTcpSocket::TailLossProbe", BooleanValue(false));
    Build(3);
    WireTap tap(Device(2));
    Ptr<ClientConnection> c = ConnectRefused();
    Simulator::Stop(Seconds(2.5));
    Simulator::Run();

    std::vector<Time> requests = Requests(tap);
    ASSERT_EQ(requests.size(), 4u);
    Time sent = c->GetConnectedTime() + NanoSeconds(1);
    std::vector<Time> expected{sent + RTO, sent + 3 * RTO, sent + 7 * RTO};
    EXPECT_EQ(std::vector<Time>(requests.begin() + 1, requests.end()), expected);
    EXPECT_EQ(net->stack->GetMib().Get(TcpMib::LISTEN_OVERFLOWS), 6u);
}

TEST_F(LinuxTcpSocketTest, ChallengeAcksAreRateLimited)
{
    // SYN-ACK retransmissions reach the client at 1.52 s and 3.52 s (timer 1 s, 2 s).
    // With the default 500 ms limit both get an ACK; with 3 s only the first.
    for (Time limit : {MilliSeconds(500), Seconds(3)})
    {
        Config::SetDefault("ns3::LinuxTcpSocket::InvalidRateLimit", TimeValue(limit));
        Config::SetDefault("ns3::LinuxTcpSocket::TailLossProbe", BooleanValue(false));
        Build(3);
        WireTap tap(Device(2));
        ConnectRefused();
        Simulator::Stop(Seconds(4));
        Simulator::Run();
        uint32_t pureAcks = 0;
        for (const auto& s : tap.segments)
        {
            pureAcks += (s.flags == TcpHeader::ACK && s.payload == 0) ? 1 : 0;
        }
        EXPECT_EQ(pureAcks, limit == Seconds(3) ? 2u : 3u) << "limit " << limit.As(Time::S);
        TearDown();
        Config::Reset();
    }
}

TEST_F(LinuxTcpSocketTest, RttSampleFromTimestampsAfterASynRetransmission)
{
    // The first SYN is lost; the second, at 1.5 s, is answered. Karn's rule forbids a
    // sequence sample, but Linux takes one from the echoed timestamp (tcp_ack_update_rtt),
    // here the second SYN's: srtt 22 ms, and the request's first retransmission 222 ms
    // after it, not the 1.2 s of an RTO without a sample. The server link drops the
    // request.
    Build(1);
    Ptr<TcpFlagDropModel> drops = CreateObject<TcpFlagDropModel>();
    drops->SetAttribute("FlagsSet", UintegerValue(TcpHeader::SYN));
    drops->SetAttribute("Stop", TimeValue(Seconds(1)));
    Ptr<TcpFlagDropModel> requests = CreateObject<TcpFlagDropModel>();
    requests->SetAttribute("FlagsSet", UintegerValue(TcpHeader::ACK));
    requests->SetAttribute("FlagsClear", UintegerValue(TcpHeader::SYN));
    requests->SetAttribute("Next", PointerValue(drops));
    requests->SetAttribute("Start", TimeValue(Seconds(1.5)));
    net->serverDevice->SetReceiveErrorModel(requests);
    WireTap tap(Device(0));
    Ptr<ClientConnection> c = net->Connect(0, Seconds(0.5), 80, 100, 0);
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_EQ(c->GetSynCount(), 2u);
    EXPECT_EQ(c->GetConnectedTime(), Seconds(1.5) + MilliSeconds(22) + NanoSeconds(1856));
    std::vector<Time> sent = Requests(tap);
    ASSERT_GE(sent.size(), 2u);
    EXPECT_EQ(sent[1], c->GetConnectedTime() + NanoSeconds(1) + RTO);
}

TEST_F(LinuxTcpSocketTest, SynRetransmissionsAreLinearThenDoubleOnTheJiffyWheel)
{
    // Linux 6.5+ retransmits a SYN four times after the flat 1 s (tcp_syn_linear_timeouts)
    // before doubling, and its timer fires on an 8-jiffy bucket of the timer wheel: the
    // real kernel here sent SYNs 1.024 s apart, in groups of 32 ms (doc/model.md). HZ=250,
    // the first SYN at 0.5 s = jiffy 125: expiry 375, bucket (375 >> 3) + 1 = 47 -> 376 =
    // 1.504 s; then 632, 888, 1144, 1400 (+1 s each), 1904 (+2 s: expiry 1900) and the
    // failure at 2944 (+4 s = 1000 jiffies, level 2: (2904 >> 6) + 1 = 46 -> 2944).
    Config::SetGlobal("LinuxHz", UintegerValue(250));
    Build(1);
    Ptr<TcpFlagDropModel> drops = CreateObject<TcpFlagDropModel>();
    drops->SetAttribute("FlagsSet", UintegerValue(TcpHeader::SYN));
    net->serverDevice->SetReceiveErrorModel(drops);
    WireTap tap(Device(0));
    Ptr<ClientConnection> c = net->Connect(0, Seconds(0.5), 80, 100, 0);
    Simulator::Stop(Seconds(13));
    Simulator::Run();

    std::vector<Time> syns;
    for (const auto& s : tap.segments)
    {
        if (s.flags == TcpHeader::SYN)
        {
            syns.push_back(s.time);
        }
    }
    ASSERT_EQ(syns.size(), 7u);
    Time wire = syns[0] - Seconds(0.5); // from the connect to the tap
    std::vector<Time> expected;
    for (int64_t jiffy : {376, 632, 888, 1144, 1400, 1904})
    {
        expected.push_back(MilliSeconds(4 * jiffy) + wire);
    }
    EXPECT_EQ(std::vector<Time>(syns.begin() + 1, syns.end()), expected);
    EXPECT_EQ(c->GetSynCount(), 7u);
    EXPECT_EQ(c->GetEndTime(), MilliSeconds(4 * 2944));
}

TEST_F(LinuxTcpSocketTest, FirstDataSegmentsAreAckedAtOnce)
{
    // The server answers at accept with three 536-byte segments. Linux is in quick-ACK
    // mode at the start of a connection and acknowledges each at once; ns-3's delayed
    // ACKs (every second segment, else after 40 ms) would send one.
    Build(1);
    listener->SetAcceptCallback(MakeCallback(+[](Ptr<ReuseportListener> l) {
        while (Ptr<ReuseportTcpSocket> child = l->Accept())
        {
            child->Send(Create<Packet>(3 * 536), 0);
        }
    }));
    WireTap tap(Device(0));
    Ptr<ClientConnection> c = net->Connect(0, Seconds(0.5), 80, 100, 3 * 536);
    Simulator::Stop(Seconds(2));
    Simulator::Run();

    ASSERT_EQ(c->GetOutcome(), ConnectionOutcome::COMPLETED);
    std::vector<Time> acks;
    for (const auto& s : tap.segments)
    {
        if (s.flags == TcpHeader::ACK && s.payload == 0 && s.time > c->GetConnectedTime())
        {
            acks.push_back(s.time);
        }
    }
    EXPECT_EQ(acks.size(), 3u);
    for (Time t : acks)
    {
        EXPECT_LT(t, c->GetEndTime() + MicroSeconds(10)); // none waited for a timer
    }
}

TEST_F(LinuxTcpSocketTest, DataAfterCloseIsAnsweredWithARst)
{
    // The client gives up at 1.5 s while its connection waits in the accept queue: it
    // closes, and its FIN waits there with the request. A worker accepts at 2 s and sends
    // the response, three segments back to back. Linux resets at the first of them
    // (RFC 1122 4.2.2.13, TcpExtTCPAbortOnData); the other two, already on the way, find
    // no socket and get the host's RST each: three RSTs, no ACK of the data, and the
    // server sends no RST of its own.
    Build(1);
    WireTap tap(Device(0));
    Ptr<ClientConnection> c = net->Connect(0, Seconds(0.5), 80, 100, 3 * 536);
    c->SetAttribute("Timeout", TimeValue(Seconds(1)));
    Simulator::Schedule(Seconds(2), [this]() {
        Ptr<ReuseportTcpSocket> child = listener->Accept();
        ASSERT_TRUE(child);
        child->Send(Create<Packet>(3 * 536), 0);
    });
    Simulator::Stop(Seconds(4));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    uint32_t rsts = 0;
    uint32_t acksAfter = 0;
    for (const auto& s : tap.segments)
    {
        rsts += (s.flags & TcpHeader::RST) ? 1 : 0;
        acksAfter += (s.time > Seconds(2) && !(s.flags & TcpHeader::RST)) ? 1 : 0;
    }
    EXPECT_EQ(rsts, 3u);
    EXPECT_EQ(acksAfter, 0u);
    EXPECT_EQ(net->stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_EQ(net->clients.Get(0)->GetObject<ClientTcpStack>()->GetNSockets(), 0u);
}

TEST_F(LinuxTcpSocketTest, ClientHostSocketsAreLinuxTcpSockets)
{
    Build(1);
    Ptr<ClientTcpStack> stack = net->clients.Get(0)->GetObject<ClientTcpStack>();
    ASSERT_TRUE(stack);
    Ptr<Socket> socket = stack->CreateSocket();
    EXPECT_TRUE(DynamicCast<LinuxTcpSocket>(socket));
    BooleanValue probe;
    TimeValue limit;
    UintegerValue quick;
    socket->GetAttribute("TailLossProbe", probe);
    socket->GetAttribute("InvalidRateLimit", limit);
    socket->GetAttribute("QuickAcks", quick);
    EXPECT_TRUE(probe.Get());                  // tcp_early_retrans = 3
    EXPECT_EQ(limit.Get(), MilliSeconds(500)); // tcp_invalid_ratelimit
    EXPECT_EQ(quick.Get(), 16u);               // TCP_MAX_QUICKACKS
}

} // namespace
} // namespace test
} // namespace ns3
