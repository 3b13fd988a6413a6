/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/client-tcp-socket.h"

#include "ns3/client-tcp-stack.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-end-point.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-setup.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ClientTcpSocket");

NS_OBJECT_ENSURE_REGISTERED(ClientTcpSocket);

TypeId
ClientTcpSocket::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ClientTcpSocket")
                            .SetParent<LinuxTcpSocket>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<ClientTcpSocket>();
    return tid;
}

TypeId
ClientTcpSocket::GetInstanceTypeId() const
{
    return ClientTcpSocket::GetTypeId();
}

ClientTcpSocket::ClientTcpSocket()
    : LinuxTcpSocket(),
      m_ownedEndPoint(nullptr),
      m_registered(false),
      m_releaseCheckScheduled(false)
{
    NS_LOG_FUNCTION(this);
    m_state.ConnectWithoutContext(MakeCallback(&ClientTcpSocket::StateChanged, this));
}

ClientTcpSocket::ClientTcpSocket(const ClientTcpSocket& sock)
    : LinuxTcpSocket(sock),
      m_stack(sock.m_stack),
      m_ownedEndPoint(nullptr),
      m_registered(false),
      m_releaseCheckScheduled(false)
{
    NS_LOG_FUNCTION(this);
    // TracedValue sinks are not copied.
    m_state.ConnectWithoutContext(MakeCallback(&ClientTcpSocket::StateChanged, this));
}

ClientTcpSocket::~ClientTcpSocket()
{
    NS_LOG_FUNCTION(this);
    DeleteOwnedEndPoint(m_ownedEndPoint, m_endPoint);
}

void
ClientTcpSocket::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_stack = nullptr;
    LinuxTcpSocket::DoDispose();
}

Ptr<ClientTcpSocket>
ClientTcpSocket::Clone() const
{
    return CopyObject<ClientTcpSocket>(this);
}

Ptr<TcpSocketBase>
ClientTcpSocket::Fork()
{
    return CopyObject<ClientTcpSocket>(this);
}

bool
ClientTcpSocket::IsRegistered() const
{
    return m_registered;
}

int
ClientTcpSocket::Bind()
{
    NS_LOG_FUNCTION(this);
    return DoBind(Ipv4Address::GetAny(), 0);
}

int
ClientTcpSocket::Bind(const Address& address)
{
    NS_LOG_FUNCTION(this << address);
    if (!InetSocketAddress::IsMatchingType(address))
    {
        m_errno = ERROR_AFNOSUPPORT; // the client stack is IPv4 only
        return -1;
    }
    InetSocketAddress transport = InetSocketAddress::ConvertFrom(address);
    int ret = DoBind(transport.GetIpv4(), transport.GetPort());
    if (ret == 0)
    {
        SetIpTos(transport.GetTos());
    }
    return ret;
}

int
ClientTcpSocket::Bind6()
{
    NS_LOG_FUNCTION(this);
    m_errno = ERROR_AFNOSUPPORT;
    return -1;
}

int
ClientTcpSocket::DoBind(Ipv4Address address, uint16_t port)
{
    if (!m_stack || m_endPoint || m_endPoint6)
    {
        m_errno = ERROR_INVAL;
        return -1;
    }
    Ipv4EndPoint* ep = m_stack->Register(this, address, port);
    if (!ep)
    {
        m_errno = port == 0 ? ERROR_ADDRNOTAVAIL : ERROR_ADDRINUSE;
        return -1;
    }
    m_ownedEndPoint = ep;
    m_endPoint = ep;
    m_registered = true;
    return SetupCallback();
}

int
ClientTcpSocket::Close()
{
    Ptr<ClientTcpSocket> self = this; // the call may release the socket
    int ret = LinuxTcpSocket::Close();
    AfterEvent();
    return ret;
}

void
ClientTcpSocket::DoForwardUp(Ptr<Packet> packet,
                             const Address& fromAddress,
                             const Address& toAddress)
{
    Ptr<ClientTcpSocket> self = this;
    LinuxTcpSocket::DoForwardUp(packet, fromAddress, toAddress);
    AfterEvent();
}

void
ClientTcpSocket::ReTxTimeout()
{
    Ptr<ClientTcpSocket> self = this;
    LinuxTcpSocket::ReTxTimeout();
    AfterEvent();
}

void
ClientTcpSocket::AfterEvent()
{
    m_releaseCheckScheduled = false;
    if (m_registered && m_endPoint == nullptr && m_stack)
    {
        NS_LOG_LOGIC(this << " endpoint released, state " << TcpStateName[m_state]);
        m_stack->Release(this);
    }
}

void
ClientTcpSocket::StateChanged(TcpStates_t, TcpStates_t newState)
{
    // CloseAndNotify() sets CLOSED just before it releases the endpoint: look afterwards.
    if (newState == CLOSED && m_registered && !m_releaseCheckScheduled)
    {
        m_releaseCheckScheduled = true;
        Simulator::ScheduleNow(&ClientTcpSocket::AfterEvent, Ptr<ClientTcpSocket>(this));
    }
}

} // namespace ns3
