/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The scenario loader (doc/scenarios.md): values and defaults of valid documents, sweep
// expansion, and the table of bad files in test/bad-scenarios/, each with the exact path and
// message it must be rejected with.

#include "ns3/scenario-loader.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>

namespace ns3
{
namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

/**
 * \return the repository root: from RPM_SOURCE_DIR (the module's source directory) if the
 * build defines it, else the first parent of the current directory holding the test data
 */
fs::path
RepoRoot()
{
    const fs::path marker = fs::path("src") / "reuseport-migration" / "test" / "bad-scenarios";
#ifdef RPM_SOURCE_DIR
    fs::path fromBuild = (fs::path(RPM_SOURCE_DIR) / ".." / "..").lexically_normal();
    if (fs::is_directory(fromBuild / marker))
    {
        return fromBuild;
    }
#endif
    for (fs::path p = fs::current_path(); !p.empty(); p = p.parent_path())
    {
        if (fs::is_directory(p / marker))
        {
            return p;
        }
        if (p == p.parent_path())
        {
            break;
        }
    }
    return {};
}

/// A valid document that the tests vary.
const char* g_base = R"({
  "name": "base",
  "duration": "10s",
  "topology": {
    "nodes": [ { "id": "client", "count": 4 }, { "id": "router" }, { "id": "server" } ],
    "links": [ { "between": ["client", "router"], "rate": "1Gbps", "delay": "10ms" },
               { "between": ["router", "server"], "rate": "10Gbps", "delay": "100us" } ]
  },
  "server": { "host": "server", "workers": 4 },
  "clients": { "hosts": "client", "rate": 1000 },
  "events": [ { "at": "3s", "action": "reload" } ]
})";

/// \return the base document
Json
Base()
{
    return Json::parse(g_base);
}

/**
 * \param doc a document
 * \return it parsed as if read from "inline.json"
 */
Scenario
Parse(const Json& doc)
{
    return ScenarioLoader::Parse(doc, "inline.json");
}

/**
 * \brief Expect a ScenarioError with this path and message.
 * \param f what should throw
 * \param path the JSON pointer
 * \param message the message
 */
void
ExpectError(const std::function<void()>& f, const std::string& path, const std::string& message)
{
    try
    {
        f();
        ADD_FAILURE() << "no error; expected " << path << ": " << message;
    }
    catch (const ScenarioError& e)
    {
        EXPECT_EQ(e.GetPath(), path);
        EXPECT_EQ(e.GetMessage(), message);
    }
}

/**
 * \brief Expect Parse(doc) to fail with this path and message.
 * \param doc the document
 * \param path the JSON pointer
 * \param message the message
 */
void
ExpectParseError(const Json& doc, const std::string& path, const std::string& message)
{
    ExpectError([&doc] { Parse(doc); }, path, message);
}

/**
 * \brief Expect Expand(doc) to fail with this path and message.
 * \param doc the document
 * \param path the JSON pointer
 * \param message the message
 */
void
ExpectExpandError(const Json& doc, const std::string& path, const std::string& message)
{
    ExpectError([&doc] { ScenarioLoader::Expand(doc, "inline.json"); }, path, message);
}

/**
 * \param name a file name
 * \param text its content
 * \return the path of a new temporary file
 */
std::string
WriteTemp(const std::string& name, const std::string& text)
{
    fs::path dir = fs::path(::testing::TempDir()) / "rpm-scenario-loader";
    fs::create_directories(dir);
    fs::path file = dir / name;
    std::ofstream(file) << text;
    return file.string();
}

/**
 * \param d a duration string
 * \return the run duration it gives
 */
Time
DurationOf(const std::string& d)
{
    // Through a key that costs nothing to run, so that even the longest duration parses.
    Json doc = Base();
    doc["server"]["shutdown_timeout"] = d;
    return Parse(doc).server.shutdownTimeout;
}

/**
 * \param r a data-rate string
 * \return the rate of the first link
 */
uint64_t
RateOf(const std::string& r)
{
    Json doc = Base();
    doc["topology"]["links"][0]["rate"] = r;
    return Parse(doc).topology.links[0].rate.GetBitRate();
}

TEST(ScenarioErrorTest, WhatNamesFilePathAndMessage)
{
    ScenarioError e("a.json", "/events/2/at", "expected x, got y");
    EXPECT_STREQ(e.what(), "a.json: /events/2/at: expected x, got y");
    EXPECT_EQ(e.GetFile(), "a.json");
    EXPECT_EQ(e.GetPath(), "/events/2/at");
    EXPECT_EQ(e.GetMessage(), "expected x, got y");
    EXPECT_STREQ(ScenarioError("a.json", "", "invalid JSON").what(), "a.json: invalid JSON");
}

TEST(DurationDistributionTest, RandomVariableStringsInSeconds)
{
    DurationDistribution d;
    d.value = MilliSeconds(1);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ConstantRandomVariable[Constant=0.001]");
    d.value = Time(0);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ConstantRandomVariable[Constant=0]");
    d.value = Seconds(2);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ConstantRandomVariable[Constant=2]");
    d.value = NanoSeconds(1500);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ConstantRandomVariable[Constant=0.0000015]");
    d.kind = DurationDistribution::EXPONENTIAL;
    d.mean = MilliSeconds(1);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ExponentialRandomVariable[Mean=0.001]");
    d.kind = DurationDistribution::UNIFORM;
    d.min = MicroSeconds(500);
    d.max = MilliSeconds(2);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::UniformRandomVariable[Min=0.0005|Max=0.002]");
    d.min = MicroSeconds(123456789);
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::UniformRandomVariable[Min=123.456789|Max=0.002]");
}

