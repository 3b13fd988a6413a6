/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-listener.h"

#include "request-sock.h"
#include "reuseport-group.h"
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

NS_LOG_COMPONENT_DEFINE("ReuseportListener");

NS_OBJECT_ENSURE_REGISTERED(ReuseportListener);

const char*
ReuseportListener::StateName(State state)
{
    switch (state)
    {
    case INIT:
        return "INIT";
    case LISTEN:
        return "LISTEN";
    case SHUTDOWN:
        return "SHUTDOWN";
    case CLOSED:
        return "CLOSED";
    }
    return "?";
}

TypeId
ReuseportListener::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ReuseportListener")
            .SetParent<Object>()
            .SetGroupName("ReuseportMigration")
            .AddAttribute("Backlog",
                          "The listen() backlog used by Listen() without an argument; the "
                          "accept-queue limit is min(backlog, net.core.somaxconn).",
                          IntegerValue(511),
                          MakeIntegerAccessor(&ReuseportListener::m_backlogAttr),
                          MakeIntegerChecker<int>())
            .AddAttribute("SynCount",
                          "TCP_SYNCNT: SYN-ACK retransmissions for this listener's requests; "
                          "0 uses net.ipv4.tcp_synack_retries.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&ReuseportListener::m_synCount),
                          MakeUintegerChecker<uint32_t>(0, 255))
            .AddAttribute("DeferAccept",
                          "TCP_DEFER_ACCEPT: drop bare final ACKs while this time of SYN-ACK "
                          "timeouts has not passed (0 disables).",
                          TimeValue(Seconds(0)),
                          MakeTimeAccessor(&ReuseportListener::m_deferAccept),
                          MakeTimeChecker(Seconds(0)))
            .AddTraceSource("State",
                            "The listener changed state.",
                            MakeTraceSourceAccessor(&ReuseportListener::m_stateTrace),
                            "ns3::ReuseportListener::StateTracedCallback")
            .AddTraceSource("SynQueueLength",
                            "Requests owned by this listener (qlen).",
                            MakeTraceSourceAccessor(&ReuseportListener::m_qlen),
                            "ns3::TracedValueCallback::Int32")
            .AddTraceSource("AcceptQueueLength",
                            "Children waiting to be accepted (sk_ack_backlog).",
                            MakeTraceSourceAccessor(&ReuseportListener::m_acceptQueueLength),
                            "ns3::TracedValueCallback::Uint32");
    return tid;
}

ReuseportListener::ReuseportListener()
{
    NS_LOG_FUNCTION(this);
}

ReuseportListener::~ReuseportListener()
{
    NS_LOG_FUNCTION(this);
}

void
ReuseportListener::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_acceptQueue.clear();
    m_acceptCb = MakeNullCallback<void, Ptr<ReuseportListener>>();
    m_group = nullptr;
    m_template = nullptr;
    m_stack = nullptr;
    Object::DoDispose();
}

void
ReuseportListener::Setup(Ptr<ReuseportStack> stack, Ptr<ReuseportTcpSocket> tmpl, uint32_t id)
{
    m_stack = stack;
    m_template = tmpl;
    m_id = id;
}

void
ReuseportListener::SetGroup(Ptr<ReuseportGroup> group)
{
    m_group = group;
}

int
ReuseportListener::Bind(const InetSocketAddress& local)
{
    NS_LOG_FUNCTION(this << local.GetIpv4() << local.GetPort());
    if (m_state != INIT || m_port != 0)
    {
        return -1; // EINVAL: already bound
    }
    m_addr = local.GetIpv4();
    m_port = local.GetPort();
    m_autobind = (m_port == 0);
    return 0;
}

int
ReuseportListener::Listen()
{
    return Listen(m_backlogAttr);
}

int
ReuseportListener::Listen(int backlog)
{
    NS_LOG_FUNCTION(this << backlog);
    if (m_state == CLOSED)
    {
        return -1; // EBADF
    }
    // __sys_listen compares as unsigned, so a negative backlog means somaxconn.
    uint32_t somaxconn = m_stack->GetSomaxconn();
    uint32_t limit =
        static_cast<unsigned int>(backlog) > somaxconn ? somaxconn : static_cast<uint32_t>(backlog);
    if (m_state == LISTEN)
    {
        m_maxAckBacklog = limit; // listen() again only updates the limit
        return 0;
    }
    uint16_t port = m_stack->BindPort(m_addr, m_autobind ? 0 : m_port);
    if (port == 0)
    {
        return -1; // EADDRINUSE
    }
    m_port = port;
    m_maxAckBacklog = limit;
    if (!m_stack->HashListener(this))
    {
        return -1; // ENOMEM: the group's socks[] cannot grow
    }
    SetState(LISTEN);
    return 0;
}

