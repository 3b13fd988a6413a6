/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "run-summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ns3
{

namespace
{

/// A duration in milliseconds with microsecond precision, or "nan".
std::string
Millis(double ms)
{
    return std::isnan(ms) ? "nan" : FormatField("%.3f", ms);
}

/// A number with `decimals` decimals, "nan" for NaN and "inf" for infinity.
std::string
Fixed(double v, int decimals)
{
    if (std::isnan(v))
    {
        return "nan";
    }
    if (std::isinf(v))
    {
        return "inf";
    }
    return FormatField("%.*f", decimals, v);
}

/// The reload and upgrade events of a scenario, in timeline order: the k-th is the
/// master's k-th restart.
std::vector<const EventSpec*>
ReloadEvents(const Scenario& s)
{
    std::vector<const EventSpec*> found;
    for (const auto& e : s.events)
    {
        if (e.action == "reload" || e.action == "upgrade")
        {
            found.push_back(&e);
        }
    }
    return found;
}

} // namespace

std::string
RunSummary::RstColumn(RstCause cause)
{
    return std::string("rst.") + RstCauseName(cause);
}

double
RunSummary::Percentile(const std::vector<double>& sorted, double p)
{
    if (sorted.empty())
    {
        return std::nan("");
    }
    auto rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
    return sorted[std::max<size_t>(rank, 1) - 1];
}

void
RunSummary::Fill(const ScenarioRun& run, const RunMeasures& m, RunResult& result)
{
    const Scenario& s = run.scenario;
    const std::vector<const EventSpec*> reloads = ReloadEvents(s);
    // The run's strategy is its first reload's; a run without one has "-".
    std::string strategy = "-";
    std::string policy = "-";
    if (!reloads.empty())
    {
        strategy = reloads.front()->strategy;
        policy = strategy == "migrate" ? reloads.front()->policy : "-";
    }

    // The columns that name the run come first in both files.
    std::vector<std::pair<std::string, std::string>> key;
    key.emplace_back("run", std::to_string(run.index));
    for (const auto& [name, value] : run.params)
    {
        if (name != "seed" && name != "strategy" && name != "policy")
        {
            key.emplace_back(name, value);
        }
    }
    key.emplace_back("strategy", strategy);
    key.emplace_back("policy", policy);
    key.emplace_back("seed", std::to_string(s.seed));

    auto col = [&result](const std::string& name, const std::string& value) {
        result.header.push_back(name);
        result.row.push_back(value);
    };
    auto count = [&col](const std::string& name, uint64_t value) {
        col(name, std::to_string(value));
    };
    for (const auto& [name, value] : key)
    {
        col(name, value);
    }

    // Connections, by outcome; failed is what a user saw fail.
    uint64_t failed = m.reset + m.refused + m.timeout;
    count("attempts", m.attempts);
    count("completed", m.completed);
    count("failed", failed);
    col("failed_pct", m.attempts ? Fixed(100.0 * failed / m.attempts, 2) : "nan");
    count("reset", m.reset);
    count("refused", m.refused);
    count("timeout", m.timeout);
    count("unfinished", m.unfinished);

    // RST segments, by the cause the kernel model's RstSent trace gives them.
    uint64_t rsts = 0;
    for (uint64_t n : m.rsts)
    {
        rsts += n;
    }
    count("rsts", rsts);
    for (size_t c = 0; c < m.rsts.size(); ++c)
    {
        count(RstColumn(static_cast<RstCause>(c)), m.rsts[c]);
    }

    count("migrate_success", m.migrateSuccess);
    count("migrate_failure", m.migrateFailure);
    count("migrated_close", m.migratedClose);
    count("migrated_synack_timer", m.migratedSynackTimer);
    count("migrated_final_ack", m.migratedFinalAck);
    count("migrated_connections", m.migratedConnections);
    count("saved", m.saved);
    count("listen_overflows", m.listenOverflows);
    count("listen_drops", m.listenDrops);
    count("syncookies_sent", m.syncookiesSent);

    // Each reload: signal to the last retired socket closed; one still open at the end
    // counts until the end. summary.csv keeps the longest, reloads.csv each.
    result.reloadsHeader.clear();
    for (const auto& [name, value] : key)
    {
        result.reloadsHeader.push_back(name);
    }
    for (const char* name : {"reload",
                             "action",
                             "reload_strategy",
                             "reload_policy",
                             "at_s",
                             "duration_s",
                             "done",
                             "retired"})
    {
        result.reloadsHeader.emplace_back(name);
    }
    double longest = 0;
    for (size_t k = 0; k < m.restarts.size(); ++k)
    {
        const NginxMaster::Restart& r = m.restarts[k];
        double duration = ((r.done ? r.end : s.duration) - r.start).GetSeconds();
        longest = std::max(longest, duration);
        const EventSpec* e = k < reloads.size() ? reloads[k] : nullptr;
        std::string action = e ? e->action : "reload";
        std::string reloadPolicy = r.strategy == "migrate" && e ? e->policy : "-";
        std::vector<std::string> row;
        for (const auto& kv : key)
        {
            row.push_back(kv.second);
        }
        for (const std::string& v : {std::to_string(k),
                                     action,
                                     r.strategy,
                                     reloadPolicy,
                                     FormatField("%.3f", r.start.GetSeconds()),
                                     FormatField("%.3f", duration),
                                     std::string(r.done ? "1" : "0"),
                                     std::to_string(r.retired)})
        {
            row.push_back(v);
        }
        result.reloads.push_back(row);
    }
    count("reloads", m.restarts.size());
    col("restart_duration_s", FormatField("%.3f", longest));
    col("connect_p50_ms", Millis(Percentile(m.connectMs, 50)));
    col("connect_p99_ms", Millis(Percentile(m.connectMs, 99)));
    col("response_p50_ms", Millis(Percentile(m.responseMs, 50)));
    col("response_p99_ms", Millis(Percentile(m.responseMs, 99)));
    col("accept_wait_p50_ms", Millis(Percentile(m.acceptWaitMs, 50)));
    col("accept_wait_p99_ms", Millis(Percentile(m.acceptWaitMs, 99)));
    col("reload_at_s",
        m.restarts.empty() ? "nan" : FormatField("%.3f", m.restarts.front().start.GetSeconds()));

    // The load against what the workers can serve: above 1 the server loses connections
    // whatever the strategy.
    double capacity = ServerCapacity(s);
    col("capacity_per_s", Fixed(capacity, 1));
    col("offered_load", Fixed(std::isinf(capacity) ? 0.0 : s.clients.rate / capacity, 3));
}

} // namespace ns3
