/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Benchmarks of the listener model. Each measurement runs in a process of its own, so that
// its peak memory is its own; times are wall-clock and noisy, so compare the ratios measured
// in one run.
//
//   ./waf bench              # 1k, 10k and 100k connections, close costs up to 100k
//   ./waf bench --full       # also 1M connections and 1M pending requests

#include "ns3/bpf-reuseport-program.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/reuseport-migration-module.h"
#include "ns3/reuseport-sock-array.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace ns3;

#ifndef RPM_BUILD_TYPE
#define RPM_BUILD_TYPE "unknown"
#endif
#ifndef RPM_BPF_DIR
#define RPM_BPF_DIR "build/programs"
#endif

namespace
{

/// \return a /proc/self/status field in bytes ("VmRSS", "VmHWM")
uint64_t
StatusBytes(const std::string& field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind(field + ":", 0) == 0)
        {
            std::istringstream is(line.substr(field.size() + 1));
            uint64_t kb = 0;
            is >> kb;
            return kb * 1024;
        }
    }
    return 0;
}

bool g_fork = true; //!< measure in child processes

/**
 * \brief Run f in a child process and return the numbers it reports (a whitespace-separated
 * line written to a pipe), so that each measurement has a fresh process.
 * \param f the measurement
 * \return its numbers
 */

std::vector<double>
InChild(const std::function<std::vector<double>()>& f)
{
    if (!g_fork)
    {
        return f();
    }
    int fd[2];
    if (pipe(fd) != 0)
    {
        return {};
    }
    pid_t pid = fork();
    if (pid == 0)
    {
        close(fd[0]);
        std::ostringstream os;
        for (double v : f())
        {
            os << std::setprecision(17) << v << " ";
        }
        std::string s = os.str();
        ssize_t n = write(fd[1], s.data(), s.size());
        (void)n;
        close(fd[1]);
        _exit(0);
    }
    close(fd[1]);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof(buf))) > 0)
    {
        out.append(buf, n);
    }
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    std::istringstream is(out);
    std::vector<double> v;
    double x;
    while (is >> x)
    {
        v.push_back(x);
    }
    return v;
}

/// A stock ns-3 server: one listening TcpSocketBase; each connection reads the request,
/// writes the response and closes, as the workers do.
class StockServer : public Application
{
  public:
    uint32_t requestBytes{100};   //!< request size
    uint32_t responseBytes{1000}; //!< response size

  private:
    void StartApplication() override
    {
        m_socket = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
        LinuxTcpDefaults::Apply(DynamicCast<TcpSocket>(m_socket));
        // ns-3 keeps a TIME_WAIT socket as a full socket in its endpoint list: a short one
        // (2 s) keeps that list, which every segment searches, from growing without bound.
        m_socket->SetAttribute("MaxSegLifetime", DoubleValue(1));
        m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), 80));
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

    Ptr<Socket> m_socket;                       //!< listening socket
    std::map<Ptr<Socket>, uint32_t> m_received; //!< request bytes per connection
};

/**
 * \brief Completes handshakes without client sockets: SYNs from one address and ports
 * 1024-65535, and the final ACK for every SYN-ACK, through a raw socket on a node whose
 * TCP is switched off. It fills accept queues at a fraction of a real client's cost.
 */
class HandshakeFlood : public Application
{
  public:
    Address remote;    //!< the server
    double rate{1e6};  //!< SYNs per second
    uint32_t count{0}; //!< SYNs to send
    uint32_t acked{0}; //!< final ACKs sent

  private:
    void StartApplication() override
    {
        // Without TCP on this node, nothing answers the SYN-ACKs with a RST.
        Ptr<Ipv4L3Protocol> ip = GetNode()->GetObject<Ipv4L3Protocol>();
        ip->Remove(GetNode()->GetObject<TcpL4Protocol>());
        // More than 64512 connections need more source addresses: aliases on the interface.
        Ptr<Ipv4> ipv4 = GetNode()->GetObject<Ipv4>();
        Ipv4InterfaceAddress primary = ipv4->GetAddress(1, 0);
        for (uint32_t i = 0; i <= count / PORTS; ++i)
        {
            Ipv4Address a(primary.GetLocal().Get() + (i == 0 ? 0 : 1 + i));
            if (i > 0)
            {
                ipv4->AddAddress(1, Ipv4InterfaceAddress(a, primary.GetMask()));
            }
            m_sources.push_back(a);
        }
        m_raw = Socket::CreateSocket(GetNode(), Ipv4RawSocketFactory::GetTypeId());
        m_raw->SetAttribute("Protocol", UintegerValue(6));
        m_raw->SetAttribute("IpHeaderInclude", BooleanValue(true));
        m_raw->SetRecvCallback(MakeCallback(&HandshakeFlood::Received, this));
        Send();
    }

