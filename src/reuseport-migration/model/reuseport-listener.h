/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_LISTENER_H
#define REUSEPORT_LISTENER_H

#include "incoming-segment.h"
#include "kernel-events.h"

#include "ns3/callback.h"
#include "ns3/inet-socket-address.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"
#include "ns3/traced-value.h"

#include <deque>
#include <map>
#include <string>

namespace ns3
{

class ReuseportGroup;
class ReuseportProgram;
class ReuseportStack;
class ReuseportTcpSocket;
struct RequestSock;

/**
 * \ingroup reuseport-migration
 * \brief A TCP listening socket with SO_REUSEPORT, as the Linux kernel implements one: a
 * SYN queue of request sockets, an accept queue of established children, the backlog
 * limit, and close()/shutdown() with their effect on both queues.
 *
 * Create listeners with ReuseportStack::CreateListener() (or ReuseportHelper). Bind() then
 * Listen() makes the listener join the reuseport group of its (address, port) on the node,
 * or create it; the group owns the port. Applications take connections with Accept(), and
 * learn that the accept queue became non-empty through the accept callback, the way an
 * epoll user learns of EPOLLIN on a listening socket.
 *
 * Children are full ns-3 TCP sockets (ReuseportTcpSocket) cloned from the listener's socket
 * template, so they inherit the listener's TCP attributes as a kernel child inherits its
 * listener's options.
 */
class ReuseportListener : public Object
{
  public:
    /// The socket's state as an application sees it.
    enum State
    {
        INIT,     //!< created, never listened
        LISTEN,   //!< TCP_LISTEN
        SHUTDOWN, //!< stopped by shutdown(): TCP_CLOSE, may listen again
        CLOSED,   //!< close()d: the descriptor is gone (pending requests may still refer to it)
    };

    /**
     * \param state a state
     * \return its name
     */
    static const char* StateName(State state);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ReuseportListener();
    ~ReuseportListener() override;

    /**
     * \brief Bind to a local address and port. Port 0 picks an ephemeral port at Listen().
     * \param local the address (0.0.0.0 for any) and port
     * \return 0, or -1 if the listener is not in the INIT or SHUTDOWN state
     */
    int Bind(const InetSocketAddress& local);

    /**
     * \brief listen(fd, backlog) with the Backlog attribute as backlog.
     * \return 0 or -1
     */
    int Listen();

    /**
     * \brief listen(fd, backlog): join (or create) the group and start accepting SYNs.
     *
     * The accept-queue limit becomes min(backlog, somaxconn), with somaxconn read now.
     * Calling it again on a listening socket only updates that limit; calling it after
     * shutdown() listens again (the kernel's resurrect).
     *
     * \param backlog the listen() backlog
     * \return 0, or -1 (closed socket, or the group is full)
     */
    int Listen(int backlog);

    /**
     * \brief close(fd): stop listening, deal with the accept queue (reset each child, or
     * migrate it when the group can), and release the descriptor. Requests in SYN_RECV are
     * left alone: they meet the closed listener at their next timer or segment.
     * \return 0, or -1 if already closed
     */
    int Close();

    /**
     * \brief shutdown(fd, SHUT_RDWR): stop listening like Close(), but keep the socket, which
     * may listen again.
     * \return 0, or -1 if not listening
     */
    int Shutdown();

    /**
     * \brief accept(): take the oldest child of the accept queue.
     * \return the connection, or null if the queue is empty (EAGAIN)
     */
    Ptr<ReuseportTcpSocket> Accept();

    /**
     * \brief SO_ATTACH_REUSEPORT_EBPF: attach a program to this listener's group.
     *
     * On a listening member it replaces the group's program for every member. Before
     * listen(), the program waits with the socket: it becomes the program of the group the
     * socket creates, and is discarded if the socket joins an existing group. Through a
     * socket that was shut down, it moves the socket out of its group instead of changing
     * the live group's program.
     *
     * \param program the program
     * \return 0, or -1 (EBADF) on a closed socket
     */
    int AttachProgram(Ptr<ReuseportProgram> program);

    /**
     * \brief SO_DETACH_REUSEPORT_BPF.
     * \return 0, or -1 (ENOENT) if no program is attached or the socket is not listening
     */
    int DetachProgram();

