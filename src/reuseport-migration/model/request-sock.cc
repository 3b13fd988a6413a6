/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "request-sock.h"

#include "reuseport-listener.h"

#include "ns3/tcp-header.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/tcp-option-winscale.h"

namespace ns3
{

RequestSock::RequestSock()
    : wscaleOk(false),
      sackOk(false),
      tsOk(false),
      ecnOk(false),
      acked(false)
{
}

RequestSock::~RequestSock() = default;

void
RequestSock::ParseSyn(const TcpHeader& syn)
{
    irs = syn.GetSequenceNumber().GetValue();
    peerWindow = syn.GetWindowSize();
    wscaleOk = syn.HasOption(TcpOption::WINSCALE);
    if (wscaleOk)
    {
        auto ws = DynamicCast<const TcpOptionWinScale>(syn.GetOption(TcpOption::WINSCALE));
        sndWscale = std::min<uint8_t>(ws->GetScale(), 14); // RFC 7323 caps the shift at 14
    }
    sackOk = syn.HasOption(TcpOption::SACKPERMITTED);
    tsOk = syn.HasOption(TcpOption::TS);
    if (tsOk)
    {
        auto ts = DynamicCast<const TcpOptionTS>(syn.GetOption(TcpOption::TS));
        tsRecent = ts->GetTimestamp();
    }
    ecnOk =
        (syn.GetFlags() & (TcpHeader::ECE | TcpHeader::CWR)) == (TcpHeader::ECE | TcpHeader::CWR);
}

Time
RequestSock::Backoff(Time cap) const
{
    int64_t t = timeout.GetTimeStep();
    // Shifting past the cap would overflow for large retry counts.
    for (uint8_t i = 0; i < numTimeout && t < cap.GetTimeStep(); ++i)
    {
        t <<= 1;
    }
    return std::min(TimeStep(t), cap);
}

} // namespace ns3
