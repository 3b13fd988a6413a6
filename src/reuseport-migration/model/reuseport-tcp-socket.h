/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_TCP_SOCKET_H
#define REUSEPORT_TCP_SOCKET_H

#include "four-tuple.h"
#include "kernel-events.h"

#include "ns3/tcp-socket-base.h"

namespace ns3
{

class ReuseportListener;
class ReuseportStack;
struct IncomingSegment;
struct RequestSock;

/**
 * \ingroup reuseport-migration
 * \brief A server-side full TCP socket (a "child"): ns-3's TcpSocketBase, created when a
 * handshake completes at a ReuseportListener.
 *
 * Unlike a forked ns-3 socket it is not registered in ns-3's endpoint demultiplexer: the
 * node's ReuseportStack finds it in its established hash and hands it its segments, so the
 * cost per segment does not grow with the number of connections. Everything else (data
 * transfer, close, retransmission) is stock ns-3 TCP. Its RSTs are counted and traced
 * with a cause, and it is replaced by a TIME_WAIT socket when it enters TIME_WAIT.
 */
class ReuseportTcpSocket : public TcpSocketBase
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;

    ReuseportTcpSocket();
    /**
     * \brief Copy a template (or a listener's template) into a new child.
     * \param sock the socket to copy
     */
    ReuseportTcpSocket(const ReuseportTcpSocket& sock);
    ~ReuseportTcpSocket() override;

    /// \return the connection's 4-tuple (server side)
    const FourTuple& GetTuple() const;
    /// \return the flow hash the connection was steered by
    uint32_t GetFlowHash() const;
    /// \return the listener whose accept queue holds it (null once accepted)
    Ptr<ReuseportListener> GetListener() const;
    /// \return when the child was created (handshake completed)
    Time GetCreationTime() const;
    /// \return true once an application accepted it
    bool IsAccepted() const;
    /// \return the TCP state
    TcpStates_t GetState() const;

    int Close() override;

  protected:
    Ptr<TcpSocketBase> Fork() override;
    void DoForwardUp(Ptr<Packet> packet,
                     const Address& fromAddress,
                     const Address& toAddress) override;
    void ReTxTimeout() override;
    void SendEmptyPacket(uint8_t flags) override;
    void DoDispose() override;

  private:
    friend class ReuseportStack;
    friend class ReuseportListener;

    /// \return a copy of this template, to become a child
    Ptr<ReuseportTcpSocket> CloneChild() const;

    /// \return the window this socket advertises in a SYN-ACK (unscaled)
    uint16_t GetSynAckWindow() const;
    /// \return the window scale this socket would announce
    uint8_t GetSynAckWscale() const;
    /// \return true if window scaling is enabled on this socket
    bool IsWscaleEnabled() const;
    /// \return true if SACK is enabled on this socket
    bool IsSackEnabled() const;
    /// \return true if timestamps are enabled on this socket
    bool IsTimestampEnabled() const;
    /// \return true if ECN is enabled on this socket
    bool IsEcnEnabled() const;

    /**
     * \brief Turn this copy of a template into the child of a request, in the state a
     * stock ns-3 child has after sending its SYN-ACK (SYN_RCVD), so that the completing
     * segment takes it to ESTABLISHED through ns-3's own code.
     * \param stack the node's stack
     * \param req the request
     */
    void InitFromRequest(Ptr<ReuseportStack> stack, const RequestSock& req);

    /**
     * \param listener the listener whose accept queue now holds this child (null: accepted)
     */
    void SetListener(Ptr<ReuseportListener> listener);

    /// \brief Mark the child as taken by accept().
    void SetAccepted();

    /**
     * \brief Hand a segment to the socket, as its endpoint would.
     * \param seg the segment
     */
    void Deliver(const IncomingSegment& seg);

    /**
     * \brief Abort the connection as tcp_disconnect() does for a child the listener forgets:
     * a RST to the peer if the state calls for one, then the socket is destroyed.
     * \param cause the cause recorded for the RST
     */
    void Abort(RstCause cause);

    /// \return true if the socket no longer has its endpoint (it closed)
    bool IsReleased() const;

    /**
     * \brief After anything that may have closed the socket: tell the stack.
     * \param before the state before the event
     */
    void AfterEvent(TcpStates_t before);

    /// \brief Leave TIME_WAIT for a TIME_WAIT socket: give up timers and the endpoint.
    void ReleaseForTimeWait();

    /// \return the sequence number after our FIN (or the next one to send)
    uint32_t GetSndNxt() const;
    /// \return the next sequence number expected from the peer
    uint32_t GetRcvNxt() const;
    /// \return the peer's last timestamp, if timestamps are in use
    uint32_t GetTsRecent() const;
    /// \return true if timestamps are in use on this connection
    bool UsesTimestamps() const;
    /// \return the window to advertise (unscaled field value)
    uint16_t GetAdvertisedWindowField() const;

    Ptr<ReuseportStack> m_stack;            //!< the node's stack (null for a template)
    Ptr<ReuseportListener> m_listener;      //!< the listener queueing it (null once accepted)
    Ipv4EndPoint* m_ownedEndPoint{nullptr}; //!< our endpoint, outside ns-3's demux
    FourTuple m_tuple;                      //!< the connection
    uint32_t m_hash{0};                     //!< flow hash
    Time m_created;                         //!< creation time
    bool m_inEhash{false};                  //!< registered in the established hash
    bool m_accepted{false};                 //!< accepted by an application
    bool m_wasEstablished{false};           //!< reached ESTABLISHED
    RstCause m_rstCause{RstCause::CONNECTION_ABORT}; //!< cause of the next RST we send
};

} // namespace ns3

#endif /* REUSEPORT_TCP_SOCKET_H */
