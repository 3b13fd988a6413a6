/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Benchmarks of the listener model. Prints tables; times are wall-clock and noisy, so
// compare ratios measured in the same run.
//
//   ./build/bench/reuseport-bench --table=memory

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/reuseport-migration-module.h"

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

using namespace ns3;

namespace
{

/// \return the resident set size of this process in bytes
uint64_t
ResidentBytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind("VmRSS:", 0) == 0)
        {
            std::istringstream is(line.substr(6));
            uint64_t kb = 0;
            is >> kb;
            return kb * 1024;
        }
    }
    return 0;
}

/// A flooder and a server with one listener, on one 10 Gbps link.
struct FloodNetwork
{
    Ptr<Node> flooder;
    Ptr<Node> server;
    Ptr<ReuseportStack> stack;
    Ipv4Address serverAddress;

    FloodNetwork()
    {
        flooder = CreateObject<Node>();
        server = CreateObject<Node>();
        InternetStackHelper internet;
        internet.Install(flooder);
        internet.Install(server);
        PointToPointHelper link;
        link.SetDeviceAttribute("DataRate", StringValue("100Gbps"));
        link.SetChannelAttribute("Delay", TimeValue(MicroSeconds(50)));
        link.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("100000p"));
        Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
        serverAddress = addresses.Assign(link.Install(flooder, server)).GetAddress(1);
        ReuseportHelper reuseport;
        stack = reuseport.Install(server);
    }
};

/**
 * \brief Bytes per request in SYN_RECV: RSS growth while a SYN flood of n SYNs is held.
 * \param n SYNs
 * \return bytes per request
 */
double
MemoryPerRequest(uint32_t n)
{
    FloodNetwork net;
    net.stack->SetSysctl("somaxconn", 0x7fffffff);
    net.stack->SetSysctl("tcp_syncookies", 0);
    net.stack->SetSysctl("tcp_max_syn_backlog", 0x7fffffff);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 0x7fffffff);
    Ptr<SynFloodApplication> flood = CreateObject<SynFloodApplication>();
    flood->SetAttribute("Remote", AddressValue(InetSocketAddress(net.serverAddress, 80)));
    flood->SetAttribute("Rate", DoubleValue(4e6));
    flood->SetAttribute("Count", UintegerValue(n));
    net.flooder->AddApplication(flood);
    flood->SetStartTime(Seconds(0));

    uint64_t before = 0;
    uint64_t after = 0;
    uint32_t held = 0;
    Simulator::Schedule(NanoSeconds(1), [&]() { before = ResidentBytes(); });
    // All SYNs are in by n / 4e6 s; the first SYN-ACK timer fires at 1 s.
    Simulator::Schedule(Seconds(0.9), [&]() {
        after = ResidentBytes();
        held = l->GetSynQueueLength();
    });
    Simulator::Stop(Seconds(0.91));
    Simulator::Run();
    Simulator::Destroy();
    if (held != n)
    {
        std::cerr << "only " << held << " of " << n << " requests held\n";
    }
    return static_cast<double>(after - before) / held;
}

/// A stock ns-3 server: one listening TcpSocketBase; each connection reads the request,
/// writes the response and closes, as the workers do.
class StockServer : public Application
{
  public:
    uint32_t requestBytes{100};   //!< request size
    uint32_t responseBytes{1000}; //!< response size
    uint16_t port{80};            //!< port

  private:
    void StartApplication() override
    {
        m_socket = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
        LinuxTcpDefaults::Apply(DynamicCast<TcpSocket>(m_socket));
        m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        m_socket->Listen();
        m_socket->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeCallback(&StockServer::Accepted, this));
    }

    void StopApplication() override
    {
    }

    void Accepted(Ptr<Socket> s, const Address&)
    {
        m_received[s] = 0;
        s->SetRecvCallback(MakeCallback(&StockServer::Read, this));
    }

    void Read(Ptr<Socket> s)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            m_received[s] += p->GetSize();
        }
        auto it = m_received.find(s);
        if (it != m_received.end() && it->second >= requestBytes)
        {
            m_received.erase(it);
            s->Send(Create<Packet>(responseBytes));
            s->Close();
        }
    }

    Ptr<Socket> m_socket;
    std::map<Ptr<Socket>, uint32_t> m_received;
};

/// One measurement of the short-connection workload.
struct Throughput
{
    double wallSeconds{0};    //!< wall time of Simulator::Run
    uint64_t completed{0};    //!< connections completed
    uint64_t events{0};       //!< events executed
    uint64_t peakRssBytes{0}; //!< peak RSS of the process so far
};

/// \return the peak resident set size of this process
uint64_t
PeakResidentBytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind("VmHWM:", 0) == 0)
        {
            std::istringstream is(line.substr(6));
            uint64_t kb = 0;
            is >> kb;
            return kb * 1024;
        }
    }
    return 0;
}

