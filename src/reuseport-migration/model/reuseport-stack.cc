/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-stack.h"

#include "linux-tcp-defaults.h"
#include "request-sock.h"
#include "reuseport-group.h"
#include "reuseport-listener.h"
#include "reuseport-tcp-socket.h"
#include "time-wait-sock.h"

#include "ns3/boolean.h"
#include "ns3/ipv4-end-point.h"
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

NS_LOG_COMPONENT_DEFINE("ReuseportStack");

NS_OBJECT_ENSURE_REGISTERED(ReuseportStack);

namespace
{
/// A sysctl and the attribute that holds it.
struct SysctlName
{
    const char* name;      //!< full sysctl name
    const char* attribute; //!< attribute of ReuseportStack
    bool boolean;          //!< 0/1 value
};

const SysctlName g_sysctls[] = {
    {"net.core.somaxconn", "Somaxconn", false},
    {"net.ipv4.tcp_max_syn_backlog", "TcpMaxSynBacklog", false},
    {"net.ipv4.tcp_synack_retries", "TcpSynackRetries", false},
    {"net.ipv4.tcp_abort_on_overflow", "TcpAbortOnOverflow", true},
    {"net.ipv4.tcp_syncookies", "TcpSyncookies", false},
    {"net.ipv4.tcp_migrate_req", "TcpMigrateReq", true},
};

/// \return the entry for a full or short sysctl name, or null
const SysctlName*
FindSysctl(const std::string& name)
{
    for (const auto& s : g_sysctls)
    {
        std::string full = s.name;
        if (name == full || name == full.substr(full.rfind('.') + 1))
        {
            return &s;
        }
    }
    return nullptr;
}
} // namespace

