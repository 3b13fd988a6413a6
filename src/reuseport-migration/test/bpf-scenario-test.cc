/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Scenarios with eBPF objects: scenarios/bpf-migrate-to-new.json spreads the migrated
// connections over the new listeners by hash % n, and gives the same result files as the
// built-in prefer-newest-generation with scope "migration" and pick "modulo"; map-update and
// map-delete change the attached object's maps at their time, and fail the run with the
// event's path when they cannot.

#include "ns3/builtin-programs.h"
#include "ns3/config.h"
#include "ns3/result-files.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-stack.h"
#include "ns3/scenario-loader.h"
#include "ns3/scenario-runner.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ns3
{
namespace
{

namespace fs = std::filesystem;

const fs::path g_shipped =
    (fs::path(RPM_SOURCE_DIR) / ".." / ".." / "scenarios" / "bpf-migrate-to-new.json")
        .lexically_normal();

std::string
ReadFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

/// Run every run of the file and merge, as `scenario-runner FILE --out=DIR` does.
void
RunAll(const fs::path& file, const fs::path& out)
{
    auto runs = ScenarioLoader::Expand(file.string());
    std::string dir = (out / runs[0].scenario.name).string();
    for (const auto& r : runs)
    {
        RunResult result = ScenarioRunner::Run(r, ScenarioRunner::Options{});
        ASSERT_TRUE(result.conserved) << result.violation;
        ResultFiles::WritePart(dir, r.index, "run " + std::to_string(r.index), result);
    }
    ResultFiles::Merge(dir, static_cast<uint32_t>(runs.size()), true);
}

/// A scratch directory of its own.
fs::path
Scratch(const std::string& name)
{
    fs::path dir = fs::path(::testing::TempDir()) / ("rpm-bpf-scenario-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

/// The shipped scenario's document.
nlohmann::ordered_json
Shipped()
{
    std::ifstream in(g_shipped);
    return nlohmann::ordered_json::parse(in);
}

/// Write a document where the scenario file would be found (relative objects: build dir).
fs::path
Write(const nlohmann::ordered_json& doc, const fs::path& dir)
{
    fs::path file = dir / "bpf-migrate-to-new.json";
    std::ofstream(file) << doc.dump(2);
    return file;
}

/// Where the successful migrations of a run went.
struct Placements
{
    uint64_t ok{0};                       //!< successful migrations
    uint64_t failed{0};                   //!< failed ones
    uint64_t misplaced{0};                //!< not on new_listeners[hash % 2]
    std::map<uint32_t, uint64_t> targets; //!< listener id -> migrations to it
};

/// Run the file's only run, checking each migration against migrate-to-new's definition.
Placements
RunAndPlace(const std::string& file)
{
    auto runs = ScenarioLoader::Expand(file);
    EXPECT_EQ(runs.size(), 1u);
    Placements out;
    // Connected at time 0, once the runner has built the server.
    Simulator::Schedule(Seconds(0), [&out]() {
        Config::MatchContainer m = Config::LookupMatches("/NodeList/*/$ns3::ReuseportStack");
        ASSERT_EQ(m.GetN(), 1u);
        Ptr<ReuseportStack> stack = DynamicCast<ReuseportStack>(m.Get(0));
        stack->TraceConnectWithoutContext(
            "Migration",
            ReuseportStack::MigrationCallback([&out, stack](const FourTuple& t,
                                                            MigrationPoint,
                                                            Ptr<const ReuseportListener>,
                                                            Ptr<const ReuseportListener> to,
                                                            MigrationResult r) {
                if (r != MigrationResult::SUCCESS)
                {
                    ++out.failed;
                    return;
                }
                ++out.ok;
                // new_listeners: generation 2 in worker order; new_count[0] = 2.
                std::vector<Ptr<ReuseportListener>> fresh;
                for (const auto& l : stack->GetListeners())
                {
                    if (l->GetLabel("generation") == "2")
                    {
                        fresh.push_back(l);
                    }
                }
                std::sort(fresh.begin(), fresh.end(), WorkerOrder);
                ASSERT_EQ(fresh.size(), 2u);
                out.misplaced += fresh[stack->GetFlowHash(t) % 2] != to;
                out.targets[to->GetId()]++;
            }));
    });
    RunResult result = ScenarioRunner::Run(runs[0], ScenarioRunner::Options{});
    EXPECT_TRUE(result.conserved) << result.violation;
    return out;
}

/// Every migration succeeded, on new_listeners[hash % 2], and both new listeners got some.
void
ExpectSpread(const Placements& p)
{
    EXPECT_GT(p.ok, 20u); // the stalled workers' accept queues
    EXPECT_EQ(p.failed, 0u);
    EXPECT_EQ(p.misplaced, 0u);
    ASSERT_EQ(p.targets.size(), 2u);
    for (const auto& [id, n] : p.targets)
    {
        EXPECT_GT(n, p.ok / 4) << "listener " << id;
    }
}

TEST(BpfScenarioTest, MigratedConnectionsSpreadByHashModuloN)
{
    ExpectSpread(RunAndPlace(g_shipped.string()));
}

// The same object as the policy of a migrate reload: the old sockets close at the reload,
// and the maps are filled once the new ones listen.
TEST(BpfScenarioTest, ObjectAsTheMigratePolicy)
{
    nlohmann::ordered_json doc = Shipped();
    nlohmann::ordered_json events = nlohmann::ordered_json::array();
    for (auto& ev : doc["events"])
    {
        if (ev["action"] == "reload")
        {
            ev["strategy"] = "migrate";
            ev["policy"] = nlohmann::ordered_json::parse(R"({
              "object": "programs/migrate-to-new.bpf.o",
              "maps": [ { "map": "new_listeners", "from": "generation=2" },
                        { "map": "new_count", "entries": [ { "key": 0, "value": 2 } ] } ] })");
        }
        if (ev["action"] != "attach-program")
        {
            events.push_back(ev);
        }
    }
    doc["events"] = events;
    ExpectSpread(RunAndPlace(Write(doc, Scratch("policy")).string()));
}

TEST(BpfScenarioTest, BuiltinTwinGivesIdenticalResultFiles)
{
    fs::path a = Scratch("object");
    fs::path b = Scratch("builtin");
    RunAll(g_shipped, a);
    nlohmann::ordered_json doc = Shipped();
    bool replaced = false;
    for (auto& ev : doc["events"])
    {
        if (ev["action"] == "attach-program")
        {
            ev["program"] = "prefer-newest-generation";
            ev["attach"] = "select-or-migrate";
            ev["params"] = {{"scope", "migration"}, {"pick", "modulo"}};
            replaced = true;
        }
    }
    ASSERT_TRUE(replaced);
    RunAll(Write(doc, b), b);
    for (const char* name : {"summary.csv", "timeseries.csv", "migrations.dot", "connections.csv"})
    {
        std::string x = ReadFile(a / "bpf-migrate-to-new" / name);
        std::string y = ReadFile(b / "bpf-migrate-to-new" / name);
        EXPECT_FALSE(x.empty()) << name;
        EXPECT_EQ(x, y) << name << " differs between the object and its built-in twin";
    }
}

// server.steering as an object: exclude-labels.bpf.o, its sockarray filled with the two
// workers' listeners and slot 0 excluded, steers every SYN to worker 1 from the start: worker
// 0 never gets a connection, and every connection completes.
TEST(BpfScenarioTest, SteeringObjectAttachedAtTheStart)
{
    nlohmann::ordered_json doc = Shipped();
    doc["events"] = nlohmann::ordered_json::array();
    doc["server"]["steering"] = {
        {"object", "programs/exclude-labels.bpf.o"},
        {"maps",
         {{{"map", "listeners"}, {"from", "generation=1"}},
          {{"map", "listener_count"}, {"entries", {{{"key", 0}, {"value", 2}}}}},
          {{"map", "excluded"}, {"entries", {{{"key", 0}, {"value", 1}}}}}}}};
    auto runs = ScenarioLoader::Expand(Write(doc, Scratch("steering")).string());
    std::map<std::string, uint64_t> perWorker;
    Simulator::Schedule(Seconds(0), [&perWorker]() {
        Config::MatchContainer m = Config::LookupMatches("/NodeList/*/$ns3::ReuseportStack");
        ASSERT_EQ(m.GetN(), 1u);
        m.Get(0)->TraceConnectWithoutContext(
            "ChildQueued",
            Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
                [&perWorker](const FourTuple&, Ptr<const ReuseportListener> l) {
                    perWorker[l->GetLabel("worker")]++;
                }));
    });
    RunResult result = ScenarioRunner::Run(runs[0], ScenarioRunner::Options{});
    EXPECT_TRUE(result.conserved) << result.violation;
    auto column = [&](const std::string& name) {
        auto it = std::find(result.header.begin(), result.header.end(), name);
        return it == result.header.end() ? std::string("?")
                                         : result.row[it - result.header.begin()];
    };
    EXPECT_EQ(perWorker.count("0"), 0u);
    EXPECT_EQ(std::to_string(perWorker["1"]), column("attempts"));
    EXPECT_EQ(column("completed"), column("attempts"));
}

TEST(BpfScenarioTest, SteeringObjectThatCannotBeFilledStopsTheRun)
{
    nlohmann::ordered_json doc = Shipped();
    doc["events"] = nlohmann::ordered_json::array();
    doc["server"]["steering"] = {{"object", "programs/exclude-labels.bpf.o"},
                                 {"maps", {{{"map", "listeners"}, {"from", "generation=3"}}}}};
    auto runs = ScenarioLoader::Expand(Write(doc, Scratch("steering-bad")).string());
    try
    {
        ScenarioRunner::Run(runs[0], ScenarioRunner::Options{});
        ADD_FAILURE() << "the run went on";
    }
    catch (const ScenarioRunError& e)
    {
        EXPECT_NE(std::string(e.what()).find("/server/steering"), std::string::npos) << e.what();
    }
}

// new_count emptied at 1.2s: every migration at the close (1.5s) is refused by the object.
TEST(BpfScenarioTest, MapUpdateAtItsTime)
{
    nlohmann::ordered_json doc = Shipped();
    doc["events"].push_back({{"at", "1.2s"},
                             {"action", "map-update"},
                             {"map", "new_count"},
                             {"entries", {{{"key", 0}, {"value", 0}}}}});
    auto runs = ScenarioLoader::Expand(Write(doc, Scratch("update")).string());
    RunResult result = ScenarioRunner::Run(runs[0], ScenarioRunner::Options{});
    EXPECT_TRUE(result.conserved) << result.violation;
    EXPECT_TRUE(result.edges.empty()); // no migration succeeded
    auto column = [&](const std::string& name) {
        auto it = std::find(result.header.begin(), result.header.end(), name);
        return it == result.header.end() ? std::string("?")
                                         : result.row[it - result.header.begin()];
    };
    EXPECT_EQ(column("migrate_success"), "0");
    EXPECT_NE(column("reset"), "0"); // the waiting connections are reset at the close
}

TEST(BpfScenarioTest, MapChangeThatFailsStopsTheRunWithTheEventPath)
{
    nlohmann::ordered_json doc = Shipped();
    // Generation 3 never exists: nothing to fill the sockarray with.
    doc["events"].push_back({{"at", "1.2s"},
                             {"action", "map-update"},
                             {"map", "new_listeners"},
                             {"from", "generation=3"}});
    // Slot 5 was never filled: bpf_map_delete_elem gives -ENOENT.
    nlohmann::ordered_json del = Shipped();
    del["events"].push_back(
        {{"at", "1.2s"}, {"action", "map-delete"}, {"map", "new_listeners"}, {"keys", {5}}});
    const std::vector<std::pair<nlohmann::ordered_json, std::string>> cases{
        {doc,
         "cannot apply at +1.2s: no listening socket has the labels generation=3 to fill "
         "map new_listeners"},
        {del, "cannot apply at +1.2s: bpf_map_delete_elem(new_listeners, 5) failed with -ENOENT"},
    };
    for (const auto& [d, message] : cases)
    {
        fs::path file = Write(d, Scratch("fail"));
        auto runs = ScenarioLoader::Expand(file.string());
        try
        {
            ScenarioRunner::Run(runs[0], ScenarioRunner::Options{});
            ADD_FAILURE() << "the run did not fail";
        }
        catch (const ScenarioRunError& e)
        {
            EXPECT_EQ(e.GetFile(), file.string());
            EXPECT_EQ(e.GetPath(), "/events/4");
            EXPECT_EQ(e.GetMessage(), message);
        }
    }
}

} // namespace
} // namespace ns3
