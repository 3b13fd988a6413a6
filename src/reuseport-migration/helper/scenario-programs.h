/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef SCENARIO_PROGRAMS_H
#define SCENARIO_PROGRAMS_H

#include "scenario.h"

#include "ns3/ptr.h"

#include <string>
#include <vector>

namespace ns3
{

class BpfReuseportProgram;
class NginxMaster;
class ReuseportListener;

/**
 * \ingroup reuseport-migration
 * \brief Find the file of a program object named in a scenario.
 *
 * An absolute path is used as it is. A relative one is looked up beside the scenario file
 * first, then in the build directory, where programs/NAME.bpf.c is compiled into
 * programs/NAME.bpf.o: "programs/migrate-to-new.bpf.o" names a shipped program from any
 * scenario.
 *
 * \param scenarioFile the scenario file
 * \param object the path as written
 * \param tried receives the paths tried, "A or B"
 * \return the file found, or "" if there is none
 */
std::string ResolveProgramObject(const std::string& scenarioFile,
                                 const std::string& object,
                                 std::string* tried = nullptr);

/**
 * \ingroup reuseport-migration
 * \brief Open every program object a scenario names and check what it does with them: the
 * object loads, and each map filled or changed exists, has the type its fill needs, and
 * holds the literal keys and values. Sets each ProgramObjectSpec::resolved.
 * \param s the scenario
 * \throws ScenarioError with the JSON path of the offending value
 */
void CheckProgramObjects(Scenario& s);

/**
 * \ingroup reuseport-migration
 * \brief Fill a map of a loaded object, as user space would with bpf_map_update_elem.
 *
 * "from": the listening sockets with all the labels, ordered by their "worker" label, go to
 * slots 0, 1, ... of the sockarray. "entries": each key is set to its value.
 *
 * \param program the loaded program
 * \param fill what to write
 * \param listeners the server's listeners
 * \return "" or what failed
 */
std::string FillProgramMap(BpfReuseportProgram& program,
                           const MapFillSpec& fill,
                           const std::vector<Ptr<ReuseportListener>>& listeners);

/**
 * \ingroup reuseport-migration
 * \brief Delete keys from a map of a loaded object (bpf_map_delete_elem).
 * \param program the loaded program
 * \param change the map and its keys
 * \return "" or what failed
 */
std::string DeleteProgramMapKeys(BpfReuseportProgram& program, const MapFillSpec& change);

/**
 * \ingroup reuseport-migration
 * \brief Load an object and fill its maps from the listeners as they are now.
 * \param spec the program
 * \param file the scenario file
 * \param listeners the server's listeners
 * \param loaded receives the program
 * \return "" or what failed
 */
std::string LoadProgramObject(const ProgramObjectSpec& spec,
                              const std::string& file,
                              const std::vector<Ptr<ReuseportListener>>& listeners,
                              Ptr<BpfReuseportProgram>& loaded);

/**
 * \ingroup reuseport-migration
 * \brief The attach-program of an object: load it, fill its maps from the listeners as they
 * are now, attach it through the master.
 * \param spec the program
 * \param file the scenario file
 * \param master the server
 * \param listeners the server's listeners
 * \param attached receives the program once attached
 * \return "" or what failed
 */
std::string AttachProgramObject(const ProgramObjectSpec& spec,
                                const std::string& file,
                                Ptr<NginxMaster> master,
                                const std::vector<Ptr<ReuseportListener>>& listeners,
                                Ptr<BpfReuseportProgram>& attached);

} // namespace ns3

#endif /* SCENARIO_PROGRAMS_H */
