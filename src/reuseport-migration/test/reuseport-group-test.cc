/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// socks[] slot moves (semantics 2.3, 2.4): the exact arrays of the worked example, through
// the group's operations and through listen()/close()/shutdown() on real listeners.

#include "test-network.h"

#include "ns3/reuseport-group.h"
#include "ns3/reuseport-listener.h"

namespace ns3
{
namespace test
{
namespace
{

using Listeners = std::vector<Ptr<ReuseportListener>>;

class ReuseportGroupTest : public ReuseportTest
{
  protected:
    /// Listeners with nothing behind them: the group only needs their identity.
    static Listeners Bare(uint32_t n)
    {
        Listeners v;
        for (uint32_t i = 0; i < n; ++i)
        {
            v.push_back(CreateObject<ReuseportListener>());
        }
        return v;
    }
};

TEST_F(ReuseportGroupTest, WorkedExampleOperations)
{
    Ptr<ReuseportGroup> g = CreateObject<ReuseportGroup>();
    Listeners l = Bare(4);
    auto &a = l[0], &b = l[1], &c = l[2], &d = l[3];
    Ptr<ReuseportListener> evicted;
    for (auto& x : l)
    {
        ASSERT_TRUE(g->AddListening(x, evicted));
    }
    EXPECT_EQ(g->GetListeningSection(), (Listeners{a, b, c, d}));
    EXPECT_EQ(g->GetMaxSocks(), 128u);

    // close A, capable: D moves into A's slot; A goes to socks[127].
    g->DetachListening(a);
    g->AddClosed(a);
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, b, c}));
    EXPECT_EQ(g->GetSlot(127), a);
    EXPECT_EQ(g->GetNumClosedSocks(), 1u);

    // close B, capable: C moves into B's slot; B goes to socks[126].
    g->DetachListening(b);
    g->AddClosed(b);
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, c}));
    EXPECT_EQ(g->GetSlot(126), b);
    EXPECT_EQ(g->GetSlot(127), a);

    // A freed: the closed section's lowest entry (B) is copied over A.
    g->DetachClosed(a);
    EXPECT_EQ(g->GetSlot(127), b);
    EXPECT_EQ(g->GetSlot(126), nullptr);
    EXPECT_EQ(g->GetNumSocks(), 2u);
    EXPECT_EQ(g->GetNumClosedSocks(), 1u);

    // B listens again while D and C listen: out of the closed section, appended.
    g->DetachClosed(b);
    ASSERT_TRUE(g->AddListening(b, evicted));
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, c, b}));
    EXPECT_EQ(g->GetNumClosedSocks(), 0u);
}

TEST_F(ReuseportGroupTest, HashPickFollowsTheSlots)
{
    Ptr<ReuseportGroup> g = CreateObject<ReuseportGroup>();
    Listeners l = Bare(4);
    Ptr<ReuseportListener> evicted;
    for (auto& x : l)
    {
        g->AddListening(x, evicted);
    }
    const uint32_t hash = 1u << 31;
    EXPECT_EQ(g->PickByHash(hash), l[2]); // n = 4: index 2 = C
    g->DetachListening(l[0]);
    EXPECT_EQ(g->PickByHash(hash), l[1]); // [D,B,C]: index 1 = B
    g->DetachListening(l[1]);
    EXPECT_EQ(g->PickByHash(hash), l[2]); // [D,C]: index 1 = C
    g->DetachListening(l[3]);
    g->DetachListening(l[2]);
    EXPECT_EQ(g->PickByHash(hash), nullptr);
}

