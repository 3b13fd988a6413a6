/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// A segment reaching a listener (tcp_input.c): tcp_rcv_state_process in LISTEN,
// tcp_conn_request for a SYN, and a syncookie's ACK.

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

NS_LOG_COMPONENT_DEFINE("ReuseportListenerInput");

void
ReuseportListener::ProcessSegment(IncomingSegment& seg,
                                  uint32_t hash,
                                  RstCause replyCause,
                                  uint32_t twIsn)
{
    NS_LOG_FUNCTION(this << seg.tuple << TcpHeader::FlagsToString(seg.Flags()));
    TcpMib& mib = m_stack->GetMib();
    uint8_t flags = seg.Flags();
    if (!(flags & TcpHeader::SYN))
    {
        // tcp_v4_cookie_check: only while a member's SYN queue overflowed recently.
        if ((flags & TcpHeader::ACK) && !(flags & TcpHeader::RST) &&
            m_stack->GetSyncookies() != 0 && m_group &&
            m_group->HasRecentSynqOverflow(Simulator::Now()))
        {
            uint32_t data = 0;
            if (m_stack->m_cookie.Check(seg.tuple,
                                        seg.Seq() - 1,
                                        seg.Ack() - 1,
                                        SynCookie::Counter(Simulator::Now()),
                                        data))
            {
                mib.Increment(TcpMib::SYNCOOKIES_RECV);
                CookieChild(seg, hash);
                return;
            }
            mib.Increment(TcpMib::SYNCOOKIES_FAILED);
        }
        // TCP_LISTEN in tcp_rcv_state_process: an ACK is answered with a RST.
        if ((flags & TcpHeader::ACK) && !(flags & TcpHeader::RST))
        {
            m_stack->SendResetReply(seg,
                                    replyCause == RstCause::CAUSE_COUNT ? RstCause::LISTENER_REPLY
                                                                        : replyCause);
        }
        return;
    }
    if (flags & TcpHeader::ACK)
    {
        m_stack->SendResetReply(seg,
                                replyCause == RstCause::CAUSE_COUNT ? RstCause::LISTENER_REPLY
                                                                    : replyCause);
        return;
    }
    if (flags & (TcpHeader::RST | TcpHeader::FIN))
    {
        return;
    }
    ConnRequest(seg, hash, twIsn);
}

