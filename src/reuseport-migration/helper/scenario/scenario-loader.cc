/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-loader.h"

#include "scenario-checker.h"
#include "scenario-json.h"
#include "scenario-sweep-paths.h"
#ifdef RPM_CHECK_PROGRAM_OBJECTS
#include "ns3/scenario-programs.h"
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace ns3
{

using scenario_detail::Checker;
using scenario_detail::Child;
using scenario_detail::Contains;
using scenario_detail::Find;
using scenario_detail::Json;
using scenario_detail::Keys;
using scenario_detail::ResolveTargets;
using scenario_detail::SetPath;

namespace
{

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
 * \brief Check and convert one document.
 * \param doc the document
 * \param file its file
 * \return the scenario
 */
Scenario
ParseDocument(const Json& doc, const std::string& file)
{
    Scenario s = Checker(file).Parse(doc);
#ifdef RPM_CHECK_PROGRAM_OBJECTS
    CheckProgramObjects(s);
#endif
    return s;
}

/// \brief One value a choice of a sweep sets.
struct SweepSet
{
    std::string key;   //!< "seed", "strategy", "clients.rate", "events.reload.workers"...
    const Json* value; //!< its value
    std::string at;    //!< where the value is written: /sweep/KEY/I or /sweep/zip/I/KEY
    Keys targets;      //!< JSON pointers of the values it sets
};

/// \brief What one run takes from one sweep dimension: a value, or a zip entry's values.
struct SweepChoice
{
    std::string at;             //!< /sweep/KEY/I or /sweep/zip/I
    std::vector<SweepSet> sets; //!< what it sets
};

/// \brief A sweep key: a parameter and its values, or the zip and its entries.
struct SweepDimension
{
    Keys labels;                     //!< the parameters it names in a run's params
    std::vector<SweepChoice> choice; //!< one per value or entry
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

/**
 * \param plain the document, without its sweep
 * \param sweep its sweep, checked
 * \return the dimensions, in key order
 */
std::vector<SweepDimension>
Dimensions(const Json& plain, const Json& sweep)
{
    auto set = [&plain](const std::string& key, const Json& value, const std::string& at) {
        SweepSet s{key, &value, at, {}};
        ResolveTargets(plain, key, s.targets);
        return s;
    };
    std::vector<SweepDimension> dims;
    for (const auto& item : sweep.items())
    {
        SweepDimension dim;
        const std::string p = Child("/sweep", item.key());
        const Json& values = item.value();
        for (size_t i = 0; i < values.size(); ++i)
        {
            SweepChoice c{Child(p, i), {}};
            if (item.key() != "zip")
            {
                c.sets.push_back(set(item.key(), values[i], c.at));
                dim.choice.push_back(c);
                continue;
            }
            for (const auto& entry : values[i].items())
            {
                c.sets.push_back(set(entry.key(), entry.value(), Child(c.at, entry.key())));
                if (!Contains(dim.labels, entry.key()))
                {
                    dim.labels.push_back(entry.key());
                }
            }
            dim.choice.push_back(c);
        }
        if (item.key() != "zip")
        {
            dim.labels.push_back(item.key());
        }
        dims.push_back(dim);
    }
    return dims;
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
    const std::vector<SweepDimension> dims = Dimensions(plain, *sweep);

    // Each value (or zip entry) alone first, so that a bad value is reported where it is
    // written.
    for (const auto& dim : dims)
    {
        for (const auto& c : dim.choice)
        {
            Json d = plain;
            for (const auto& set : c.sets)
            {
                ApplyParam(d, set.key, *set.value);
            }
            try
            {
                ParseDocument(d, file);
            }
            catch (const ScenarioError& e)
            {
                for (const auto& set : c.sets)
                {
                    for (const auto& t : set.targets)
                    {
                        if (e.GetPath() == t)
                        {
                            throw ScenarioError(file, set.at, e.GetMessage());
                        }
                        if (e.GetPath().compare(0, t.size() + 1, t + "/") == 0)
                        {
                            throw ScenarioError(file,
                                                set.at + e.GetPath().substr(t.size()),
                                                e.GetMessage());
                        }
                    }
                }
                throw ScenarioError(file,
                                    c.at,
                                    (e.GetPath().empty() ? "" : e.GetPath() + ": ") +
                                        e.GetMessage());
            }
        }
    }

    uint64_t total = 1;
    for (const auto& dim : dims)
    {
        total *= dim.choice.size();
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
        std::vector<size_t> pick(dims.size());
        uint64_t rest = k;
        for (size_t j = dims.size(); j-- > 0;)
        {
            pick[j] = rest % dims[j].choice.size();
            rest /= dims[j].choice.size();
        }
        Json d = plain;
        std::string label;
        bool applied = true;
        for (size_t j = 0; j < dims.size(); ++j)
        {
            const SweepChoice& c = dims[j].choice[pick[j]];
            for (const auto& set : c.sets)
            {
                applied = ApplyParam(d, set.key, *set.value) && applied;
            }
            // A zipped parameter that this entry leaves out keeps the file's value: "-".
            for (const auto& name : dims[j].labels)
            {
                auto it = std::find_if(c.sets.begin(), c.sets.end(), [&name](const SweepSet& x) {
                    return x.key == name;
                });
                run.params.emplace_back(name, it == c.sets.end() ? "-" : ValueText(*it->value));
                label += (label.empty() ? "" : ", ") + name + "=" + run.params.back().second;
            }
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
