/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TIME_WAIT_SOCK_H
#define TIME_WAIT_SOCK_H

#include "four-tuple.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"

#include <cstdint>

namespace ns3
{

class TcpHeader;

/**
 * \ingroup reuseport-migration
 * \brief A TIME_WAIT socket (struct tcp_timewait_sock): what remains of a server connection
 * that closed first, kept for TCP_TIMEWAIT_LEN instead of a full socket.
 *
 * The server side of the model replaces a full socket by this small record when it enters
 * TIME_WAIT, as Linux does, so that a busy server does not carry thousands of full sockets
 * and so that a client reusing the 4-tuple is treated as Linux treats it.
 */
struct TimeWaitSock
{
    /// What to do with a segment that hit a TIME_WAIT socket (tcp_timewait_state_process).
    enum Action : uint8_t
    {
        TW_SUCCESS, //!< consume silently
        TW_ACK,     //!< answer with an ACK (seq = sndNxt, ack = rcvNxt)
        TW_SYN,     //!< a new SYN that may reopen the 4-tuple: kill this and look up a listener
        TW_KILL,    //!< RST in window (TIME_WAIT assassination): remove this socket
    };

    static constexpr int64_t TIMEWAIT_LEN_S = 60; //!< TCP_TIMEWAIT_LEN in seconds

    FourTuple tuple;      //!< the connection
    uint32_t rcvNxt{0};   //!< next sequence number expected from the client
    uint32_t sndNxt{0};   //!< next sequence number we would send
    uint32_t tsRecent{0}; //!< the client's last TSval
    bool tsOk{false};     //!< timestamps negotiated
    uint16_t window{0};   //!< the window to advertise in ACKs
    Time tsRecentStamp;   //!< when tsRecent was recorded
    EventId timer;        //!< expiry (TCP_TIMEWAIT_LEN)

    /**
     * \brief Decide what a segment does to this TIME_WAIT socket (substate TIME_WAIT).
     * \param h the segment's TCP header
     * \param payload the segment's payload length
     * \param[out] rearm true if the TIME_WAIT timer must restart
     * \return the action
     */
    Action Process(const TcpHeader& h, uint32_t payload, bool& rearm);

    /**
     * \return the ISN the kernel gives a connection that reopens this 4-tuple
     * (tw_snd_nxt + 65535 + 2, never 0)
     */
    uint32_t ReopenIsn() const;
};

} // namespace ns3

#endif /* TIME_WAIT_SOCK_H */