// The example file: every default of the format.
TEST(ScenarioLoaderTest, ExampleMinimalAndDefaults)
{
    fs::path root = RepoRoot();
    ASSERT_FALSE(root.empty()) << "cannot find the source tree";
    std::string file = (root / "scenarios" / "example-minimal.json").string();
    Scenario s = ScenarioLoader::Load(file);
    EXPECT_EQ(s.file, file);
    EXPECT_EQ(s.name, "example-minimal");
    EXPECT_FALSE(s.description.empty());
    EXPECT_EQ(s.seed, 1u);
    EXPECT_EQ(s.duration, Seconds(2));
    EXPECT_EQ(s.scheduler, "heap");
    EXPECT_EQ(s.sysctl,
              (std::map<std::string, uint32_t>{{"somaxconn", 4096},
                                               {"tcp_max_syn_backlog", 1024},
                                               {"tcp_synack_retries", 5},
                                               {"tcp_abort_on_overflow", 0},
                                               {"tcp_syncookies", 1},
                                               {"tcp_migrate_req", 0}}));

    EXPECT_EQ(s.topology.path, "/topology");
    ASSERT_EQ(s.topology.nodes.size(), 3u);
    EXPECT_EQ(s.topology.nodes[0].id, "client");
    EXPECT_EQ(s.topology.nodes[0].count, 2u);
    EXPECT_EQ(s.topology.nodes[0].path, "/topology/nodes/0");
    EXPECT_EQ(s.topology.nodes[1].id, "router");
    EXPECT_EQ(s.topology.nodes[1].count, 1u);
    EXPECT_EQ(s.topology.nodes[2].id, "server");
    ASSERT_EQ(s.topology.links.size(), 2u);
    const LinkSpec& l = s.topology.links[1];
    EXPECT_EQ(l.a, "router");
    EXPECT_EQ(l.b, "server");
    EXPECT_EQ(l.rate, DataRate("10Gbps"));
    EXPECT_EQ(l.delay, MicroSeconds(100));
    EXPECT_EQ(l.loss, 0.0);
    EXPECT_EQ(l.queue, 1000u);
    EXPECT_EQ(l.path, "/topology/links/1");
    EXPECT_EQ(s.topology.links[0].delay, MilliSeconds(1));

    EXPECT_EQ(s.server.host, "server");
    EXPECT_EQ(s.server.port, 80);
    EXPECT_EQ(s.server.workers, 2u);
    EXPECT_EQ(s.server.backlog, 511);
    EXPECT_EQ(s.server.serviceTime.kind, DurationDistribution::CONSTANT);
    EXPECT_EQ(s.server.serviceTime.value, Time(0));
    EXPECT_EQ(s.server.steering, "hash");
    EXPECT_EQ(s.server.shutdownTimeout, Seconds(10));

    EXPECT_EQ(s.clients.hosts, "client");
    EXPECT_EQ(s.clients.rate, 200.0);
    EXPECT_EQ(s.clients.arrival, "poisson");
    EXPECT_EQ(s.clients.requestBytes, 200u);
    EXPECT_EQ(s.clients.responseBytes, 4096u);
    EXPECT_EQ(s.clients.timeout, Time(0));
    EXPECT_EQ(s.clients.start, Time(0));
    EXPECT_EQ(s.clients.stop, Seconds(2)); // the run's duration

    ASSERT_EQ(s.events.size(), 1u);
    const EventSpec& e = s.events[0];
    EXPECT_EQ(e.at, Seconds(1));
    EXPECT_EQ(e.action, "reload");
    EXPECT_EQ(e.path, "/events/0");
    EXPECT_EQ(e.strategy, "close");
    EXPECT_EQ(e.policy, "hash");
    EXPECT_FALSE(e.workers.has_value());
    EXPECT_TRUE(e.listenChange);

    EXPECT_EQ(s.output.timeseriesInterval, MilliSeconds(100));
    EXPECT_FALSE(s.output.connections);
    EXPECT_FALSE(s.output.pcap);

    auto runs = ScenarioLoader::Expand(file);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].index, 0u);
    EXPECT_TRUE(runs[0].params.empty());
    EXPECT_EQ(runs[0].scenario.name, "example-minimal");
}

// Every key of the format, set to something other than its default.
TEST(ScenarioLoaderTest, EveryKey)
{
    Json doc = Json::parse(R"({
      "name": "every-key_2",
      "description": "all of it",
      "seed": 7,
      "duration": "2min",
      "scheduler": "calendar",
      "sysctl": { "somaxconn": 128, "tcp_max_syn_backlog": 256, "tcp_synack_retries": 2,
                  "tcp_abort_on_overflow": 1, "tcp_syncookies": 0, "tcp_migrate_req": 1 },
      "topology": {
        "nodes": [ { "id": "c-1", "count": 3 }, { "id": "R_1" }, { "id": "srv" } ],
        "links": [ { "between": ["R_1", "c-1"], "rate": "1500Bps", "delay": "1.5ms",
                     "loss": 0.25, "queue": 50 },
                   { "between": ["srv", "R_1"], "rate": "2.5Mbps", "delay": "5ns" } ]
      },
      "server": { "host": "srv", "port": 8080, "workers": 6, "backlog": 0,
                  "service_time": { "distribution": "uniform", "min": "500us", "max": "2ms" },
                  "steering": "round-robin", "shutdown_timeout": "0s" },
      "clients": { "hosts": "c-1", "rate": 12.5, "arrival": "constant", "request_bytes": 1,
                   "response_bytes": 100000, "timeout": "1h", "start": "100ms", "stop": "110s" },
      "events": [
        { "at": "90s", "action": "drop-segments", "link": ["R_1", "srv"], "until": "95s",
          "flags_set": ["ACK"], "flags_clear": ["SYN", "RST"], "port": 8080 },
        { "at": "10s", "action": "upgrade", "strategy": "migrate", "policy": "exclude-labels",
          "workers": 8 },
        { "at": "20s", "action": "set-sysctl", "name": "tcp_syncookies", "value": 2 },
        { "at": "10s", "action": "kill-worker", "worker": 7, "respawn": false },
        { "at": "30s", "action": "attach-program", "program": "exclude-labels",
          "attach": "select-or-migrate",
          "params": { "drop_when_empty": true, "exclude": "generation=1,worker=3" } },
        { "at": "40s", "action": "detach-program" },
        { "at": "50s", "action": "attach-program", "program": "prefer-newest-generation",
          "params": { "label": "epoch" } },
        { "at": "60s", "action": "drop-segments", "host": "c-1", "until": "2min" },
        { "at": "0s", "action": "stall-worker", "worker": 5 },
        { "at": "1s", "action": "resume-worker", "worker": 5 },
        { "at": "2min", "action": "reload", "listen_change": false, "strategy": "migrate",
          "policy": "last-slot" },
        { "at": "1s", "action": "listen", "worker": 0 },
        { "at": "1s", "action": "shutdown-listener", "worker": 1 },
        { "at": "1s", "action": "close-listener", "worker": 2 }
      ],
      "output": { "timeseries_interval": "1s", "connections": true, "pcap": true }
    })");
    Scenario s = Parse(doc);
    EXPECT_EQ(s.file, "inline.json");
    EXPECT_EQ(s.name, "every-key_2");
    EXPECT_EQ(s.description, "all of it");
    EXPECT_EQ(s.seed, 7u);
    EXPECT_EQ(s.duration, Seconds(120));
    EXPECT_EQ(s.scheduler, "calendar");
    EXPECT_EQ(s.sysctl,
              (std::map<std::string, uint32_t>{{"somaxconn", 128},
                                               {"tcp_max_syn_backlog", 256},
                                               {"tcp_synack_retries", 2},
                                               {"tcp_abort_on_overflow", 1},
                                               {"tcp_syncookies", 0},
                                               {"tcp_migrate_req", 1}}));

    ASSERT_EQ(s.topology.links.size(), 2u);
    const LinkSpec& l0 = s.topology.links[0];
    EXPECT_EQ(l0.a, "R_1");
    EXPECT_EQ(l0.b, "c-1");
    EXPECT_EQ(l0.rate.GetBitRate(), 12000u);
    EXPECT_EQ(l0.delay, MicroSeconds(1500));
    EXPECT_EQ(l0.loss, 0.25);
    EXPECT_EQ(l0.queue, 50u);
    EXPECT_EQ(s.topology.links[1].rate.GetBitRate(), 2500000u);
    EXPECT_EQ(s.topology.links[1].delay, NanoSeconds(5));
    EXPECT_EQ(s.topology.nodes[0].count, 3u);

    EXPECT_EQ(s.server.host, "srv");
    EXPECT_EQ(s.server.port, 8080);
    EXPECT_EQ(s.server.workers, 6u);
    EXPECT_EQ(s.server.backlog, 0);
    EXPECT_EQ(s.server.serviceTime.kind, DurationDistribution::UNIFORM);
    EXPECT_EQ(s.server.serviceTime.min, MicroSeconds(500));
    EXPECT_EQ(s.server.serviceTime.max, MilliSeconds(2));
    EXPECT_EQ(s.server.serviceTime.ToRandomVariableString(),
              "ns3::UniformRandomVariable[Min=0.0005|Max=0.002]");
    EXPECT_EQ(s.server.steering, "round-robin");
    EXPECT_EQ(s.server.shutdownTimeout, Time(0));

    EXPECT_EQ(s.clients.hosts, "c-1");
    EXPECT_EQ(s.clients.rate, 12.5);
    EXPECT_EQ(s.clients.arrival, "constant");
    EXPECT_EQ(s.clients.requestBytes, 1u);
    EXPECT_EQ(s.clients.responseBytes, 100000u);
    EXPECT_EQ(s.clients.timeout, Seconds(3600));
    EXPECT_EQ(s.clients.start, MilliSeconds(100));
    EXPECT_EQ(s.clients.stop, Seconds(110));

    // Sorted by time; ties keep the file's order.
    std::vector<std::string> order;
    for (const auto& e : s.events)
    {
        order.push_back(e.path);
    }
    EXPECT_EQ(order,
              (std::vector<std::string>{"/events/8",
                                        "/events/9",
                                        "/events/11",
                                        "/events/12",
                                        "/events/13",
                                        "/events/1",
                                        "/events/3",
                                        "/events/2",
                                        "/events/4",
                                        "/events/5",
                                        "/events/6",
                                        "/events/7",
                                        "/events/0",
                                        "/events/10"}));
    auto byPath = [&s](const std::string& path) -> const EventSpec& {
        for (const auto& e : s.events)
        {
            if (e.path == path)
            {
                return e;
            }
        }
        throw std::runtime_error("no event " + path);
    };

    const EventSpec& drop = byPath("/events/0");
    EXPECT_EQ(drop.action, "drop-segments");
    EXPECT_EQ(drop.at, Seconds(90));
    EXPECT_EQ(drop.until, Seconds(95));
    EXPECT_EQ(drop.host, "");
    ASSERT_TRUE(drop.link.has_value());
    EXPECT_EQ(*drop.link, std::make_pair(std::string("R_1"), std::string("srv")));
    EXPECT_EQ(drop.flagsSet, 0x10);          // ACK
    EXPECT_EQ(drop.flagsClear, 0x02 | 0x04); // SYN, RST
    EXPECT_EQ(drop.port, 8080);

    const EventSpec& upgrade = byPath("/events/1");
    EXPECT_EQ(upgrade.action, "upgrade");
    EXPECT_EQ(upgrade.strategy, "migrate");
    EXPECT_EQ(upgrade.policy, "exclude-labels");
    EXPECT_EQ(upgrade.workers, 8u);
    EXPECT_FALSE(upgrade.listenChange);

    const EventSpec& sysctl = byPath("/events/2");
    EXPECT_EQ(sysctl.name, "tcp_syncookies");
    EXPECT_EQ(sysctl.value, 2u);

    const EventSpec& kill = byPath("/events/3");
    EXPECT_EQ(kill.worker, 7u); // the upgrade before it made 8 workers
    EXPECT_FALSE(kill.respawn);

    const EventSpec& exclude = byPath("/events/4");
    EXPECT_EQ(exclude.program, "exclude-labels");
    EXPECT_EQ(exclude.attach, "select-or-migrate");
    EXPECT_EQ(
        exclude.params,
        (std::vector<std::pair<std::string, std::string>>{{"Exclude", "generation=1,worker=3"},
                                                          {"DropWhenEmpty", "true"}}));
    EXPECT_EQ(byPath("/events/5").action, "detach-program");
    const EventSpec& newest = byPath("/events/6");
    EXPECT_EQ(newest.attach, "select");
    EXPECT_EQ(newest.params,
              (std::vector<std::pair<std::string, std::string>>{{"Label", "epoch"}}));
    const EventSpec& dropHost = byPath("/events/7");
    EXPECT_EQ(dropHost.host, "c-1");
    EXPECT_FALSE(dropHost.link.has_value());
    EXPECT_EQ(dropHost.flagsSet, 0);
    EXPECT_EQ(dropHost.flagsClear, 0);
    EXPECT_EQ(dropHost.port, 0);
    EXPECT_EQ(byPath("/events/8").worker, 5u);
    const EventSpec& reload = byPath("/events/10");
    EXPECT_EQ(reload.at, Seconds(120)); // at the very end is within the run
    EXPECT_EQ(reload.strategy, "migrate");
    EXPECT_EQ(reload.policy, "last-slot");
    EXPECT_EQ(byPath("/events/11").action, "listen");
    EXPECT_EQ(byPath("/events/12").action, "shutdown-listener");
    EXPECT_EQ(byPath("/events/13").worker, 2u);

    EXPECT_EQ(s.output.timeseriesInterval, Seconds(1));
    EXPECT_TRUE(s.output.connections);
    EXPECT_TRUE(s.output.pcap);

    // nlohmann::json (sorted keys) gives the same scenario.
    Scenario t = ScenarioLoader::Parse(nlohmann::json::parse(doc.dump()), "inline.json");
    EXPECT_EQ(t.events.size(), s.events.size());
    EXPECT_EQ(t.events[5].path, "/events/1");
    EXPECT_EQ(t.events[8].params, exclude.params);
}

