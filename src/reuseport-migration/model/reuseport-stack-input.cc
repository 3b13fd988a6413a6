/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// tcp_v4_rcv (tcp_ipv4.c): finding the socket a segment belongs to, and the segments
// the stack sends itself (SYN-ACKs, RSTs, TIME_WAIT ACKs).

#include "request-sock.h"
#include "reuseport-group.h"
#include "reuseport-listener.h"
#include "reuseport-stack.h"
#include "reuseport-tcp-socket.h"
#include "time-wait-sock.h"

#include "ns3/boolean.h"
#include "ns3/ipv4-end-point.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"
#include "ns3/pointer.h"
#include "ns3/rtt-estimator.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-congestion-ops.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-option-sack-permitted.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/tcp-option-winscale.h"
#include "ns3/tcp-recovery-ops.h"
#include "ns3/tcp-socket-setup.h"
#include "ns3/type-id.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportStackInput");

void
ReuseportStack::Receive(Ptr<Packet> p, Ipv4Header ip, uint16_t sport, Ptr<Ipv4Interface> iif)
{
    // Endpoints of closed connections are freed here, never inside their own callback.
    FlushGraveyard();

    IncomingSegment seg;
    seg.packet = p;
    seg.ip = ip;
    seg.iif = iif;
    uint32_t headerSize = p->PeekHeader(seg.header);
    seg.payload = p->GetSize() - headerSize;
    seg.tuple.local = ip.GetDestination();
    seg.tuple.localPort = seg.header.GetDestinationPort();
    seg.tuple.remote = ip.GetSource();
    seg.tuple.remotePort = sport;
    NS_LOG_FUNCTION(this << seg.tuple << TcpHeader::FlagsToString(seg.Flags()));

    EstablishedHash::Entry e = m_ehash.Find(seg.tuple);
    switch (e.kind)
    {
    case EstablishedHash::CHILD:
        if (!e.child->IsReleased())
        {
            e.child->Deliver(seg);
            return;
        }
        // It closed without telling us (a timer of ns-3's own); forget it and go on.
        ReleaseChild(e.child);
        break;
    case EstablishedHash::REQUEST:
        RequestSegment(e.req, seg);
        return;
    case EstablishedHash::TIME_WAIT: {
        bool rearm = false;
        TimeWaitSock* tw = e.tw;
        TimeWaitSock::Action action = tw->Process(seg.header, seg.payload, rearm);
        if (rearm)
        {
            tw->timer.Cancel();
            tw->timer = Simulator::Schedule(Seconds(TimeWaitSock::TIMEWAIT_LEN_S),
                                            &ReuseportStack::DeleteTimeWait,
                                            this,
                                            tw);
        }
        switch (action)
        {
        case TimeWaitSock::TW_ACK:
            SendTimeWaitAck(*tw);
            return;
        case TimeWaitSock::TW_KILL:
            DeleteTimeWait(tw);
            return;
        case TimeWaitSock::TW_SYN: {
            uint32_t isn = tw->ReopenIsn();
            DeleteTimeWait(tw);
            ListenerLookup(seg, RstCause::CAUSE_COUNT, isn);
            return;
        }
        case TimeWaitSock::TW_SUCCESS:
            return;
        }
        return;
    }
    case EstablishedHash::NONE:
        break;
    }
    ListenerLookup(seg, RstCause::CAUSE_COUNT, 0);
}

void
ReuseportStack::ListenerLookup(IncomingSegment& seg, RstCause cause, uint32_t twIsn)
{
    // The sk_hash of a request or child made from this segment: the whole 4-tuple.
    uint32_t hash = GetFlowHash(seg.tuple);
    bool dropped = false;
    Ptr<ReuseportListener> l = SelectListener(seg, dropped);
    if (!l)
    {
        // "No socket": every segment but a RST is answered with a RST.
        RstCause why = cause != RstCause::CAUSE_COUNT ? cause
                       : dropped                      ? RstCause::PROGRAM_DROP
                                                      : RstCause::NO_LISTENER;
        SendResetReply(seg, why);
        return;
    }
    l->ProcessSegment(seg, hash, cause, twIsn);
}

Ptr<ReuseportListener>
ReuseportStack::SelectListener(const IncomingSegment& seg, bool& dropped)
{
    dropped = false;
    // A group bound to the exact address scores higher than one bound to 0.0.0.0.
    FourTuple looked = seg.tuple;
    Ptr<ReuseportGroup> g = FindListeningGroup(seg.tuple.local, seg.tuple.localPort);
    if (!g)
    {
        looked.local = Ipv4Address::GetAny();
        g = FindListeningGroup(Ipv4Address::GetAny(), seg.tuple.localPort);
    }
    if (!g)
    {
        return nullptr;
    }
    // __inet_lookup_listener passes the address it looked up to inet_lhash2_lookup, so a
    // wildcard group steers by the hash of (0.0.0.0, port, peer): not the child's sk_hash,
    // which migration uses. Measured on Linux 6.18: the children of a closed wildcard
    // listener spread over the others; bound to the address, they all go to one.
    uint32_t hash = GetFlowHash(looked);
    Ptr<ReuseportProgram> prog = g->GetProgram();
    if (prog)
    {
        // Both attach types run for steering, with migrating_sk == NULL.
        ReuseportContext ctx;
        ctx.tuple = seg.tuple;
        ctx.hash = hash;
        ctx.len = seg.packet->GetSize();
        ctx.packet = seg.packet;
        ctx.tcpFlags = seg.Flags();
        ctx.bindInany = g->GetLocalAddress() == Ipv4Address::GetAny();
        ctx.sk = g->GetLookupMember();
        ctx.group = g;
        if (prog->Execute(ctx) == ProgramVerdict::DROP)
        {
            dropped = true; // the other address buckets are not tried
            return nullptr;
        }
        if (ctx.GetSelected())
        {
            return ctx.GetSelected();
        }
    }
    return g->PickByHash(hash);
}

