/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The dotted paths of sweep parameters ("clients.rate", "events.0.workers"): resolving them
// against the format and setting the values they name.

#ifndef SCENARIO_SWEEP_PATHS_H
#define SCENARIO_SWEEP_PATHS_H

#include "scenario-json.h"

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
 * \brief Set the value at a dotted path resolved before, creating missing objects.
 * \param root the document
 * \param dotted the path
 * \param value the value
 * \return false if the path no longer exists (an earlier parameter changed the document)
 */
bool SetPath(Json& root, const std::string& dotted, const Json& value);

} // namespace scenario_detail

} // namespace ns3

#endif /* SCENARIO_SWEEP_PATHS_H */
