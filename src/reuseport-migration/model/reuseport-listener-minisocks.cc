/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// A segment reaching a request (tcp_minisocks.c): tcp_check_req, and the child
// tcp_v4_syn_recv_sock creates when the accept queue has room.

#include "request-sock.h"
#include "reuseport-group.h"
#include "reuseport-listener.h"
#include "reuseport-stack.h"
#include "reuseport-tcp-socket.h"

#include "ns3/integer.h"
#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportListenerMinisocks");

namespace
{
/// Serial-number comparison: a after b.
bool
After(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) > 0;
}

/// tcp_in_window(): does [seq, endSeq) touch the window [sWin, eWin]?
bool
InWindow(uint32_t seq, uint32_t endSeq, uint32_t sWin, uint32_t eWin)
{
    if (seq == sWin)
    {
        return true;
    }
    if (After(endSeq, sWin) && After(eWin, seq))
    {
        return true;
    }
    return seq == eWin && seq == endSeq;
}

/// net.ipv4.tcp_invalid_ratelimit: answers to out-of-window segments are spaced by this.
const Time INVALID_RATELIMIT = MilliSeconds(500);

/// tcp_oow_rate_limited() for a request.
bool
RateLimited(Time& last)
{
    Time elapsed = Simulator::Now() - last;
    if (!elapsed.IsNegative() && elapsed < INVALID_RATELIMIT)
    {
        return true;
    }
    last = Simulator::Now();
    return false;
}
} // namespace

void
ReuseportListener::CheckRequest(RequestSock* req, IncomingSegment& seg)
{
    NS_LOG_FUNCTION(this << seg.tuple << TcpHeader::FlagsToString(seg.Flags()));
    // `this` is the processing listener: the owner, or the target a migration chose while
    // the request still belongs to its stopped owner (semantics 11.1).
    TcpMib& mib = m_stack->GetMib();
    uint8_t flg = seg.Flags() & (TcpHeader::RST | TcpHeader::SYN | TcpHeader::ACK);
    uint32_t seq = seg.Seq();

    // A pure retransmitted SYN: answer with the SYN-ACK again and restart the timer.
    if (seq == req->irs && flg == TcpHeader::SYN)
    {
        if (!RateLimited(req->lastOowAck))
        {
            m_stack->SendSynAck(*req, this, ReuseportStack::TsNow(), true);
            if (req->timer.IsRunning())
            {
                m_stack->ArmRequestTimer(req, req->Backoff(m_stack->m_rtoMax));
            }
        }
        return;
    }
    // An ACK that does not acknowledge our SYN-ACK belongs to the listener: RST.
    if ((flg & TcpHeader::ACK) && seg.Ack() != req->iss + 1)
    {
        ProcessSegment(seg, req->hash, RstCause::LISTENER_REPLY, 0);
        return;
    }
    uint32_t rcvNxt = req->irs + 1;
    uint32_t window = static_cast<uint32_t>(req->rcvWindow);
    if (!InWindow(seq, seg.EndSeq(), rcvNxt, rcvNxt + window))
    {
        // Out of window: ACK and drop (tcp_v4_reqsk_send_ack).
        if (!(flg & TcpHeader::RST) && !RateLimited(req->lastOowAck))
        {
            TcpHeader h;
            h.SetFlags(TcpHeader::ACK);
            h.SetSequenceNumber(SequenceNumber32(req->iss + 1));
            h.SetAckNumber(SequenceNumber32(rcvNxt));
            h.SetSourcePort(req->tuple.localPort);
            h.SetDestinationPort(req->tuple.remotePort);
            h.SetWindowSize(req->rcvWindow);
            if (req->tsOk)
            {
                auto ts = CreateObject<TcpOptionTS>();
                ts->SetTimestamp(ReuseportStack::TsNow());
                ts->SetEcho(req->tsRecent);
                h.AppendOption(ts);
            }
            m_stack->Transmit(h, req->tuple);
        }
        return;
    }
    if (req->tsOk && seg.header.HasOption(TcpOption::TS) && !After(seq, rcvNxt))
    {
        req->tsRecent =
            DynamicCast<const TcpOptionTS>(seg.header.GetOption(TcpOption::TS))->GetTimestamp();
    }
    if (seq == req->irs)
    {
        flg &= ~TcpHeader::SYN; // the SYN itself is left of the window
    }
    if (flg & (TcpHeader::RST | TcpHeader::SYN))
    {
        mib.Increment(TcpMib::TCP_ATTEMPT_FAILS);
        if (!(flg & TcpHeader::RST))
        {
            m_stack->SendResetReply(seg, RstCause::EMBRYONIC);
        }
        // inet_csk_reqsk_queue_drop(sk, req): the processing listener's counters.
        Ptr<ReuseportListener> owner = req->listener;
        QueueRemoved(req->IsYoung());
        mib.Increment(TcpMib::EMBRYONIC_RSTS);
        m_stack->m_requestEndTrace(req->tuple, owner, RequestEndReason::EMBRYONIC_RESET);
        m_stack->DeleteRequest(req);
        return;
    }
    if (!(flg & TcpHeader::ACK))
    {
        return;
    }
    // TCP_DEFER_ACCEPT: a bare ACK only marks the request; data completes it.
    if (req->numTimeout < GetDeferAcceptRetrans() && seg.EndSeq() == req->irs + 1)
    {
        req->acked = true;
        mib.Increment(TcpMib::TCP_DEFER_ACCEPT_DROP);
        return;
    }
    CreateChild(req, seg, false);
}

