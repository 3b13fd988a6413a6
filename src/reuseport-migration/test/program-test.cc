/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Reuseport programs (semantics 2.5, 3.3): steering verdicts, attach types, attaching and
// detaching, the sockarray, and the built-in programs.

#include "migration-fixture.h"

#include "ns3/builtin-programs.h"
#include "ns3/reuseport-sock-array.h"
#include "ns3/worker-application.h"

#include <cerrno>

namespace ns3
{
namespace test
{
namespace
{

class ProgramTest : public MigrationFixture
{
  protected:
    /// A program from a lambda.
    static Ptr<CallbackReuseportProgram> Program(ReuseportProgram::AttachType type,
                                                 std::function<ProgramVerdict(ReuseportContext&)> f)
    {
        Ptr<CallbackReuseportProgram> p = CreateObject<CallbackReuseportProgram>();
        p->SetAttachType(type);
        p->SetCallback(Callback<ProgramVerdict, ReuseportContext&>(f));
        return p;
    }

    /// Count the children each listener queued.
    std::map<uint32_t, uint32_t> queued;

    void CountQueued()
    {
        net->stack->TraceConnectWithoutContext(
            "ChildQueued",
            Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
                [this](const FourTuple&, Ptr<const ReuseportListener> l) {
                    queued[l->GetId()]++;
                }));
    }
};

// SK_PASS with a selection steers every SYN there; the program sees no migrating socket,
// len > 0 and the lookup's member; both attach types run for steering.
TEST_F(ProgramTest, SteeringPassWithSelection)
{
    for (auto type : {ReuseportProgram::SELECT, ReuseportProgram::SELECT_OR_MIGRATE})
    {
        Build(6);
        ListenBC();
        CountQueued();
        Ptr<ReuseportListener> target = b;
        Ptr<ReuseportListener> newest = c;
        uint32_t runs = 0;
        EXPECT_EQ(a->AttachProgram(Program(type,
                                           [&, target, newest](ReuseportContext& ctx) {
                                               ++runs;
                                               EXPECT_FALSE(ctx.IsMigrating());
                                               EXPECT_GT(ctx.len, 0u);
                                               EXPECT_EQ(ctx.sk,
                                                         newest); // the most recently hashed member
                                               EXPECT_TRUE(ctx.bindInany);
                                               EXPECT_EQ(ctx.SelectListener(target), 0);
                                               return ProgramVerdict::PASS;
                                           })),
                  0);
        for (uint32_t i = 0; i < 6; ++i)
        {
            net->Connect(i, Seconds(0.1), 80);
        }
        Simulator::Stop(Seconds(1));
        Simulator::Run();
        EXPECT_EQ(queued[b->GetId()], 6u);
        EXPECT_EQ(runs, 6u); // once per SYN: ACKs find their request in the hash
        Simulator::Destroy();
        queued.clear();
    }
}

// SK_PASS without a selection falls back to the hash pick, exactly.
TEST_F(ProgramTest, SteeringPassWithoutSelectionIsTheHashPick)
{
    Build(8);
    ListenBC();
    a->AttachProgram(
        Program(ReuseportProgram::SELECT, [](ReuseportContext&) { return ProgramVerdict::PASS; }));
    std::vector<Ptr<ReuseportListener>> section{a, b, c};
    bool exact = true;
    uint32_t count = 0;
    net->stack->TraceConnectWithoutContext(
        "ChildQueued",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
            [&](const FourTuple& t, Ptr<const ReuseportListener> l) {
                ++count;
                exact =
                    exact &&
                    section[ReciprocalScale(net->stack->GetFlowHash(WildcardLookup(t)), 3)] == l;
            }));
    for (uint32_t i = 0; i < 8; ++i)
    {
        net->Connect(i, Seconds(0.1), 80);
    }
    Simulator::Stop(Seconds(1));
    Simulator::Run();
    EXPECT_EQ(count, 8u);
    EXPECT_TRUE(exact);
}

// SK_DROP on a SYN: "no socket", answered with a RST; the client is refused.
TEST_F(ProgramTest, SteeringDropRefusesWithRst)
{
    Build(3);
    a->AttachProgram(CreateBuiltinProgram("drop-all"));
    for (uint32_t i = 0; i < 3; ++i)
    {
        net->Connect(i, Seconds(0.1), 80);
    }
    Simulator::Stop(Seconds(1));
    Simulator::Run();
    EXPECT_EQ(rsts.Count(RstCause::PROGRAM_DROP), 3u);
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 3u);
    EXPECT_EQ(CountOutcome(net->connections, ConnectionOutcome::REFUSED), 3u);
    EXPECT_EQ(a->GetSynQueueLength(), 0);
    EXPECT_EQ(ledger->Lost(), 0u);
}

