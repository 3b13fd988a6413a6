/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/linux-tcp-socket.h"

#include "ns3/boolean.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/linux-timer-wheel.h"
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
            .AddAttribute("SynLinearTimeouts",
                          "SYN retransmissions after a flat ConnTimeout before the backoff "
                          "doubles (net.ipv4.tcp_syn_linear_timeouts, Linux 6.5+)",
                          UintegerValue(4),
                          MakeUintegerAccessor(&LinuxTcpSocket::m_synLinearTimeouts),
                          MakeUintegerChecker<uint32_t>(0, 30))
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
      m_synLinearTimeouts(4),
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
      m_synLinearTimeouts(sock.m_synLinearTimeouts),
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
    RoundRetxTimer();
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
    pto = LinuxTimerWheel::Delay(pto);
    // "If the RTO formula yields an earlier time, then use that time."
    Time rtoLeft = m_retxEvent.IsRunning() ? Simulator::GetDelayLeft(m_retxEvent)
                                           : LinuxTimerWheel::Delay(m_rto.Get());
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
        m_retxEvent =
            Simulator::Schedule(LinuxTimerWheel::Delay(m_rto), &LinuxTcpSocket::ReTxTimeout, this);
        m_roundedRetx = m_retxEvent.GetUid();
    }
}

void
LinuxTcpSocket::NewAck(const SequenceNumber32& seq, bool resetRTO)
{
    m_lossProbeEvent.Cancel();
    m_probeOutstanding = false;
    TcpSocketBase::NewAck(seq, resetRTO);
    RoundRetxTimer();
    if (m_deferredFin != 0 && CwndAllowsFin())
    {
        uint8_t fin = m_deferredFin;
        m_deferredFin = 0;
        SendEmptyPacket(fin);
    }
    ScheduleLossProbe(); // tcp_set_xmit_timer after an ACK
}

void
LinuxTcpSocket::ReTxTimeout()
{
    m_lossProbeEvent.Cancel();
    m_probeOutstanding = false;
    TcpSocketBase::ReTxTimeout();
    RoundRetxTimer();
}

void
LinuxTcpSocket::SendEmptyPacket(uint8_t flags)
{
    if ((flags & TcpHeader::FIN) && !(flags & TcpHeader::SYN) && m_closedByApp && !CwndAllowsFin())
    {
        // tcp_send_fin queues the FIN behind the data in flight, and tcp_write_xmit sends
        // it only within the congestion window: after an RTO (cwnd 1) it waits for an ACK.
        // The real kernel here kept retransmitting the request of a timed-out connection
        // and sent no FIN; ns-3 sends the FIN at once.
        NS_LOG_LOGIC(this << " FIN waits for the congestion window");
        m_deferredFin = flags;
        return;
    }
    bool syn = (flags & TcpHeader::SYN) && !(flags & TcpHeader::ACK) && m_synCount > 0;
    uint32_t synsBefore = m_synRetries - m_synCount; // the index of this SYN, 0 the first
    bool timerRan = m_retxEvent.IsRunning();
    TcpSocketBase::SendEmptyPacket(flags);
    if (syn && m_state == SYN_SENT)
    {
        // tcp_retransmit_timer in SYN_SENT: the first tcp_syn_linear_timeouts
        // retransmissions keep the initial timeout, then it doubles (ns-3 doubles at once).
        uint32_t doublings =
            synsBefore > m_synLinearTimeouts ? synsBefore - m_synLinearTimeouts : 0;
        m_rto = m_cnTimeout * static_cast<int64_t>(uint64_t{1} << std::min(doublings, 30U));
    }
    if (!timerRan && m_retxEvent.IsRunning())
    {
        // A SYN or FIN retransmission timer, armed by the base class: on the jiffy wheel.
        m_retxEvent.Cancel();
        m_retxEvent = Simulator::Schedule(LinuxTimerWheel::Delay(m_rto),
                                          &LinuxTcpSocket::SendEmptyPacket,
                                          this,
                                          flags);
        m_roundedRetx = m_retxEvent.GetUid();
    }
}

bool
LinuxTcpSocket::CwndAllowsFin() const
{
    // tcp_cwnd_test counts packets: a 200-byte request in flight fills a window of one.
    uint32_t mss = std::max<uint32_t>(m_tcb->m_segmentSize, 1);
    uint32_t inFlight = (BytesInFlight() + mss - 1) / mss;
    uint32_t cwnd = std::max<uint32_t>(m_tcb->m_cWnd.Get() / mss, 1);
    return inFlight < cwnd;
}

void
LinuxTcpSocket::RoundRetxTimer()
{
    // The base class arms the RTO timer at ns-3's exact time; Linux's fires on a jiffy
    // bucket (LinuxTimerWheel). Each timer is moved once, right after it was armed.
    if (!m_retxEvent.IsRunning() || m_retxEvent.GetUid() == m_roundedRetx)
    {
        return;
    }
    Time left = Simulator::GetDelayLeft(m_retxEvent);
    m_retxEvent.Cancel();
    m_retxEvent =
        Simulator::Schedule(LinuxTimerWheel::Delay(left), &LinuxTcpSocket::ReTxTimeout, this);
    m_roundedRetx = m_retxEvent.GetUid();
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