TypeId
ReuseportStack::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ReuseportStack")
            .SetParent<Object>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<ReuseportStack>()
            .AddAttribute("Somaxconn",
                          "net.core.somaxconn: the largest accept-queue limit listen() grants.",
                          UintegerValue(4096),
                          MakeUintegerAccessor(&ReuseportStack::m_somaxconn),
                          MakeUintegerChecker<uint32_t>(0, 0x7fffffff))
            .AddAttribute("TcpMaxSynBacklog",
                          "net.ipv4.tcp_max_syn_backlog: with syncookies off, the last quarter "
                          "of it is kept for peers that completed a connection before. The "
                          "kernel sizes it max(128, ehash buckets / 128); 1024 is that of a "
                          "machine with 131072 buckets.",
                          UintegerValue(1024),
                          MakeUintegerAccessor(&ReuseportStack::m_maxSynBacklog),
                          MakeUintegerChecker<uint32_t>(0, 0x7fffffff))
            .AddAttribute("TcpSynackRetries",
                          "net.ipv4.tcp_synack_retries: SYN-ACK retransmissions per request.",
                          UintegerValue(5),
                          MakeUintegerAccessor(&ReuseportStack::m_synackRetries),
                          MakeUintegerChecker<uint32_t>(0, 255))
            .AddAttribute("TcpAbortOnOverflow",
                          "net.ipv4.tcp_abort_on_overflow: answer a final ACK that finds the "
                          "accept queue full with a RST instead of ignoring it.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ReuseportStack::m_abortOnOverflow),
                          MakeBooleanChecker())
            .AddAttribute("TcpSyncookies",
                          "net.ipv4.tcp_syncookies: 0 never, 1 when the SYN queue is full, 2 "
                          "always.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&ReuseportStack::m_syncookies),
                          MakeUintegerChecker<uint32_t>(0, 2))
            .AddAttribute("TcpMigrateReq",
                          "net.ipv4.tcp_migrate_req: migrate the requests and children of a "
                          "listener that stops listening to another member of its group.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ReuseportStack::m_migrateReq),
                          MakeBooleanChecker())
            .AddAttribute("MigrationSelector",
                          "How a migration target is picked when no program selects one: "
                          "ns3::HashReuseportSelector (the kernel's pick by the flow hash) or "
                          "ns3::LastSlotReuseportSelector (the last listening slot).",
                          StringValue("ns3::HashReuseportSelector"),
                          MakePointerAccessor(&ReuseportStack::m_migrationSelector),
                          MakePointerChecker<ReuseportSelector>())
            .AddAttribute("LinuxDefaults",
                          "Give listeners' children Linux's TCP defaults (200 ms minimum RTO, "
                          "40 ms delayed ACK, 15 data retries) instead of ns-3's.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ReuseportStack::m_linuxDefaults),
                          MakeBooleanChecker())
            .AddAttribute("SynAckTimeout",
                          "TCP_TIMEOUT_INIT: the first SYN-ACK retransmission timeout.",
                          TimeValue(Seconds(1)),
                          MakeTimeAccessor(&ReuseportStack::m_synAckTimeout),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddAttribute("RtoMax",
                          "TCP_RTO_MAX: the largest SYN-ACK retransmission timeout.",
                          TimeValue(Seconds(120)),
                          MakeTimeAccessor(&ReuseportStack::m_rtoMax),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddTraceSource("RstSent",
                            "The server sent a RST (every RST, with its cause).",
                            MakeTraceSourceAccessor(&ReuseportStack::m_rstTrace),
                            "ns3::ReuseportStack::RstTracedCallback")
            .AddTraceSource("SynReceived",
                            "A SYN was admitted by a listener (a request or a cookie follows).",
                            MakeTraceSourceAccessor(&ReuseportStack::m_synTrace),
                            "ns3::ReuseportStack::ConnectionTracedCallback")
            .AddTraceSource("SynDropped",
                            "A SYN was dropped by a listener without a reply.",
                            MakeTraceSourceAccessor(&ReuseportStack::m_synDropTrace),
                            "ns3::ReuseportStack::SynDropTracedCallback")
            .AddTraceSource("RequestCreated",
                            "A request socket (SYN_RECV) was created.",
                            MakeTraceSourceAccessor(&ReuseportStack::m_requestCreatedTrace),
                            "ns3::ReuseportStack::ConnectionTracedCallback")
            .AddTraceSource("RequestEnded",
                            "A request socket ended without becoming a connection (expired, "
                            "dropped, reset).",
                            MakeTraceSourceAccessor(&ReuseportStack::m_requestEndTrace),
                            "ns3::ReuseportStack::RequestEndTracedCallback")
            .AddTraceSource("SynAckSent",
                            "A SYN-ACK was sent for a request.",
                            MakeTraceSourceAccessor(&ReuseportStack::m_synAckTrace),
                            "ns3::ReuseportStack::SynAckTracedCallback")
            .AddTraceSource("CookieSent",
                            "A syncookie SYN-ACK was sent instead of creating a request.",
                            MakeTraceSourceAccessor(&ReuseportStack::m_cookieSentTrace),
                            "ns3::ReuseportStack::ConnectionTracedCallback")
            .AddTraceSource("ChildQueued",
                            "A connection was appended to a listener's accept queue.",
                            MakeTraceSourceAccessor(&ReuseportStack::m_childQueuedTrace),
                            "ns3::ReuseportStack::ConnectionTracedCallback")
            .AddTraceSource("Migration",
                            "A migration attempt ended (point, source, target, outcome).",
                            MakeTraceSourceAccessor(&ReuseportStack::m_migrationTrace),
                            "ns3::ReuseportStack::MigrationTracedCallback")
            .AddTraceSource("ChildAccepted",
                            "An application accepted a connection.",
                            MakeTraceSourceAccessor(&ReuseportStack::m_childAcceptedTrace),
                            "ns3::ReuseportStack::ConnectionTracedCallback");
    return tid;
}

ReuseportStack::ReuseportStack()
{
    NS_LOG_FUNCTION(this);
    m_rng = CreateObject<UniformRandomVariable>();
}

ReuseportStack::~ReuseportStack()
{
    NS_LOG_FUNCTION(this);
}

void
ReuseportStack::NotifyNewAggregate()
{
    if (!m_node)
    {
        m_node = GetObject<Node>();
    }
    if (!m_tcp)
    {
        m_tcp = GetObject<TcpL4Protocol>();
    }
    Object::NotifyNewAggregate();
}

void
ReuseportStack::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_ehash.ForEach([this](const FourTuple&, const EstablishedHash::Entry& e) {
        if (e.kind == EstablishedHash::REQUEST)
        {
            e.req->timer.Cancel();
            delete e.req;
        }
        else if (e.kind == EstablishedHash::TIME_WAIT)
        {
            e.tw->timer.Cancel();
            delete e.tw;
        }
        else if (e.kind == EstablishedHash::CHILD)
        {
            e.child->m_inEhash = false;
            Ipv4EndPoint* ep = e.child->m_ownedEndPoint;
            e.child->m_ownedEndPoint = nullptr;
            m_graveyard.push_back(ep);
        }
    });
    m_ehash.Clear();
    FlushGraveyard();
    for (auto& l : m_listeners)
    {
        l->Dispose();
    }
    m_listeners.clear();
    for (auto& g : m_groups)
    {
        g->Dispose();
    }
    m_groups.clear();
    m_ports.clear();
    m_tcp = nullptr;
    m_node = nullptr;
    Object::DoDispose();
}

