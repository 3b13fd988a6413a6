/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The JSON shape of programs given as eBPF objects and of their map fills. What needs the
// object itself (does it load, are its maps there and of the right type) is checked by
// CheckProgramObjects() in helper/scenario-programs.cc, which links libbpf.

#include "scenario-checker.h"

namespace ns3
{

namespace scenario_detail
{

namespace
{
/// Map keys and values are written as non-negative JSON integers (little-endian in the map).
const IntRange MAP_INTEGER{0, std::numeric_limits<int64_t>::max(), false};
} // namespace

ProgramObjectSpec
Checker::ParseProgramObject(const Json& v, const std::string& path) const
{
    CheckObject(v, path, ProgramObjectKeys());
    CheckRequired(v, path, {"object"});
    ProgramObjectSpec spec;
    spec.path = path;
    static const std::regex file(R"(\S(.*\S)?)");
    spec.object = Matching(v.at("object"),
                           path + "/object",
                           file,
                           R"(the path of a .bpf.o file such as "programs/migrate-to-new.bpf.o")");
    if (const Json* x = Find(v, "program"))
    {
        static const std::regex name(R"([A-Za-z_][A-Za-z0-9_]*)");
        spec.program = Matching(*x, path + "/program", name, "a program's function name");
    }
    if (const Json* x = Find(v, "maps"))
    {
        const std::string p = path + "/maps";
        if (!x->is_array())
        {
            Expect(p, "an array of map fills", *x);
        }
        for (size_t i = 0; i < x->size(); ++i)
        {
            MapFillSpec fill = ParseMapFill((*x)[i], Child(p, i), MapFillKeys());
            for (const auto& other : spec.maps)
            {
                if (other.map == fill.map)
                {
                    Fail(Child(p, i) + "/map",
                         "expected each map filled once, but \"" + fill.map +
                             "\" is also filled at " + other.path);
                }
            }
            spec.maps.push_back(fill);
        }
    }
    return spec;
}

MapFillSpec
Checker::ParseMapFill(const Json& v, const std::string& path, const Keys& keys) const
{
    if (!v.is_object())
    {
        Expect(path, "an object", v);
    }
    MapFillSpec fill;
    fill.path = path;
    static const std::regex name(R"([A-Za-z_][A-Za-z0-9_.]*)");
    if (Contains(keys, "entries"))
    {
        // A map fill, not an event: its keys are checked here.
        if (!Contains(keys, "at"))
        {
            CheckObject(v, path, keys);
        }
        CheckRequired(v, path, {"map"});
        if (v.contains("from") == v.contains("entries"))
        {
            Fail(path,
                 v.contains("from") ? R"(expected exactly one of "from" and "entries", got both)"
                                    : R"(missing required key "from" or "entries")");
        }
    }
    fill.map = Matching(v.at("map"), path + "/map", name, "a map's name in the object");
    if (const Json* x = Find(v, "from"))
    {
        static const std::regex re(R"([^,=\s]+=[^,=\s]+(,[^,=\s]+=[^,=\s]+)*)");
        fill.from =
            Matching(*x,
                     path + "/from",
                     re,
                     R"(listener labels such as "generation=2" or "generation=2,worker=0")");
    }
    if (const Json* x = Find(v, "entries"))
    {
        const std::string p = path + "/entries";
        if (!x->is_array() || x->empty())
        {
            Expect(p, R"(a non-empty array of {"key": K, "value": V})", *x);
        }
        for (size_t i = 0; i < x->size(); ++i)
        {
            const std::string ep = Child(p, i);
            CheckObject((*x)[i], ep, {"key", "value"});
            CheckRequired((*x)[i], ep, {"key", "value"});
            fill.entries.emplace_back(
                static_cast<uint64_t>(Integer((*x)[i].at("key"), ep + "/key", MAP_INTEGER)),
                static_cast<uint64_t>(Integer((*x)[i].at("value"), ep + "/value", MAP_INTEGER)));
        }
    }
    if (const Json* x = Find(v, "keys"))
    {
        const std::string p = path + "/keys";
        if (!x->is_array() || x->empty())
        {
            Expect(p, "a non-empty array of keys", *x);
        }
        for (size_t i = 0; i < x->size(); ++i)
        {
            fill.keys.push_back(static_cast<uint64_t>(Integer((*x)[i], Child(p, i), MAP_INTEGER)));
        }
    }
    return fill;
}

} // namespace scenario_detail

} // namespace ns3
