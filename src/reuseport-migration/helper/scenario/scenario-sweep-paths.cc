/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-sweep-paths.h"

#include "scenario-keys.h"

#include <cctype>
#include <initializer_list>
#include <regex>
#include <vector>

namespace ns3
{

namespace scenario_detail
{

namespace
{

/**
 * \param s a string
 * \param sep the separator
 * \return the parts, empty ones included
 */
std::vector<std::string>
Split(const std::string& s, char sep)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (true)
    {
        size_t end = s.find(sep, start);
        parts.push_back(
            s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
        {
            return parts;
        }
        start = end + 1;
    }
}

/**
 * \param s a dotted-path component
 * \param index its value
 * \return whether it is an array index written without leading zeros
 */
bool
ParseIndex(const std::string& s, size_t& index)
{
    static const std::regex re("0|[1-9][0-9]{0,8}");
    if (!std::regex_match(s, re))
    {
        return false;
    }
    index = std::stoul(s);
    return true;
}

/**
 * \brief The keys the format defines for the object at a place of a (valid) document, so
 * that a sweep may set a key that the file leaves at its default.
 * \param root the document
 * \param at the dotted-path components of the object
 * \return the keys, or null if the place is not an object of the format
 */
const Keys*
AllowedKeys(const Json& root, const std::vector<std::string>& at)
{
    auto is = [&at](std::initializer_list<const char*> pattern) {
        if (at.size() != pattern.size())
        {
            return false;
        }
        size_t i = 0;
        for (const char* p : pattern)
        {
            size_t index;
            if (!(p[0] == '#' ? ParseIndex(at[i], index) : at[i] == p))
            {
                return false;
            }
            ++i;
        }
        return true;
    };
    auto event = [&root, &at]() -> const Json* {
        const Json* events = Find(root, "events");
        size_t index;
        if (!events || !events->is_array() || !ParseIndex(at[1], index) ||
            index >= events->size() || !(*events)[index].is_object())
        {
            return nullptr;
        }
        return &(*events)[index];
    };
    auto stringAt = [](const Json* obj, const char* key) -> std::string {
        const Json* v = obj ? Find(*obj, key) : nullptr;
        return v && v->is_string() ? v->get<std::string>() : "";
    };

    if (at.empty())
    {
        return &SweepableTopKeys();
    }
    if (is({"sysctl"}))
    {
        return &SysctlNames();
    }
    if (is({"topology"}))
    {
        return &TopologyKeys();
    }
    if (is({"topology", "nodes", "#"}))
    {
        return &NodeKeys();
    }
    if (is({"topology", "links", "#"}))
    {
        return &LinkKeys();
    }
    if (is({"server"}))
    {
        return &ServerKeys();
    }
    if (is({"server", "service_time"}))
    {
        const Json* server = Find(root, "server");
        const Json* st = server && server->is_object() ? Find(*server, "service_time") : nullptr;
        return st && st->is_object() ? DistributionKeys(stringAt(st, "distribution")) : nullptr;
    }
    if (is({"clients"}))
    {
        return &ClientsKeys();
    }
    if (is({"events", "#"}))
    {
        const ActionSpec* a = FindAction(stringAt(event(), "action"));
        return a ? &a->keys : nullptr;
    }
    if (is({"events", "#", "params"}))
    {
        const Json* ev = event();
        return stringAt(ev, "action") == "attach-program" ? ProgramParams(stringAt(ev, "program"))
                                                          : nullptr;
    }
    if (is({"output"}))
    {
        return &OutputKeys();
    }
    return nullptr;
}

/**
 * \param at the dotted-path components of an object
 * \param key one of its keys
 * \return whether the key is an optional object that a sweep may create to set a key in it
 */
bool
IsDefaultContainer(const std::vector<std::string>& at, const std::string& key)
{
    if (at.empty())
    {
        return key == "sysctl" || key == "output";
    }
    return at.size() == 2 && at[0] == "events" && key == "params";
}

} // namespace

bool
ResolvePath(const Json& root, const std::string& dotted, std::string& pointer)
{
    std::vector<std::string> parts = Split(dotted, '.');
    if (parts[0] == "sweep")
    {
        return false;
    }
    pointer.clear();
    const Json* cur = &root;
    bool missing = false;
    std::vector<std::string> at;
    for (size_t i = 0; i < parts.size(); ++i)
    {
        const std::string& part = parts[i];
        bool last = i + 1 == parts.size();
        if (part.empty())
        {
            return false;
        }
        if (missing || cur->is_object())
        {
            const Keys* allowed = AllowedKeys(root, at);
            if (!allowed || !Contains(*allowed, part))
            {
                return false;
            }
            const Json* next = missing ? nullptr : Find(*cur, part);
            if (next)
            {
                cur = next;
            }
            else if (!last && !IsDefaultContainer(at, part))
            {
                return false;
            }
            else
            {
                missing = true;
            }
        }
        else if (cur->is_array())
        {
            size_t index;
            if (!ParseIndex(part, index) || index >= cur->size())
            {
                return false;
            }
            cur = &(*cur)[index];
        }
        else
        {
            return false;
        }
        at.push_back(part);
        pointer += "/" + Escape(part);
    }
    return true;
}

namespace
{

/**
 * \param parts the components of a dotted path
 * \return whether it selects events by action ("events.reload...")
 */
bool
IsActionSelector(const std::vector<std::string>& parts)
{
    // "01" is a malformed index, not an action.
    return parts.size() >= 2 && parts[0] == "events" && !parts[1].empty() &&
           !std::isdigit(static_cast<unsigned char>(parts[1][0]));
}

/**
 * \param root a document
 * \param parts the components of a dotted path that selects events by action
 * \return the same path for each event of that action, with its index
 */
std::vector<std::string>
SelectedPaths(const Json& root, const std::vector<std::string>& parts)
{
    std::vector<std::string> paths;
    const Json* events = Find(root, "events");
    for (size_t i = 0; events && events->is_array() && i < events->size(); ++i)
    {
        const Json& ev = (*events)[i];
        const Json* action = ev.is_object() ? Find(ev, "action") : nullptr;
        if (action && *action == parts[1])
        {
            std::string path = "events." + std::to_string(i);
            for (size_t j = 2; j < parts.size(); ++j)
            {
                path += "." + parts[j];
            }
            paths.push_back(path);
        }
    }
    return paths;
}

} // namespace

std::string
ResolveTargets(const Json& root, const std::string& key, Keys& pointers)
{
    pointers.clear();
    if (key == "strategy" || key == "policy")
    {
        const Json* events = Find(root, "events");
        for (size_t i = 0; events && events->is_array() && i < events->size(); ++i)
        {
            const Json& ev = (*events)[i];
            const Json* action = ev.is_object() ? Find(ev, "action") : nullptr;
            if (action && (*action == "reload" || *action == "upgrade"))
            {
                pointers.push_back(Child(Child("/events", i), key));
            }
        }
        return pointers.empty() ? "no reload or upgrade event to apply it to" : "";
    }
    const std::string unknown = "unknown parameter (expected seed, strategy, policy or a dotted "
                                "path into the scenario such as clients.rate)";
    std::vector<std::string> parts = Split(key, '.');
    if (!IsActionSelector(parts))
    {
        std::string pointer;
        if (!ResolvePath(root, key, pointer))
        {
            return unknown;
        }
        pointers.push_back(pointer);
        return "";
    }
    if (!Contains(ActionNames(), parts[1]))
    {
        return "unknown parameter (expected an event index or an action (" +
               PlainList(ActionNames()) + ") after events)";
    }
    for (const std::string& path : SelectedPaths(root, parts))
    {
        std::string pointer;
        if (!ResolvePath(root, path, pointer))
        {
            return unknown;
        }
        pointers.push_back(pointer);
    }
    return pointers.empty() ? "no event with action \"" + parts[1] + "\" to apply it to" : "";
}

bool
SetPath(Json& root, const std::string& dotted, const Json& value)
{
    std::vector<std::string> parts = Split(dotted, '.');
    if (IsActionSelector(parts))
    {
        std::vector<std::string> paths = SelectedPaths(root, parts);
        bool set = !paths.empty();
        for (const std::string& path : paths)
        {
            set = SetPath(root, path, value) && set;
        }
        return set;
    }
    Json* cur = &root;
    for (const std::string& part : parts)
    {
        size_t index;
        if (cur->is_object())
        {
            if (!cur->contains(part))
            {
                (*cur)[part] = Json::object();
            }
            cur = &(*cur)[part];
        }
        else if (cur->is_array() && ParseIndex(part, index) && index < cur->size())
        {
            cur = &(*cur)[index];
        }
        else
        {
            return false;
        }
    }
    *cur = value;
    return true;
}

} // namespace scenario_detail

} // namespace ns3