    void StopApplication() override
    {
        m_next.Cancel();
    }

    void Segment(Ipv4Address source, uint16_t port, uint8_t flags, uint32_t seq, uint32_t ack)
    {
        InetSocketAddress r = InetSocketAddress::ConvertFrom(remote);
        TcpHeader h;
        h.SetFlags(flags);
        h.SetSourcePort(port);
        h.SetDestinationPort(r.GetPort());
        h.SetSequenceNumber(SequenceNumber32(seq));
        h.SetAckNumber(SequenceNumber32(ack));
        h.SetWindowSize(65535);
        Ptr<Packet> p = Create<Packet>();
        p->AddHeader(h);
        Ipv4Header ip;
        ip.SetSource(source);
        ip.SetDestination(r.GetIpv4());
        ip.SetProtocol(6);
        ip.SetPayloadSize(p->GetSize());
        ip.SetTtl(64);
        p->AddHeader(ip);
        m_raw->SendTo(p, 0, InetSocketAddress(r.GetIpv4(), 0));
    }

    void Send()
    {
        if (m_sent >= count)
        {
            return;
        }
        Segment(m_sources[m_sent / PORTS],
                static_cast<uint16_t>(1024 + m_sent % PORTS),
                TcpHeader::SYN,
                0,
                0);
        ++m_sent;
        m_next = Simulator::Schedule(Seconds(1.0 / rate), &HandshakeFlood::Send, this);
    }

    void Received(Ptr<Socket> s)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            Ipv4Header ip;
            p->RemoveHeader(ip);
            TcpHeader h;
            p->RemoveHeader(h);
            if ((h.GetFlags() & (TcpHeader::SYN | TcpHeader::ACK)) ==
                (TcpHeader::SYN | TcpHeader::ACK))
            {
                Segment(ip.GetDestination(),
                        h.GetDestinationPort(),
                        TcpHeader::ACK,
                        1,
                        h.GetSequenceNumber().GetValue() + 1);
                ++acked;
            }
        }
    }

    static constexpr uint32_t PORTS = 64512; //!< source ports per address (1024-65535)
    Ptr<Socket> m_raw;                       //!< raw TCP socket
    std::vector<Ipv4Address> m_sources;      //!< source addresses
    uint32_t m_sent{0};                      //!< SYNs sent
    EventId m_next;                          //!< next SYN
};

/**
 * \brief n short connections (request 100 B, response 1 KB) from 16 client hosts, open
 * loop at `rate` per second, against a stock ns-3 listening socket or the model (4
 * listeners, 4 workers accepting promptly), optionally with a program attached to the group.
 * \param n connections
 * \param rate connections per second
 * \param model the model, else a stock socket
 * \param program with the model: 0 none, 1 a C++ callback that passes SYNs without
 * selecting, 2 programs/migrate-to-new.bpf.o (which does the same in the interpreter)
 * \return wall seconds, events, completed, peak RSS bytes
 */
