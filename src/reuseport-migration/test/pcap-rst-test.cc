/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Every RST is a segment on the wire: a pcap of the server's interface, read back
// independently, holds exactly the RSTs the counters report.

#include "pcap-reader.h"
#include "test-network.h"

#include "ns3/reuseport-listener.h"

#include <cstdio>

namespace ns3
{
namespace test
{
namespace
{

class PcapRstTest : public ReuseportTest
{
};

// Three children wait in the accept queue; three more clients are mid-handshake (200 ms
// server link) when the only listener closes at 2 s. Expected RSTs: three at close; then
// for each late client one for its final ACK (the orphaned request) and one for its
// request data, which follows the ACK and finds no socket at all.
TEST_F(PcapRstTest, PcapHoldsExactlyTheCountedRsts)
{
    TestNetwork net(6, MilliSeconds(10), MilliSeconds(200));
    std::string path = ::testing::TempDir() + "rpm-pcap-rst-test.pcap";
    std::remove(path.c_str());
    Ptr<PcapFileWrapper> pcap = net.CaptureServerPcap(path);
    ReuseportHelper reuseport;
    Ptr<ReuseportListener> l =
        reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    RstRecorder rsts;
    rsts.Attach(net.stack);
    for (uint32_t i = 0; i < 3; ++i)
    {
        net.Connect(i, Seconds(0.1), 80);
    }
    for (uint32_t i = 3; i < 6; ++i)
    {
        net.Connect(i, Seconds(1.5), 80);
    }
    Simulator::Schedule(Seconds(2), [&]() { l->Close(); });
    Simulator::Stop(Seconds(4));
    Simulator::Run();
    pcap->Close();

    EXPECT_EQ(rsts.Count(RstCause::ACCEPT_QUEUE_PURGE), 3u);
    EXPECT_EQ(rsts.Count(RstCause::ORPHANED_REQUEST), 3u);
    EXPECT_EQ(rsts.Count(RstCause::NO_LISTENER), 3u);
    uint64_t counted = net.stack->GetMib().Get(TcpMib::TCP_OUT_RSTS);
    EXPECT_EQ(counted, 9u);

    auto segments = ReadPppTcpSegments(path);
    ASSERT_FALSE(segments.empty());
    uint32_t fromServer = 0;
    uint32_t fromClients = 0;
    for (const auto& s : segments)
    {
        if (!(s.flags & TcpHeader::RST))
        {
            continue;
        }
        if (s.source == net.serverAddress)
        {
            ++fromServer;
        }
        else
        {
            ++fromClients;
        }
    }
    EXPECT_EQ(fromServer, counted);
    EXPECT_EQ(fromClients, 0u); // clients accept these RSTs without answering
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::RESET), 6u);
    std::remove(path.c_str());
}

} // namespace
} // namespace test
} // namespace ns3
