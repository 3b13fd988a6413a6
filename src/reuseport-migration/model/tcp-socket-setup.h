/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_SOCKET_SETUP_H
#define TCP_SOCKET_SETUP_H

#include "ns3/ptr.h"

namespace ns3
{

class Ipv4EndPoint;
class Node;
class TcpL4Protocol;
class TcpSocketBase;

/**
 * \ingroup reuseport-migration
 * \brief Give a hand-made socket what TcpL4Protocol::CreateSocket() gives its own: node,
 * TCP, and an RTT estimator, congestion control and recovery of the L4's configured types,
 * so the node's defaults apply to sockets ns-3 cannot create itself.
 * \param socket the socket
 * \param node its node
 * \param tcp the node's TCP
 */
void SetUpLikeTcpL4(Ptr<TcpSocketBase> socket, Ptr<Node> node, Ptr<TcpL4Protocol> tcp);

/**
 * \brief Free an endpoint a socket created itself, outside ns-3's demultiplexer.
 *
 * TcpSocketBase's destructor hands its endpoint to TcpL4Protocol, which does not know
 * such an endpoint; call this from the derived destructor first. Both pointers end null.
 *
 * \param owned the endpoint the socket created (may be null)
 * \param endPoint the socket's m_endPoint, cleared with it
 */
void DeleteOwnedEndPoint(Ipv4EndPoint*& owned, Ipv4EndPoint*& endPoint);

} // namespace ns3

#endif /* TCP_SOCKET_SETUP_H */