Ptr<Node>
ReuseportStack::GetNode() const
{
    return m_node;
}

int64_t
ReuseportStack::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

uint32_t
ReuseportStack::TsNow()
{
    return TcpOptionTS::NowToTsValue();
}

void
ReuseportStack::EnsureSecrets()
{
    if (m_secretsDrawn)
    {
        return;
    }
    m_secretsDrawn = true;
    m_hashSecret = m_rng->GetInteger(0, 0xffffffff);
    uint32_t s1 = m_rng->GetInteger(0, 0xffffffff);
    uint32_t s2 = m_rng->GetInteger(0, 0xffffffff);
    m_cookie.SetSecrets(s1, s2);
}

uint32_t
ReuseportStack::GetFlowHash(const FourTuple& t)
{
    EnsureSecrets();
    return FlowHash(t, m_hashSecret);
}

Ptr<ReuseportListener>
ReuseportStack::CreateListener()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_UNLESS(m_tcp,
                        "ReuseportStack: the node has no TCP; install the internet stack "
                        "before the reuseport stack");
    // Build the child template like TcpL4Protocol::CreateSocket, so the node's defaults apply.
    Ptr<ReuseportTcpSocket> tmpl = CreateObject<ReuseportTcpSocket>();
    SetUpLikeTcpL4(tmpl, m_node, m_tcp);
    tmpl->m_stack = this;
    if (m_linuxDefaults)
    {
        LinuxTcpDefaults::Apply(tmpl);
    }

    Ptr<ReuseportListener> l = CreateObject<ReuseportListener>();
    l->Setup(this, tmpl, m_nextListenerId++);
    m_listeners.push_back(l);
    return l;
}

bool
ReuseportStack::SetSysctl(const std::string& name, uint32_t value)
{
    const SysctlName* s = FindSysctl(name);
    if (!s)
    {
        return false;
    }
    if (s->boolean)
    {
        if (value > 1)
        {
            return false;
        }
        return SetAttributeFailSafe(s->attribute, BooleanValue(value != 0));
    }
    return SetAttributeFailSafe(s->attribute, UintegerValue(value));
}

bool
ReuseportStack::GetSysctl(const std::string& name, uint32_t& value) const
{
    const SysctlName* s = FindSysctl(name);
    if (!s)
    {
        return false;
    }
    if (s->boolean)
    {
        BooleanValue v;
        GetAttribute(s->attribute, v);
        value = v.Get() ? 1 : 0;
    }
    else
    {
        UintegerValue v;
        GetAttribute(s->attribute, v);
        value = static_cast<uint32_t>(v.Get());
    }
    return true;
}

std::vector<std::string>
ReuseportStack::GetSysctlNames()
{
    std::vector<std::string> names;
    for (const auto& s : g_sysctls)
    {
        names.emplace_back(s.name);
    }
    return names;
}

uint32_t
ReuseportStack::GetSomaxconn() const
{
    return m_somaxconn;
}

uint32_t
ReuseportStack::GetMaxSynBacklog() const
{
    return m_maxSynBacklog;
}

uint32_t
ReuseportStack::GetSynackRetries() const
{
    return m_synackRetries;
}

