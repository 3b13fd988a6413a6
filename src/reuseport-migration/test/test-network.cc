/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "test-network.h"

#include "ns3/tcp-flag-drop-model.h"

#include <set>

namespace ns3
{
namespace test
{

TestNetwork::TestNetwork(uint32_t nClients,
                         Time accessDelay,
                         Time serverDelay,
                         const std::string& rate)
{
    clients.Create(nClients);
    router = CreateObject<Node>();
    server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(clients);
    internet.Install(router);
    internet.Install(server);

    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue(rate));
    access.SetChannelAttribute("Delay", TimeValue(accessDelay));
    serverLink.SetDeviceAttribute("DataRate", StringValue(rate));
    serverLink.SetChannelAttribute("Delay", TimeValue(serverDelay));

    Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.0");
    NetDeviceContainer sd = serverLink.Install(router, server);
    Ipv4InterfaceContainer si = addresses.Assign(sd);
    serverAddress = si.GetAddress(1);
    serverDevice = DynamicCast<PointToPointNetDevice>(sd.Get(1));
    for (uint32_t i = 0; i < nClients; ++i)
    {
        addresses.NewNetwork();
        addresses.Assign(access.Install(clients.Get(i), router));
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    ReuseportHelper reuseport;
    stack = reuseport.Install(server);
    ReuseportHelper::AssignStreams(NodeContainer(server), 100);
}

Ptr<ClientConnection>
TestNetwork::Connect(uint32_t client,
                     Time at,
                     uint16_t port,
                     uint32_t requestBytes,
                     uint32_t responseBytes)
{
    Ptr<ClientConnection> c = CreateObject<ClientConnection>();
    c->SetAttribute("RequestBytes", UintegerValue(requestBytes));
    c->SetAttribute("ResponseBytes", UintegerValue(responseBytes));
    Ptr<Node> node = clients.Get(client);
    Address remote = InetSocketAddress(serverAddress, port);
    Simulator::Schedule(at, &ClientConnection::Start, c, node, remote);
    connections.push_back(c);
    return c;
}

Ptr<ErrorModel>
TestNetwork::DropClientAcks(Time start, Time stop)
{
    Ptr<TcpFlagDropModel> em = CreateObject<TcpFlagDropModel>();
    em->SetAttribute("FlagsSet", UintegerValue(TcpHeader::ACK));
    em->SetAttribute("FlagsClear", UintegerValue(TcpHeader::SYN));
    em->SetAttribute("Start", TimeValue(start));
    em->SetAttribute("Stop", TimeValue(stop));
    serverDevice->SetReceiveErrorModel(em);
    return em;
}

Ptr<PcapFileWrapper>
TestNetwork::CaptureServerPcap(const std::string& path)
{
    PcapHelper pcap;
    Ptr<PcapFileWrapper> file = pcap.CreateFile(path, std::ios::out, PcapHelper::DLT_PPP);
    pcap.HookDefaultSink<PointToPointNetDevice>(serverDevice, "PromiscSniffer", file);
    return file;
}

void
ReuseportTest::SetUp()
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
}

void
ReuseportTest::TearDown()
{
    Simulator::Destroy();
    Config::Reset();
}

void
RstRecorder::Attach(Ptr<ReuseportStack> stack)
{
    stack->TraceConnectWithoutContext("RstSent", MakeCallback(&RstRecorder::Record, this));
}

void
RstRecorder::Record(const FourTuple& t, RstCause cause)
{
    rsts.push_back({t, cause, Simulator::Now()});
}

uint32_t
RstRecorder::Count(RstCause cause) const
{
    uint32_t n = 0;
    for (const auto& e : rsts)
    {
        n += e.cause == cause ? 1 : 0;
    }
    return n;
}

uint32_t
RstRecorder::DistinctPeers() const
{
    std::set<std::pair<uint32_t, uint16_t>> peers;
    for (const auto& e : rsts)
    {
        peers.insert({e.tuple.remote.Get(), e.tuple.remotePort});
    }
    return static_cast<uint32_t>(peers.size());
}

uint32_t
CountOutcome(const std::vector<Ptr<ClientConnection>>& c, ConnectionOutcome outcome)
{
    uint32_t n = 0;
    for (const auto& x : c)
    {
        n += x->GetOutcome() == outcome ? 1 : 0;
    }
    return n;
}

} // namespace test
} // namespace ns3
