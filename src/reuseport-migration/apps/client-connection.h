/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CLIENT_CONNECTION_H
#define CLIENT_CONNECTION_H

#include "ns3/address.h"
#include "ns3/callback.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/ptr.h"
#include "ns3/sequence-number.h"
#include "ns3/tcp-socket.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <ostream>
#include <string>

namespace ns3
{

class Node;
class Packet;
class Socket;
class TcpHeader;
class TcpSocketBase;

/**
 * \ingroup reuseport-migration
 * \brief How a client connection attempt ended.
 */
enum class ConnectionOutcome
{
    PENDING,   //!< Not finished yet (reported as "unfinished" at the end of a run)
    COMPLETED, //!< The full response was received
    RESET,     //!< RST after the connection was established, or EOF before the full response
    REFUSED,   //!< RST while connecting (SYN_SENT), or Connect() failed locally
    TIMEOUT,   //!< SYN or data retransmissions exhausted, or the application deadline expired
};

/**
 * \brief Print the outcome name.
 * \param os the output stream
 * \param outcome the outcome
 * \return the output stream
 */
std::ostream& operator<<(std::ostream& os, ConnectionOutcome outcome);

/**
 * \ingroup reuseport-migration
 * \brief One client request/response exchange over a stock ns-3 TCP socket,
 * with exactly one outcome.
 *
 * Start() connects a TcpSocketBase to the server; once connected it sends
 * RequestBytes, reads until ResponseBytes have arrived, then closes. The first
 * decisive event fixes the outcome, which never changes afterwards.
 *
 * RSTs are read from the socket's "Rx" trace, because ns-3.37 reports a received
 * RST as a normal close and ignores some RSTs altogether:
 * - in SYN_SENT, a bare RST closes the ns-3 socket, while a RST|ACK (what Linux and
 *   ns-3 send for a SYN to a closed port) is ignored by ns-3. Both count as
 *   REFUSED, the RST|ACK only if it acknowledges the SYN (as Linux requires); the
 *   socket is then closed by this object.
 * - after SYN_SENT, any RST counts as RESET.
 *
 * When ns-3 has not closed the socket itself, this object ends it in a
 * separate event right after the outcome: with Close() after completion, EOF or
 * a deadline once connected, as an application would; silently after a RST or
 * a deadline while connecting, as Linux does (ns-3's Close() would send a RST
 * or FIN). The socket is released once it is CLOSED or in TIME_WAIT, so ns-3
 * never frees it while it is processing a segment; from then on only the
 * recorded numbers are kept.
 */
class ClientConnection : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    /**
     * \brief Constructor.
     */
    ClientConnection();

    /**
     * \brief Destructor; detaches from a socket that is still closing.
     */
    ~ClientConnection() override;

    /**
     * \brief Signature of the "Outcome" and "Connected" trace sources.
     * \param connection the connection that reached the event
     */
    typedef void (*ConnectionTracedCallback)(Ptr<const ClientConnection> connection);

    /**
     * \brief Create the socket on a node and connect it to the server, now.
     *
     * May be called once, from a simulation event (ns-3 cannot send before the
     * nodes are initialized).
     *
     * \param node the client node (needs an Internet stack)
     * \param server the server address (InetSocketAddress or Inet6SocketAddress)
     */
    void Start(Ptr<Node> node, const Address& server);

    /**
     * \brief Set the callback invoked once when the outcome is decided.
     * \param callback the callback
     */
    void SetOutcomeCallback(Callback<void, Ptr<ClientConnection>> callback);

    /**
     * \brief Get the outcome.
     * \return the outcome, PENDING while undecided
     */
    ConnectionOutcome GetOutcome() const;

    /**
     * \brief Whether the outcome is decided.
     * \return true unless the outcome is PENDING
     */
    bool IsFinished() const;

    /**
     * \brief Whether a RESET was caused by the peer's FIN (EOF) rather than a RST.
     * \return true for an EOF before the full response
     */
    bool WasClosedByFin() const;

    /**
     * \brief Whether Connect() itself failed (no free ephemeral port, no route).
     * \return true if the attempt never sent a SYN; the outcome is then REFUSED
     */
    bool FailedLocally() const;

    /**
     * \brief Whether the connection was established (connect callback).
     * \return true once connected
     */
    bool WasConnected() const;

    /**
     * \brief Whether a RST arrived before the outcome was decided.
     * \return true if a RST was seen, including one that was ignored
     */
    bool SawRst() const;

    /**
     * \brief Arrival time of the first RST.
     * \return the time, or a negative time if no RST was seen
     */
    Time GetRstTime() const;

    /**
     * \brief Time Start() was called.
     * \return the time, or a negative time before Start()
     */
    Time GetStartTime() const;

    /**
     * \brief Time the connection was established.
     * \return the time, or a negative time if it never was
     */
    Time GetConnectedTime() const;

    /**
     * \brief Time the first response byte was read.
     * \return the time, or a negative time if none arrived
     */
    Time GetFirstByteTime() const;

    /**
     * \brief Time the outcome was decided.
     * \return the time, or a negative time while PENDING
     */
    Time GetEndTime() const;

    /**
     * \brief Request bytes accepted by the socket.
     * \return the byte count
     */
    uint64_t GetBytesSent() const;

    /**
     * \brief Response bytes read from the socket.
     * \return the byte count
     */
    uint64_t GetBytesReceived() const;

    /**
     * \brief Local (ephemeral) port of the connection.
     * \return the port, 0 if the socket was never bound
     */
    uint16_t GetLocalPort() const;

