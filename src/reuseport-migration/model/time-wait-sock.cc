/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "time-wait-sock.h"

#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-option-ts.h"

namespace ns3
{

namespace
{
/// Serial-number comparison: a after b.
bool
After(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) > 0;
}
} // namespace

TimeWaitSock::Action
TimeWaitSock::Process(const TcpHeader& h, uint32_t payload, bool& rearm)
{
    rearm = false;
    uint8_t flags = h.GetFlags();
    bool syn = flags & TcpHeader::SYN;
    bool ack = flags & TcpHeader::ACK;
    bool rst = flags & TcpHeader::RST;
    uint32_t seq = h.GetSequenceNumber().GetValue();
    uint32_t endSeq = seq + payload + (syn ? 1 : 0) + ((flags & TcpHeader::FIN) ? 1 : 0);

    bool sawTs = h.HasOption(TcpOption::TS);
    uint32_t tsVal = 0;
    if (sawTs)
    {
        tsVal = DynamicCast<const TcpOptionTS>(h.GetOption(TcpOption::TS))->GetTimestamp();
    }
    // PAWS: a timestamp older than the last one seen (by more than one tick) is a duplicate.
    bool pawsReject = tsOk && sawTs && static_cast<int32_t>(tsRecent - tsVal) > 1 &&
                      !(rst && Simulator::Now() >= tsRecentStamp + Seconds(TIMEWAIT_LEN_S));

    if (!pawsReject && seq == rcvNxt && (seq == endSeq || rst))
    {
        // In-window: only a bare ACK or a RST can be here.
        if (rst)
        {
            return TW_KILL; // tcp_rfc1337 = 0
        }
        rearm = true;
        if (sawTs)
        {
            tsRecent = tsVal;
            tsRecentStamp = Simulator::Now();
        }
        return TW_SUCCESS;
    }

    // A new SYN may reopen the connection if it is newer in sequence space or in time.
    if (syn && !rst && !ack && !pawsReject &&
        (After(seq, rcvNxt) || (sawTs && static_cast<int32_t>(tsRecent - tsVal) < 0)))
    {
        return TW_SYN;
    }

    if (!rst)
    {
        // Everything else out of window (a retransmitted FIN among it) is ACKed.
        rearm = pawsReject || ack;
        return TW_ACK;
    }
    return TW_SUCCESS;
}

uint32_t
TimeWaitSock::ReopenIsn() const
{
    uint32_t isn = sndNxt + 65535 + 2;
    return isn == 0 ? 1 : isn;
}

} // namespace ns3