TEST_F(ReuseportGroupTest, GrowKeepsSectionOrder)
{
    Ptr<ReuseportGroup> g = CreateObject<ReuseportGroup>();
    Listeners l = Bare(130);
    Ptr<ReuseportListener> evicted;
    for (uint32_t i = 0; i < 127; ++i)
    {
        ASSERT_TRUE(g->AddListening(l[i], evicted));
    }
    // Two closed members: 125 listening + 2 closed fill 127 of 128 slots.
    g->DetachListening(l[0]); // l[126] moves to slot 0
    g->AddClosed(l[0]);
    g->DetachListening(l[1]); // l[125] moves to slot 1
    g->AddClosed(l[1]);
    ASSERT_TRUE(g->AddListening(l[127], evicted)); // slot 125: 128 of 128 used
    EXPECT_EQ(g->GetMaxSocks(), 128u);
    ASSERT_TRUE(g->AddListening(l[128], evicted)); // full: grows to 256 first
    EXPECT_EQ(evicted, nullptr);
    EXPECT_EQ(g->GetMaxSocks(), 256u);
    EXPECT_EQ(g->GetNumSocks(), 127u);
    EXPECT_EQ(g->GetSlot(0), l[126]);
    EXPECT_EQ(g->GetSlot(1), l[125]);
    EXPECT_EQ(g->GetSlot(125), l[127]);
    EXPECT_EQ(g->GetSlot(126), l[128]);
    // The closed section moved to the end of the new array, in order.
    EXPECT_EQ(g->GetSlot(255), l[0]);
    EXPECT_EQ(g->GetSlot(254), l[1]);
}

TEST_F(ReuseportGroupTest, AtTheSizeLimitAClosedMemberIsEvicted)
{
    Ptr<ReuseportGroup> g = CreateObject<ReuseportGroup>();
    const uint32_t max = ReuseportGroup::MAX_SOCKS;
    Listeners l = Bare(max + 2);
    Ptr<ReuseportListener> evicted;
    for (uint32_t i = 0; i < max; ++i)
    {
        ASSERT_TRUE(g->AddListening(l[i], evicted));
        ASSERT_EQ(evicted, nullptr);
    }
    EXPECT_EQ(g->GetMaxSocks(), max);
    g->DetachListening(l[5]);
    g->AddClosed(l[5]);
    g->DetachListening(l[6]);
    g->AddClosed(l[6]); // slots: l[6] at max-2, l[5] at max-1; the array is full
    // Doubling would pass 65535 slots: the closed section's lowest slot is evicted instead.
    ASSERT_TRUE(g->AddListening(l[max], evicted));
    EXPECT_EQ(evicted, l[6]);
    EXPECT_EQ(g->GetMaxSocks(), max);
    EXPECT_EQ(g->GetNumClosedSocks(), 1u);
    EXPECT_EQ(g->GetSlot(max - 1), l[5]);
    ASSERT_TRUE(g->AddListening(l[max + 1], evicted));
    EXPECT_EQ(evicted, l[5]);
    EXPECT_EQ(g->GetNumClosedSocks(), 0u);
    // Full with no closed member: listen() fails with ENOMEM.
    EXPECT_FALSE(g->AddListening(CreateObject<ReuseportListener>(), evicted));
}

/// The same sequence driven by listen(), close() and shutdown() on real listeners.
class GroupLifecycleTest : public ReuseportTest
{
  protected:
    /// \return the listeners A..D of a group, A holding one request whose ACK is dropped
    Listeners Setup(TestNetwork& net, bool capable)
    {
        net.stack->SetSysctl("net.ipv4.tcp_migrate_req", capable ? 1 : 0);
        ReuseportHelper reuseport;
        InetSocketAddress any(Ipv4Address::GetAny(), 80);
        Listeners l{reuseport.Listen(net.server, any)};
        // A client whose final ACK never arrives keeps one request on A.
        net.DropClientAcks(Seconds(0), Seconds(100));
        net.Connect(0, Seconds(0.1), 80, 0);
        Simulator::Stop(Seconds(0.5));
        Simulator::Run();
        EXPECT_EQ(l[0]->GetSynQueueLength(), 1);
        for (int i = 0; i < 3; ++i)
        {
            l.push_back(reuseport.Listen(net.server, any));
        }
        return l;
    }
};

