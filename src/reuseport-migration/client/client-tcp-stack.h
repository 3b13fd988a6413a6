/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CLIENT_TCP_STACK_H
#define CLIENT_TCP_STACK_H

#include "ns3/ip-l4-protocol.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ns3
{

class ClientTcpSocket;
class Ipv4EndPoint;
class Node;
class TcpL4Protocol;

/**
 * \ingroup reuseport-migration
 * \brief Finds a client host's connected TCP sockets by hash instead of ns-3's list.
 *
 * Stock ns-3 looks every segment up in a list of all endpoints of the node and
 * removes sockets and endpoints by scanning lists, so a client host with tens of
 * thousands of open connections (TIME_WAIT included) spends its time searching.
 * Aggregated to a client node (after the Internet stack), this object:
 * - registers itself as the TCP protocol of each of the node's IPv4 interfaces
 *   (Ipv4L3Protocol prefers an interface's protocol over the node-wide one), looks
 *   each segment's destination port up in a hash table of ClientTcpSocket
 *   endpoints and calls the endpoint's ForwardUp(), exactly what TcpL4Protocol
 *   does after its lookup; segments for no socket of ours go to the stock
 *   TcpL4Protocol, which still answers them with its RST;
 * - allocates ephemeral ports, one per connection, from LocalPortLow..LocalPortHigh
 *   (Linux's net.ipv4.ip_local_port_range, default 32768-60999; widen it to hold
 *   more connections on one host, e.g. 1024-65535 for 50,000). A port is busy
 *   until its socket's endpoint is released, TIME_WAIT included. Unlike Linux, a
 *   port is not shared between connections to different servers, and ports of
 *   stock ns-3 sockets on the same node are not seen;
 * - keeps each socket alive until ns-3 releases its endpoint, and frees the
 *   endpoint later, never while the socket is inside a call.
 *
 * Sending is untouched: sockets send through the node's TcpL4Protocol.
 */
class ClientTcpStack : public IpL4Protocol
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ClientTcpStack();
    ~ClientTcpStack() override;

    /**
     * \brief Aggregate a ClientTcpStack to a node that has an Internet stack.
     * \param node the client node
     * \return the node's stack (the existing one if already installed)
     */
    static Ptr<ClientTcpStack> Install(Ptr<Node> node);

    /**
     * \brief Create an unbound client socket of this node, configured like
     * TcpL4Protocol::CreateSocket() would.
     * \return the socket
     */
    Ptr<ClientTcpSocket> CreateSocket();

    /**
     * \brief Number of sockets holding an endpoint (TIME_WAIT included).
     * \return the count
     */
    uint32_t GetNSockets() const;

    /**
     * \brief Segments delivered through the hash table.
     * \return the count
     */
    uint64_t GetNDelivered() const;

    /**
     * \brief Segments handed to the stock TcpL4Protocol (no socket of ours).
     * \return the count
     */
    uint64_t GetNPassedToStock() const;

    /**
     * \brief Whether a local port is held by one of our sockets.
     * \param port the port
     * \return true if busy
     */
    bool IsPortInUse(uint16_t port) const;

    // IpL4Protocol
    int GetProtocolNumber() const override;
    enum IpL4Protocol::RxStatus Receive(Ptr<Packet> p,
                                        const Ipv4Header& header,
                                        Ptr<Ipv4Interface> incomingInterface) override;
    enum IpL4Protocol::RxStatus Receive(Ptr<Packet> p,
                                        const Ipv6Header& header,
                                        Ptr<Ipv6Interface> incomingInterface) override;
    void SetDownTarget(IpL4Protocol::DownTargetCallback cb) override;
    void SetDownTarget6(IpL4Protocol::DownTargetCallback6 cb) override;
    IpL4Protocol::DownTargetCallback GetDownTarget() const override;
    IpL4Protocol::DownTargetCallback6 GetDownTarget6() const override;

  protected:
    void NotifyNewAggregate() override;
    void DoDispose() override;

  private:
    friend class ClientTcpSocket;

    /**
     * \brief Allocate a port and an endpoint for a socket and register it.
     * \param socket the socket
     * \param address the local address (may be any)
     * \param port the requested port, 0 for an ephemeral one
     * \return the endpoint, nullptr if no port is free or the port is busy
     */
    Ipv4EndPoint* Register(Ptr<ClientTcpSocket> socket, Ipv4Address address, uint16_t port);

    /**
     * \brief Forget a socket whose endpoint ns-3 released; its endpoint is freed later.
     * \param socket the socket
     */
    void Release(Ptr<ClientTcpSocket> socket);

    /**
     * \brief Install this object as the TCP protocol of every IPv4 interface.
     */
    void Attach();

    /**
     * \brief Delete endpoints of released sockets.
     */
    void FlushGraveyard();

    Ptr<Node> m_node;                //!< The node
    Ptr<TcpL4Protocol> m_tcp;        //!< The node's stock TCP
    Ptr<ClientTcpSocket> m_template; //!< Configured socket cloned by CreateSocket()
    uint16_t m_portLow;              //!< First ephemeral port
    uint16_t m_portHigh;             //!< Last ephemeral port
    uint16_t m_nextPort;             //!< Where the next ephemeral port search starts
    bool m_attached;                 //!< Inserted into Ipv4L3Protocol
    std::unordered_map<uint16_t, Ptr<ClientTcpSocket>> m_sockets; //!< By local port
    std::vector<Ipv4EndPoint*> m_graveyard; //!< Released endpoints, deleted later
    uint64_t m_delivered;                   //!< Segments delivered by hash
    uint64_t m_passed;                      //!< Segments passed to the stock TCP
};

} // namespace ns3

#endif /* CLIENT_TCP_STACK_H */
