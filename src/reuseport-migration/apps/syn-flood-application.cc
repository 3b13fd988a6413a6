/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "syn-flood-application.h"

#include "ns3/address.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-option-sack-permitted.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/tcp-option-winscale.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("SynFloodApplication");

NS_OBJECT_ENSURE_REGISTERED(SynFloodApplication);

TypeId
SynFloodApplication::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::SynFloodApplication")
            .SetParent<Application>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<SynFloodApplication>()
            .AddAttribute("Remote",
                          "The server's address and port.",
                          AddressValue(),
                          MakeAddressAccessor(&SynFloodApplication::m_remote),
                          MakeAddressChecker())
            .AddAttribute("Rate",
                          "SYNs per second.",
                          DoubleValue(1000),
                          MakeDoubleAccessor(&SynFloodApplication::m_rate),
                          MakeDoubleChecker<double>(1e-9))
            .AddAttribute("Count",
                          "SYNs to send; 0 sends until the application stops.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&SynFloodApplication::m_count),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("SourceNetwork",
                          "The /16 the spoofed source addresses are taken from; it must not "
                          "be routable back from the server.",
                          Ipv4AddressValue("198.18.0.0"),
                          MakeIpv4AddressAccessor(&SynFloodApplication::m_sourceBase),
                          MakeIpv4AddressChecker());
    return tid;
}

SynFloodApplication::SynFloodApplication() = default;

SynFloodApplication::~SynFloodApplication() = default;

uint64_t
SynFloodApplication::GetSent() const
{
    return m_sent;
}

void
SynFloodApplication::StartApplication()
{
    SendSyn();
}

void
SynFloodApplication::StopApplication()
{
    m_next.Cancel();
}

void
SynFloodApplication::SendSyn()
{
    if (m_count != 0 && m_sent >= m_count)
    {
        return;
    }
    InetSocketAddress remote = InetSocketAddress::ConvertFrom(m_remote);
    // 64512 ports per source address, 65534 addresses: distinct 4-tuples for 4e9 SYNs.
    uint64_t port = 1024 + m_sent % 64512;
    uint64_t host = 1 + (m_sent / 64512) % 65534;
    Ipv4Address source(m_sourceBase.Get() + static_cast<uint32_t>(host));

    TcpHeader h;
    h.SetFlags(TcpHeader::SYN);
    h.SetSourcePort(static_cast<uint16_t>(port));
    h.SetDestinationPort(remote.GetPort());
    h.SetSequenceNumber(SequenceNumber32(0));
    h.SetWindowSize(65535);
    auto ts = CreateObject<TcpOptionTS>();
    ts->SetTimestamp(TcpOptionTS::NowToTsValue());
    h.AppendOption(ts);
    auto ws = CreateObject<TcpOptionWinScale>();
    ws->SetScale(2);
    h.AppendOption(ws);
    h.AppendOption(CreateObject<TcpOptionSackPermitted>());
    GetNode()->GetObject<TcpL4Protocol>()->SendPacket(Create<Packet>(),
                                                      h,
                                                      source,
                                                      remote.GetIpv4());
    ++m_sent;
    m_next = Simulator::Schedule(Seconds(1.0 / m_rate), &SynFloodApplication::SendSyn, this);
}

} // namespace ns3
