/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-stack.h"

#include "request-sock.h"
#include "reuseport-group.h"
#include "reuseport-listener.h"
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

} // namespace ns3
