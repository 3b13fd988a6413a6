/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/client-connection.h"

#include "ns3/boolean.h"
#include "ns3/client-tcp-socket.h"
#include "ns3/client-tcp-stack.h"
#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ClientConnection");

NS_OBJECT_ENSURE_REGISTERED(ClientConnection);

namespace
{
/// The socket's trace sources, looked up once: a lookup by name for every connection
/// costs as much as a tenth of the connection.
struct SocketTraces
{
    Ptr<const TraceSourceAccessor> rx;    //!< "Rx"
    Ptr<const TraceSourceAccessor> tx;    //!< "Tx"
    Ptr<const TraceSourceAccessor> state; //!< "State"

    static const SocketTraces& Get()
    {
        static const SocketTraces traces = [] {
            TypeId t = TcpSocketBase::GetTypeId();
            SocketTraces s{t.LookupTraceSourceByName("Rx"),
                           t.LookupTraceSourceByName("Tx"),
                           t.LookupTraceSourceByName("State")};
            NS_ABORT_MSG_UNLESS(s.rx && s.tx && s.state,
                                "TcpSocketBase lacks the Rx/Tx/State trace sources");
            return s;
        }();
        return traces;
    }
};
} // namespace

namespace
{

/**
 * \brief Value of the time getters for events that did not happen.
 * \return a negative time
 */
Time
Never()
{
    return Seconds(-1);
}

} // namespace

std::ostream&
operator<<(std::ostream& os, ConnectionOutcome outcome)
{
    return os << ClientConnection::OutcomeName(outcome);
}

