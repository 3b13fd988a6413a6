/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-helper.h"

#include "ns3/abort.h"
#include "ns3/node.h"

namespace ns3
{

ReuseportHelper::ReuseportHelper()
{
    m_stackFactory.SetTypeId("ns3::ReuseportStack");
}

void
ReuseportHelper::SetStackAttribute(const std::string& name, const AttributeValue& value)
{
    m_stackFactory.Set(name, value);
}

void
ReuseportHelper::SetListenerAttribute(const std::string& name, const AttributeValue& value)
{
    m_listenerAttributes.emplace_back(name, value.Copy());
}

Ptr<ReuseportStack>
ReuseportHelper::Install(Ptr<Node> node) const
{
    NS_ABORT_MSG_IF(node->GetObject<ReuseportStack>(),
                    "node " << node->GetId() << " already has a ReuseportStack");
    Ptr<ReuseportStack> stack = m_stackFactory.Create<ReuseportStack>();
    node->AggregateObject(stack);
    return stack;
}

void
ReuseportHelper::Install(NodeContainer nodes) const
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Install(*it);
    }
}

Ptr<ReuseportStack>
ReuseportHelper::GetStack(Ptr<Node> node)
{
    Ptr<ReuseportStack> stack = node->GetObject<ReuseportStack>();
    NS_ABORT_MSG_UNLESS(stack, "node " << node->GetId() << " has no ReuseportStack");
    return stack;
}

Ptr<ReuseportListener>
ReuseportHelper::Listen(Ptr<Node> node, const InetSocketAddress& local, int backlog) const
{
    Ptr<ReuseportListener> l = GetStack(node)->CreateListener();
    for (const auto& [name, value] : m_listenerAttributes)
    {
        l->SetAttribute(name, *value);
    }
    NS_ABORT_MSG_IF(l->Bind(local) != 0,
                    "cannot bind " << local.GetIpv4() << ":" << local.GetPort());
    int ret = backlog < 0 ? l->Listen() : l->Listen(backlog);
    NS_ABORT_MSG_IF(ret != 0,
                    "cannot listen on " << local.GetIpv4() << ":" << local.GetPort()
                                        << " (port owned by another socket, or group full)");
    return l;
}

std::vector<Ptr<ReuseportListener>>
ReuseportHelper::ListenGroup(Ptr<Node> node,
                             const InetSocketAddress& local,
                             uint32_t n,
                             int backlog) const
{
    std::vector<Ptr<ReuseportListener>> listeners;
    InetSocketAddress addr = local;
    for (uint32_t i = 0; i < n; ++i)
    {
        listeners.push_back(Listen(node, addr, backlog));
        // Like the kernel selftest: the first may autobind, the others reuse its port.
        addr = listeners.front()->GetLocal();
    }
    return listeners;
}

int64_t
ReuseportHelper::AssignStreams(NodeContainer nodes, int64_t stream)
{
    int64_t used = 0;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Ptr<ReuseportStack> stack = (*it)->GetObject<ReuseportStack>();
        if (stack)
        {
            used += stack->AssignStreams(stream + used);
        }
    }
    return used;
}

} // namespace ns3
