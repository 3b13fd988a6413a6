/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-checker.h"

#include <algorithm>
#include <vector>

namespace ns3
{

namespace scenario_detail
{

void
Checker::ParseEvents(const Json& doc, Scenario& s) const
{
    const Json* v = Find(doc, "events");
    if (!v)
    {
        return;
    }
    if (!v->is_array())
    {
        Expect("/events", "an array of events", *v);
    }
    for (size_t i = 0; i < v->size(); ++i)
    {
        const std::string path = Child("/events", i);
        Repeat((*v)[i], path, ParseEvent(doc, (*v)[i], path), s.events);
    }
    std::stable_sort(s.events.begin(), s.events.end(), [](const EventSpec& a, const EventSpec& b) {
        return a.at < b.at;
    });

    // A worker index names a worker of the generation current at the event's time, whose
    // worker and socket must still be there for the event to act on.
    struct Slot
    {
        bool alive{true};      //!< the worker runs
        char socket{'L'};      //!< 'L' listening, 'S' shut down, 'C' closed
        std::string changedBy; //!< the event that last changed it
    };

    std::vector<Slot> slots(s.server.workers);
    const EventSpec* attached = nullptr; // the attach-program in force, for map changes
    auto by = [](const Slot& slot) {
        return slot.changedBy.empty() ? std::string() : " by " + slot.changedBy;
    };
    for (auto& e : s.events)
    {
        if (e.action == "reload" || e.action == "upgrade")
        {
            // A new generation: inherited or new sockets, all listening, all with a worker.
            slots.assign(e.workers.value_or(static_cast<uint32_t>(slots.size())), Slot{});
            continue;
        }
        if (e.action == "attach-program" &&
            std::none_of(slots.begin(), slots.end(), [](const Slot& x) { return x.socket == 'L'; }))
        {
            Fail(e.path,
                 "expected a listening socket to attach the program through, but "
                 "every socket of the current generation is closed or shut down");
        }
        if (e.action == "attach-program")
        {
            attached = &e;
        }
        if (e.action == "detach-program")
        {
            attached = nullptr;
        }
        if (e.action == "map-update" || e.action == "map-delete")
        {
            if (!attached || !attached->object)
            {
                Fail(e.path,
                     "expected an eBPF object attached by an earlier attach-program to change "
                     "the map of, but " +
                         (attached ? "the program attached at " + attached->path +
                                         " is the built-in \"" + attached->program + "\""
                                   : std::string("no program is attached")));
            }
            e.object = *attached->object;
            e.object->maps.clear();
        }
        if (!Contains(FindAction(e.action)->keys, "worker"))
        {
            continue;
        }
        const std::string p = e.path + "/worker";
        if (e.worker >= slots.size())
        {
            Fail(p,
                 "expected a worker index < " + std::to_string(slots.size()) +
                     " (the workers of the current generation), got " + std::to_string(e.worker));
        }
        Slot& slot = slots[e.worker];
        const std::string w = "worker " + std::to_string(e.worker);
        if ((e.action == "stall-worker" || e.action == "resume-worker" ||
             e.action == "kill-worker") &&
            !slot.alive)
        {
            Fail(p,
                 "expected a running worker, but " + w + " was killed without a respawn" +
                     by(slot));
        }
        if (e.action == "close-listener" && slot.socket == 'C')
        {
            Fail(p, "expected an open socket, but " + w + "'s socket was closed" + by(slot));
        }
        if (e.action == "shutdown-listener" && slot.socket != 'L')
        {
            Fail(p,
                 "expected a listening socket, but " + w + "'s socket was " +
                     (slot.socket == 'C' ? "closed" : "shut down") + by(slot));
        }
        if (e.action == "close-listener")
        {
            slot.socket = 'C';
        }
        else if (e.action == "shutdown-listener")
        {
            slot.socket = 'S';
        }
        else if (e.action == "listen")
        {
            slot.socket = 'L';
        }
        else if (e.action == "kill-worker" && !e.respawn)
        {
            slot.alive = false;
            slot.socket = 'C';
        }
        else
        {
            continue;
        }
        slot.changedBy = e.path;
    }
}

EventSpec
Checker::ParseEvent(const Json& doc, const Json& v, const std::string& path) const
{
    if (!v.is_object())
    {
        Expect(path, "an object", v);
    }
    CheckRequired(v, path, {"action"});
    EventSpec e;
    e.path = path;
    e.action = Enum(v.at("action"), path + "/action", ActionNames());
    const ActionSpec& spec = *FindAction(e.action);
    for (const auto& item : v.items())
    {
        if (Contains(spec.keys, item.key()))
        {
            continue;
        }
        bool elsewhere = std::any_of(Actions().begin(), Actions().end(), [&item](const auto& a) {
            return Contains(a.keys, item.key());
        });
        Fail(Child(path, item.key()),
             (elsewhere ? "key not allowed for action \"" + e.action + "\"" : "unknown key") +
                 " (expected one of: " + PlainList(spec.keys) + ")");
    }
    CheckRequired(v, path, spec.required);
    if (e.action == "drop-segments")
    {
        if (v.contains("host") && v.contains("link"))
        {
            Fail(path, R"(expected exactly one of "host" and "link", got both)");
        }
        if (!v.contains("host") && !v.contains("link"))
        {
            Fail(path, R"(missing required key "host" or "link")");
        }
    }

    const Json& duration = doc.at("duration");
    e.at = Duration(v.at("at"), path + "/at", false);
    if (e.at > m_duration)
    {
        Expect(path + "/at", "a time within the run (<= " + Dump(duration) + ")", v.at("at"));
    }

    auto get = [&v, &path](const char* key) -> std::pair<const Json*, std::string> {
        return {Find(v, key), Child(path, key)};
    };
    if (auto [x, p] = get("strategy"); x)
    {
        e.strategy = Enum(*x, p, Strategies());
    }
    if (auto [x, p] = get("policy"); x)
    {
        if (x->is_object())
        {
            e.policyObject = ParseProgramObject(*x, p);
            e.policy = e.policyObject->object;
        }
        else
        {
            e.policy = Enum(*x, p, WithPrograms({"hash", "last-slot"}));
        }
    }
    if (auto [x, p] = get("policy"); x && e.strategy != "migrate")
    {
        Fail(p,
             "key not allowed with strategy \"" + e.strategy +
                 "\" (only \"migrate\" uses a policy)");
    }
    if (auto [x, p] = get("workers"); x)
    {
        e.workers = static_cast<uint32_t>(Integer(*x, p, WORKERS));
    }
    if (auto [x, p] = get("listen_change"); x)
    {
        e.listenChange = Bool(*x, p);
    }
    if (auto [x, p] = get("worker"); x)
    {
        e.worker = static_cast<uint32_t>(Integer(*x, p, NON_NEGATIVE_U32));
    }
    if (auto [x, p] = get("respawn"); x)
    {
        e.respawn = Bool(*x, p);
    }
    if (auto [x, p] = get("name"); x)
    {
        e.name = Enum(*x, p, SysctlNames());
        const auto& sysctl = *std::find_if(Sysctls().begin(),
                                           Sysctls().end(),
                                           [&e](const SysctlSpec& s) { return s.name == e.name; });
        e.value = static_cast<uint32_t>(
            Integer(v.at("value"), path + "/value", {sysctl.min, sysctl.max, sysctl.bounded}));
    }
    if (auto [x, p] = get("program"); x)
    {
        if (x->is_object())
        {
            e.object = ParseProgramObject(*x, p);
        }
        else if (!x->is_string() || !Contains(ProgramNames(), x->get<std::string>()))
        {
            Expect(p,
                   Alternatives(ProgramNames()) +
                       R"(, or an eBPF object such as {"object": "programs/migrate-to-new.bpf.o"})",
                   *x);
        }
        else
        {
            e.program = x->get<std::string>();
        }
    }
    if (e.action == "map-update" || e.action == "map-delete")
    {
        e.mapChange = ParseMapFill(v, path, spec.keys);
    }
    if (auto [x, p] = get("attach"); x)
    {
        e.attach = Enum(*x, p, {"select", "select-or-migrate"});
    }
    if (auto [x, p] = get("params"); x)
    {
        if (e.object)
        {
            Fail(p,
                 "key not allowed for a program given as an object (its maps are filled "
                 "through \"maps\")");
        }
        ParseParams(*x, p, e);
    }
    if (e.object && v.contains("attach"))
    {
        // The object's section name gives its attach type, as libbpf reads it.
        Fail(path + "/attach",
             "key not allowed for a program given as an object (its section, "
             "\"sk_reuseport\" or \"sk_reuseport/migrate\", gives the attach type)");
    }
    if (auto [x, p] = get("host"); x)
    {
        e.host = NodeRef(*x, p);
    }
    if (auto [x, p] = get("link"); x)
    {
        e.link = NodePair(*x, p);
        if (!m_links.count(*e.link))
        {
            Expect(p, "the two ends of a link of the topology", *x);
        }
    }
    if (auto [x, p] = get("until"); x && e.action == "drop-segments")
    {
        e.until = Duration(*x, p, false);
        if (e.until <= e.at)
        {
            Expect(p, "a time after at (" + Dump(v.at("at")) + ")", *x);
        }
    }
    for (const char* key : {"flags_set", "flags_clear"})
    {
        auto [x, p] = get(key);
        if (!x)
        {
            continue;
        }
        if (!x->is_array())
        {
            Expect(p, "an array of TCP flag names", *x);
        }
        uint8_t& bits = std::string(key) == "flags_set" ? e.flagsSet : e.flagsClear;
        Keys names;
        for (const auto& [name, bit] : Flags())
        {
            names.push_back(name);
        }
        for (size_t i = 0; i < x->size(); ++i)
        {
            std::string flag = Enum((*x)[i], Child(p, i), names);
            uint8_t bit = std::find_if(Flags().begin(), Flags().end(), [&flag](const auto& f) {
                              return f.first == flag;
                          })->second;
            if (&bits == &e.flagsClear && (e.flagsSet & bit))
            {
                Expect(Child(p, i), "a flag not in flags_set", (*x)[i]);
            }
            bits |= bit;
        }
    }
    if (auto [x, p] = get("port"); x)
    {
        e.port = static_cast<uint16_t>(Integer(*x, p, PORT));
    }
    return e;
}

void
Checker::ParseParams(const Json& v, const std::string& path, EventSpec& e) const
{
    if (!v.is_object())
    {
        Expect(path, "an object of program parameters", v);
    }
    CheckObject(v, path, *ProgramParams(e.program));
    // In the order the program declares its attributes.
    if (const Json* x = Find(v, "label"))
    {
        static const std::regex re(R"([^,=\s]+)");
        e.params.emplace_back(
            "Label",
            Matching(*x, path + "/label", re, R"(a label name such as "generation")"));
    }
    if (const Json* x = Find(v, "exclude"))
    {
        static const std::regex re(R"([^,=\s]+=[^,=\s]+(,[^,=\s]+=[^,=\s]+)*)");
        e.params.emplace_back(
            "Exclude",
            Matching(*x,
                     path + "/exclude",
                     re,
                     R"(labels such as "generation=1" or "generation=1,worker=3")"));
    }
    if (const Json* x = Find(v, "drop_when_empty"))
    {
        e.params.emplace_back("DropWhenEmpty",
                              Bool(*x, path + "/drop_when_empty") ? "true" : "false");
    }
    if (const Json* x = Find(v, "scope"))
    {
        e.params.emplace_back("Scope", Enum(*x, path + "/scope", {"all", "migration"}));
    }
    if (const Json* x = Find(v, "pick"))
    {
        e.params.emplace_back("Pick", Enum(*x, path + "/pick", {"reciprocal-scale", "modulo"}));
    }
}

} // namespace scenario_detail

} // namespace ns3