TEST_F(GroupLifecycleTest, CapableCloseAndShutdown)
{
    TestNetwork net(1);
    Listeners l = Setup(net, true);
    auto &a = l[0], &b = l[1], &c = l[2], &d = l[3];
    Ptr<ReuseportGroup> g = a->GetGroup();
    EXPECT_EQ(g->GetListeningSection(), (Listeners{a, b, c, d}));

    a->Close(); // A keeps its request, so it stays in the closed section
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, b, c}));
    EXPECT_EQ(g->GetSlot(127), a);
    EXPECT_EQ(a->GetGroup(), g);

    b->Shutdown();
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, c}));
    EXPECT_EQ(g->GetSlot(126), b);
    EXPECT_EQ(g->GetSlot(127), a);

    // A's request leaves at its first SYN-ACK timeout (0.1 s + path + 1 s): A is freed.
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(a->GetSynQueueLength(), 0);
    EXPECT_EQ(g->GetSlot(127), b);
    EXPECT_EQ(g->GetNumClosedSocks(), 1u);
    EXPECT_EQ(a->GetGroup(), nullptr);

    EXPECT_EQ(b->Listen(), 0); // resurrect into the same group
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, c, b}));
    EXPECT_EQ(g->GetNumClosedSocks(), 0u);
    EXPECT_EQ(b->GetGroup(), g);
}

TEST_F(GroupLifecycleTest, NotCapableCloseLeavesTheGroup)
{
    TestNetwork net(1);
    Listeners l = Setup(net, false);
    auto &a = l[0], &b = l[1], &c = l[2], &d = l[3];
    Ptr<ReuseportGroup> g = a->GetGroup();
    a->Close();
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, b, c}));
    EXPECT_EQ(g->GetNumClosedSocks(), 0u);
    EXPECT_EQ(a->GetGroup(), nullptr);
    b->Close();
    EXPECT_EQ(g->GetListeningSection(), (Listeners{d, c}));
    EXPECT_EQ(g->GetNumClosedSocks(), 0u);
    EXPECT_EQ(b->GetGroup(), nullptr);
    // A still owns its request although it left the group.
    EXPECT_EQ(a->GetSynQueueLength(), 1);
}

TEST_F(GroupLifecycleTest, NewListenerCannotJoinAGroupOfClosedMembers)
{
    TestNetwork net(1);
    Listeners l = Setup(net, true);
    Ptr<ReuseportGroup> g = l[0]->GetGroup();
    for (auto& x : l)
    {
        x->Shutdown();
    }
    EXPECT_EQ(g->GetNumSocks(), 0u);
    EXPECT_EQ(g->GetNumClosedSocks(), 4u);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> e =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    EXPECT_NE(e->GetGroup(), g);
    EXPECT_NE(e->GetGroup()->GetId(), g->GetId());
    EXPECT_EQ(g->GetNumClosedSocks(), 4u);
    // A shut-down member listening again now joins the live group, leaving the old one.
    EXPECT_EQ(l[1]->Listen(), 0);
    EXPECT_EQ(l[1]->GetGroup(), e->GetGroup());
    EXPECT_EQ(g->GetNumClosedSocks(), 3u);
}

TEST_F(GroupLifecycleTest, ListenAgainOnlyUpdatesTheLimit)
{
    TestNetwork net(1);
    net.stack->SetSysctl("somaxconn", 3);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 100);
    EXPECT_EQ(l->GetMaxAckBacklog(), 3u); // min(100, somaxconn)
    EXPECT_EQ(l->Listen(2), 0);
    EXPECT_EQ(l->GetMaxAckBacklog(), 2u);
    EXPECT_EQ(l->GetGroup()->GetNumSocks(), 1u);
    EXPECT_EQ(l->Listen(-1), 0); // a negative backlog is a huge unsigned one
    EXPECT_EQ(l->GetMaxAckBacklog(), 3u);
}

} // namespace
} // namespace test
} // namespace ns3
