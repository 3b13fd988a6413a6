/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "nginx-master.h"

#include "worker-application.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/builtin-programs.h"
#include "ns3/integer.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/reuseport-group.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-selector.h"
#include "ns3/reuseport-stack.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-header.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("NginxMaster");

NS_OBJECT_ENSURE_REGISTERED(NginxMaster);

TypeId
NginxMaster::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::NginxMaster")
            .SetParent<Application>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<NginxMaster>()
            .AddAttribute("Port",
                          "The listening port.",
                          UintegerValue(80),
                          MakeUintegerAccessor(&NginxMaster::m_port),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("Workers",
                          "Worker processes at start, one SO_REUSEPORT socket each.",
                          UintegerValue(4),
                          MakeUintegerAccessor(&NginxMaster::m_workers),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("Backlog",
                          "The listen backlog (nginx's default is 511).",
                          IntegerValue(511),
                          MakeIntegerAccessor(&NginxMaster::m_backlog),
                          MakeIntegerChecker<int>(0))
            .AddAttribute("ServiceTime",
                          "Worker time per request, a random variable in seconds.",
                          StringValue("ns3::ConstantRandomVariable[Constant=0]"),
                          MakeStringAccessor(&NginxMaster::m_serviceTime),
                          MakeStringChecker())
            .AddAttribute("RequestBytes",
                          "Request size the workers read before serving.",
                          UintegerValue(200),
                          MakeUintegerAccessor(&NginxMaster::m_requestBytes),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("ResponseBytes",
                          "Response size.",
                          UintegerValue(4096),
                          MakeUintegerAccessor(&NginxMaster::m_responseBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("ShutdownTimeout",
                          "worker_shutdown_timeout: old workers, and draining sockets, are "
                          "closed at the latest this long after a reload.",
                          TimeValue(Seconds(10)),
                          MakeTimeAccessor(&NginxMaster::m_shutdownTimeout),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("Steering",
                          "SYN steering: \"hash\" (the kernel's) or a built-in program name, "
                          "attached as SELECT at start; \"object\": SetSteeringProgram() "
                          "gives the program.",
                          StringValue("hash"),
                          MakeStringAccessor(&NginxMaster::m_steering),
                          MakeStringChecker())
            .AddAttribute("CountSteering",
                          "Count the SYNs steered to each socket from the start (drain-count "
                          "needs it): the master attaches its program at start.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&NginxMaster::m_countSteering),
                          MakeBooleanChecker())
            .AddAttribute("DrainPollInterval",
                          "How often draining sockets are checked.",
                          TimeValue(MilliSeconds(10)),
                          MakeTimeAccessor(&NginxMaster::m_drainPoll),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("StreamBase",
                          "First random stream of the workers' service times.",
                          IntegerValue(1000000),
                          MakeIntegerAccessor(&NginxMaster::m_streamBase),
                          MakeIntegerChecker<int64_t>(0))
            .AddTraceSource("Reload",
                            "A reload or upgrade started a new generation.",
                            MakeTraceSourceAccessor(&NginxMaster::m_reloadTrace),
                            "ns3::NginxMaster::ReloadTracedCallback");
    return tid;
}

NginxMaster::NginxMaster() = default;

NginxMaster::~NginxMaster() = default;

void
NginxMaster::DoDispose()
{
    m_pollEvent.Cancel();
    m_deadlineEvent.Cancel();
    m_sockets.clear();
    m_current.clear();
    m_all.clear();
    m_retiring.clear();
    m_program = nullptr;
    m_steeringProgram = nullptr;
    m_migrationProgram = nullptr;
    m_stack = nullptr;
    Application::DoDispose();
}

void
NginxMaster::StartApplication()
{
    NS_LOG_FUNCTION(this);
    EnsureStarted();
}

void
NginxMaster::EnsureStarted()
{
    // An event scheduled for the start time may come before the start event itself; it
    // must find the master, its sockets and its workers there.
    if (m_started)
    {
        return;
    }
    m_started = true;
    m_stack = GetNode()->GetObject<ReuseportStack>();
    NS_ABORT_MSG_UNLESS(m_stack, "NginxMaster: the node has no ReuseportStack");
    if (m_steering != "hash" && m_steering != "object")
    {
        m_steeringProgram = CreateBuiltinProgram(m_steering);
        NS_ABORT_MSG_UNLESS(m_steeringProgram, "NginxMaster: unknown steering " << m_steering);
    }
    for (uint32_t i = 0; i < m_workers; ++i)
    {
        Ptr<ReuseportListener> l = OpenListener(i);
        m_sockets.push_back(l);
        m_current.push_back(StartWorker(i, l));
    }
    if (m_steeringProgram || m_countSteering)
    {
        InstallProgram(false);
    }
}

void
NginxMaster::StopApplication()
{
    m_pollEvent.Cancel();
}

uint32_t
NginxMaster::GetGeneration() const
{
    return m_generation;
}

std::vector<Ptr<ReuseportListener>>
NginxMaster::GetListeners() const
{
    return m_sockets;
}

std::vector<Ptr<WorkerApplication>>
NginxMaster::GetWorkers() const
{
    return m_current;
}

const std::vector<Ptr<WorkerApplication>>&
NginxMaster::GetAllWorkers() const
{
    return m_all;
}

const std::vector<NginxMaster::Restart>&
NginxMaster::GetRestarts() const
{
    return m_restarts;
}

Ptr<ReuseportListener>
NginxMaster::OpenListener(uint32_t index)
{
    Ptr<ReuseportListener> l = m_stack->CreateListener();
    l->Bind(InetSocketAddress(Ipv4Address::GetAny(), m_port));
    NS_ABORT_MSG_IF(l->Listen(m_backlog) != 0, "NginxMaster: cannot listen on port " << m_port);
    Label(l, index);
    return l;
}

void
NginxMaster::Label(Ptr<ReuseportListener> l, uint32_t index)
{
    l->SetLabel("generation", std::to_string(m_generation));
    l->SetLabel("worker", std::to_string(index));
    l->SetLabel("master", std::to_string(m_master));
}

Ptr<WorkerApplication>
NginxMaster::StartWorker(uint32_t index, Ptr<ReuseportListener> listener)
{
    Ptr<WorkerApplication> w = CreateObject<WorkerApplication>();
    w->SetAttribute("ServiceTime", StringValue(m_serviceTime));
    w->SetAttribute("RequestBytes", UintegerValue(m_requestBytes));
    w->SetAttribute("ResponseBytes", UintegerValue(m_responseBytes));
    w->AssignStreams(m_streamBase + static_cast<int64_t>(m_all.size()));
    GetNode()->AddApplication(w);
    w->SetStartTime(Seconds(0));
    w->AddListener(listener);
    m_all.push_back(w);
    NS_LOG_DEBUG("generation " << m_generation << " worker " << index << " on listener "
                               << listener->GetId());
    return w;
}

Ptr<ReuseportGroup>
NginxMaster::GetGroup() const
{
    for (const auto& l : m_sockets)
    {
        if (l && l->IsListening() && l->GetGroup())
        {
            return l->GetGroup();
        }
    }
    return nullptr;
}

void
NginxMaster::InstallProgram(bool migrate)
{
    if (m_userProgram)
    {
        NS_LOG_WARN("a user program is attached: the master's steering program stays off");
        return;
    }
    if (!m_program)
    {
        m_program = CreateObject<CallbackReuseportProgram>();
        m_program->SetCallback(Callback<ProgramVerdict, ReuseportContext&>(
            [this](ReuseportContext& ctx) { return RunProgram(ctx); }));
    }
    if (migrate)
    {
        m_program->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
    }
    for (const auto& l : m_sockets)
    {
        if (l && l->IsListening())
        {
            l->AttachProgram(m_program);
            return;
        }
    }
}

ProgramVerdict
NginxMaster::RunProgram(ReuseportContext& ctx)
{
    if (ctx.IsMigrating())
    {
        return m_migrationProgram ? m_migrationProgram->Execute(ctx) : ProgramVerdict::PASS;
    }
    Ptr<ReuseportListener> chosen;
    if (!m_excluded.empty())
    {
        // Drain: steer around the sockets on their way out.
        std::vector<Ptr<ReuseportListener>> candidates;
        for (const auto& l : ctx.GetListeners())
        {
            if (m_excluded.count(l->GetId()) == 0)
            {
                candidates.push_back(l);
            }
        }
        if (!candidates.empty())
        {
            chosen =
                candidates[ReciprocalScale(ctx.hash, static_cast<uint32_t>(candidates.size()))];
            ctx.SelectListener(chosen);
        }
    }
    if (!chosen && m_steeringProgram)
    {
        if (m_steeringProgram->Execute(ctx) == ProgramVerdict::DROP)
        {
            return ProgramVerdict::DROP;
        }
        chosen = ctx.GetSelected();
    }
    if (!chosen)
    {
        chosen = ctx.group->PickByHash(ctx.hash); // what SK_PASS without a selection does
    }
    if (chosen && (ctx.tcpFlags & (TcpHeader::SYN | TcpHeader::ACK)) == TcpHeader::SYN)
    {
        m_steered[chosen->GetId()]++;
    }
    return ProgramVerdict::PASS;
}

void
NginxMaster::Reload(const ReloadOptions& options)
{
    EnsureStarted();
    NS_LOG_FUNCTION(this << options.strategy << options.policy << options.listenChange
                         << options.upgrade);
    uint32_t oldN = static_cast<uint32_t>(m_sockets.size());
    uint32_t newN = options.workers.value_or(oldN);
    NS_ABORT_MSG_IF(newN == 0, "NginxMaster: a generation needs at least one worker");
    std::vector<Ptr<ReuseportListener>> oldSockets = m_sockets;
    std::vector<Ptr<WorkerApplication>> oldWorkers = m_current;
    m_restarts.push_back(Restart{Simulator::Now(), Simulator::Now(), false, 0, options.strategy});
    size_t restart = m_restarts.size() - 1;

    m_generation++;
    if (options.upgrade)
    {
        m_master++;
    }
    bool replaceAll = options.listenChange || options.upgrade;
    bool handover = options.strategy == "handover";

    // Which old sockets go on, and to which new worker.
    std::vector<Ptr<ReuseportListener>> newSockets(newN);
    std::vector<std::pair<Ptr<ReuseportListener>, uint32_t>> extra; // handed to worker j
    std::vector<std::pair<Ptr<ReuseportListener>, Ptr<WorkerApplication>>> retire;
    for (uint32_t i = 0; i < oldN; ++i)
    {
        Ptr<ReuseportListener> l = oldSockets[i];
        Ptr<WorkerApplication> w = oldWorkers[i];
        bool alive = l && l->IsListening();
        if ((!replaceAll || handover) && i < newN && alive)
        {
            newSockets[i] = l; // inherited by index
            if (w)
            {
                w->RemoveListener(l);
            }
        }
        else if (handover && alive)
        {
            extra.emplace_back(l, i % newN);
            if (w)
            {
                w->RemoveListener(l);
            }
        }
        else if (alive)
        {
            retire.emplace_back(l, w);
        }
    }
    // New sockets first, so that something always listens.
    for (uint32_t j = 0; j < newN; ++j)
    {
        if (!newSockets[j])
        {
            newSockets[j] = OpenListener(j);
        }
    }
    m_sockets = newSockets;
    m_current.clear();
    for (uint32_t j = 0; j < newN; ++j)
    {
        Label(newSockets[j], j);
        m_current.push_back(StartWorker(j, newSockets[j]));
    }
    for (auto& [l, j] : extra)
    {
        Label(l, j);
        m_current[j]->AddListener(l);
    }
    RetireSockets(retire, options);
    m_restarts[restart].retired = static_cast<uint32_t>(retire.size());
    for (auto& w : oldWorkers)
    {
        if (w && !w->HasExited())
        {
            w->Retire(m_shutdownTimeout);
        }
    }
    if (std::none_of(m_retiring.begin(), m_retiring.end(), [restart](const Retiring& r) {
            return r.restart == restart;
        }))
    {
        m_restarts[restart].done = true;
    }
    m_reloadTrace(m_generation, options.strategy);
}

void
NginxMaster::RetireSockets(
    const std::vector<std::pair<Ptr<ReuseportListener>, Ptr<WorkerApplication>>>& sockets,
    const ReloadOptions& options)
{
    if (sockets.empty())
    {
        return;
    }
    size_t restart = m_restarts.size() - 1;
    const std::string& s = options.strategy;
    if (s == "migrate")
    {
        if (options.policy == "hash" || options.policy == "last-slot")
        {
            m_stack->SetSysctl("net.ipv4.tcp_migrate_req", 1);
            Ptr<ReuseportGroup> g = GetGroup();
            if (g && options.policy == "last-slot")
            {
                g->SetMigrationSelector(CreateObject<LastSlotReuseportSelector>());
            }
        }
        else
        {
            m_migrationProgram = options.policyProgram ? options.policyProgram()
                                                       : CreateBuiltinProgram(options.policy);
            NS_ABORT_MSG_UNLESS(m_migrationProgram,
                                "NginxMaster: unknown migration policy " << options.policy);
            if (options.policy == "exclude-labels")
            {
                // The old generation is what must not receive migrated connections.
                m_migrationProgram->SetAttribute(
                    "Exclude",
                    StringValue("generation=" + std::to_string(m_generation - 1)));
            }
            InstallProgram(true);
        }
    }
    if (s == "drain-steer" || s == "drain-count")
    {
        InstallProgram(false);
        for (const auto& [l, w] : sockets)
        {
            m_excluded.insert(l->GetId());
            Retiring r;
            r.listener = l;
            r.worker = w;
            r.mode = s;
            r.steered = m_steered[l->GetId()];
            r.restart = restart;
            m_retiring.push_back(r);
        }
        if (!m_pollEvent.IsRunning())
        {
            m_pollEvent = Simulator::ScheduleNow(&NginxMaster::PollDrains, this);
        }
        Simulator::Schedule(m_shutdownTimeout, &NginxMaster::DrainDeadline, this);
        return;
    }
    // close, migrate: at once.
    for (const auto& [l, w] : sockets)
    {
        Retiring r;
        r.listener = l;
        r.worker = w;
        r.mode = "close";
        r.restart = restart;
        CloseRetired(r);
    }
    m_restarts[restart].done = true;
}

void
NginxMaster::CloseRetired(Retiring& r)
{
    NS_LOG_DEBUG("closing retired listener " << r.listener->GetId() << " (" << r.mode << ")");
    if (r.worker)
    {
        r.worker->RemoveListener(r.listener);
    }
    r.listener->Close();
    m_excluded.erase(r.listener->GetId());
    Restart& rec = m_restarts[r.restart];
    rec.end = std::max(rec.end, Simulator::Now());
}

void
NginxMaster::PollDrains()
{
    std::vector<Retiring> left;
    std::set<size_t> touched;
    for (auto& r : m_retiring)
    {
        bool done = false;
        if (r.mode == "drain-steer")
        {
            done = r.listener->GetSynQueueLength() <= 0 && r.listener->GetAcceptQueueLength() == 0;
        }
        else
        {
            done = !r.worker || r.worker->GetAcceptedFrom(r.listener) >= r.steered;
        }
        if (done)
        {
            CloseRetired(r);
            touched.insert(r.restart);
        }
        else
        {
            left.push_back(r);
        }
    }
    m_retiring = left;
    for (size_t i : touched)
    {
        bool open = std::any_of(m_retiring.begin(), m_retiring.end(), [i](const Retiring& r) {
            return r.restart == i;
        });
        m_restarts[i].done = !open;
    }
    if (!m_retiring.empty())
    {
        m_pollEvent = Simulator::Schedule(m_drainPoll, &NginxMaster::PollDrains, this);
    }
}

void
NginxMaster::DrainDeadline()
{
    // Drains of restarts at least ShutdownTimeout old give up and close.
    Time now = Simulator::Now();
    std::vector<Retiring> left;
    for (auto& r : m_retiring)
    {
        if (m_restarts[r.restart].start + m_shutdownTimeout <= now)
        {
            CloseRetired(r);
            m_restarts[r.restart].done = true;
        }
        else
        {
            left.push_back(r);
        }
    }
    m_retiring = left;
}

std::string
NginxMaster::CloseListener(uint32_t worker)
{
    EnsureStarted();
    if (worker >= m_sockets.size())
    {
        return NoWorker(worker);
    }
    if (m_sockets[worker]->GetState() == ReuseportListener::CLOSED)
    {
        return "the socket of worker " + std::to_string(worker) + " is already closed";
    }
    if (m_current[worker])
    {
        m_current[worker]->RemoveListener(m_sockets[worker]);
    }
    m_sockets[worker]->Close();
    return "";
}

std::string
NginxMaster::ShutdownListener(uint32_t worker)
{
    EnsureStarted();
    if (worker >= m_sockets.size())
    {
        return NoWorker(worker);
    }
    if (!m_sockets[worker]->IsListening())
    {
        return "the socket of worker " + std::to_string(worker) + " is not listening";
    }
    m_sockets[worker]->Shutdown();
    return "";
}

std::string
NginxMaster::Listen(uint32_t worker)
{
    EnsureStarted();
    if (worker >= m_sockets.size())
    {
        return NoWorker(worker);
    }
    Ptr<ReuseportListener> l = m_sockets[worker];
    if (l->GetState() == ReuseportListener::CLOSED)
    {
        l = OpenListener(worker);
        m_sockets[worker] = l;
    }
    else
    {
        l->Listen(m_backlog);
    }
    if (m_current[worker])
    {
        m_current[worker]->AddListener(l);
    }
    return "";
}

std::string
NginxMaster::StallWorker(uint32_t worker)
{
    EnsureStarted();
    if (worker >= m_current.size() || !m_current[worker])
    {
        return NoWorker(worker);
    }
    m_current[worker]->Stall();
    return "";
}

std::string
NginxMaster::ResumeWorker(uint32_t worker)
{
    EnsureStarted();
    if (worker >= m_current.size() || !m_current[worker])
    {
        return NoWorker(worker);
    }
    m_current[worker]->Resume();
    return "";
}

std::string
NginxMaster::KillWorker(uint32_t worker, bool respawn)
{
    EnsureStarted();
    if (worker >= m_current.size() || !m_current[worker])
    {
        return NoWorker(worker);
    }
    m_current[worker]->Kill();
    m_current[worker] = nullptr;
    if (respawn)
    {
        m_current[worker] = StartWorker(worker, m_sockets[worker]);
    }
    else if (m_sockets[worker]->GetState() != ReuseportListener::CLOSED)
    {
        m_sockets[worker]->Close(); // nobody will accept from it again
    }
    return "";
}

std::string
NginxMaster::NoWorker(uint32_t worker) const
{
    if (worker < m_current.size())
    {
        return "worker " + std::to_string(worker) + " of generation " +
               std::to_string(m_generation) + " was killed without a respawn";
    }
    return "no worker " + std::to_string(worker) + " in generation " +
           std::to_string(m_generation) + " (it has " + std::to_string(m_current.size()) + ")";
}

std::string
NginxMaster::AttachProgram(Ptr<ReuseportProgram> program)
{
    EnsureStarted();
    for (const auto& l : m_sockets)
    {
        if (l && l->IsListening())
        {
            m_userProgram = true;
            l->AttachProgram(program);
            return "";
        }
    }
    return "no socket of the current generation is listening to attach the program to";
}

void
NginxMaster::SetSteeringProgram(Ptr<ReuseportProgram> program)
{
    NS_LOG_FUNCTION(this << program);
    m_steeringProgram = program;
    if (m_started)
    {
        InstallProgram(false);
    }
}

std::string
NginxMaster::DetachProgram()
{
    EnsureStarted();
    for (const auto& l : m_sockets)
    {
        if (l && l->IsListening())
        {
            if (l->DetachProgram() != 0)
            {
                return "the group has no program to detach";
            }
            return "";
        }
    }
    return "no socket of the current generation is listening to detach the program from";
}

} // namespace ns3