// Attaching and detaching while connections arrive: steering follows at once.
TEST_F(ProgramTest, AttachAndDetachAtRunTime)
{
    Build(6);
    ListenBC();
    CountQueued();
    Ptr<ReuseportListener> target = c;
    Ptr<ReuseportProgram> p = Program(ReuseportProgram::SELECT, [target](ReuseportContext& ctx) {
        ctx.SelectListener(target);
        return ProgramVerdict::PASS;
    });
    net->Connect(0, Seconds(0.1), 80);
    uint32_t before = 0;
    Simulator::Schedule(Seconds(0.5), [&]() {
        before = queued[c->GetId()]; // the first connection went to the hash pick
        EXPECT_EQ(b->AttachProgram(p), 0);
    });
    net->Connect(1, Seconds(1.0), 80);
    net->Connect(2, Seconds(1.1), 80);
    Simulator::Schedule(Seconds(1.5), [&]() {
        EXPECT_EQ(queued[c->GetId()], before + 2);
        EXPECT_EQ(a->DetachProgram(), 0);
        EXPECT_EQ(a->DetachProgram(), -1); // ENOENT: nothing attached
    });
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    EXPECT_EQ(a->GetGroup()->GetProgram(), nullptr);
    EXPECT_EQ(p->GetRunCount(), 2u);
}

// Only the group creator's pre-attached program survives (2.5).
TEST_F(ProgramTest, PreAttachedProgramOfTheCreatorOnly)
{
    TestNetwork n(1);
    Ptr<ReuseportListener> x = n.stack->CreateListener();
    Ptr<ReuseportListener> y = n.stack->CreateListener();
    Ptr<ReuseportProgram> px = CreateBuiltinProgram("round-robin");
    Ptr<ReuseportProgram> py = CreateBuiltinProgram("drop-all");
    x->Bind(InetSocketAddress(Ipv4Address::GetAny(), 80));
    y->Bind(InetSocketAddress(Ipv4Address::GetAny(), 80));
    EXPECT_EQ(x->AttachProgram(px), 0);
    EXPECT_EQ(y->AttachProgram(py), 0);
    EXPECT_EQ(x->Listen(), 0); // creates the group, with its program
    EXPECT_EQ(y->Listen(), 0); // joins it: its own program is discarded
    EXPECT_EQ(x->GetGroup(), y->GetGroup());
    EXPECT_EQ(x->GetGroup()->GetProgram(), px);
}

// Attaching through a shut-down member moves it out of its group; the live group's
// program is unchanged.
TEST_F(ProgramTest, AttachThroughAShutDownMember)
{
    Build(1);
    ListenBC();
    net->stack->SetSysctl("tcp_migrate_req", 1);
    Ptr<ReuseportProgram> live = CreateBuiltinProgram("round-robin");
    EXPECT_EQ(a->AttachProgram(live), 0);
    EXPECT_EQ(b->Shutdown(), 0);
    Ptr<ReuseportGroup> g = a->GetGroup();
    EXPECT_TRUE(g->IsClosedMember(b));
    EXPECT_EQ(b->DetachProgram(), -1); // ENOENT on an unhashed closed member
    EXPECT_EQ(b->AttachProgram(CreateBuiltinProgram("drop-all")), 0);
    EXPECT_FALSE(g->IsClosedMember(b));
    EXPECT_EQ(b->GetGroup(), nullptr);
    EXPECT_EQ(g->GetProgram(), live);
}

// The sockarray: only listeners can be stored; stopping removes them from the map and
// listening again does not put them back; a socket of another group is refused.
TEST_F(ProgramTest, SockArraySemantics)
{
    Build(1);
    ListenBC();
    net->stack->SetSysctl("tcp_migrate_req", 1);
    Ptr<ReuseportSockArray> map = CreateObject<ReuseportSockArray>();
    EXPECT_EQ(map->Update(0, a), 0);
    EXPECT_EQ(map->Update(1, b), 0);
    EXPECT_EQ(map->Update(64, c), -E2BIG);
    ReuseportContext ctx;
    ctx.group = a->GetGroup();
    EXPECT_EQ(ctx.SelectReuseport(map, 1), 0);
    EXPECT_EQ(ctx.GetSelected(), b);
    EXPECT_EQ(ctx.SelectReuseport(map, 2), -ENOENT);
    b->Shutdown();
    EXPECT_EQ(map->Lookup(1), nullptr);
    EXPECT_EQ(map->Update(1, b), -EINVAL); // not listening
    b->Listen();
    EXPECT_EQ(map->Lookup(1), nullptr); // not put back
    // Another group: a listener on port 81.
    Ptr<ReuseportListener> other =
        ReuseportHelper().Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 81));
    EXPECT_EQ(map->Update(3, other), 0);
    ReuseportContext ctx2;
    ctx2.group = a->GetGroup();
    EXPECT_EQ(ctx2.SelectReuseport(map, 3), -EBADFD);
    EXPECT_EQ(ctx2.GetSelected(), nullptr);
}

