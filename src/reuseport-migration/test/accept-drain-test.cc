/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// An application that drains the accept queue: every connection completes, and closing
// the listeners afterwards resets nothing (semantics 7.2: only queued children are reset).

#include "test-network.h"

#include "ns3/reuseport-listener.h"
#include "ns3/worker-application.h"

namespace ns3
{
namespace test
{
namespace
{

class AcceptDrainTest : public ReuseportTest
{
};

TEST_F(AcceptDrainTest, DrainedQueuesResetNothingOnClose)
{
    TestNetwork net(4);
    ReuseportHelper reuseport;
    auto listeners =
        reuseport.ListenGroup(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 2);
    Ptr<WorkerApplication> worker = CreateObject<WorkerApplication>();
    worker->SetAttribute("ResponseBytes", UintegerValue(1000));
    net.server->AddApplication(worker);
    for (auto& l : listeners)
    {
        worker->AddListener(l);
    }
    worker->SetStartTime(Seconds(0));

    const uint32_t n = 200;
    for (uint32_t i = 0; i < n; ++i)
    {
        net.Connect(i % 4, Seconds(0.1) + MilliSeconds(5 * i), 80);
    }
    RstRecorder rsts;
    rsts.Attach(net.stack);
    // The last connection starts at 1.095 s and needs a few RTTs of 22 ms: all done by 3 s.
    Simulator::Schedule(Seconds(3), [&]() {
        EXPECT_EQ(listeners[0]->GetAcceptQueueLength(), 0u);
        EXPECT_EQ(listeners[1]->GetAcceptQueueLength(), 0u);
        for (auto& l : listeners)
        {
            EXPECT_EQ(l->Close(), 0);
        }
    });
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::COMPLETED), n);
    EXPECT_EQ(worker->GetAccepted(), n);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_PASSIVE_OPENS), n);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_TRUE(rsts.rsts.empty());
}

} // namespace
} // namespace test
} // namespace ns3