TypeId
ClientConnection::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ClientConnection")
            .SetParent<Object>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<ClientConnection>()
            .AddAttribute("RequestBytes",
                          "Bytes sent once connected.",
                          UintegerValue(100),
                          MakeUintegerAccessor(&ClientConnection::m_requestBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("ResponseBytes",
                          "Bytes to receive for the exchange to complete "
                          "(0: complete once the request is written).",
                          UintegerValue(1024),
                          MakeUintegerAccessor(&ClientConnection::m_responseBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Timeout",
                          "Application deadline from Start(); 0 means none.",
                          TimeValue(Seconds(0)),
                          MakeTimeAccessor(&ClientConnection::m_timeout),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("LinuxDefaults",
                          "Apply LinuxTcpDefaults to the socket.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ClientConnection::m_linuxDefaults),
                          MakeBooleanChecker())
            .AddTraceSource("Outcome",
                            "The outcome was decided.",
                            MakeTraceSourceAccessor(&ClientConnection::m_outcomeTrace),
                            "ns3::ClientConnection::ConnectionTracedCallback")
            .AddTraceSource("Connected",
                            "The connection was established.",
                            MakeTraceSourceAccessor(&ClientConnection::m_connectedTrace),
                            "ns3::ClientConnection::ConnectionTracedCallback");
    return tid;
}

ClientConnection::ClientConnection()
    : m_requestBytes(100),
      m_responseBytes(1024),
      m_timeout(Seconds(0)),
      m_linuxDefaults(true),
      m_state(TcpSocket::CLOSED),
      m_outcome(ConnectionOutcome::PENDING),
      m_started(false),
      m_connected(false),
      m_closedByFin(false),
      m_failedLocally(false),
      m_rstSeen(false),
      m_rstSent(false),
      m_socketFinished(false),
      m_releaseScheduled(false),
      m_startTime(Never()),
      m_connectedTime(Never()),
      m_firstByteTime(Never()),
      m_endTime(Never()),
      m_rstTime(Never()),
      m_bytesSent(0),
      m_bytesReceived(0),
      m_requestLeft(0),
      m_localPort(0),
      m_synCount(0)
{
    NS_LOG_FUNCTION(this);
}

ClientConnection::~ClientConnection()
{
    NS_LOG_FUNCTION(this);
    // The socket may outlive us; it must not call back into a dead object.
    m_deadlineEvent.Cancel();
    ReleaseSocket();
}

void
ClientConnection::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_deadlineEvent.Cancel();
    ReleaseSocket();
    m_outcomeCallback = MakeNullCallback<void, Ptr<ClientConnection>>();
    Object::DoDispose();
}

void
ClientConnection::Start(Ptr<Node> node, const Address& server)
{
    NS_LOG_FUNCTION(this << node << server);
    NS_ABORT_MSG_IF(m_started, "ClientConnection::Start() may be called only once");
    m_started = true;
    m_startTime = Simulator::Now();
    m_requestLeft = m_requestBytes;

    // A client host with a ClientTcpStack finds its IPv4 sockets by hash; others use
    // stock ns-3 sockets. The TCP behaviour is TcpSocketBase's either way.
    Ptr<ClientTcpStack> stack =
        InetSocketAddress::IsMatchingType(server) ? node->GetObject<ClientTcpStack>() : nullptr;
    Ptr<Socket> socket = stack ? Ptr<Socket>(stack->CreateSocket())
                               : Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
    Ptr<TcpSocketBase> tcp = DynamicCast<TcpSocketBase>(socket);
    NS_ABORT_MSG_UNLESS(tcp, "ClientConnection needs the stock ns-3 TcpSocketBase");
    if (m_linuxDefaults)
    {
        LinuxTcpDefaults::Apply(tcp);
    }
    const SocketTraces& traces = SocketTraces::Get();
    traces.rx->ConnectWithoutContext(PeekPointer(tcp),
                                     MakeCallback(&ClientConnection::HandleSegmentReceived, this));
    traces.tx->ConnectWithoutContext(PeekPointer(tcp),
                                     MakeCallback(&ClientConnection::HandleSegmentSent, this));
    traces.state->ConnectWithoutContext(PeekPointer(tcp),
                                        MakeCallback(&ClientConnection::HandleStateChange, this));
    socket->SetConnectCallback(MakeCallback(&ClientConnection::HandleConnected, this),
                               MakeCallback(&ClientConnection::HandleConnectFailed, this));
    socket->SetCloseCallbacks(MakeCallback(&ClientConnection::HandleNormalClose, this),
                              MakeCallback(&ClientConnection::HandleErrorClose, this));
    socket->SetRecvCallback(MakeCallback(&ClientConnection::HandleRecv, this));
    socket->SetSendCallback(MakeCallback(&ClientConnection::HandleSendSpace, this));
    m_socket = socket;

    if (m_timeout.IsStrictlyPositive())
    {
        m_deadlineEvent = Simulator::Schedule(m_timeout, &ClientConnection::HandleDeadline, this);
    }

    // Connect() binds an ephemeral port and sends the first SYN synchronously.
    if (socket->Connect(server) != 0)
    {
        NS_LOG_WARN(this << " Connect() failed, errno " << socket->GetErrno());
        m_failedLocally = true;
        m_socketFinished = true; // no SYN is pending, nothing will call back
        Decide(ConnectionOutcome::REFUSED);
        return;
    }
    Address local;
    if (socket->GetSockName(local) == 0)
    {
        if (InetSocketAddress::IsMatchingType(local))
        {
            m_localPort = InetSocketAddress::ConvertFrom(local).GetPort();
        }
        else if (Inet6SocketAddress::IsMatchingType(local))
        {
            m_localPort = Inet6SocketAddress::ConvertFrom(local).GetPort();
        }
    }
}

void
ClientConnection::SetOutcomeCallback(Callback<void, Ptr<ClientConnection>> callback)
{
    NS_LOG_FUNCTION(this);
    m_outcomeCallback = callback;
}

ConnectionOutcome
ClientConnection::GetOutcome() const
{
    return m_outcome;
}

bool
ClientConnection::IsFinished() const
{
    return m_outcome != ConnectionOutcome::PENDING;
}

bool
ClientConnection::WasClosedByFin() const
{
    return m_closedByFin;
}

bool
ClientConnection::FailedLocally() const
{
    return m_failedLocally;
}

bool
ClientConnection::WasConnected() const
{
    return m_connected;
}

bool
ClientConnection::SawRst() const
{
    return m_rstSeen;
}

Time
ClientConnection::GetRstTime() const
{
    return m_rstTime;
}

Time
ClientConnection::GetStartTime() const
{
    return m_startTime;
}

Time
ClientConnection::GetConnectedTime() const
{
    return m_connectedTime;
}

Time
ClientConnection::GetFirstByteTime() const
{
    return m_firstByteTime;
}

Time
ClientConnection::GetEndTime() const
{
    return m_endTime;
}

uint64_t
ClientConnection::GetBytesSent() const
{
    return m_bytesSent;
}

uint64_t
ClientConnection::GetBytesReceived() const
{
    return m_bytesReceived;
}

uint16_t
ClientConnection::GetLocalPort() const
{
    return m_localPort;
}

uint32_t
ClientConnection::GetSynCount() const
{
    return m_synCount;
}

std::string
ClientConnection::OutcomeName(ConnectionOutcome outcome)
{
    switch (outcome)
    {
    case ConnectionOutcome::PENDING:
        return "pending";
    case ConnectionOutcome::COMPLETED:
        return "completed";
    case ConnectionOutcome::RESET:
        return "reset";
    case ConnectionOutcome::REFUSED:
        return "refused";
    case ConnectionOutcome::TIMEOUT:
        return "timeout";
    }
    NS_ABORT_MSG("Unknown ConnectionOutcome " << static_cast<int>(outcome));
    return "";
}

void
ClientConnection::HandleConnected(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (m_outcome != ConnectionOutcome::PENDING)
    {
        return; // e.g. the deadline expired in the same instant
    }
    m_connected = true;
    m_connectedTime = Simulator::Now();
    m_connectedTrace(this);
    SendRequest();
}

void
ClientConnection::HandleConnectFailed(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    // ns-3 ran out of SYN transmissions; the socket is CLOSED and freed right after.
    Decide(ConnectionOutcome::TIMEOUT);
    SocketFinished();
}

void
ClientConnection::HandleNormalClose(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (m_outcome == ConnectionOutcome::PENDING)
    {
        // A FIN is delivered after the data before it, but read what is left to be sure.
        ReadResponse();
    }
    if (m_outcome == ConnectionOutcome::PENDING)
    {
        // RSTs were handled from the Rx trace, so this is the peer's FIN (EOF).
        m_closedByFin = m_connected;
        Decide(m_connected ? ConnectionOutcome::RESET : ConnectionOutcome::REFUSED);
    }
}

void
ClientConnection::HandleErrorClose(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    if (m_outcome == ConnectionOutcome::PENDING)
    {
        if (m_rstSent)
        {
            // ns-3 reset the connection itself after an invalid segment from the peer.
            Decide(m_state == TcpSocket::SYN_SENT ? ConnectionOutcome::REFUSED
                                                  : ConnectionOutcome::RESET);
        }
        else
        {
            // Data (or LAST_ACK FIN) retransmissions exhausted.
            Decide(ConnectionOutcome::TIMEOUT);
        }
    }
    // ns-3 frees the endpoint after an error close, whatever the state says.
    SocketFinished();
}

void
ClientConnection::HandleRecv(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    ReadResponse();
}

void
ClientConnection::HandleSendSpace(Ptr<Socket> socket, uint32_t available)
{
    NS_LOG_FUNCTION(this << socket << available);
    if (m_connected && m_outcome == ConnectionOutcome::PENDING)
    {
        SendRequest();
    }
}

void
ClientConnection::HandleSegmentReceived(Ptr<const Packet> packet,
                                        const TcpHeader& header,
                                        Ptr<const TcpSocketBase> socket)
{
    NS_LOG_FUNCTION(this << packet << header << socket);
    uint8_t flags = header.GetFlags();
    if (!(flags & TcpHeader::RST) || m_outcome != ConnectionOutcome::PENDING)
    {
        return;
    }
    if (!m_rstSeen)
    {
        m_rstSeen = true;
        m_rstTime = Simulator::Now();
    }
    if (m_state != TcpSocket::SYN_SENT)
    {
        Decide(ConnectionOutcome::RESET);
        return;
    }
    // RFC 793 and Linux accept a RST|ACK in SYN_SENT only if it acknowledges our SYN.
    if ((flags & TcpHeader::ACK) && header.GetAckNumber() != m_iss + 1)
    {
        NS_LOG_LOGIC(this << " ignoring RST with unacceptable ack " << header.GetAckNumber());
        return;
    }
    Decide(ConnectionOutcome::REFUSED);
}

void
ClientConnection::HandleSegmentSent(Ptr<const Packet> packet,
                                    const TcpHeader& header,
                                    Ptr<const TcpSocketBase> socket)
{
    NS_LOG_FUNCTION(this << packet << header << socket);
    uint8_t flags = header.GetFlags();
    if ((flags & TcpHeader::SYN) && !(flags & TcpHeader::ACK))
    {
        if (m_synCount == 0)
        {
            m_iss = header.GetSequenceNumber();
        }
        ++m_synCount;
    }
    if ((flags & TcpHeader::RST) && m_outcome == ConnectionOutcome::PENDING)
    {
        m_rstSent = true;
    }
}

void
ClientConnection::HandleStateChange(TcpSocket::TcpStates_t oldState,
                                    TcpSocket::TcpStates_t newState)
{
    NS_LOG_FUNCTION(this << TcpSocket::TcpStateName[oldState] << TcpSocket::TcpStateName[newState]);
    m_state = newState;
    // From here on ns-3 frees the socket only from a timer, never while it is
    // processing a segment, so dropping our reference is safe.
    if (newState == TcpSocket::CLOSED || newState == TcpSocket::TIME_WAIT)
    {
        SocketFinished();
    }
}

void
ClientConnection::HandleDeadline()
{
    NS_LOG_FUNCTION(this);
    Decide(ConnectionOutcome::TIMEOUT);
}

void
ClientConnection::SendRequest()
{
    NS_LOG_FUNCTION(this);
    while (m_requestLeft > 0)
    {
        uint32_t room = m_socket->GetTxAvailable();
        if (room == 0)
        {
            return; // HandleSendSpace continues
        }
        int sent = m_socket->Send(Create<Packet>(std::min(room, m_requestLeft)));
        if (sent <= 0)
        {
            NS_LOG_WARN(this << " Send() failed, errno " << m_socket->GetErrno());
            return;
        }
        m_requestLeft -= static_cast<uint32_t>(sent);
        m_bytesSent += static_cast<uint32_t>(sent);
    }
    if (m_responseBytes == 0)
    {
        Decide(ConnectionOutcome::COMPLETED);
    }
}

void
ClientConnection::ReadResponse()
{
    NS_LOG_FUNCTION(this);
    if (!m_socket)
    {
        return;
    }
    // Recv() returns nullptr when empty, or an empty packet at EOF.
    Ptr<Packet> packet;
    while ((packet = m_socket->Recv()) && packet->GetSize() > 0)
    {
        if (m_bytesReceived == 0)
        {
            m_firstByteTime = Simulator::Now();
        }
        m_bytesReceived += packet->GetSize();
    }
    if (m_connected && m_responseBytes > 0 && m_bytesReceived >= m_responseBytes)
    {
        Decide(ConnectionOutcome::COMPLETED);
    }
}

void
ClientConnection::Decide(ConnectionOutcome outcome)
{
    NS_LOG_FUNCTION(this << outcome);
    if (m_outcome != ConnectionOutcome::PENDING)
    {
        return;
    }
    NS_ASSERT(outcome != ConnectionOutcome::PENDING);
    m_outcome = outcome;
    m_endTime = Simulator::Now();
    m_deadlineEvent.Cancel();
    m_deadlineEvent = EventId(); // frees the event
    NS_LOG_INFO(this << " port " << m_localPort << " " << OutcomeName(outcome));

    // Often called from inside the socket, which must not be closed re-entrantly.
    Ptr<ClientConnection> self = this; // callbacks below may drop other references
    Simulator::ScheduleNow(&ClientConnection::CloseAfterOutcome, self);
    m_outcomeTrace(self);
    Callback<void, Ptr<ClientConnection>> callback = m_outcomeCallback;
    m_outcomeCallback = MakeNullCallback<void, Ptr<ClientConnection>>();
    if (!callback.IsNull())
    {
        callback(self);
    }
}

void
ClientConnection::CloseAfterOutcome()
{
    NS_LOG_FUNCTION(this);
    if (!m_socket)
    {
        return; // disposed meanwhile
    }
    if (!m_socketFinished)
    {
        // Data left unread would make ns-3 answer Close() with a RST.
        ReadResponse();
        bool byRst =
            m_rstSeen && !m_closedByFin &&
            (m_outcome == ConnectionOutcome::RESET || m_outcome == ConnectionOutcome::REFUSED);
        if (byRst || m_state == TcpSocket::SYN_SENT)
        {
            // A RST ns-3 ignored (RST|ACK in SYN_SENT, or one without the
            // timestamp option), or the deadline while connecting: Linux would
            // drop the connection without sending anything.
            AbortSilently();
        }
        else
        {
            // Completion, EOF and the deadline once connected: close like an application.
            m_socket->Close();
        }
    }
    if (m_socketFinished && !m_releaseScheduled)
    {
        m_releaseScheduled = true;
        Simulator::ScheduleNow(&ClientConnection::ReleaseSocket, Ptr<ClientConnection>(this));
    }
}

void
ClientConnection::AbortSilently()
{
    NS_LOG_FUNCTION(this);
    // ns-3 has no silent abort: Close() sends a RST from SYN_SENT and a FIN once
    // connected, neither of which Linux sends here, and a stray segment reaching
    // a stock ns-3 listener crashes it (LISTEN arms its persist timer on any
    // non-SYN segment, and the timer reads an empty send buffer). A bare RST
    // delivered to the socket makes ns-3 close it without answering.
    Address local;
    Address peer;
    Ptr<Node> node = m_socket->GetNode();
    Ptr<Ipv4L3Protocol> ipv4 = node->GetObject<Ipv4L3Protocol>();
    if (m_socket->GetSockName(local) != 0 || m_socket->GetPeerName(peer) != 0 ||
        !InetSocketAddress::IsMatchingType(local) || !InetSocketAddress::IsMatchingType(peer) ||
        !ipv4)
    {
        NS_LOG_WARN(this << " cannot abort silently, closing instead");
        m_socket->Close();
        return;
    }
    InetSocketAddress localAddress = InetSocketAddress::ConvertFrom(local);
    InetSocketAddress peerAddress = InetSocketAddress::ConvertFrom(peer);
    int32_t interface = ipv4->GetInterfaceForAddress(localAddress.GetIpv4());
    if (interface < 0)
    {
        NS_LOG_WARN(this << " no interface for " << localAddress.GetIpv4() << ", closing");
        m_socket->Close();
        return;
    }

    TcpHeader rst;
    rst.SetFlags(TcpHeader::RST);
    rst.SetSourcePort(peerAddress.GetPort());
    rst.SetDestinationPort(localAddress.GetPort());
    if (Node::ChecksumEnabled())
    {
        rst.EnableChecksums();
        rst.InitializeChecksum(peerAddress.GetIpv4(),
                               localAddress.GetIpv4(),
                               TcpL4Protocol::PROT_NUMBER);
    }
    Ptr<Packet> packet = Create<Packet>();
    packet->AddHeader(rst);
    Ipv4Header ip;
    ip.SetSource(peerAddress.GetIpv4());
    ip.SetDestination(localAddress.GetIpv4());
    ip.SetProtocol(TcpL4Protocol::PROT_NUMBER);
    ip.SetPayloadSize(packet->GetSize());
    // The interface's TCP, as Ipv4L3Protocol would choose it: a ClientTcpStack if installed.
    Ptr<IpL4Protocol> tcp = ipv4->GetProtocol(TcpL4Protocol::PROT_NUMBER, interface);
    if (!tcp)
    {
        NS_LOG_WARN(this << " no TCP on the node, closing");
        m_socket->Close();
        return;
    }
    tcp->Receive(packet, ip, ipv4->GetInterface(interface));
}

void
ClientConnection::SocketFinished()
{
    NS_LOG_FUNCTION(this);
    m_socketFinished = true;
    // Called from inside the socket: release it in a later event.
    if (m_outcome != ConnectionOutcome::PENDING && !m_releaseScheduled && m_socket)
    {
        m_releaseScheduled = true;
        Simulator::ScheduleNow(&ClientConnection::ReleaseSocket, Ptr<ClientConnection>(this));
    }
}

void
ClientConnection::ReleaseSocket()
{
    NS_LOG_FUNCTION(this);
    if (!m_socket)
    {
        return;
    }
    m_socket->SetConnectCallback(MakeNullCallback<void, Ptr<Socket>>(),
                                 MakeNullCallback<void, Ptr<Socket>>());
    m_socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                                MakeNullCallback<void, Ptr<Socket>>());
    m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
    m_socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
    const SocketTraces& traces = SocketTraces::Get();
    traces.rx->DisconnectWithoutContext(
        PeekPointer(m_socket),
        MakeCallback(&ClientConnection::HandleSegmentReceived, this));
    traces.tx->DisconnectWithoutContext(PeekPointer(m_socket),
                                        MakeCallback(&ClientConnection::HandleSegmentSent, this));
    traces.state->DisconnectWithoutContext(
        PeekPointer(m_socket),
        MakeCallback(&ClientConnection::HandleStateChange, this));
    m_socket = nullptr;
}

} // namespace ns3