// Built-in programs, by name, with their parameters.
TEST_F(ProgramTest, BuiltinNames)
{
    for (const auto& name : GetBuiltinProgramNames())
    {
        Ptr<ReuseportProgram> p = CreateBuiltinProgram(name);
        ASSERT_TRUE(p) << name;
        EXPECT_EQ(p->GetName(), name);
    }
    EXPECT_FALSE(CreateBuiltinProgram("prefer-oldest"));
}

// prefer-newest-generation: SYNs and migrations go to the highest "generation" label.
TEST_F(ProgramTest, PreferNewestGeneration)
{
    Build(6);
    ListenBC();
    CountQueued();
    a->SetLabel("generation", "1");
    b->SetLabel("generation", "2");
    c->SetLabel("generation", "2");
    Ptr<ReuseportProgram> p = CreateBuiltinProgram("prefer-newest-generation");
    p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
    a->AttachProgram(p);
    for (uint32_t i = 0; i < 6; ++i)
    {
        net->Connect(i, Seconds(0.1), 80);
    }
    Simulator::Stop(Seconds(1));
    Simulator::Run();
    EXPECT_EQ(queued[a->GetId()], 0u);
    EXPECT_EQ(queued[b->GetId()] + queued[c->GetId()], 6u);
}

// exclude-labels: never generation 1; all excluded: pass to the hash pick, or drop.
TEST_F(ProgramTest, ExcludeLabels)
{
    Build(4);
    ListenBC();
    CountQueued();
    a->SetLabel("generation", "1");
    b->SetLabel("generation", "1");
    c->SetLabel("generation", "2");
    Ptr<ReuseportProgram> p = CreateBuiltinProgram("exclude-labels");
    p->SetAttribute("Exclude", StringValue("generation=1,worker=9"));
    a->AttachProgram(p);
    for (uint32_t i = 0; i < 4; ++i)
    {
        net->Connect(i, Seconds(0.1), 80);
    }
    Simulator::Schedule(Seconds(0.5), [&]() {
        EXPECT_EQ(queued[c->GetId()], 4u);
        p->SetAttribute("Exclude", StringValue("generation=1,generation=2"));
        p->SetAttribute("DropWhenEmpty", BooleanValue(true));
    });
    net->Connect(0, Seconds(0.6), 80);
    Simulator::Stop(Seconds(1));
    Simulator::Run();
    EXPECT_EQ(rsts.Count(RstCause::PROGRAM_DROP), 1u);
}

// round-robin and least-loaded spread exactly.
TEST_F(ProgramTest, RoundRobinAndLeastLoaded)
{
    Build(6);
    ListenBC();
    CountQueued();
    Ptr<ReuseportProgram> rr = CreateBuiltinProgram("round-robin");
    a->AttachProgram(rr);
    for (uint32_t i = 0; i < 6; ++i)
    {
        net->Connect(i, Seconds(0.1) + MilliSeconds(50 * i), 80);
    }
    Simulator::Schedule(Seconds(0.8), [&]() {
        EXPECT_EQ(queued[a->GetId()], 2u);
        EXPECT_EQ(queued[b->GetId()], 2u);
        EXPECT_EQ(queued[c->GetId()], 2u);
        // Now least-loaded, after A's queue is emptied: the next three go to A first.
        while (a->Accept())
        {
        }
        a->AttachProgram(CreateBuiltinProgram("least-loaded"));
    });
    for (uint32_t i = 0; i < 3; ++i)
    {
        net->Connect(i, Seconds(1.0) + MilliSeconds(50 * i), 80);
    }
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    // A (0 queued) takes the first two: after one it holds 1, still < 2; then all tie at
    // 2 and the hash picks among them.
    EXPECT_GE(queued[a->GetId()], 4u);
    EXPECT_LE(queued[a->GetId()], 5u);
    EXPECT_EQ(queued[a->GetId()] + queued[b->GetId()] + queued[c->GetId()], 9u);
}

} // namespace
} // namespace test
} // namespace ns3
