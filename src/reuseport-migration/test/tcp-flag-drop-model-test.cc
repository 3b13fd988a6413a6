/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Tests of TcpFlagDropModel: matching on hand-built frames, the time window and
// drop budget, and use as a point-to-point receive error model.

#include "ns3/boolean.h"
#include "ns3/client-connection.h"
#include "ns3/config.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-header.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/ppp-header.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/string.h"
#include "ns3/tcp-flag-drop-model.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>
#include <vector>

namespace ns3
{
namespace
{

const uint16_t SERVER_PORT = 80;    //!< Port the tests filter on
const uint16_t CLIENT_PORT = 49153; //!< Ephemeral port of hand-built segments

/**
 * \brief How to frame a hand-built segment.
 */
struct Framing
{
    bool ppp = true;               //!< Add a PPP header
    uint16_t pppProtocol = 0x0021; //!< PPP protocol field (IPv4)
    uint8_t ipProtocol = 6;        //!< IPv4 protocol field (TCP)
};

/**
 * \brief Build a frame as a point-to-point device receives it.
 * \param flags TCP flags
 * \param sport source port
 * \param dport destination port
 * \param payload payload bytes
 * \param framing framing options
 * \return the frame
 */
Ptr<Packet>
Frame(uint8_t flags,
      uint16_t sport = CLIENT_PORT,
      uint16_t dport = SERVER_PORT,
      uint32_t payload = 0,
      Framing framing = Framing())
{
    Ptr<Packet> p = Create<Packet>(payload);
    TcpHeader tcp;
    tcp.SetFlags(flags);
    tcp.SetSourcePort(sport);
    tcp.SetDestinationPort(dport);
    p->AddHeader(tcp);
    Ipv4Header ip;
    ip.SetSource(Ipv4Address("10.1.1.1"));
    ip.SetDestination(Ipv4Address("10.1.1.2"));
    ip.SetProtocol(framing.ipProtocol);
    ip.SetPayloadSize(p->GetSize());
    p->AddHeader(ip);
    if (framing.ppp)
    {
        PppHeader ppp;
        ppp.SetProtocol(framing.pppProtocol);
        p->AddHeader(ppp);
    }
    return p;
}

/**
 * \brief Fixture: seeded RNG; the simulator and defaults are reset afterwards.
 */
class TcpFlagDropModelTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
    }

    void TearDown() override
    {
        Simulator::Destroy();
        Config::Reset();
    }

    /**
     * \brief A model dropping segments to SERVER_PORT with ACK set and SYN clear,
     * the filter of the Linux reuseport migration selftest.
     * \return the model
     */
    static Ptr<TcpFlagDropModel> AckNotSyn()
    {
        Ptr<TcpFlagDropModel> m = CreateObject<TcpFlagDropModel>();
        m->SetAttribute("FlagsSet", UintegerValue(TcpHeader::ACK));
        m->SetAttribute("FlagsClear", UintegerValue(TcpHeader::SYN));
        m->SetAttribute("DestinationPort", UintegerValue(SERVER_PORT));
        return m;
    }
};

TEST_F(TcpFlagDropModelTest, MatchesFlagsAndDestinationPort)
{
    Ptr<TcpFlagDropModel> m = AckNotSyn();
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK)));                                // final ACK
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK, CLIENT_PORT, SERVER_PORT, 100))); // data
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::FIN | TcpHeader::ACK)));               // FIN
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::RST | TcpHeader::ACK)));           // extra flags ok
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::SYN)));                           // ACK not set
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::SYN | TcpHeader::ACK)));          // SYN set
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::RST)));                           // ACK not set
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK, SERVER_PORT, CLIENT_PORT))); // other way
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK, CLIENT_PORT, SERVER_PORT + 1)));
    EXPECT_EQ(m->GetDropCount(), 4u);
}

