/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The listening and established hashes (inet_hashtables.c), where a migrating request
// or child goes (sock_reuseport.c), and the life of requests and TIME_WAIT sockets.

#include "request-sock.h"
#include "reuseport-group.h"
#include "reuseport-listener.h"
#include "reuseport-stack.h"
#include "reuseport-tcp-socket.h"
#include "time-wait-sock.h"

#include "ns3/boolean.h"
#include "ns3/ipv4-end-point.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/linux-timer-wheel.h"
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

NS_LOG_COMPONENT_DEFINE("ReuseportStackHash");

ReuseportStack::MigrationDecision
ReuseportStack::MigrateTarget(Ptr<ReuseportListener> from,
                              MigrationPoint point,
                              const FourTuple& tuple,
                              uint32_t hash,
                              MigratingState state,
                              Ptr<const Packet> segment)
{
    MigrationDecision d;
    Ptr<ReuseportGroup> g = from->GetGroup();
    if (!g)
    {
        return d; // row 1: not capable at stop-listen, or evicted; not an attempt
    }
    d.attempted = true;
    if (g->GetNumSocks() == 0)
    {
        d.result = MigrationResult::NO_LISTENER; // row 2: the program does not run
    }
    else if (!g->HasMigratingProgram())
    {
        if (m_migrateReq)
        {
            d.target = g->PickForMigration(hash); // row 6: read now, not at stop-listen
        }
        else
        {
            d.result = MigrationResult::DISABLED; // row 7
        }
    }
    else
    {
        ReuseportContext ctx;
        ctx.tuple = tuple;
        ctx.hash = hash;
        ctx.len = segment ? segment->GetSize() : 0;
        ctx.packet = segment;
        ctx.bindInany = g->GetLocalAddress() == Ipv4Address::GetAny();
        ctx.sk = from;
        ctx.migratingState = state;
        ctx.group = g;
        if (g->GetProgram()->Execute(ctx) == ProgramVerdict::DROP)
        {
            d.result = MigrationResult::PROGRAM_DROP; // row 3
        }
        else
        {
            // Rows 4 and 5: the selection, or the kernel's hash pick.
            d.target = ctx.GetSelected() ? ctx.GetSelected() : g->PickForMigration(hash);
        }
    }
    if (!d.target)
    {
        NoteMigration(tuple, point, from, nullptr, d.result);
    }
    return d;
}

void
ReuseportStack::NoteMigration(const FourTuple& tuple,
                              MigrationPoint point,
                              Ptr<ReuseportListener> from,
                              Ptr<ReuseportListener> to,
                              MigrationResult result)
{
    NS_LOG_DEBUG("migration at " << MigrationPointName(point) << " of " << tuple << " from "
                                 << from->GetId() << " to " << (to ? to->GetId() : 0) << ": "
                                 << MigrationResultName(result));
    m_mib.Increment(result == MigrationResult::SUCCESS ? TcpMib::TCP_MIGRATE_REQ_SUCCESS
                                                       : TcpMib::TCP_MIGRATE_REQ_FAILURE);
    m_migrations[{point, result}]++;
    m_migrationTrace(tuple, point, from, to, result);
}

void
ReuseportStack::SetRequestOwner(RequestSock* req, Ptr<ReuseportListener> owner)
{
    Ptr<ReuseportListener> old = req->listener;
    req->listener = owner;
    owner->m_requestRefs++;
    if (old)
    {
        old->m_requestRefs--;
        old->MaybeRelease();
    }
}

bool
ReuseportStack::HashListener(Ptr<ReuseportListener> l)
{
    NS_LOG_FUNCTION(this << l->GetId());
    Ipv4Address addr = l->m_addr;
    uint16_t port = l->m_port;
    Ptr<ReuseportGroup> g = FindListeningGroup(addr, port);
    Ptr<ReuseportGroup> old = l->GetGroup();
    if (old && old != g)
    {
        // A shut-down member that listens again without its old group having a listener
        // leaves that group (which keeps its other closed members) for the found one or a
        // new one, without the old group's program.
        old->Detach(l);
        l->SetGroup(nullptr);
        MaybeRemoveGroup(old);
    }
    else if (old && old == g)
    {
        g->DetachClosed(l); // resurrect inside the same group
    }
    if (!g)
    {
        g = CreateObject<ReuseportGroup>();
        g->SetLocal(addr, port);
        g->SetMigrationSelector(m_migrationSelector);
        // Only the creator's program, attached before listen(), survives.
        g->SetProgram(l->m_pendingProgram);
        m_groups.push_back(g);
        NS_LOG_DEBUG("listener " << l->GetId() << " creates group " << g->GetId());
    }
    l->m_pendingProgram = nullptr;
    l->m_hashSeq = m_nextHashSeq++;
    Ptr<ReuseportListener> evicted;
    if (!g->AddListening(l, evicted))
    {
        MaybeRemoveGroup(g);
        return false;
    }
    if (evicted)
    {
        evicted->SetGroup(nullptr);
    }
    l->SetGroup(g);
    return true;
}

