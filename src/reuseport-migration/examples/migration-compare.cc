/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The same close-under-load twice: without migration, then with net.ipv4.tcp_migrate_req=1
// (or a SELECT_OR_MIGRATE program), side by side.
//
// Four listeners on port 80, one worker each; clients at a steady rate over links with a
// 40 ms round-trip time. At 2 s two listeners close. Without migration their accept queues
// are reset at once and their requests are reset when the final ACKs arrive; with migration
// the kernel moves both to the remaining listeners.
//
//   ./build/src/reuseport-migration/examples/migration-compare --policy=hash
//   ./build/src/reuseport-migration/examples/migration-compare --policy=prefer-newest-generation

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/reuseport-migration-module.h"

#include <iomanip>
#include <iostream>
#include <map>

using namespace ns3;

namespace
{

/// What one run produced.
struct Result
{
    std::map<ConnectionOutcome, uint32_t> outcomes; //!< client outcomes
    std::map<RstCause, uint64_t> rsts;              //!< RSTs by cause
    std::map<MigrationPoint, uint64_t> migrated;    //!< successes by point
    std::map<MigrationPoint, uint64_t> failed;      //!< failures by point
    std::map<uint32_t, uint64_t> landedOn;          //!< successes by target id
    uint64_t listenOverflows{0};                    //!< ListenOverflows
    uint32_t heldAcceptQueue{0};                    //!< children at close
    uint32_t heldRequests{0};                       //!< requests at close
};

/// Parameters shared by both runs.
struct Setup
{
    uint32_t listeners{4};
    uint32_t close{2};
    uint32_t clients{8};
    double rate{2000};
    Time serviceTime{MicroSeconds(1800)};
    Time delay{MilliSeconds(20)};
    std::string policy{"hash"};
};

Result
Run(const Setup& s, bool migrate)
{
    NodeContainer clientNodes;
    clientNodes.Create(s.clients);
    Ptr<Node> router = CreateObject<Node>();
    Ptr<Node> server = CreateObject<Node>();
    InternetStackHelper internet;
    internet.Install(clientNodes);
    internet.Install(router);
    internet.Install(server);
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", TimeValue(s.delay));
    PointToPointHelper serverLink;
    serverLink.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
    serverLink.SetChannelAttribute("Delay", TimeValue(MilliSeconds(1)));
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
    Ipv4Address serverAddress = addresses.Assign(serverLink.Install(router, server)).GetAddress(1);
    for (uint32_t i = 0; i < s.clients; ++i)
    {
        addresses.NewNetwork();
        addresses.Assign(access.Install(clientNodes.Get(i), router));
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    ReuseportHelper reuseport;
    Ptr<ReuseportStack> stack = reuseport.Install(server);
    ReuseportHelper::AssignStreams(NodeContainer(server), 1000);
    auto group =
        reuseport.ListenGroup(server, InetSocketAddress(Ipv4Address::GetAny(), 80), s.listeners);
    std::vector<Ptr<WorkerApplication>> workers;
    for (uint32_t i = 0; i < s.listeners; ++i)
    {
        // The closing listeners are the old generation.
        group[i]->SetLabel("generation", i < s.close ? "1" : "2");
        Ptr<WorkerApplication> w = CreateObject<WorkerApplication>();
        std::ostringstream st;
        st << "ns3::ConstantRandomVariable[Constant=" << s.serviceTime.GetSeconds() << "]";
        w->SetAttribute("ServiceTime", StringValue(st.str()));
        w->SetAttribute("ResponseBytes", UintegerValue(4096));
        server->AddApplication(w);
        w->AddListener(group[i]);
        workers.push_back(w);
    }
    std::vector<Ptr<ClientLoadGenerator>> generators;
    for (uint32_t i = 0; i < s.clients; ++i)
    {
        Ptr<ClientLoadGenerator> g = CreateObject<ClientLoadGenerator>();
        g->SetAttribute("Remote", AddressValue(InetSocketAddress(serverAddress, 80)));
        g->SetAttribute("Rate", DoubleValue(s.rate / s.clients));
        g->SetAttribute("Arrival", StringValue("poisson"));
        g->SetAttribute("ResponseBytes", UintegerValue(4096));
        g->AssignStreams(2000 + i);
        clientNodes.Get(i)->AddApplication(g);
        g->SetStartTime(MilliSeconds(100));
        g->SetStopTime(Seconds(4));
        generators.push_back(g);
    }

    Result r;
    stack->TraceConnectWithoutContext(
        "Migration",
        ReuseportStack::MigrationCallback([&r](const FourTuple&,
                                               MigrationPoint point,
                                               Ptr<const ReuseportListener>,
                                               Ptr<const ReuseportListener> to,
                                               MigrationResult result) {
            if (result == MigrationResult::SUCCESS)
            {
                r.migrated[point]++;
                r.landedOn[to->GetId()]++;
            }
            else
            {
                r.failed[point]++;
            }
        }));
    Simulator::Schedule(Seconds(2), [&]() {
        // The restart: migration is switched on (or the program attached) just before the
        // old listeners close; the kernel decides capability at stop-listen.
        if (migrate && (s.policy == "hash" || s.policy == "last-slot"))
        {
            stack->SetSysctl("net.ipv4.tcp_migrate_req", 1);
            if (s.policy == "last-slot")
            {
                group[0]->GetGroup()->SetMigrationSelector(
                    CreateObject<LastSlotReuseportSelector>());
            }
        }
        else if (migrate)
        {
            Ptr<ReuseportProgram> p = CreateBuiltinProgram(s.policy);
            NS_ABORT_MSG_UNLESS(p, "unknown --policy " << s.policy);
            p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
            if (s.policy == "exclude-labels")
            {
                p->SetAttribute("Exclude", StringValue("generation=1"));
            }
            group[0]->AttachProgram(p);
        }
        for (uint32_t i = 0; i < s.close; ++i)
        {
            r.heldAcceptQueue += group[i]->GetAcceptQueueLength();
            r.heldRequests += group[i]->GetSynQueueLength();
            workers[i]->RemoveListener(group[i]);
            group[i]->Close();
        }
    });
    Simulator::Stop(Seconds(9));
    Simulator::Run();

    for (auto& g : generators)
    {
        for (auto o : {ConnectionOutcome::PENDING,
                       ConnectionOutcome::COMPLETED,
                       ConnectionOutcome::RESET,
                       ConnectionOutcome::REFUSED,
                       ConnectionOutcome::TIMEOUT})
        {
            r.outcomes[o] += g->GetCount(o);
        }
    }
    for (uint8_t c = 0; c < static_cast<uint8_t>(RstCause::CAUSE_COUNT); ++c)
    {
        r.rsts[static_cast<RstCause>(c)] = stack->GetRstCount(static_cast<RstCause>(c));
    }
    r.listenOverflows = stack->GetMib().Get(TcpMib::LISTEN_OVERFLOWS);
    Simulator::Destroy();
    return r;
}

/// Print one line of the side-by-side table.
void
Line(const std::string& what, uint64_t a, uint64_t b)
{
    std::cout << "  " << std::left << std::setw(34) << what << std::right << std::setw(12) << a
              << std::setw(14) << b << "\n";
}

} // namespace

int
main(int argc, char* argv[])
{
    Setup s;
    CommandLine cmd(__FILE__);
    cmd.AddValue("listeners", "Listeners (and workers) on the server", s.listeners);
    cmd.AddValue("close", "Listeners closed at 2 s", s.close);
    cmd.AddValue("rate", "New connections per second", s.rate);
    cmd.AddValue("serviceTime", "Worker time per request", s.serviceTime);
    cmd.AddValue("policy",
                 "Migration: hash or last-slot (tcp_migrate_req=1), or a built-in program "
                 "(prefer-newest-generation, least-loaded, round-robin, exclude-labels)",
                 s.policy);
    cmd.Parse(argc, argv);

    Result off = Run(s, false);
    Result on = Run(s, true);

    std::cout << "close " << s.close << " of " << s.listeners << " listeners under " << s.rate
              << " connections/s, migration policy " << s.policy << "\n\n";
    std::cout << "  " << std::left << std::setw(34) << "" << std::right << std::setw(12)
              << "no migration" << std::setw(14) << "migration"
              << "\n";
    Line("children queued at close", off.heldAcceptQueue, on.heldAcceptQueue);
    Line("requests pending at close", off.heldRequests, on.heldRequests);
    Line("connections completed",
         off.outcomes[ConnectionOutcome::COMPLETED],
         on.outcomes[ConnectionOutcome::COMPLETED]);
    Line("connections reset",
         off.outcomes[ConnectionOutcome::RESET],
         on.outcomes[ConnectionOutcome::RESET]);
    Line("connections refused/timeout",
         off.outcomes[ConnectionOutcome::REFUSED] + off.outcomes[ConnectionOutcome::TIMEOUT],
         on.outcomes[ConnectionOutcome::REFUSED] + on.outcomes[ConnectionOutcome::TIMEOUT]);
    for (uint8_t c = 0; c < static_cast<uint8_t>(RstCause::CAUSE_COUNT); ++c)
    {
        RstCause cause = static_cast<RstCause>(c);
        if (off.rsts[cause] + on.rsts[cause] > 0)
        {
            Line(std::string("RSTs ") + RstCauseName(cause), off.rsts[cause], on.rsts[cause]);
        }
    }
    for (MigrationPoint p :
         {MigrationPoint::CLOSE, MigrationPoint::SYNACK_TIMER, MigrationPoint::FINAL_ACK})
    {
        Line(std::string("migrated at ") + MigrationPointName(p), off.migrated[p], on.migrated[p]);
        if (off.failed[p] + on.failed[p] > 0)
        {
            Line(std::string("failed at ") + MigrationPointName(p), off.failed[p], on.failed[p]);
        }
    }
    for (const auto& [id, n] : on.landedOn)
    {
        Line("migrated to listener " + std::to_string(id), off.landedOn[id], n);
    }
    Line("ListenOverflows", off.listenOverflows, on.listenOverflows);
    return 0;
}