    /**
     * \brief SYN transmissions, retransmissions included, seen before release.
     * \return the number of SYNs the socket sent
     */
    uint32_t GetSynCount() const;

    /**
     * \brief Lower-case name of an outcome.
     * \param outcome the outcome
     * \return "pending", "completed", "reset", "refused" or "timeout"
     */
    static std::string OutcomeName(ConnectionOutcome outcome);

  protected:
    /**
     * \brief Detach from the socket; the recorded numbers stay readable.
     */
    void DoDispose() override;

  private:
    /**
     * \brief Connect callback: send the request.
     * \param socket the socket
     */
    void HandleConnected(Ptr<Socket> socket);

    /**
     * \brief Connect-failed callback: ns-3 gives up after its SYN budget.
     * \param socket the socket
     */
    void HandleConnectFailed(Ptr<Socket> socket);

    /**
     * \brief Normal-close callback: a FIN, or the end of a close the socket did itself.
     * \param socket the socket
     */
    void HandleNormalClose(Ptr<Socket> socket);

    /**
     * \brief Error-close callback: retransmissions exhausted, or ns-3 reset the
     * connection itself after an invalid segment.
     * \param socket the socket
     */
    void HandleErrorClose(Ptr<Socket> socket);

    /**
     * \brief Receive callback: read the response.
     * \param socket the socket
     */
    void HandleRecv(Ptr<Socket> socket);

    /**
     * \brief Send callback: continue writing the request.
     * \param socket the socket
     * \param available free space in the send buffer
     */
    void HandleSendSpace(Ptr<Socket> socket, uint32_t available);

    /**
     * \brief "Rx" trace sink, called for every received segment before ns-3 acts on it.
     * \param packet the payload
     * \param header the TCP header
     * \param socket the receiving socket
     */
    void HandleSegmentReceived(Ptr<const Packet> packet,
                               const TcpHeader& header,
                               Ptr<const TcpSocketBase> socket);

    /**
     * \brief "Tx" trace sink, called for every segment the socket sends.
     * \param packet the payload
     * \param header the TCP header
     * \param socket the sending socket
     */
    void HandleSegmentSent(Ptr<const Packet> packet,
                           const TcpHeader& header,
                           Ptr<const TcpSocketBase> socket);

    /**
     * \brief "State" trace sink.
     * \param oldState the previous state
     * \param newState the new state
     */
    void HandleStateChange(TcpSocket::TcpStates_t oldState, TcpSocket::TcpStates_t newState);

    /**
     * \brief The application deadline (Timeout attribute) expired.
     */
    void HandleDeadline();

    /**
     * \brief Write as much of the request as the send buffer takes.
     */
    void SendRequest();

    /**
     * \brief Read everything the socket holds and complete when the response is in.
     */
    void ReadResponse();

    /**
     * \brief Fix the outcome if still PENDING, and notify.
     * \param outcome the outcome
     */
    void Decide(ConnectionOutcome outcome);

    /**
     * \brief Runs in its own event after the outcome: close the socket if ns-3 has not.
     */
    void CloseAfterOutcome();

    /**
     * \brief Drop the connection without sending anything, as Linux does after a
     * RST or when closing a connecting socket.
     */
    void AbortSilently();

    /**
     * \brief The socket is CLOSED or in TIME_WAIT, or has reported an error close.
     */
    void SocketFinished();

    /**
     * \brief Detach from the socket and drop the reference to it.
     */
    void ReleaseSocket();

    uint32_t m_requestBytes;  //!< Request size (bytes)
    uint32_t m_responseBytes; //!< Expected response size (bytes)
    Time m_timeout;           //!< Application deadline, 0 for none
    bool m_linuxDefaults;     //!< Apply LinuxTcpDefaults to the socket

    Ptr<Socket> m_socket;           //!< The socket, until it has finished closing
    TcpSocket::TcpStates_t m_state; //!< Last socket state seen on the "State" trace
    ConnectionOutcome m_outcome;    //!< The outcome
    bool m_started;                 //!< Start() was called
    bool m_connected;               //!< The connect callback fired
    bool m_closedByFin;             //!< RESET came from an EOF
    bool m_failedLocally;           //!< Connect() returned an error
    bool m_rstSeen;                 //!< A RST arrived while PENDING
    bool m_rstSent;                 //!< The socket sent a RST of its own while PENDING
    bool m_socketFinished;          //!< The socket needs no more attention
    bool m_releaseScheduled;        //!< ReleaseSocket() is scheduled
    Time m_startTime;               //!< Start() time
    Time m_connectedTime;           //!< Connect callback time
    Time m_firstByteTime;           //!< First response byte time
    Time m_endTime;                 //!< Outcome time
    Time m_rstTime;                 //!< First RST arrival time
    uint64_t m_bytesSent;           //!< Request bytes accepted by the socket
    uint64_t m_bytesReceived;       //!< Response bytes read
    uint32_t m_requestLeft;         //!< Request bytes not yet accepted by the socket
    uint16_t m_localPort;           //!< Local port
    uint32_t m_synCount;            //!< SYNs sent
    SequenceNumber32 m_iss;         //!< Sequence number of our SYN
    EventId m_deadlineEvent;        //!< Application deadline
    Callback<void, Ptr<ClientConnection>> m_outcomeCallback; //!< Outcome callback

    TracedCallback<Ptr<const ClientConnection>> m_outcomeTrace;   //!< "Outcome" trace
    TracedCallback<Ptr<const ClientConnection>> m_connectedTrace; //!< "Connected" trace
};

} // namespace ns3

#endif /* CLIENT_CONNECTION_H */