TEST(ScenarioLoaderTest, ServiceTimeDistributions)
{
    Json doc = Base();
    auto serviceTime = [&doc](const Json& v) {
        doc["server"]["service_time"] = v;
        return Parse(doc).server.serviceTime;
    };
    DurationDistribution d = serviceTime("250us");
    EXPECT_EQ(d.kind, DurationDistribution::CONSTANT);
    EXPECT_EQ(d.value, MicroSeconds(250));
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ConstantRandomVariable[Constant=0.00025]");
    d = serviceTime(Json::parse(R"({ "distribution": "constant", "value": "1ms" })"));
    EXPECT_EQ(d.kind, DurationDistribution::CONSTANT);
    EXPECT_EQ(d.value, MilliSeconds(1));
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ConstantRandomVariable[Constant=0.001]");
    d = serviceTime(Json::parse(R"({ "distribution": "exponential", "mean": "1ms" })"));
    EXPECT_EQ(d.kind, DurationDistribution::EXPONENTIAL);
    EXPECT_EQ(d.mean, MilliSeconds(1));
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::ExponentialRandomVariable[Mean=0.001]");
    d = serviceTime(Json::parse(R"({ "distribution": "uniform", "min": "0.5ms", "max": "2ms" })"));
    EXPECT_EQ(d.kind, DurationDistribution::UNIFORM);
    EXPECT_EQ(d.min, MicroSeconds(500));
    EXPECT_EQ(d.max, MilliSeconds(2));
    EXPECT_EQ(d.ToRandomVariableString(), "ns3::UniformRandomVariable[Min=0.0005|Max=0.002]");
    d = serviceTime(Json::parse(R"({ "distribution": "uniform", "min": "1ms", "max": "1ms" })"));
    EXPECT_EQ(d.min, d.max);

    doc["server"]["service_time"] =
        Json::parse(R"({ "distribution": "uniform", "min": "2ms", "max": "1ms" })");
    ExpectParseError(doc,
                     "/server/service_time/max",
                     R"(expected a duration >= min ("2ms"), got "1ms")");
    doc["server"]["service_time"] =
        Json::parse(R"({ "distribution": "exponential", "mean": "0s" })");
    ExpectParseError(doc, "/server/service_time/mean", R"(expected a duration > 0, got "0s")");
    doc["server"]["service_time"] =
        Json::parse(R"({ "distribution": "exponential", "mean": "1ms", "max": "2ms" })");
    ExpectParseError(doc,
                     "/server/service_time/max",
                     "unknown key (expected one of: distribution, mean)");
    doc["server"]["service_time"] = 5;
    ExpectParseError(
        doc,
        "/server/service_time",
        R"(expected a duration such as "3s" or "150ms", or a distribution object, got 5)");
}

