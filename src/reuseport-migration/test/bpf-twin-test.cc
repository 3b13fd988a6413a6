/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Each built-in program and its eBPF twin (programs/*.bpf.c) on the same contexts: the same
// verdict and the same selection for every SYN and every migration, counter by counter. The
// maps are filled the way a scenario fills them (FillProgramMap), and the expected decisions
// follow from the programs' definitions: candidates in worker order, slot hash % n.

#include "test-network.h"

#include "ns3/bpf-reuseport-program.h"
#include "ns3/builtin-programs.h"
#include "ns3/reuseport-group.h"
#include "ns3/reuseport-helper.h"
#include "ns3/reuseport-listener.h"
#include "ns3/scenario-programs.h"
#include "ns3/string.h"

#include <functional>
#include <map>

namespace ns3
{
namespace test
{
namespace
{

/// A decision: the verdict and the selected listener's id (-1: none).
using Decision = std::pair<ProgramVerdict, int64_t>;

/// What a program decides for one context.
using Expected = std::function<Decision(uint32_t hash, bool migrating)>;

class BpfTwinTest : public ReuseportTest
{
  protected:
    void SetUp() override
    {
        ReuseportTest::SetUp();
        net = std::make_unique<TestNetwork>(1);
        // Creation order differs from worker order in generation 2, so that the worker
        // order of "modulo" is exercised: g1w0, g1w1, g2w1, g2w0.
        const std::vector<std::pair<int, int>> labels{{1, 0}, {1, 1}, {2, 1}, {2, 0}};
        for (const auto& [g, w] : labels)
        {
            Ptr<ReuseportListener> l =
                ReuseportHelper().Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
            l->SetLabel("generation", std::to_string(g));
            l->SetLabel("worker", std::to_string(w));
            l->SetLabel("master", "1");
            s.push_back(l);
        }
        g2 = {s[3], s[2]}; // generation 2 in worker order
    }

    void TearDown() override
    {
        s.clear();
        g2.clear();
        net.reset();
        ReuseportTest::TearDown();
    }

    /// A built-in with its parameters (ns-3 attributes).
    static Ptr<ReuseportProgram> Builtin(
        const std::string& name,
        const std::vector<std::pair<std::string, std::string>>& params)
    {
        Ptr<ReuseportProgram> p = CreateBuiltinProgram(name);
        p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
        for (const auto& [k, v] : params)
        {
            p->SetAttribute(k, StringValue(v));
        }
        return p;
    }

    /// An object from build/programs, with its maps filled as a scenario would.
    Ptr<BpfReuseportProgram> Object(const std::string& name, const std::vector<MapFillSpec>& fills)
    {
        Ptr<BpfReuseportProgram> p = CreateObject<BpfReuseportProgram>();
        p->Load(std::string(RPM_BPF_DIR) + "/" + name + ".bpf.o");
        for (const auto& fill : fills)
        {
            EXPECT_EQ(FillProgramMap(*p, fill, net->stack->GetListeners()), "") << fill.map;
        }
        return p;
    }

    static MapFillSpec From(const std::string& map, const std::string& labels)
    {
        MapFillSpec f;
        f.map = map;
        f.from = labels;
        return f;
    }

    static MapFillSpec Entries(const std::string& map,
                               std::vector<std::pair<uint64_t, uint64_t>> entries)
    {
        MapFillSpec f;
        f.map = map;
        f.entries = std::move(entries);
        return f;
    }

    /// One decision of a program.
    Decision Decide(Ptr<ReuseportProgram> p, uint32_t hash, bool migrating) const
    {
        ReuseportContext ctx;
        ctx.group = s[0]->GetGroup();
        ctx.hash = hash;
        ctx.len = migrating ? 0 : 60;
        ctx.bindInany = true;
        ctx.sk = s[0];
        ctx.migratingState = migrating ? MigratingState::ESTABLISHED : MigratingState::NONE;
        ProgramVerdict v = p->Execute(ctx);
        Ptr<ReuseportListener> sel = ctx.GetSelected();
        return {v, sel ? static_cast<int64_t>(sel->GetId()) : -1};
    }

    /**
     * \brief Run both programs on the same SYNs and migrations; every decision must be the
     * expected one, and the tallies of both must agree.
     */
    void Compare(Ptr<ReuseportProgram> builtin,
                 Ptr<ReuseportProgram> object,
                 const Expected& expected,
                 bool migrations = true)
    {
        std::map<Decision, uint32_t> a;
        std::map<Decision, uint32_t> b;
        for (bool migrating : {false, true})
        {
            if (migrating && !migrations)
            {
                continue;
            }
            for (uint32_t i = 0; i < 400; ++i)
            {
                uint32_t hash = i * 2654435761u; // spread over the 32 bits
                Decision want = expected(hash, migrating);
                Decision x = Decide(builtin, hash, migrating);
                Decision y = Decide(object, hash, migrating);
                ASSERT_EQ(x, want) << "built-in, hash " << hash << " migrating " << migrating;
                ASSERT_EQ(y, want) << "object, hash " << hash << " migrating " << migrating;
                a[x]++;
                b[y]++;
            }
        }
        EXPECT_EQ(a, b);
    }

    static Decision Pass()
    {
        return {ProgramVerdict::PASS, -1};
    }

    static Decision Select(Ptr<ReuseportListener> l)
    {
        return {ProgramVerdict::PASS, l->GetId()};
    }

    std::unique_ptr<TestNetwork> net;
    std::vector<Ptr<ReuseportListener>> s;  //!< in creation order
    std::vector<Ptr<ReuseportListener>> g2; //!< generation 2, worker order
};

