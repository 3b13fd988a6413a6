/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REQUEST_SOCK_H
#define REQUEST_SOCK_H

#include "four-tuple.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

#include <cstdint>

namespace ns3
{

class ReuseportListener;
class TcpHeader;

/**
 * \ingroup reuseport-migration
 * \brief A request socket (TCP_NEW_SYN_RECV): the state a listener keeps for a handshake in
 * progress, sized like the kernel's struct tcp_request_sock rather than a full socket.
 *
 * It lives in the node's established hash under its 4-tuple, names its owning listener
 * (rsk_listener, which migration may change) and has its own SYN-ACK timer. It becomes a
 * full socket (a child) only when the client's final ACK arrives.
 */
struct RequestSock
{
    FourTuple tuple;                 //!< the connection
    uint32_t hash{0};                //!< flow hash (sk_hash), as used to steer the SYN
    uint32_t irs{0};                 //!< the client's initial sequence number
    uint32_t iss{0};                 //!< our initial sequence number (snt_isn)
    uint32_t tsRecent{0};            //!< the client's last TSval, echoed in SYN-ACKs
    uint16_t peerWindow{0};          //!< the SYN's (unscaled) window
    uint16_t rcvWindow{0};           //!< the window our SYN-ACK advertised
    uint8_t numTimeout{0};           //!< timer expiries that re-armed (num_timeout)
    uint8_t numRetrans{0};           //!< SYN-ACK retransmissions (num_retrans)
    uint8_t sndWscale{0};            //!< the client's window scale
    uint8_t rcvWscale{0};            //!< our window scale, announced in the SYN-ACK
    bool wscaleOk : 1;               //!< window scaling negotiated
    bool sackOk : 1;                 //!< SACK permitted
    bool tsOk : 1;                   //!< timestamps negotiated
    bool ecnOk : 1;                  //!< ECN negotiated
    bool acked : 1;                  //!< a final ACK was refused (overflow, defer-accept)
    Time timeout;                    //!< initial SYN-ACK timeout (req->timeout)
    Time created;                    //!< when the SYN arrived
    Time lastOowAck;                 //!< last answer to an out-of-window segment
    Ptr<ReuseportListener> listener; //!< owner (rsk_listener); holds a reference
    EventId timer;                   //!< the SYN-ACK timer (rsk_timer)

    RequestSock();
    ~RequestSock();

    /**
     * \return true while the request has not had a SYN-ACK timeout ("young")
     */
    bool IsYoung() const
    {
        return numTimeout == 0;
    }

    /**
     * \brief Record the options a SYN offers (window, window scale, SACK, timestamps, ECN).
     *
     * What is negotiated also depends on the listener; the caller clears what the listener
     * does not support.
     *
     * \param syn the SYN's header
     */
    void ParseSyn(const TcpHeader& syn);

    /**
     * \brief Timer delay after num_timeout expiries: min(timeout << num_timeout, cap).
     * \param cap TCP_RTO_MAX (or the listener's maximum RTO)
     * \return the delay
     */
    Time Backoff(Time cap) const;
};

} // namespace ns3

#endif /* REQUEST_SOCK_H */
