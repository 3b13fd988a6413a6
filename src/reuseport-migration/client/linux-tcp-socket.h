/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef LINUX_TCP_SOCKET_H
#define LINUX_TCP_SOCKET_H

#include "ns3/tcp-socket-base.h"
#include "ns3/traced-callback.h"

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief An ns-3 TCP socket with the Linux client behaviours that decide how often a
 * server under overload hears from a client whose final ACK it refused.
 *
 * When an accept queue is full, Linux drops the final ACK and keeps the request in
 * SYN_RECV; every later segment of that client reaches the request and counts another
 * TcpExtListenOverflows. Stock ns-3 sends fewer of them than Linux. This socket keeps
 * ns-3's TcpSocketBase and adds, each behind an attribute with Linux's default:
 *
 * - **Challenge ACKs** (RFC 5961 section 4.2, tcp_validate_incoming): a SYN in a
 *   synchronized state, such as the server's retransmitted SYN-ACK, is answered with an
 *   ACK, at most one per `InvalidRateLimit` (net.ipv4.tcp_invalid_ratelimit, 500 ms), and
 *   discarded. ns-3 ignores it, after resetting the congestion window.
 * - **Tail loss probe** (net.ipv4.tcp_early_retrans = 3, tcp_schedule_loss_probe): when
 *   new data goes out, the timer fires first at 2 srtt + 200 ms (one segment out) or
 *   2 srtt + 2 ms, capped by the RTO, and resends the last segment once; the RTO then runs
 *   from the probe. A lone request is so sent at +R, +2R, +4R, ... instead of +R, +3R, ...
 * - **Quick ACKs** (tcp_incr_quickack): the first `QuickAcks` data segments
 *   (TCP_MAX_QUICKACKS, 16) are acknowledged at once, not after the delayed-ACK timer.
 * - **Reset on data after close** (RFC 1122 4.2.2.13, TCPAbortOnData): once the
 *   application has closed, new data in FIN_WAIT_1/2 is answered with a RST and the
 *   connection ends. ns-3 takes and acknowledges the data, which a server answers with
 *   RSTs of its own once it has released the connection.
 *
 * The RTO formula itself (srtt + max(4 rttvar, 200 ms)) comes from LinuxTcpDefaults.
 */
class LinuxTcpSocket : public TcpSocketBase
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;

    LinuxTcpSocket();
    /**
     * \brief Copy constructor (Fork(), and cloning a template).
     * \param sock the socket to copy
     */
    LinuxTcpSocket(const LinuxTcpSocket& sock);
    ~LinuxTcpSocket() override;

    int Close() override;

  protected:
    Ptr<TcpSocketBase> Fork() override;
    void DoForwardUp(Ptr<Packet> packet,
                     const Address& fromAddress,
                     const Address& toAddress) override;
    uint32_t SendDataPacket(SequenceNumber32 seq, uint32_t maxSize, bool withAck) override;
    void NewAck(const SequenceNumber32& seq, bool resetRTO) override;
    void ReceivedData(Ptr<Packet> packet, const TcpHeader& tcpHeader) override;
    void ReTxTimeout() override;
    void SendEmptyPacket(uint8_t flags) override;
    void DoDispose() override;

  private:
    /**
     * \brief Whether the state is one where a SYN is invalid (RFC 793 "synchronized").
     * \return true from ESTABLISHED until the connection closes
     */
    bool IsSynchronized() const;

    /**
     * \brief Whether a segment brings new data to a socket its application closed.
     * \param header the segment's header
     * \param payload its payload size
     * \return true in FIN_WAIT_1/2 after Close() for data beyond RCV.NXT
     */
    bool IsDataAfterClose(const TcpHeader& header, uint32_t payload) const;

    /**
     * \brief Answer an invalid SYN with a challenge ACK unless one went out recently.
     */
    void SendChallengeAck();

    /**
     * \brief Replace the RTO timer by the loss probe timer when the probe comes first.
     */
    void ScheduleLossProbe();

    /**
     * \brief The loss probe timer: resend the last segment once, then run the RTO.
     */
    void SendLossProbe();

    /**
     * \brief Whether the congestion window has room for a FIN (tcp_cwnd_test).
     * \return true when fewer segments are in flight than the window holds
     */
    bool CwndAllowsFin() const;

    /**
     * \brief Move an RTO timer the base class just armed onto the jiffy wheel.
     */
    void RoundRetxTimer();

    /**
     * \brief The number of segments sent and not yet acknowledged (packets_out).
     * \return segments in flight, counting a partial one as one
     */
    uint32_t SegmentsOut() const;

    bool m_tailLossProbe;         //!< net.ipv4.tcp_early_retrans >= 3
    Time m_invalidRateLimit;      //!< net.ipv4.tcp_invalid_ratelimit
    uint32_t m_quickAcks;         //!< TCP_MAX_QUICKACKS
    uint32_t m_quickAcksUsed;     //!< Data segments acknowledged at once so far
    uint32_t m_synLinearTimeouts; //!< net.ipv4.tcp_syn_linear_timeouts
    uint32_t m_roundedRetx{0};    //!< Uid of the retransmission event already on the wheel
    uint8_t m_deferredFin{0};     //!< Flags of a FIN waiting for the congestion window
    EventId m_lossProbeEvent;     //!< The loss probe timer, when it replaces the RTO timer
    bool m_probeOutstanding; //!< A probe was sent and nothing since acknowledged (tlp_high_seq)
    Time m_lastChallengeAck; //!< When the last challenge ACK went out (last_oow_ack_time)
    bool m_challengeAckSent; //!< Whether m_lastChallengeAck is set
    bool m_closedByApp;      //!< Close() was called (RCV_SHUTDOWN in Linux)

    TracedCallback<SequenceNumber32, uint32_t> m_lossProbeTrace; //!< Probe: sequence, size
    TracedCallback<SequenceNumber32> m_challengeAckTrace;        //!< Challenge ACK: ack number
};

} // namespace ns3

#endif /* LINUX_TCP_SOCKET_H */
