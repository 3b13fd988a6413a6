/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RESULT_FILES_H
#define RESULT_FILES_H

#include "scenario-runner.h"

#include <cstdint>
#include <string>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The result files of a scenario: each run writes its part under
 * `DIR/.runs/K/`; a merge combines the parts into `summary.csv`, `timeseries.csv`,
 * `migrations.dot` (and `connections.csv`, `pcap/`). Every file is written under a
 * temporary name and renamed when complete, so no half-written file is ever seen.
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
     * \param dir the scenario's result directory
     * \param run the run index
     * \param label a label for the run in migrations.dot
     * \param result the run's results
     */
    static void WritePart(const std::string& dir,
                          uint32_t run,
                          const std::string& label,
                          const RunResult& result);

    /**
     * \brief Combine the parts of runs [0, runs) into the result files and remove them.
     * \param dir the scenario's result directory
     * \param runs the number of runs
     * \param connections write connections.csv
     * \throw std::runtime_error if a part is missing
     */
    static void Merge(const std::string& dir, uint32_t runs, bool connections);

    /**
     * \param path the file
     * \param content its content, written to path.tmp and renamed
     */
    static void WriteAtomically(const std::string& path, const std::string& content);
};

} // namespace ns3

#endif /* RESULT_FILES_H */
