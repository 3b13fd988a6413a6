/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-tcp-socket.h"

#include "incoming-segment.h"
#include "request-sock.h"
#include "reuseport-listener.h"
#include "reuseport-stack.h"

#include "ns3/ipv4-end-point.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-rx-buffer.h"
#include "ns3/tcp-socket-setup.h"
#include "ns3/tcp-tx-buffer.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportTcpSocket");

NS_OBJECT_ENSURE_REGISTERED(ReuseportTcpSocket);

TypeId
ReuseportTcpSocket::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ReuseportTcpSocket")
                            .SetParent<TcpSocketBase>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<ReuseportTcpSocket>();
    return tid;
}

TypeId
ReuseportTcpSocket::GetInstanceTypeId() const
{
    return ReuseportTcpSocket::GetTypeId();
}

ReuseportTcpSocket::ReuseportTcpSocket()
    : TcpSocketBase()
{
    NS_LOG_FUNCTION(this);
}

ReuseportTcpSocket::ReuseportTcpSocket(const ReuseportTcpSocket& sock)
    : TcpSocketBase(sock),
      m_stack(sock.m_stack)
{
    NS_LOG_FUNCTION(this);
}

ReuseportTcpSocket::~ReuseportTcpSocket()
{
    NS_LOG_FUNCTION(this);
    DeleteOwnedEndPoint(m_ownedEndPoint, m_endPoint);
}

void
ReuseportTcpSocket::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_listener = nullptr;
    m_stack = nullptr;
    TcpSocketBase::DoDispose();
}

Ptr<TcpSocketBase>
ReuseportTcpSocket::Fork()
{
    return CopyObject<ReuseportTcpSocket>(this);
}

Ptr<ReuseportTcpSocket>
ReuseportTcpSocket::CloneChild() const
{
    return CopyObject<ReuseportTcpSocket>(Ptr<const ReuseportTcpSocket>(this));
}

const FourTuple&
ReuseportTcpSocket::GetTuple() const
{
    return m_tuple;
}

uint32_t
ReuseportTcpSocket::GetFlowHash() const
{
    return m_hash;
}

Ptr<ReuseportListener>
ReuseportTcpSocket::GetListener() const
{
    return m_listener;
}

Time
ReuseportTcpSocket::GetCreationTime() const
{
    return m_created;
}

bool
ReuseportTcpSocket::IsAccepted() const
{
    return m_accepted;
}

TcpSocket::TcpStates_t
ReuseportTcpSocket::GetState() const
{
    return m_state;
}

uint16_t
ReuseportTcpSocket::GetSynAckWindow() const
{
    return static_cast<uint16_t>(
        std::min<uint32_t>(m_tcb->m_rxBuffer->MaxBufferSize(), m_maxWinSize));
}

uint8_t
ReuseportTcpSocket::GetSynAckWscale() const
{
    return CalculateWScale();
}

bool
ReuseportTcpSocket::IsWscaleEnabled() const
{
    return m_winScalingEnabled;
}

bool
ReuseportTcpSocket::IsSackEnabled() const
{
    return m_sackEnabled;
}

bool
ReuseportTcpSocket::IsTimestampEnabled() const
{
    return m_timestampEnabled;
}

bool
ReuseportTcpSocket::IsEcnEnabled() const
{
    return m_tcb->m_useEcn != TcpSocketState::Off;
}

void
ReuseportTcpSocket::InitFromRequest(Ptr<ReuseportStack> stack, const RequestSock& req)
{
    NS_LOG_FUNCTION(this << req.tuple);
    m_stack = stack;
    m_tuple = req.tuple;
    m_hash = req.hash;
    m_created = Simulator::Now();

    // The endpoint stays outside ns-3's demux: the stack's established hash delivers to it.
    m_ownedEndPoint = new Ipv4EndPoint(req.tuple.local, req.tuple.localPort);
    m_ownedEndPoint->SetPeer(req.tuple.remote, req.tuple.remotePort);
    m_endPoint = m_ownedEndPoint;
    m_endPoint6 = nullptr;
    SetupCallback();

    // What CompleteFork() leaves in a stock child.
    m_state = SYN_RCVD;
    m_synCount = m_synRetries;
    m_dataRetrCount = m_dataRetries;

    // The options the request negotiated (tcp_create_openreq_child copies them from it).
    m_rWnd = req.peerWindow;
    m_winScalingEnabled = req.wscaleOk;
    if (req.wscaleOk)
    {
        m_sndWindShift = req.sndWscale;
        m_rcvWindShift = req.rcvWscale;
    }
    else
    {
        m_sndWindShift = 0;
        m_rcvWindShift = 0;
    }
    m_sackEnabled = req.sackOk;
    m_txBuffer->SetSackEnabled(req.sackOk);
    m_timestampEnabled = req.tsOk;
    if (req.tsOk)
    {
        m_tcb->m_rcvTimestampValue = req.tsRecent;
        m_timestampToEcho = req.tsRecent;
    }
    m_tcb->m_cWnd = GetInitialCwnd() * GetSegSize();
    m_tcb->m_cWndInfl = m_tcb->m_cWnd;
    m_tcb->m_ssThresh = GetInitialSSThresh();
    m_tcb->m_ecnState =
        (req.ecnOk && IsEcnEnabled()) ? TcpSocketState::ECN_IDLE : TcpSocketState::ECN_DISABLED;

    // Sequence space: our SYN-ACK used iss; the handshake's ACK moves everything to iss+1.
    SequenceNumber32 iss(req.iss);
    m_tcb->m_rxBuffer->SetNextRxSequence(SequenceNumber32(req.irs + 1));
    m_tcb->m_nextTxSequence = iss;
    m_tcb->m_highTxMark = iss;
    m_txBuffer->SetHeadSequence(iss);
    m_highRxAckMark = iss;
    m_recover = iss;
    m_ecnEchoSeq = iss;
    m_ecnCWRSeq = iss;
    m_highTxAck = SequenceNumber32(req.irs + 1);
    m_highRxMark = SequenceNumber32(req.irs + 1);
    m_ecnCESeq = SequenceNumber32(req.irs);

    // The SYN-ACK's RTT sample, as a stock child records it (Karn: none after a resend).
    m_history.clear();
    m_history.emplace_back(iss, 0, req.created);
    m_history.back().retx = req.numRetrans > 0;
}

