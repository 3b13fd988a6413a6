/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "tcp-mib.h"

#include "ns3/abort.h"

#include <iomanip>

namespace ns3
{

namespace
{
const char* const g_names[TcpMib::COUNTER_COUNT] = {
    "TcpPassiveOpens",
    "TcpAttemptFails",
    "TcpEstabResets",
    "TcpRetransSegs",
    "TcpOutRsts",
    "TcpExtSyncookiesSent",
    "TcpExtSyncookiesRecv",
    "TcpExtSyncookiesFailed",
    "TcpExtEmbryonicRsts",
    "TcpExtListenOverflows",
    "TcpExtListenDrops",
    "TcpExtTCPTimeouts",
    "TcpExtTCPSynRetrans",
    "TcpExtTCPReqQFullDoCookies",
    "TcpExtTCPReqQFullDrop",
    "TcpExtTCPDeferAcceptDrop",
    "TcpExtTCPMigrateReqSuccess",
    "TcpExtTCPMigrateReqFailure",
};
} // namespace

const char*
TcpMib::GetName(Counter c)
{
    NS_ABORT_MSG_IF(c >= COUNTER_COUNT, "TcpMib: no such counter " << +c);
    return g_names[c];
}

bool
TcpMib::Lookup(const std::string& name, Counter& c)
{
    for (uint8_t i = 0; i < COUNTER_COUNT; ++i)
    {
        std::string full = g_names[i];
        if (name == full || (full.rfind("TcpExt", 0) == 0 && name == full.substr(6)))
        {
            c = static_cast<Counter>(i);
            return true;
        }
    }
    return false;
}

uint64_t
TcpMib::Get(const std::string& name) const
{
    Counter c;
    NS_ABORT_MSG_UNLESS(Lookup(name, c), "TcpMib: unknown counter name '" << name << "'");
    return m_values[c];
}

void
TcpMib::Print(std::ostream& os, bool all) const
{
    for (uint8_t i = 0; i < COUNTER_COUNT; ++i)
    {
        if (all || m_values[i] != 0)
        {
            os << std::left << std::setw(32) << g_names[i] << " " << m_values[i] << "\n";
        }
    }
}

} // namespace ns3
