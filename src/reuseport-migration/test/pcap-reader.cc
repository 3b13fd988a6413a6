/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "pcap-reader.h"

#include "ns3/ipv4-header.h"
#include "ns3/packet.h"
#include "ns3/pcap-file.h"
#include "ns3/tcp-header.h"
#include "ns3/trace-helper.h"

#include <gtest/gtest.h>

namespace ns3
{
namespace test
{

std::vector<PcapTcpSegment>
ReadPppTcpSegments(const std::string& path)
{
    std::vector<PcapTcpSegment> out;
    PcapFile file;
    file.Open(path, std::ios::in);
    EXPECT_FALSE(file.Fail()) << "cannot open " << path;
    if (file.Fail())
    {
        return out;
    }
    EXPECT_EQ(file.GetDataLinkType(), PcapHelper::DLT_PPP);
    std::vector<uint8_t> buf(65536);
    while (true)
    {
        uint32_t sec = 0;
        uint32_t usec = 0;
        uint32_t inclLen = 0;
        uint32_t origLen = 0;
        uint32_t readLen = 0;
        file.Read(buf.data(), buf.size(), sec, usec, inclLen, origLen, readLen);
        if (file.Eof() || file.Fail())
        {
            break;
        }
        // The PPP header is the protocol number; 0x0021 is IPv4.
        if (readLen < 2 || buf[0] != 0x00 || buf[1] != 0x21)
        {
            continue;
        }
        Ptr<Packet> p = Create<Packet>(buf.data() + 2, readLen - 2);
        Ipv4Header ip;
        p->RemoveHeader(ip);
        if (ip.GetProtocol() != 6)
        {
            continue;
        }
        TcpHeader tcp;
        p->PeekHeader(tcp);
        out.push_back({Seconds(sec) + MicroSeconds(usec),
                       ip.GetSource(),
                       ip.GetDestination(),
                       tcp.GetSourcePort(),
                       tcp.GetDestinationPort(),
                       tcp.GetFlags(),
                       tcp.GetSequenceNumber().GetValue(),
                       tcp.GetAckNumber().GetValue()});
    }
    file.Close();
    return out;
}

} // namespace test
} // namespace ns3