void
ReuseportTcpSocket::SetListener(Ptr<ReuseportListener> listener)
{
    m_listener = listener;
}

void
ReuseportTcpSocket::SetAccepted()
{
    m_accepted = true;
    m_listener = nullptr;
}

void
ReuseportTcpSocket::Deliver(const IncomingSegment& seg)
{
    NS_LOG_FUNCTION(this << seg.tuple);
    NS_ASSERT(m_endPoint);
    m_endPoint->ForwardUp(seg.packet, seg.ip, seg.tuple.remotePort, seg.iif);
}

bool
ReuseportTcpSocket::IsReleased() const
{
    return m_endPoint == nullptr;
}

void
ReuseportTcpSocket::Abort(RstCause cause)
{
    NS_LOG_FUNCTION(this << RstCauseName(cause));
    TcpStates_t before = m_state;
    // tcp_need_reset(): only states with a synchronised peer get a RST.
    bool needReset = before == ESTABLISHED || before == CLOSE_WAIT || before == FIN_WAIT_1 ||
                     before == FIN_WAIT_2 || before == SYN_RCVD;
    if (needReset && m_endPoint)
    {
        m_rstCause = cause;
        SendRST();
    }
    else
    {
        DeallocateEndPoint();
    }
    m_state = CLOSED;
    AfterEvent(before);
}

void
ReuseportTcpSocket::AfterEvent(TcpStates_t before)
{
    if (m_state == ESTABLISHED)
    {
        m_wasEstablished = true;
    }
    if (!m_inEhash || !m_stack)
    {
        return;
    }
    if (m_state == TIME_WAIT)
    {
        m_stack->EnterTimeWait(this);
        return;
    }
    if (m_endPoint == nullptr)
    {
        // A connection that leaves ESTABLISHED or CLOSE_WAIT for CLOSE was reset.
        if (before == ESTABLISHED || before == CLOSE_WAIT)
        {
            m_stack->GetMib().Increment(TcpMib::TCP_ESTAB_RESETS);
        }
        m_stack->ReleaseChild(this);
    }
}

void
ReuseportTcpSocket::ReleaseForTimeWait()
{
    NS_LOG_FUNCTION(this);
    CancelAllTimers();
    DeallocateEndPoint();
    m_state = CLOSED;
}

void
ReuseportTcpSocket::DoForwardUp(Ptr<Packet> packet,
                                const Address& fromAddress,
                                const Address& toAddress)
{
    TcpStates_t before = m_state;
    Ptr<ReuseportTcpSocket> self = this; // the event may drop the last other reference
    TcpSocketBase::DoForwardUp(packet, fromAddress, toAddress);
    AfterEvent(before);
}

int
ReuseportTcpSocket::Close()
{
    TcpStates_t before = m_state;
    Ptr<ReuseportTcpSocket> self = this;
    int ret = TcpSocketBase::Close();
    AfterEvent(before);
    return ret;
}

void
ReuseportTcpSocket::ReTxTimeout()
{
    TcpStates_t before = m_state;
    Ptr<ReuseportTcpSocket> self = this;
    TcpSocketBase::ReTxTimeout();
    AfterEvent(before);
}

void
ReuseportTcpSocket::SendEmptyPacket(uint8_t flags)
{
    if ((flags & TcpHeader::RST) && m_endPoint && m_stack)
    {
        m_stack->NotifyRstSent(m_tuple, m_rstCause);
        m_rstCause = RstCause::CONNECTION_ABORT;
    }
    TcpSocketBase::SendEmptyPacket(flags);
}

uint32_t
ReuseportTcpSocket::GetSndNxt() const
{
    // After our FIN the next sequence number is one past the highest byte sent.
    return m_tcb->m_highTxMark.Get().GetValue() + 1;
}

uint32_t
ReuseportTcpSocket::GetRcvNxt() const
{
    return m_tcb->m_rxBuffer->NextRxSequence().GetValue();
}

uint32_t
ReuseportTcpSocket::GetTsRecent() const
{
    return m_tcb->m_rcvTimestampValue;
}

bool
ReuseportTcpSocket::UsesTimestamps() const
{
    return m_timestampEnabled;
}

uint16_t
ReuseportTcpSocket::GetAdvertisedWindowField() const
{
    return AdvertisedWindowSize();
}

} // namespace ns3