/**
 * \brief n short connections (request 100 B, response 1 KB) from 16 client hosts, open
 * loop at `rate` per second, against a stock ns-3 listening socket or the model.
 * \param n connections
 * \param rate connections per second
 * \param model use the reuseport model (4 listeners, 4 workers)
 * \return the measurement
 */
Throughput
ShortConnections(uint32_t n, double rate, bool model)
{
    const uint32_t hosts = 16;
    NodeContainer clients;
    clients.Create(hosts);
    Ptr<Node> router = CreateObject<Node>();
    Ptr<Node> server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(clients);
    internet.Install(router);
    internet.Install(server);
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", StringValue("5ms"));
    PointToPointHelper serverLink;
    serverLink.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
    serverLink.SetChannelAttribute("Delay", StringValue("100us"));
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
    Ipv4Address serverAddress = addresses.Assign(serverLink.Install(router, server)).GetAddress(1);
    for (uint32_t i = 0; i < hosts; ++i)
    {
        addresses.NewNetwork();
        addresses.Assign(access.Install(clients.Get(i), router));
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    if (model)
    {
        ReuseportHelper reuseport;
        reuseport.Install(server);
        auto group = reuseport.ListenGroup(server, InetSocketAddress(Ipv4Address::GetAny(), 80), 4);
        for (auto& l : group)
        {
            Ptr<WorkerApplication> w = CreateObject<WorkerApplication>();
            w->SetAttribute("RequestBytes", UintegerValue(100));
            w->SetAttribute("ResponseBytes", UintegerValue(1000));
            server->AddApplication(w);
            w->AddListener(l);
        }
    }
    else
    {
        Ptr<StockServer> s = CreateObject<StockServer>();
        server->AddApplication(s);
    }
    std::vector<Ptr<ClientLoadGenerator>> generators;
    for (uint32_t i = 0; i < hosts; ++i)
    {
        Ptr<ClientLoadGenerator> g = CreateObject<ClientLoadGenerator>();
        g->SetAttribute("Remote", AddressValue(InetSocketAddress(serverAddress, 80)));
        g->SetAttribute("Rate", DoubleValue(rate / hosts));
        g->SetAttribute("Arrival", StringValue("constant"));
        g->SetAttribute("MaxConnections", UintegerValue(n / hosts));
        g->SetAttribute("RequestBytes", UintegerValue(100));
        g->SetAttribute("ResponseBytes", UintegerValue(1000));
        clients.Get(i)->AddApplication(g);
        g->SetStartTime(MilliSeconds(1 + i));
        generators.push_back(g);
    }
    Time end = Seconds(n / rate + 5);
    Simulator::Stop(end);
    auto t0 = std::chrono::steady_clock::now();
    Simulator::Run();
    auto t1 = std::chrono::steady_clock::now();
    Throughput t;
    t.wallSeconds = std::chrono::duration<double>(t1 - t0).count();
    t.events = Simulator::GetEventCount();
    for (auto& g : generators)
    {
        t.completed += g->GetCount(ConnectionOutcome::COMPLETED);
    }
    t.peakRssBytes = PeakResidentBytes();
    Simulator::Destroy();
    return t;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string table = "memory";
    uint32_t requests = 1000000;
    uint32_t connections = 10000;
    double rate = 5000;
    std::string which = "both";
    CommandLine cmd(__FILE__);
    cmd.AddValue("table", "Which table: memory, throughput", table);
    cmd.AddValue("requests", "Requests held in SYN_RECV for the memory table", requests);
    cmd.AddValue("connections", "Connections for one throughput measurement", connections);
    cmd.AddValue("rate", "Connections per second", rate);
    cmd.AddValue("server", "Throughput against: stock, model or both", which);
    cmd.Parse(argc, argv);

    if (table == "throughput")
    {
        for (bool model : {false, true})
        {
            if ((model && which == "stock") || (!model && which == "model"))
            {
                continue;
            }
            Throughput t = ShortConnections(connections, rate, model);
            std::cout << (model ? "model" : "stock") << " n=" << connections << " wall "
                      << t.wallSeconds << " s, " << t.wallSeconds * 1e6 / connections
                      << " us/conn, " << double(t.events) / connections << " events/conn, "
                      << t.completed << " completed, peak RSS " << t.peakRssBytes / 1048576
                      << " MiB\n";
        }
    }

    if (table == "memory")
    {
        std::cout << "requests held  bytes/request (RSS growth)\n";
        double b = MemoryPerRequest(requests);
        std::cout << std::setw(13) << requests << "  " << std::fixed << std::setprecision(0) << b
                  << "\n";
    }
    return 0;
}
