/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_HELPER_H
#define REUSEPORT_HELPER_H

#include "ns3/inet-socket-address.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-stack.h"

#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief Installs the Linux listener model (a ReuseportStack) on nodes and opens
 * SO_REUSEPORT listeners on them.
 *
 * \code
 *   ReuseportHelper reuseport;
 *   reuseport.SetStackAttribute("TcpMigrateReq", BooleanValue(true));
 *   reuseport.Install(serverNode);
 *   auto listeners = reuseport.ListenGroup(serverNode, InetSocketAddress(Ipv4Address::GetAny(),
 * 80), 4); \endcode
 */
class ReuseportHelper
{
  public:
    ReuseportHelper();

    /**
     * \brief Set an attribute (a sysctl, e.g. "Somaxconn") of the stacks Install() creates.
     * \param name the attribute name
     * \param value its value
     */
    void SetStackAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Set an attribute (e.g. "Backlog") of the listeners Listen() creates.
     * \param name the attribute name
     * \param value its value
     */
    void SetListenerAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Aggregate a ReuseportStack to a node (which must have an internet stack).
     * \param node the node
     * \return the stack
     */
    Ptr<ReuseportStack> Install(Ptr<Node> node) const;

    /**
     * \param nodes the nodes
     */
    void Install(NodeContainer nodes) const;

    /**
     * \param node a node
     * \return its stack; aborts if none is installed
     */
    static Ptr<ReuseportStack> GetStack(Ptr<Node> node);

    /**
     * \brief Create, bind and listen one listener.
     * \param node a node with a stack
     * \param local the address and port to bind
     * \param backlog the listen() backlog, or -1 for the Backlog attribute
     * \return the listening socket; aborts if it cannot listen
     */
    Ptr<ReuseportListener> Listen(Ptr<Node> node,
                                  const InetSocketAddress& local,
                                  int backlog = -1) const;

    /**
     * \brief Open n listeners on the same address and port (one group), in order.
     * \param node a node with a stack
     * \param local the address and port
     * \param n how many
     * \param backlog the listen() backlog, or -1 for the Backlog attribute
     * \return the listeners, in the order they joined the group
     */
    std::vector<Ptr<ReuseportListener>> ListenGroup(Ptr<Node> node,
                                                    const InetSocketAddress& local,
                                                    uint32_t n,
                                                    int backlog = -1) const;

    /**
     * \brief Assign fixed random streams to the stacks of the nodes.
     * \param nodes the nodes
     * \param stream the first stream
     * \return the number of streams used
     */
    static int64_t AssignStreams(NodeContainer nodes, int64_t stream);

  private:
    ObjectFactory m_stackFactory; //!< stack factory
    std::vector<std::pair<std::string, Ptr<AttributeValue>>> m_listenerAttributes; //!< listener
};

} // namespace ns3

#endif /* REUSEPORT_HELPER_H */
