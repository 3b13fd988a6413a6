/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_MIB_H
#define TCP_MIB_H

#include <array>
#include <cstdint>
#include <ostream>
#include <string>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The per-node TCP counters of /proc/net/snmp and /proc/net/netstat that the listener
 * model maintains, under the names nstat prints.
 */
class TcpMib
{
  public:
    /// The counters, in nstat order (Tcp* from snmp, then TcpExt* from netstat).
    enum Counter : uint8_t
    {
        TCP_PASSIVE_OPENS,         //!< TcpPassiveOpens
        TCP_ATTEMPT_FAILS,         //!< TcpAttemptFails
        TCP_ESTAB_RESETS,          //!< TcpEstabResets
        TCP_RETRANS_SEGS,          //!< TcpRetransSegs
        TCP_OUT_RSTS,              //!< TcpOutRsts
        SYNCOOKIES_SENT,           //!< TcpExtSyncookiesSent
        SYNCOOKIES_RECV,           //!< TcpExtSyncookiesRecv
        SYNCOOKIES_FAILED,         //!< TcpExtSyncookiesFailed
        EMBRYONIC_RSTS,            //!< TcpExtEmbryonicRsts
        LISTEN_OVERFLOWS,          //!< TcpExtListenOverflows
        LISTEN_DROPS,              //!< TcpExtListenDrops
        TCP_TIMEOUTS,              //!< TcpExtTCPTimeouts
        TCP_SYN_RETRANS,           //!< TcpExtTCPSynRetrans
        TCP_REQ_Q_FULL_DO_COOKIES, //!< TcpExtTCPReqQFullDoCookies
        TCP_REQ_Q_FULL_DROP,       //!< TcpExtTCPReqQFullDrop
        TCP_DEFER_ACCEPT_DROP,     //!< TcpExtTCPDeferAcceptDrop
        TCP_MIGRATE_REQ_SUCCESS,   //!< TcpExtTCPMigrateReqSuccess
        TCP_MIGRATE_REQ_FAILURE,   //!< TcpExtTCPMigrateReqFailure
        COUNTER_COUNT              //!< number of counters (not a counter)
    };

    /**
     * \param c a counter
     * \return its nstat name, e.g. "TcpExtListenOverflows"
     */
    static const char* GetName(Counter c);

    /**
     * \brief Find a counter by name.
     *
     * Accepts the nstat name ("TcpExtListenOverflows") and the name without the
     * "TcpExt" prefix ("ListenOverflows"), as the kernel documentation writes them.
     *
     * \param name the name
     * \param[out] c the counter, if found
     * \return true if the name is known
     */
    static bool Lookup(const std::string& name, Counter& c);

    /**
     * \param c the counter
     * \param n the increment
     */
    void Increment(Counter c, uint64_t n = 1)
    {
        m_values[c] += n;
    }

    /**
     * \param c the counter
     * \return its value
     */
    uint64_t Get(Counter c) const
    {
        return m_values[c];
    }

    /**
     * \param name a counter name accepted by Lookup()
     * \return its value; aborts on an unknown name
     */
    uint64_t Get(const std::string& name) const;

    /**
     * \brief Print the non-zero counters, one "name value" per line, like `nstat -a`.
     * \param os the stream
     * \param all print zero counters too
     */
    void Print(std::ostream& os, bool all = false) const;

  private:
    std::array<uint64_t, COUNTER_COUNT> m_values{}; //!< counter values
};

} // namespace ns3

#endif /* TCP_MIB_H */
