/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-loader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ns3
{

namespace
{

using Json = nlohmann::ordered_json;   //!< keeps the file's key order (sweep order, messages)
using Keys = std::vector<std::string>; //!< a list of key names

/// \return the top-level keys, in the order of doc/scenarios.md
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

/// \return the top-level keys a sweep may set: not the sweep itself, nor the name, which
/// names the results directory that all the runs of a file share
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

/// \brief A sysctl of the `sysctl` object and the `set-sysctl` event.
struct SysctlSpec
{
    std::string name;  //!< short name
    int64_t min;       //!< smallest value
    int64_t max;       //!< largest value
    bool bounded;      //!< max is part of the format (not only the type's limit)
    uint32_t defValue; //!< value when not given
};

/// \return the sysctls, in the order of doc/scenarios.md
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

/// \return the sysctl names
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

/// \return the keys of `topology`
const Keys&
TopologyKeys()
{
    static const Keys keys{"nodes", "links"};
    return keys;
}

/// \return the keys of a node
const Keys&
NodeKeys()
{
    static const Keys keys{"id", "count"};
    return keys;
}

/// \return the keys of a link
const Keys&
LinkKeys()
{
    static const Keys keys{"between", "rate", "delay", "loss", "queue"};
    return keys;
}

/// \return the keys of `server`
const Keys&
ServerKeys()
{
    static const Keys
        keys{"host", "port", "workers", "backlog", "service_time", "steering", "shutdown_timeout"};
    return keys;
}

/// \return the keys of `clients`
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

/// \return the keys of `output`
const Keys&
OutputKeys()
{
    static const Keys keys{"timeseries_interval", "connections", "pcap"};
    return keys;
}

/// \return the service-time distributions
const Keys&
Distributions()
{
    static const Keys keys{"exponential", "uniform", "constant"};
    return keys;
}

/**
 * \param distribution a distribution name
 * \return the keys of its object, or null for an unknown distribution
 */
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

/// \brief An event action: the keys it takes besides `at` and `action`.
struct ActionSpec
{
    std::string name; //!< action
    Keys keys;        //!< all its keys, `at` and `action` first
    Keys required;    //!< the keys without a default, `at` first
};

/// \return the actions, in the order of doc/scenarios.md
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
            {"drop-segments",
             {"host", "link", "until", "flags_set", "flags_clear", "port"},
             {"until"}},
        };
        for (auto& spec : a)
        {
            spec.keys.insert(spec.keys.begin(), {"at", "action"});
            spec.required.insert(spec.required.begin(), "at");
        }
        return a;
    }();
    return actions;
}

/// \return the action names
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

/**
 * \param action an action name
 * \return its spec, or null for an unknown action
 */
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

/// \return the built-in program names
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

/**
 * \param program a program name
 * \return the keys of its `params`, or null for an unknown program
 */
const Keys*
ProgramParams(const std::string& program)
{
    static const std::map<std::string, Keys> keys{
        {"prefer-newest-generation", {"label"}},
        {"exclude-labels", {"exclude", "drop_when_empty"}},
        {"round-robin", {}},
        {"least-loaded", {}},
        {"drop-all", {}},
    };
    auto it = keys.find(program);
    return it == keys.end() ? nullptr : &it->second;
}

/**
 * \param first the names before the program names
 * \return those names, then the program names
 */
Keys
WithPrograms(Keys first)
{
    first.insert(first.end(), ProgramNames().begin(), ProgramNames().end());
    return first;
}

/// \return the reload strategies
const Keys&
Strategies()
{
    static const Keys keys{"close", "drain-steer", "drain-count", "migrate", "handover"};
    return keys;
}

/// \return the ns-3 schedulers
const Keys&
Schedulers()
{
    static const Keys keys{"heap", "map", "calendar", "list", "priority-queue"};
    return keys;
}

/// \return the TCP flag names with their TcpHeader bits
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

/**
 * \param keys a list
 * \param key a name
 * \return whether the name is in the list
 */
