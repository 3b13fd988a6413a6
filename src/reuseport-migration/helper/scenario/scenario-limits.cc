/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-checker.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace ns3
{

namespace scenario_detail
{

void
Checker::CheckScale(const Json& doc, Scenario& s) const
{
    // Sockets listening at once: each reload opens its new sockets while the ones it
    // drains go on listening until they are empty or the shutdown timeout.
    struct Draining
    {
        Time until;     //!< latest close
        uint64_t count; //!< sockets
    };

    std::vector<Draining> draining;
    uint64_t current = s.server.workers;
    for (const auto& e : s.events)
    {
        if (e.action != "reload" && e.action != "upgrade")
        {
            continue;
        }
        uint64_t next = e.workers.value_or(static_cast<uint32_t>(current));
        bool replaceAll = e.listenChange || e.action == "upgrade";
        bool handover = e.strategy == "handover";
        uint64_t retired = handover ? 0 : replaceAll ? current : current - std::min(current, next);
        uint64_t kept = handover ? std::max(current, next) : next;
        if (e.strategy == "drain-steer" || e.strategy == "drain-count")
        {
            draining.push_back({e.at + s.server.shutdownTimeout, retired});
        }
        uint64_t total = kept;
        for (const auto& d : draining)
        {
            total += d.until > e.at ? d.count : 0;
        }
        if (total > ScenarioLoader::MAX_GROUP_SOCKETS)
        {
            Fail(e.path,
                 "expected at most " + std::to_string(ScenarioLoader::MAX_GROUP_SOCKETS) +
                     " sockets listening at once (a reuseport group's limit), but this " +
                     e.action + " would have " + std::to_string(total) +
                     " (the new generation's and those still draining)");
        }
        current = next;
    }

    // Samples of timeseries.csv, all kept in memory until the run ends.
    const std::string intervalPath =
        Find(doc, "output") && Find(doc.at("output"), "timeseries_interval")
            ? "/output/timeseries_interval"
            : "/duration";
    double samples = s.duration.GetSeconds() / s.output.timeseriesInterval.GetSeconds();
    if (samples > ScenarioLoader::MAX_SAMPLES)
    {
        // The shortest interval allowed, in the scenario's own units.
        int64_t ns =
            (s.duration.GetNanoSeconds() + static_cast<int64_t>(ScenarioLoader::MAX_SAMPLES) - 1) /
            static_cast<int64_t>(ScenarioLoader::MAX_SAMPLES);
        std::string interval = std::to_string(ns) + "ns";
        for (auto [unit, name] :
             {std::pair<int64_t, const char*>{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}})
        {
            if (ns >= unit && ns % unit == 0)
            {
                interval = std::to_string(ns / unit) + name;
                break;
            }
        }
        std::ostringstream os;
        os << "expected at most " << static_cast<uint64_t>(ScenarioLoader::MAX_SAMPLES)
           << " timeseries samples (duration / output.timeseries_interval), got "
           << static_cast<uint64_t>(samples) << "; sample every " << interval << " or more";
        Fail(intervalPath, os.str());
    }
    if (samples > ScenarioLoader::WARN_SAMPLES)
    {
        std::ostringstream os;
        os << intervalPath << ": " << static_cast<uint64_t>(samples)
           << " timeseries samples per run, each with a row per listener";
        s.warnings.push_back(os.str());
    }

    // Connection records, all kept until the run ends.
    double attempts = s.clients.rate * (s.clients.stop - s.clients.start).GetSeconds();
    if (attempts > ScenarioLoader::MAX_ATTEMPTS)
    {
        std::ostringstream os;
        os << "expected at most " << static_cast<uint64_t>(ScenarioLoader::MAX_ATTEMPTS)
           << " connections per run (rate times the arrival window), got about "
           << static_cast<uint64_t>(attempts);
        Fail("/clients/rate", os.str());
    }
    if (attempts > ScenarioLoader::WARN_ATTEMPTS)
    {
        std::ostringstream os;
        os << "/clients/rate: about " << static_cast<uint64_t>(attempts)
           << " connections per run; expect minutes of CPU and GiBs of memory per run";
        s.warnings.push_back(os.str());
    }
    // A server that cannot keep up loses connections with or without a reload; the results
    // would blame the strategy for what the load does.
    double capacity = ServerCapacity(s);
    if (s.clients.rate > capacity)
    {
        std::ostringstream os;
        os << "/clients/rate: " << s.clients.rate << " connections/s is more than the workers "
           << "can serve (" << capacity << "/s: workers / mean server.service_time, "
           << s.clients.rate / capacity << " times over); connections are lost to the load, "
           << "not only to the reload";
        s.warnings.push_back(os.str());
    }
    if (s.events.size() > ScenarioLoader::WARN_EVENTS)
    {
        s.warnings.push_back("/events: " + std::to_string(s.events.size()) + " events");
    }
}

} // namespace scenario_detail

} // namespace ns3