int
ReuseportListener::Close()
{
    NS_LOG_FUNCTION(this);
    if (m_state == CLOSED)
    {
        return -1; // EBADF
    }
    Ptr<ReuseportListener> self = this;
    bool wasListening = m_state == LISTEN;
    SetState(CLOSED);
    if (wasListening)
    {
        StopListening();
    }
    MaybeRelease();
    return 0;
}

int
ReuseportListener::Shutdown()
{
    NS_LOG_FUNCTION(this);
    if (m_state != LISTEN)
    {
        return -1; // ENOTCONN
    }
    Ptr<ReuseportListener> self = this;
    SetState(SHUTDOWN);
    StopListening();
    return 0;
}

void
ReuseportListener::StopListening()
{
    NS_LOG_FUNCTION(this);
    // tcp_set_state(TCP_CLOSE) unhashes first, so the capability decision precedes the
    // accept-queue walk, and no segment can select this listener any more.
    m_listenEpoch++;
    bool capable = m_stack->UnhashListener(this);
    NS_LOG_DEBUG("listener " << m_id << " stops listening, migration-capable " << capable);
    if (m_autobind)
    {
        m_port = 0; // an autobound port is released; listen() again picks a new one
    }
    // inet_csk_listen_stop: each child in FIFO order.
    while (!m_acceptQueue.empty())
    {
        Ptr<ReuseportTcpSocket> child = m_acceptQueue.front();
        m_acceptQueue.pop_front();
        m_acceptQueueLength--;
        child->SetListener(nullptr);
        ForgetOrMigrateChild(child, capable);
    }
}

void
ReuseportListener::ForgetOrMigrateChild(Ptr<ReuseportTcpSocket> child, bool capable)
{
    if (!capable)
    {
        child->Abort(RstCause::ACCEPT_QUEUE_PURGE);
        return;
    }
    MigratingState state = MigratingState::ESTABLISHED;
    switch (child->GetState())
    {
    case TcpSocket::CLOSE_WAIT:
        state = MigratingState::CLOSE_WAIT;
        break;
    case TcpSocket::CLOSED:
        state = MigratingState::CLOSE;
        break;
    default:
        break;
    }
    ReuseportStack::MigrationDecision d = m_stack->MigrateTarget(this,
                                                                 MigrationPoint::CLOSE,
                                                                 child->GetTuple(),
                                                                 child->GetFlowHash(),
                                                                 state,
                                                                 nullptr);
    if (!d.target)
    {
        // reuseport_migrate_sock counted the failure; inet_child_forget resets the child.
        child->Abort(!d.attempted                                ? RstCause::ACCEPT_QUEUE_PURGE
                     : d.result == MigrationResult::PROGRAM_DROP ? RstCause::PROGRAM_DROP
                                                                 : RstCause::MIGRATION_FAILURE);
        return;
    }
    if (!d.target->IsListening())
    {
        // inet_csk_reqsk_queue_add refuses a target that is not LISTEN and forgets the child.
        m_stack->NoteMigration(child->GetTuple(),
                               MigrationPoint::CLOSE,
                               this,
                               d.target,
                               MigrationResult::TARGET_NOT_LISTENING);
        child->Abort(RstCause::MIGRATION_FAILURE);
        return;
    }
    // Appended with no backlog check and no wake-up of the target's acceptors.
    d.target->EnqueueChild(child);
    m_stack->NoteMigration(child->GetTuple(),
                           MigrationPoint::CLOSE,
                           this,
                           d.target,
                           MigrationResult::SUCCESS);
}

void
ReuseportListener::MaybeRelease()
{
    // A closed listener lives on while requests refer to it (sk_destruct at refcount 0).
    if (m_state == CLOSED && m_requestRefs == 0 && m_stack)
    {
        m_stack->ReleaseListener(this);
    }
}

Ptr<ReuseportTcpSocket>
ReuseportListener::Accept()
{
    NS_LOG_FUNCTION(this);
    if (m_acceptQueue.empty())
    {
        return nullptr;
    }
    Ptr<ReuseportTcpSocket> child = m_acceptQueue.front();
    m_acceptQueue.pop_front();
    m_acceptQueueLength--;
    child->SetAccepted();
    m_stack->m_childAcceptedTrace(child->GetTuple(), this);
    return child;
}

int
ReuseportListener::AttachProgram(Ptr<ReuseportProgram> program)
{
    NS_LOG_FUNCTION(this << program);
    if (m_state == CLOSED)
    {
        return -1; // EBADF
    }
    if (m_state == LISTEN && m_group)
    {
        m_group->SetProgram(program);
        return 0;
    }
    if (m_group)
    {
        // Through a shut-down member: the socket moves to a solo group of its own rather
        // than changing the live group's program.
        m_stack->ReleaseListener(this);
    }
    m_pendingProgram = program;
    return 0;
}

