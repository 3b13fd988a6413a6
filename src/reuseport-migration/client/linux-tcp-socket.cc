/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/linux-tcp-socket.h"

#include "ns3/boolean.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/log.h"
#include "ns3/rtt-estimator.h"
#include "ns3/simulator.h"
#include "ns3/tcp-rx-buffer.h"
#include "ns3/tcp-tx-buffer.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("LinuxTcpSocket");

NS_OBJECT_ENSURE_REGISTERED(LinuxTcpSocket);

TypeId
LinuxTcpSocket::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::LinuxTcpSocket")
            .SetParent<TcpSocketBase>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<LinuxTcpSocket>()
            .AddAttribute("TailLossProbe",
                          "Send a tail loss probe before the RTO "
                          "(net.ipv4.tcp_early_retrans = 3, Linux's default)",
                          BooleanValue(true),
                          MakeBooleanAccessor(&LinuxTcpSocket::m_tailLossProbe),
                          MakeBooleanChecker())
            .AddAttribute("InvalidRateLimit",
                          "Least time between two challenge ACKs of one socket "
                          "(net.ipv4.tcp_invalid_ratelimit)",
                          TimeValue(MilliSeconds(500)),
                          MakeTimeAccessor(&LinuxTcpSocket::m_invalidRateLimit),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("QuickAcks",
                          "Data segments acknowledged at once at the start of a connection "
                          "(TCP_MAX_QUICKACKS); 0 leaves ns-3's delayed ACKs alone",
                          UintegerValue(16),
                          MakeUintegerAccessor(&LinuxTcpSocket::m_quickAcks),
                          MakeUintegerChecker<uint32_t>())
            .AddTraceSource("LossProbe",
                            "A tail loss probe was sent: its first sequence number and size",
                            MakeTraceSourceAccessor(&LinuxTcpSocket::m_lossProbeTrace),
                            "ns3::LinuxTcpSocket::LossProbeCallback")
            .AddTraceSource("ChallengeAck",
                            "A SYN in a synchronized state was answered with an ACK",
                            MakeTraceSourceAccessor(&LinuxTcpSocket::m_challengeAckTrace),
                            "ns3::SequenceNumber32::TracedValueCallback");
    return tid;
}

TypeId
LinuxTcpSocket::GetInstanceTypeId() const
{
    return LinuxTcpSocket::GetTypeId();
}

LinuxTcpSocket::LinuxTcpSocket()
    : TcpSocketBase(),
      m_tailLossProbe(true),
      m_invalidRateLimit(MilliSeconds(500)),
      m_quickAcks(16),
      m_quickAcksUsed(0),
      m_probeOutstanding(false),
      m_challengeAckSent(false),
      m_closedByApp(false)
{
    NS_LOG_FUNCTION(this);
}

LinuxTcpSocket::LinuxTcpSocket(const LinuxTcpSocket& sock)
    : TcpSocketBase(sock),
      m_tailLossProbe(sock.m_tailLossProbe),
      m_invalidRateLimit(sock.m_invalidRateLimit),
      m_quickAcks(sock.m_quickAcks),
      m_quickAcksUsed(0),
      m_probeOutstanding(false),
      m_challengeAckSent(false),
      m_closedByApp(false)
{
    NS_LOG_FUNCTION(this);
}

LinuxTcpSocket::~LinuxTcpSocket()
{
    NS_LOG_FUNCTION(this);
    m_lossProbeEvent.Cancel(); // it holds a raw pointer to this socket
}

void
LinuxTcpSocket::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_lossProbeEvent.Cancel();
    TcpSocketBase::DoDispose();
}

Ptr<TcpSocketBase>
LinuxTcpSocket::Fork()
{
    return CopyObject<LinuxTcpSocket>(this);
}

bool
LinuxTcpSocket::IsSynchronized() const
{
    switch (m_state)
    {
    case ESTABLISHED:
    case FIN_WAIT_1:
    case FIN_WAIT_2:
    case CLOSE_WAIT:
    case CLOSING:
    case LAST_ACK:
        return true;
    default:
        return false;
    }
}