TEST(ScenarioLoaderTest, DurationsAreExact)
{
    EXPECT_EQ(DurationOf("10s"), Seconds(10));
    EXPECT_EQ(DurationOf("150ms"), MilliSeconds(150));
    EXPECT_EQ(DurationOf("100us"), MicroSeconds(100));
    EXPECT_EQ(DurationOf("2min"), Seconds(120));
    EXPECT_EQ(DurationOf("1h"), Seconds(3600));
    EXPECT_EQ(DurationOf("5ns"), NanoSeconds(5));
    EXPECT_EQ(DurationOf("1.5ms"), MicroSeconds(1500));
    EXPECT_EQ(DurationOf("0.000001s"), MicroSeconds(1));
    EXPECT_EQ(DurationOf("0.3s"), MilliSeconds(300));
    EXPECT_EQ(DurationOf("2.5min"), Seconds(150));
    EXPECT_EQ(DurationOf("0.1h"), Seconds(360));
    EXPECT_EQ(DurationOf("007s"), Seconds(7));
    EXPECT_EQ(DurationOf("1.0000000005s"), NanoSeconds(1000000001)); // to the nearest ns
    EXPECT_EQ(DurationOf("2562047h"), Seconds(2562047.0 * 3600));

    Json doc = Base();
    for (const char* bad : {"soon", "10", "-1s", "1 s", "1.s", ".5s", "1e3s", "1S", "1sec", ""})
    {
        doc["duration"] = bad;
        ExpectParseError(doc,
                         "/duration",
                         std::string(R"(expected a duration such as "3s" or "150ms", got ")") +
                             bad + "\"");
    }
    doc["duration"] = "2562048h";
    ExpectParseError(doc,
                     "/duration",
                     R"(expected a duration of at most 2562047h, got "2562048h")");
    doc["duration"] = "0.4ns";
    ExpectParseError(doc, "/duration", R"(expected a duration > 0, got "0.4ns")");
}

TEST(ScenarioLoaderTest, DataRatesAreExact)
{
    EXPECT_EQ(RateOf("1Gbps"), 1000000000u);
    EXPECT_EQ(RateOf("100Mbps"), 100000000u);
    EXPECT_EQ(RateOf("10kbps"), 10000u);
    EXPECT_EQ(RateOf("10Kbps"), 10000u);
    EXPECT_EQ(RateOf("1500Bps"), 12000u);
    EXPECT_EQ(RateOf("1.5kBps"), 12000u);
    EXPECT_EQ(RateOf("2KBps"), 16000u);
    EXPECT_EQ(RateOf("3MBps"), 24000000u);
    EXPECT_EQ(RateOf("1GBps"), 8000000000u);
    EXPECT_EQ(RateOf("7bps"), 7u);
    EXPECT_EQ(RateOf("0.3Gbps"), 300000000u);
    // DataRate("8.2Mbps") truncates 8.2 * 1e6 in double arithmetic to 8199999 bps.
    EXPECT_EQ(RateOf("8.2Mbps"), 8200000u);
    EXPECT_EQ(RateOf("1.001Gbps"), 1001000000u);
    EXPECT_EQ(RateOf("1.000000001Gbps"), 1000000001u);
    EXPECT_EQ(RateOf("0.5bps"), 1u); // to the nearest bit per second

    Json doc = Base();
    for (const char* bad : {"fast", "1 Gbps", "1gbps", "1Gb/s", "-1Mbps", "1000", "1e3bps"})
    {
        doc["topology"]["links"][0]["rate"] = bad;
        ExpectParseError(
            doc,
            "/topology/links/0/rate",
            std::string(R"(expected a data rate such as "1Gbps" or "100Mbps", got ")") + bad +
                "\"");
    }
    doc["topology"]["links"][0]["rate"] = 1000;
    ExpectParseError(doc,
                     "/topology/links/0/rate",
                     R"(expected a data rate such as "1Gbps" or "100Mbps", got 1000)");
    doc["topology"]["links"][0]["rate"] = "0.4bps";
    ExpectParseError(doc, "/topology/links/0/rate", R"(expected a data rate > 0, got "0.4bps")");
}

TEST(ScenarioLoaderTest, NumbersAndTypes)
{
    Json doc = Base();
    doc["server"]["workers"] = 6.0; // an integral number is an integer, as in JSON Schema
    EXPECT_EQ(Parse(doc).server.workers, 6u);
    doc["server"]["workers"] = 2.5;
    ExpectParseError(doc, "/server/workers", "expected an integer between 1 and 32768, got 2.5");
    doc["server"]["workers"] = 5000000000;
    ExpectParseError(doc,
                     "/server/workers",
                     "expected an integer between 1 and 32768, got 5000000000");
    doc["server"]["workers"] = true;
    ExpectParseError(doc, "/server/workers", "expected an integer between 1 and 32768, got true");
    doc = Base();
    doc["clients"]["rate"] = "1000";
    ExpectParseError(doc, "/clients/rate", R"(expected a number > 0, got "1000")");
    doc = Base();
    doc["output"] = Json::parse(R"({ "connections": "yes" })");
    ExpectParseError(doc, "/output/connections", R"(expected true or false, got "yes")");
    doc = Base();
    doc["topology"]["links"][0]["loss"] = -0.1;
    ExpectParseError(doc, "/topology/links/0/loss", "expected a probability in [0, 1), got -0.1");
    doc = Base();
    doc["events"] = Json::object();
    ExpectParseError(doc, "/events", "expected an array of events, got {}");
    doc = Base();
    doc["events"][0] = "reload";
    ExpectParseError(doc, "/events/0", R"(expected an object, got "reload")");
    doc = Base();
    doc["server"]["backlog"] = -1;
    ExpectParseError(doc, "/server/backlog", "expected an integer >= 0, got -1");
    doc = Base();
    doc["topology"]["links"][0]["between"] = Json::parse(R"(["client"])");
    ExpectParseError(doc, "/topology/links/0/between", R"(expected two node ids, got ["client"])");
    doc = Base();
    doc["description"] = Json::array({1, 2});
    ExpectParseError(doc, "/description", "expected a string, got [1,2]");
    doc = Base();
    doc["name"] = std::string(200, 'X'); // long values are shortened in messages
    ExpectParseError(doc,
                     "/name",
                     "expected a name matching [a-z0-9][a-z0-9_-]*, got \"" + std::string(76, 'X') +
                         "...");
}