void
ReuseportListener::ConnRequest(IncomingSegment& seg, uint32_t hash, uint32_t twIsn)
{
    NS_LOG_FUNCTION(this << seg.tuple);
    TcpMib& mib = m_stack->GetMib();
    uint32_t syncookies = m_stack->GetSyncookies();
    bool reopen = twIsn != 0;
    bool wantCookie = false;

    if ((syncookies == 2 || IsSynQueueFull()) && !reopen)
    {
        if (syncookies != 0)
        {
            wantCookie = true;
            mib.Increment(TcpMib::TCP_REQ_Q_FULL_DO_COOKIES);
        }
        else
        {
            mib.Increment(TcpMib::TCP_REQ_Q_FULL_DROP);
            mib.Increment(TcpMib::LISTEN_DROPS);
            m_stack->m_synDropTrace(seg.tuple, this, SynDropReason::SYN_QUEUE_FULL);
            return;
        }
    }
    if (IsAcceptQueueFull())
    {
        mib.Increment(TcpMib::LISTEN_OVERFLOWS);
        mib.Increment(TcpMib::LISTEN_DROPS);
        m_stack->m_synDropTrace(seg.tuple, this, SynDropReason::ACCEPT_QUEUE_FULL);
        return;
    }
    if (!wantCookie && !reopen && syncookies == 0)
    {
        // Without cookies the last quarter of tcp_max_syn_backlog is kept for known peers.
        int64_t max = m_stack->GetMaxSynBacklog();
        if (max - m_qlen.Get() < (max >> 2) && !m_stack->IsPeerProven(seg.tuple.remote))
        {
            mib.Increment(TcpMib::LISTEN_DROPS);
            m_stack->m_synDropTrace(seg.tuple, this, SynDropReason::SYN_BACKLOG_RULE);
            return;
        }
    }

    auto req = new RequestSock;
    req->tuple = seg.tuple;
    req->hash = hash;
    req->ParseSyn(seg.header);
    req->wscaleOk = req->wscaleOk && m_template->IsWscaleEnabled();
    req->sackOk = req->sackOk && m_template->IsSackEnabled();
    req->tsOk = req->tsOk && m_template->IsTimestampEnabled();
    req->ecnOk = req->ecnOk && m_template->IsEcnEnabled();
    if (wantCookie && !req->tsOk)
    {
        // Without timestamps a cookie cannot carry options (tcp_clear_options).
        req->wscaleOk = false;
        req->sackOk = false;
    }
    req->rcvWscale = req->wscaleOk ? m_template->GetSynAckWscale() : 0;
    req->rcvWindow = m_template->GetSynAckWindow();
    req->timeout = m_stack->m_synAckTimeout;
    req->created = Simulator::Now();
    req->lastOowAck = Seconds(-1);
    req->listener = this;
    m_stack->m_synTrace(seg.tuple, this);

    if (wantCookie)
    {
        SynCookie::TsOptions opts;
        opts.wscaleOk = req->wscaleOk;
        opts.sndWscale = req->sndWscale;
        opts.sackOk = req->sackOk;
        opts.ecnOk = req->ecnOk;
        req->iss =
            m_stack->m_cookie.Make(seg.tuple, req->irs, SynCookie::Counter(Simulator::Now()), 0);
        mib.Increment(TcpMib::SYNCOOKIES_SENT);
        if (m_group)
        {
            m_group->NoteSynqOverflow(Simulator::Now());
        }
        uint32_t tsVal = req->tsOk ? SynCookie::EncodeTimestamp(ReuseportStack::TsNow(), opts)
                                   : ReuseportStack::TsNow();
        m_stack->m_cookieSentTrace(seg.tuple, this);
        m_stack->SendSynAck(*req, this, tsVal, false);
        delete req; // a cookie keeps no state
        return;
    }

    req->iss = reopen ? twIsn : 0; // ns-3's own ISN is 0; a reopened tuple continues upwards
    QueueAdded(true);
    m_stack->AddRequest(req);
    m_stack->m_requestCreatedTrace(seg.tuple, this);
    m_stack->SendSynAck(*req, this, ReuseportStack::TsNow(), false);
}

void
ReuseportListener::CookieChild(IncomingSegment& seg, uint32_t hash)
{
    NS_LOG_FUNCTION(this << seg.tuple);
    // Rebuild the request the cookie stands for (cookie_tcp_reqsk_alloc).
    RequestSock req;
    req.tuple = seg.tuple;
    req.hash = hash;
    req.irs = seg.Seq() - 1;
    req.iss = seg.Ack() - 1;
    req.peerWindow = seg.header.GetWindowSize();
    if (seg.header.HasOption(TcpOption::TS) && m_template->IsTimestampEnabled())
    {
        auto ts = DynamicCast<const TcpOptionTS>(seg.header.GetOption(TcpOption::TS));
        SynCookie::TsOptions opts = SynCookie::DecodeTimestamp(ts->GetEcho());
        req.tsOk = true;
        req.tsRecent = ts->GetTimestamp();
        req.wscaleOk = opts.wscaleOk && m_template->IsWscaleEnabled();
        req.sndWscale = opts.sndWscale;
        req.sackOk = opts.sackOk && m_template->IsSackEnabled();
        req.ecnOk = opts.ecnOk && m_template->IsEcnEnabled();
    }
    req.rcvWscale = req.wscaleOk ? m_template->GetSynAckWscale() : 0;
    req.rcvWindow = m_template->GetSynAckWindow();
    req.timeout = m_stack->m_synAckTimeout;
    req.created = Simulator::Now();
    req.listener = this;
    CreateChild(&req, seg, true);
}

} // namespace ns3
