/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The Checker, which checks one scenario document and converts it. Its parts are defined in
// scenario-checker.cc (top level, topology, server, clients, output, sweep),
// scenario-events-checker.cc (the events timeline) and scenario-limits.cc (scale limits).

#ifndef SCENARIO_CHECKER_H
#define SCENARIO_CHECKER_H

#include "scenario-json.h"
#include "scenario-keys.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>

namespace ns3
{

namespace scenario_detail
{

/**
 * \brief Checks one document and converts it. One instance per document.
 */
class Checker
{
  public:
    /// \param file the file, for errors
    explicit Checker(const std::string& file)
        : m_file(file)
    {
    }

    /**
     * \param doc the document
     * \return the scenario
     */
    Scenario Parse(const Json& doc);

    /**
     * \param text a duration such as "10min"
     * \return it, which must be > 0
     */
    Time PositiveDuration(const std::string& text) const
    {
        return Duration(Json(text), "", true);
    }

  private:
    /**
     * \brief Stop with an error.
     * \param path JSON pointer
     * \param message what was expected
     */
    [[noreturn]] void Fail(const std::string& path, const std::string& message) const
    {
        throw ScenarioError(m_file, path, message);
    }

    /**
     * \brief Stop with "expected WHAT, got VALUE".
     * \param path JSON pointer
     * \param what what was expected
     * \param got the value found
     */
    [[noreturn]] void Expect(const std::string& path,
                             const std::string& what,
                             const Json& got) const
    {
        Fail(path, "expected " + what + ", got " + Dump(got));
    }

    /**
     * \brief Check that a value is an object with only the given keys.
     * \param v the value
     * \param path its pointer
     * \param allowed its keys
     */
    void CheckObject(const Json& v, const std::string& path, const Keys& allowed) const
    {
        if (!v.is_object())
        {
            Expect(path, "an object", v);
        }
        for (const auto& item : v.items())
        {
            if (!Contains(allowed, item.key()))
            {
                Fail(Child(path, item.key()),
                     "unknown key (expected one of: " + PlainList(allowed) + ")");
            }
        }
    }

    /**
     * \brief Check that an object has the given keys.
     * \param v the object
     * \param path its pointer
     * \param required the keys without a default
     */
    void CheckRequired(const Json& v, const std::string& path, const Keys& required) const
    {
        for (const auto& key : required)
        {
            if (!v.contains(key))
            {
                Fail(path, "missing required key \"" + key + "\"");
            }
        }
    }

    /**
     * \param v a value
     * \param path its pointer
     * \param what the text of the message
     * \return the string
     */
    std::string String(const Json& v, const std::string& path, const std::string& what) const
    {
        if (!v.is_string())
        {
            Expect(path, what, v);
        }
        return v.get<std::string>();
    }

    /**
     * \param v a value
     * \param path its pointer
     * \param re the pattern the whole string must match
     * \param what the text of the message
     * \return the string
     */
    std::string Matching(const Json& v,
                         const std::string& path,
                         const std::regex& re,
                         const std::string& what) const
    {
        if (!v.is_string() || !std::regex_match(v.get_ref<const std::string&>(), re))
        {
            Expect(path, what, v);
        }
        return v.get<std::string>();
    }

    /**
     * \param v a value
     * \param path its pointer
     * \param options the accepted strings
     * \return the string
     */
    std::string Enum(const Json& v, const std::string& path, const Keys& options) const
    {
        if (!v.is_string() || !Contains(options, v.get<std::string>()))
        {
            Expect(path, Alternatives(options), v);
        }
        return v.get<std::string>();
    }

    /**
     * \param v a value
     * \param path its pointer
     * \return the boolean
     */
    bool Bool(const Json& v, const std::string& path) const
    {
        if (!v.is_boolean())
        {
            Expect(path, "true or false", v);
        }
        return v.get<bool>();
    }

