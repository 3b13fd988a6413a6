/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef WORKER_APPLICATION_H
#define WORKER_APPLICATION_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <deque>
#include <map>
#include <vector>

namespace ns3
{

class ReuseportListener;
class ReuseportTcpSocket;
class Socket;

/**
 * \ingroup reuseport-migration
 * \brief A server worker process modelled on an nginx worker: a single event loop that
 * accepts one connection per wake-up from its listeners, reads each request, spends a
 * service time on it (during which the loop does nothing else), writes the response and
 * closes the connection.
 *
 * Because the loop is busy while serving, the accept queues of its listeners grow under
 * load exactly as they do behind a busy worker, which is what makes listener closes lose
 * connections. Stall() and Resume() stop and restart the loop (a stuck worker).
 */
class WorkerApplication : public Application
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    WorkerApplication();
    ~WorkerApplication() override;

    /**
     * \brief Serve connections from this listener (registers for its accept readiness).
     * \param listener a listener on this application's node
     */
    void AddListener(Ptr<ReuseportListener> listener);

    /**
     * \brief Stop serving this listener (its queued connections stay where they are).
     * \param listener a listener previously added
     */
    void RemoveListener(Ptr<ReuseportListener> listener);

    /// \return the listeners served
    const std::vector<Ptr<ReuseportListener>>& GetListeners() const;

    /**
     * \brief The worker is an old generation's: it accepts only from the listeners it
     * still has, finishes its connections, and exits when it has neither; at the deadline
     * it closes what is left and exits.
     * \param timeout worker_shutdown_timeout
     */
    void Retire(Time timeout);

    /**
     * \brief The worker dies: the kernel closes its connections (a RST where data was left
     * unread, a FIN otherwise) and it stops at once. Its listeners stay open: the master
     * holds them.
     */
    void Kill();

    /// \return true once the worker exited (retired and done, or killed)
    bool HasExited() const;

    /**
     * \param listener a listener
     * \return connections accepted from it
     */
    uint64_t GetAcceptedFrom(Ptr<ReuseportListener> listener) const;

    /// \brief The event loop stops: no accept, no service, until Resume().
    void Stall();
    /// \brief The event loop runs again.
    void Resume();
    /// \return true while stalled
    bool IsStalled() const;

    /// \return connections accepted
    uint64_t GetAccepted() const;
    /// \return responses written
    uint64_t GetServed() const;
    /// \return accepted connections still open
    uint32_t GetOpenConnections() const;
    /// \return connections closed without a response because the client left first
    uint64_t GetAbandoned() const;

    /**
     * \param stream first stream index
     * \return streams used
     */
    int64_t AssignStreams(int64_t stream);

    /**
     * TracedCallback signature for accepted connections.
     * \param socket the connection
     * \param listener the listener it was accepted from
     */
    typedef void (*AcceptTracedCallback)(Ptr<const ReuseportTcpSocket> socket,
                                         Ptr<const ReuseportListener> listener);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;

    /// One accepted connection.
    struct Connection
    {
        uint32_t received{0};   //!< request bytes read
        uint32_t toSend{0};     //!< response bytes not yet handed to the socket
        bool queued{false};     //!< waiting for service
        bool responding{false}; //!< response being written
    };

    /**
     * \param listener the listener whose accept queue became non-empty
     */
    void AcceptReady(Ptr<ReuseportListener> listener);

    /// \brief Schedule one turn of the event loop now, unless one is pending.
    void Wake();

    /// \brief A retiring worker with nothing left exits.
    void MaybeExit();

    /// \brief Close every connection, as process exit does, and exit.
    void CloseAllAndExit();

    /// \brief One turn of the event loop.
    void Loop();

    /**
     * \brief Accept one connection from the next listener with a non-empty queue.
     * \return true if one was accepted
     */
    bool AcceptOne();

    /**
     * \param socket a connection with data to read
     */
    void HandleRead(Ptr<Socket> socket);

    /**
     * \param socket a connection
     * \return true if the peer closed or reset it
     */
    bool IsGone(Ptr<Socket> socket) const;

    /**
     * \brief Close a connection whose client left before its request was complete.
     * \param socket the connection
     */
    void Drop(Ptr<Socket> socket);

    /**
     * \param socket a connection with room in its send buffer
     * \param available bytes of room
     */
    void HandleSend(Ptr<Socket> socket, uint32_t available);

    /**
     * \param socket a connection that closed
     */
    void HandleClose(Ptr<Socket> socket);

    /**
     * \param socket the connection whose service time ended
     */
    void FinishService(Ptr<Socket> socket);

    /**
     * \param socket write as much of the response as fits, then close when done
     */
    void WriteResponse(Ptr<Socket> socket);

    std::vector<Ptr<ReuseportListener>> m_listeners; //!< listeners served
    uint32_t m_nextListener{0};                      //!< round-robin position
    std::map<Ptr<Socket>, Connection> m_connections; //!< open connections
    std::deque<Ptr<Socket>> m_runQueue;              //!< requests waiting for service
    Ptr<RandomVariableStream> m_serviceTime;         //!< service time per request (s)
    uint32_t m_requestBytes;                         //!< request size to wait for
    uint32_t m_responseBytes;                        //!< response size
    bool m_busy{false};                              //!< serving a request
    bool m_stalled{false};                           //!< event loop stopped
    bool m_running{false};                           //!< application started
    EventId m_loopEvent;                             //!< pending loop turn
    EventId m_serviceEvent;                          //!< end of the current service
    uint64_t m_accepted{0};                          //!< connections accepted
    uint64_t m_served{0};                            //!< responses written
    uint64_t m_abandoned{0};                         //!< closed because the client left
    std::map<uint32_t, uint64_t> m_acceptedFrom;     //!< accepts per listener id
    bool m_retiring{false};                          //!< old generation, on its way out
    bool m_exited{false};                            //!< gone
    EventId m_retireDeadline;                        //!< worker_shutdown_timeout
    TracedCallback<Ptr<const ReuseportTcpSocket>, Ptr<const ReuseportListener>>
        m_acceptTrace; //!< accepted connections
};

} // namespace ns3

#endif /* WORKER_APPLICATION_H */