// Checks that need more than one value: a JSON Schema cannot express them.
TEST(ScenarioLoaderTest, CrossChecks)
{
    auto withEvent = [](const char* event) {
        Json doc = Base();
        doc["events"].push_back(Json::parse(event));
        return doc;
    };
    ExpectParseError(
        withEvent(R"({ "at": "5s", "action": "drop-segments", "host": "server", "until": "5s" })"),
        "/events/1/until",
        R"(expected a time after at ("5s"), got "5s")");
    // A drop window may outlast the run.
    EXPECT_EQ(Parse(withEvent(R"({ "at": "5s", "action": "drop-segments", "host": "router",
                                  "until": "1h" })"))
                  .events[1]
                  .until,
              Seconds(3600));
    ExpectParseError(withEvent(R"({ "at": "5s", "action": "drop-segments", "host": "server",
                                   "until": "6s", "flags_set": ["ACK"],
                                   "flags_clear": ["SYN", "ACK"] })"),
                     "/events/1/flags_clear/1",
                     R"(expected a flag not in flags_set, got "ACK")");
    ExpectParseError(withEvent(R"({ "at": "5s", "action": "drop-segments",
                                   "link": ["client", "server"], "until": "6s" })"),
                     "/events/1/link",
                     R"(expected the two ends of a link of the topology, got ["client","server"])");
    // Either order names the link.
    EXPECT_TRUE(Parse(withEvent(R"({ "at": "5s", "action": "drop-segments",
                                     "link": ["server", "router"], "until": "6s" })"))
                    .events[1]
                    .link.has_value());
    ExpectParseError(withEvent(R"({ "at": "5s", "action": "drop-segments",
                                   "link": ["server", "web"], "until": "6s" })"),
                     "/events/1/link/1",
                     R"(expected a node id ("client", "router" or "server"), got "web")");

    Json doc = Base();
    doc["clients"]["hosts"] = "server";
    ExpectParseError(doc,
                     "/clients/hosts",
                     R"(expected a node other than the server host, got "server")");
    doc = Base();
    doc["clients"]["stop"] = "11s";
    ExpectParseError(doc,
                     "/clients/stop",
                     R"(expected a time within the run (<= "10s"), got "11s")");
    doc = Base();
    doc["clients"]["start"] = "10s";
    ExpectParseError(doc,
                     "/clients/start",
                     R"(expected a time before the end of the run ("10s"), got "10s")");

    // The worker count follows the reloads in time order, not in file order.
    doc = Base();
    doc["events"] = Json::parse(R"([
        { "at": "6s", "action": "close-listener", "worker": 7 },
        { "at": "5s", "action": "reload", "workers": 8 },
        { "at": "7s", "action": "upgrade", "workers": 2 },
        { "at": "8s", "action": "stall-worker", "worker": 1 }
    ])");
    EXPECT_EQ(Parse(doc).events.size(), 4u);
    doc["events"][0]["at"] = "4s";
    ExpectParseError(doc,
                     "/events/0/worker",
                     "expected a worker index < 4 (the workers of the current generation), got 7");
    doc["events"][0]["at"] = "6s";
    doc["events"][3]["worker"] = 2;
    ExpectParseError(doc,
                     "/events/3/worker",
                     "expected a worker index < 2 (the workers of the current generation), got 2");
}

TEST(ScenarioLoaderTest, ReadErrors)
{
    ExpectError([] { ScenarioLoader::Load("/nonexistent/scenario.json"); },
                "",
                "cannot read the file: No such file or directory");
    try
    {
        ScenarioLoader::Expand("/nonexistent/scenario.json");
        ADD_FAILURE() << "no error";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_EQ(e.GetFile(), "/nonexistent/scenario.json");
        EXPECT_STREQ(e.what(),
                     "/nonexistent/scenario.json: cannot read the file: No such file or directory");
    }
    std::string empty = WriteTemp("empty.json", "");
    ExpectError([&empty] { ScenarioLoader::Load(empty); },
                "",
                "invalid JSON at line 1, column 1: syntax error while parsing value - unexpected "
                "end of input; expected '[', '{', or a literal");
    std::string dup =
        WriteTemp("dup.json", R"({ "a": [ {}, { "b": 1, "c": { "b": 2 }, "b": 3 } ] })");
    ExpectError([&dup] { ScenarioLoader::ReadDocument(dup); }, "/a/1/b", "duplicate key");
    std::string noDup = WriteTemp("nodup.json", R"({ "a": [ { "b": 1 }, { "b": 2 } ], "b": [] })");
    EXPECT_EQ(ScenarioLoader::ReadDocument(noDup).size(), 2u);
}

// Inputs that used to crash the loader or hang it: each is refused with its file and path.
TEST(ScenarioLoaderTest, HostileInputs)
{
    // A number beyond double, anywhere.
    std::string big = WriteTemp("big.json", R"({ "name": "x", "seed": 1e400 })");
    ExpectError([&big] { ScenarioLoader::Load(big); },
                "/seed",
                "invalid JSON: number overflow parsing '1e400'");
    // stop without start: start is 0 s.
    Json doc = Base();
    doc["clients"]["stop"] = "0s";
    ExpectParseError(doc,
                     "/clients/stop",
                     R"(expected a time after start (0s when not given), got "0s")");
    // Nesting: deeper than 64 levels is refused while reading, before anything walks it.
    std::string deep = WriteTemp("deep.json",
                                 R"({ "name": "x", "description": )" + std::string(100000, '[') +
                                     std::string(100000, ']') + "}");
    ExpectError([&deep] { ScenarioLoader::Load(deep); },
                "/description" +
                    [] {
                        std::string p;
                        for (int i = 0; i < 63; ++i)
                        {
                            p += "/0";
                        }
                        return p;
                    }(),
                "expected values nested at most 64 levels deep");
    std::string fine =
        WriteTemp("fine.json", R"({ "a": )" + std::string(63, '[') + std::string(63, ']') + "}");
    EXPECT_NO_THROW(ScenarioLoader::ReadDocument(fine));
    // Not a regular file: a device, a directory, a FIFO (which must not block).
    ExpectError([] { ScenarioLoader::Load("/dev/zero"); },
                "",
                "cannot read the file: not a regular file");
    ExpectError([] { ScenarioLoader::Load("/"); }, "", "cannot read the file: not a regular file");
    fs::path fifo = fs::path(::testing::TempDir()) / "rpm-scenario-loader" / "fifo.json";
    fs::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    ExpectError([&fifo] { ScenarioLoader::Load(fifo.string()); },
                "",
                "cannot read the file: not a regular file");
    fs::remove(fifo);
    // Too large: 16 MiB and one byte.
    std::string huge = WriteTemp("huge.json", std::string(16 * 1024 * 1024 + 1, ' '));
    ExpectError([&huge] { ScenarioLoader::Load(huge); },
                "",
                "cannot read the file: larger than 16 MiB (a scenario is a few KiB)");
    fs::remove(huge);
}

