/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RPM_MIGRATION_FIXTURE_H
#define RPM_MIGRATION_FIXTURE_H

#include "test-network.h"

#include "ns3/reuseport-group.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-program.h"

#include <memory>

namespace ns3
{
namespace test
{

/// The configurations of the decision tables (semantics 8.2, 9, 10, 11.2).
enum class Config
{
    NO_PROG_SYSCTL0,     //!< no program, tcp_migrate_req = 0 (row 1: not capable)
    NO_PROG_SYSCTL1,     //!< no program, tcp_migrate_req = 1 (row 6: hash pick)
    SELECT_PROG_SYSCTL0, //!< SELECT program, sysctl 0 (row 1)
    SELECT_PROG_SYSCTL1, //!< SELECT program, sysctl 1 (row 6: program not run)
    MIGRATE_PASS_SELECT, //!< SELECT_OR_MIGRATE, SK_PASS selecting C (row 4)
    MIGRATE_PASS_NONE,   //!< SELECT_OR_MIGRATE, SK_PASS without selection (row 5)
    MIGRATE_DROP,        //!< SELECT_OR_MIGRATE, SK_DROP (row 3)
    NO_LISTENER_LEFT,    //!< capable, but B and C stopped first (row 2)
    SYSCTL_OFF_LATER,    //!< capable by sysctl at stop, sysctl 0 at the attempt (row 7)
};

/// \return a printable name for a configuration
std::string ConfigName(Config c);

/**
 * \brief Listeners A, B, C on port 80; connections made while only A listens, so they all
 * belong to A; B and C listen afterwards (the order of the kernel selftest). The program
 * of a configuration selects C when migrating and passes without selection when steering.
 */
class MigrationFixture : public ReuseportTest
{
  protected:
    /**
     * \param clients client hosts (one connection each)
     * \param serverDelay one-way delay of the server link
     */
    void Build(uint32_t clients, Time serverDelay = MilliSeconds(1));

    /// \brief Make B and C listen (after A's connections were made).
    void ListenBC();

    /**
     * \brief Apply a configuration's sysctl and program (B and C must listen).
     * \param c the configuration
     */
    void Configure(Config c);

    /**
     * \brief What a configuration does just before A stops: NO_LISTENER_LEFT stops B and C.
     * \param c the configuration
     */
    void BeforeStop(Config c);

    /// \brief What a configuration does just after A stops: SYSCTL_OFF_LATER clears the sysctl.
    /// \param c the configuration
    void AfterStop(Config c);

    /**
     * \param t a connection
     * \return the hash pick over the listening section after A left it: [C, B]
     */
    Ptr<ReuseportListener> HashPickAfterA(const FourTuple& t) const;

    /// \return the program's runs for a migration
    uint32_t MigrationRuns() const;

    /// \return the program's runs in total
    uint32_t ProgramRuns() const;

    /// \return the listeners A, B, C
    std::vector<Ptr<ReuseportListener>> All() const;

    /**
     * \param name a counter
     * \return its value
     */
    uint64_t Mib(TcpMib::Counter name) const;

    std::unique_ptr<TestNetwork> net;      //!< the network
    std::unique_ptr<Ledger> ledger;        //!< accepts and RSTs per connection
    RstRecorder rsts;                      //!< RSTs
    Ptr<ReuseportListener> a;              //!< owner of the connections
    Ptr<ReuseportListener> b;              //!< second listener
    Ptr<ReuseportListener> c;              //!< third listener (the program's choice)
    Ptr<CallbackReuseportProgram> program; //!< the configuration's program, if any
    uint32_t migrationRuns{0};             //!< program runs with a migrating socket
    uint32_t programRuns{0};               //!< all program runs
    std::vector<uint32_t> seenLen;         //!< ctx.len of each migration run
    std::vector<MigratingState> seenState; //!< migrating state of each migration run
};

} // namespace test
} // namespace ns3

#endif /* RPM_MIGRATION_FIXTURE_H */