    /**
     * \brief Be woken when a connection completes on this listener (sk_data_ready, what
     * wakes an epoll user waiting for EPOLLIN). Migration at close appends children without
     * waking anyone, as the kernel does.
     * \param cb called with this listener
     */
    void SetAcceptCallback(Callback<void, Ptr<ReuseportListener>> cb);

    /// \return the state
    State GetState() const;
    /// \return true if the socket is in TCP_LISTEN
    bool IsListening() const;
    /// \return the bound address and port (port 0 before an autobind)
    InetSocketAddress GetLocal() const;
    /// \return a node-unique identifier, used in traces and results
    uint32_t GetId() const;
    /**
     * \return the kernel's qlen: requests this listener owns. Like the kernel's counter it
     * can go below zero (a migration target absorbs the decrement of a request it never
     * owned when tcp_abort_on_overflow resets it, semantics 11.2)
     */
    int32_t GetSynQueueLength() const;
    /// \return owned requests that have not yet had a SYN-ACK timeout (the kernel's young)
    int32_t GetYoungLength() const;
    /// \return children waiting to be accepted (sk_ack_backlog)
    uint32_t GetAcceptQueueLength() const;
    /// \return min(listen backlog, somaxconn) as set by the last Listen() (sk_max_ack_backlog)
    uint32_t GetMaxAckBacklog() const;
    /// \return the group, or null if the listener is not a member
    Ptr<ReuseportGroup> GetGroup() const;
    /// \return the stack (node) this listener belongs to
    Ptr<ReuseportStack> GetStack() const;
    /// \return the socket whose copies become this listener's children
    Ptr<ReuseportTcpSocket> GetSocketTemplate() const;
    /// \return how many times the listener stopped listening (maps forget it each time)
    uint32_t GetListenEpoch() const;
    /// \return the order in which listeners were hashed (larger: more recent)
    uint64_t GetHashSequence() const;
    /// \return requests that refer to this listener (they keep a closed listener alive)
    uint32_t GetRequestReferences() const;

    /**
     * \brief Attach a label that programs and results can read (e.g. "worker", "generation").
     * \param key the label name
     * \param value its value
     */
    void SetLabel(const std::string& key, const std::string& value);

    /**
     * \param key a label name
     * \return its value, or "" if unset
     */
    std::string GetLabel(const std::string& key) const;

    /// \return all labels
    const std::map<std::string, std::string>& GetLabels() const;

    /**
     * TracedCallback signature for state changes.
     * \param listener the listener
     * \param oldState the previous state
     * \param newState the new state
     */
    typedef void (*StateTracedCallback)(Ptr<const ReuseportListener> listener,
                                        State oldState,
                                        State newState);

  protected:
    void DoDispose() override;

  private:
    friend class ReuseportStack;

    /**
     * \brief Wire the listener to its stack and socket template (done by the stack).
     * \param stack the stack
     * \param tmpl the child template
     * \param id the node-unique identifier
     */
    void Setup(Ptr<ReuseportStack> stack, Ptr<ReuseportTcpSocket> tmpl, uint32_t id);

    /// \param group the group this listener now belongs to (null: none)
    void SetGroup(Ptr<ReuseportGroup> group);

    /**
     * \brief A segment that matched no connection reached this listener (tcp_v4_do_rcv in
     * LISTEN): cookie ACKs, SYNs, and the RST replies to anything else.
     * \param seg the segment
     * \param hash its flow hash
     * \param replyCause the cause to record if this segment is answered with a RST
     * \param twIsn non-zero if the SYN reopens a TIME_WAIT 4-tuple; the ISN to use
     */
    void ProcessSegment(IncomingSegment& seg, uint32_t hash, RstCause replyCause, uint32_t twIsn);

    /**
     * \brief tcp_conn_request: admission of a SYN (section 4).
     * \param seg the SYN
     * \param hash its flow hash
     * \param twIsn non-zero if it reopens a TIME_WAIT 4-tuple
     */
    void ConnRequest(IncomingSegment& seg, uint32_t hash, uint32_t twIsn);

    /**
     * \brief A valid syncookie ACK: create the child directly (cookie_v4_check).
     * \param seg the ACK
     * \param hash its flow hash
     */
    void CookieChild(IncomingSegment& seg, uint32_t hash);

