/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/tcp-flag-drop-model.h"

#include "ns3/boolean.h"
#include "ns3/ipv4-header.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/pointer.h"
#include "ns3/ppp-header.h"
#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("TcpFlagDropModel");

NS_OBJECT_ENSURE_REGISTERED(TcpFlagDropModel);

namespace
{

constexpr uint16_t PPP_PROTOCOL_IPV4 = 0x0021; //!< PPP protocol number of IPv4
constexpr uint8_t IP_PROTOCOL_TCP = 6;         //!< IPv4 protocol number of TCP
constexpr uint32_t MIN_HEADER_SIZE = 20;       //!< Fixed part of IPv4 and TCP headers

} // namespace

TypeId
TcpFlagDropModel::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::TcpFlagDropModel")
            .SetParent<ErrorModel>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<TcpFlagDropModel>()
            .AddAttribute("FlagsSet",
                          "TCP flags that must all be set (TcpHeader::Flags_t bits).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TcpFlagDropModel::m_flagsSet),
                          MakeUintegerChecker<uint8_t>())
            .AddAttribute("FlagsClear",
                          "TCP flags that must all be clear (TcpHeader::Flags_t bits).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TcpFlagDropModel::m_flagsClear),
                          MakeUintegerChecker<uint8_t>())
            .AddAttribute("DestinationPort",
                          "TCP destination port to match (0: any).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TcpFlagDropModel::m_destinationPort),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("SourcePort",
                          "TCP source port to match (0: any).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TcpFlagDropModel::m_sourcePort),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("Port",
                          "TCP port to match as source or destination (0: any).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TcpFlagDropModel::m_anyPort),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("Next",
                          "Another error model (e.g. random loss) consulted for the packets "
                          "this one does not drop, so that both apply to one device.",
                          PointerValue(),
                          MakePointerAccessor(&TcpFlagDropModel::m_next),
                          MakePointerChecker<ErrorModel>())
            .AddAttribute("Start",
                          "Start of the drop window (inclusive).",
                          TimeValue(Seconds(0)),
                          MakeTimeAccessor(&TcpFlagDropModel::m_start),
                          MakeTimeChecker())
            .AddAttribute("Stop",
                          "End of the drop window (exclusive).",
                          TimeValue(Time::Max()),
                          MakeTimeAccessor(&TcpFlagDropModel::m_stop),
                          MakeTimeChecker())
            .AddAttribute("MaxDrops",
                          "Segments to drop at most (0: no limit).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TcpFlagDropModel::m_maxDrops),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("HasPppHeader",
                          "Packets start with a PPP header (PointToPointNetDevice receive "
                          "path); otherwise with the IPv4 header.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&TcpFlagDropModel::m_hasPppHeader),
                          MakeBooleanChecker())
            .AddTraceSource("Drop",
                            "A segment was dropped.",
                            MakeTraceSourceAccessor(&TcpFlagDropModel::m_dropTrace),
                            "ns3::TcpFlagDropModel::DropTracedCallback");
    return tid;
}

TcpFlagDropModel::TcpFlagDropModel()
    : m_flagsSet(0),
      m_flagsClear(0),
      m_destinationPort(0),
      m_sourcePort(0),
      m_anyPort(0),
      m_start(Seconds(0)),
      m_stop(Time::Max()),
      m_maxDrops(0),
      m_hasPppHeader(true),
      m_drops(0)
{
    NS_LOG_FUNCTION(this);
}

uint32_t
TcpFlagDropModel::GetDropCount() const
{
    return m_drops;
}

bool
TcpFlagDropModel::ParseTcp(Ptr<const Packet> p, TcpHeader& header) const
{
    // Peek and trim a copy: the device goes on with the original packet, and
    // removing headers of the wrong type would upset packet metadata checking.
    Ptr<Packet> copy = p->Copy();
    if (m_hasPppHeader)
    {
        PppHeader ppp;
        if (copy->GetSize() < ppp.GetSerializedSize())
        {
            return false;
        }
        copy->PeekHeader(ppp);
        if (ppp.GetProtocol() != PPP_PROTOCOL_IPV4)
        {
            return false;
        }
        copy->RemoveAtStart(ppp.GetSerializedSize());
    }
    uint8_t firstBytes[MIN_HEADER_SIZE];
    if (copy->GetSize() < MIN_HEADER_SIZE)
    {
        return false;
    }
    copy->CopyData(firstBytes, MIN_HEADER_SIZE);
    uint32_t ipLength = 4u * (firstBytes[0] & 0x0f);
    if ((firstBytes[0] >> 4) != 4 || ipLength < MIN_HEADER_SIZE || copy->GetSize() < ipLength)
    {
        return false;
    }
    Ipv4Header ip;
    copy->PeekHeader(ip);
    if (ip.GetProtocol() != IP_PROTOCOL_TCP || ip.GetFragmentOffset() != 0)
    {
        return false; // not TCP, or a later fragment without a TCP header
    }
    copy->RemoveAtStart(ipLength);
    if (copy->GetSize() < MIN_HEADER_SIZE)
    {
        return false;
    }
    copy->CopyData(firstBytes, MIN_HEADER_SIZE);
    uint32_t tcpLength = 4u * (firstBytes[12] >> 4);
    if (tcpLength < MIN_HEADER_SIZE || copy->GetSize() < tcpLength)
    {
        return false;
    }
    copy->PeekHeader(header);
    return true;
}

bool
TcpFlagDropModel::DoCorrupt(Ptr<Packet> p)
{
    NS_LOG_FUNCTION(this << p);
    TcpHeader tcp;
    if (Matches(p, tcp))
    {
        ++m_drops;
        NS_LOG_INFO("Dropping " << tcp << " (drop " << m_drops << ")");
        m_dropTrace(p, tcp);
        return true;
    }
    return m_next && m_next->IsCorrupt(p);
}

bool
TcpFlagDropModel::Matches(Ptr<const Packet> p, TcpHeader& tcp) const
{
    // ErrorModel::IsCorrupt leaves the Enable()/Disable() switch to subclasses.
    Time now = Simulator::Now();
    if (!IsEnabled() || now < m_start || now >= m_stop || (m_maxDrops > 0 && m_drops >= m_maxDrops))
    {
        return false;
    }
    if (!ParseTcp(p, tcp))
    {
        return false;
    }
    uint8_t flags = tcp.GetFlags();
    return (flags & m_flagsSet) == m_flagsSet && (flags & m_flagsClear) == 0 &&
           (m_destinationPort == 0 || tcp.GetDestinationPort() == m_destinationPort) &&
           (m_sourcePort == 0 || tcp.GetSourcePort() == m_sourcePort) &&
           (m_anyPort == 0 || tcp.GetSourcePort() == m_anyPort ||
            tcp.GetDestinationPort() == m_anyPort);
}

void
TcpFlagDropModel::DoReset()
{
    NS_LOG_FUNCTION(this);
    m_drops = 0;
}

} // namespace ns3