    /**
     * \param v a value
     * \param path its pointer
     * \param range the accepted integers
     * \return the integer
     */
    int64_t Integer(const Json& v, const std::string& path, const IntRange& range) const
    {
        int64_t x = 0;
        bool integral = GetInteger(v, x);
        if (integral && x >= range.min && x <= range.max)
        {
            return x;
        }
        std::string what;
        if (range.bounded && range.max == range.min + 1)
        {
            what = std::to_string(range.min) + " or " + std::to_string(range.max);
        }
        else if (range.bounded)
        {
            what = "an integer between " + std::to_string(range.min) + " and " +
                   std::to_string(range.max);
        }
        else if (integral && x > range.max)
        {
            what = "an integer <= " + std::to_string(range.max);
        }
        else
        {
            what = "an integer >= " + std::to_string(range.min);
        }
        Expect(path, what, v);
    }

    /**
     * \param v a value
     * \param path its pointer
     * \return the number, which must be > 0
     */
    double Positive(const Json& v, const std::string& path) const
    {
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0)
        {
            Expect(path, "a number > 0", v);
        }
        return v.get<double>();
    }

    /**
     * \param v a value: "10s", "150ms", "100us", "2min", "1h", "5ns"
     * \param path its pointer
     * \param positive whether 0 is refused
     * \return the duration, rounded to the nanosecond
     */
    Time Duration(const Json& v, const std::string& path, bool positive) const
    {
        static const std::regex re(R"(([0-9]+)(?:\.([0-9]+))?(ns|us|ms|s|min|h))");
        static const std::map<std::string, uint64_t> units{
            {"ns", 1},
            {"us", 1000},
            {"ms", 1000000},
            {"s", 1000000000},
            {"min", 60000000000},
            {"h", 3600000000000},
        };
        std::smatch m;
        if (!v.is_string() || !std::regex_match(v.get_ref<const std::string&>(), m, re))
        {
            Expect(path, R"(a duration such as "3s" or "150ms")", v);
        }
        uint64_t ns = 0;
        if (ScaleDecimal(m[1], m[2], units.at(m[3]), std::numeric_limits<int64_t>::max(), ns) !=
            Scaled::OK)
        {
            Expect(path, "a duration of at most 2562047h", v);
        }
        if (positive && ns == 0)
        {
            Expect(path, "a duration > 0", v);
        }
        return NanoSeconds(static_cast<int64_t>(ns));
    }

    /**
     * \param v a value: "1Gbps", "100Mbps", "1500Bps"...
     * \param path its pointer
     * \return the data rate, which must be > 0 (rounded to the bit per second, computed
     * exactly rather than through DataRate's double arithmetic)
     */
    DataRate Rate(const Json& v, const std::string& path) const
    {
        static const std::regex re(
            R"(([0-9]+)(?:\.([0-9]+))?(bps|kbps|Kbps|Mbps|Gbps|Bps|kBps|KBps|MBps|GBps))");
        static const std::map<std::string, uint64_t> units{
            {"bps", 1},
            {"kbps", 1000},
            {"Kbps", 1000},
            {"Mbps", 1000000},
            {"Gbps", 1000000000},
            {"Bps", 8},
            {"kBps", 8000},
            {"KBps", 8000},
            {"MBps", 8000000},
            {"GBps", 8000000000},
        };
        std::smatch m;
        if (!v.is_string() || !std::regex_match(v.get_ref<const std::string&>(), m, re))
        {
            Expect(path, R"(a data rate such as "1Gbps" or "100Mbps")", v);
        }
        uint64_t bps = 0;
        if (ScaleDecimal(m[1], m[2], units.at(m[3]), 9000000000000000000ULL, bps) != Scaled::OK)
        {
            Expect(path, "a data rate of at most 9000000000Gbps", v);
        }
        if (bps == 0)
        {
            Expect(path, "a data rate > 0", v);
        }
        return DataRate(bps);
    }

