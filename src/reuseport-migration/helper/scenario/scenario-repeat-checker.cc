/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Repeated events: "every" with "count" or "until" on any event (doc/scenarios.md).

#include "scenario-checker.h"
#include "scenario-loader.h"

namespace ns3
{

namespace scenario_detail
{

void
Checker::Repeat(const Json& v,
                const std::string& path,
                const EventSpec& e,
                std::vector<EventSpec>& events) const
{
    const Json* every = Find(v, "every");
    const Json* count = Find(v, "count");
    // On drop-segments "until" ends the drop window, so it never ends a repetition.
    const bool ownUntil = e.action == "drop-segments";
    const Json* until = ownUntil ? nullptr : Find(v, "until");
    if (!every)
    {
        for (const auto& [x, key] : {std::make_pair(count, "count"), {until, "until"}})
        {
            if (x)
            {
                Fail(Child(path, key), R"(key allowed only with "every" (a repeated event))");
            }
        }
        events.push_back(e);
        return;
    }
    const int64_t step = Duration(*every, path + "/every", true).GetTimeStep();
    if (count && until)
    {
        Fail(path, R"(expected one of "count" and "until" with "every", got both)");
    }
    if (!count && !until)
    {
        Fail(path,
             ownUntil ? R"(missing required key "count" with "every" (on drop-segments, "until" )"
                        R"(ends each drop window))"
                      : R"(missing required key "count" or "until" with "every")");
    }
    const uint64_t limit = ScenarioLoader::MAX_EVENTS;
    const int64_t at = e.at.GetTimeStep();
    uint64_t n = 0;
    std::string nPath;
    if (count)
    {
        nPath = path + "/count";
        n = static_cast<uint64_t>(Integer(*count, nPath, POSITIVE_U32));
        // Divided rather than multiplied: a long "every" times a count would overflow.
        if (n - 1 > static_cast<uint64_t>((m_duration.GetTimeStep() - at) / step))
        {
            Fail(nPath,
                 "expected every occurrence within the run (at + (count - 1) * every <= the "
                 "duration), got " +
                     std::to_string(n));
        }
    }
    else
    {
        nPath = path + "/until";
        const int64_t end = Duration(*until, nPath, false).GetTimeStep();
        if (end < at)
        {
            Expect(nPath, "a time >= at (" + Dump(v.at("at")) + ")", *until);
        }
        if (end > m_duration.GetTimeStep())
        {
            Expect(nPath, "a time within the run (<= the duration)", *until);
        }
        n = static_cast<uint64_t>((end - at) / step) + 1;
    }
    if (n + events.size() > limit)
    {
        Fail(nPath,
             "expected at most " + std::to_string(limit) +
                 " events in all once repeated (surely a mistake), got " +
                 std::to_string(n + events.size()));
    }
    const int64_t window = ownUntil ? e.until.GetTimeStep() - at : 0;
    for (uint64_t k = 0; k < n; ++k)
    {
        EventSpec occurrence = e;
        occurrence.at = TimeStep(at + static_cast<int64_t>(k) * step);
        if (ownUntil)
        {
            occurrence.until = TimeStep(occurrence.at.GetTimeStep() + window);
        }
        events.push_back(occurrence);
    }
}

} // namespace scenario_detail

} // namespace ns3