bool
ReuseportStack::IsMigrationCapable(Ptr<const ReuseportGroup> g) const
{
    return m_migrateReq || g->HasMigratingProgram();
}

bool
ReuseportStack::UnhashListener(Ptr<ReuseportListener> l)
{
    NS_LOG_FUNCTION(this << l->GetId());
    Ptr<ReuseportGroup> g = l->GetGroup();
    if (!g)
    {
        return false;
    }
    if (IsMigrationCapable(g))
    {
        g->DetachListening(l);
        g->AddClosed(l);
        return true;
    }
    g->Detach(l);
    l->SetGroup(nullptr);
    MaybeRemoveGroup(g);
    return false;
}

void
ReuseportStack::ReleaseListener(Ptr<ReuseportListener> l)
{
    Ptr<ReuseportGroup> g = l->GetGroup();
    if (!g)
    {
        return;
    }
    g->Detach(l);
    l->SetGroup(nullptr);
    MaybeRemoveGroup(g);
}

void
ReuseportStack::MaybeRemoveGroup(Ptr<ReuseportGroup> g)
{
    if (!g->IsEmpty())
    {
        return;
    }
    auto it = std::find(m_groups.begin(), m_groups.end(), g);
    if (it != m_groups.end())
    {
        m_groups.erase(it);
    }
}

void
ReuseportStack::AddRequest(RequestSock* req)
{
    req->listener->m_requestRefs++;
    m_ehash.SetRequest(req->tuple, req);
    ArmRequestTimer(req, req->timeout);
}

void
ReuseportStack::ArmRequestTimer(RequestSock* req, Time delay)
{
    req->timer.Cancel();
    // rsk_timer is a timer_list: it fires on a jiffy bucket of the timer wheel.
    req->timer = Simulator::Schedule(LinuxTimerWheel::Delay(delay),
                                     &ReuseportStack::RequestTimerExpired,
                                     this,
                                     req);
}

void
ReuseportStack::RequestTimerExpired(RequestSock* req)
{
    Ptr<ReuseportListener> owner = req->listener;
    owner->RequestTimer(req);
}

void
ReuseportStack::DeleteRequest(RequestSock* req)
{
    req->timer.Cancel();
    EstablishedHash::Entry e = m_ehash.Find(req->tuple);
    if (e.kind == EstablishedHash::REQUEST && e.req == req)
    {
        m_ehash.Erase(req->tuple);
    }
    Ptr<ReuseportListener> owner = req->listener;
    delete req;
    owner->m_requestRefs--;
    owner->MaybeRelease();
}

void
ReuseportStack::EnterTimeWait(Ptr<ReuseportTcpSocket> child)
{
    NS_LOG_FUNCTION(this << child->GetTuple());
    auto tw = new TimeWaitSock;
    tw->tuple = child->GetTuple();
    tw->rcvNxt = child->GetRcvNxt();
    tw->sndNxt = child->GetSndNxt();
    tw->tsOk = child->UsesTimestamps();
    tw->tsRecent = child->GetTsRecent();
    tw->tsRecentStamp = Simulator::Now();
    tw->window = child->GetAdvertisedWindowField();
    if (child->m_wasEstablished)
    {
        m_provenPeers.insert(tw->tuple.remote.Get());
    }
    child->m_inEhash = false;
    m_ehash.SetTimeWait(tw->tuple, tw);
    tw->timer = Simulator::Schedule(Seconds(TimeWaitSock::TIMEWAIT_LEN_S),
                                    &ReuseportStack::DeleteTimeWait,
                                    this,
                                    tw);
    child->ReleaseForTimeWait();
    if (child->m_ownedEndPoint)
    {
        m_graveyard.push_back(child->m_ownedEndPoint);
        child->m_ownedEndPoint = nullptr;
    }
}

void
ReuseportStack::ReleaseChild(Ptr<ReuseportTcpSocket> child)
{
    NS_LOG_FUNCTION(this << child->GetTuple());
    if (!child->m_inEhash)
    {
        return;
    }
    child->m_inEhash = false;
    if (child->m_wasEstablished)
    {
        m_provenPeers.insert(child->GetTuple().remote.Get());
    }
    EstablishedHash::Entry e = m_ehash.Find(child->GetTuple());
    if (e.kind == EstablishedHash::CHILD && e.child == child)
    {
        m_ehash.Erase(child->GetTuple());
    }
    if (child->m_ownedEndPoint)
    {
        m_graveyard.push_back(child->m_ownedEndPoint);
        child->m_ownedEndPoint = nullptr;
    }
}

void
ReuseportStack::DeleteTimeWait(TimeWaitSock* tw)
{
    tw->timer.Cancel();
    EstablishedHash::Entry e = m_ehash.Find(tw->tuple);
    if (e.kind == EstablishedHash::TIME_WAIT && e.tw == tw)
    {
        m_ehash.Erase(tw->tuple);
    }
    delete tw;
}

bool
ReuseportStack::IsPeerProven(Ipv4Address peer) const
{
    return m_provenPeers.count(peer.Get()) != 0;
}

} // namespace ns3