    /**
     * \param v a value
     * \param path its pointer
     * \return the id of a node of the topology
     */
    std::string NodeRef(const Json& v, const std::string& path) const
    {
        if (!v.is_string() || !m_nodeCount.count(v.get<std::string>()))
        {
            Expect(path,
                   m_nodeIds.empty() ? "a node id (the topology has none)"
                                     : "a node id (" + Alternatives(m_nodeIds) + ")",
                   v);
        }
        return v.get<std::string>();
    }

    /**
     * \param v a value
     * \param path its pointer
     * \return the two ids of an array of two node ids
     */
    std::pair<std::string, std::string> NodePair(const Json& v, const std::string& path) const
    {
        if (!v.is_array() || v.size() != 2)
        {
            Expect(path, "two node ids", v);
        }
        return {NodeRef(v[0], Child(path, 0)), NodeRef(v[1], Child(path, 1))};
    }

    /**
     * \param doc the document
     * \param s filled with the sysctls, all of them
     */
    void ParseSysctl(const Json& doc, Scenario& s) const;

    /**
     * \param doc the document
     * \param s filled with the topology; the node and link tables are filled too
     */
    void ParseTopology(const Json& doc, Scenario& s);

    /**
     * \param doc the document
     * \param s filled with the server
     */
    void ParseServer(const Json& doc, Scenario& s) const;

    /**
     * \param v a service time
     * \param path its pointer
     * \return the distribution
     */
    DurationDistribution ParseServiceTime(const Json& v, const std::string& path) const;

    /**
     * \param doc the document
     * \param s filled with the clients
     */
    void ParseClients(const Json& doc, Scenario& s) const;

    /**
     * \param doc the document
     * \param s filled with the events, sorted
     */
    void ParseEvents(const Json& doc, Scenario& s) const;

    /**
     * \param doc the document
     * \param v an event
     * \param path its pointer
     * \return the event
     */
    EventSpec ParseEvent(const Json& doc, const Json& v, const std::string& path) const;

    /**
     * \brief Expand an event's repetition (every with count or until) into its occurrences,
     * all with the event's path, so that the model sees plain events.
     * \param v the event as written
     * \param path its pointer
     * \param e the event, parsed (its first occurrence)
     * \param events the events so far, to which the occurrences are appended
     */
    void Repeat(const Json& v,
                const std::string& path,
                const EventSpec& e,
                std::vector<EventSpec>& events) const;

    /**
     * \param v the params of an attach-program event
     * \param path their pointer
     * \param e the event, whose program is known
     */
    void ParseParams(const Json& v, const std::string& path, EventSpec& e) const;

    /**
     * \param v an attach-program's program, given as an object: {"object": ...}
     * \param path its pointer
     * \return it (not yet opened: see CheckProgramObjects())
     */
    ProgramObjectSpec ParseProgramObject(const Json& v, const std::string& path) const;

    /**
     * \param v a map fill {"map", "from" or "entries"}, or an event of map-update or
     * map-delete (with "keys")
     * \param path its pointer
     * \param keys the keys allowed
     * \return it
     */
    MapFillSpec ParseMapFill(const Json& v, const std::string& path, const Keys& keys) const;

    /**
     * \param doc the document
     * \param s filled with the outputs
     */
    void ParseOutput(const Json& doc, Scenario& s) const;

    /**
     * \brief Refuse what cannot be run in memory or within the kernel's limits, and warn
     * about what is legal but costly.
     * \param doc the document
     * \param s the scenario, parsed; its warnings are filled
     */
    void CheckScale(const Json& doc, Scenario& s) const;

    /**
     * \brief Check the sweep's shape and parameter names (its values are checked by
     * Expand, run by run), zip included.
     * \param doc the document
     */
    void CheckSweep(const Json& doc) const;

    std::string m_file;                                    //!< file, for errors
    Time m_duration;                                       //!< the run's duration
    std::map<std::string, uint32_t> m_nodeCount;           //!< node id -> hosts
    Keys m_nodeIds;                                        //!< node ids, in file order
    std::set<std::pair<std::string, std::string>> m_links; //!< link ends, both orders
};

} // namespace scenario_detail

} // namespace ns3

#endif /* SCENARIO_CHECKER_H */