void
LinuxTcpSocket::DoForwardUp(Ptr<Packet> packet,
                            const Address& fromAddress,
                            const Address& toAddress)
{
    TcpHeader header;
    uint8_t flags = 0;
    uint32_t headerSize = packet->PeekHeader(header);
    if (headerSize > 0)
    {
        flags = header.GetFlags();
    }
    if ((flags & TcpHeader::SYN) && !(flags & TcpHeader::RST) && IsSynchronized())
    {
        // tcp_validate_incoming: in or out of the window, a SYN here gets a challenge ACK
        // and is dropped; nothing of it (window, options, ACK) is used.
        NS_LOG_LOGIC(this << " " << TcpHeader::FlagsToString(flags) << " in "
                          << TcpStateName[m_state] << ": challenge ACK");
        Ptr<Packet> payload = packet->Copy();
        payload->RemoveHeader(header);
        m_rxTrace(payload, header, this);
        SendChallengeAck();
        return;
    }
    if (!(flags & TcpHeader::RST) && IsDataAfterClose(header, packet->GetSize() - headerSize))
    {
        // tcp_rcv_state_process in FIN_WAIT_1/2 with RCV_SHUTDOWN: reset and done.
        NS_LOG_LOGIC(this << " data after close in " << TcpStateName[m_state] << ": RST");
        Ptr<Packet> payload = packet->Copy();
        payload->RemoveHeader(header);
        m_rxTrace(payload, header, this);
        SendRST();
        return;
    }
    TcpSocketBase::DoForwardUp(packet, fromAddress, toAddress);
}

int
LinuxTcpSocket::Close()
{
    m_closedByApp = true;
    return TcpSocketBase::Close();
}

bool
LinuxTcpSocket::IsDataAfterClose(const TcpHeader& header, uint32_t payload) const
{
    if (!m_closedByApp || payload == 0 || (m_state != FIN_WAIT_1 && m_state != FIN_WAIT_2))
    {
        return false;
    }
    return header.GetSequenceNumber() + SequenceNumber32(payload) >
           m_tcb->m_rxBuffer->NextRxSequence();
}

void
LinuxTcpSocket::SendChallengeAck()
{
    // __tcp_oow_rate_limited with the socket's last_oow_ack_time.
    Time now = Simulator::Now();
    if (m_challengeAckSent && now - m_lastChallengeAck < m_invalidRateLimit)
    {
        NS_LOG_LOGIC(this << " challenge ACK rate-limited (TCPACKSkippedChallenge)");
        return;
    }
    m_challengeAckSent = true;
    m_lastChallengeAck = now;
    // SendEmptyPacket recomputes the RTO from the estimator, which would undo a backoff;
    // Linux leaves icsk_rto alone when it sends an ACK.
    Time rto = m_rto;
    SendEmptyPacket(TcpHeader::ACK);
    m_rto = rto;
    m_challengeAckTrace(m_tcb->m_rxBuffer->NextRxSequence());
}

uint32_t
LinuxTcpSocket::SegmentsOut() const
{
    uint32_t bytes = m_tcb->m_highTxMark.Get() - m_txBuffer->HeadSequence();
    uint32_t mss = std::max<uint32_t>(m_tcb->m_segmentSize, 1);
    return (bytes + mss - 1) / mss;
}

uint32_t
LinuxTcpSocket::SendDataPacket(SequenceNumber32 seq, uint32_t maxSize, bool withAck)
{
    bool newData = seq >= m_tcb->m_highTxMark.Get();
    uint32_t sent = TcpSocketBase::SendDataPacket(seq, maxSize, withAck);
    if (newData && sent > 0)
    {
        ScheduleLossProbe(); // tcp_write_xmit ends with tcp_schedule_loss_probe
    }
    return sent;
}

