/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The nginx master and its workers: sockets inherited by index, retired with a strategy,
// workers killed and respawned.

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

class NginxMasterTest : public ReuseportTest
{
  protected:
    Ptr<NginxMaster> Start(TestNetwork& net, uint32_t workers, const std::string& serviceTime)
    {
        Ptr<NginxMaster> m = CreateObject<NginxMaster>();
        m->SetAttribute("Workers", UintegerValue(workers));
        m->SetAttribute("ServiceTime", StringValue(serviceTime));
        m->SetAttribute("RequestBytes", UintegerValue(100));
        m->SetAttribute("ResponseBytes", UintegerValue(1000));
        m->SetAttribute("ShutdownTimeout", TimeValue(Seconds(2)));
        net.server->AddApplication(m);
        return m;
    }
};

// A reload that keeps the worker count and the options hands every socket over by index:
// the same listeners, new workers, nothing closed.
TEST_F(NginxMasterTest, ReloadHandsSocketsOverByIndex)
{
    TestNetwork net(2);
    Ptr<NginxMaster> m = Start(net, 3, "ns3::ConstantRandomVariable[Constant=0]");
    std::vector<Ptr<ReuseportListener>> before;
    Simulator::Schedule(Seconds(0.5), [&]() {
        before = m->GetListeners();
        ReloadOptions o; // close, but nothing has to close
        m->Reload(o);
        EXPECT_EQ(m->GetListeners(), before);
        EXPECT_EQ(m->GetGeneration(), 2u);
        for (uint32_t i = 0; i < 3; ++i)
        {
            EXPECT_EQ(before[i]->GetLabel("generation"), "2");
            EXPECT_EQ(before[i]->GetLabel("worker"), std::to_string(i));
            EXPECT_TRUE(before[i]->IsListening());
        }
        ASSERT_EQ(m->GetRestarts().size(), 1u);
        EXPECT_TRUE(m->GetRestarts()[0].done);
        EXPECT_EQ(m->GetRestarts()[0].retired, 0u);
    });
    for (uint32_t i = 0; i < 20; ++i)
    {
        net.Connect(i % 2, Seconds(0.3) + MilliSeconds(20 * i), 80);
    }
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::COMPLETED), 20u);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_EQ(m->GetAllWorkers().size(), 6u);
    for (uint32_t i = 0; i < 3; ++i)
    {
        EXPECT_TRUE(m->GetAllWorkers()[i]->HasExited()); // the old generation
    }
}

// Fewer workers with close: the surplus sockets close; listen_change replaces all of them.
TEST_F(NginxMasterTest, ReloadClosesSurplusOrAll)
{
    TestNetwork net(1);
    Ptr<NginxMaster> m = Start(net, 4, "ns3::ConstantRandomVariable[Constant=0]");
    Simulator::Schedule(Seconds(0.5), [&]() {
        auto old = m->GetListeners();
        ReloadOptions o;
        o.workers = 2;
        m->Reload(o);
        auto now = m->GetListeners();
        ASSERT_EQ(now.size(), 2u);
        EXPECT_EQ(now[0], old[0]);
        EXPECT_EQ(now[1], old[1]);
        EXPECT_EQ(old[2]->GetState(), ReuseportListener::CLOSED);
        EXPECT_EQ(old[3]->GetState(), ReuseportListener::CLOSED);
        EXPECT_EQ(m->GetRestarts()[0].retired, 2u);

        o.workers = std::nullopt;
        o.listenChange = true;
        m->Reload(o);
        auto replaced = m->GetListeners();
        ASSERT_EQ(replaced.size(), 2u);
        EXPECT_NE(replaced[0], old[0]);
        EXPECT_EQ(old[0]->GetState(), ReuseportListener::CLOSED);
        EXPECT_EQ(replaced[0]->GetLabel("generation"), "3");
    });
    Simulator::Stop(Seconds(1));
    Simulator::Run();
}

// A killed worker's open connections are closed by the kernel; with a respawn the socket
// keeps listening and a new worker serves it.
TEST_F(NginxMasterTest, KillWorkerClosesItsConnections)
{
    TestNetwork net(1);
    Ptr<NginxMaster> m = Start(net, 1, "ns3::ConstantRandomVariable[Constant=0.5]");
    // Served one at a time for 0.5 s each: at 1 s the first is in service.
    net.Connect(0, Seconds(0.1), 80);
    net.Connect(0, Seconds(0.2), 80);
    Ptr<ReuseportListener> l;
    Simulator::Schedule(Seconds(0.6), [&]() {
        l = m->GetListeners()[0];
        m->KillWorker(0, true);
        EXPECT_TRUE(l->IsListening());
        EXPECT_TRUE(m->GetAllWorkers()[0]->HasExited());
    });
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    // The first was in service: its request read, the kernel sends a FIN before any
    // response. The second waited in the accept queue (a busy worker accepts nothing) and
    // the new worker serves it.
    EXPECT_EQ(net.connections[0]->GetOutcome(), ConnectionOutcome::RESET);
    EXPECT_TRUE(net.connections[0]->WasClosedByFin());
    EXPECT_EQ(net.connections[1]->GetOutcome(), ConnectionOutcome::COMPLETED);
    ASSERT_EQ(m->GetAllWorkers().size(), 2u);
    // The respawned worker serves new connections on the same socket.
    EXPECT_EQ(m->GetListeners()[0], l);
}

// drain-steer: no new SYN reaches the old sockets; they close when their queues are
// empty; nothing is reset; the restart lasts until then.
TEST_F(NginxMasterTest, DrainSteerClosesWhenEmpty)
{
    TestNetwork net(4);
    Ptr<NginxMaster> m = Start(net, 2, "ns3::ConstantRandomVariable[Constant=0.002]");
    for (uint32_t i = 0; i < 200; ++i)
    {
        net.Connect(i % 4, Seconds(0.1) + MilliSeconds(5 * i), 80);
    }
    std::vector<Ptr<ReuseportListener>> old;
    Simulator::Schedule(Seconds(0.5), [&]() {
        old = m->GetListeners();
        ReloadOptions o;
        o.strategy = "drain-steer";
        o.listenChange = true;
        m->Reload(o);
        EXPECT_TRUE(old[0]->IsListening()); // still draining
    });
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    EXPECT_EQ(old[0]->GetState(), ReuseportListener::CLOSED);
    EXPECT_EQ(old[1]->GetState(), ReuseportListener::CLOSED);
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::COMPLETED), 200u);
    EXPECT_EQ(net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS), 0u);
    ASSERT_EQ(m->GetRestarts().size(), 1u);
    EXPECT_TRUE(m->GetRestarts()[0].done);
    EXPECT_GT(m->GetRestarts()[0].end, m->GetRestarts()[0].start);
}

} // namespace
} // namespace test
} // namespace ns3