std::vector<double>
ShortConnections(uint32_t n, double rate, bool model, int program = 0)
{
    // 16 client hosts, each on its own point-to-point link to the server.
    const uint32_t hosts = 16;
    NodeContainer clients;
    clients.Create(hosts);
    Ptr<Node> server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(clients);
    internet.Install(server);
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", StringValue("5ms"));
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
    std::vector<Ipv4Address> serverAddresses;
    for (uint32_t i = 0; i < hosts; ++i)
    {
        serverAddresses.push_back(
            addresses.Assign(access.Install(clients.Get(i), server)).GetAddress(1));
        addresses.NewNetwork();
    }

    if (model)
    {
        ReuseportHelper reuseport;
        reuseport.Install(server);
        auto group = reuseport.ListenGroup(server, InetSocketAddress(Ipv4Address::GetAny(), 80), 4);
        if (program == 1)
        {
            Ptr<CallbackReuseportProgram> p = CreateObject<CallbackReuseportProgram>();
            p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
            p->SetCallback(Callback<ProgramVerdict, ReuseportContext&>([](ReuseportContext& c) {
                return c.IsMigrating() ? ProgramVerdict::DROP : ProgramVerdict::PASS;
            }));
            group[0]->AttachProgram(p);
        }
        else if (program == 2)
        {
            Ptr<BpfReuseportProgram> p = CreateObject<BpfReuseportProgram>();
            p->Load(std::string(RPM_BPF_DIR) + "/migrate-to-new.bpf.o");
            group[0]->AttachProgram(p);
        }
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
        server->AddApplication(CreateObject<StockServer>());
    }
    std::vector<Ptr<ClientLoadGenerator>> generators;
    for (uint32_t i = 0; i < hosts; ++i)
    {
        Ptr<ClientLoadGenerator> g = CreateObject<ClientLoadGenerator>();
        g->SetAttribute("Remote", AddressValue(InetSocketAddress(serverAddresses[i], 80)));
        g->SetAttribute("Rate", DoubleValue(rate / hosts));
        g->SetAttribute("Arrival", StringValue("constant"));
        g->SetAttribute("MaxConnections", UintegerValue(n / hosts + (i < n % hosts ? 1 : 0)));
        g->SetAttribute("RequestBytes", UintegerValue(100));
        g->SetAttribute("ResponseBytes", UintegerValue(1000));
        g->SetAttribute("KeepConnections", BooleanValue(false));
        clients.Get(i)->AddApplication(g);
        g->SetStartTime(MicroSeconds(100 * i));
        generators.push_back(g);
    }
    Simulator::Stop(Seconds(n / rate + 5));
    auto t0 = std::chrono::steady_clock::now();
    Simulator::Run();
    auto t1 = std::chrono::steady_clock::now();
    double completed = 0;
    for (auto& g : generators)
    {
        completed += g->GetCount(ConnectionOutcome::COMPLETED);
    }
    double events = Simulator::GetEventCount();
    double peak = StatusBytes("VmHWM");
    Simulator::Destroy();
    return {std::chrono::duration<double>(t1 - t0).count(), events, completed, peak};
}

/**
 * \brief n connections from `hosts` client hosts, open loop at `rate` per second, to a
 * server that never accepts (a reuseport group without workers and an accept queue large
 * enough for all): every connection stays open on its client host, ESTABLISHED with its
 * request sent, so the client hosts hold n connections at the end.
 * \param n connections
 * \param hosts client hosts, each on its own link to the server
 * \param rate connections per second, shared by the hosts
 * \param hashed client hosts find their sockets by hash (ClientTcpStack) or, false, by
 * ns-3's endpoint list (stock sockets)
 * \return wall seconds, events, connections open on the client hosts at the end, peak RSS
 */
std::vector<double>
BusyClientHosts(uint32_t n, uint32_t hosts, double rate, bool hashed)
{
    NodeContainer clients;
    clients.Create(hosts);
    Ptr<Node> server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(clients);
    internet.Install(server);
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", StringValue("5ms"));
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
    std::vector<Ipv4Address> serverAddresses;
    for (uint32_t i = 0; i < hosts; ++i)
    {
        serverAddresses.push_back(
            addresses.Assign(access.Install(clients.Get(i), server)).GetAddress(1));
        addresses.NewNetwork();
    }
    ReuseportHelper reuseport;
    Ptr<ReuseportStack> stack = reuseport.Install(server);
    stack->SetSysctl("net.core.somaxconn", n + 1000);
    reuseport.ListenGroup(server, InetSocketAddress(Ipv4Address::GetAny(), 80), 4, n + 1000);

    std::vector<Ptr<ClientTcpStack>> stacks;
    for (uint32_t i = 0; i < hosts; ++i)
    {
        if (hashed)
        {
            Ptr<ClientTcpStack> c = ClientTcpStack::Install(clients.Get(i));
            // More than Linux's default 28232 ports: the whole unprivileged range.
            c->SetAttribute("LocalPortLow", UintegerValue(1024));
            c->SetAttribute("LocalPortHigh", UintegerValue(65535));
            stacks.push_back(c);
        }
        Ptr<ClientLoadGenerator> g = CreateObject<ClientLoadGenerator>();
        g->SetAttribute("Remote", AddressValue(InetSocketAddress(serverAddresses[i], 80)));
        g->SetAttribute("Rate", DoubleValue(rate / hosts));
        g->SetAttribute("Arrival", StringValue("constant"));
        g->SetAttribute("MaxConnections", UintegerValue(n / hosts + (i < n % hosts ? 1 : 0)));
        g->SetAttribute("RequestBytes", UintegerValue(100));
        g->SetAttribute("ResponseBytes", UintegerValue(1000));
        g->SetAttribute("KeepConnections", BooleanValue(false));
        clients.Get(i)->AddApplication(g);
        g->SetStartTime(MicroSeconds(100 * (i % 16)));
    }
    Simulator::Stop(Seconds(n / rate + 2));
    // CPU time of this process: the machine is shared, and wall time would count the
    // time other processes take.
    std::clock_t c0 = std::clock();
    Simulator::Run();
    std::clock_t c1 = std::clock();
    double open = 0;
    for (uint32_t i = 0; i < hosts; ++i)
    {
        if (hashed)
        {
            open += stacks[i]->GetNSockets();
        }
        else
        {
            ObjectVectorValue list;
            clients.Get(i)->GetObject<TcpL4Protocol>()->GetAttribute("SocketList", list);
            open += list.GetN();
        }
    }
    double events = Simulator::GetEventCount();
    double peak = StatusBytes("VmHWM");
    // Simulator::Destroy() with this many sockets is left to the end of the child process.
    return {double(c1 - c0) / CLOCKS_PER_SEC, events, open, peak};
}

