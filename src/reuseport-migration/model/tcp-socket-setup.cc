/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/tcp-socket-setup.h"

#include "ns3/ipv4-end-point.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"
#include "ns3/rtt-estimator.h"
#include "ns3/tcp-congestion-ops.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-recovery-ops.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/type-id.h"

namespace ns3
{

void
SetUpLikeTcpL4(Ptr<TcpSocketBase> socket, Ptr<Node> node, Ptr<TcpL4Protocol> tcp)
{
    TypeIdValue rttType;
    TypeIdValue congestionType;
    TypeIdValue recoveryType;
    tcp->GetAttribute("RttEstimatorType", rttType);
    tcp->GetAttribute("SocketType", congestionType);
    tcp->GetAttribute("RecoveryType", recoveryType);
    ObjectFactory factory;
    factory.SetTypeId(rttType.Get());
    Ptr<RttEstimator> rtt = factory.Create<RttEstimator>();
    factory.SetTypeId(congestionType.Get());
    Ptr<TcpCongestionOps> congestion = factory.Create<TcpCongestionOps>();
    factory.SetTypeId(recoveryType.Get());
    Ptr<TcpRecoveryOps> recovery = factory.Create<TcpRecoveryOps>();
    socket->SetNode(node);
    socket->SetTcp(tcp);
    socket->SetRtt(rtt);
    socket->SetCongestionControlAlgorithm(congestion);
    socket->SetRecoveryAlgorithm(recovery);
}

void
DeleteOwnedEndPoint(Ipv4EndPoint*& owned, Ipv4EndPoint*& endPoint)
{
    if (!owned)
    {
        return;
    }
    endPoint = nullptr;
    owned->SetDestroyCallback(MakeNullCallback<void>());
    owned->SetRxCallback(
        MakeNullCallback<void, Ptr<Packet>, Ipv4Header, uint16_t, Ptr<Ipv4Interface>>());
    delete owned;
    owned = nullptr;
}

} // namespace ns3
