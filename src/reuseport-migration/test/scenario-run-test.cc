/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Runs of scenario files: the same file and seed give byte-identical results; sweeps give
// each run its own seed stream; every run conserves its connections.

#include "ns3/result-files.h"
#include "ns3/run-summary.h"
#include "ns3/scenario-loader.h"
#include "ns3/scenario-runner.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace ns3
{
namespace
{

namespace fs = std::filesystem;

/// A small scenario: two client hosts, a reload with migration, a short run.
const char* g_scenario = R"({
  "name": "determinism",
  "seed": 3,
  "duration": "3s",
  "topology": {
    "nodes": [ { "id": "client", "count": 2 }, { "id": "router" }, { "id": "server" } ],
    "links": [ { "between": ["client", "router"], "rate": "100Mbps", "delay": "5ms" },
               { "between": ["router", "server"], "rate": "1Gbps", "delay": "1ms", "loss": 0.01 } ]
  },
  "server": { "host": "server", "workers": 2,
              "service_time": { "distribution": "exponential", "mean": "2ms" } },
  "clients": { "hosts": "client", "rate": 400, "stop": "2.5s" },
  "events": [ { "at": "1s", "action": "reload", "listen_change": true, "strategy": "migrate" } ],
  "sweep": { "strategy": ["close", "migrate"], "seed": [3, 4] },
  "output": { "connections": true }
})";

fs::path
WriteScenario(const std::string& name)
{
    fs::path dir = fs::path(::testing::TempDir()) / ("rpm-" + name);
    fs::create_directories(dir);
    fs::path file = dir / "determinism.json";
    std::ofstream(file) << g_scenario;
    return file;
}

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

TEST(ScenarioRunTest, SameFileSameSeedSameBytes)
{
    fs::path file = WriteScenario("det");
    fs::path a = file.parent_path() / "a";
    fs::path b = file.parent_path() / "b";
    fs::remove_all(a);
    fs::remove_all(b);
    RunAll(file, a);
    RunAll(file, b);
    for (const char* name :
         {"summary.csv", "reloads.csv", "timeseries.csv", "migrations.dot", "connections.csv"})
    {
        std::string x = ReadFile(a / "determinism" / name);
        std::string y = ReadFile(b / "determinism" / name);
        EXPECT_FALSE(x.empty()) << name;
        EXPECT_EQ(x, y) << name << " differs between two runs of the same file";
    }
    EXPECT_FALSE(fs::exists(a / "determinism" / ".runs")); // parts removed after the merge
}

TEST(ScenarioRunTest, SweepRunsDifferAndCompareOnCommonArrivals)
{
    auto runs = ScenarioLoader::Expand(WriteScenario("sweep").string());
    ASSERT_EQ(runs.size(), 4u); // strategy x seed
    std::vector<RunResult> r;
    for (const auto& run : runs)
    {
        r.push_back(ScenarioRunner::Run(run, ScenarioRunner::Options{}));
        EXPECT_TRUE(r.back().conserved) << r.back().violation;
    }
    auto column = [&](const RunResult& x, const std::string& name) {
        for (size_t i = 0; i < x.header.size(); ++i)
        {
            if (x.header[i] == name)
            {
                return x.row[i];
            }
        }
        ADD_FAILURE() << "no column " << name;
        return std::string();
    };
    // Runs: (close, 3), (close, 4), (migrate, 3), (migrate, 4).
    EXPECT_EQ(column(r[0], "strategy"), "close");
    EXPECT_EQ(column(r[2], "strategy"), "migrate");
    EXPECT_EQ(column(r[1], "seed"), "4");
    // Another seed, other arrivals; the same seed, the same arrivals whatever the strategy.
    EXPECT_NE(column(r[0], "attempts"), column(r[1], "attempts"));
    EXPECT_EQ(column(r[0], "attempts"), column(r[2], "attempts"));
    EXPECT_EQ(column(r[1], "attempts"), column(r[3], "attempts"));
    // Migration leaves no RST behind the reload.
    EXPECT_EQ(column(r[2], "rst.accept-queue"), "0");
    EXPECT_EQ(column(r[2], "rst.final-ack"), "0");
    for (const auto& x : r)
    {
        // Failed connections, and RST segments by cause, add up.
        EXPECT_EQ(std::stoul(column(x, "failed")),
                  std::stoul(column(x, "reset")) + std::stoul(column(x, "refused")) +
                      std::stoul(column(x, "timeout")));
        uint64_t byCause = 0;
        for (uint8_t c = 0; c < static_cast<uint8_t>(RstCause::CAUSE_COUNT); ++c)
        {
            byCause += std::stoul(column(x, RunSummary::RstColumn(static_cast<RstCause>(c))));
        }
        EXPECT_EQ(std::stoul(column(x, "rsts")), byCause);
        // One reload, one row of reloads.csv, keyed like the run's summary row.
        ASSERT_EQ(x.reloads.size(), 1u);
        ASSERT_EQ(x.reloads[0].size(), x.reloadsHeader.size());
        EXPECT_EQ(x.reloadsHeader[0], "run");
        EXPECT_EQ(x.reloads[0][0], column(x, "run"));
        EXPECT_EQ(column(x, "reloads"), "1");
        // Saved connections are migrated ones; each took one hop or more.
        EXPECT_LE(std::stoul(column(x, "saved")), std::stoul(column(x, "migrated_connections")));
        EXPECT_LE(std::stoul(column(x, "migrated_connections")),
                  std::stoul(column(x, "migrate_success")));
    }
    EXPECT_EQ(RunSummary::RstColumn(RstCause::LISTENER_REPLY), "rst.listener-reply");
    EXPECT_GT(std::stoul(column(r[2], "saved")), 0u);
}

} // namespace
} // namespace ns3