/// A flooder and a server with one listener, on one fast link.
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
        link.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("1000000p"));
        Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
        serverAddress = addresses.Assign(link.Install(flooder, server)).GetAddress(1);
        ReuseportHelper reuseport;
        stack = reuseport.Install(server);
        stack->SetSysctl("somaxconn", 0x7fffffff);
        stack->SetSysctl("tcp_syncookies", 0);
        stack->SetSysctl("tcp_max_syn_backlog", 0x7fffffff);
    }
};

/**
 * \brief Bytes per request in SYN_RECV: RSS growth while a SYN flood of n SYNs is held.
 * \return bytes per request, requests held
 */
std::vector<double>
MemoryPerRequest(uint32_t n)
{
    FloodNetwork net;
    Ptr<ReuseportListener> l =
        ReuseportHelper().Listen(net.server,
                                 InetSocketAddress(Ipv4Address::GetAny(), 80),
                                 0x7fffffff);
    Ptr<SynFloodApplication> flood = CreateObject<SynFloodApplication>();
    flood->SetAttribute("Remote", AddressValue(InetSocketAddress(net.serverAddress, 80)));
    flood->SetAttribute("Rate", DoubleValue(4e6));
    flood->SetAttribute("Count", UintegerValue(n));
    net.flooder->AddApplication(flood);
    uint64_t before = 0;
    uint64_t after = 0;
    double held = 0;
    Simulator::Schedule(NanoSeconds(1), [&]() { before = StatusBytes("VmRSS"); });
    // All SYNs are in by n / 4e6 s; the first SYN-ACK timer fires at 1 s.
    Simulator::Schedule(Seconds(0.9), [&]() {
        after = StatusBytes("VmRSS");
        held = l->GetSynQueueLength();
    });
    Simulator::Stop(Seconds(0.91));
    Simulator::Run();
    Simulator::Destroy();
    return {held > 0 ? (after - before) / held : 0, held};
}

/**
 * \brief k children in one listener's accept queue; then the listener closes, with or
 * without migration to a second listener.
 * \return bytes per queued child, wall seconds of the close, children queued
 */
std::vector<double>
CloseWithChildren(uint32_t k, bool migrate)
{
    FloodNetwork net;
    net.stack->SetSysctl("tcp_migrate_req", migrate ? 1 : 0);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> a =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80), 0x7fffffff);
    Ptr<HandshakeFlood> flood = CreateObject<HandshakeFlood>();
    flood->remote = InetSocketAddress(net.serverAddress, 80);
    flood->count = k;
    net.flooder->AddApplication(flood);
    uint64_t before = 0;
    uint64_t after = 0;
    double queued = 0;
    double closeSeconds = 0;
    Simulator::Schedule(NanoSeconds(1), [&]() { before = StatusBytes("VmRSS"); });
    Simulator::Schedule(Seconds(0.5), [&]() {
        after = StatusBytes("VmRSS");
        queued = a->GetAcceptQueueLength();
        // A second listener joins only now: every child belongs to the first.
        ReuseportHelper().Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
        auto t0 = std::chrono::steady_clock::now();
        a->Close();
        auto t1 = std::chrono::steady_clock::now();
        closeSeconds = std::chrono::duration<double>(t1 - t0).count();
    });
    Simulator::Stop(Seconds(0.6));
    Simulator::Run();
    Simulator::Destroy();
    return {queued > 0 ? (after - before) / queued : 0, closeSeconds, queued};
}

/// Format a number with a fixed precision.
std::string
Fixed(double v, int precision)
{
    std::ostringstream os;
    os << std::fixed << std::setprecision(precision) << v;
    return os.str();
}

