/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-runner.h"

#include "reuseport-helper.h"
#include "run-summary.h"
#include "scenario-programs.h"
#include "topology-builder.h"

#include "ns3/bpf-reuseport-program.h"
#include "ns3/builtin-programs.h"
#include "ns3/client-load-generator.h"
#include "ns3/client-tcp-stack.h"
#include "ns3/config.h"
#include "ns3/core-module.h"
#include "ns3/ipv4.h"
#include "ns3/nginx-master.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-stack.h"
#include "ns3/tcp-flag-drop-model.h"
#include "ns3/trace-helper.h"
#include "ns3/worker-application.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

namespace ns3
{

namespace
{

/// \return the ns-3 scheduler TypeId name of a scenario scheduler name
std::string
SchedulerType(const std::string& name)
{
    if (name == "map")
    {
        return "ns3::MapScheduler";
    }
    if (name == "calendar")
    {
        return "ns3::CalendarScheduler";
    }
    if (name == "list")
    {
        return "ns3::ListScheduler";
    }
    if (name == "priority-queue")
    {
        return "ns3::PriorityQueueScheduler";
    }
    return "ns3::HeapScheduler";
}

/// A listener's name in migrations.dot.
std::string
ListenerName(Ptr<const ReuseportListener> l)
{
    return "L" + std::to_string(l->GetId()) + " g" + l->GetLabel("generation") + " w" +
           l->GetLabel("worker");
}

/// Everything the run observes while it runs.
struct Collector
{
    uint64_t completed{0};                                         //!< completed so far
    uint64_t migrations{0};                                        //!< successful migrations
    std::map<std::pair<std::string, std::string>, uint64_t> edges; //!< from -> to
    std::map<uint64_t, Time> queuedAt;                             //!< tuple key -> first queued
    std::vector<double> acceptWaitMs;                              //!< queue to accept()
    std::map<Ipv4Address, size_t> clientHost; //!< client address -> load generator index
    /// (load generator, client port) -> time of the last successful hop of its connection
    std::map<std::pair<size_t, uint16_t>, Time> migratedAt;
    uint64_t migratedConnections{0}; //!< client connections migrated at least once
    uint64_t saved{0};               //!< of those, completed