TEST_F(BpfTwinTest, DropAllForMigrationIsRefuseMigration)
{
    Compare(Builtin("drop-all", {{"Scope", "migration"}}),
            Object("refuse-migration", {}),
            [](uint32_t, bool migrating) {
                return migrating ? Decision{ProgramVerdict::DROP, -1} : Pass();
            });
}

TEST_F(BpfTwinTest, PreferNewestForMigrationByModuloIsMigrateToNew)
{
    Compare(Builtin("prefer-newest-generation", {{"Scope", "migration"}, {"Pick", "modulo"}}),
            Object("migrate-to-new",
                   {From("new_listeners", "generation=2"), Entries("new_count", {{0, 2}})}),
            [this](uint32_t hash, bool migrating) {
                return migrating ? Select(g2[hash % 2]) : Pass();
            });
}

TEST_F(BpfTwinTest, PreferNewestByModulo)
{
    Compare(Builtin("prefer-newest-generation", {{"Pick", "modulo"}}),
            Object("prefer-newest-generation",
                   {From("newest", "generation=2"), Entries("newest_count", {{0, 2}})}),
            [this](uint32_t hash, bool) { return Select(g2[hash % 2]); });
}

// Worker order of the whole group: g1w0, g2w0, g1w1, g2w1; generation 1 is in slots 0 and 2.
TEST_F(BpfTwinTest, ExcludeLabelsByModulo)
{
    Compare(Builtin("exclude-labels", {{"Exclude", "generation=1"}, {"Pick", "modulo"}}),
            Object("exclude-labels",
                   {From("listeners", "master=1"),
                    Entries("listener_count", {{0, 4}}),
                    Entries("excluded", {{0, 1}, {2, 1}})}),
            [this](uint32_t hash, bool) { return Select(g2[hash % 2]); });
}

TEST_F(BpfTwinTest, ExcludeLabelsDropWhenEmpty)
{
    Compare(Builtin("exclude-labels",
                    {{"Exclude", "master=1"}, {"DropWhenEmpty", "true"}, {"Pick", "modulo"}}),
            Object("exclude-labels",
                   {From("listeners", "master=1"),
                    Entries("listener_count", {{0, 4}}),
                    Entries("excluded", {{0, 1}, {1, 1}, {2, 1}, {3, 1}}),
                    Entries("drop_when_empty", {{0, 1}})}),
            [](uint32_t, bool) {
                return Decision{ProgramVerdict::DROP, -1};
            });
}