/**
 * \brief ns per program run: programs/migrate-to-new.bpf.o in the interpreter, on a migration
 * (select new_listeners[hash % n]) and on a SYN (pass at once), and the same migration logic
 * as a C++ callback.
 * \param runs runs per measurement
 * \return {bpf migration, bpf steering, C++ migration} in ns per run, and the instructions of
 * one bpf migration run
 */
std::vector<double>
ProgramRuns(uint32_t runs)
{
    Ptr<Node> node = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(node);
    ReuseportHelper reuseport;
    reuseport.Install(node);
    const uint32_t n = 4;
    std::vector<Ptr<ReuseportListener>> listeners;
    for (uint32_t i = 0; i < n; ++i)
    {
        listeners.push_back(reuseport.Listen(node, InetSocketAddress(Ipv4Address::GetAny(), 80)));
    }
    Ptr<BpfReuseportProgram> bpf = CreateObject<BpfReuseportProgram>();
    bpf->Load(std::string(RPM_BPF_DIR) + "/migrate-to-new.bpf.o");
    Ptr<ReuseportSockArray> array = bpf->GetSockArray("new_listeners");
    for (uint32_t i = 0; i < n; ++i)
    {
        array->Update(i, listeners[i]);
    }
    uint32_t zero = 0;
    bpf->UpdateElem("new_count", &zero, &n);
    // The same decisions in C++: what a built-in program costs.
    Ptr<CallbackReuseportProgram> cpp = CreateObject<CallbackReuseportProgram>();
    cpp->SetCallback(Callback<ProgramVerdict, ReuseportContext&>([array, n](ReuseportContext& c) {
        if (!c.IsMigrating())
        {
            return ProgramVerdict::PASS;
        }
        return c.SelectReuseport(array, c.hash % n) == 0 ? ProgramVerdict::PASS
                                                         : ProgramVerdict::DROP;
    }));
    ReuseportContext ctx;
    ctx.group = listeners[0]->GetGroup();
    ctx.sk = listeners[0];
    ctx.len = 0;
    auto time = [&](ReuseportProgram& p, MigratingState state) {
        ctx.migratingState = state;
        uint64_t selected = 0;
        // CPU time of this process: on a shared machine, wall-clock time counts the others.
        auto cpu = []() {
            timespec t;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
            return t.tv_sec * 1e9 + t.tv_nsec;
        };
        double start = cpu();
        for (uint32_t i = 0; i < runs; ++i)
        {
            ctx.hash = i * 2654435761u;
            if (p.Run(ctx) == ProgramVerdict::PASS && ctx.GetSelected())
            {
                ++selected;
            }
        }
        double ns = cpu() - start;
        if (state != MigratingState::NONE && selected != runs)
        {
            std::cerr << "program runs: " << selected << " of " << runs << " selected\n";
        }
        return ns / runs;
    };
    std::vector<double> best(3, 1e30);
    for (int round = 0; round < 3; ++round) // shared machines: keep each one's best
    {
        best[0] = std::min(best[0], time(*bpf, MigratingState::ESTABLISHED));
        best[1] = std::min(best[1], time(*bpf, MigratingState::NONE));
        best[2] = std::min(best[2], time(*cpp, MigratingState::ESTABLISHED));
    }
    ctx.migratingState = MigratingState::ESTABLISHED;
    bpf->Run(ctx);
    best.push_back(static_cast<double>(bpf->GetVm().GetLastInsnCount()));
    Simulator::Destroy();
    return best;
}

} // namespace

