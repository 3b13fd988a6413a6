/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TOPOLOGY_BUILDER_H
#define TOPOLOGY_BUILDER_H

#include "scenario.h"

#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"

#include <map>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The ns-3 network of a scenario's topology.
 */
struct BuiltTopology
{
    std::map<std::string, NodeContainer> nodes;                //!< node id -> its hosts
    std::vector<std::pair<std::string, std::string>> linkEnds; //!< per link spec: the ends
    std::vector<NetDeviceContainer> linkDevices;               //!< per link spec: all its devices
    Ipv4Address serverAddress;                                 //!< first address of the server
};

/**
 * \ingroup reuseport-migration
 * \brief Checks a topology as a graph (Boost.Graph) and builds it as ns-3 nodes,
 * point-to-point links, IPv4 addresses and routes.
 */
class TopologyBuilder
{
  public:
    /**
     * \brief Check what needs the whole graph: every client host reaches the server host.
     * Local facts (ids, ends, values) were checked by the loader.
     * \param scenario the scenario
     * \throw ScenarioError naming the client node that cannot reach the server
     */
    static void Check(const Scenario& scenario);

    /**
     * \brief Create the nodes (with internet stacks), links (with loss), addresses and
     * global routes.
     * \param scenario a checked scenario
     * \return the network
     */
    static BuiltTopology Build(const Scenario& scenario);
};

} // namespace ns3

#endif /* TOPOLOGY_BUILDER_H */
