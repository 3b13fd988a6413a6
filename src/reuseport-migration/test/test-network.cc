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
    connectionClient.push_back(client);
    return c;
}

Ipv4Address
TestNetwork::ClientAddressOf(uint32_t i) const
{
    return clients.Get(connectionClient.at(i))->GetObject<Ipv4>()->GetAddress(1, 0).GetLocal();
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
    // The semantics document's timings are exact seconds; tests of the jiffy wheel
    // (LinuxTimerWheel) set LinuxHz themselves.
    Config::SetGlobal("LinuxHz", UintegerValue(0));
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

Ledger::Ledger(TestNetwork& net)
    : m_net(net)
{
    net.stack->TraceConnectWithoutContext(
        "ChildAccepted",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
            [this](const FourTuple& t, Ptr<const ReuseportListener> l) {
                m_accepted[{t.remote.Get(), t.remotePort}]++;
                m_acceptedFrom[l->GetId()]++;
            }));
    net.stack->TraceConnectWithoutContext(
        "RstSent",
        Callback<void, const FourTuple&, RstCause>([this](const FourTuple& t, RstCause c) {
            m_rsts[{t.remote.Get(), t.remotePort}].push_back(c);
        }));
}

void
Ledger::DrainAll(const std::vector<Ptr<ReuseportListener>>& listeners)
{
    for (const auto& l : listeners)
    {
        while (l->Accept())
        {
        }
    }
}

uint32_t
Ledger::Lost() const
{
    uint32_t lost = 0;
    for (uint32_t i = 0; i < m_net.connections.size(); ++i)
    {
        Ptr<ClientConnection> c = m_net.connections[i];
        Key k{m_net.ClientAddressOf(i).Get(), c->GetLocalPort()};
        auto a = m_accepted.find(k);
        uint32_t accepted = a == m_accepted.end() ? 0 : a->second;
        bool reset = m_rsts.count(k) != 0 && c->SawRst();
        bool ok = (accepted == 1 && !c->SawRst()) || (accepted == 0 && reset);
        if (!ok)
        {
            ++lost;
            ADD_FAILURE() << "connection " << i << " (port " << c->GetLocalPort() << ") accepted "
                          << accepted << " times, client saw RST " << c->SawRst()
                          << ", server RSTs " << (m_rsts.count(k) ? m_rsts.at(k).size() : 0)
                          << ", outcome " << ClientConnection::OutcomeName(c->GetOutcome());
        }
    }
    return lost;
}

uint32_t
Ledger::Accepted() const
{
    uint32_t n = 0;
    for (const auto& kv : m_accepted)
    {
        n += kv.second;
    }
    return n;
}

uint32_t
Ledger::AcceptedFrom(Ptr<const ReuseportListener> l) const
{
    auto it = m_acceptedFrom.find(l->GetId());
    return it == m_acceptedFrom.end() ? 0 : it->second;
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
