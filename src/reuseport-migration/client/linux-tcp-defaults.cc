/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/linux-tcp-defaults.h"

#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/tcp-socket.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("LinuxTcpDefaults");

Time
LinuxTcpDefaults::ConnTimeout()
{
    return Seconds(1);
}

Time
LinuxTcpDefaults::MinRto()
{
    return MilliSeconds(200);
}

Time
LinuxTcpDefaults::DelAckTimeout()
{
    return MilliSeconds(40);
}

Time
LinuxTcpDefaults::ClockGranularity()
{
    return MilliSeconds(200);
}

Time
LinuxTcpDefaults::TimeoutMin()
{
    return MilliSeconds(8);
}

Time
LinuxTcpDefaults::MaxSegLifetime()
{
    return Seconds(30);
}

void
LinuxTcpDefaults::Apply(Ptr<TcpSocket> socket)
{
    NS_LOG_FUNCTION(socket);
    NS_ASSERT_MSG(socket, "LinuxTcpDefaults::Apply needs a socket");
    socket->SetAttribute("ConnTimeout", TimeValue(ConnTimeout()));
    socket->SetAttribute("ConnCount", UintegerValue(SYN_TRANSMISSIONS));
    socket->SetAttribute("DataRetries", UintegerValue(DATA_RETRIES));
    socket->SetAttribute("DelAckTimeout", TimeValue(DelAckTimeout()));

    if (!DynamicCast<TcpSocketBase>(socket))
    {
        NS_LOG_WARN("Socket " << socket << " is not a TcpSocketBase; RTO and TIME_WAIT unchanged");
        return;
    }
    socket->SetAttribute("MinRto", TimeValue(MinRto()));
    socket->SetAttribute("ClockGranularity", TimeValue(ClockGranularity()));
    // The attribute is a double in seconds.
    socket->SetAttribute("MaxSegLifetime", DoubleValue(MaxSegLifetime().GetSeconds()));
}

void
LinuxTcpDefaults::SetGlobalDefaults()
{
    NS_LOG_FUNCTION_NOARGS();
    Config::SetDefault("ns3::TcpSocket::ConnTimeout", TimeValue(ConnTimeout()));
    Config::SetDefault("ns3::TcpSocket::ConnCount", UintegerValue(SYN_TRANSMISSIONS));
    Config::SetDefault("ns3::TcpSocket::DataRetries", UintegerValue(DATA_RETRIES));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(DelAckTimeout()));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MinRto()));
    Config::SetDefault("ns3::TcpSocketBase::ClockGranularity", TimeValue(ClockGranularity()));
    Config::SetDefault("ns3::TcpSocketBase::MaxSegLifetime",
                       DoubleValue(MaxSegLifetime().GetSeconds()));
}

} // namespace ns3
