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
                                                                 0);
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

void
ReuseportListener::EnqueueChild(Ptr<ReuseportTcpSocket> child)
{
    m_acceptQueue.push_back(child);
    m_acceptQueueLength++;
    child->SetListener(this);
    m_stack->m_childQueuedTrace(child->GetTuple(), this);
}

void
ReuseportListener::RequestTimer(RequestSock* req)
{
    NS_LOG_FUNCTION(this << req->tuple);
    TcpMib& mib = m_stack->GetMib();
    Ptr<ReuseportListener> self = this;
    bool wasYoung = req->IsYoung();
    Ptr<ReuseportListener> listener = this; // sk_listener: the owner, or a migration target
    if (m_state != LISTEN)
    {
        // Migration point 2 (section 10).
        ReuseportStack::MigrationDecision d = m_stack->MigrateTarget(this,
                                                                     MigrationPoint::SYNACK_TIMER,
                                                                     req->tuple,
                                                                     req->hash,
                                                                     MigratingState::NEW_SYN_RECV,
                                                                     0);
        if (!d.target)
        {
            QueueRemoved(wasYoung); // dropped silently
            m_stack->m_requestEndTrace(req->tuple,
                                       this,
                                       d.attempted ? RequestEndReason::MIGRATION_FAILURE
                                                   : RequestEndReason::ORPHANED_TIMER);
            m_stack->DeleteRequest(req);
            return;
        }
        // The clone, owned by the target, counts in its queue from now on.
        listener = d.target;
        listener->QueueAdded(wasYoung);
    }

    uint32_t maxRetries = listener->GetSynAckRetries();
    int32_t qlen = listener->m_qlen;
    // Under pressure, requests that never answered get fewer retries (5.2 step 3). The
    // kernel compares these signed counters as unsigned.
    if (static_cast<uint32_t>(qlen << 1) > std::max<uint32_t>(8, listener->m_maxAckBacklog))
    {
        int32_t young = listener->m_young << 1;
        while (maxRetries > 2)
        {
            if (qlen < young)
            {
                break;
            }
            maxRetries--;
            young <<= 1;
        }
    }
    uint8_t defer = listener->GetDeferAcceptRetrans();
    bool expire;
    bool resend;
    if (defer == 0)
    {
        expire = req->numTimeout >= maxRetries;
        resend = true;
    }
    else
    {
        expire = req->numTimeout >= maxRetries && (!req->acked || req->numTimeout >= defer);
        resend = !req->acked || req->numTimeout >= defer - 1;
    }
    mib.Increment(TcpMib::TCP_TIMEOUTS);
    if (!expire)
    {
        if (resend)
        {
            m_stack->SendSynAck(*req, listener, ReuseportStack::TsNow(), true);
        }
        if (req->numTimeout++ == 0)
        {
            listener->m_young--;
        }
        if (listener != this)
        {
            // The clone replaced the original in the established hash.
            QueueRemoved(wasYoung);
            m_stack->SetRequestOwner(req, listener);
            m_stack->NoteMigration(req->tuple,
                                   MigrationPoint::SYNACK_TIMER,
                                   this,
                                   listener,
                                   MigrationResult::SUCCESS);
        }
        m_stack->ArmRequestTimer(req, req->Backoff(m_stack->m_rtoMax));
        return;
    }
    if (listener != this)
    {
        // Retries exhausted after cloning: the clone is discarded, the original dropped.
        listener->QueueRemoved(wasYoung);
        m_stack->NoteMigration(req->tuple,
                               MigrationPoint::SYNACK_TIMER,
                               this,
                               listener,
                               MigrationResult::EXPIRED);
    }
    QueueRemoved(wasYoung);
    m_stack->m_requestEndTrace(req->tuple, this, RequestEndReason::EXPIRED);
    m_stack->DeleteRequest(req);
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
