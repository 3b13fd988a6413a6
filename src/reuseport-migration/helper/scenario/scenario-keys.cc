/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-keys.h"

#include <algorithm>
#include <map>

namespace ns3
{

namespace scenario_detail
{

const Keys&
TopKeys()
{
    static const Keys keys{"name",
                           "description",
                           "seed",
                           "duration",
                           "scheduler",
                           "sysctl",
                           "topology",
                           "server",
                           "clients",
                           "events",
                           "sweep",
                           "output",
                           "max_wall"};
    return keys;
}

const Keys&
SweepableTopKeys()
{
    static const Keys keys = [] {
        Keys k = TopKeys();
        k.erase(std::find(k.begin(), k.end(), "sweep"));
        k.erase(std::find(k.begin(), k.end(), "name"));
        return k;
    }();
    return keys;
}

const std::vector<SysctlSpec>&
Sysctls()
{
    static const std::vector<SysctlSpec> sysctls{
        {"somaxconn", 0, std::numeric_limits<uint32_t>::max(), false, 4096},
        {"tcp_max_syn_backlog", 0, std::numeric_limits<uint32_t>::max(), false, 1024},
        {"tcp_synack_retries", 0, 255, true, 5},
        {"tcp_abort_on_overflow", 0, 1, true, 0},
        {"tcp_syncookies", 0, 2, true, 1},
        {"tcp_migrate_req", 0, 1, true, 0},
    };
    return sysctls;
}

const Keys&
SysctlNames()
{
    static const Keys keys = [] {
        Keys k;
        for (const auto& s : Sysctls())
        {
            k.push_back(s.name);
        }
        return k;
    }();
    return keys;
}

const Keys&
TopologyKeys()
{
    static const Keys keys{"nodes", "links"};
    return keys;
}

const Keys&
NodeKeys()
{
    static const Keys keys{"id", "count"};
    return keys;
}

const Keys&
LinkKeys()
{
    static const Keys keys{"between", "rate", "delay", "loss", "queue"};
    return keys;
}

const Keys&
ServerKeys()
{
    static const Keys
        keys{"host", "port", "workers", "backlog", "service_time", "steering", "shutdown_timeout"};
    return keys;
}

const Keys&
ClientsKeys()
{
    static const Keys keys{"hosts",
                           "rate",
                           "arrival",
                           "request_bytes",
                           "response_bytes",
                           "timeout",
                           "start",
                           "stop"};
    return keys;
}

const Keys&
OutputKeys()
{
    static const Keys keys{"timeseries_interval", "connections", "pcap"};
    return keys;
}

const Keys&
Distributions()
{
    static const Keys keys{"exponential", "uniform", "constant"};
    return keys;
}

const Keys*
DistributionKeys(const std::string& distribution)
{
    static const std::map<std::string, Keys> keys{
        {"exponential", {"distribution", "mean"}},
        {"uniform", {"distribution", "min", "max"}},
        {"constant", {"distribution", "value"}},
    };
    auto it = keys.find(distribution);
    return it == keys.end() ? nullptr : &it->second;
}

const std::vector<ActionSpec>&
Actions()
{
    static const std::vector<ActionSpec> actions = [] {
        std::vector<ActionSpec> a{
            {"reload", {"strategy", "policy", "workers", "listen_change"}, {}},
            {"upgrade", {"strategy", "policy", "workers"}, {}},
            {"close-listener", {"worker"}, {"worker"}},
            {"shutdown-listener", {"worker"}, {"worker"}},
            {"listen", {"worker"}, {"worker"}},
            {"stall-worker", {"worker"}, {"worker"}},
            {"resume-worker", {"worker"}, {"worker"}},
            {"kill-worker", {"worker", "respawn"}, {"worker"}},
            {"set-sysctl", {"name", "value"}, {"name", "value"}},
            {"attach-program", {"program", "attach", "params"}, {"program"}},
            {"detach-program", {}, {}},
            {"map-update", {"map", "from", "entries"}, {"map"}},
            {"map-delete", {"map", "keys"}, {"map", "keys"}},
            {"drop-segments",
             {"host", "link", "until", "flags_set", "flags_clear", "port"},
             {"until"}},
        };
        for (auto& spec : a)
        {
            spec.keys.insert(spec.keys.begin(), {"at", "action"});
            spec.required.insert(spec.required.begin(), "at");
            // Any event may repeat; drop-segments has its own "until" (its window's end).
            for (const char* key : {"every", "count", "until"})
            {
                if (!Contains(spec.keys, key))
                {
                    spec.keys.emplace_back(key);
                }
            }
        }
        return a;
    }();
    return actions;
}

const Keys&
ActionNames()
{
    static const Keys keys = [] {
        Keys k;
        for (const auto& a : Actions())
        {
            k.push_back(a.name);
        }
        return k;
    }();
    return keys;
}

const ActionSpec*
FindAction(const std::string& action)
{
    for (const auto& a : Actions())
    {
        if (a.name == action)
        {
            return &a;
        }
    }
    return nullptr;
}

const Keys&
ProgramNames()
{
    static const Keys keys{"prefer-newest-generation",
                           "exclude-labels",
                           "round-robin",
                           "least-loaded",
                           "drop-all"};
    return keys;
}

const Keys*
ProgramParams(const std::string& program)
{
    static const std::map<std::string, Keys> keys{
        {"prefer-newest-generation", {"label", "scope", "pick"}},
        {"exclude-labels", {"exclude", "drop_when_empty", "scope", "pick"}},
        {"round-robin", {"scope"}},
        {"least-loaded", {"scope", "pick"}},
        {"drop-all", {"scope"}},
    };
    auto it = keys.find(program);
    return it == keys.end() ? nullptr : &it->second;
}

const Keys&
ProgramObjectKeys()
{
    static const Keys keys{"object", "program", "maps"};
    return keys;
}

const Keys&
MapFillKeys()
{
    static const Keys keys{"map", "from", "entries"};
    return keys;
}

Keys
WithPrograms(Keys first)
{
    first.insert(first.end(), ProgramNames().begin(), ProgramNames().end());
    return first;
}

const Keys&
Strategies()
{
    static const Keys keys{"close", "drain-steer", "drain-count", "migrate", "handover"};
    return keys;
}

const Keys&
Schedulers()
{
    static const Keys keys{"heap", "map", "calendar", "list", "priority-queue"};
    return keys;
}

const std::vector<std::pair<std::string, uint8_t>>&
Flags()
{
    static const std::vector<std::pair<std::string, uint8_t>> flags{
        {"SYN", 0x02},
        {"ACK", 0x10},
        {"FIN", 0x01},
        {"RST", 0x04},
        {"PSH", 0x08},
        {"URG", 0x20},
    };
    return flags;
}

bool
Contains(const Keys& keys, const std::string& key)
{
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string
PlainList(const Keys& keys)
{
    std::string text;
    for (const auto& k : keys)
    {
        text += (text.empty() ? "" : ", ") + k;
    }
    return text;
}

std::string
Alternatives(const Keys& options)
{
    std::string text;
    for (size_t i = 0; i < options.size(); ++i)
    {
        if (i > 0)
        {
            text += i + 1 == options.size() ? " or " : ", ";
        }
        text += "\"" + options[i] + "\"";
    }
    return text;
}

} // namespace scenario_detail

} // namespace ns3