// Limits that used to pass the check and break the run later.
TEST(ScenarioLoaderTest, LimitsCheckedUpFront)
{
    Json doc = Base();
    doc["server"]["workers"] = 32769; // a reuseport group holds 32768 sockets
    ExpectParseError(doc, "/server/workers", "expected an integer between 1 and 32768, got 32769");
    doc = Base();
    doc["events"][0]["workers"] = 4294967295u;
    ExpectParseError(doc,
                     "/events/0/workers",
                     "expected an integer between 1 and 32768, got 4294967295");
    // Every socket replaced while the old ones drain: both generations listen at once.
    doc = Base();
    doc["server"]["workers"] = 20000;
    doc["events"][0]["listen_change"] = true;
    doc["events"][0]["strategy"] = "drain-steer";
    ExpectParseError(doc,
                     "/events/0",
                     "expected at most 32768 sockets listening at once (a reuseport group's "
                     "limit), but this reload would have 40000 (the new generation's and "
                     "those still draining)");
    doc["events"][0]["strategy"] = "close"; // the old ones close at once
    EXPECT_EQ(Parse(doc).server.workers, 20000u);
    // Rates whose arrivals ns-3 time cannot space.
    for (double rate : {1e-50, 0.0009, 1e300})
    {
        doc = Base();
        doc["clients"]["rate"] = rate;
        ExpectParseError(doc,
                         "/clients/rate",
                         "expected a rate between 0.001 and 1e+07 connections per second, got " +
                             Json(rate).dump());
    }
    // Samples held in memory.
    doc = Base();
    doc["duration"] = "1000h";
    doc["events"] = Json::array();
    ExpectParseError(doc,
                     "/duration",
                     "expected at most 1000000 timeseries samples (duration / "
                     "output.timeseries_interval), got 36000000; sample every 3600ms or more");
    doc = Base();
    doc["output"]["timeseries_interval"] = "1ns";
    ExpectParseError(doc,
                     "/output/timeseries_interval",
                     "expected at most 1000000 timeseries samples (duration / "
                     "output.timeseries_interval), got 10000000000; sample every 10us or more");
    // Connection records held in memory: 1e7/s for 10 s.
    doc = Base();
    doc["clients"]["rate"] = 1e7;
    ExpectParseError(doc,
                     "/clients/rate",
                     "expected at most 50000000 connections per run (rate times the arrival "
                     "window), got about 100000000");
    // A name that cannot name a directory.
    doc = Base();
    doc["name"] = std::string(101, 'a');
    ExpectParseError(doc,
                     "/name",
                     "expected a name of at most 100 characters, got \"" + std::string(76, 'a') +
                         "...");
    doc["name"] = std::string(100, 'a');
    EXPECT_EQ(Parse(doc).name.size(), 100u);
    // Legal but costly: warned, not refused.
    doc = Base();
    doc["clients"]["rate"] = 300000;               // 3 million connections
    doc["output"]["timeseries_interval"] = "50us"; // 200,000 samples
    Scenario big = Parse(doc);
    ASSERT_EQ(big.warnings.size(), 2u);
    EXPECT_EQ(big.warnings[0],
              "/output/timeseries_interval: 200000 timeseries samples per run, each with a row "
              "per listener");
    EXPECT_EQ(big.warnings[1],
              "/clients/rate: about 3000000 connections per run; expect minutes of CPU and "
              "GiBs of memory per run");
    EXPECT_TRUE(Parse(Base()).warnings.empty());
}

// More load than the workers can serve is warned of: rate > workers / mean service time.
TEST(ScenarioLoaderTest, OverloadIsWarned)
{
    Json doc = Base();
    doc["server"]["service_time"] =
        Json::parse(R"({"distribution": "exponential", "mean": "2ms"})");
    EXPECT_TRUE(Parse(doc).warnings.empty()); // 1000/s against 4 / 2 ms = 2000/s
    doc["clients"]["rate"] = 2500;
    Scenario s = Parse(doc);
    EXPECT_DOUBLE_EQ(ServerCapacity(s), 2000);
    ASSERT_EQ(s.warnings.size(), 1u);
    EXPECT_EQ(s.warnings[0],
              "/clients/rate: 2500 connections/s is more than the workers can serve (2000/s: "
              "workers / mean server.service_time, 1.25 times over); connections are lost to "
              "the load, not only to the reload");
    // The fewest workers count: a reload down to 1 worker of a uniform 1-3 ms (mean 2 ms).
    doc = Base();
    doc["server"]["service_time"] =
        Json::parse(R"({"distribution": "uniform", "min": "1ms", "max": "3ms"})");
    doc["events"][0]["workers"] = 1;
    s = Parse(doc);
    EXPECT_DOUBLE_EQ(ServerCapacity(s), 500);
    ASSERT_EQ(s.warnings.size(), 1u);
    EXPECT_NE(s.warnings[0].find("(500/s: "), std::string::npos) << s.warnings[0];
}

// An event whose worker or socket is gone by its time is refused where it is written.
TEST(ScenarioLoaderTest, EventTargetsMustExist)
{
    Json doc = Base();
    doc["events"] = Json::parse(R"([
        { "at": "1s", "action": "kill-worker", "worker": 2, "respawn": false },
        { "at": "2s", "action": "stall-worker", "worker": 2 } ])");
    ExpectParseError(doc,
                     "/events/1/worker",
                     "expected a running worker, but worker 2 was killed without a respawn by "
                     "/events/0");
    doc["events"].push_back(Json::parse(R"({ "at": "1.5s", "action": "reload" })"));
    EXPECT_EQ(Parse(doc).events.size(), 3u); // the reload starts a new worker 2
    doc["events"] = Json::parse(R"([
        { "at": "1s", "action": "close-listener", "worker": 1 },
        { "at": "2s", "action": "close-listener", "worker": 1 } ])");
    ExpectParseError(doc,
                     "/events/1/worker",
                     "expected an open socket, but worker 1's socket was closed by /events/0");
    doc["events"][1]["action"] = "shutdown-listener";
    ExpectParseError(doc,
                     "/events/1/worker",
                     "expected a listening socket, but worker 1's socket was closed by /events/0");
    doc["events"][1]["action"] = "listen";
    EXPECT_EQ(Parse(doc).events.size(), 2u);
    doc["events"] = Json::parse(R"([
        { "at": "1s", "action": "shutdown-listener", "worker": 0 },
        { "at": "1s", "action": "close-listener", "worker": 1 },
        { "at": "2s", "action": "attach-program", "program": "drop-all" } ])");
    doc["server"]["workers"] = 2;
    ExpectParseError(doc,
                     "/events/2",
                     "expected a listening socket to attach the program through, but every "
                     "socket of the current generation is closed or shut down");
}

TEST(ScenarioLoaderTest, SweepStrategyAndSeed)
{
    Json doc = Base();
    doc["events"].push_back(Json::parse(R"({ "at": "5s", "action": "upgrade" })"));
    doc["events"].push_back(
        Json::parse(R"({ "at": "6s", "action": "close-listener", "worker": 0 })"));
    doc["sweep"] = Json::parse(R"({ "strategy": ["close", "drain-steer", "migrate"],
                                    "seed": [1, 2] })");
    std::string file = WriteTemp("sweep.json", doc.dump(2));
    auto runs = ScenarioLoader::Expand(file);
    ASSERT_EQ(runs.size(), 6u);
    const char* strategies[] = {"close", "drain-steer", "migrate"};
    for (uint32_t k = 0; k < 6; ++k)
    {
        const ScenarioRun& r = runs[k];
        std::string strategy = strategies[k / 2];
        std::string seed = std::to_string(k % 2 + 1);
        EXPECT_EQ(r.index, k);
        EXPECT_EQ(r.params,
                  (std::vector<std::pair<std::string, std::string>>{{"strategy", strategy},
                                                                    {"seed", seed}}));
        EXPECT_EQ(r.scenario.seed, k % 2 + 1);
        EXPECT_EQ(r.scenario.file, file);
        EXPECT_EQ(r.scenario.events[0].strategy, strategy);
        EXPECT_EQ(r.scenario.events[1].strategy, strategy); // the upgrade too
        EXPECT_EQ(r.scenario.events[2].strategy, "close");  // not a restart
    }

    // The file's key order decides which parameter varies slowest.
    doc["sweep"] =
        Json::parse(R"({ "seed": [1, 2], "strategy": ["close", "drain-steer", "migrate"] })");
    runs = ScenarioLoader::Expand(WriteTemp("sweep2.json", doc.dump(2)));
    ASSERT_EQ(runs.size(), 6u);
    EXPECT_EQ(runs[1].params[0], std::make_pair(std::string("seed"), std::string("1")));
    EXPECT_EQ(runs[1].params[1],
              std::make_pair(std::string("strategy"), std::string("drain-steer")));
    EXPECT_EQ(runs[3].scenario.seed, 2u);
    EXPECT_EQ(runs[3].scenario.events[0].strategy, "close");

    // Only migrate uses a policy.
    doc["events"][0]["strategy"] = "migrate";
    doc["events"][1]["strategy"] = "migrate";
    doc["sweep"] = Json::parse(R"({ "policy": ["hash", "prefer-newest-generation"] })");
    runs = ScenarioLoader::Expand(doc, "inline.json");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[1].scenario.events[0].policy, "prefer-newest-generation");
    EXPECT_EQ(runs[1].scenario.events[1].policy, "prefer-newest-generation");
}