    static uint64_t Key(const FourTuple& t)
    {
        return (static_cast<uint64_t>(t.remote.Get()) << 16) ^ t.remotePort ^
               (static_cast<uint64_t>(t.localPort) << 48);
    }
};

} // namespace

std::string
ScenarioRunner::TimeseriesHeader()
{
    return "run,time_s,listener,generation,worker,state,syn_queue,accept_queue,rsts,migrations,"
           "completed";
}

std::string
ScenarioRunner::ConnectionsHeader()
{
    return "run,host,port,start_s,connected_s,end_s,outcome,saw_rst,bytes_received";
}

RunResult
ScenarioRunner::Run(const ScenarioRun& run, const Options& options)
{
    const Scenario& s = run.scenario;
    RunResult result;

    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(s.seed);
    ObjectFactory scheduler;
    scheduler.SetTypeId(SchedulerType(s.scheduler));
    Simulator::SetScheduler(scheduler);

    TopologyBuilder::Check(s);
    BuiltTopology topo = TopologyBuilder::Build(s);
    Ptr<Node> server = topo.nodes.at(s.server.host).Get(0);

    // The server's kernel and its sysctls at start.
    ReuseportHelper reuseport;
    Ptr<ReuseportStack> stack = reuseport.Install(server);
    stack->AssignStreams(10);
    for (const auto& [name, value] : s.sysctl)
    {
        stack->SetSysctl(name, value);
    }

    // nginx.
    bool countSteering = std::any_of(s.events.begin(), s.events.end(), [](const EventSpec& e) {
        return e.strategy == "drain-count" && (e.action == "reload" || e.action == "upgrade");
    });
    Ptr<NginxMaster> master = CreateObject<NginxMaster>();
    master->SetAttribute("Port", UintegerValue(s.server.port));
    master->SetAttribute("Workers", UintegerValue(s.server.workers));
    master->SetAttribute("Backlog", IntegerValue(s.server.backlog));
    master->SetAttribute("ServiceTime", StringValue(s.server.serviceTime.ToRandomVariableString()));
    master->SetAttribute("RequestBytes", UintegerValue(s.clients.requestBytes));
    master->SetAttribute("ResponseBytes", UintegerValue(s.clients.responseBytes));
    master->SetAttribute("ShutdownTimeout", TimeValue(s.server.shutdownTimeout));
    master->SetAttribute("Steering", StringValue(s.server.steering));
    master->SetAttribute("CountSteering", BooleanValue(countSteering));
    server->AddApplication(master);
    master->SetStartTime(Seconds(0));
    if (s.server.steeringObject)
    {
        // Right after the master's start: its maps may name the listeners it opens.
        ProgramObjectSpec spec = *s.server.steeringObject;
        std::string file = s.file;
        Simulator::Schedule(Seconds(0), [spec, file, master, stack]() {
            master->EnsureStarted();
            Ptr<BpfReuseportProgram> p;
            std::string error = LoadProgramObject(spec, file, stack->GetListeners(), p);
            if (!error.empty())
            {
                throw ScenarioRunError(file, spec.path, "cannot attach at 0 s: " + error);
            }
            master->SetSteeringProgram(p);
        });
    }

    // Clients: the rate is shared by the hosts.
    NodeContainer hosts = topo.nodes.at(s.clients.hosts);
    std::vector<Ptr<ClientLoadGenerator>> generators;
    auto collector = std::make_shared<Collector>();
    for (uint32_t i = 0; i < hosts.GetN(); ++i)
    {
        // Client sockets are found by hash, not by ns-3's per-node list.
        ClientTcpStack::Install(hosts.Get(i));
        Ptr<ClientLoadGenerator> g = CreateObject<ClientLoadGenerator>();
        g->SetAttribute("Remote",
                        AddressValue(InetSocketAddress(topo.serverAddress, s.server.port)));
        g->SetAttribute("Rate", DoubleValue(s.clients.rate / hosts.GetN()));
        g->SetAttribute("Arrival", StringValue(s.clients.arrival));
        g->SetAttribute("RequestBytes", UintegerValue(s.clients.requestBytes));
        g->SetAttribute("ResponseBytes", UintegerValue(s.clients.responseBytes));
        g->SetAttribute("Timeout", TimeValue(s.clients.timeout));
        g->AssignStreams(100 + i);
        hosts.Get(i)->AddApplication(g);
        g->SetStartTime(s.clients.start);
        g->SetStopTime(s.clients.stop);
        Ptr<Ipv4> ip = hosts.Get(i)->GetObject<Ipv4>();
        for (uint32_t f = 0; ip && f < ip->GetNInterfaces(); ++f)
        {
            for (uint32_t a = 0; a < ip->GetNAddresses(f); ++a)
            {
                collector->clientHost[ip->GetAddress(f, a).GetLocal()] = i;
            }
        }
        g->TraceConnectWithoutContext(
            "Outcome",
            Callback<void, Ptr<const ClientConnection>>(
                [collector, i](Ptr<const ClientConnection> c) {
                    bool completed = c->GetOutcome() == ConnectionOutcome::COMPLETED;
                    collector->completed += completed ? 1 : 0;
                    // A hop of this connection, not of an earlier one from the same port: it
                    // happened after this connection's SYN.
                    auto it = collector->migratedAt.find({i, c->GetLocalPort()});
                    if (it != collector->migratedAt.end())
                    {
                        if (it->second >= c->GetStartTime())
                        {
                            collector->migratedConnections++;
                            collector->saved += completed ? 1 : 0;
                        }
                        collector->migratedAt.erase(it);
                    }
                }));
        generators.push_back(g);
    }

    // Observers of the kernel model.
    stack->TraceConnectWithoutContext(
        "Migration",
        ReuseportStack::MigrationCallback([collector](const FourTuple& t,
                                                      MigrationPoint,
                                                      Ptr<const ReuseportListener> from,
                                                      Ptr<const ReuseportListener> to,
                                                      MigrationResult r) {
            if (r == MigrationResult::SUCCESS)
            {
                collector->migrations++;
                collector->edges[{ListenerName(from), ListenerName(to)}]++;
                auto host = collector->clientHost.find(t.remote);
                if (host != collector->clientHost.end())
                {
                    collector->migratedAt[{host->second, t.remotePort}] = Simulator::Now();
                }
            }
        }));
    stack->TraceConnectWithoutContext(
        "ChildQueued",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
            [collector](const FourTuple& t, Ptr<const ReuseportListener>) {
                collector->queuedAt.emplace(Collector::Key(t), Simulator::Now());
            }));
    stack->TraceConnectWithoutContext(
        "ChildAccepted",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
            [collector](const FourTuple& t, Ptr<const ReuseportListener>) {
                auto it = collector->queuedAt.find(Collector::Key(t));
                if (it != collector->queuedAt.end())
                {
                    collector->acceptWaitMs.push_back((Simulator::Now() - it->second).GetSeconds() *
                                                      1000);
                    collector->queuedAt.erase(it);
                }
            }));

    // Packet faults, chained in front of any random loss of the device.
    auto addDrop = [](Ptr<NetDevice> dev, const EventSpec& e) {
        Ptr<PointToPointNetDevice> p2p = DynamicCast<PointToPointNetDevice>(dev);
        if (!p2p)
        {
            return;
        }
        PointerValue current;
        p2p->GetAttribute("ReceiveErrorModel", current);
        Ptr<TcpFlagDropModel> m = CreateObject<TcpFlagDropModel>();
        m->SetAttribute("FlagsSet", UintegerValue(e.flagsSet));
        m->SetAttribute("FlagsClear", UintegerValue(e.flagsClear));
        m->SetAttribute("Port", UintegerValue(e.port));
        m->SetAttribute("Start", TimeValue(e.at));
        m->SetAttribute("Stop", TimeValue(e.until));
        m->SetAttribute("Next", PointerValue(current.Get<ErrorModel>()));
        p2p->SetReceiveErrorModel(m);
    };

    // The timeline. The eBPF object attached last is the one map-update and map-delete change.
    auto attached = std::make_shared<Ptr<BpfReuseportProgram>>();
    for (const auto& e : s.events)
    {
        if (e.action == "drop-segments")
        {
            if (!e.host.empty())
            {
                NodeContainer nodes = topo.nodes.at(e.host);
                for (uint32_t n = 0; n < nodes.GetN(); ++n)
                {
                    for (uint32_t d = 0; d < nodes.Get(n)->GetNDevices(); ++d)
                    {
                        addDrop(nodes.Get(n)->GetDevice(d), e);
                    }
                }
            }
            else
            {
                for (size_t k = 0; k < topo.linkEnds.size(); ++k)
                {
                    const auto& [a, b] = topo.linkEnds[k];
                    if ((a == e.link->first && b == e.link->second) ||
                        (a == e.link->second && b == e.link->first))
                    {
                        for (uint32_t d = 0; d < topo.linkDevices[k].GetN(); ++d)
                        {
                            addDrop(topo.linkDevices[k].Get(d), e);
                        }
                    }
                }
            }
            continue;
        }
        std::string file = s.file;
        Simulator::Schedule(e.at, [e, master, stack, file, attached]() {
            master->EnsureStarted(); // an event at 0 s may run before the start event
            std::string error;
            if (e.action == "reload" || e.action == "upgrade")
            {
                ReloadOptions o;
                o.strategy = e.strategy;
                o.policy = e.policy;
                if (e.policyObject)
                {
                    // Called by the master once the new sockets listen, so that "from"
                    // finds them; a failure stops the run like any event's.
                    o.policyProgram = [e, file, stack]() -> Ptr<ReuseportProgram> {
                        Ptr<BpfReuseportProgram> p;
                        std::string error =
                            LoadProgramObject(*e.policyObject, file, stack->GetListeners(), p);
                        if (!error.empty())
                        {
                            std::ostringstream at;
                            at << e.at.As(Time::S);
                            throw ScenarioRunError(file,
                                                   e.path + "/policy",
                                                   "cannot apply at " + at.str() + ": " + error);
                        }
                        return p;
                    };
                }
                o.workers = e.workers;
                o.listenChange = e.listenChange;
                o.upgrade = e.action == "upgrade";
                master->Reload(o);
            }
            else if (e.action == "close-listener")
            {
                error = master->CloseListener(e.worker);
            }
            else if (e.action == "shutdown-listener")
            {
                error = master->ShutdownListener(e.worker);
            }
            else if (e.action == "listen")
            {
                error = master->Listen(e.worker);
            }
            else if (e.action == "stall-worker")
            {
                error = master->StallWorker(e.worker);
            }
            else if (e.action == "resume-worker")
            {
                error = master->ResumeWorker(e.worker);
            }
            else if (e.action == "kill-worker")
            {
                error = master->KillWorker(e.worker, e.respawn);
            }
            else if (e.action == "set-sysctl")
            {
                if (!stack->SetSysctl(e.name, e.value))
                {
                    error = "the kernel model has no sysctl " + e.name;
                }
            }
            else if (e.action == "attach-program" && e.object)
            {
                error =
                    AttachProgramObject(*e.object, file, master, stack->GetListeners(), *attached);
            }
            else if (e.action == "map-update" || e.action == "map-delete")
            {
                if (!*attached)
                {
                    error = "no eBPF object is attached";
                }
                else
                {
                    error = e.action == "map-update"
                                ? FillProgramMap(**attached, e.mapChange, stack->GetListeners())
                                : DeleteProgramMapKeys(**attached, e.mapChange);
                }
            }
            else if (e.action == "attach-program")
            {
                *attached = nullptr;
                Ptr<ReuseportProgram> p = CreateBuiltinProgram(e.program);
                p->SetAttachType(e.attach == "select-or-migrate"
                                     ? ReuseportProgram::SELECT_OR_MIGRATE
                                     : ReuseportProgram::SELECT);
                for (const auto& [attribute, value] : e.params)
                {
                    p->SetAttribute(attribute, StringValue(value));
                }
                error = master->AttachProgram(p);
            }
            else if (e.action == "detach-program")
            {
                *attached = nullptr;
                error = master->DetachProgram();
            }
            else
            {
                error = "the runner does not know the action \"" + e.action + "\"";
            }
            if (!error.empty())
            {
                std::ostringstream at;
                at << e.at.As(Time::S);
                throw ScenarioRunError(file, e.path, "cannot apply at " + at.str() + ": " + error);
            }
        });
    }

    // Samples of the queues, and progress.
    std::string runId = std::to_string(run.index);
    auto sample = [&result, stack, collector, runId]() {
        std::string t = FormatField("%.3f", Simulator::Now().GetSeconds());
        int64_t synTotal = 0;
        uint64_t acceptTotal = 0;
        for (const auto& l : stack->GetListeners())
        {
            if (l->GetState() == ReuseportListener::CLOSED && l->GetSynQueueLength() == 0 &&
                l->GetAcceptQueueLength() == 0)
            {
                continue; // gone
            }
            synTotal += l->GetSynQueueLength();
            acceptTotal += l->GetAcceptQueueLength();
            std::string state = ReuseportListener::StateName(l->GetState());
            std::transform(state.begin(), state.end(), state.begin(), ::tolower);
            result.timeseries.push_back(runId + "," + t + "," + std::to_string(l->GetId()) + "," +
                                        l->GetLabel("generation") + "," + l->GetLabel("worker") +
                                        "," + state + "," + std::to_string(l->GetSynQueueLength()) +
                                        "," + std::to_string(l->GetAcceptQueueLength()) + ",,,");
        }
        result.timeseries.push_back(runId + "," + t + ",all,,,," + std::to_string(synTotal) + "," +
                                    std::to_string(acceptTotal) + "," +
                                    std::to_string(stack->GetMib().Get(TcpMib::TCP_OUT_RSTS)) +
                                    "," + std::to_string(collector->migrations) + "," +
                                    std::to_string(collector->completed));
    };
    for (Time t = Seconds(0); t <= s.duration; t += s.output.timeseriesInterval)
    {
        Simulator::Schedule(t, sample);
    }
    if (options.progress)
    {
        for (int i = 1; i < 50; ++i)
        {
            double f = i / 50.0;
            std::function<void(double)> cb = options.progress;
            Simulator::Schedule(Seconds(s.duration.GetSeconds() * f), [cb, f]() { cb(f); });
        }
    }

    std::vector<Ptr<PcapFileWrapper>> pcaps;
    if (s.output.pcap && !options.pcapDir.empty())
    {
        PcapHelper helper;
        for (uint32_t d = 0; d < server->GetNDevices(); ++d)
        {
            if (!DynamicCast<PointToPointNetDevice>(server->GetDevice(d)))
            {
                continue;
            }
            std::string path =
                options.pcapDir + "/run-" + runId + "-server-" + std::to_string(d) + ".pcap";
            Ptr<PcapFileWrapper> f = helper.CreateFile(path, std::ios::out, PcapHelper::DLT_PPP);
            helper.HookDefaultSink<PointToPointNetDevice>(
                DynamicCast<PointToPointNetDevice>(server->GetDevice(d)),
                "PromiscSniffer",
                f);
            pcaps.push_back(f);
            result.pcaps.push_back(path);
        }
    }

    Simulator::Stop(s.duration);
    try
    {
        Simulator::Run();
    }
    catch (...)
    {
        for (auto& f : pcaps)
        {
            f->Close();
        }
        Simulator::Destroy();
        throw;
    }
    for (auto& f : pcaps)
    {
        f->Close();
    }

    // Outcomes, and the conservation check.
    RunMeasures m;
    std::map<ConnectionOutcome, uint64_t> outcomes;
    for (size_t h = 0; h < generators.size(); ++h)
    {
        m.attempts += generators[h]->GetAttempts();
        for (const auto& c : generators[h]->GetConnections())
        {
            outcomes[c->GetOutcome()]++;
            // A connection still open at the end was never reported: its hops count here.
            auto hop = collector->migratedAt.find({h, c->GetLocalPort()});
            if (c->GetOutcome() == ConnectionOutcome::PENDING &&
                hop != collector->migratedAt.end() && hop->second >= c->GetStartTime())
            {
                collector->migratedConnections++;
            }
            if (c->WasConnected())
            {
                m.connectMs.push_back((c->GetConnectedTime() - c->GetStartTime()).GetSeconds() *
                                      1000);
            }
            if (c->GetOutcome() == ConnectionOutcome::COMPLETED)
            {
                m.responseMs.push_back((c->GetEndTime() - c->GetStartTime()).GetSeconds() * 1000);
            }
            if (s.output.connections)
            {
                auto secs = [](Time t) {
                    return t.IsNegative() ? std::string("nan")
                                          : FormatField("%.6f", t.GetSeconds());
                };
                std::string outcome = c->GetOutcome() == ConnectionOutcome::PENDING
                                          ? "unfinished"
                                          : ClientConnection::OutcomeName(c->GetOutcome());
                result.connections.push_back(
                    runId + "," + std::to_string(h) + "," + std::to_string(c->GetLocalPort()) +
                    "," + secs(c->GetStartTime()) + "," + secs(c->GetConnectedTime()) + "," +
                    (c->IsFinished() ? secs(c->GetEndTime()) : std::string("nan")) + "," + outcome +
                    "," + (c->SawRst() ? "1" : "0") + "," + std::to_string(c->GetBytesReceived()));
            }
        }
    }
    m.completed = outcomes[ConnectionOutcome::COMPLETED];
    m.reset = outcomes[ConnectionOutcome::RESET];
    m.refused = outcomes[ConnectionOutcome::REFUSED];
    m.timeout = outcomes[ConnectionOutcome::TIMEOUT];
    m.unfinished = outcomes[ConnectionOutcome::PENDING];
    if (m.attempts != m.completed + m.reset + m.refused + m.timeout + m.unfinished)
    {
        result.conserved = false;
        std::ostringstream os;
        os << "attempts " << m.attempts << " != completed " << m.completed << " + reset " << m.reset
           << " + refused " << m.refused << " + timeout " << m.timeout << " + unfinished "
           << m.unfinished;
        result.violation = os.str();
    }
    std::sort(m.connectMs.begin(), m.connectMs.end());
    std::sort(m.responseMs.begin(), m.responseMs.end());
    m.acceptWaitMs = collector->acceptWaitMs;
    std::sort(m.acceptWaitMs.begin(), m.acceptWaitMs.end());

    const TcpMib& mib = stack->GetMib();
    for (size_t c = 0; c < m.rsts.size(); ++c)
    {
        m.rsts[c] = stack->GetRstCount(static_cast<RstCause>(c));
    }
    m.migrateSuccess = mib.Get(TcpMib::TCP_MIGRATE_REQ_SUCCESS);
    m.migrateFailure = mib.Get(TcpMib::TCP_MIGRATE_REQ_FAILURE);
    m.migratedClose = stack->GetMigrationCount(MigrationPoint::CLOSE, MigrationResult::SUCCESS);
    m.migratedSynackTimer =
        stack->GetMigrationCount(MigrationPoint::SYNACK_TIMER, MigrationResult::SUCCESS);
    m.migratedFinalAck =
        stack->GetMigrationCount(MigrationPoint::FINAL_ACK, MigrationResult::SUCCESS);
    m.migratedConnections = collector->migratedConnections;
    m.saved = collector->saved;
    m.listenOverflows = mib.Get(TcpMib::LISTEN_OVERFLOWS);
    m.listenDrops = mib.Get(TcpMib::LISTEN_DROPS);
    m.syncookiesSent = mib.Get(TcpMib::SYNCOOKIES_SENT);
    m.restarts = master->GetRestarts();
    RunSummary::Fill(run, m, result);

    for (const auto& [edge, n] : collector->edges)
    {
        result.edges.emplace_back(edge.first, edge.second, n);
    }

    Simulator::Destroy();
    return result;
}

} // namespace ns3
