/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef NGINX_MASTER_H
#define NGINX_MASTER_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/reuseport-program.h"
#include "ns3/traced-callback.h"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ns3
{

class ReuseportListener;
class ReuseportStack;
class WorkerApplication;

/**
 * \ingroup reuseport-migration
 * \brief What a reload (or binary upgrade) does.
 */
struct ReloadOptions
{
    std::string strategy{"close"}; //!< close, drain-steer, drain-count, migrate, handover
    std::string policy{"hash"};    //!< migrate: hash, last-slot, or a program name
    /// migrate: makes the program attached as SELECT_OR_MIGRATE instead of the built-in that
    /// policy names, once the new sockets listen (an eBPF object whose maps hold them)
    std::function<Ptr<ReuseportProgram>()> policyProgram;
    std::optional<uint32_t> workers; //!< the new generation's worker count (default: same)
    bool listenChange{false};        //!< listen options change: every socket is replaced
    bool upgrade{false};             //!< binary upgrade: a new master
};

/**
 * \ingroup reuseport-migration
 * \brief The nginx master process, modelled as nginx behaves with `listen ... reuseport`.
 *
 * The master owns the listening sockets, one SO_REUSEPORT socket per worker, and each
 * worker (a WorkerApplication) accepts from its own. A reload starts a new generation of
 * workers: a socket whose options do not change is inherited by the new worker of the same
 * index and nothing is lost; sockets that must go (all of them when the listen options
 * change or on a binary upgrade, the surplus when the worker count shrinks) are retired
 * with a strategy:
 *
 * - close: closed at once (what nginx does);
 * - drain-steer: steered around by a SELECT program, accepted until their SYN and accept
 *   queues are empty, then closed;
 * - drain-count: SYNs steered to each socket are counted from the start; steering stops;
 *   the worker accepts until it accepted that many; then the socket closes;
 * - migrate: kernel migration switched on (tcp_migrate_req with the hash or last-slot
 *   pick, or a SELECT_OR_MIGRATE program), then closed at once;
 * - handover: the new workers take the old sockets over and nothing closes.
 *
 * Draining is bounded by ShutdownTimeout. Old workers finish their connections and exit,
 * at the latest at ShutdownTimeout. Listeners carry the labels "generation", "worker" and
 * "master", which programs and results read.
 */
class NginxMaster : public Application
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    NginxMaster();
    ~NginxMaster() override;

    /**
     * \param options what the reload does
     */
    void Reload(const ReloadOptions& options);

    // The event methods below apply at once, even before the application's start event
    // (an event at the start time), and return why they could not be applied, or "" when
    // they were: nothing is skipped silently.

    /**
     * \param worker index in the current generation
     * \return "" or why not
     */
    std::string CloseListener(uint32_t worker);

    /**
     * \param worker index in the current generation
     * \return "" or why not
     */
    std::string ShutdownListener(uint32_t worker);

    /**
     * \brief listen() again on a worker's socket (after shutdown), or open a new one in
     * place of a closed one.
     * \param worker index in the current generation
     * \return "" or why not
     */
    std::string Listen(uint32_t worker);

    /**
     * \param worker index in the current generation
     * \return "" or why not
     */
    std::string StallWorker(uint32_t worker);

    /**
     * \param worker index in the current generation
     * \return "" or why not
     */
    std::string ResumeWorker(uint32_t worker);

    /**
     * \brief The worker dies. With respawn, a new worker takes its socket at once, as the
     * nginx master restarts a crashed worker; without, the master closes the socket.
     * \param worker index in the current generation
     * \param respawn start a replacement
     * \return "" or why not
     */
    std::string KillWorker(uint32_t worker, bool respawn);

    /**
     * \brief Attach a program to the group, replacing the master's own steering program.
     * \param program the program
     * \return "" or why not
     */
    std::string AttachProgram(Ptr<ReuseportProgram> program);

    /**
     * \brief Detach the group's program.
     * \return "" or why not
     */
    std::string DetachProgram();

    /**
     * \brief The master's own SYN steering program, in place of the Steering attribute's
     * built-in: an eBPF object, say, whose maps name the listeners and so is set once they
     * listen. The master runs it as it runs a built-in (drains steer around it).
     * \param program the program
     */
    void SetSteeringProgram(Ptr<ReuseportProgram> program);

    /**
     * \brief Open the sockets and start the workers, once: what the start event does, for
     * whatever must find them at the start time before that event ran.
     */
    void EnsureStarted();

    /// \return the current generation (1 at start)
    uint32_t GetGeneration() const;

    /// \return the current generation's sockets, by worker index
    std::vector<Ptr<ReuseportListener>> GetListeners() const;

    /// \return the current generation's workers, by index
    std::vector<Ptr<WorkerApplication>> GetWorkers() const;

    /// \return every worker ever started
    const std::vector<Ptr<WorkerApplication>>& GetAllWorkers() const;

    /// One restart: from the signal to the last old socket closed.
    struct Restart
    {
        Time start;           //!< the reload signal
        Time end;             //!< the last retired socket closed (start if none)
        bool done{false};     //!< every retired socket closed
        uint32_t retired{0};  //!< sockets retired (closed or drained)
        std::string strategy; //!< the strategy used
    };

    /// \return the restarts so far
    const std::vector<Restart>& GetRestarts() const;

    /**
     * TracedCallback signature for restarts.
     * \param generation the new generation
     * \param strategy the strategy
     */
    typedef void (*ReloadTracedCallback)(uint32_t generation, const std::string& strategy);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;

    /**
     * \param worker an index with no live worker
     * \return why an event naming it cannot apply
     */
    std::string NoWorker(uint32_t worker) const;

    /// A socket on its way out.
    struct Retiring
    {
        Ptr<ReuseportListener> listener; //!< the socket
        Ptr<WorkerApplication> worker;   //!< its (old) worker
        std::string mode;                //!< "close", "drain-steer", "drain-count"
        uint64_t steered{0};             //!< drain-count: SYNs steered to it
        size_t restart{0};               //!< index into m_restarts
    };

    /**
     * \brief Open a socket for worker `index` of the current generation.
     * \param index the worker index
     * \return the listener
     */
    Ptr<ReuseportListener> OpenListener(uint32_t index);

    /**
     * \brief Start a worker of the current generation on a socket.
     * \param index the worker index
     * \param listener the socket
     * \return the worker
     */
    Ptr<WorkerApplication> StartWorker(uint32_t index, Ptr<ReuseportListener> listener);

    /**
     * \brief Label a socket with the generation and worker index that serve it.
     * \param l the socket
     * \param index the worker index
     */
    void Label(Ptr<ReuseportListener> l, uint32_t index);

    /**
     * \brief Put the master's own program on the group (steering, counting, draining and
     * program-based migration), unless a user program replaced it.
     * \param migrate attach it as SELECT_OR_MIGRATE
     */
    void InstallProgram(bool migrate);

    /**
     * \brief The master's program.
     * \param ctx the context
     * \return the verdict
     */
    ProgramVerdict RunProgram(ReuseportContext& ctx);

    /**
     * \brief Retire sockets with a strategy.
     * \param sockets the sockets with their old workers
     * \param options the reload
     */
    void RetireSockets(
        const std::vector<std::pair<Ptr<ReuseportListener>, Ptr<WorkerApplication>>>& sockets,
        const ReloadOptions& options);

    /// \brief Check the draining sockets; close those that are done.
    void PollDrains();

    /**
     * \brief Close a retiring socket and take it off its worker.
     * \param r the socket
     */
    void CloseRetired(Retiring& r);

    /// \brief ShutdownTimeout after a reload: close what still drains.
    void DrainDeadline();

    /// \return the group of the current sockets, or null
    Ptr<ReuseportGroup> GetGroup() const;

    Ptr<ReuseportStack> m_stack; //!< the node's kernel
    uint16_t m_port;             //!< listening port
    uint32_t m_workers;          //!< workers at start
    int m_backlog;               //!< listen backlog
    std::string m_serviceTime;   //!< worker service time (RV string)
    uint32_t m_requestBytes;     //!< request size
    uint32_t m_responseBytes;    //!< response size
    Time m_shutdownTimeout;      //!< worker_shutdown_timeout
    std::string m_steering;      //!< "hash" or a built-in program name
    bool m_countSteering;        //!< count steered SYNs from the start
    Time m_drainPoll;            //!< how often drains are checked
    int64_t m_streamBase;        //!< random streams of the workers

    bool m_started{false};                                      //!< sockets opened, workers started
    uint32_t m_generation{1};                                   //!< current generation
    uint32_t m_master{1};                                       //!< master instance (upgrades)
    std::vector<Ptr<ReuseportListener>> m_sockets;              //!< current sockets by worker index
    std::vector<Ptr<WorkerApplication>> m_current;              //!< current workers by index
    std::vector<Ptr<WorkerApplication>> m_all;                  //!< every worker
    std::vector<Retiring> m_retiring;                           //!< sockets on their way out
    std::vector<Restart> m_restarts;                            //!< restarts
    EventId m_pollEvent;                                        //!< next drain check
    EventId m_deadlineEvent;                                    //!< drain deadline
    Ptr<CallbackReuseportProgram> m_program;                    //!< the master's program
    bool m_userProgram{false};                                  //!< a user program replaced it
    Ptr<ReuseportProgram> m_steeringProgram;                    //!< built-in steering, if any
    Ptr<ReuseportProgram> m_migrationProgram;                   //!< migrate policy program, if any
    std::set<uint32_t> m_excluded;                              //!< listener ids steered around
    std::map<uint32_t, uint64_t> m_steered;                     //!< SYNs steered, by listener id
    TracedCallback<uint32_t, const std::string&> m_reloadTrace; //!< reloads
};

} // namespace ns3

#endif /* NGINX_MASTER_H */