// The first draining recipe: the flagged listeners get no SYN; the built-in that excludes the
// same listeners by label steers every SYN the same way.
TEST_F(BpfTwinTest, DrainSteerIsExcludeLabelsForSyns)
{
    Ptr<BpfReuseportProgram> drain = Object("drain-steer",
                                            {From("listeners", "master=1"),
                                             Entries("listener_count", {{0, 4}}),
                                             Entries("draining", {{0, 1}, {2, 1}})});
    EXPECT_EQ(drain->GetAttachType(), ReuseportProgram::SELECT);
    Compare(
        Builtin("exclude-labels", {{"Exclude", "generation=1"}, {"Pick", "modulo"}}),
        drain,
        [this](uint32_t hash, bool) { return Select(g2[hash % 2]); },
        false);
}

// The second draining recipe: SYNs counted per slot; after the flag is set, the slot gets no
// more and its count stays.
TEST_F(BpfTwinTest, DrainCountCountsTheSynsOfEachListener)
{
    Ptr<BpfReuseportProgram> drain =
        Object("drain-count", {From("listeners", "master=1"), Entries("listener_count", {{0, 4}})});
    // Worker order: slot 0 g1w0 (s[0]), 1 g2w0 (s[3]), 2 g1w1 (s[1]), 3 g2w1 (s[2]).
    const std::vector<Ptr<ReuseportListener>> slots{s[0], s[3], s[1], s[2]};
    std::vector<uint64_t> expected(4, 0);
    for (uint32_t i = 0; i < 400; ++i)
    {
        uint32_t hash = i * 2654435761u;
        ASSERT_EQ(Decide(drain, hash, false), Select(slots[hash % 4]));
        expected[hash % 4]++;
    }
    MapFillSpec stop = Entries("stopped", {{1, 1}});
    EXPECT_EQ(FillProgramMap(*drain, stop, net->stack->GetListeners()), "");
    const std::vector<Ptr<ReuseportListener>> open{s[0], s[1], s[2]};
    for (uint32_t i = 0; i < 300; ++i)
    {
        uint32_t hash = i * 2654435761u;
        ASSERT_EQ(Decide(drain, hash, false), Select(open[hash % 3]));
        expected[hash % 3 == 0 ? 0 : hash % 3 + 1]++;
    }
    for (uint32_t slot = 0; slot < 4; ++slot)
    {
        uint64_t v = 0;
        ASSERT_TRUE(drain->LookupElem("syns", &slot, &v));
        EXPECT_EQ(v, expected[slot]) << "slot " << slot;
    }
    EXPECT_GT(expected[1], 0u);
}

// The kernel's rule: a listener leaves the sockarray when it stops listening, and listening
// again does not put it back; migrate-to-new then refuses the migrations of its slot until a
// map-update stores it again.
TEST_F(BpfTwinTest, AListenerThatStopsListeningLeavesTheSockarray)
{
    MapFillSpec fresh = From("new_listeners", "generation=2");
    Ptr<BpfReuseportProgram> p = Object("migrate-to-new", {fresh, Entries("new_count", {{0, 2}})});
    auto check = [&](bool slot0Empty) {
        for (uint32_t i = 0; i < 100; ++i)
        {
            uint32_t hash = i * 2654435761u;
            Decision want = hash % 2 == 1 ? Select(g2[1])
                            : slot0Empty  ? Decision{ProgramVerdict::DROP, -1}
                                          : Select(g2[0]);
            ASSERT_EQ(Decide(p, hash, true), want) << "hash " << hash;
        }
    };
    check(false);
    g2[0]->Shutdown();
    check(true);
    ASSERT_EQ(g2[0]->Listen(), 0);
    check(true);
    EXPECT_EQ(FillProgramMap(*p, fresh, net->stack->GetListeners()), "");
    check(false);
}

} // namespace
} // namespace test
} // namespace ns3