bool
Contains(const Keys& keys, const std::string& key)
{
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

/**
 * \param keys names
 * \return "a, b, c"
 */
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

/**
 * \param options names
 * \return "\"a\", \"b\" or \"c\""
 */
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

/**
 * \param v a JSON value
 * \return its compact text, shortened to keep messages readable
 */
std::string
Dump(const Json& v)
{
    std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    const size_t maxLength = 80;
    if (text.size() > maxLength)
    {
        size_t cut = maxLength - 3;
        // never cut a UTF-8 sequence in two
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        {
            --cut;
        }
        text = text.substr(0, cut) + "...";
    }
    return text;
}

/**
 * \param token a key
 * \return the key escaped as an RFC 6901 reference token
 */
std::string
Escape(const std::string& token)
{
    std::string text;
    for (char c : token)
    {
        if (c == '~')
        {
            text += "~0";
        }
        else if (c == '/')
        {
            text += "~1";
        }
        else
        {
            text += c;
        }
    }
    return text;
}

/**
 * \param path a JSON pointer
 * \param key a key of the object there
 * \return the pointer of the key
 */
std::string
Child(const std::string& path, const std::string& key)
{
    return path + "/" + Escape(key);
}

/**
 * \param path a JSON pointer
 * \param index an index in the array there
 * \return the pointer of the element
 */
std::string
Child(const std::string& path, size_t index)
{
    return path + "/" + std::to_string(index);
}

/**
 * \param obj a JSON object
 * \param key a key
 * \return its value, or null if the key is absent
 */
const Json*
Find(const Json& obj, const std::string& key)
{
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

/**
 * \brief Read an integral JSON number. Integral floats count, as in JSON Schema; values
 * beyond int64 are clamped, which still fails every range check.
 * \param v the value
 * \param out the integer
 * \return false if the value is not an integral number
 */
bool
GetInteger(const Json& v, int64_t& out)
{
    const auto maxInt = std::numeric_limits<int64_t>::max();
    if (v.is_number_unsigned())
    {
        auto u = v.get<uint64_t>();
        out = u > static_cast<uint64_t>(maxInt) ? maxInt : static_cast<int64_t>(u);
        return true;
    }
    if (v.is_number_integer())
    {
        out = v.get<int64_t>();
        return true;
    }
    if (v.is_number_float())
    {
        double d = v.get<double>();
        if (!std::isfinite(d) || std::trunc(d) != d)
        {
            return false;
        }
        if (d >= 9.2e18)
        {
            out = maxInt;
        }
        else if (d <= -9.2e18)
        {
            out = std::numeric_limits<int64_t>::min();
        }
        else
        {
            out = static_cast<int64_t>(d);
        }
        return true;
    }
    return false;
}

/// \brief The integers a key accepts.
struct IntRange
{
    int64_t min;  //!< smallest
    int64_t max;  //!< largest
    bool bounded; //!< max is part of the format, not only the limit of the C++ type
};

const int64_t U32_MAX = std::numeric_limits<uint32_t>::max(); //!< largest uint32_t
const IntRange POSITIVE_U32{1, U32_MAX, false};               //!< integer >= 1
const IntRange NON_NEGATIVE_U32{0, U32_MAX, false};           //!< integer >= 0
const IntRange PORT{1, 65535, true};                          //!< TCP port
/// Workers of a generation: each has a socket, and a reuseport group holds at most
/// 32768 listening sockets.
const IntRange WORKERS{1, ScenarioLoader::MAX_GROUP_SOCKETS, true};

/// Outcome of ScaleDecimal().
enum class Scaled
{
    OK,        //!< in range
    TOO_LARGE, //!< above the limit
};

/**
 * \brief Multiply a decimal number by an integer unit exactly, rounding to the nearest
 * integer. Fraction digits past the 18th are ignored: even for hours they weigh less than
 * 1e-5 ns.
 * \param whole the digits before the point
 * \param fraction the digits after it (may be empty)
 * \param unit the multiplier
 * \param limit the largest result accepted
 * \param out the result
 * \return whether the result is within the limit
 */
Scaled
ScaleDecimal(const std::string& whole,
             const std::string& fraction,
             uint64_t unit,
             uint64_t limit,
             uint64_t& out)
{
    __extension__ typedef unsigned __int128 U128; // exact: 19 digits times 3.6e12 overflow 64 bits
    size_t first = whole.find_first_not_of('0');
    std::string digits = first == std::string::npos ? "" : whole.substr(first);
    if (digits.size() > 19)
    {
        return Scaled::TOO_LARGE;
    }
    U128 value = 0;
    for (char c : digits)
    {
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    value *= unit;
    U128 num = 0;
    U128 den = 1;
    for (size_t i = 0; i < fraction.size() && i < 18; ++i)
    {
        num = num * 10 + static_cast<unsigned>(fraction[i] - '0');
        den *= 10;
    }
    num *= unit;
    value += num / den + ((num % den) * 2 >= den ? 1 : 0);
    if (value > limit)
    {
        return Scaled::TOO_LARGE;
    }
    out = static_cast<uint64_t>(value);
    return Scaled::OK;
}

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

/**
 * \brief Resolve a dotted sweep path ("clients.rate", "events.0.workers") in a valid
 * document: every component must exist, or be a key the format defines at that place
 * (possibly inside an optional object such as `sysctl` that the file leaves out).
 * \param root the document
 * \param dotted the path
 * \param pointer set to the JSON pointer of the value
 * \return whether the path resolves
 */
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

/**
 * \brief Set the value at a dotted path resolved before, creating missing objects.
 * \param root the document
 * \param dotted the path
 * \param value the value
 * \return false if the path no longer exists (an earlier parameter changed the document)
 */
bool
SetPath(Json& root, const std::string& dotted, const Json& value)
{
    Json* cur = &root;
    for (const std::string& part : Split(dotted, '.'))
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

/**
 * \param v a sweep value
 * \return its text in ScenarioRun::params: strings without quotes, numbers without
 * trailing zeros
 */
std::string
ValueText(const Json& v)
{
    if (v.is_string())
    {
        return v.get<std::string>();
    }
    std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (v.is_number_float() && text.find_first_of("eE") == std::string::npos &&
        text.find('.') != std::string::npos)
    {
        text.erase(text.find_last_not_of('0') + 1);
        if (text.back() == '.')
        {
            text.pop_back();
        }
    }
    return text;
}

/**
 * \brief Read a scenario file: only a regular file, and at most MAX_FILE_BYTES of it, so
 * that a device or a FIFO named by mistake is refused instead of read forever.
 * \param file the file
 * \return its content
 */
std::string
ReadRegularFile(const std::string& file)
{
    auto fail = [&file](const std::string& why) {
        throw ScenarioError(file, "", "cannot read the file: " + why);
    };
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
    {
        fail(std::strerror(errno));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    {
        ::close(fd);
        fail("not a regular file");
    }
    const uint64_t limit = ScenarioLoader::MAX_FILE_BYTES;
    std::string text;
    char buffer[65536];
    while (true)
    {
        ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n < 0)
        {
            int error = errno;
            ::close(fd);
            fail(std::strerror(error));
        }
        if (n == 0)
        {
            break;
        }
        text.append(buffer, static_cast<size_t>(n));
        if (text.size() > limit)
        {
            ::close(fd);
            fail("larger than " + std::to_string(limit / (1024 * 1024)) +
                 " MiB (a scenario is a few KiB)");
        }
    }
    ::close(fd);
    return text;
}

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
     * \param v the params of an attach-program event
     * \param path their pointer
     * \param e the event, whose program is known
     */
    void ParseParams(const Json& v, const std::string& path, EventSpec& e) const;

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
     * Expand, run by run).
     * \param doc the document
     * \param s the scenario, parsed
     */
    void CheckSweep(const Json& doc, const Scenario& s) const;

    std::string m_file;                                    //!< file, for errors
    Time m_duration;                                       //!< the run's duration
    std::map<std::string, uint32_t> m_nodeCount;           //!< node id -> hosts
    Keys m_nodeIds;                                        //!< node ids, in file order
    std::set<std::pair<std::string, std::string>> m_links; //!< link ends, both orders
};

Scenario
Checker::Parse(const Json& doc)
{
    Scenario s;
    s.file = m_file;
    CheckObject(doc, "", TopKeys());
    CheckRequired(doc, "", {"name", "duration", "topology", "server", "clients"});

    static const std::regex nameRe("[a-z0-9][a-z0-9_-]*");
    s.name = Matching(doc.at("name"), "/name", nameRe, "a name matching [a-z0-9][a-z0-9_-]*");
    if (s.name.size() > ScenarioLoader::MAX_NAME_LENGTH)
    {
        // It names a directory, and file names have a length limit.
        Expect("/name",
               "a name of at most " + std::to_string(ScenarioLoader::MAX_NAME_LENGTH) +
                   " characters",
               doc.at("name"));
    }
    if (const Json* v = Find(doc, "description"))
    {
        s.description = String(*v, "/description", "a string");
    }
    if (const Json* v = Find(doc, "seed"))
    {
        s.seed = static_cast<uint32_t>(Integer(*v, "/seed", POSITIVE_U32));
    }
    s.duration = Duration(doc.at("duration"), "/duration", true);
    m_duration = s.duration;
    if (const Json* v = Find(doc, "scheduler"))
    {
        s.scheduler = Enum(*v, "/scheduler", Schedulers());
    }
    ParseSysctl(doc, s);
    ParseTopology(doc, s);
    ParseServer(doc, s);
    ParseClients(doc, s);
    ParseEvents(doc, s);
    ParseOutput(doc, s);
    if (const Json* v = Find(doc, "max_wall"))
    {
        s.maxWall = Duration(*v, "/max_wall", true);
    }
    CheckScale(doc, s);
    CheckSweep(doc, s);
    return s;
}

void
Checker::ParseSysctl(const Json& doc, Scenario& s) const
{
    for (const auto& spec : Sysctls())
    {
        s.sysctl[spec.name] = spec.defValue;
    }
    const Json* v = Find(doc, "sysctl");
    if (!v)
    {
        return;
    }
    CheckObject(*v, "/sysctl", SysctlNames());
    for (const auto& spec : Sysctls())
    {
        if (const Json* x = Find(*v, spec.name))
        {
            s.sysctl[spec.name] = static_cast<uint32_t>(
                Integer(*x, Child("/sysctl", spec.name), {spec.min, spec.max, spec.bounded}));
        }
    }
}

void
Checker::ParseTopology(const Json& doc, Scenario& s)
{
    const std::string path = "/topology";
    const Json& t = doc.at("topology");
    CheckObject(t, path, TopologyKeys());
    CheckRequired(t, path, TopologyKeys());
    s.topology.path = path;

    static const std::regex idRe("[A-Za-z0-9_-]+");
    const Json& nodes = t.at("nodes");
    if (!nodes.is_array())
    {
        Expect(path + "/nodes", "an array of nodes", nodes);
    }
    std::map<std::string, std::string> firstPath;
    for (size_t i = 0; i < nodes.size(); ++i)
    {
        const std::string p = Child(path + "/nodes", i);
        const Json& n = nodes[i];
        CheckObject(n, p, NodeKeys());
        CheckRequired(n, p, {"id"});
        NodeSpec node;
        node.path = p;
        node.id = Matching(n.at("id"), p + "/id", idRe, "a node id matching [A-Za-z0-9_-]+");
        if (firstPath.count(node.id))
        {
            Fail(p + "/id",
                 "expected a unique node id, got " + Dump(n.at("id")) + " (already used by " +
                     firstPath[node.id] + ")");
        }
        firstPath[node.id] = p;
        if (const Json* c = Find(n, "count"))
        {
            node.count = static_cast<uint32_t>(Integer(*c, p + "/count", POSITIVE_U32));
        }
        m_nodeCount[node.id] = node.count;
        m_nodeIds.push_back(node.id);
        s.topology.nodes.push_back(node);
    }

    const Json& links = t.at("links");
    if (!links.is_array())
    {
        Expect(path + "/links", "an array of links", links);
    }
    for (size_t i = 0; i < links.size(); ++i)
    {
        const std::string p = Child(path + "/links", i);
        const Json& l = links[i];
        CheckObject(l, p, LinkKeys());
        CheckRequired(l, p, {"between", "rate", "delay"});
        LinkSpec link;
        link.path = p;
        const Json& between = l.at("between");
        std::tie(link.a, link.b) = NodePair(between, p + "/between");
        if (link.a == link.b)
        {
            Expect(p + "/between", "two distinct node ids", between);
        }
        if (m_nodeCount.at(link.a) > 1 && m_nodeCount.at(link.b) > 1)
        {
            Expect(p + "/between", "at most one group (a node with count > 1)", between);
        }
        link.rate = Rate(l.at("rate"), p + "/rate");
        link.delay = Duration(l.at("delay"), p + "/delay", true);
        if (const Json* v = Find(l, "loss"))
        {
            if (!v->is_number() || !(v->get<double>() >= 0 && v->get<double>() < 1))
            {
                Expect(p + "/loss", "a probability in [0, 1)", *v);
            }
            link.loss = v->get<double>();
        }
        if (const Json* v = Find(l, "queue"))
        {
            link.queue = static_cast<uint32_t>(Integer(*v, p + "/queue", POSITIVE_U32));
        }
        m_links.insert({link.a, link.b});
        m_links.insert({link.b, link.a});
        s.topology.links.push_back(link);
    }
}

void
Checker::ParseServer(const Json& doc, Scenario& s) const
{
    const std::string path = "/server";
    const Json& v = doc.at("server");
    CheckObject(v, path, ServerKeys());
    CheckRequired(v, path, {"host"});
    ServerSpec& server = s.server;
    server.host = NodeRef(v.at("host"), path + "/host");
    if (uint32_t count = m_nodeCount.at(server.host); count != 1)
    {
        Fail(path + "/host",
             "expected a node with count 1, got " + Dump(v.at("host")) + " (count " +
                 std::to_string(count) + ")");
    }
    if (const Json* x = Find(v, "port"))
    {
        server.port = static_cast<uint16_t>(Integer(*x, path + "/port", PORT));
    }
    if (const Json* x = Find(v, "workers"))
    {
        server.workers = static_cast<uint32_t>(Integer(*x, path + "/workers", WORKERS));
    }
    if (const Json* x = Find(v, "backlog"))
    {
        server.backlog = static_cast<int>(
            Integer(*x, path + "/backlog", {0, std::numeric_limits<int>::max(), false}));
    }
    if (const Json* x = Find(v, "service_time"))
    {
        server.serviceTime = ParseServiceTime(*x, path + "/service_time");
    }
    if (const Json* x = Find(v, "steering"))
    {
        server.steering = Enum(*x, path + "/steering", WithPrograms({"hash"}));
    }
    if (const Json* x = Find(v, "shutdown_timeout"))
    {
        server.shutdownTimeout = Duration(*x, path + "/shutdown_timeout", false);
    }
}

DurationDistribution
Checker::ParseServiceTime(const Json& v, const std::string& path) const
{
    DurationDistribution d;
    if (v.is_string())
    {
        d.kind = DurationDistribution::CONSTANT;
        d.value = Duration(v, path, false);
        return d;
    }
    if (!v.is_object())
    {
        Expect(path, R"(a duration such as "3s" or "150ms", or a distribution object)", v);
    }
    CheckRequired(v, path, {"distribution"});
    std::string name = Enum(v.at("distribution"), path + "/distribution", Distributions());
    const Keys& keys = *DistributionKeys(name);
    CheckObject(v, path, keys);
    CheckRequired(v, path, keys);
    if (name == "constant")
    {
        d.kind = DurationDistribution::CONSTANT;
        d.value = Duration(v.at("value"), path + "/value", false);
    }
    else if (name == "exponential")
    {
        d.kind = DurationDistribution::EXPONENTIAL;
        d.mean = Duration(v.at("mean"), path + "/mean", true);
    }
    else
    {
        d.kind = DurationDistribution::UNIFORM;
        d.min = Duration(v.at("min"), path + "/min", false);
        d.max = Duration(v.at("max"), path + "/max", false);
        if (d.max < d.min)
        {
            Expect(path + "/max", "a duration >= min (" + Dump(v.at("min")) + ")", v.at("max"));
        }
    }
    return d;
}

void
Checker::ParseClients(const Json& doc, Scenario& s) const
{
    const std::string path = "/clients";
    const Json& v = doc.at("clients");
    CheckObject(v, path, ClientsKeys());
    CheckRequired(v, path, {"hosts", "rate"});
    ClientsSpec& c = s.clients;
    c.hosts = NodeRef(v.at("hosts"), path + "/hosts");
    if (c.hosts == s.server.host)
    {
        Expect(path + "/hosts", "a node other than the server host", v.at("hosts"));
    }
    c.rate = Positive(v.at("rate"), path + "/rate");
    if (c.rate < ScenarioLoader::MIN_RATE || c.rate > ScenarioLoader::MAX_RATE)
    {
        // Below, arrivals are further apart than ns-3's time can count per host; above,
        // they would fall on the same nanosecond.
        std::ostringstream os;
        os << "a rate between " << ScenarioLoader::MIN_RATE << " and " << ScenarioLoader::MAX_RATE
           << " connections per second";
        Expect(path + "/rate", os.str(), v.at("rate"));
    }
    if (const Json* x = Find(v, "arrival"))
    {
        c.arrival = Enum(*x, path + "/arrival", {"poisson", "constant"});
    }
    if (const Json* x = Find(v, "request_bytes"))
    {
        c.requestBytes = static_cast<uint32_t>(Integer(*x, path + "/request_bytes", POSITIVE_U32));
    }
    if (const Json* x = Find(v, "response_bytes"))
    {
        c.responseBytes =
            static_cast<uint32_t>(Integer(*x, path + "/response_bytes", POSITIVE_U32));
    }
    if (const Json* x = Find(v, "timeout"))
    {
        c.timeout = Duration(*x, path + "/timeout", false);
    }
    if (const Json* x = Find(v, "start"))
    {
        c.start = Duration(*x, path + "/start", false);
    }
    const Json& duration = doc.at("duration");
    const Json* stop = Find(v, "stop");
    c.stop = s.duration;
    if (stop)
    {
        c.stop = Duration(*stop, path + "/stop", false);
        if (c.stop > s.duration)
        {
            Expect(path + "/stop", "a time within the run (<= " + Dump(duration) + ")", *stop);
        }
    }
    if (c.start >= c.stop)
    {
        if (const Json* start = Find(v, "start"))
        {
            Expect(path + "/start",
                   stop ? "a time before stop (" + Dump(*stop) + ")"
                        : "a time before the end of the run (" + Dump(duration) + ")",
                   *start);
        }
        Expect(path + "/stop", "a time after start (0s when not given)", *stop);
    }
}

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
        s.events.push_back(ParseEvent(doc, (*v)[i], Child("/events", i)));
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
    auto by = [](const Slot& slot) {
        return slot.changedBy.empty() ? std::string() : " by " + slot.changedBy;
    };
    for (const auto& e : s.events)
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
        e.policy = Enum(*x, p, WithPrograms({"hash", "last-slot"}));
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
        e.program = Enum(*x, p, ProgramNames());
    }
    if (auto [x, p] = get("attach"); x)
    {
        e.attach = Enum(*x, p, {"select", "select-or-migrate"});
    }
    if (auto [x, p] = get("params"); x)
    {
        ParseParams(*x, p, e);
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
    if (auto [x, p] = get("until"); x)
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
    const Keys& keys = *ProgramParams(e.program);
    if (keys.empty() && !v.empty())
    {
        Fail(Child(path, v.items().begin().key()),
             "unknown key (program \"" + e.program + "\" takes no parameters)");
    }
    CheckObject(v, path, keys);
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
}

void
Checker::ParseOutput(const Json& doc, Scenario& s) const
{
    const std::string path = "/output";
    const Json* v = Find(doc, "output");
    if (!v)
    {
        return;
    }
    CheckObject(*v, path, OutputKeys());
    if (const Json* x = Find(*v, "timeseries_interval"))
    {
        s.output.timeseriesInterval = Duration(*x, path + "/timeseries_interval", true);
    }
    if (const Json* x = Find(*v, "connections"))
    {
        s.output.connections = Bool(*x, path + "/connections");
    }
    if (const Json* x = Find(*v, "pcap"))
    {
        s.output.pcap = Bool(*x, path + "/pcap");
    }
}

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
    if (s.events.size() > ScenarioLoader::WARN_EVENTS)
    {
        s.warnings.push_back("/events: " + std::to_string(s.events.size()) + " events");
    }
}

