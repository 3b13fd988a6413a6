/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_STACK_H
#define REUSEPORT_STACK_H

#include "established-hash.h"
#include "incoming-segment.h"
#include "kernel-events.h"
#include "reuseport-program.h"
#include "reuseport-selector.h"
#include "syn-cookie.h"
#include "tcp-mib.h"

#include "ns3/object.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <array>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace ns3
{

class Node;
class Ipv4EndPoint;
class TcpL4Protocol;
class ReuseportGroup;
class ReuseportListener;
class ReuseportTcpSocket;
struct RequestSock;
struct TimeWaitSock;

/**
 * \ingroup reuseport-migration
 * \brief The server side of a node's Linux TCP stack, as far as listeners are concerned:
 * the network namespace's sysctls and MIB counters, the listening hash of reuseport groups,
 * the established hash of connections, and the receive path that ties them together.
 *
 * Aggregate one to a node that has an ns-3 internet stack (ReuseportHelper::Install does
 * it). For every (address, port) a listener binds, the stack owns one ns-3 endpoint and
 * receives every segment to that port: a connection found in the established hash gets its
 * segment; anything else goes to the listener the group selects. The sysctls are
 * attributes, read when the kernel reads them, and may change at any time.
 */
class ReuseportStack : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ReuseportStack();
    ~ReuseportStack() override;

    /**
     * \brief Create a listener on this node (socket(AF_INET, SOCK_STREAM) + SO_REUSEPORT).
     *
     * Its children are copies of a TCP socket built like TcpL4Protocol::CreateSocket builds
     * one, so the node's TCP defaults (congestion control, RTT estimator, TcpSocket
     * attributes) apply to them.
     *
     * \return the listener, unbound
     */
    Ptr<ReuseportListener> CreateListener();

    /**
     * \brief Set a sysctl by its name, with or without its "net.ipv4." / "net.core." prefix.
     * \param name e.g. "net.ipv4.tcp_migrate_req" or "somaxconn"
     * \param value the value
     * \return false if the name is unknown or the value out of range
     */
    bool SetSysctl(const std::string& name, uint32_t value);

    /**
     * \param name a sysctl name accepted by SetSysctl()
     * \param[out] value its value
     * \return false if the name is unknown
     */
    bool GetSysctl(const std::string& name, uint32_t& value) const;

    /// \return the names SetSysctl() knows, with their prefixes
    static std::vector<std::string> GetSysctlNames();

    /// \return net.core.somaxconn
    uint32_t GetSomaxconn() const;
    /// \return net.ipv4.tcp_max_syn_backlog
    uint32_t GetMaxSynBacklog() const;
    /// \return net.ipv4.tcp_synack_retries
    uint32_t GetSynackRetries() const;
    /// \return net.ipv4.tcp_abort_on_overflow
    bool GetAbortOnOverflow() const;
    /// \return net.ipv4.tcp_syncookies
    uint32_t GetSyncookies() const;
    /// \return net.ipv4.tcp_migrate_req
    bool GetMigrateReq() const;

    /// \return the counters
    const TcpMib& GetMib() const;
    /// \return the counters, for the model's own updates
    TcpMib& GetMib();
    /**
     * \param cause a RST cause
     * \return the RSTs this node sent with that cause
     */
    uint64_t GetRstCount(RstCause cause) const;

    /**
     * \param point a migration point
     * \param result an outcome
     * \return migration attempts at that point with that outcome
     */
    uint64_t GetMigrationCount(MigrationPoint point, MigrationResult result) const;

    /**
     * \brief What reuseport_migrate_sock decided (8.2).
     */
    struct MigrationDecision
    {
        Ptr<ReuseportListener> target; //!< the chosen listener, or null
        bool attempted{false};         //!< false: the listener had no group (row 1, no count)
        MigrationResult result{MigrationResult::SUCCESS}; //!< why there is no target
    };

    /// \return the established hash
    const EstablishedHash& GetEstablishedHash() const;
    /// \return the live groups of this node
    const std::vector<Ptr<ReuseportGroup>>& GetGroups() const;

    /// \return every listener created on this node, in creation order
    const std::vector<Ptr<ReuseportListener>>& GetListeners() const;

    /**
     * \param addr a local address
     * \param port a port
     * \return the group that listens on exactly (addr, port), or null
     */
    Ptr<ReuseportGroup> FindListeningGroup(Ipv4Address addr, uint16_t port) const;

    /**
     * \param t a connection
     * \return its flow hash (inet_ehashfn) on this node
     */
    uint32_t GetFlowHash(const FourTuple& t);

    /// \return the node
    Ptr<Node> GetNode() const;

    /**
     * \brief Use fixed random streams for the boot-time secrets (hash and cookie keys).
     * \param stream the first stream index
     * \return the number of streams used
     */
    int64_t AssignStreams(int64_t stream);

    /**
     * \return the TCP timestamp clock value (ns-3's, in milliseconds)
     */
    static uint32_t TsNow();

    /**
     * TracedCallback signature for RSTs.
     * \param tuple the connection
     * \param cause why the RST was sent
     */
    typedef void (*RstTracedCallback)(const FourTuple& tuple, RstCause cause);

    /**
     * TracedCallback signature for events about one connection at one listener.
     * \param tuple the connection
     * \param listener the listener
     */
    typedef void (*ConnectionTracedCallback)(const FourTuple& tuple,
                                             Ptr<const ReuseportListener> listener);

    /**
     * TracedCallback signature for dropped SYNs.
     * \param tuple the connection
     * \param listener the listener that dropped it
     * \param reason why
     */
    typedef void (*SynDropTracedCallback)(const FourTuple& tuple,
                                          Ptr<const ReuseportListener> listener,
                                          SynDropReason reason);

    /**
     * TracedCallback signature for requests that ended without becoming a child.
     * \param tuple the connection
     * \param listener the owner
     * \param reason how it ended
     */
    typedef void (*RequestEndTracedCallback)(const FourTuple& tuple,
                                             Ptr<const ReuseportListener> listener,
                                             RequestEndReason reason);

    /**
     * TracedCallback signature for SYN-ACKs.
     * \param tuple the connection
     * \param listener the listener it was sent through
     * \param retransmission true for a retransmission
     */
    typedef void (*SynAckTracedCallback)(const FourTuple& tuple,
                                         Ptr<const ReuseportListener> listener,
                                         bool retransmission);

    /**
     * TracedCallback signature for migration attempts.
     * \param tuple the connection
     * \param point where
     * \param from the listener that stopped
     * \param to the target (null if none was found)
     * \param result the outcome
     */
    typedef void (*MigrationTracedCallback)(const FourTuple& tuple,
                                            MigrationPoint point,
                                            Ptr<const ReuseportListener> from,
                                            Ptr<const ReuseportListener> to,
                                            MigrationResult result);

    /// The "Migration" trace source's signature as a Callback, e.g. to connect a lambda.
    using MigrationCallback = Callback<void,
                                       const FourTuple&,
                                       MigrationPoint,
                                       Ptr<const ReuseportListener>,
                                       Ptr<const ReuseportListener>,
                                       MigrationResult>;

  protected:
    void DoDispose() override;
    void NotifyNewAggregate() override;

  private:
    friend class ReuseportListener;
    friend class ReuseportTcpSocket;

    /// One port the stack owns an ns-3 endpoint for.
    struct PortBinding
    {
        Ipv4EndPoint* endPoint{nullptr}; //!< the endpoint (owned by the L4 demux)
    };

    /// \brief Draw the boot-time secrets on first use.
    void EnsureSecrets();

    /**
     * \brief Make sure the stack receives segments for (addr, port); port 0 allocates an
     * ephemeral port.
     * \param addr the local address
     * \param port the port, or 0
     * \return the port, or 0 on failure
     */
    uint16_t BindPort(Ipv4Address addr, uint16_t port);

    /**
     * \brief The endpoint receive callback: tcp_v4_rcv.
     * \param p the segment with its TCP header
     * \param ip the IPv4 header
     * \param sport the source port
     * \param iif the incoming interface
     */
    void Receive(Ptr<Packet> p, Ipv4Header ip, uint16_t sport, Ptr<Ipv4Interface> iif);

    /**
     * \brief Look the segment up in the listening hash and hand it to the selected listener,
     * or answer "no socket" with a RST.
     * \param seg the segment
     * \param cause the cause to record for a RST reply (CAUSE_COUNT: the default)
     * \param twIsn non-zero for a SYN that reopens a TIME_WAIT 4-tuple
     */
    void ListenerLookup(IncomingSegment& seg, RstCause cause, uint32_t twIsn);

    /**
     * \brief Choose the listener for a segment that matched no connection (section 3).
     * \param seg the segment
     * \param[out] dropped true if the group's program returned SK_DROP
     * \return the listener, or null (nothing listens, or dropped)
     */
    Ptr<ReuseportListener> SelectListener(const IncomingSegment& seg, bool& dropped);

    /**
     * \brief reuseport_migrate_sock: choose where a request or child of a stopped listener
     * goes (8.2). Counts TcpExtTCPMigrateReqFailure for rows 2, 3 and 7; success is
     * counted by the caller once the move is done.
     * \param from the listener that stopped
     * \param point the migration point
     * \param tuple the connection
     * \param hash its flow hash (sk_hash)
     * \param state the migrating socket's state, for the program
     * \param segment the segment from its TCP header on, null at close and at the timer
     *        (the kernel then runs the program on an empty skb: len 0, data == data_end)
     * \return the decision
     */
    MigrationDecision MigrateTarget(Ptr<ReuseportListener> from,
                                    MigrationPoint point,
                                    const FourTuple& tuple,
                                    uint32_t hash,
                                    MigratingState state,
                                    Ptr<const Packet> segment);

    /**
     * \brief Count and trace the end of a migration attempt.
     * \param tuple the connection
     * \param point where
     * \param from the stopped listener
     * \param to the target, or null
     * \param result the outcome
     */
    void NoteMigration(const FourTuple& tuple,
                       MigrationPoint point,
                       Ptr<ReuseportListener> from,
                       Ptr<ReuseportListener> to,
                       MigrationResult result);

    /**
     * \brief Change the listener a request refers to (rsk_listener), moving its reference.
     * \param req the request
     * \param owner the new owner
     */
    void SetRequestOwner(RequestSock* req, Ptr<ReuseportListener> owner);

    /**
     * \brief A segment hit a request: checks the owner and runs tcp_check_req (5.3).
     * \param req the request
     * \param seg the segment
     */
    void RequestSegment(RequestSock* req, IncomingSegment& seg);

    /**
     * \brief listen(): join the group of a listening member on the same (addr, port), or
     * create a group (2.2, 2.3 resurrect).
     * \param l the listener
     * \return false if the group is full (ENOMEM)
     */
    bool HashListener(Ptr<ReuseportListener> l);

    /**
     * \brief reuseport_stop_listen_sock: to the closed section if the group can migrate now,
     * else leave the group.
     * \param l the listener, which just left TCP_LISTEN
     * \return true if the listener is migration-capable (kept in the closed section)
     */
    bool UnhashListener(Ptr<ReuseportListener> l);

    /**
     * \brief Whether a member of the group that stops listening now keeps its group
     * (reuseport_stop_listen_sock's test).
     * \param g the group
     * \return true if tcp_migrate_req is set or the group's program may migrate
     */
    bool IsMigrationCapable(Ptr<const ReuseportGroup> g) const;

    /// \brief Free the endpoints of connections that closed since the last segment.
    void FlushGraveyard();

    /**
     * \brief A listener was freed (closed, no request refers to it): leave its group.
     * \param l the listener
     */
    void ReleaseListener(Ptr<ReuseportListener> l);

    /**
     * \param g a group that may have become empty
     */
    void MaybeRemoveGroup(Ptr<ReuseportGroup> g);

    /**
     * \brief Insert a new request in the established hash and arm its SYN-ACK timer.
     * \param req the request
     */
    void AddRequest(RequestSock* req);

    /**
     * \brief Remove a request from the established hash and free it (the owner's counters
     * are the caller's business).
     * \param req the request
     */
    void DeleteRequest(RequestSock* req);

    /**
     * \param req the request whose timer fired
     */
    void RequestTimerExpired(RequestSock* req);

    /**
     * \brief (Re)arm a request's SYN-ACK timer.
     * \param req the request
     * \param delay when it fires
     */
    void ArmRequestTimer(RequestSock* req, Time delay);

    /**
     * \brief Send a SYN-ACK for a request (tcp_make_synack from the request's fields).
     * \param req the request
     * \param via the listener it is sent through
     * \param tsVal the TSval to send
     * \param retransmission true if this is a retransmission (counted)
     */
    void SendSynAck(RequestSock& req,
                    Ptr<ReuseportListener> via,
                    uint32_t tsVal,
                    bool retransmission);

    /**
     * \brief Send a RST in reply to a segment (tcp_v4_send_reset): seq = its ACK number if it
     * had one, else seq 0 with the ACK field set to its end sequence.
     * \param seg the offending segment
     * \param cause why
     */
    void SendResetReply(const IncomingSegment& seg, RstCause cause);

    /**
     * \brief Count and trace a RST that a full socket sent itself.
     * \param t the connection
     * \param cause why
     */
    void NotifyRstSent(const FourTuple& t, RstCause cause);

    /**
     * \brief A full socket entered TIME_WAIT: replace it by a TIME_WAIT socket.
     * \param child the socket
     */
    void EnterTimeWait(Ptr<ReuseportTcpSocket> child);

    /**
     * \brief A full socket is gone: remove it from the established hash.
     * \param child the socket
     */
    void ReleaseChild(Ptr<ReuseportTcpSocket> child);

    /**
     * \param tw the TIME_WAIT socket to remove and free
     */
    void DeleteTimeWait(TimeWaitSock* tw);

    /**
     * \brief ACK from a TIME_WAIT socket.
     * \param tw the socket
     */
    void SendTimeWaitAck(const TimeWaitSock& tw);

    /**
     * \param peer a client address
     * \return true if a connection from it has completed before (tcp_peer_is_proven)
     */
    bool IsPeerProven(Ipv4Address peer) const;

    /**
     * \brief Transmit a segment built by the stack.
     * \param h the header
     * \param t the connection (source is t.local)
     */
    void Transmit(const TcpHeader& h, const FourTuple& t);

    Ptr<Node> m_node;                           //!< the node
    Ptr<TcpL4Protocol> m_tcp;                   //!< the node's TCP
    uint32_t m_somaxconn;                       //!< net.core.somaxconn
    uint32_t m_maxSynBacklog;                   //!< net.ipv4.tcp_max_syn_backlog
    uint32_t m_synackRetries;                   //!< net.ipv4.tcp_synack_retries
    bool m_abortOnOverflow;                     //!< net.ipv4.tcp_abort_on_overflow
    uint32_t m_syncookies;                      //!< net.ipv4.tcp_syncookies
    bool m_migrateReq;                          //!< net.ipv4.tcp_migrate_req
    bool m_linuxDefaults;                       //!< Linux TCP defaults for children
    Ptr<ReuseportSelector> m_migrationSelector; //!< migration pick for new groups
    Time m_synAckTimeout;                       //!< TCP_TIMEOUT_INIT
    Time m_rtoMax;                              //!< TCP_RTO_MAX
    TcpMib m_mib;                               //!< counters
    EstablishedHash m_ehash;                    //!< established hash
    std::vector<Ptr<ReuseportGroup>> m_groups;  //!< live groups
    std::map<std::pair<uint32_t, uint16_t>, PortBinding> m_ports; //!< owned ports
    std::vector<Ptr<ReuseportListener>> m_listeners;              //!< listeners created here
    std::unordered_set<uint32_t> m_provenPeers; //!< peers with a completed connection
    Ptr<UniformRandomVariable> m_rng;           //!< for the boot-time secrets
    bool m_secretsDrawn{false};                 //!< secrets drawn
    uint32_t m_hashSecret{0};                   //!< flow hash key
    SynCookie m_cookie;                         //!< cookie keys
    uint32_t m_nextListenerId{1};               //!< listener identifiers
    std::array<uint64_t, static_cast<size_t>(RstCause::CAUSE_COUNT)> m_rstByCause{}; //!< RSTs
    std::vector<Ipv4EndPoint*> m_graveyard; //!< endpoints of closed connections, to free
    uint64_t m_nextHashSeq{1};              //!< hash order of listeners
    std::map<std::pair<MigrationPoint, MigrationResult>, uint64_t> m_migrations; //!< by outcome

    TracedCallback<const FourTuple&, RstCause> m_rstTrace;                     //!< RST sent
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>> m_synTrace; //!< SYN accepted
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>, SynDropReason>
        m_synDropTrace; //!< SYN dropped
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>>
        m_requestCreatedTrace; //!< request created
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>, RequestEndReason>
        m_requestEndTrace; //!< request gone without a child
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>, bool>
        m_synAckTrace; //!< SYN-ACK sent
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>>
        m_cookieSentTrace; //!< cookie SYN-ACK sent
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>>
        m_childQueuedTrace; //!< child appended to an accept queue
    TracedCallback<const FourTuple&, Ptr<const ReuseportListener>>
        m_childAcceptedTrace; //!< child taken by accept()
    TracedCallback<const FourTuple&,
                   MigrationPoint,
                   Ptr<const ReuseportListener>,
                   Ptr<const ReuseportListener>,
                   MigrationResult>
        m_migrationTrace; //!< migration attempts
};

} // namespace ns3

#endif /* REUSEPORT_STACK_H */
