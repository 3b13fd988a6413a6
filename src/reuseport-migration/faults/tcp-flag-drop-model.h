/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_FLAG_DROP_MODEL_H
#define TCP_FLAG_DROP_MODEL_H

#include "ns3/error-model.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/traced-callback.h"

#include <cstdint>

namespace ns3
{

class Packet;
class TcpHeader;

/**
 * \ingroup reuseport-migration
 * \brief Drops IPv4 TCP segments selected by their flags and ports in a time window.
 *
 * Meant as a PointToPointNetDevice "ReceiveErrorModel", where packets still carry
 * the PPP header (HasPppHeader true); set HasPppHeader to false where packets
 * start with the IPv4 header. A segment is dropped when all FlagsSet flags are
 * set, all FlagsClear flags are clear, the ports match (0 matches any port), the
 * time is in [Start, Stop) and fewer than MaxDrops (0: no limit) segments were
 * dropped. Anything that is not an IPv4 TCP segment with a full TCP header
 * passes. For example, FlagsSet = ACK and FlagsClear = SYN towards the server port
 * drops every segment after the client's SYN, as the Linux reuseport migration
 * selftest does to keep connections in the request queue.
 */
class TcpFlagDropModel : public ErrorModel
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    /**
     * \brief Constructor.
     */
    TcpFlagDropModel();

    /**
     * \brief Signature of the "Drop" trace source.
     * \param packet the dropped packet, as given to the model
     * \param header its TCP header
     */
    typedef void (*DropTracedCallback)(Ptr<const Packet> packet, const TcpHeader& header);

    /**
     * \brief Number of segments dropped since construction or the last Reset().
     * \return the drop count
     */
    uint32_t GetDropCount() const;

  private:
    /**
     * \brief Decide whether to drop a packet.
     * \param p the packet
     * \return true to drop it
     */
    bool DoCorrupt(Ptr<Packet> p) override;

    /**
     * \brief Reset the drop count (and with it the MaxDrops budget).
     */
    void DoReset() override;

    /**
     * \brief Whether this model drops a packet now (window, limit, flags, ports).
     * \param p the packet
     * \param[out] tcp its TCP header, when it has one
     * \return true to drop it
     */
    bool Matches(Ptr<const Packet> p, TcpHeader& tcp) const;

    /**
     * \brief Extract the TCP header from a copy of the packet.
     * \param p the packet
     * \param header filled with the TCP header
     * \return true if the packet is an IPv4 TCP segment with a complete TCP header
     */
    bool ParseTcp(Ptr<const Packet> p, TcpHeader& header) const;

    uint8_t m_flagsSet;         //!< Flags that must all be set
    uint8_t m_flagsClear;       //!< Flags that must all be clear
    uint16_t m_destinationPort; //!< Destination port to match, 0 for any
    uint16_t m_sourcePort;      //!< Source port to match, 0 for any
    uint16_t m_anyPort;         //!< Source or destination port to match, 0 for any
    Ptr<ErrorModel> m_next;     //!< Consulted for packets this model keeps
    Time m_start;               //!< Window start (inclusive)
    Time m_stop;                //!< Window end (exclusive)
    uint32_t m_maxDrops;        //!< Drop limit, 0 for none
    bool m_hasPppHeader;        //!< Packets start with a PPP header
    uint32_t m_drops;           //!< Segments dropped
    TracedCallback<Ptr<const Packet>, const TcpHeader&> m_dropTrace; //!< "Drop" trace
};

} // namespace ns3

#endif /* TCP_FLAG_DROP_MODEL_H */