TEST(ScenarioLoaderTest, SweepDottedPaths)
{
    Json doc = Base();
    doc["sweep"] = Json::parse(R"({
      "clients.rate": [100, 250.5, 1e3],
      "sysctl.tcp_migrate_req": [0, 1],
      "events.0.workers": [2, 8],
      "server.service_time": ["1ms", { "distribution": "exponential", "mean": "2ms" }],
      "output.pcap": [true],
      "topology.links.1.delay": ["1ms"],
      "description": ["x y"]
    })");
    auto runs = ScenarioLoader::Expand(doc, "inline.json");
    ASSERT_EQ(runs.size(), 3u * 2 * 2 * 2);
    const ScenarioRun& last = runs.back();
    EXPECT_EQ(last.params,
              (std::vector<std::pair<std::string, std::string>>{
                  {"clients.rate", "1000"},
                  {"sysctl.tcp_migrate_req", "1"},
                  {"events.0.workers", "8"},
                  {"server.service_time", R"({"distribution":"exponential","mean":"2ms"})"},
                  {"output.pcap", "true"},
                  {"topology.links.1.delay", "1ms"},
                  {"description", "x y"}}));
    EXPECT_EQ(last.scenario.clients.rate, 1000.0);
    EXPECT_EQ(last.scenario.sysctl.at("tcp_migrate_req"), 1u);
    EXPECT_EQ(last.scenario.events[0].workers, 8u);
    EXPECT_EQ(last.scenario.server.serviceTime.kind, DurationDistribution::EXPONENTIAL);
    EXPECT_TRUE(last.scenario.output.pcap);
    EXPECT_EQ(last.scenario.topology.links[1].delay, MilliSeconds(1));
    EXPECT_EQ(last.scenario.description, "x y");
    EXPECT_EQ(runs[8].params[0].second, "250.5");
    EXPECT_EQ(runs[8].scenario.clients.rate, 250.5);
    EXPECT_EQ(runs[0].params[0].second, "100");
    EXPECT_EQ(runs[0].scenario.sysctl.at("tcp_migrate_req"), 0u);
    EXPECT_EQ(runs[0].scenario.events[0].workers, 2u);
    EXPECT_EQ(runs[0].scenario.server.serviceTime.value, MilliSeconds(1));
    for (uint32_t k = 0; k < runs.size(); ++k)
    {
        EXPECT_EQ(runs[k].index, k);
    }

    // A key inside an optional object that the file leaves out.
    doc = Base();
    doc["events"].push_back(
        Json::parse(R"({ "at": "4s", "action": "attach-program", "program": "exclude-labels" })"));
    doc["sweep"] = Json::parse(R"({ "events.1.params.exclude": ["generation=1", "worker=0"] })");
    runs = ScenarioLoader::Expand(doc, "inline.json");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[1].scenario.events[1].params,
              (std::vector<std::pair<std::string, std::string>>{{"Exclude", "worker=0"}}));

    // No sweep, or an empty one: one run without parameters.
    doc["sweep"] = Json::object();
    runs = ScenarioLoader::Expand(doc, "inline.json");
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_TRUE(runs[0].params.empty());
    doc.erase("sweep");
    EXPECT_EQ(ScenarioLoader::Expand(doc, "inline.json").size(), 1u);
}

TEST(ScenarioLoaderTest, SweepErrors)
{
    const std::string unknown = "unknown parameter (expected seed, strategy, policy or a dotted "
                                "path into the scenario such as clients.rate)";
    Json doc = Base();
    for (const char* key : {"clients.rat",
                            "clients",
                            "clients.rate.x",
                            "events.1.workers",
                            "events.01.workers",
                            "events.0.worker",
                            "server.service_time.mean",
                            "sweep",
                            "sweep.seed",
                            "name",
                            "topology.links.2.rate",
                            "sysctl.somaxconn.x",
                            "",
                            "clients..rate"})
    {
        doc["sweep"] = Json::object({{key, {1}}});
        if (std::string(key) == "clients")
        {
            // a whole object is a value too
            doc["sweep"] = Json::object({{key, {doc["clients"]}}});
            EXPECT_EQ(ScenarioLoader::Expand(doc, "inline.json").size(), 1u);
            continue;
        }
        ExpectParseError(doc, "/sweep/" + std::string(key), unknown);
    }
    doc["sweep"] = Json::object({{"a/b~c", {1}}});
    ExpectParseError(doc, "/sweep/a~1b~0c", unknown);
    doc["sweep"] = Json::array();
    ExpectParseError(doc, "/sweep", "expected an object of parameters and their values, got []");
    doc["sweep"] = Json::parse(R"({ "seed": 3 })");
    ExpectParseError(doc, "/sweep/seed", "expected a non-empty array of values, got 3");

    // A value that breaks something else is reported where it is written.
    doc = Base();
    doc["events"].push_back(
        Json::parse(R"({ "at": "5s", "action": "close-listener", "worker": 3 })"));
    doc["sweep"] = Json::parse(R"({ "server.workers": [4, 1] })");
    ExpectExpandError(doc,
                      "/sweep/server.workers/1",
                      "/events/1/worker: expected a worker index < 1 (the workers of the current "
                      "generation), got 3");
    // An error inside an object value points into it.
    doc["sweep"] =
        Json::parse(R"({ "server.service_time": ["1ms", { "distribution": "normal" }] })");
    ExpectExpandError(doc,
                      "/sweep/server.service_time/1/distribution",
                      R"(expected "exponential", "uniform" or "constant", got "normal")");
    doc["events"][0]["strategy"] = "migrate";
    doc["sweep"] = Json::parse(R"({ "policy": ["hash", "last-slot", "newest"] })");
    ExpectExpandError(
        doc,
        "/sweep/policy/2",
        R"(expected "hash", "last-slot", "prefer-newest-generation", )"
        R"("exclude-labels", "round-robin", "least-loaded" or "drop-all", got "newest")");
    // Values fine alone but not together.
    doc["sweep"] =
        Json::parse(R"({ "clients.start": ["1s", "5s"], "clients.stop": ["8s", "3s"] })");
    ExpectExpandError(doc,
                      "/sweep",
                      R"(run 3 (clients.start=5s, clients.stop=3s): /clients/start: expected a )"
                      R"(time before stop ("3s"), got "5s")");

    doc = Base();
    doc["events"] = Json::array();
    doc["sweep"] = Json::parse(R"({ "policy": ["hash"] })");
    ExpectParseError(doc, "/sweep/policy", "no reload or upgrade event to apply it to");

    Json seeds = Json::array();
    for (int i = 1; i <= 400; ++i)
    {
        seeds.push_back(i);
    }
    doc["sweep"] = Json::object({{"seed", seeds}, {"clients.rate", seeds}});
    ExpectExpandError(doc,
                      "/sweep",
                      "expected at most 100000 runs (the product of the numbers of values)");
}