TEST_F(TcpFlagDropModelTest, SourcePortAndAnyPort)
{
    Ptr<TcpFlagDropModel> m = CreateObject<TcpFlagDropModel>();
    m->SetAttribute("SourcePort", UintegerValue(SERVER_PORT));
    // No flags required, any destination: every segment from SERVER_PORT.
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::SYN | TcpHeader::ACK, SERVER_PORT, 1)));
    EXPECT_TRUE(m->IsCorrupt(Frame(0, SERVER_PORT, 2, 10)));
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK, SERVER_PORT + 1, 1)));
    EXPECT_EQ(m->GetDropCount(), 2u);
}

TEST_F(TcpFlagDropModelTest, OnlyIpv4TcpIsDropped)
{
    Ptr<TcpFlagDropModel> m = CreateObject<TcpFlagDropModel>(); // matches any TCP segment
    Framing udp;
    udp.ipProtocol = 17;
    Framing ipv6;
    ipv6.pppProtocol = 0x0057;
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK, CLIENT_PORT, SERVER_PORT, 0, udp)));
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK, CLIENT_PORT, SERVER_PORT, 0, ipv6)));
    // A frame cut inside the TCP header, and one that is only a PPP header.
    Ptr<Packet> cut = Frame(TcpHeader::ACK);
    cut->RemoveAtEnd(10);
    EXPECT_FALSE(m->IsCorrupt(cut));
    Ptr<Packet> bare = Create<Packet>();
    PppHeader ppp;
    ppp.SetProtocol(0x0021);
    bare->AddHeader(ppp);
    EXPECT_FALSE(m->IsCorrupt(bare));
    EXPECT_EQ(m->GetDropCount(), 0u);
    // The same model does drop a well-formed TCP segment.
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK)));
}

TEST_F(TcpFlagDropModelTest, WithoutPppHeader)
{
    Ptr<TcpFlagDropModel> m = AckNotSyn();
    m->SetAttribute("HasPppHeader", BooleanValue(false));
    Framing bare;
    bare.ppp = false;
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK, CLIENT_PORT, SERVER_PORT, 0, bare)));
    // A PPP frame does not start with an IPv4 header, so it is left alone.
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK)));
    EXPECT_EQ(m->GetDropCount(), 1u);
}

TEST_F(TcpFlagDropModelTest, MaxDropsAndReset)
{
    Ptr<TcpFlagDropModel> m = AckNotSyn();
    m->SetAttribute("MaxDrops", UintegerValue(2));
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK)));
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK)));
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK)));
    EXPECT_EQ(m->GetDropCount(), 2u);
    m->Reset();
    EXPECT_EQ(m->GetDropCount(), 0u);
    EXPECT_TRUE(m->IsCorrupt(Frame(TcpHeader::ACK)));
    m->Disable();
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::ACK)));
    EXPECT_EQ(m->GetDropCount(), 1u);
}

TEST_F(TcpFlagDropModelTest, TimeWindowIsHalfOpen)
{
    Ptr<TcpFlagDropModel> m = AckNotSyn();
    m->SetAttribute("Start", TimeValue(Seconds(1)));
    m->SetAttribute("Stop", TimeValue(Seconds(2)));
    std::vector<Time> dropped;
    for (double t : {0.5, 0.999999999, 1.0, 1.5, 1.999999999, 2.0, 2.5})
    {
        Simulator::Schedule(Seconds(t), [&]() {
            if (m->IsCorrupt(Frame(TcpHeader::ACK)))
            {
                dropped.push_back(Simulator::Now());
            }
        });
    }
    Simulator::Run();
    EXPECT_EQ(dropped, (std::vector<Time>{Seconds(1), Seconds(1.5), NanoSeconds(1999999999)}));
}

