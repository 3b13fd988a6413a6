/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef SCENARIO_RUNNER_H
#define SCENARIO_RUNNER_H

#include "scenario.h"

#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief What one run of a scenario produced, ready to be written.
 */
struct RunResult
{
    std::vector<std::string> header;               //!< summary.csv columns
    std::vector<std::string> row;                  //!< this run's values
    std::vector<std::string> reloadsHeader;        //!< reloads.csv columns
    std::vector<std::vector<std::string>> reloads; //!< reloads.csv rows, one per reload
    std::vector<std::string> timeseries;           //!< timeseries.csv lines (no header)
    std::vector<std::tuple<std::string, std::string, uint64_t>> edges; //!< migrations
    std::vector<std::string> connections; //!< connections.csv lines (no header)
    std::vector<std::string> pcaps;       //!< pcap files written
    bool conserved{true};                 //!< attempts = sum of the outcomes
    std::string violation;                //!< what did not add up
};

/**
 * \ingroup reuseport-migration
 * \brief Runs one run of a scenario: builds the network, the kernel model, the nginx-like
 * server, the clients and the timeline, runs the simulation, and collects the metrics.
 */
class ScenarioRunner
{
  public:
    /// Options of a run.
    struct Options
    {
        std::string pcapDir;                  //!< where pcaps go, if the scenario asks
        std::function<void(double)> progress; //!< called with the fraction done
    };

    /**
     * \param run the run
     * \param options options
     * \return the results; the simulator is destroyed afterwards
     */
    static RunResult Run(const ScenarioRun& run, const Options& options);

    /// \return the timeseries.csv header
    static std::string TimeseriesHeader();

    /// \return the connections.csv header
    static std::string ConnectionsHeader();
};

} // namespace ns3

#endif /* SCENARIO_RUNNER_H */