void
LinuxTcpSocket::ScheduleLossProbe()
{
    if (!m_tailLossProbe || !m_sackEnabled || m_probeOutstanding)
    {
        return;
    }
    if (m_tcb->m_congState != TcpSocketState::CA_OPEN &&
        m_tcb->m_congState != TcpSocketState::CA_CWR)
    {
        return;
    }
    uint32_t out = SegmentsOut();
    if (out == 0)
    {
        return;
    }
    // Probe timeout 2 srtt, plus TCP_RTO_MIN for a delayed ACK when one segment is out,
    // else TCP_TIMEOUT_MIN; TCP_TIMEOUT_INIT before any RTT sample.
    Time pto = LinuxTcpDefaults::ConnTimeout();
    if (m_rtt->GetNSamples() > 0)
    {
        pto = m_rtt->GetEstimate() * 2 +
              (out == 1 ? LinuxTcpDefaults::MinRto() : LinuxTcpDefaults::TimeoutMin());
    }
    // "If the RTO formula yields an earlier time, then use that time."
    Time rtoLeft = m_retxEvent.IsRunning() ? Simulator::GetDelayLeft(m_retxEvent) : m_rto.Get();
    if (rtoLeft.IsStrictlyPositive())
    {
        pto = std::min(pto, rtoLeft);
    }
    // One timer in Linux: the probe replaces the RTO until it fires.
    m_retxEvent.Cancel();
    m_lossProbeEvent.Cancel();
    m_lossProbeEvent = Simulator::Schedule(pto, &LinuxTcpSocket::SendLossProbe, this);
    NS_LOG_LOGIC(this << " loss probe in " << pto.As(Time::MS) << ", " << out << " out");
}

void
LinuxTcpSocket::SendLossProbe()
{
    NS_LOG_FUNCTION(this);
    if ((m_endPoint == nullptr && m_endPoint6 == nullptr) || m_state == CLOSED ||
        m_state == TIME_WAIT)
    {
        return;
    }
    uint32_t outBytes = m_tcb->m_highTxMark.Get() - m_txBuffer->HeadSequence();
    if (outBytes == 0)
    {
        return;
    }
    m_retxEvent.Cancel();
    // tcp_send_loss_probe: new data if the window allows, otherwise the last segment.
    SequenceNumber32 seq;
    uint32_t size;
    uint32_t unsent = m_txBuffer->SizeFromSequence(m_tcb->m_highTxMark);
    if (unsent > 0 && AvailableWindow() > 0)
    {
        seq = m_tcb->m_highTxMark;
        size = std::min(unsent, m_tcb->m_segmentSize);
    }
    else
    {
        uint32_t tail = outBytes % m_tcb->m_segmentSize;
        size = tail > 0 ? tail : std::min(outBytes, m_tcb->m_segmentSize);
        seq = m_tcb->m_highTxMark.Get() - size;
    }
    m_probeOutstanding = true; // tlp_high_seq: one probe until something new is acked
    uint32_t sent = TcpSocketBase::SendDataPacket(seq, size, true);
    if (seq == m_tcb->m_nextTxSequence.Get())
    {
        m_tcb->m_nextTxSequence += sent;
    }
    m_lossProbeTrace(seq, sent);
    // tcp_rearm_rto: a full RTO from the probe (SendDataPacket arms it when none runs).
    if (!m_retxEvent.IsRunning())
    {
        m_retxEvent = Simulator::Schedule(m_rto, &LinuxTcpSocket::ReTxTimeout, this);
    }
}

void
LinuxTcpSocket::NewAck(const SequenceNumber32& seq, bool resetRTO)
{
    m_lossProbeEvent.Cancel();
    m_probeOutstanding = false;
    TcpSocketBase::NewAck(seq, resetRTO);
    ScheduleLossProbe(); // tcp_set_xmit_timer after an ACK
}

void
LinuxTcpSocket::ReTxTimeout()
{
    m_lossProbeEvent.Cancel();
    m_probeOutstanding = false;
    TcpSocketBase::ReTxTimeout();
}

void
LinuxTcpSocket::ReceivedData(Ptr<Packet> packet, const TcpHeader& tcpHeader)
{
    if (packet->GetSize() == 0 || m_quickAcksUsed >= m_quickAcks)
    {
        TcpSocketBase::ReceivedData(packet, tcpHeader);
        return;
    }
    // Quick ACK mode (tcp_in_quickack_mode): acknowledge this segment at once.
    ++m_quickAcksUsed;
    uint32_t delAckMaxCount = m_delAckMaxCount;
    m_delAckMaxCount = 1;
    TcpSocketBase::ReceivedData(packet, tcpHeader);
    m_delAckMaxCount = delAckMaxCount;
}

} // namespace ns3
