/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef SCENARIO_LOADER_H
#define SCENARIO_LOADER_H

#include "ns3/nstime.h"
#include "ns3/scenario.h"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief Reads scenario files (doc/scenarios.md) into checked Scenario structures.
 *
 * Every check of the format is made here, before anything runs: unknown keys, types,
 * ranges, names, references between nodes, events and sweep parameters. A failed check
 * throws a ScenarioError naming the file, the JSON pointer of the offending value and what
 * was expected. Facts that need the whole graph (connectivity) are checked where the
 * network is built.
 */
class ScenarioLoader
{
  public:
    /**
     * \brief Check and convert one document. Keys are taken in the order nlohmann::json
     * keeps them (alphabetical), which matters only for the order of sweep parameters.
     * \param doc the document
     * \param file the file it came from, for errors
     * \return the scenario (its sweep, if any, is checked but not applied)
     */
    static Scenario Parse(const nlohmann::json& doc, const std::string& file);

    /**
     * \brief Check and convert one document, keeping its key order.
     * \param doc the document
     * \param file the file it came from, for errors
     * \return the scenario (its sweep, if any, is checked but not applied)
     */
    static Scenario Parse(const nlohmann::ordered_json& doc, const std::string& file);

    /**
     * \brief Read a file and Parse() it. An unreadable file, invalid JSON and a key given
     * twice in one object are ScenarioErrors too.
     * \param file the scenario file
     * \return the scenario (its sweep, if any, is checked but not applied)
     */
    static Scenario Load(const std::string& file);

    /**
     * \brief Read a file and expand its sweep into runs.
     * \param file the scenario file
     * \return the runs: the cartesian product of the sweep values in key order (the first
     * key varies slowest), each checked like the file itself; one run without parameters
     * when there is no sweep
     */
    static std::vector<ScenarioRun> Expand(const std::string& file);

    /**
     * \brief Expand the sweep of a document already read.
     * \param doc the document
     * \param file the file it came from, for errors
     * \return the runs, as Expand(file)
     */
    static std::vector<ScenarioRun> Expand(const nlohmann::ordered_json& doc,
                                           const std::string& file);

    /**
     * \brief Read a scenario file as JSON, without checking it as a scenario.
     * \param file the scenario file
     * \return the document, keys in file order
     */
    static nlohmann::ordered_json ReadDocument(const std::string& file);

    /**
     * \brief Read a duration written as in scenario files.
     * \param text e.g. "10min", "1.5s"
     * \return the duration (> 0)
     * \throws std::invalid_argument with what was expected
     */
    static Time ParseDuration(const std::string& text);

    /// The largest number of runs a sweep may expand to.
    static constexpr uint64_t MAX_RUNS = 100000;
    /// The largest scenario file read.
    static constexpr uint64_t MAX_FILE_BYTES = 16 * 1024 * 1024;
    /// The deepest nesting of arrays and objects accepted.
    static constexpr uint32_t MAX_DEPTH = 64;
    /// The longest name: it names a directory.
    static constexpr uint32_t MAX_NAME_LENGTH = 100;
    /// The most sockets a reuseport group can hold listening at once (socks[] capacity).
    static constexpr uint32_t MAX_GROUP_SOCKETS = 32768;
    /// The slowest client rate (connections per second, all hosts together).
    static constexpr double MIN_RATE = 0.001;
    /// The fastest client rate.
    static constexpr double MAX_RATE = 1e7;
    /// The most timeseries samples per run, and the count above which a run is warned of.
    static constexpr double MAX_SAMPLES = 1e6;
    static constexpr double WARN_SAMPLES = 1e5; //!< warn above this many samples
    /// The most connections per run (each is recorded until the run ends).
    static constexpr double MAX_ATTEMPTS = 5e7;
    static constexpr double WARN_ATTEMPTS = 2e6; //!< warn above this many connections
    static constexpr size_t WARN_EVENTS = 10000; //!< warn above this many events
    /// The most events once repeated events are expanded (every with count or until).
    static constexpr size_t MAX_EVENTS = 100000;
};

} // namespace ns3

#endif /* SCENARIO_LOADER_H */