// Every scenario shipped in scenarios/ is valid.
TEST(ScenarioLoaderTest, ShippedScenariosAreValid)
{
    fs::path root = RepoRoot();
    ASSERT_FALSE(root.empty()) << "cannot find the source tree";
    uint32_t files = 0;
    for (const auto& entry : fs::directory_iterator(root / "scenarios"))
    {
        if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json")
        {
            continue;
        }
        SCOPED_TRACE(entry.path().string());
        EXPECT_NO_THROW({
            try
            {
                EXPECT_GE(ScenarioLoader::Expand(entry.path().string()).size(), 1u);
            }
            catch (const ScenarioError& e)
            {
                ADD_FAILURE() << e.what();
            }
        });
        ++files;
    }
    EXPECT_GE(files, 1u);
}

// The table of bad files: each must fail with exactly the expected path and message.
TEST(ScenarioLoaderTest, BadFiles)
{
    fs::path root = RepoRoot();
    ASSERT_FALSE(root.empty()) << "cannot find the source tree";
    fs::path dir = root / "src" / "reuseport-migration" / "test" / "bad-scenarios";
    std::ifstream in(dir / "expected.json");
    ASSERT_TRUE(in.good());
    nlohmann::json table = nlohmann::json::parse(in);
    ASSERT_TRUE(table.is_array());
    EXPECT_GE(table.size(), 30u);

    std::set<std::string> listed;
    for (const auto& row : table)
    {
        const std::string name = row.at("file").get<std::string>();
        const std::string file = (dir / name).string();
        SCOPED_TRACE(name);
        listed.insert(name);
        try
        {
            ScenarioLoader::Expand(file);
            ADD_FAILURE() << "accepted";
        }
        catch (const ScenarioError& e)
        {
            EXPECT_EQ(e.GetFile(), file);
            EXPECT_EQ(e.GetPath(), row.at("path").get<std::string>());
            EXPECT_EQ(e.GetMessage(), row.at("message").get<std::string>());
        }
    }
    // No file escapes the table.
    for (const auto& entry : fs::directory_iterator(dir))
    {
        std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".json" && name != "expected.json")
        {
            EXPECT_TRUE(listed.count(name)) << name << " is not in expected.json";
        }
    }
}

} // namespace
} // namespace ns3

namespace ns3
{
namespace
{

/// Times of the events of one action, in order.
std::vector<Time>
TimesOf(const Scenario& s, const std::string& action)
{
    std::vector<Time> times;
    for (const auto& e : s.events)
    {
        if (e.action == action)
        {
            times.push_back(e.at);
        }
    }
    return times;
}

TEST(ScenarioRepeatTest, EveryWithCountOrUntilGivesEachOccurrence)
{
    // count 3 from 1 s every 250 ms: 1, 1.25, 1.5 s; until 2 s from 1 s every 0.5 s: 1, 1.5
    // and 2 s (until included). Each copy keeps the path written in the file.
    Json doc = Base();
    doc["events"].push_back({{"at", "1s"},
                             {"action", "stall-worker"},
                             {"worker", 0},
                             {"every", "250ms"},
                             {"count", 3}});
    doc["events"].push_back({{"at", "1s"},
                             {"action", "resume-worker"},
                             {"worker", 0},
                             {"every", "0.5s"},
                             {"until", "2s"}});
    Scenario s = Parse(doc);
    EXPECT_EQ(TimesOf(s, "stall-worker"),
              (std::vector<Time>{Seconds(1), MilliSeconds(1250), MilliSeconds(1500)}));
    EXPECT_EQ(TimesOf(s, "resume-worker"),
              (std::vector<Time>{Seconds(1), MilliSeconds(1500), Seconds(2)}));
    for (const auto& e : s.events)
    {
        if (e.action == "stall-worker")
        {
            EXPECT_EQ(e.path, "/events/1");
        }
    }
}

TEST(ScenarioRepeatTest, ARepetitionNeedsEveryAndOneEnd)
{
    auto pathOf = [](Json ev) {
        Json doc = Base();
        doc["events"].push_back(ev);
        try
        {
            Parse(doc);
        }
        catch (const ScenarioError& e)
        {
            return e.GetPath();
        }
        return std::string("accepted");
    };
    Json stall = {{"at", "1s"}, {"action", "stall-worker"}, {"worker", 0}};
    Json noEnd = stall;
    noEnd["every"] = "1s";
    EXPECT_NE(pathOf(noEnd), "accepted");
    Json both = noEnd;
    both["count"] = 2;
    both["until"] = "3s";
    EXPECT_NE(pathOf(both), "accepted");
    Json zero = noEnd;
    zero["count"] = 0;
    EXPECT_EQ(pathOf(zero), "/events/1/count");
    Json countAlone = stall;
    countAlone["count"] = 2;
    EXPECT_NE(pathOf(countAlone), "accepted");
}

TEST(ScenarioSweepTest, ZipVariesItsKeysTogether)
{
    // zip (2 entries) then seed (2 values), in key order: close/1, close/2, migrate/1,
    // migrate/2; the policy goes only with migrate.
    Json doc = Base();
    doc["sweep"] = {
        {"zip", {{{"strategy", "close"}}, {{"strategy", "migrate"}, {"policy", "last-slot"}}}},
        {"seed", {1, 2}}};
    auto runs = ScenarioLoader::Expand(doc, "inline.json");
    ASSERT_EQ(runs.size(), 4u);
    std::vector<std::pair<std::string, uint32_t>> got;
    for (const auto& r : runs)
    {
        const EventSpec& reload = r.scenario.events.at(0);
        got.emplace_back(reload.strategy + "/" + reload.policy, r.scenario.seed);
    }
    EXPECT_EQ(got,
              (std::vector<std::pair<std::string, uint32_t>>{{"close/hash", 1},
                                                             {"close/hash", 2},
                                                             {"migrate/last-slot", 1},
                                                             {"migrate/last-slot", 2}}));
}

TEST(ScenarioSweepTest, APolicyOnAStrategyThatIgnoresItIsAnError)
{
    Json doc = Base();
    doc["events"][0]["strategy"] = "drain-steer";
    doc["events"][0]["policy"] = "last-slot";
    try
    {
        Parse(doc);
        ADD_FAILURE() << "accepted";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_EQ(e.GetPath(), "/events/0/policy");
    }
}

TEST(ScenarioSweepTest, ASweepNamesEveryEventOfAnAction)
{
    // Two reloads; events.reload.strategy sets both.
    Json doc = Base();
    doc["events"].push_back({{"at", "5s"}, {"action", "reload"}});
    doc["sweep"] = {{"events.reload.strategy", {"close", "handover"}}};
    auto runs = ScenarioLoader::Expand(doc, "inline.json");
    ASSERT_EQ(runs.size(), 2u);
    for (const auto& e : runs[1].scenario.events)
    {
        EXPECT_EQ(e.strategy, "handover");
    }
    Json none = Base();
    none["sweep"] = {{"events.kill-worker.respawn", {true, false}}};
    try
    {
        ScenarioLoader::Expand(none, "inline.json");
        ADD_FAILURE() << "accepted";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_EQ(e.GetPath(), "/sweep/events.kill-worker.respawn");
    }
}

} // namespace
} // namespace ns3
