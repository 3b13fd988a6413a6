/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Workers under overload: clients that give up while their connections wait in an accept
// queue, before or after their request arrived.

#include "test-network.h"

#include "ns3/nginx-master.h"
#include "ns3/reuseport-listener.h"
#include "ns3/worker-application.h"

namespace ns3
{
namespace test
{
namespace
{

class WorkerApplicationTest : public ReuseportTest
{
  protected:
    /// One worker serving each request for 0.5 s: A (at 0.1 s) is served from about
    /// 0.12 s to 0.62 s; B (at 0.15 s) waits in the accept queue meanwhile.
    Ptr<NginxMaster> Start(TestNetwork& net)
    {
        Ptr<NginxMaster> m = CreateObject<NginxMaster>();
        m->SetAttribute("Workers", UintegerValue(1));
        m->SetAttribute("ServiceTime", StringValue("ns3::ConstantRandomVariable[Constant=0.5]"));
        m->SetAttribute("RequestBytes", UintegerValue(100));
        m->SetAttribute("ResponseBytes", UintegerValue(1000));
        net.server->AddApplication(m);
        return m;
    }
};

// B's client gives up at 0.35 s, after its request was sent: the FIN waits in the queue
// with the request. At accept the worker reads the request and the EOF; nginx serves a
// complete request, so B is served, and the run ends (ns-3 returns an empty packet at EOF,
// which a read loop must not take for data).
TEST_F(WorkerApplicationTest, ClientGivesUpAfterItsRequest)
{
    TestNetwork net(1);
    Ptr<NginxMaster> m = Start(net);
    net.Connect(0, Seconds(0.1), 80);
    Ptr<ClientConnection> b = net.Connect(0, Seconds(0.15), 80);
    b->SetAttribute("Timeout", TimeValue(Seconds(0.2)));
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    EXPECT_EQ(net.connections[0]->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_EQ(b->GetOutcome(), ConnectionOutcome::TIMEOUT);
    Ptr<WorkerApplication> w = m->GetAllWorkers().at(0);
    EXPECT_EQ(w->GetAccepted(), 2u);
    EXPECT_EQ(w->GetServed(), 2u);
    EXPECT_EQ(w->GetAbandoned(), 0u);
    EXPECT_EQ(w->GetOpenConnections(), 0u);
}

// B sends nothing and gives up at 0.35 s: at accept (0.62 s) the worker finds only the
// EOF, closes the connection without a response and goes on; nothing stays open.
TEST_F(WorkerApplicationTest, ClientGivesUpBeforeItsRequest)
{
    TestNetwork net(1);
    Ptr<NginxMaster> m = Start(net);
    net.Connect(0, Seconds(0.1), 80);
    Ptr<ClientConnection> b = net.Connect(0, Seconds(0.15), 80, 0, 1000);
    b->SetAttribute("Timeout", TimeValue(Seconds(0.2)));
    net.Connect(0, Seconds(0.4), 80); // C, accepted after B
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    EXPECT_EQ(net.connections[0]->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_EQ(b->GetOutcome(), ConnectionOutcome::TIMEOUT);
    EXPECT_EQ(net.connections[2]->GetOutcome(), ConnectionOutcome::COMPLETED);
    Ptr<WorkerApplication> w = m->GetAllWorkers().at(0);
    EXPECT_EQ(w->GetAccepted(), 3u);
    EXPECT_EQ(w->GetServed(), 2u);
    EXPECT_EQ(w->GetAbandoned(), 1u);
    EXPECT_EQ(w->GetOpenConnections(), 0u);
    // The closed connection's FIN was answered: no child is left on the server.
    EXPECT_EQ(net.stack->GetEstablishedHash().Count(EstablishedHash::CHILD), 0u);
}

// A worker stalled from 0 s accepts nothing: every connection waits in the accept queue.
TEST_F(WorkerApplicationTest, StallAtZeroAcceptsNothing)
{
    TestNetwork net(1);
    Ptr<NginxMaster> m = Start(net);
    Simulator::Schedule(Seconds(0), [m]() { m->StallWorker(0); });
    for (uint32_t i = 0; i < 5; ++i)
    {
        net.Connect(0, Seconds(0.1) + MilliSeconds(10 * i), 80);
    }
    Simulator::Stop(Seconds(1));
    Simulator::Run();
    EXPECT_EQ(m->GetAllWorkers().at(0)->GetAccepted(), 0u);
    EXPECT_EQ(m->GetListeners().at(0)->GetAcceptQueueLength(), 5u);
}

} // namespace
} // namespace test
} // namespace ns3