int
main(int argc, char* argv[])
{
    bool full = false;
    double rate = 5000;
    std::string tables = "throughput,memory,busy-client,programs";
    std::string scheduler = "ns3::HeapScheduler";
    std::string sizeList;
    std::string servers = "stock,ours";
    uint32_t stockMax = 100000;
    CommandLine cmd(__FILE__);
    cmd.AddValue("sizes", "Connection counts of the throughput table (e.g. 1000,10000)", sizeList);
    cmd.AddValue("fork", "Run each measurement in a child process", g_fork);
    cmd.AddValue("full", "Also 1M connections and 1M pending requests (long)", full);
    cmd.AddValue("rate", "Connections per second of the throughput workload", rate);
    cmd.AddValue("tables",
                 "Tables to print: throughput, memory, schedulers, busy-client, programs",
                 tables);
    uint32_t busyConnections = 50000;
    double busyRate = 10000;
    uint32_t busyStock = 2000;
    int busyRounds = 3;
    cmd.AddValue("busyRounds", "Interleaved rounds of the busy-client table", busyRounds);
    cmd.AddValue("busyConnections",
                 "Connections held open by the busy-client table",
                 busyConnections);
    cmd.AddValue("busyRate", "Connections per second of the busy-client table", busyRate);
    cmd.AddValue("busyStock",
                 "Connections of the busy-client table's stock-socket rows (0: none)",
                 busyStock);
    cmd.AddValue("scheduler", "ns-3 scheduler for the measurements", scheduler);
    cmd.AddValue("stockMax",
                 "Largest connection count run against stock ns-3 (its cost per connection "
                 "grows with the count: 1M would take hours)",
                 stockMax);
    cmd.AddValue("servers",
                 "Servers of the throughput table: stock,ours (one alone for profiling)",
                 servers);
    cmd.Parse(argc, argv);
    ObjectFactory sched;
    sched.SetTypeId(scheduler);
    Simulator::SetScheduler(sched);

    std::cout << std::unitbuf; // each line as it is measured, also into a pipe
    std::cout << "reuseport-bench: " << RPM_BUILD_TYPE << " build, " << scheduler << ", Debian "
              << "ns-3.37 libraries; each measurement in a fresh process\n";

    std::vector<uint32_t> sizes{1000, 10000, 100000};
    if (full)
    {
        sizes.push_back(1000000);
    }
    if (!sizeList.empty())
    {
        sizes.clear();
        std::istringstream is(sizeList);
        std::string item;
        while (std::getline(is, item, ','))
        {
            sizes.push_back(static_cast<uint32_t>(std::stoul(item)));
        }
    }
    if (tables.find("programs") != std::string::npos)
    {
        const uint32_t runs = 1000000;
        std::cout
            << "\nreuseport programs (" << runs
            << " runs each, best of 3, CPU time): migrate-to-new.bpf.o in the interpreter against "
               "the same logic in C++\n";
        std::vector<double> r = InChild([runs]() { return ProgramRuns(runs); });
        if (r.size() == 4)
        {
            std::cout << "  bpf, migration (select new_listeners[hash % 4])  " << std::setw(8)
                      << Fixed(r[0], 1) << " ns/run  (" << Fixed(r[3], 0) << " instructions)\n"
                      << "  bpf, SYN steering (SK_PASS, no selection)       " << std::setw(8)
                      << Fixed(r[1], 1) << " ns/run\n"
                      << "  C++ callback, migration                         " << std::setw(8)
                      << Fixed(r[2], 1) << " ns/run\n";
        }
        // Per connection: the short-connection workload with each program on every SYN.
        const uint32_t conns = 10000;
        const int rounds = 3;
        std::vector<std::vector<double>> cost(3);
        for (int round = 0; round < rounds; ++round)
        {
            for (int program = 0; program < 3; ++program)
            {
                std::vector<double> c = InChild(
                    [program, rate]() { return ShortConnections(conns, rate, true, program); });
                if (!c.empty())
                {
                    cost[program].push_back(c[0] * 1e6 / conns);
                }
            }
        }
        const char* names[] = {"no program", "C++ callback", "migrate-to-new.bpf.o"};
        std::cout << "  per connection, " << conns << " short connections (best of " << rounds
                  << " interleaved rounds)\n";
        for (int program = 0; program < 3; ++program)
        {
            std::vector<double>& c = cost[program];
            std::sort(c.begin(), c.end());
            std::cout << "    " << std::left << std::setw(24) << names[program] << std::right
                      << std::setw(8) << (c.empty() ? std::string("-") : Fixed(c.front(), 1))
                      << " us/conn";
            if (program == 2 && !c.empty() && !cost[1].empty())
            {
                std::cout << "  (" << Fixed(c.front() / cost[1].front(), 3) << "x the C++ one)";
            }
            std::cout << "\n";
        }
    }
    if (tables.find("throughput") != std::string::npos)
    {
        std::cout << "\nshort connections (16 clients, 100 B request, 1 KB response, " << rate
                  << " per second, open loop)\n";
        std::cout << std::left << std::setw(10) << "conns" << std::setw(8) << "server" << std::right
                  << std::setw(10) << "wall s" << std::setw(12) << "conns/s" << std::setw(12)
                  << "us/conn" << std::setw(13) << "events/conn" << std::setw(11) << "peak MiB"
                  << std::setw(12) << "ours/stock" << std::setw(16)
                  << ("ours/ours@" + std::to_string(sizes.empty() ? 0 : sizes[0])) << "\n";
        double base = 0;
        for (uint32_t n : sizes)
        {
            // Shared machines slow a process down by up to 2x for seconds at a time: each
            // measurement is repeated in interleaved rounds and each server keeps its fastest
            // round, except where a round takes many minutes (stock ns-3 from 10k on, ours
            // at 1M), whose single round can only overstate the cost.
            auto roundsOf = [](uint32_t count, bool model) {
                return count < 10000 ? 5 : (model && count <= 100000 ? 3 : 1);
            };
            const int rounds = std::max(roundsOf(n, false), roundsOf(n, true));
            std::map<bool, std::vector<double>> best; // by model: wall, events, done, peak
            for (int round = 0; round < rounds; ++round)
            {
                for (bool model : {false, true})
                {
                    if (servers.find(model ? "ours" : "stock") == std::string::npos ||
                        (!model && n > stockMax) || round >= roundsOf(n, model))
                    {
                        continue;
                    }
                    std::vector<double> r =
                        InChild([n, rate, model]() { return ShortConnections(n, rate, model); });
                    if (r.size() >= 4 && (best[model].empty() || r[0] < best[model][0]))
                    {
                        best[model] = r;
                    }
                }
            }
            double stockCost = 0;
            for (bool model : {false, true})
            {
                const char* name = model ? "ours" : "stock";
                if (servers.find(name) == std::string::npos)
                {
                    continue;
                }
                std::cout << std::left << std::setw(10) << n << std::setw(8) << name;
                if (!model && n > stockMax)
                {
                    std::cout << "  not run (above --stockMax=" << stockMax << ")\n";
                    continue;
                }
                const std::vector<double>& r = best[model];
                if (r.empty())
                {
                    std::cout << "  measurement failed\n";
                    continue;
                }
                double us = r[0] * 1e6 / n;
                if (!model)
                {
                    stockCost = us;
                }
                else if (base == 0)
                {
                    base = us;
                }
                std::cout << std::right << std::setw(10) << Fixed(r[0], 2) << std::setw(12)
                          << Fixed(n / r[0], 0) << std::setw(12) << Fixed(us, 0) << std::setw(13)
                          << Fixed(r[1] / n, 1) << std::setw(11) << Fixed(r[3] / 1048576, 0);
                if (model)
                {
                    // Flatness: our cost per connection against ours at the first size.
                    std::cout << std::setw(12)
                              << (stockCost > 0 ? Fixed(us / stockCost, 2) : std::string("-"))
                              << std::setw(16) << Fixed(us / base, 2);
                }
                const int own = roundsOf(n, model);
                std::cout << (own > 1 ? "  best of " + std::to_string(own) : "  1 round")
                          << std::endl;
                if (static_cast<uint32_t>(r[2]) != n)
                {
                    std::cout << "  (only " << static_cast<uint32_t>(r[2]) << " of " << n
                              << " completed)\n";
                }
            }
        }
    }
    if (tables.find("memory") != std::string::npos)
    {
        std::cout << "\nmemory and close cost\n";
        uint32_t flood = full ? 1000000 : 100000;
        std::vector<double> r = InChild([flood]() { return MemoryPerRequest(flood); });
        if (r.size() >= 2)
        {
            std::cout << "  pending request (SYN_RECV), " << static_cast<uint64_t>(r[1])
                      << " held: " << Fixed(r[0], 0) << " bytes each\n";
        }
        std::cout << std::left << std::setw(10) << "  K" << std::right << std::setw(16)
                  << "bytes/child" << std::setw(18) << "close, reset ms" << std::setw(12)
                  << "us/child" << std::setw(20) << "close, migrate ms" << std::setw(12)
                  << "us/child\n";
        for (uint32_t k : {1000u, 10000u, 100000u})
        {
            std::vector<double> reset = InChild([k]() { return CloseWithChildren(k, false); });
            std::vector<double> migrate = InChild([k]() { return CloseWithChildren(k, true); });
            if (reset.size() < 3 || migrate.size() < 3)
            {
                std::cout << "  measurement failed\n";
                continue;
            }
            std::cout << "  " << std::left << std::setw(8) << k << std::right << std::setw(16)
                      << Fixed(reset[0], 0) << std::setw(18) << Fixed(reset[1] * 1e3, 2)
                      << std::setw(12) << Fixed(reset[1] * 1e6 / reset[2], 2) << std::setw(20)
                      << Fixed(migrate[1] * 1e3, 2) << std::setw(12)
                      << Fixed(migrate[1] * 1e6 / migrate[2], 2) << "\n";
            if (reset[2] != k || migrate[2] != k)
            {
                std::cout << "  (queued " << reset[2] << " and " << migrate[2] << " of " << k
                          << ")\n";
            }
        }
    }
    if (tables.find("schedulers") != std::string::npos)
    {
        // Shared machines are noisy: interleave the schedulers, repeat, keep each one's best.
        const int rounds = 3;
        std::cout << "\nschedulers (ours, 10k connections; best of " << rounds
                  << " interleaved rounds)\n";
        std::vector<std::string> names{"ns3::HeapScheduler",
                                       "ns3::MapScheduler",
                                       "ns3::CalendarScheduler",
                                       "ns3::PriorityQueueScheduler"};
        std::map<std::string, std::vector<double>> costs;
        for (int round = 0; round < rounds; ++round)
        {
            for (const std::string& name : names)
            {
                std::vector<double> r = InChild([name, rate]() {
                    ObjectFactory f;
                    f.SetTypeId(name);
                    Simulator::SetScheduler(f);
                    return ShortConnections(10000, rate, true);
                });
                if (!r.empty())
                {
                    costs[name].push_back(r[0] * 1e6 / 10000);
                }
            }
        }
        for (const std::string& name : names)
        {
            std::vector<double>& c = costs[name];
            std::sort(c.begin(), c.end());
            std::cout << "  " << std::left << std::setw(30) << name << std::right << std::setw(6)
                      << (c.empty() ? std::string("-") : Fixed(c.front(), 0)) << " us/conn  (";
            for (std::size_t i = 0; i < c.size(); ++i)
            {
                std::cout << (i ? " " : "") << Fixed(c[i], 0);
            }
            std::cout << ")\n";
        }
    }
    if (tables.find("busy-client") != std::string::npos)
    {
        // The same load on one client host and spread over 64: with the server not
        // accepting, every connection stays open on its client host.
        const int rounds = std::max(1, busyRounds);
        std::cout << "\nbusy client host (server never accepts, connections pile up on the "
                     "clients; "
                  << busyRate << " per second; best of " << rounds << " interleaved rounds)\n";
        std::cout << std::left << std::setw(10) << "conns" << std::setw(8) << "hosts"
                  << std::setw(9) << "sockets" << std::right << std::setw(10) << "cpu s"
                  << std::setw(12) << "us/conn" << std::setw(13) << "events/conn" << std::setw(10)
                  << "open" << std::setw(11) << "peak MiB" << std::setw(12) << "1 host/64"
                  << "\n";

        struct Row
        {
            uint32_t n;
            uint32_t hosts;
            bool hashed;
        };

        std::vector<Row> rows{{busyConnections, 64, true}, {busyConnections, 1, true}};
        if (busyStock > 0)
        {
            rows.push_back({busyStock, 64, false});
            rows.push_back({busyStock, 1, false});
        }
        std::vector<std::vector<double>> best(rows.size());
        for (int round = 0; round < rounds; ++round)
        {
            for (std::size_t i = 0; i < rows.size(); ++i)
            {
                Row row = rows[i];
                std::vector<double> r = InChild([row, busyRate]() {
                    return BusyClientHosts(row.n, row.hosts, busyRate, row.hashed);
                });
                if (r.size() >= 4 && (best[i].empty() || r[0] < best[i][0]))
                {
                    best[i] = r;
                }
            }
        }
        double spread = 0;
        for (std::size_t i = 0; i < rows.size(); ++i)
        {
            const Row& row = rows[i];
            const std::vector<double>& r = best[i];
            std::cout << std::left << std::setw(10) << row.n << std::setw(8) << row.hosts
                      << std::setw(9) << (row.hashed ? "hashed" : "stock");
            if (r.empty())
            {
                std::cout << "  measurement failed\n";
                continue;
            }
            double us = r[0] * 1e6 / row.n;
            std::cout << std::right << std::setw(10) << Fixed(r[0], 2) << std::setw(12)
                      << Fixed(us, 1) << std::setw(13) << Fixed(r[1] / row.n, 1) << std::setw(10)
                      << Fixed(r[2], 0) << std::setw(11) << Fixed(r[3] / 1048576, 0);
            if (row.hosts == 64)
            {
                spread = us;
                std::cout << std::setw(12) << "-";
            }
            else
            {
                std::cout << std::setw(12) << (spread > 0 ? Fixed(us / spread, 2) : "-");
            }
            std::cout << "\n";
        }
        std::cout << "  target: hashed, " << busyConnections
                  << " open on 1 host within 1.5x of the same load over 64 hosts\n";
    }
    return 0;
}
