/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Closing SO_REUSEPORT listeners under load, without migration.
//
// One server with four listeners on port 80, each served by its own worker (as nginx with
// `reuseport` gives each worker a socket); clients arrive at a steady rate over links with a
// real round-trip time. Half-way, two listeners are closed, as an nginx reload that lowers
// the worker count does. The kernel resets every child waiting in their accept queues at
// once, and every request still in the handshake when its client's final ACK reaches it.
//
//   ./build/src/reuseport-migration/examples/listener-close --close=2 --rate=2000

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/reuseport-migration-module.h"

#include <iomanip>
#include <iostream>
#include <map>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ListenerCloseExample");

namespace
{

/// What the example observes about the closed listeners.
struct Observation
{
    std::map<uint32_t, uint32_t> closedIds; //!< closed listener id -> index
    uint32_t acceptQueueAtClose{0};         //!< children they held
    uint32_t synQueueAtClose{0};            //!< requests they held
    uint32_t orphanSegments{0};             //!< orphans ended by a client segment
    uint32_t orphanTimers{0};               //!< orphans ended by their timer
};

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t listeners = 4;
    uint32_t close = 2;
    uint32_t clients = 8;
    double rate = 2000;
    Time serviceTime = MicroSeconds(1800);
    Time delay = MilliSeconds(20);
    Time closeAt = Seconds(2);
    Time stopClientsAt = Seconds(4);
    uint32_t seed = 1;

    CommandLine cmd(__FILE__);
    cmd.AddValue("listeners", "Listeners (and workers) on the server", listeners);
    cmd.AddValue("close", "Listeners closed at closeAt", close);
    cmd.AddValue("clients", "Client hosts", clients);
    cmd.AddValue("rate", "New connections per second, all clients together", rate);
    cmd.AddValue("serviceTime", "Worker time per request", serviceTime);
    cmd.AddValue("delay", "One-way delay of each client link", delay);
    cmd.AddValue("closeAt", "When the listeners close", closeAt);
    cmd.AddValue("stopClientsAt", "When clients stop opening connections", stopClientsAt);
    cmd.AddValue("seed", "Run number of the random streams", seed);
    cmd.Parse(argc, argv);
    NS_ABORT_MSG_IF(close > listeners, "--close must not exceed --listeners");
    RngSeedManager::SetRun(seed);

