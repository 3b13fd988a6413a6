/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RESULT_FILES_H
#define RESULT_FILES_H

#include "scenario-runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The result files of a scenario: each run writes its part under
 * `DIR/.runs/K/`; a merge combines the parts into `summary.csv`, `reloads.csv`,
 * `timeseries.csv`, `migrations.dot` (and `connections.csv`, `pcap/`). Every file is written under
 * a temporary name and renamed when complete, so no half-written file is ever seen.
 */
class ResultFiles
{
  public:
    /**
     * \param dir the scenario's result directory
     * \param run the run index
     * \return the directory of the run's part
     */
    static std::string PartDir(const std::string& dir, uint32_t run);

    /**
     * \brief Write one run's part (files first, the completion marker last).
     *
     * The marker, `done`, holds the label and the stamp: a part is complete only when it
     * exists, and it is the part of the same run of the same file only when its content
     * matches (what a resumed sweep checks before skipping the run).
     * \param dir the scenario's result directory
     * \param run the run index
     * \param label a label for the run in migrations.dot
     * \param result the run's results
     * \param stamp what else identifies the run (e.g. a digest of the scenario file)
     */
    static void WritePart(const std::string& dir,
                          uint32_t run,
                          const std::string& label,
                          const RunResult& result,
                          const std::string& stamp = "");

    /**
     * \brief Combine the parts of runs [0, runs) into the result files and remove them.
     * \param dir the scenario's result directory
     * \param runs the number of runs
     * \param connections write connections.csv
     * \throw std::runtime_error if a part is missing
     */
    static void Merge(const std::string& dir, uint32_t runs, bool connections);

    /**
     * \brief Combine the parts of some runs into the result files and remove every part.
     * \param dir the scenario's result directory
     * \param runs the runs, in the order of their rows
     * \param connections write connections.csv
     * \param note if not empty, written as `selection.txt` beside the result files (what
     *        the set holds when it is not the whole sweep)
     * \throw std::runtime_error if a part is missing, naming the runs that have one
     */
    static void Merge(const std::string& dir,
                      const std::vector<uint32_t>& runs,
                      bool connections,
                      const std::string& note = "");

    /**
     * \param dir the scenario's result directory
     * \return the runs whose part is complete, in order
     */
    static std::vector<uint32_t> CompleteParts(const std::string& dir);

    /**
     * \param path the file
     * \param content its content, written to path.tmp and renamed
     */
    static void WriteAtomically(const std::string& path, const std::string& content);
};

} // namespace ns3

#endif /* RESULT_FILES_H */
