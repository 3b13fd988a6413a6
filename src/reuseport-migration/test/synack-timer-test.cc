/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The SYN-ACK timer of a request (semantics 5.2): 1 s doubling, tcp_synack_retries
// retransmissions (or TCP_SYNCNT), then a silent drop, never a RST.

#include "test-network.h"

#include "ns3/reuseport-listener.h"

namespace ns3
{
namespace test
{
namespace
{

class SynAckTimerTest : public ReuseportTest
{
  protected:
    /// SYN-ACK send times and the time the request ended, for one client whose ACKs drop.
    struct Timeline
    {
        std::vector<Time> synAcks;                                  //!< every SYN-ACK
        std::vector<bool> retransmission;                           //!< per SYN-ACK
        Time ended;                                                 //!< request end
        RequestEndReason reason{RequestEndReason::EMBRYONIC_RESET}; //!< how it ended
        TcpMib mib;                                                 //!< counters at the end
    };

    static Timeline Run(std::function<void(TestNetwork&, Ptr<ReuseportListener>)> configure)
    {
        TestNetwork net(1);
        ReuseportHelper reuseport;
        Ptr<ReuseportListener> l =
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
        configure(net, l);
        net.DropClientAcks();
        net.Connect(0, Seconds(1), 80, 0);
        Timeline t;
        net.stack->TraceConnectWithoutContext(
            "SynAckSent",
            Callback<void, const FourTuple&, Ptr<const ReuseportListener>, bool>(
                [&t](const FourTuple&, Ptr<const ReuseportListener>, bool rtx) {
                    t.synAcks.push_back(Simulator::Now());
                    t.retransmission.push_back(rtx);
                }));
        net.stack->TraceConnectWithoutContext(
            "RequestEnded",
            Callback<void, const FourTuple&, Ptr<const ReuseportListener>, RequestEndReason>(
                [&t](const FourTuple&, Ptr<const ReuseportListener>, RequestEndReason r) {
                    t.ended = Simulator::Now();
                    t.reason = r;
                }));
        Simulator::Stop(Seconds(600));
        Simulator::Run();
        t.mib = net.stack->GetMib();
        return t;
    }
};

TEST_F(SynAckTimerTest, DefaultScheduleAndSilentDrop)
{
    Timeline t = Run([](TestNetwork&, Ptr<ReuseportListener>) {});
    ASSERT_EQ(t.synAcks.size(), 6u);
    Time t0 = t.synAcks[0]; // the SYN's arrival
    // Retransmissions at 1, 3, 7, 15, 31 s after the SYN; dropped at 63 s.
    const double at[] = {0, 1, 3, 7, 15, 31};
    for (size_t i = 0; i < 6; ++i)
    {
        EXPECT_EQ(t.synAcks[i] - t0, Seconds(at[i])) << "SYN-ACK " << i;
        EXPECT_EQ(t.retransmission[i], i > 0);
    }
    EXPECT_EQ(t.ended - t0, Seconds(63));
    EXPECT_EQ(t.reason, RequestEndReason::EXPIRED);
    EXPECT_EQ(t.mib.Get(TcpMib::TCP_TIMEOUTS), 6u); // every expiry, the last one included
    EXPECT_EQ(t.mib.Get(TcpMib::TCP_SYN_RETRANS), 5u);
    EXPECT_EQ(t.mib.Get(TcpMib::TCP_RETRANS_SEGS), 5u);
    EXPECT_EQ(t.mib.Get(TcpMib::TCP_OUT_RSTS), 0u);
}

TEST_F(SynAckTimerTest, TcpSyncntOverridesTheSysctl)
{
    Timeline t = Run([](TestNetwork&, Ptr<ReuseportListener> l) {
        l->SetAttribute("SynCount", UintegerValue(2));
    });
    ASSERT_EQ(t.synAcks.size(), 3u);
    Time t0 = t.synAcks[0];
    EXPECT_EQ(t.synAcks[1] - t0, Seconds(1));
    EXPECT_EQ(t.synAcks[2] - t0, Seconds(3));
    EXPECT_EQ(t.ended - t0, Seconds(7));
    EXPECT_EQ(t.mib.Get(TcpMib::TCP_TIMEOUTS), 3u);
}

// The sysctl is read at every expiry: lowered to 2 after the first retransmission, the
// request expires at its third expiry (7 s) instead of its sixth.
TEST_F(SynAckTimerTest, SysctlReadAtEachExpiry)
{
    Timeline t = Run([](TestNetwork& net, Ptr<ReuseportListener>) {
        Ptr<ReuseportStack> stack = net.stack;
        Simulator::Schedule(Seconds(2.5), [stack]() { stack->SetSysctl("tcp_synack_retries", 2); });
    });
    ASSERT_EQ(t.synAcks.size(), 3u);
    EXPECT_EQ(t.ended - t.synAcks[0], Seconds(7));
}

// A larger initial timeout (a sock_ops program's req->timeout) doubles the same way.
TEST_F(SynAckTimerTest, BackoffIsCappedAtRtoMax)
{
    Timeline t = Run([](TestNetwork& net, Ptr<ReuseportListener>) {
        net.stack->SetAttribute("SynAckTimeout", TimeValue(Seconds(20)));
    });
    ASSERT_EQ(t.synAcks.size(), 6u);
    Time t0 = t.synAcks[0];
    // 20, 40, 80, then 160 and 320 capped at 120: 20, 60, 140, 260, 380; expiry at 500.
    const double at[] = {0, 20, 60, 140, 260, 380};
    for (size_t i = 0; i < 6; ++i)
    {
        EXPECT_EQ(t.synAcks[i] - t0, Seconds(at[i])) << "SYN-ACK " << i;
    }
    EXPECT_EQ(t.ended - t0, Seconds(500));
}

} // namespace
} // namespace test
} // namespace ns3