    // clients --(delay)-- router --(1 ms)-- server
    NodeContainer clientNodes;
    clientNodes.Create(clients);
    Ptr<Node> router = CreateObject<Node>();
    Ptr<Node> server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(clientNodes);
    internet.Install(router);
    internet.Install(server);
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", TimeValue(delay));
    PointToPointHelper serverLink;
    serverLink.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
    serverLink.SetChannelAttribute("Delay", TimeValue(MilliSeconds(1)));
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
    Ipv4Address serverAddress = addresses.Assign(serverLink.Install(router, server)).GetAddress(1);
    for (uint32_t i = 0; i < clients; ++i)
    {
        addresses.NewNetwork();
        addresses.Assign(access.Install(clientNodes.Get(i), router));
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    ReuseportHelper reuseport;
    Ptr<ReuseportStack> stack = reuseport.Install(server);
    ReuseportHelper::AssignStreams(NodeContainer(server), 1000);
    auto group =
        reuseport.ListenGroup(server, InetSocketAddress(Ipv4Address::GetAny(), 80), listeners);
    std::vector<Ptr<WorkerApplication>> workers;
    for (uint32_t i = 0; i < listeners; ++i)
    {
        Ptr<WorkerApplication> w = CreateObject<WorkerApplication>();
        std::ostringstream st;
        st << "ns3::ConstantRandomVariable[Constant=" << serviceTime.GetSeconds() << "]";
        w->SetAttribute("ServiceTime", StringValue(st.str()));
        w->SetAttribute("ResponseBytes", UintegerValue(4096));
        server->AddApplication(w);
        w->AddListener(group[i]);
        workers.push_back(w);
    }

    std::vector<Ptr<ClientLoadGenerator>> generators;
    for (uint32_t i = 0; i < clients; ++i)
    {
        Ptr<ClientLoadGenerator> g = CreateObject<ClientLoadGenerator>();
        g->SetAttribute("Remote", AddressValue(InetSocketAddress(serverAddress, 80)));
        g->SetAttribute("Rate", DoubleValue(rate / clients));
        g->SetAttribute("Arrival", StringValue("poisson"));
        g->SetAttribute("ResponseBytes", UintegerValue(4096));
        g->AssignStreams(2000 + i);
        clientNodes.Get(i)->AddApplication(g);
        g->SetStartTime(MilliSeconds(100));
        g->SetStopTime(stopClientsAt);
        generators.push_back(g);
    }

    Observation obs;
    stack->TraceConnectWithoutContext(
        "RequestEnded",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>, RequestEndReason>(
            [&obs](const FourTuple&, Ptr<const ReuseportListener> l, RequestEndReason r) {
                if (obs.closedIds.count(l->GetId()))
                {
                    obs.orphanSegments += r == RequestEndReason::ORPHANED_SEGMENT ? 1 : 0;
                    obs.orphanTimers += r == RequestEndReason::ORPHANED_TIMER ? 1 : 0;
                }
            }));
    Simulator::Schedule(closeAt, [&]() {
        for (uint32_t i = 0; i < close; ++i)
        {
            Ptr<ReuseportListener> l = group[i];
            std::cout << "t=" << Simulator::Now().GetSeconds() << " s: closing listener "
                      << l->GetId() << ": accept queue " << l->GetAcceptQueueLength()
                      << ", SYN queue " << l->GetSynQueueLength() << "\n";
            obs.closedIds[l->GetId()] = i;
            obs.acceptQueueAtClose += l->GetAcceptQueueLength();
            obs.synQueueAtClose += l->GetSynQueueLength();
            workers[i]->RemoveListener(l); // the old worker accepts no more
            l->Close();
        }
    });

    Simulator::Stop(stopClientsAt + Seconds(5));
    Simulator::Run();

    std::map<ConnectionOutcome, uint32_t> outcomes;
    uint32_t attempts = 0;
    for (auto& g : generators)
    {
        attempts += g->GetAttempts();
        for (auto o : {ConnectionOutcome::PENDING,
                       ConnectionOutcome::COMPLETED,
                       ConnectionOutcome::RESET,
                       ConnectionOutcome::REFUSED,
                       ConnectionOutcome::TIMEOUT})
        {
            outcomes[o] += g->GetCount(o);
        }
    }
    std::cout << "\nconnections: " << attempts << " attempted, "
              << outcomes[ConnectionOutcome::COMPLETED] << " completed, "
              << outcomes[ConnectionOutcome::RESET] << " reset, "
              << outcomes[ConnectionOutcome::REFUSED] << " refused, "
              << outcomes[ConnectionOutcome::TIMEOUT] << " timeout, "
              << outcomes[ConnectionOutcome::PENDING] << " unfinished\n";

    std::cout << "\nRSTs by cause:\n";
    for (uint8_t c = 0; c < static_cast<uint8_t>(RstCause::CAUSE_COUNT); ++c)
    {
        uint64_t n = stack->GetRstCount(static_cast<RstCause>(c));
        if (n > 0)
        {
            std::cout << "  " << std::left << std::setw(18)
                      << RstCauseName(static_cast<RstCause>(c)) << n << "\n";
        }
    }
    std::cout << "\nserver counters (nstat):\n";
    stack->GetMib().Print(std::cout);

    // What the kernel semantics predict: one RST per child the closed listeners held, and
    // one per request of theirs that a client segment reached before its timer did.
    uint64_t rstQueue = stack->GetRstCount(RstCause::ACCEPT_QUEUE_PURGE);
    uint64_t rstFinalAck = stack->GetRstCount(RstCause::ORPHANED_REQUEST);
    std::cout << "\nclosed listeners held " << obs.acceptQueueAtClose << " queued children and "
              << obs.synQueueAtClose << " requests; " << obs.orphanSegments
              << " of those requests were reached by a client segment, " << obs.orphanTimers
              << " by their timer\n";
    bool ok = rstQueue == obs.acceptQueueAtClose && rstFinalAck == obs.orphanSegments &&
              obs.orphanSegments + obs.orphanTimers == obs.synQueueAtClose &&
              outcomes[ConnectionOutcome::RESET] == rstQueue + rstFinalAck;
    std::cout << "RSTs = accept queue at close (" << rstQueue << ") + final ACKs that reached "
              << "the closed listeners (" << rstFinalAck << "): " << (ok ? "yes" : "NO") << "\n";
    Simulator::Destroy();
    return ok ? 0 : 1;
}
