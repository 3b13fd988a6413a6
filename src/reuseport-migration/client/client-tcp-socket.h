/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CLIENT_TCP_SOCKET_H
#define CLIENT_TCP_SOCKET_H

#include "ns3/linux-tcp-socket.h"

namespace ns3
{

class ClientTcpStack;
class Ipv4EndPoint;

/**
 * \ingroup reuseport-migration
 * \brief A client LinuxTcpSocket whose endpoint lives in the host's ClientTcpStack
 * instead of ns-3's endpoint list.
 *
 * Only how the endpoint is allocated, found and released differs from
 * LinuxTcpSocket: Bind() takes an ephemeral port from the ClientTcpStack and
 * creates the Ipv4EndPoint itself (ns-3's demux never sees it, and the socket is
 * not in TcpL4Protocol's socket list); every TCP behaviour is LinuxTcpSocket's.
 * The stack holds the socket until its endpoint is released, which is noticed
 * after each segment, retransmission timeout and Close(), and when the "State"
 * trace reaches CLOSED (TIME_WAIT and LAST_ACK timers). IPv4 only.
 */
class ClientTcpSocket : public LinuxTcpSocket
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;

    ClientTcpSocket();
    /**
     * \brief Copy constructor (Fork(), and cloning the stack's template).
     * \param sock the socket to copy
     */
    ClientTcpSocket(const ClientTcpSocket& sock);
    ~ClientTcpSocket() override;

    int Bind() override;
    int Bind(const Address& address) override;
    int Bind6() override;
    int Close() override;

    /**
     * \brief A new unbound socket with this socket's configuration.
     * \return the copy
     */
    Ptr<ClientTcpSocket> Clone() const;

    /**
     * \brief Whether the socket holds an endpoint registered with its stack.
     * \return true from Bind() until the endpoint is released
     */
    bool IsRegistered() const;

  protected:
    Ptr<TcpSocketBase> Fork() override;
    void DoForwardUp(Ptr<Packet> packet,
                     const Address& fromAddress,
                     const Address& toAddress) override;
    void ReTxTimeout() override;
    void DoDispose() override;

  private:
    friend class ClientTcpStack;

    /**
     * \brief Bind to a local address and port (0: ephemeral) through the stack.
     * \param address the local address (may be any)
     * \param port the local port, 0 for an ephemeral one
     * \return 0 on success, -1 with m_errno set otherwise
     */
    int DoBind(Ipv4Address address, uint16_t port);

    /**
     * \brief Hand the socket back to the stack once ns-3 has released its endpoint.
     */
    void AfterEvent();

    /**
     * \brief "State" trace sink: CLOSED schedules a release check.
     * \param oldState the previous state
     * \param newState the new state
     */
    void StateChanged(TcpStates_t oldState, TcpStates_t newState);

    Ptr<ClientTcpStack> m_stack;   //!< The host's client stack
    Ipv4EndPoint* m_ownedEndPoint; //!< Endpoint created by Bind(), outside ns-3's demux
    bool m_registered;             //!< In the stack's table
    bool m_releaseCheckScheduled;  //!< AfterEvent() is scheduled
};

} // namespace ns3

#endif /* CLIENT_TCP_SOCKET_H */
