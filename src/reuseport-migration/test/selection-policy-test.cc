/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The migration picks without a program: the kernel's hash pick and the last slot, checked
// against socks[] states computed by hand from the slot moves of semantics 2.3.

#include "migration-fixture.h"

#include "ns3/reuseport-selector.h"

namespace ns3
{
namespace test
{
namespace
{

class SelectionPolicyTest : public MigrationFixture
{
  protected:
    Ptr<ReuseportListener> d; //!< fourth listener

    /// Three children on A; then B, C, D listen (socks[] = [A, B, C, D]); migration on.
    void Setup(Ptr<ReuseportSelector> selector)
    {
        Build(3);
        for (uint32_t i = 0; i < 3; ++i)
        {
            net->Connect(i, Seconds(0.1), 80, 12, 1000000);
        }
        Simulator::Schedule(Seconds(0.5), [this, selector]() {
            ListenBC();
            d = ReuseportHelper().Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
            a->GetGroup()->SetMigrationSelector(selector);
            net->stack->SetSysctl("tcp_migrate_req", 1);
            EXPECT_EQ(a->GetGroup()->GetListeningSection(),
                      (std::vector<Ptr<ReuseportListener>>{a, b, c, d}));
        });
    }

    FourTuple Tuple(uint32_t i) const
    {
        return FourTuple{net->serverAddress,
                         80,
                         net->ClientAddressOf(i),
                         net->connections[i]->GetLocalPort()};
    }
};

TEST_F(SelectionPolicyTest, LastSlot)
{
    Setup(CreateObject<LastSlotReuseportSelector>());
    Simulator::Schedule(Seconds(1.0), [this]() {
        a->Close(); // [A,B,C,D] -> [D,B,C]: the last slot is C
        EXPECT_EQ(c->GetAcceptQueueLength(), 3u);
        c->Close(); // [D,B,C] -> [D,B]: B
        EXPECT_EQ(b->GetAcceptQueueLength(), 3u);
        b->Close(); // [D,B] -> [D]
        EXPECT_EQ(d->GetAcceptQueueLength(), 3u);
    });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 9u); // counted per hop
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 0u);
}

TEST_F(SelectionPolicyTest, HashPick)
{
    Setup(CreateObject<HashReuseportSelector>());
    Simulator::Schedule(Seconds(1.0), [this]() {
        std::vector<Ptr<ReuseportListener>> afterA{d, b, c};
        std::vector<Ptr<ReuseportListener>> afterC{d, b};
        std::map<Ptr<ReuseportListener>, uint32_t> want;
        std::map<Ptr<ReuseportListener>, uint32_t> wantAfterC;
        uint32_t hops = 0;
        for (uint32_t i = 0; i < 3; ++i)
        {
            uint32_t h = net->stack->GetFlowHash(Tuple(i));
            Ptr<ReuseportListener> first = afterA[ReciprocalScale(h, 3)];
            want[first]++;
            Ptr<ReuseportListener> second = first == c ? afterC[ReciprocalScale(h, 2)] : first;
            wantAfterC[second]++;
            hops += first == c ? 2 : 1;
        }
        a->Close();
        for (auto& l : {b, c, d})
        {
            EXPECT_EQ(l->GetAcceptQueueLength(), want[l]);
        }
        c->Close(); // C's children move again, each by its own hash over [D, B]
        EXPECT_EQ(b->GetAcceptQueueLength(), wantAfterC[b]);
        EXPECT_EQ(d->GetAcceptQueueLength(), wantAfterC[d]);
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), hops);
    });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 0u);
}

// The stack's MigrationSelector attribute configures the groups it creates.
TEST_F(SelectionPolicyTest, StackAttributeSetsNewGroups)
{
    TestNetwork n(1);
    n.stack->SetAttribute("MigrationSelector", StringValue("ns3::LastSlotReuseportSelector"));
    Ptr<ReuseportListener> l =
        ReuseportHelper().Listen(n.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    EXPECT_EQ(l->GetGroup()->GetMigrationSelector()->GetName(), "last-slot");
}

} // namespace
} // namespace test
} // namespace ns3