TEST_F(TcpFlagDropModelTest, DropTraceReportsHeader)
{
    Ptr<TcpFlagDropModel> m = AckNotSyn();
    std::vector<std::pair<Ptr<const Packet>, TcpHeader>> traced;
    m->TraceConnectWithoutContext(
        "Drop",
        MakeCallback(+[](std::vector<std::pair<Ptr<const Packet>, TcpHeader>>* v,
                         Ptr<const Packet> p,
                         const TcpHeader& h) {
            v->emplace_back(p, h);
        }).Bind(&traced));
    Ptr<Packet> fin = Frame(TcpHeader::FIN | TcpHeader::ACK, CLIENT_PORT, SERVER_PORT, 7);
    uint32_t size = fin->GetSize();
    EXPECT_TRUE(m->IsCorrupt(fin));
    EXPECT_FALSE(m->IsCorrupt(Frame(TcpHeader::SYN)));
    ASSERT_EQ(traced.size(), 1u);
    EXPECT_EQ(traced[0].first, fin); // the frame itself, untouched
    EXPECT_EQ(fin->GetSize(), size);
    EXPECT_EQ(traced[0].second.GetFlags(), TcpHeader::FIN | TcpHeader::ACK);
    EXPECT_EQ(traced[0].second.GetSourcePort(), CLIENT_PORT);
    EXPECT_EQ(traced[0].second.GetDestinationPort(), SERVER_PORT);
}

TEST_F(TcpFlagDropModelTest, DropsOnlyTheFinalHandshakeAckOnALink)
{
    // Client and stock server over 10 Mb/s, 5 ms. The server device drops the
    // first segment to the server port with ACK set and SYN, FIN, RST clear:
    // the client's handshake ACK. The request, which also carries ACK, then
    // completes the handshake at the server, and the exchange succeeds.
    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("5ms"));
    NetDeviceContainer devices = p2p.Install(nodes);
    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper addresses("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer interfaces = addresses.Assign(devices);

    Ptr<TcpFlagDropModel> m = CreateObject<TcpFlagDropModel>();
    m->SetAttribute("FlagsSet", UintegerValue(TcpHeader::ACK));
    m->SetAttribute("FlagsClear", UintegerValue(TcpHeader::SYN | TcpHeader::FIN | TcpHeader::RST));
    m->SetAttribute("DestinationPort", UintegerValue(SERVER_PORT));
    m->SetAttribute("MaxDrops", UintegerValue(1));
    std::vector<uint32_t> droppedFrameSizes;
    m->TraceConnectWithoutContext(
        "Drop",
        MakeCallback(+[](std::vector<uint32_t>* v, Ptr<const Packet> p, const TcpHeader&) {
            v->push_back(p->GetSize());
        }).Bind(&droppedFrameSizes));
    devices.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(m));

    // Count what reaches the server's IP layer from the client.
    uint32_t arrived = 0;
    devices.Get(1)->TraceConnectWithoutContext(
        "MacRx",
        MakeCallback(+[](uint32_t* n, Ptr<const Packet>) { ++*n; }).Bind(&arrived));
    uint32_t sent = 0;
    devices.Get(0)->TraceConnectWithoutContext(
        "PhyTxBegin",
        MakeCallback(+[](uint32_t* n, Ptr<const Packet>) { ++*n; }).Bind(&sent));

    // Stock server: answer a 100-byte request with 1024 bytes, then close.
    Ptr<Socket> listener = Socket::CreateSocket(nodes.Get(1), TcpSocketFactory::GetTypeId());
    listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), SERVER_PORT));
    listener->Listen();
    auto serve = +[](Ptr<Socket> s) {
        if (s->GetRxAvailable() >= 100)
        {
            s->Recv();
            s->Send(Create<Packet>(1024));
            s->Close();
        }
    };
    listener->SetAcceptCallback(
        MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
        MakeCallback(+[](void (*serveFn)(Ptr<Socket>), Ptr<Socket> s, const Address&) {
            s->SetRecvCallback(MakeCallback(serveFn));
        }).Bind(serve));

    Ptr<ClientConnection> c = CreateObject<ClientConnection>();
    Simulator::Schedule(Seconds(1),
                        &ClientConnection::Start,
                        c,
                        nodes.Get(0),
                        Address(InetSocketAddress(interfaces.GetAddress(1), SERVER_PORT)));
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_EQ(m->GetDropCount(), 1u);
    // A payload-free ACK with timestamps: PPP 2 + IPv4 20 + TCP 20 + options 12.
    EXPECT_EQ(droppedFrameSizes, std::vector<uint32_t>{54});
    EXPECT_EQ(arrived, sent - 1);
    listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                MakeNullCallback<void, Ptr<Socket>, const Address&>());
}

} // namespace
} // namespace ns3