void
Checker::CheckSweep(const Json& doc, const Scenario& s) const
{
    const Json* v = Find(doc, "sweep");
    if (!v)
    {
        return;
    }
    if (!v->is_object())
    {
        Expect("/sweep", "an object of parameters and their values", *v);
    }
    bool restarts = std::any_of(s.events.begin(), s.events.end(), [](const EventSpec& e) {
        return e.action == "reload" || e.action == "upgrade";
    });
    for (const auto& item : v->items())
    {
        const std::string p = Child("/sweep", item.key());
        std::string pointer;
        if (item.key() == "strategy" || item.key() == "policy")
        {
            if (!restarts)
            {
                Fail(p, "no reload or upgrade event to apply it to");
            }
        }
        else if (!ResolvePath(doc, item.key(), pointer))
        {
            Fail(p,
                 "unknown parameter (expected seed, strategy, policy or a dotted path into "
                 "the scenario such as clients.rate)");
        }
        if (!item.value().is_array() || item.value().empty())
        {
            Expect(p, "a non-empty array of values", item.value());
        }
    }
}

/**
 * \brief Check and convert one document.
 * \param doc the document
 * \param file its file
 * \return the scenario
 */
Scenario
ParseDocument(const Json& doc, const std::string& file)
{
    return Checker(file).Parse(doc);
}

