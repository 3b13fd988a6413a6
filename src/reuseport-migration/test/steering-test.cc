/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// SYN steering (semantics 3.2): the listener of a connection is socks[reciprocal_scale(hash,
// n)], which spreads flows evenly and deterministically.

#include "test-network.h"

#include "ns3/reuseport-group.h"
#include "ns3/reuseport-listener.h"
#include "ns3/worker-application.h"

#include <map>

namespace ns3
{
namespace test
{
namespace
{

/// Where each connection was queued: (client address, client port) -> listener index.
using Placement = std::map<std::pair<uint32_t, uint16_t>, uint32_t>;

class SteeringTest : public ReuseportTest
{
  protected:
    /**
     * \brief Run n connections against `listeners` listeners and record the placement.
     * \param nListeners listeners in the group
     * \param n connections
     * \param[out] exact true if every placement equals the hash pick over the section
     * \param bound bind the group to the server's address instead of 0.0.0.0
     * \return the placement
     */
    static Placement Run(uint32_t nListeners, uint32_t n, bool& exact, bool bound = false)
    {
        TestNetwork net(8);
        ReuseportHelper reuseport;
        Ipv4Address addr = bound ? net.serverAddress : Ipv4Address::GetAny();
        auto listeners = reuseport.ListenGroup(net.server, InetSocketAddress(addr, 80), nListeners);
        Ptr<WorkerApplication> worker = CreateObject<WorkerApplication>();
        net.server->AddApplication(worker);
        for (auto& l : listeners)
        {
            worker->AddListener(l);
        }
        std::map<uint32_t, uint32_t> indexOf;
        for (uint32_t i = 0; i < nListeners; ++i)
        {
            indexOf[listeners[i]->GetId()] = i;
        }
        Placement placement;
        exact = true;
        Ptr<ReuseportStack> stack = net.stack;
        auto record = [&](const FourTuple& t, Ptr<const ReuseportListener> l) {
            uint32_t index = indexOf.at(l->GetId());
            placement[{t.remote.Get(), t.remotePort}] = index;
            // The group never changes here, so socks[i] is the i-th listener to listen.
            // A wildcard group steers by the hash of (0.0.0.0, port, peer), a bound one by
            // the whole tuple's (__inet_lookup_listener hashes the address it looked up).
            uint32_t hash = stack->GetFlowHash(bound ? t : WildcardLookup(t));
            exact = exact && index == ReciprocalScale(hash, nListeners);
        };
        net.stack->TraceConnectWithoutContext(
            "ChildQueued",
            Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(record));
        for (uint32_t i = 0; i < n; ++i)
        {
            net.Connect(i % 8, MilliSeconds(100 + i), 80);
        }
        Simulator::Stop(Seconds(n / 1000.0 + 5));
        Simulator::Run();
        EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::COMPLETED), n);
        Simulator::Destroy();
        return placement;
    }
};

TEST_F(SteeringTest, HashPickSpreadsEvenlyAndExactly)
{
    const uint32_t listeners = 4;
    const uint32_t n = 4000;
    bool exact = false;
    Placement p = Run(listeners, n, exact);
    ASSERT_EQ(p.size(), n);
    EXPECT_TRUE(exact);
    std::vector<uint32_t> count(listeners, 0);
    for (const auto& kv : p)
    {
        count[kv.second]++;
    }
    double expected = static_cast<double>(n) / listeners;
    double chi2 = 0;
    for (uint32_t c : count)
    {
        EXPECT_GT(c, 0u);
        chi2 += (c - expected) * (c - expected) / expected;
    }
    // 3 degrees of freedom: the 0.999 quantile of chi-square is 16.27.
    EXPECT_LT(chi2, 16.27);
}

TEST_F(SteeringTest, AGroupBoundToTheAddressSteersByTheWholeTuple)
{
    bool exact = false;
    Placement bound = Run(3, 300, exact, true);
    EXPECT_TRUE(exact);
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
    Placement wildcard = Run(3, 300, exact);
    EXPECT_TRUE(exact);
    EXPECT_NE(bound, wildcard); // same connections, another hash
}

TEST_F(SteeringTest, SameSeedSamePlacement)
{
    bool exact = false;
    Placement first = Run(3, 600, exact);
    EXPECT_TRUE(exact);
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
    Placement second = Run(3, 600, exact);
    EXPECT_EQ(first, second);
}

TEST_F(SteeringTest, OtherRunOtherSecret)
{
    bool exact = false;
    Placement first = Run(3, 300, exact);
    RngSeedManager::SetRun(2); // another boot: another hash secret
    Placement second = Run(3, 300, exact);
    EXPECT_TRUE(exact);
    EXPECT_NE(first, second);
}

} // namespace
} // namespace test
} // namespace ns3
