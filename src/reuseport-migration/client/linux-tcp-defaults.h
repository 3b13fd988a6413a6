/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef LINUX_TCP_DEFAULTS_H
#define LINUX_TCP_DEFAULTS_H

#include "ns3/nstime.h"
#include "ns3/ptr.h"

#include <cstdint>

namespace ns3
{

class TcpSocket;

/**
 * \ingroup reuseport-migration
 * \brief Linux-like settings for stock ns-3 TCP sockets.
 *
 * ns-3's TCP defaults follow the RFCs (3 s initial RTO, 1 s minimum RTO, 200 ms
 * delayed ACK, 6 retries, 4 min TIME_WAIT) while the experiments compare against a
 * Linux kernel, so client sockets are tuned to the Linux defaults:
 *
 * | ns-3 attribute                    | value  | Linux name                       |
 * |-----------------------------------|--------|----------------------------------|
 * | TcpSocket::ConnTimeout            | 1 s    | TCP_TIMEOUT_INIT                 |
 * | TcpSocket::ConnCount (SYN tx)     | 7      | 1 + net.ipv4.tcp_syn_retries (6) |
 * | TcpSocket::DataRetries            | 15     | net.ipv4.tcp_retries2            |
 * | TcpSocket::DelAckTimeout          | 40 ms  | TCP_DELACK_MIN                   |
 * | TcpSocketBase::MinRto             | 200 ms | TCP_RTO_MIN                      |
 * | TcpSocketBase::ClockGranularity   | 200 ms | the floor of rttvar: TCP_RTO_MIN |
 * | TcpSocketBase::MaxSegLifetime     | 30 s   | TCP_TIMEWAIT_LEN (60 s) = 2 MSL  |
 *
 * ns-3 computes RTO = max(srtt + max(G, 4 rttvar), MinRto) (RFC 6298 with clock
 * granularity G). Linux keeps rttvar at least TCP_RTO_MIN (tcp_rtt_estimator), so its
 * RTO is srtt + max(4 rttvar, 200 ms): the same formula with G = 200 ms. With 1 ms the
 * RTO would stay 200 ms at any RTT below 50 ms, where Linux's is 200 ms + srtt.

 * ns-3 counts SYN *transmissions* in ConnCount (7: tcp_syn_retries = 6). ns-3 backs the
 * SYN timer off at once; Linux 6.5+ keeps it at 1 s for tcp_syn_linear_timeouts (4)
 * retransmissions first, so LinuxTcpSocket sends SYNs at 0, 1, 2, 3, 4, 5 and 7 s and
 * fails the connect at 11 s, as measured on Linux 6.18.
 *
 * LinuxTcpSocket adds the behaviours that attributes cannot give (challenge ACKs, the
 * tail loss probe, RTT samples from timestamps, quick ACKs). Remaining differences:
 * ns-3 caps the backed-off RTO at 60 s (Linux TCP_RTO_MAX is 120 s), has no FIN_WAIT_2
 * timeout (tcp_fin_timeout), and closing a SYN_SENT socket sends a RST in ns-3 but
 * nothing in Linux (ClientConnection aborts such sockets silently). LinuxTcpSocket moves
 * its SYN, RTO and loss probe timers onto Linux's jiffy wheel (LinuxTimerWheel); ns-3's
 * delayed-ACK and TIME_WAIT timers keep exact times.
 */
class LinuxTcpDefaults
{
  public:
    static constexpr uint32_t SYN_TRANSMISSIONS = 7; //!< 1 + net.ipv4.tcp_syn_retries
    static constexpr uint32_t DATA_RETRIES = 15;     //!< net.ipv4.tcp_retries2

    /**
     * \brief Initial SYN retransmission timeout.
     * \return TCP_TIMEOUT_INIT (1 s)
     */
    static Time ConnTimeout();

    /**
     * \brief Minimum retransmission timeout.
     * \return TCP_RTO_MIN (200 ms)
     */
    static Time MinRto();

    /**
     * \brief Delayed ACK timeout.
     * \return TCP_DELACK_MIN (40 ms)
     */
    static Time DelAckTimeout();

    /**
     * \brief The clock granularity G of ns-3's RTO formula.
     * \return 200 ms, Linux's floor of rttvar (TCP_RTO_MIN)
     */
    static Time ClockGranularity();

    /**
     * \brief The shortest TCP timer (TCP_TIMEOUT_MIN, 2 jiffies), used by the loss probe.
     * \return 8 ms (HZ=250, Debian's and this project's reference kernel)
     */
    static Time TimeoutMin();

    /**
     * \brief Maximum segment lifetime; TIME_WAIT lasts twice this.
     * \return 30 s, so that TIME_WAIT lasts TCP_TIMEWAIT_LEN (60 s)
     */
    static Time MaxSegLifetime();

    /**
     * \brief Apply the Linux-like settings to one socket.
     *
     * Call before Connect(): ns-3 copies the SYN budget when connecting. The
     * TcpSocketBase settings are skipped (with a warning) for sockets that are not
     * TcpSocketBase.
     *
     * \param socket the socket to configure
     */
    static void Apply(Ptr<TcpSocket> socket);

    /**
     * \brief Make the Linux-like settings the default of every TCP socket created
     * afterwards, through Config::SetDefault.
     */
    static void SetGlobalDefaults();
};

} // namespace ns3

#endif /* LINUX_TCP_DEFAULTS_H */
