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

#include <fstream>
#include <iomanip>
#include <iostream>
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

} // namespace

int
main(int argc, char* argv[])
{
    std::string table = "memory";
    uint32_t requests = 1000000;
    CommandLine cmd(__FILE__);
    cmd.AddValue("table", "Which table: memory", table);
    cmd.AddValue("requests", "Requests held in SYN_RECV for the memory table", requests);
    cmd.Parse(argc, argv);

    if (table == "memory")
    {
        std::cout << "requests held  bytes/request (RSS growth)\n";
        double b = MemoryPerRequest(requests);
        std::cout << std::setw(13) << requests << "  " << std::fixed << std::setprecision(0) << b
                  << "\n";
    }
    return 0;
}
