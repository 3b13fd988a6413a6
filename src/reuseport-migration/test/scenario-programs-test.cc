/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The scenario format's programs: eBPF objects with their map fills (found beside the
// scenario file, then in the build directory), map-update and map-delete events, and the
// built-ins' scope and pick parameters. Refusals are in bad-scenarios/expected.json.

#include "ns3/scenario-loader.h"
#include "ns3/scenario-programs.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ns3
{
namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

/// A valid scenario with the given events.
Json
WithEvents(const Json& events)
{
    Json doc = Json::parse(R"({
      "name": "programs",
      "duration": "4s",
      "topology": {
        "nodes": [ { "id": "client" }, { "id": "server" } ],
        "links": [ { "between": ["client", "server"], "rate": "1Gbps", "delay": "1ms" } ]
      },
      "server": { "host": "server", "workers": 2 },
      "clients": { "hosts": "client", "rate": 100 }
    })");
    doc["events"] = events;
    return doc;
}

/// A directory of its own for scenario files.
fs::path
Dir(const std::string& name)
{
    fs::path dir = fs::path(::testing::TempDir()) / ("rpm-programs-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

const std::string g_shippedObject =
    (fs::path(RPM_BPF_DIR) / "migrate-to-new.bpf.o").lexically_normal().string();

TEST(ScenarioProgramsTest, ObjectFromTheBuildWithItsMapFills)
{
    Json doc = WithEvents(Json::parse(R"([
      { "at": "1s", "action": "attach-program",
        "program": { "object": "programs/migrate-to-new.bpf.o",
                     "maps": [ { "map": "new_listeners", "from": "generation=1,worker=0" },
                               { "map": "new_count", "entries": [ { "key": 0, "value": 1 } ] } ] } }
    ])"));
    Scenario s = ScenarioLoader::Parse(doc, (Dir("build") / "x.json").string());
    ASSERT_EQ(s.events.size(), 1u);
    const EventSpec& e = s.events[0];
    EXPECT_EQ(e.program, "");
    ASSERT_TRUE(e.object.has_value());
    EXPECT_EQ(e.object->object, "programs/migrate-to-new.bpf.o");
    EXPECT_EQ(e.object->resolved, g_shippedObject);
    EXPECT_EQ(e.object->path, "/events/0/program");
    ASSERT_EQ(e.object->maps.size(), 2u);
    EXPECT_EQ(e.object->maps[0].map, "new_listeners");
    EXPECT_EQ(e.object->maps[0].from, "generation=1,worker=0");
    EXPECT_TRUE(e.object->maps[0].entries.empty());
    EXPECT_EQ(e.object->maps[0].path, "/events/0/program/maps/0");
    EXPECT_EQ(e.object->maps[1].map, "new_count");
    EXPECT_EQ(e.object->maps[1].entries, (std::vector<std::pair<uint64_t, uint64_t>>{{0, 1}}));
}

TEST(ScenarioProgramsTest, ObjectBesideTheScenarioComesFirst)
{
    fs::path dir = Dir("beside");
    fs::create_directories(dir / "programs");
    // A file named like a shipped program, but another program: the one beside wins.
    fs::copy_file(fs::path(RPM_BPF_DIR) / "refuse-migration.bpf.o",
                  dir / "programs" / "migrate-to-new.bpf.o");
    Json doc = WithEvents(Json::parse(R"([
      { "at": "1s", "action": "attach-program",
        "program": { "object": "programs/migrate-to-new.bpf.o" } }
    ])"));
    fs::path file = dir / "x.json";
    Scenario s = ScenarioLoader::Parse(doc, file.string());
    EXPECT_EQ(s.events[0].object->resolved, (dir / "programs" / "migrate-to-new.bpf.o").string());
    // Its maps are refuse-migration's: it has none.
    doc["events"][0]["program"]["maps"] =
        Json::parse(R"([ { "map": "new_count", "entries": [ { "key": 0, "value": 1 } ] } ])");
    try
    {
        ScenarioLoader::Parse(doc, file.string());
        ADD_FAILURE() << "accepted";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_EQ(e.GetPath(), "/events/0/program/maps/0/map");
        EXPECT_EQ(e.GetMessage(),
                  "expected a map of programs/migrate-to-new.bpf.o (it has none), got "
                  "\"new_count\"");
    }
}

TEST(ScenarioProgramsTest, MapChangesNameTheObjectInForce)
{
    Json doc = WithEvents(Json::parse(R"([
      { "at": "1s", "action": "attach-program",
        "program": { "object": "programs/migrate-to-new.bpf.o" } },
      { "at": "2s", "action": "map-update", "map": "new_listeners", "from": "generation=1" },
      { "at": "3s", "action": "map-delete", "map": "new_listeners", "keys": [0, 1] }
    ])"));
    Scenario s = ScenarioLoader::Parse(doc, (Dir("changes") / "x.json").string());
    ASSERT_EQ(s.events.size(), 3u);
    const EventSpec& update = s.events[1];
    ASSERT_TRUE(update.object.has_value());
    EXPECT_EQ(update.object->resolved, g_shippedObject);
    EXPECT_TRUE(update.object->maps.empty());
    EXPECT_EQ(update.mapChange.map, "new_listeners");
    EXPECT_EQ(update.mapChange.from, "generation=1");
    EXPECT_EQ(update.mapChange.path, "/events/1");
    const EventSpec& del = s.events[2];
    EXPECT_EQ(del.mapChange.keys, (std::vector<uint64_t>{0, 1}));

    // After a detach, nothing is attached to change.
    doc["events"].insert(doc["events"].begin() + 1,
                         Json::parse(R"({ "at": "1.5s", "action": "detach-program" })"));
    try
    {
        ScenarioLoader::Parse(doc, "x.json");
        ADD_FAILURE() << "accepted";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_EQ(e.GetPath(), "/events/2");
        EXPECT_EQ(e.GetMessage(),
                  "expected an eBPF object attached by an earlier attach-program to change the "
                  "map of, but no program is attached");
    }
}

TEST(ScenarioProgramsTest, ScopeAndPickBecomeAttributes)
{
    Json doc = WithEvents(Json::parse(R"([
      { "at": "1s", "action": "attach-program", "program": "prefer-newest-generation",
        "attach": "select-or-migrate", "params": { "scope": "migration", "pick": "modulo" } },
      { "at": "2s", "action": "attach-program", "program": "drop-all",
        "params": { "scope": "migration" } }
    ])"));
    Scenario s = ScenarioLoader::Parse(doc, "x.json");
    using Params = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(s.events[0].params, (Params{{"Scope", "migration"}, {"Pick", "modulo"}}));
    EXPECT_EQ(s.events[1].params, (Params{{"Scope", "migration"}}));
}

TEST(ScenarioProgramsTest, ResolveTriesBesideThenTheBuild)
{
    fs::path dir = Dir("resolve");
    std::string tried;
    EXPECT_EQ(ResolveProgramObject((dir / "x.json").string(), "programs/none.bpf.o", &tried), "");
    EXPECT_EQ(tried,
              (dir / "programs" / "none.bpf.o").string() + " or " +
                  (fs::path(RPM_BPF_DIR) / "none.bpf.o").lexically_normal().string());
    EXPECT_EQ(ResolveProgramObject((dir / "x.json").string(), g_shippedObject), g_shippedObject);
}

} // namespace
} // namespace ns3