/// \brief A sweep parameter.
struct SweepParam
{
    std::string key;    //!< "seed", "strategy", "clients.rate"...
    const Json* values; //!< its values
    Keys targets;       //!< JSON pointers of the values it sets
};

/**
 * \brief Set a sweep parameter in a document.
 * \param doc the document, without its sweep
 * \param key the parameter
 * \param value its value
 * \return false if the parameter's path does not exist in this document
 */
bool
ApplyParam(Json& doc, const std::string& key, const Json& value)
{
    if (key == "strategy" || key == "policy")
    {
        auto events = doc.find("events");
        if (events == doc.end() || !events->is_array())
        {
            return false;
        }
        for (auto& ev : *events)
        {
            const Json* action = ev.is_object() ? Find(ev, "action") : nullptr;
            if (action && (*action == "reload" || *action == "upgrade"))
            {
                ev[key] = value;
            }
        }
        return true;
    }
    return SetPath(doc, key, value);
}

} // namespace

Scenario
ScenarioLoader::Parse(const nlohmann::json& doc, const std::string& file)
{
    return ParseDocument(Json(doc), file);
}

Scenario
ScenarioLoader::Parse(const nlohmann::ordered_json& doc, const std::string& file)
{
    return ParseDocument(doc, file);
}

nlohmann::ordered_json
ScenarioLoader::ReadDocument(const std::string& file)
{
    std::string text = ReadRegularFile(file);

    // JSON parsers keep one value of a key given twice; a scenario must not hide a value.
    struct Frame
    {
        bool object;                //!< object or array
        std::set<std::string> keys; //!< keys seen
        std::string key;            //!< current key
        size_t index{0};            //!< current element
    };

    std::vector<Frame> frames;
    std::string duplicate;
    bool found = false;
    auto elementDone = [&frames]() {
        if (!frames.empty() && !frames.back().object)
        {
            ++frames.back().index;
        }
    };
    auto here = [&frames]() {
        std::string path;
        for (const auto& fr : frames)
        {
            path += fr.object ? (fr.key.empty() ? "" : Child("", fr.key)) : Child("", fr.index);
        }
        return path;
    };
    Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
        switch (event)
        {
        case Json::parse_event_t::object_start:
        case Json::parse_event_t::array_start:
            // Deeper values would exhaust the stack of whatever walks them later.
            if (depth >= static_cast<int>(ScenarioLoader::MAX_DEPTH))
            {
                throw ScenarioError(file,
                                    here(),
                                    "expected values nested at most " +
                                        std::to_string(ScenarioLoader::MAX_DEPTH) + " levels deep");
            }
            frames.push_back({event == Json::parse_event_t::object_start, {}, "", 0});
            break;
        case Json::parse_event_t::key:
            frames.back().key = parsed.get<std::string>();
            if (!frames.back().keys.insert(frames.back().key).second && !found)
            {
                found = true;
                for (const auto& fr : frames)
                {
                    duplicate += fr.object ? Child("", fr.key) : Child("", fr.index);
                }
            }
            break;
        case Json::parse_event_t::object_end:
        case Json::parse_event_t::array_end:
            frames.pop_back();
            elementDone();
            break;
        case Json::parse_event_t::value:
            elementDone();
            break;
        }
        return true;
    };

    Json doc;
    try
    {
        doc = Json::parse(text, callback);
    }
    catch (const Json::parse_error& e)
    {
        // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
        std::string what = e.what();
        const std::string marker = "parse error";
        size_t pos = what.find(marker);
        std::string detail =
            pos == std::string::npos ? ": " + what : what.substr(pos + marker.size());
        throw ScenarioError(file, "", "invalid JSON" + detail);
    }
    catch (const Json::exception& e)
    {
        // e.g. "[json.exception.out_of_range.406] number overflow parsing '1e400'"
        std::string what = e.what();
        size_t pos = what.find("] ");
        throw ScenarioError(file,
                            here(),
                            "invalid JSON: " +
                                (pos == std::string::npos ? what : what.substr(pos + 2)));
    }
    if (found)
    {
        throw ScenarioError(file, duplicate, "duplicate key");
    }
    return doc;
}

