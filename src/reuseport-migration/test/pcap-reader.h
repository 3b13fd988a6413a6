/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RPM_PCAP_READER_H
#define RPM_PCAP_READER_H

#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"

#include <string>
#include <vector>

namespace ns3
{
namespace test
{

/// One TCP segment read back from a pcap file.
struct PcapTcpSegment
{
    Time at;                  //!< capture time
    Ipv4Address source;       //!< IP source
    Ipv4Address destination;  //!< IP destination
    uint16_t sourcePort;      //!< TCP source port
    uint16_t destinationPort; //!< TCP destination port
    uint8_t flags;            //!< TCP flags
    uint32_t seq;             //!< sequence number
    uint32_t ack;             //!< acknowledgement number
};

/**
 * \brief Read every IPv4 TCP segment of a point-to-point (DLT_PPP) pcap file, independently
 * of the model's own bookkeeping.
 * \param path the file
 * \return the segments in capture order
 */
std::vector<PcapTcpSegment> ReadPppTcpSegments(const std::string& path);

} // namespace test
} // namespace ns3

#endif /* RPM_PCAP_READER_H */