int
ReuseportListener::DetachProgram()
{
    NS_LOG_FUNCTION(this);
    if (m_state == LISTEN && m_group && m_group->GetProgram())
    {
        m_group->SetProgram(nullptr);
        return 0;
    }
    if (m_state != LISTEN && m_pendingProgram)
    {
        m_pendingProgram = nullptr;
        return 0;
    }
    return -1; // ENOENT
}

void
ReuseportListener::SetAcceptCallback(Callback<void, Ptr<ReuseportListener>> cb)
{
    m_acceptCb = cb;
}

ReuseportListener::State
ReuseportListener::GetState() const
{
    return m_state;
}

bool
ReuseportListener::IsListening() const
{
    return m_state == LISTEN;
}

InetSocketAddress
ReuseportListener::GetLocal() const
{
    return InetSocketAddress(m_addr, m_port);
}

uint32_t
ReuseportListener::GetId() const
{
    return m_id;
}

int32_t
ReuseportListener::GetSynQueueLength() const
{
    return m_qlen;
}

int32_t
ReuseportListener::GetYoungLength() const
{
    return m_young;
}

uint32_t
ReuseportListener::GetListenEpoch() const
{
    return m_listenEpoch;
}

uint64_t
ReuseportListener::GetHashSequence() const
{
    return m_hashSeq;
}

uint32_t
ReuseportListener::GetRequestReferences() const
{
    return m_requestRefs;
}

uint32_t
ReuseportListener::GetAcceptQueueLength() const
{
    return m_acceptQueueLength;
}

uint32_t
ReuseportListener::GetMaxAckBacklog() const
{
    return m_maxAckBacklog;
}

Ptr<ReuseportGroup>
ReuseportListener::GetGroup() const
{
    return m_group;
}

Ptr<ReuseportStack>
ReuseportListener::GetStack() const
{
    return m_stack;
}

Ptr<ReuseportTcpSocket>
ReuseportListener::GetSocketTemplate() const
{
    return m_template;
}

void
ReuseportListener::SetLabel(const std::string& key, const std::string& value)
{
    m_labels[key] = value;
}

std::string
ReuseportListener::GetLabel(const std::string& key) const
{
    auto it = m_labels.find(key);
    return it == m_labels.end() ? "" : it->second;
}

const std::map<std::string, std::string>&
ReuseportListener::GetLabels() const
{
    return m_labels;
}

void
ReuseportListener::SetState(State state)
{
    if (state == m_state)
    {
        return;
    }
    State old = m_state;
    m_state = state;
    NS_LOG_DEBUG("listener " << m_id << " " << StateName(old) << " -> " << StateName(state));
    m_stateTrace(this, old, state);
}

bool
ReuseportListener::IsSynQueueFull() const
{
    // Linux 6.13+ (and stable trees since Jan 2025): backlog + 1 requests fit. The kernel
    // compares its signed qlen as unsigned, so a negative qlen reads as full.
    return static_cast<uint32_t>(m_qlen.Get()) > m_maxAckBacklog;
}

bool
ReuseportListener::IsAcceptQueueFull() const
{
    return m_acceptQueueLength > m_maxAckBacklog;
}

uint32_t
ReuseportListener::GetSynAckRetries() const
{
    return m_synCount != 0 ? m_synCount : m_stack->GetSynackRetries();
}

uint8_t
ReuseportListener::GetDeferAcceptRetrans() const
{
    // secs_to_retrans(): the smallest count of timeouts (1 s doubling, capped at 120 s)
    // whose sum reaches the requested time.
    if (m_deferAccept.IsZero())
    {
        return 0;
    }
    double seconds = m_deferAccept.GetSeconds();
    double timeout = 1;
    double period = timeout;
    uint8_t res = 1;
    while (seconds > period && res < 255)
    {
        ++res;
        timeout = std::min(timeout * 2, 120.0);
        period += timeout;
    }
    return res;
}

void
ReuseportListener::EnqueueChild(Ptr<ReuseportTcpSocket> child)
{
    m_acceptQueue.push_back(child);
    m_acceptQueueLength++;
    child->SetListener(this);
    m_stack->m_childQueuedTrace(child->GetTuple(), this);
}

void
ReuseportListener::QueueRemoved(bool young)
{
    m_qlen -= 1;
    if (young)
    {
        m_young--;
    }
}

void
ReuseportListener::QueueAdded(bool young)
{
    m_qlen += 1;
    if (young)
    {
        m_young++;
    }
}

} // namespace ns3
