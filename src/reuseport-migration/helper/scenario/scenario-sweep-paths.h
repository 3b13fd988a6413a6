/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The dotted paths of sweep parameters ("clients.rate", "events.0.workers"): resolving them
// against the format and setting the values they name.

#ifndef SCENARIO_SWEEP_PATHS_H
#define SCENARIO_SWEEP_PATHS_H

#include "scenario-json.h"
#include "scenario-keys.h"

#include <string>

namespace ns3
{

namespace scenario_detail
{

/**
 * \brief Resolve a dotted sweep path ("clients.rate", "events.0.workers") in a valid
 * document: every component must exist, or be a key the format defines at that place
 * (possibly inside an optional object such as `sysctl` that the file leaves out).
 * \param root the document
 * \param dotted the path
 * \param pointer set to the JSON pointer of the value
 * \return whether the path resolves
 */
bool ResolvePath(const Json& root, const std::string& dotted, std::string& pointer);

/**
 * \brief Resolve a sweep parameter to the values it sets: `seed`; `strategy` and `policy`
 * (every reload and upgrade event); a dotted path; or a dotted path whose second component
 * names an action instead of an index ("events.reload.strategy": every reload event).
 * \param root the document, without its sweep
 * \param key the parameter
 * \param pointers set to the JSON pointers of the values it sets
 * \return "" if it resolves, else why not (a message for the parameter's sweep path)
 */
std::string ResolveTargets(const Json& root, const std::string& key, Keys& pointers);

/**
 * \brief Set the value at a dotted path resolved before, creating missing objects; an
 * action in place of an event index sets the value in every event of that action.
 * \param root the document
 * \param dotted the path
 * \param value the value
 * \return false if the path no longer exists (an earlier parameter changed the document)
 */
bool SetPath(Json& root, const std::string& dotted, const Json& value);

} // namespace scenario_detail

} // namespace ns3

#endif /* SCENARIO_SWEEP_PATHS_H */
