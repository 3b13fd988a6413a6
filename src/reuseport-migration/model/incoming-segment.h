/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef INCOMING_SEGMENT_H
#define INCOMING_SEGMENT_H

#include "four-tuple.h"

#include "ns3/ipv4-header.h"
#include "ns3/ipv4-interface.h"
#include "ns3/packet.h"
#include "ns3/tcp-header.h"

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief A TCP segment that reached a node's listener machinery, with what every step of
 * the receive path needs (tcp_v4_rcv's skb and its control block).
 */
struct IncomingSegment
{
    Ptr<Packet> packet;     //!< the segment, TCP header included
    TcpHeader header;       //!< its TCP header
    Ipv4Header ip;          //!< its IPv4 header
    Ptr<Ipv4Interface> iif; //!< the interface it arrived on
    FourTuple tuple;        //!< the connection, from the server's side
    uint32_t payload{0};    //!< payload length in bytes

    /// \return the segment's TCP flags
    uint8_t Flags() const
    {
        return header.GetFlags();
    }

    /// \return the sequence number as an integer
    uint32_t Seq() const
    {
        return header.GetSequenceNumber().GetValue();
    }

    /// \return the acknowledgement number as an integer
    uint32_t Ack() const
    {
        return header.GetAckNumber().GetValue();
    }

    /// \return the sequence number after this segment (SYN and FIN count one)
    uint32_t EndSeq() const
    {
        uint8_t f = header.GetFlags();
        return Seq() + payload + ((f & TcpHeader::SYN) ? 1 : 0) + ((f & TcpHeader::FIN) ? 1 : 0);
    }
};

} // namespace ns3

#endif /* INCOMING_SEGMENT_H */