void
ReuseportStack::RequestSegment(RequestSock* req, IncomingSegment& seg)
{
    Ptr<ReuseportListener> owner = req->listener;
    Ptr<ReuseportListener> processing = owner;
    if (!owner->IsListening())
    {
        // Migration point 3 (section 11): a target is chosen with the real segment.
        MigrationDecision d = MigrateTarget(owner,
                                            MigrationPoint::FINAL_ACK,
                                            req->tuple,
                                            req->hash,
                                            MigratingState::NEW_SYN_RECV,
                                            seg.packet);
        if (!d.target)
        {
            // The request is dropped and the segment looked up again, which ends in a RST
            // unless it is a new SYN.
            owner->QueueRemoved(req->IsYoung());
            m_requestEndTrace(req->tuple,
                              owner,
                              d.attempted ? RequestEndReason::MIGRATION_FAILURE
                                          : RequestEndReason::ORPHANED_SEGMENT);
            DeleteRequest(req);
            RstCause cause = !d.attempted ? RstCause::ORPHANED_REQUEST
                             : d.result == MigrationResult::PROGRAM_DROP
                                 ? RstCause::PROGRAM_DROP
                                 : RstCause::MIGRATION_FAILURE;
            ListenerLookup(seg, cause, 0);
            return;
        }
        processing = d.target;
    }
    processing->CheckRequest(req, seg);
}

void
ReuseportStack::Transmit(const TcpHeader& h, const FourTuple& t)
{
    m_tcp->SendPacket(Create<Packet>(), h, t.local, t.remote);
}

void
ReuseportStack::SendSynAck(RequestSock& req,
                           Ptr<ReuseportListener> via,
                           uint32_t tsVal,
                           bool retransmission)
{
    TcpHeader h;
    uint8_t flags = TcpHeader::SYN | TcpHeader::ACK;
    if (req.ecnOk)
    {
        flags |= TcpHeader::ECE;
    }
    h.SetFlags(flags);
    h.SetSequenceNumber(SequenceNumber32(req.iss));
    h.SetAckNumber(SequenceNumber32(req.irs + 1));
    h.SetSourcePort(req.tuple.localPort);
    h.SetDestinationPort(req.tuple.remotePort);
    h.SetWindowSize(req.rcvWindow);
    if (req.tsOk)
    {
        auto ts = CreateObject<TcpOptionTS>();
        ts->SetTimestamp(tsVal);
        ts->SetEcho(req.tsRecent);
        h.AppendOption(ts);
    }
    if (req.wscaleOk)
    {
        auto ws = CreateObject<TcpOptionWinScale>();
        ws->SetScale(req.rcvWscale);
        h.AppendOption(ws);
    }
    if (req.sackOk)
    {
        h.AppendOption(CreateObject<TcpOptionSackPermitted>());
    }
    Transmit(h, req.tuple);
    if (retransmission)
    {
        req.numRetrans++;
        m_mib.Increment(TcpMib::TCP_RETRANS_SEGS);
        m_mib.Increment(TcpMib::TCP_SYN_RETRANS);
    }
    m_synAckTrace(req.tuple, via, retransmission);
}

void
ReuseportStack::SendResetReply(const IncomingSegment& seg, RstCause cause)
{
    if (seg.Flags() & TcpHeader::RST)
    {
        return; // never answer a RST
    }
    TcpHeader h;
    // The RST carries no ACK flag: ns-3.37 clients ignore RST|ACK in SYN_SENT and answer it
    // with a RST of their own in ESTABLISHED, where a Linux client resets in both cases.
    h.SetFlags(TcpHeader::RST);
    if (seg.Flags() & TcpHeader::ACK)
    {
        h.SetSequenceNumber(seg.header.GetAckNumber());
    }
    else
    {
        h.SetSequenceNumber(SequenceNumber32(0));
        h.SetAckNumber(SequenceNumber32(seg.EndSeq()));
    }
    h.SetSourcePort(seg.tuple.localPort);
    h.SetDestinationPort(seg.tuple.remotePort);
    h.SetWindowSize(0);
    Transmit(h, seg.tuple);
    NotifyRstSent(seg.tuple, cause);
}

void
ReuseportStack::NotifyRstSent(const FourTuple& t, RstCause cause)
{
    NS_LOG_DEBUG("RST to " << t << " cause " << RstCauseName(cause));
    m_mib.Increment(TcpMib::TCP_OUT_RSTS);
    m_rstByCause[static_cast<uint8_t>(cause)]++;
    m_rstTrace(t, cause);
}

void
ReuseportStack::SendTimeWaitAck(const TimeWaitSock& tw)
{
    TcpHeader h;
    h.SetFlags(TcpHeader::ACK);
    h.SetSequenceNumber(SequenceNumber32(tw.sndNxt));
    h.SetAckNumber(SequenceNumber32(tw.rcvNxt));
    h.SetSourcePort(tw.tuple.localPort);
    h.SetDestinationPort(tw.tuple.remotePort);
    h.SetWindowSize(tw.window);
    if (tw.tsOk)
    {
        auto ts = CreateObject<TcpOptionTS>();
        ts->SetTimestamp(TsNow());
        ts->SetEcho(tw.tsRecent);
        h.AppendOption(ts);
    }
    Transmit(h, tw.tuple);
}

} // namespace ns3
