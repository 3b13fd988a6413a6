/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// What the scenario format allows: the keys of each object, the sysctls, the event actions,
// the built-in programs, the strategies, schedulers and TCP flags, and the integer ranges.

#ifndef SCENARIO_KEYS_H
#define SCENARIO_KEYS_H

#include "scenario-loader.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{

/// The scenario loader's internals, shared by its source files and not installed.
namespace scenario_detail
{

using Keys = std::vector<std::string>; //!< a list of key names

/// \return the top-level keys, in the order of doc/scenarios.md
const Keys& TopKeys();

/// \return the top-level keys a sweep may set: not the sweep itself, nor the name, which
/// names the results directory that all the runs of a file share
const Keys& SweepableTopKeys();

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
const std::vector<SysctlSpec>& Sysctls();

/// \return the sysctl names
const Keys& SysctlNames();

/// \return the keys of `topology`
const Keys& TopologyKeys();

/// \return the keys of a node
const Keys& NodeKeys();

/// \return the keys of a link
const Keys& LinkKeys();

/// \return the keys of `server`
const Keys& ServerKeys();

/// \return the keys of `clients`
const Keys& ClientsKeys();

/// \return the keys of `output`
const Keys& OutputKeys();

/// \return the service-time distributions
const Keys& Distributions();

/**
 * \param distribution a distribution name
 * \return the keys of its object, or null for an unknown distribution
 */
const Keys* DistributionKeys(const std::string& distribution);

/// \brief An event action: the keys it takes besides `at` and `action`.
struct ActionSpec
{
    std::string name; //!< action
    Keys keys;        //!< all its keys, `at` and `action` first, `every`, `count`, `until` last
    Keys required;    //!< the keys without a default, `at` first
};

/// \return the actions, in the order of doc/scenarios.md
const std::vector<ActionSpec>& Actions();

/// \return the action names
const Keys& ActionNames();

/**
 * \param action an action name
 * \return its spec, or null for an unknown action
 */
const ActionSpec* FindAction(const std::string& action);

/// \return the built-in program names
const Keys& ProgramNames();

/**
 * \param program a program name
 * \return the keys of its `params`, or null for an unknown program
 */
const Keys* ProgramParams(const std::string& program);

/// \return the keys of a program given as an eBPF object
const Keys& ProgramObjectKeys();

/// \return the keys of one map fill of an eBPF object
const Keys& MapFillKeys();

/**
 * \param first the names before the program names
 * \return those names, then the program names
 */
Keys WithPrograms(Keys first);

/// \return the reload strategies
const Keys& Strategies();

/// \return the ns-3 schedulers
const Keys& Schedulers();

/// \return the TCP flag names with their TcpHeader bits
const std::vector<std::pair<std::string, uint8_t>>& Flags();

/**
 * \param keys a list
 * \param key a name
 * \return whether the name is in the list
 */
bool Contains(const Keys& keys, const std::string& key);

/**
 * \param keys names
 * \return "a, b, c"
 */
std::string PlainList(const Keys& keys);

/**
 * \param options names
 * \return "\"a\", \"b\" or \"c\""
 */
std::string Alternatives(const Keys& options);

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

} // namespace scenario_detail

} // namespace ns3

#endif /* SCENARIO_KEYS_H */
