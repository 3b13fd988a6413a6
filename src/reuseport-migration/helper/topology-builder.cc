/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "topology-builder.h"

#include "ns3/double.h"
#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-global-routing-helper.h"
#include "ns3/ipv4.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/pointer.h"
#include "ns3/queue-size.h"
#include "ns3/string.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>

namespace ns3
{

namespace
{
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
constexpr int64_t LOSS_STREAM_BASE = 100000; //!< random streams of the links' loss
} // namespace

void
TopologyBuilder::Check(const Scenario& s)
{
    // One vertex per node id: hosts of a group are alike, so the group stands for them.
    std::map<std::string, std::size_t> vertex;
    for (const auto& n : s.topology.nodes)
    {
        vertex.emplace(n.id, vertex.size());
    }
    Graph g(vertex.size());
    for (const auto& l : s.topology.links)
    {
        boost::add_edge(vertex.at(l.a), vertex.at(l.b), g);
    }
    std::vector<int> component(boost::num_vertices(g));
    boost::connected_components(g, component.data());
    const NodeSpec* clients = nullptr;
    for (const auto& n : s.topology.nodes)
    {
        if (n.id == s.clients.hosts)
        {
            clients = &n;
        }
    }
    if (component[vertex.at(s.clients.hosts)] != component[vertex.at(s.server.host)])
    {
        throw ScenarioError(s.file,
                            clients ? clients->path : "/clients/hosts",
                            "node \"" + s.clients.hosts + "\" has no path to the server host \"" +
                                s.server.host + "\"");
    }
}

BuiltTopology
TopologyBuilder::Build(const Scenario& s)
{
    BuiltTopology t;
    InternetStackHelper internet;
    for (const auto& n : s.topology.nodes)
    {
        NodeContainer c;
        c.Create(n.count);
        internet.Install(c);
        t.nodes[n.id] = c;
    }
    Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.0");
    int64_t lossModels = 0;
    for (const auto& l : s.topology.links)
    {
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", DataRateValue(l.rate));
        p2p.SetChannelAttribute("Delay", TimeValue(l.delay));
        p2p.SetQueue("ns3::DropTailQueue",
                     "MaxSize",
                     QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, l.queue)));
        const NodeContainer& a = t.nodes.at(l.a);
        const NodeContainer& b = t.nodes.at(l.b);
        // At most one end is a group: one link per host of it.
        const NodeContainer& many = a.GetN() > 1 ? a : b;
        Ptr<Node> one = a.GetN() > 1 ? b.Get(0) : a.Get(0);
        NetDeviceContainer all;
        for (uint32_t i = 0; i < many.GetN(); ++i)
        {
            NetDeviceContainer d =
                a.GetN() > 1 ? p2p.Install(many.Get(i), one) : p2p.Install(one, many.Get(i));
            addresses.Assign(d);
            addresses.NewNetwork();
            if (l.loss > 0)
            {
                for (uint32_t k = 0; k < d.GetN(); ++k)
                {
                    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
                    em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
                    em->SetAttribute("ErrorRate", DoubleValue(l.loss));
                    // Fixed streams: a run's draws must not depend on what ran before it
                    // in the same process.
                    em->AssignStreams(LOSS_STREAM_BASE + lossModels++);
                    d.Get(k)->SetAttribute("ReceiveErrorModel", PointerValue(em));
                }
            }
            all.Add(d);
        }
        t.linkEnds.emplace_back(l.a, l.b);
        t.linkDevices.push_back(all);
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    Ptr<Ipv4> ipv4 = t.nodes.at(s.server.host).Get(0)->GetObject<Ipv4>();
    t.serverAddress = ipv4->GetAddress(1, 0).GetLocal();
    return t;
}

} // namespace ns3