bool
ReuseportStack::GetAbortOnOverflow() const
{
    return m_abortOnOverflow;
}

uint32_t
ReuseportStack::GetSyncookies() const
{
    return m_syncookies;
}

bool
ReuseportStack::GetMigrateReq() const
{
    return m_migrateReq;
}

const TcpMib&
ReuseportStack::GetMib() const
{
    return m_mib;
}

TcpMib&
ReuseportStack::GetMib()
{
    return m_mib;
}

uint64_t
ReuseportStack::GetRstCount(RstCause cause) const
{
    return m_rstByCause[static_cast<uint8_t>(cause)];
}

uint64_t
ReuseportStack::GetMigrationCount(MigrationPoint point, MigrationResult result) const
{
    auto it = m_migrations.find({point, result});
    return it == m_migrations.end() ? 0 : it->second;
}

const EstablishedHash&
ReuseportStack::GetEstablishedHash() const
{
    return m_ehash;
}

const std::vector<Ptr<ReuseportGroup>>&
ReuseportStack::GetGroups() const
{
    return m_groups;
}

const std::vector<Ptr<ReuseportListener>>&
ReuseportStack::GetListeners() const
{
    return m_listeners;
}

Ptr<ReuseportGroup>
ReuseportStack::FindListeningGroup(Ipv4Address addr, uint16_t port) const
{
    for (const auto& g : m_groups)
    {
        if (g->GetNumSocks() > 0 && g->GetLocalPort() == port && g->GetLocalAddress() == addr)
        {
            return g;
        }
    }
    return nullptr;
}

uint16_t
ReuseportStack::BindPort(Ipv4Address addr, uint16_t port)
{
    NS_LOG_FUNCTION(this << addr << port);
    if (port != 0 && m_ports.count({addr.Get(), port}) != 0)
    {
        return port;
    }
    Ipv4EndPoint* ep = port == 0 ? m_tcp->Allocate(addr) : m_tcp->Allocate(nullptr, addr, port);
    if (!ep)
    {
        return 0; // an ordinary ns-3 socket already owns the port
    }
    ep->SetRxCallback(MakeCallback(&ReuseportStack::Receive, this));
    port = ep->GetLocalPort();
    m_ports[{addr.Get(), port}].endPoint = ep;
    return port;
}

void
ReuseportStack::FlushGraveyard()
{
    for (Ipv4EndPoint* ep : m_graveyard)
    {
        delete ep;
    }
    m_graveyard.clear();
}

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
    uint32_t hash = GetFlowHash(seg.tuple);
    bool dropped = false;
    Ptr<ReuseportListener> l = SelectListener(seg, hash, dropped);
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
ReuseportStack::SelectListener(const IncomingSegment& seg, uint32_t hash, bool& dropped)
{
    dropped = false;
    // A group bound to the exact address scores higher than one bound to 0.0.0.0.
    Ptr<ReuseportGroup> g = FindListeningGroup(seg.tuple.local, seg.tuple.localPort);
    if (!g)
    {
        g = FindListeningGroup(Ipv4Address::GetAny(), seg.tuple.localPort);
    }
    if (!g)
    {
        return nullptr;
    }
    Ptr<ReuseportProgram> prog = g->GetProgram();
    if (prog)
    {
        // Both attach types run for steering, with migrating_sk == NULL.
        ReuseportContext ctx;
        ctx.tuple = seg.tuple;
        ctx.hash = hash;
        ctx.len = seg.packet->GetSize();
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

ReuseportStack::MigrationDecision
ReuseportStack::MigrateTarget(Ptr<ReuseportListener> from,
                              MigrationPoint point,
                              const FourTuple& tuple,
                              uint32_t hash,
                              MigratingState state,
                              uint32_t len)
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
        ctx.len = len;
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
                                            seg.packet->GetSize());
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
    req->timer = Simulator::Schedule(delay, &ReuseportStack::RequestTimerExpired, this, req);
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

bool
ReuseportStack::IsPeerProven(Ipv4Address peer) const
{
    return m_provenPeers.count(peer.Get()) != 0;
}

} // namespace ns3