Time
ScenarioLoader::ParseDuration(const std::string& text)
{
    try
    {
        return Checker("").PositiveDuration(text);
    }
    catch (const ScenarioError& e)
    {
        throw std::invalid_argument(e.GetMessage());
    }
}

Scenario
ScenarioLoader::Load(const std::string& file)
{
    return ParseDocument(ReadDocument(file), file);
}

std::vector<ScenarioRun>
ScenarioLoader::Expand(const std::string& file)
{
    return Expand(ReadDocument(file), file);
}

std::vector<ScenarioRun>
ScenarioLoader::Expand(const nlohmann::ordered_json& doc, const std::string& file)
{
    Scenario base = ParseDocument(doc, file);
    const Json* sweep = Find(doc, "sweep");
    if (!sweep || sweep->empty())
    {
        ScenarioRun run;
        run.scenario = base;
        return {run};
    }
    Json plain = doc;
    plain.erase("sweep");

    std::vector<SweepParam> params;
    for (const auto& item : sweep->items())
    {
        SweepParam param{item.key(), &item.value(), {}};
        if (param.key == "strategy" || param.key == "policy")
        {
            const Json& events = plain.at("events");
            for (size_t i = 0; i < events.size(); ++i)
            {
                const std::string action = events[i].at("action").get<std::string>();
                if (action == "reload" || action == "upgrade")
                {
                    param.targets.push_back(Child(Child("/events", i), param.key));
                }
            }
        }
        else
        {
            std::string pointer;
            ResolvePath(plain, param.key, pointer);
            param.targets.push_back(pointer);
        }
        params.push_back(param);
    }

    // Each value alone first, so that a bad value is reported where it is written.
    for (const auto& param : params)
    {
        for (size_t i = 0; i < param.values->size(); ++i)
        {
            const std::string at = Child(Child("/sweep", param.key), i);
            Json d = plain;
            ApplyParam(d, param.key, (*param.values)[i]);
            try
            {
                ParseDocument(d, file);
            }
            catch (const ScenarioError& e)
            {
                for (const auto& t : param.targets)
                {
                    if (e.GetPath() == t)
                    {
                        throw ScenarioError(file, at, e.GetMessage());
                    }
                    if (e.GetPath().compare(0, t.size() + 1, t + "/") == 0)
                    {
                        throw ScenarioError(file,
                                            at + e.GetPath().substr(t.size()),
                                            e.GetMessage());
                    }
                }
                throw ScenarioError(file,
                                    at,
                                    (e.GetPath().empty() ? "" : e.GetPath() + ": ") +
                                        e.GetMessage());
            }
        }
    }

    uint64_t total = 1;
    for (const auto& param : params)
    {
        total *= param.values->size();
        if (total > MAX_RUNS)
        {
            throw ScenarioError(file,
                                "/sweep",
                                "expected at most " + std::to_string(MAX_RUNS) +
                                    " runs (the product of the numbers of values)");
        }
    }

    std::vector<ScenarioRun> runs;
    for (uint64_t k = 0; k < total; ++k)
    {
        ScenarioRun run;
        run.index = static_cast<uint32_t>(k);
        std::vector<size_t> pick(params.size());
        uint64_t rest = k;
        for (size_t j = params.size(); j-- > 0;)
        {
            pick[j] = rest % params[j].values->size();
            rest /= params[j].values->size();
        }
        Json d = plain;
        std::string label;
        bool applied = true;
        for (size_t j = 0; j < params.size(); ++j)
        {
            const Json& value = (*params[j].values)[pick[j]];
            applied = ApplyParam(d, params[j].key, value) && applied;
            run.params.emplace_back(params[j].key, ValueText(value));
            label += (j ? ", " : "") + params[j].key + "=" + run.params.back().second;
        }
        const std::string prefix = "run " + std::to_string(k) + " (" + label + "): ";
        if (!applied)
        {
            throw ScenarioError(file, "/sweep", prefix + "a parameter's path no longer exists");
        }
        try
        {
            run.scenario = ParseDocument(d, file);
        }
        catch (const ScenarioError& e)
        {
            throw ScenarioError(file,
                                "/sweep",
                                prefix + (e.GetPath().empty() ? "" : e.GetPath() + ": ") +
                                    e.GetMessage());
        }
        runs.push_back(run);
    }
    return runs;
}

} // namespace ns3
