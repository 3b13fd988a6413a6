/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/client-tcp-stack.h"

#include "ns3/client-tcp-socket.h"
#include "ns3/ipv4-end-point.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv6-header.h"
#include "ns3/ipv6-interface.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"
#include "ns3/packet.h"
#include "ns3/rtt-estimator.h"
#include "ns3/tcp-congestion-ops.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-recovery-ops.h"
#include "ns3/tcp-socket-setup.h"
#include "ns3/type-id.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ClientTcpStack");

NS_OBJECT_ENSURE_REGISTERED(ClientTcpStack);

TypeId
ClientTcpStack::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ClientTcpStack")
            .SetParent<IpL4Protocol>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<ClientTcpStack>()
            .AddAttribute("LocalPortLow",
                          "First ephemeral port (Linux net.ipv4.ip_local_port_range).",
                          UintegerValue(32768),
                          MakeUintegerAccessor(&ClientTcpStack::m_portLow),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("LocalPortHigh",
                          "Last ephemeral port (Linux net.ipv4.ip_local_port_range).",
                          UintegerValue(60999),
                          MakeUintegerAccessor(&ClientTcpStack::m_portHigh),
                          MakeUintegerChecker<uint16_t>(1));
    return tid;
}

ClientTcpStack::ClientTcpStack()
    : m_portLow(32768),
      m_portHigh(60999),
      m_nextPort(0),
      m_attached(false),
      m_delivered(0),
      m_passed(0)
{
    NS_LOG_FUNCTION(this);
}

ClientTcpStack::~ClientTcpStack()
{
    NS_LOG_FUNCTION(this);
    FlushGraveyard();
}

Ptr<ClientTcpStack>
ClientTcpStack::Install(Ptr<Node> node)
{
    Ptr<ClientTcpStack> stack = node->GetObject<ClientTcpStack>();
    if (!stack)
    {
        stack = CreateObject<ClientTcpStack>();
        node->AggregateObject(stack);
    }
    return stack;
}

void
ClientTcpStack::NotifyNewAggregate()
{
    NS_LOG_FUNCTION(this);
    if (!m_node)
    {
        m_node = GetObject<Node>();
    }
    if (!m_tcp)
    {
        m_tcp = GetObject<TcpL4Protocol>();
    }
    Attach();
    IpL4Protocol::NotifyNewAggregate();
}

void
ClientTcpStack::Attach()
{
    if (m_attached || !m_tcp)
    {
        return;
    }
    Ptr<Ipv4L3Protocol> ipv4 = GetObject<Ipv4L3Protocol>();
    if (!ipv4)
    {
        return;
    }
    // An interface's protocol is looked up before the node-wide one (Ipv4L3Protocol::
    // GetProtocol); interfaces added later keep the stock TCP.
    for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
    {
        ipv4->Insert(this, i);
    }
    m_attached = true;
}

void
ClientTcpStack::DoDispose()
{
    NS_LOG_FUNCTION(this);
    for (auto& [port, socket] : m_sockets)
    {
        // Deleting the endpoint runs its destroy callback, as ns-3's demux does: the
        // socket forgets it and cancels its timers.
        Ipv4EndPoint* ep = socket->m_ownedEndPoint;
        socket->m_ownedEndPoint = nullptr;
        socket->m_registered = false;
        delete ep;
    }
    m_sockets.clear();
    FlushGraveyard();
    if (m_template)
    {
        m_template->Dispose();
        m_template = nullptr;
    }
    m_tcp = nullptr;
    m_node = nullptr;
    IpL4Protocol::DoDispose();
}

Ptr<ClientTcpSocket>
ClientTcpStack::CreateSocket()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_UNLESS(m_tcp && m_node, "ClientTcpStack: the node has no TCP");
    FlushGraveyard();
    if (!m_template)
    {
        // Built on first use, so that Config defaults set before the run apply, like
        // TcpL4Protocol::CreateSocket() builds each socket.
        m_template = CreateObject<ClientTcpSocket>();
        SetUpLikeTcpL4(m_template, m_node, m_tcp);
        m_template->m_stack = this;
    }
    return m_template->Clone();
}

Ipv4EndPoint*
ClientTcpStack::Register(Ptr<ClientTcpSocket> socket, Ipv4Address address, uint16_t port)
{
    NS_LOG_FUNCTION(this << socket << address << port);
    if (port == 0)
    {
        NS_ABORT_MSG_IF(m_portLow > m_portHigh,
                        "ClientTcpStack: LocalPortLow " << m_portLow << " > LocalPortHigh "
                                                        << m_portHigh);
        uint32_t n = uint32_t(m_portHigh) - m_portLow + 1;
        if (m_nextPort < m_portLow || m_nextPort > m_portHigh)
        {
            m_nextPort = m_portLow;
        }
        for (uint32_t tried = 0; tried < n; ++tried)
        {
            uint16_t candidate = m_nextPort;
            m_nextPort = candidate == m_portHigh ? m_portLow : candidate + 1;
            if (m_sockets.find(candidate) == m_sockets.end())
            {
                port = candidate;
                break;
            }
        }
        if (port == 0)
        {
            NS_LOG_WARN(this << " no free ephemeral port in " << m_portLow << "-" << m_portHigh);
            return nullptr;
        }
    }
    else if (m_sockets.find(port) != m_sockets.end())
    {
        return nullptr;
    }
    m_sockets.emplace(port, socket);
    return new Ipv4EndPoint(address, port);
}