void
ReuseportListener::CreateChild(RequestSock* req, IncomingSegment& seg, bool cookie)
{
    NS_LOG_FUNCTION(this << req->tuple << cookie);
    TcpMib& mib = m_stack->GetMib();
    Ptr<ReuseportListener> self = this;
    Ptr<ReuseportListener> owner = req->listener;
    bool migrating = !cookie && owner != this;

    // tcp_v4_syn_recv_sock: the processing listener's accept queue must have room.
    if (IsAcceptQueueFull())
    {
        mib.Increment(TcpMib::LISTEN_OVERFLOWS);
        mib.Increment(TcpMib::LISTEN_DROPS);
        if (cookie)
        {
            return;
        }
        if (migrating)
        {
            m_stack->NoteMigration(req->tuple,
                                   MigrationPoint::FINAL_ACK,
                                   owner,
                                   this,
                                   MigrationResult::TARGET_QUEUE_FULL);
        }
        if (!m_stack->GetAbortOnOverflow())
        {
            req->acked = true; // the ACK is ignored; the request waits with its owner
            return;
        }
        m_stack->SendResetReply(seg, RstCause::ABORT_ON_OVERFLOW);
        // inet_csk_reqsk_queue_drop(sk, req) with sk the processing listener: a migration
        // target absorbs the decrement (the quirk of semantics 11.2).
        QueueRemoved(req->IsYoung());
        mib.Increment(TcpMib::EMBRYONIC_RSTS);
        m_stack->m_requestEndTrace(req->tuple, owner, RequestEndReason::ABORT_ON_OVERFLOW);
        m_stack->DeleteRequest(req);
        return;
    }

    Ptr<ReuseportTcpSocket> child = m_template->CloneChild();
    child->InitFromRequest(m_stack, *req);
    mib.Increment(TcpMib::TCP_PASSIVE_OPENS);

    // inet_csk_complete_hashdance: the child replaces the request in the established hash;
    // the owner's counters drop, a migration target's never rose.
    FourTuple tuple = req->tuple;
    if (!cookie)
    {
        owner->QueueRemoved(req->IsYoung());
        m_stack->DeleteRequest(req);
    }
    m_stack->m_ehash.SetChild(tuple, child);
    child->m_inEhash = true;

    if (migrating)
    {
        if (m_state != LISTEN)
        {
            m_stack->NoteMigration(tuple,
                                   MigrationPoint::FINAL_ACK,
                                   owner,
                                   this,
                                   MigrationResult::TARGET_NOT_LISTENING);
            child->Abort(RstCause::MIGRATION_FAILURE);
            return;
        }
        m_stack->NoteMigration(tuple,
                               MigrationPoint::FINAL_ACK,
                               owner,
                               this,
                               MigrationResult::SUCCESS);
    }
    EnqueueChild(child);
    // tcp_child_process: the child processes the segment, then the listener is woken.
    child->Deliver(seg);
    if (!m_acceptCb.IsNull())
    {
        m_acceptCb(this);
    }
}

} // namespace ns3
