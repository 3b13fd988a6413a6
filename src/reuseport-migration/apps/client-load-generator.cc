/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/client-load-generator.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/log.h"
#include "ns3/random-variable-stream.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ClientLoadGenerator");

NS_OBJECT_ENSURE_REGISTERED(ClientLoadGenerator);

TypeId
ClientLoadGenerator::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ClientLoadGenerator")
            .SetParent<Application>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<ClientLoadGenerator>()
            .AddAttribute("Remote",
                          "Server address (InetSocketAddress).",
                          AddressValue(),
                          MakeAddressAccessor(&ClientLoadGenerator::m_remote),
                          MakeAddressChecker())
            .AddAttribute("Rate",
                          "New connections per second.",
                          DoubleValue(100),
                          MakeDoubleAccessor(&ClientLoadGenerator::m_rate),
                          MakeDoubleChecker<double>(0))
            .AddAttribute("Arrival",
                          "Arrival process: \"constant\" or \"poisson\".",
                          StringValue("constant"),
                          MakeStringAccessor(&ClientLoadGenerator::GetArrival,
                                             &ClientLoadGenerator::SetArrival),
                          MakeStringChecker())
            .AddAttribute("MaxConnections",
                          "Connections to start at most (0: no limit).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&ClientLoadGenerator::m_maxConnections),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("RequestBytes",
                          "ClientConnection::RequestBytes of each connection.",
                          UintegerValue(100),
                          MakeUintegerAccessor(&ClientLoadGenerator::m_requestBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("ResponseBytes",
                          "ClientConnection::ResponseBytes of each connection.",
                          UintegerValue(1024),
                          MakeUintegerAccessor(&ClientLoadGenerator::m_responseBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Timeout",
                          "ClientConnection::Timeout of each connection (0: none).",
                          TimeValue(Seconds(0)),
                          MakeTimeAccessor(&ClientLoadGenerator::m_timeout),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("KeepConnections",
                          "Keep every connection for GetConnections(); otherwise only count "
                          "the outcomes and free each connection when it ends (long runs).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ClientLoadGenerator::m_keepConnections),
                          MakeBooleanChecker())
            .AddTraceSource("Outcome",
                            "A connection's outcome was decided.",
                            MakeTraceSourceAccessor(&ClientLoadGenerator::m_outcomeTrace),
                            "ns3::ClientConnection::ConnectionTracedCallback");
    return tid;
}

ClientLoadGenerator::ClientLoadGenerator()
    : m_rate(100),
      m_arrival(Arrival::CONSTANT),
      m_maxConnections(0),
      m_requestBytes(100),
      m_responseBytes(1024),
      m_timeout(Seconds(0)),
      m_gap(CreateObject<ExponentialRandomVariable>()),
      m_arrivals(0)
{
    NS_LOG_FUNCTION(this);
    m_finished.fill(0);
}

ClientLoadGenerator::~ClientLoadGenerator()
{
    NS_LOG_FUNCTION(this);
}

int64_t
ClientLoadGenerator::AssignStreams(int64_t stream)
{
    NS_LOG_FUNCTION(this << stream);
    m_gap->SetStream(stream);
    return 1;
}

uint32_t
ClientLoadGenerator::GetAttempts() const
{
    return m_arrivals;
}

uint32_t
ClientLoadGenerator::GetCount(ConnectionOutcome outcome) const
{
    if (outcome != ConnectionOutcome::PENDING)
    {
        return m_finished[static_cast<std::size_t>(outcome)];
    }
    uint32_t finished = 0;
    for (uint32_t count : m_finished)
    {
        finished += count;
    }
    return GetAttempts() - finished;
}

const std::vector<Ptr<ClientConnection>>&
ClientLoadGenerator::GetConnections() const
{
    return m_connections;
}

void
ClientLoadGenerator::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_nextArrival.Cancel();
    // Detach from the sockets but keep the records readable after Simulator::Destroy().
    for (auto& connection : m_connections)
    {
        connection->Dispose();
    }
    for (auto& connection : m_pending)
    {
        connection->Dispose();
    }
    m_pending.clear();
    m_gap = nullptr;
    Application::DoDispose();
}

void
ClientLoadGenerator::StartApplication()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_UNLESS(m_rate > 0, "ClientLoadGenerator: Rate must be positive");
    NS_ABORT_MSG_UNLESS(InetSocketAddress::IsMatchingType(m_remote) ||
                            Inet6SocketAddress::IsMatchingType(m_remote),
                        "ClientLoadGenerator: Remote must be a socket address");
    m_gap->SetAttribute("Mean", DoubleValue(1.0 / m_rate));
    m_firstArrival = Simulator::Now();
    m_arrivals = 0;
    // A Poisson process started now has its first arrival after a random gap.
    m_nextArrival = Simulator::Schedule(m_arrival == Arrival::CONSTANT ? Seconds(0) : NextDelay(),
                                        &ClientLoadGenerator::Arrive,
                                        this);
}

void
ClientLoadGenerator::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_nextArrival.Cancel();
}

void
ClientLoadGenerator::SetArrival(std::string name)
{
    NS_LOG_FUNCTION(this << name);
    if (name == "constant")
    {
        m_arrival = Arrival::CONSTANT;
    }
    else if (name == "poisson")
    {
        m_arrival = Arrival::POISSON;
    }
    else
    {
        NS_ABORT_MSG("ClientLoadGenerator: unknown Arrival \"" << name
                                                               << "\"; use \"constant\" or "
                                                                  "\"poisson\"");
    }
}

std::string
ClientLoadGenerator::GetArrival() const
{
    return m_arrival == Arrival::CONSTANT ? "constant" : "poisson";
}

Time
ClientLoadGenerator::NextDelay() const
{
    if (m_arrival == Arrival::CONSTANT)
    {
        // From the first arrival rather than the last, so rounding to the time
        // resolution does not accumulate.
        Time next = m_firstArrival + Seconds(static_cast<double>(m_arrivals) / m_rate);
        return next - Simulator::Now();
    }
    return Seconds(m_gap->GetValue());
}

void
ClientLoadGenerator::Arrive()
{
    NS_LOG_FUNCTION(this);
    Ptr<ClientConnection> connection = CreateObject<ClientConnection>();
    connection->SetAttribute("RequestBytes", UintegerValue(m_requestBytes));
    connection->SetAttribute("ResponseBytes", UintegerValue(m_responseBytes));
    connection->SetAttribute("Timeout", TimeValue(m_timeout));
    connection->SetOutcomeCallback(MakeCallback(&ClientLoadGenerator::HandleOutcome, this));
    if (m_keepConnections)
    {
        m_connections.push_back(connection);
    }
    else
    {
        m_pending.insert(connection);
    }
    ++m_arrivals;
    connection->Start(GetNode(), m_remote);

    if (m_maxConnections == 0 || GetAttempts() < m_maxConnections)
    {
        m_nextArrival = Simulator::Schedule(NextDelay(), &ClientLoadGenerator::Arrive, this);
    }
}

void
ClientLoadGenerator::HandleOutcome(Ptr<ClientConnection> connection)
{
    NS_LOG_FUNCTION(this << connection);
    ++m_finished[static_cast<std::size_t>(connection->GetOutcome())];
    m_outcomeTrace(connection);
    m_pending.erase(connection);
}

} // namespace ns3