    /**
     * \brief tcp_check_req with this listener as the processing listener (the owner, or a
     * migration target).
     * \param req the request the segment hit
     * \param seg the segment
     */
    void CheckRequest(RequestSock* req, IncomingSegment& seg);

    /**
     * \brief Create the child for a request, queue it, and let it process the segment
     * (tcp_v4_syn_recv_sock + inet_csk_complete_hashdance + tcp_child_process).
     * \param req the request (removed from its owner by this call)
     * \param seg the completing segment
     * \param cookie true if the request is a stack-local copy rebuilt from a cookie
     */
    void CreateChild(RequestSock* req, IncomingSegment& seg, bool cookie);

    /**
     * \brief reqsk_timer_handler for a request this listener owns.
     * \param req the request
     */
    void RequestTimer(RequestSock* req);

    /**
     * \brief reqsk_queue_removed: qlen−1, and young−1 for a request that never timed out.
     * \param young the request had not timed out
     */
    void QueueRemoved(bool young);

    /**
     * \brief reqsk_queue_added: qlen+1, and young+1 for a request that never timed out.
     * \param young the request had not timed out
     */
    void QueueAdded(bool young);

    /**
     * \brief Migration point 1: move or reset one accept-queue child of this stopped
     * listener (section 9).
     * \param child the child
     * \param capable the listener stayed in its group at stop-listen
     */
    void ForgetOrMigrateChild(Ptr<ReuseportTcpSocket> child, bool capable);

    /**
     * \brief Append a child to the accept queue and signal readability.
     * \param child the child
     */
    void EnqueueChild(Ptr<ReuseportTcpSocket> child);

    /// \brief Stop listening (inet_unhash + inet_csk_listen_stop) for close() and shutdown().
    void StopListening();

    /// \brief Drop the descriptor's hold: if no request refers to a closed listener, free it.
    void MaybeRelease();

    /**
     * \param state the new state
     */
    void SetState(State state);

    /// \return true if the SYN queue is full (inet_csk_reqsk_queue_is_full)
    bool IsSynQueueFull() const;
    /// \return true if the accept queue is full (sk_acceptq_is_full)
    bool IsAcceptQueueFull() const;
    /// \return the SYN-ACK retry limit: TCP_SYNCNT or net.ipv4.tcp_synack_retries
    uint32_t GetSynAckRetries() const;
    /// \return TCP_DEFER_ACCEPT as a count of SYN-ACK timeouts (rskq_defer_accept)
    uint8_t GetDeferAcceptRetrans() const;

    Ptr<ReuseportStack> m_stack;                       //!< the node's stack
    Ptr<ReuseportGroup> m_group;                       //!< the group (sk_reuseport_cb)
    Ptr<ReuseportTcpSocket> m_template;                //!< children are copies of it
    uint32_t m_id{0};                                  //!< identifier
    State m_state{INIT};                               //!< state
    Ipv4Address m_addr;                                //!< bound address
    uint16_t m_port{0};                                //!< bound (or autobound) port
    bool m_autobind{false};                            //!< port chosen by the stack
    int m_backlogAttr{511};                            //!< default listen() backlog
    uint32_t m_maxAckBacklog{0};                       //!< sk_max_ack_backlog
    uint32_t m_synCount{0};                            //!< TCP_SYNCNT (0: the sysctl)
    Time m_deferAccept;                                //!< TCP_DEFER_ACCEPT
    TracedValue<int32_t> m_qlen{0};                    //!< owned requests (qlen)
    int32_t m_young{0};                                //!< owned requests never timed out
    uint32_t m_requestRefs{0};                         //!< requests naming this listener
    uint32_t m_listenEpoch{0};                         //!< stop-listen count
    uint64_t m_hashSeq{0};                             //!< when it was last hashed
    Ptr<ReuseportProgram> m_pendingProgram;            //!< attached before listen()
    std::deque<Ptr<ReuseportTcpSocket>> m_acceptQueue; //!< established, not yet accepted
    TracedValue<uint32_t> m_acceptQueueLength{0};      //!< sk_ack_backlog
    Callback<void, Ptr<ReuseportListener>> m_acceptCb; //!< sk_data_ready
    std::map<std::string, std::string> m_labels;       //!< labels for programs and results
    TracedCallback<Ptr<const ReuseportListener>, State, State> m_stateTrace; //!< state changes
};

} // namespace ns3

#endif /* REUSEPORT_LISTENER_H */