void
ClientTcpStack::Release(Ptr<ClientTcpSocket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (!socket->m_registered)
    {
        return;
    }
    socket->m_registered = false;
    Ipv4EndPoint* ep = socket->m_ownedEndPoint;
    socket->m_ownedEndPoint = nullptr;
    if (ep)
    {
        auto it = m_sockets.find(ep->GetLocalPort());
        if (it != m_sockets.end() && it->second == socket)
        {
            m_sockets.erase(it);
        }
        // Its callbacks hold the socket, which may still be inside a call.
        m_graveyard.push_back(ep);
    }
}

void
ClientTcpStack::FlushGraveyard()
{
    std::vector<Ipv4EndPoint*> dead;
    dead.swap(m_graveyard);
    for (Ipv4EndPoint* ep : dead)
    {
        delete ep;
    }
}

uint32_t
ClientTcpStack::GetNSockets() const
{
    return m_sockets.size();
}

uint64_t
ClientTcpStack::GetNDelivered() const
{
    return m_delivered;
}

uint64_t
ClientTcpStack::GetNPassedToStock() const
{
    return m_passed;
}

bool
ClientTcpStack::IsPortInUse(uint16_t port) const
{
    return m_sockets.find(port) != m_sockets.end();
}

int
ClientTcpStack::GetProtocolNumber() const
{
    return TcpL4Protocol::PROT_NUMBER;
}

enum IpL4Protocol::RxStatus
ClientTcpStack::Receive(Ptr<Packet> p,
                        const Ipv4Header& header,
                        Ptr<Ipv4Interface> incomingInterface)
{
    NS_LOG_FUNCTION(this << p << header << incomingInterface);
    // Released endpoints are freed here, never inside their socket's own call.
    FlushGraveyard();
    TcpHeader tcpHeader;
    p->PeekHeader(tcpHeader);
    auto it = m_sockets.find(tcpHeader.GetDestinationPort());
    if (it != m_sockets.end())
    {
        Ipv4EndPoint* ep = it->second->m_ownedEndPoint;
        // The checks of Ipv4EndPointDemux::Lookup for an exact 4-tuple (or a bound,
        // unconnected socket).
        bool localOk = ep->GetLocalAddress() == Ipv4Address::GetAny() ||
                       ep->GetLocalAddress() == header.GetDestination();
        bool peerOk = ep->GetPeerPort() == 0 || (ep->GetPeerAddress() == header.GetSource() &&
                                                 ep->GetPeerPort() == tcpHeader.GetSourcePort());
        if (localOk && peerOk && ep->IsRxEnabled())
        {
            if (Node::ChecksumEnabled())
            {
                // As TcpL4Protocol::PacketReceived does.
                TcpHeader checked;
                checked.EnableChecksums();
                checked.InitializeChecksum(header.GetSource(),
                                           header.GetDestination(),
                                           TcpL4Protocol::PROT_NUMBER);
                p->PeekHeader(checked);
                if (!checked.IsChecksumOk())
                {
                    NS_LOG_INFO("Bad checksum, dropping packet");
                    return IpL4Protocol::RX_CSUM_FAILED;
                }
            }
            ++m_delivered;
            ep->ForwardUp(p, header, tcpHeader.GetSourcePort(), incomingInterface);
            return IpL4Protocol::RX_OK;
        }
    }
    // Not ours: the stock TCP finds its own sockets or answers with a RST.
    ++m_passed;
    NS_LOG_LOGIC("no client socket for " << header.GetSource() << ":" << tcpHeader.GetSourcePort()
                                         << " > " << header.GetDestination() << ":"
                                         << tcpHeader.GetDestinationPort() << " "
                                         << TcpHeader::FlagsToString(tcpHeader.GetFlags()));
    return m_tcp->Receive(p, header, incomingInterface);
}

enum IpL4Protocol::RxStatus
ClientTcpStack::Receive(Ptr<Packet> p,
                        const Ipv6Header& header,
                        Ptr<Ipv6Interface> incomingInterface)
{
    ++m_passed;
    return m_tcp->Receive(p, header, incomingInterface);
}

void
ClientTcpStack::SetDownTarget(IpL4Protocol::DownTargetCallback)
{
    // Sockets send through TcpL4Protocol, which keeps its own down target.
}

void
ClientTcpStack::SetDownTarget6(IpL4Protocol::DownTargetCallback6)
{
}

IpL4Protocol::DownTargetCallback
ClientTcpStack::GetDownTarget() const
{
    return m_tcp ? m_tcp->GetDownTarget() : IpL4Protocol::DownTargetCallback();
}

IpL4Protocol::DownTargetCallback6
ClientTcpStack::GetDownTarget6() const
{
    return m_tcp ? m_tcp->GetDownTarget6() : IpL4Protocol::DownTargetCallback6();
}

} // namespace ns3
