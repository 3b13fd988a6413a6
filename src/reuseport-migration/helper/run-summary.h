/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RUN_SUMMARY_H
#define RUN_SUMMARY_H

#include "scenario-runner.h"

#include "ns3/kernel-events.h"
#include "ns3/nginx-master.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \brief printf into a std::string, for one field of a result file (at most 63 characters).
 * \param fmt the format
 * \param args its arguments
 * \return the formatted text
 */
template <typename... Args>
std::string
FormatField(const char* fmt, Args... args)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), fmt, args...);
    return buf;
}

/**
 * \ingroup reuseport-migration
 * \brief What a run measured, as the runner collected it; RunSummary turns it into the
 * rows of summary.csv and reloads.csv.
 */
struct RunMeasures
{
    uint64_t attempts{0};   //!< connections attempted
    uint64_t completed{0};  //!< outcome completed
    uint64_t reset{0};      //!< outcome reset (connections, not segments)
    uint64_t refused{0};    //!< outcome refused
    uint64_t timeout{0};    //!< outcome timeout
    uint64_t unfinished{0}; //!< still open at the end
    /// RST segments the server sent, by cause
    std::array<uint64_t, static_cast<size_t>(RstCause::CAUSE_COUNT)> rsts{};
    uint64_t migrateSuccess{0};       //!< TcpMigrateReqSuccess: hops
    uint64_t migrateFailure{0};       //!< TcpMigrateReqFailure
    uint64_t migratedClose{0};        //!< successful hops at close
    uint64_t migratedSynackTimer{0};  //!< successful hops at the SYN-ACK timer
    uint64_t migratedFinalAck{0};     //!< successful hops at the final ACK
    uint64_t migratedConnections{0};  //!< client connections migrated at least once
    uint64_t saved{0};                //!< of those, completed
    uint64_t listenOverflows{0};      //!< ListenOverflows
    uint64_t listenDrops{0};          //!< ListenDrops
    uint64_t syncookiesSent{0};       //!< SyncookiesSent
    std::vector<double> connectMs;    //!< SYN to established, per connection, sorted
    std::vector<double> responseMs;   //!< start to last byte, completed connections, sorted
    std::vector<double> acceptWaitMs; //!< queued to accepted, per child, sorted
    std::vector<NginxMaster::Restart> restarts; //!< the master's reloads, in order
};

/**
 * \ingroup reuseport-migration
 * \brief The columns of summary.csv (one row per run) and reloads.csv (one row per
 * reload of a run); src/reuseport-migration/doc/scenarios.md documents each.
 */
class RunSummary
{
  public:
    /**
     * \param cause a cause
     * \return its summary.csv column: "rst." and the cause's name, e.g. "rst.final-ack"
     */
    static std::string RstColumn(RstCause cause);

    /**
     * \brief Fill result.header, result.row, result.reloadsHeader and result.reloads.
     * \param run the run
     * \param m what it measured
     * \param result where the rows go
     */
    static void Fill(const ScenarioRun& run, const RunMeasures& m, RunResult& result);

    /**
     * \param sorted a sorted sample
     * \param p the percentile, 0 to 100
     * \return its nearest-rank percentile; NaN when empty
     */
    static double Percentile(const std::vector<double>& sorted, double p);
};

} // namespace ns3

#endif /* RUN_SUMMARY_H */
