/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Tests of ClientConnection, ClientLoadGenerator and LinuxTcpDefaults against a
// stock ns-3 TCP server on a two-node point-to-point link.
//
// Link: 10 Mb/s (0.8 us per byte), 5 ms one-way delay, so a frame of B bytes
// arrives 5 ms + 0.8 B us after it starts. Frame sizes (PPP 2 + IPv4 20 + TCP 20
// + options, padded to 4 bytes):
//   SYN, SYN|ACK: options WScale 3 + SACK-permitted 2 + Timestamps 10 -> 16: 58 B
//   ACK, RST, FIN from a connected socket: Timestamps 10 -> 12: 54 B
//   data segment: 54 B + payload
//   RST|ACK from ns-3's no-endpoint path or a test responder: no options: 42 B

#include "test-network.h"

#include "ns3/boolean.h"
#include "ns3/client-connection.h"
#include "ns3/client-load-generator.h"
#include "ns3/config.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-header.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/node-container.h"
#include "ns3/object-vector.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/pointer.h"
#include "ns3/ppp-header.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/string.h"
#include "ns3/tcp-flag-drop-model.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <vector>

namespace ns3
{
namespace
{

const uint16_t SERVER_PORT = 8080; //!< Port of the test server
const uint32_t REQUEST = 100;      //!< Request size used by the tests
const uint32_t RESPONSE = 1024;    //!< Response size used by the tests

/**
 * \brief Time a frame of some size takes from start of transmission to arrival.
 * \param bytes frame size in bytes, PPP header included
 * \return 5 ms propagation plus serialisation at 10 Mb/s
 */
Time
Hop(uint32_t bytes)
{
    return MilliSeconds(5) + NanoSeconds(800 * bytes);
}

const uint32_t SYN_FRAME = 58;       //!< SYN or SYN|ACK frame size
const uint32_t ACK_FRAME = 54;       //!< ACK, RST or FIN frame size with timestamps
const uint32_t NO_OPTION_FRAME = 42; //!< RST or RST|ACK without options

using test::Segment;
using test::WireTap;

/**
 * \brief A stock ns-3 TCP server with a scripted reaction to the request.
 */
class TestServer
{
  public:
    /**
     * \brief What the server does once the whole request is in.
     */
    enum class Mode
    {
        RESPOND,       //!< Send the full response, then close (FIN)
        RESPOND_WAIT,  //!< Send the full response, close after the client's FIN
        HALF_THEN_FIN, //!< Send half the response, then close (FIN)
        RESET,         //!< Close without reading: ns-3 sends a RST for unread data
        SILENT,        //!< Read the request and do nothing
    };

    /**
     * \brief Listen on SERVER_PORT.
     * \param node the server node
     * \param mode the reaction to the request
     */
    TestServer(Ptr<Node> node, Mode mode)
        : m_mode(mode)
    {
        m_listener = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        m_listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), SERVER_PORT));
        m_listener->Listen();
        m_listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                      MakeCallback(&TestServer::Accept, this));
    }

    ~TestServer()
    {
        // The sockets outlive this object until Simulator::Destroy().
        m_listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                      MakeNullCallback<void, Ptr<Socket>, const Address&>());
        for (auto& entry : m_received)
        {
            entry.first->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
            entry.first->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                                           MakeNullCallback<void, Ptr<Socket>>());
        }
    }

    uint32_t accepted = 0; //!< Connections accepted

  private:
    /**
     * \brief Accept callback.
     * \param socket the new socket
     * \param from the client
     */
    void Accept(Ptr<Socket> socket, const Address& /* from */)
    {
        ++accepted;
        m_received[socket] = 0;
        socket->SetRecvCallback(MakeCallback(&TestServer::Read, this));
        if (m_mode == Mode::RESPOND_WAIT)
        {
            socket->SetCloseCallbacks(MakeCallback(&TestServer::PeerClosed, this),
                                      MakeNullCallback<void, Ptr<Socket>>());
        }
    }

    /**
     * \brief Close callback: the client has closed, close too.
     * \param socket the socket
     */
    void PeerClosed(Ptr<Socket> socket)
    {
        // Not from inside the socket's own FIN processing.
        Simulator::ScheduleNow(&Socket::Close, socket);
    }

    /**
     * \brief Receive callback.
     * \param socket the socket
     */
    void Read(Ptr<Socket> socket)
    {
        if (m_mode == Mode::RESET)
        {
            socket->Close();
            return;
        }
        uint32_t& received = m_received[socket];
        bool before = received >= REQUEST;
        while (Ptr<Packet> p = socket->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            received += p->GetSize();
        }
        if (before || received < REQUEST)
        {
            return;
        }
        if (m_mode == Mode::RESPOND || m_mode == Mode::RESPOND_WAIT)
        {
            socket->Send(Create<Packet>(RESPONSE));
        }
        if (m_mode == Mode::RESPOND)
        {
            socket->Close();
        }
        else if (m_mode == Mode::HALF_THEN_FIN)
        {
            socket->Send(Create<Packet>(RESPONSE / 2));
            socket->Close();
        }
    }

    Mode m_mode;                                //!< Reaction to the request
    Ptr<Socket> m_listener;                     //!< Listening socket
    std::map<Ptr<Socket>, uint32_t> m_received; //!< Request bytes per connection
};

/**
 * \brief Answers SYNs to SERVER_PORT with a hand-made segment instead of the stack.
 *
 * A TcpFlagDropModel on the server device drops the SYNs (so the server stack
 * never sees them), and its Drop trace sends the answer through the server's
 * TcpL4Protocol, which adds no options.
 */
class SynResponder
{
  public:
    /**
     * \brief Install on the server device.
     * \param serverDevice the server's device
     * \param flags flags of the answer
     * \param ackOffset the answer acknowledges SYN sequence + ackOffset (if ACK is set)
     * \param maxAnswers SYNs to answer (0: all); later SYNs reach the server stack
     */
    SynResponder(Ptr<NetDevice> serverDevice, uint8_t flags, int32_t ackOffset, uint32_t maxAnswers)
        : m_flags(flags),
          m_ackOffset(ackOffset)
    {
        m_tcp = serverDevice->GetNode()->GetObject<TcpL4Protocol>();
        drops = CreateObject<TcpFlagDropModel>();
        drops->SetAttribute("FlagsSet", UintegerValue(TcpHeader::SYN));
        drops->SetAttribute("FlagsClear", UintegerValue(TcpHeader::ACK));
        drops->SetAttribute("DestinationPort", UintegerValue(SERVER_PORT));
        drops->SetAttribute("MaxDrops", UintegerValue(maxAnswers));
        drops->TraceConnectWithoutContext("Drop", MakeCallback(&SynResponder::Answer, this));
        serverDevice->SetAttribute("ReceiveErrorModel", PointerValue(drops));
    }

    Ptr<TcpFlagDropModel> drops; //!< The SYN filter

  private:
    /**
     * \brief Drop trace sink: answer the SYN.
     * \param packet the SYN frame
     * \param syn its TCP header
     */
    void Answer(Ptr<const Packet> packet, const TcpHeader& syn)
    {
        Ptr<Packet> copy = packet->Copy();
        PppHeader ppp;
        Ipv4Header ip;
        copy->RemoveHeader(ppp);
        copy->RemoveHeader(ip);
        TcpHeader answer;
        answer.SetFlags(m_flags);
        answer.SetSourcePort(syn.GetDestinationPort());
        answer.SetDestinationPort(syn.GetSourcePort());
        answer.SetSequenceNumber(SequenceNumber32(0));
        if (m_flags & TcpHeader::ACK)
        {
            answer.SetAckNumber(syn.GetSequenceNumber() + m_ackOffset);
        }
        // Sent from its own event, not from inside the device's receive path.
        Simulator::ScheduleNow(&TcpL4Protocol::SendPacket,
                               m_tcp,
                               Create<Packet>(),
                               answer,
                               Address(ip.GetDestination()),
                               Address(ip.GetSource()),
                               Ptr<NetDevice>());
    }

    uint8_t m_flags;          //!< Flags of the answer
    int32_t m_ackOffset;      //!< Ack offset from the SYN sequence number
    Ptr<TcpL4Protocol> m_tcp; //!< Server TCP
};

/**
 * \brief Fixture: seeded RNG, two nodes joined by a 10 Mb/s, 5 ms link.
 */
class ClientConnectionTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        BuildTopology();
    }

    /**
     * \brief Create the nodes, link, stacks and addresses.
     */
    void BuildTopology()
    {
        nodes = NodeContainer();
        nodes.Create(2);
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("5ms"));
        devices = p2p.Install(nodes);
        InternetStackHelper internet;
        internet.Install(nodes);
        Ipv4AddressHelper addresses("10.1.1.0", "255.255.255.0");
        Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
        server = InetSocketAddress(interfaces.GetAddress(1), SERVER_PORT);
    }

    void TearDown() override
    {
        Simulator::Destroy();
        Config::Reset();
    }

    /**
     * \brief A connection with the test request and response sizes.
     * \param timeout application deadline (0: none)
     * \return the connection
     */
    Ptr<ClientConnection> MakeConnection(Time timeout = Seconds(0))
    {
        Ptr<ClientConnection> c = CreateObject<ClientConnection>();
        c->SetAttribute("RequestBytes", UintegerValue(REQUEST));
        c->SetAttribute("ResponseBytes", UintegerValue(RESPONSE));
        c->SetAttribute("Timeout", TimeValue(timeout));
        return c;
    }

    /**
     * \brief Start a connection from the client node at some time.
     * \param c the connection
     * \param at the start time
     */
    void StartAt(Ptr<ClientConnection> c, Time at)
    {
        Simulator::Schedule(at, &ClientConnection::Start, c, nodes.Get(0), Address(server));
    }

    /**
     * \brief Drop every segment to the server port with some flags set, on arrival.
     * \param flagsSet flags that must be set
     * \param flagsClear flags that must be clear
     * \return the model
     */
    Ptr<TcpFlagDropModel> DropAtServer(uint8_t flagsSet, uint8_t flagsClear)
    {
        Ptr<TcpFlagDropModel> model = CreateObject<TcpFlagDropModel>();
        model->SetAttribute("FlagsSet", UintegerValue(flagsSet));
        model->SetAttribute("FlagsClear", UintegerValue(flagsClear));
        model->SetAttribute("DestinationPort", UintegerValue(SERVER_PORT));
        devices.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(model));
        return model;
    }

    NodeContainer nodes;                                //!< Client (0) and server (1)
    NetDeviceContainer devices;                         //!< Their devices
    InetSocketAddress server{Ipv4Address::GetAny(), 0}; //!< Server address
};

/**
 * \brief Start time of the single-connection tests.
 * \return 1 s
 */
Time
StartTime()
{
    return Seconds(1);
}

/**
 * \brief When the connect callback fires: after the SYN and SYN|ACK hops.
 * \return the time
 */
Time
ConnectedAt()
{
    return StartTime() + Hop(SYN_FRAME) * 2;
}

/**
 * \brief When the request has fully reached the server; on the link it waits
 * behind the handshake ACK, sent at the same instant.
 * \return the time
 */
Time
RequestIn()
{
    return ConnectedAt() + NanoSeconds(800 * ACK_FRAME) + Hop(ACK_FRAME + REQUEST);
}

/**
 * \brief When the server's answer starts: ns-3 ACKs the first data segment at
 * once, and data written by Send() enters TCP one time step later, behind that ACK.
 * \return the time
 */
Time
AnswerStart()
{
    return RequestIn() + NanoSeconds(800 * ACK_FRAME);
}

TEST_F(ClientConnectionTest, CompletedExchange)
{
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<ClientConnection> c = MakeConnection();
    uint32_t outcomes = 0;
    uint32_t connects = 0;
    c->TraceConnectWithoutContext(
        "Outcome",
        MakeCallback(+[](uint32_t* n, Ptr<const ClientConnection>) { ++*n; }).Bind(&outcomes));
    c->TraceConnectWithoutContext(
        "Connected",
        MakeCallback(+[](uint32_t* n, Ptr<const ClientConnection>) { ++*n; }).Bind(&connects));
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_EQ(c->GetStartTime(), StartTime());
    EXPECT_EQ(c->GetConnectedTime(), ConnectedAt()); // exactly one RTT of SYN-sized frames
    EXPECT_TRUE(c->WasConnected());
    EXPECT_EQ(c->GetBytesSent(), REQUEST);
    EXPECT_EQ(c->GetBytesReceived(), RESPONSE);
    EXPECT_FALSE(c->SawRst());
    EXPECT_FALSE(c->WasClosedByFin());
    EXPECT_EQ(c->GetSynCount(), 1u);
    EXPECT_NE(c->GetLocalPort(), 0);
    // 1024 bytes at the default 536-byte MSS: 536, then 488 with the FIN (the
    // server closed before the data left), back to back.
    EXPECT_EQ(c->GetFirstByteTime(), AnswerStart() + Hop(ACK_FRAME + 536));
    EXPECT_EQ(c->GetEndTime(), c->GetFirstByteTime() + NanoSeconds(800 * (ACK_FRAME + 488)));
    EXPECT_EQ(outcomes, 1u);
    EXPECT_EQ(connects, 1u);
    EXPECT_EQ(srv.accepted, 1u);
}

TEST_F(ClientConnectionTest, RefusedByRstAckFromClosedPort)
{
    // Nothing listens: ns-3's no-endpoint path answers the SYN with a RST|ACK
    // acknowledging it, as Linux does. The stock SYN_SENT code ignores that
    // segment (it would retry for 127 s); ClientConnection reports REFUSED and
    // stops the socket.
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(200));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::REFUSED);
    EXPECT_FALSE(c->WasConnected());
    EXPECT_FALSE(c->FailedLocally());
    EXPECT_TRUE(c->SawRst());
    EXPECT_EQ(c->GetRstTime(), StartTime() + Hop(SYN_FRAME) + Hop(NO_OPTION_FRAME));
    EXPECT_EQ(c->GetEndTime(), c->GetRstTime());
    EXPECT_EQ(c->GetConnectedTime(), Seconds(-1));
    // Only the first SYN ever left: the retransmission at StartTime() + 1 s was
    // stopped, silently (no RST), as Linux closes a connecting socket.
    ASSERT_EQ(client.segments.size(), 1u);
    EXPECT_EQ(client.segments[0].flags, TcpHeader::SYN);
}

TEST_F(ClientConnectionTest, RefusedByBareRst)
{
    // A bare RST in SYN_SENT makes ns-3 close the socket itself (Linux would
    // ignore it, RFC 793 wants an ACK); it must count as REFUSED, not as a close.
    SynResponder responder(devices.Get(1), TcpHeader::RST, 0, 0);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(200));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::REFUSED);
    EXPECT_EQ(c->GetRstTime(), StartTime() + Hop(SYN_FRAME) + Hop(NO_OPTION_FRAME));
    EXPECT_EQ(c->GetEndTime(), c->GetRstTime());
    EXPECT_EQ(responder.drops->GetDropCount(), 1u);
    // ns-3 closed the socket itself, so the client sent nothing but its SYN.
    ASSERT_EQ(client.segments.size(), 1u);
    EXPECT_EQ(client.segments[0].flags, TcpHeader::SYN);
}

TEST_F(ClientConnectionTest, RstAckWithWrongAckIsIgnored)
{
    // RFC 793 and Linux drop a RST|ACK in SYN_SENT that does not acknowledge the
    // SYN (here it acknowledges ISS + 2 instead of ISS + 1). Only the first SYN is
    // answered so; the second (1 s later) reaches a real server.
    SynResponder responder(devices.Get(1), TcpHeader::RST | TcpHeader::ACK, 2, 1);
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_TRUE(c->SawRst());
    EXPECT_EQ(c->GetRstTime(), StartTime() + Hop(SYN_FRAME) + Hop(NO_OPTION_FRAME));
    EXPECT_EQ(c->GetSynCount(), 2u);
    EXPECT_EQ(c->GetConnectedTime(), ConnectedAt() + LinuxTcpDefaults::ConnTimeout());
}

TEST_F(ClientConnectionTest, RefusedWhenStackResetsOnInvalidAnswer)
{
    // A bare FIN in SYN_SENT makes ns-3 send a RST and report an error close.
    // That is the connection attempt being torn down, not a timeout.
    SynResponder responder(devices.Get(1), TcpHeader::FIN, 0, 0);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(200));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::REFUSED);
    EXPECT_FALSE(c->SawRst());
    EXPECT_EQ(c->GetEndTime(), StartTime() + Hop(SYN_FRAME) + Hop(NO_OPTION_FRAME));
    EXPECT_EQ(client.With(TcpHeader::SYN).size(), 1u);
    EXPECT_EQ(client.With(TcpHeader::RST).size(), 1u);
}

TEST_F(ClientConnectionTest, ResetByServerRst)
{
    // The server closes with the request unread, so ns-3 sends a RST (no ACK
    // before it: the application closes from inside the receive path).
    TestServer srv(nodes.Get(1), TestServer::Mode::RESET);
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::RESET);
    EXPECT_FALSE(c->WasClosedByFin());
    EXPECT_TRUE(c->WasConnected());
    EXPECT_EQ(c->GetConnectedTime(), ConnectedAt());
    EXPECT_TRUE(c->SawRst());
    EXPECT_EQ(c->GetRstTime(), RequestIn() + Hop(ACK_FRAME));
    EXPECT_EQ(c->GetEndTime(), c->GetRstTime());
    EXPECT_EQ(c->GetBytesReceived(), 0u);
}

TEST_F(ClientConnectionTest, ResetByRstAckWithoutTimestamp)
{
    // A RST|ACK without the timestamp option (Linux's resets from a port without
    // a socket carry none) is discarded by an ns-3 socket using timestamps, while
    // Linux accepts it. It still counts as RESET, and the client then drops the
    // connection without a FIN or RST, as Linux does.
    TestServer srv(nodes.Get(1), TestServer::Mode::SILENT);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    const Time rstSent = StartTime() + MilliSeconds(100);
    Simulator::Schedule(rstSent, [&]() {
        TcpHeader rst;
        rst.SetFlags(TcpHeader::RST | TcpHeader::ACK);
        rst.SetSourcePort(SERVER_PORT);
        rst.SetDestinationPort(c->GetLocalPort());
        Ipv4Address serverIp = server.GetIpv4();
        Ipv4Address clientIp = nodes.Get(0)->GetObject<Ipv4>()->GetAddress(1, 0).GetLocal();
        nodes.Get(1)->GetObject<TcpL4Protocol>()->SendPacket(Create<Packet>(),
                                                             rst,
                                                             serverIp,
                                                             clientIp);
    });
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::RESET);
    EXPECT_FALSE(c->WasClosedByFin());
    EXPECT_TRUE(c->SawRst());
    EXPECT_EQ(c->GetRstTime(), rstSent + Hop(NO_OPTION_FRAME));
    EXPECT_EQ(c->GetEndTime(), c->GetRstTime());
    // Handshake ACK and request only; nothing after the RST.
    ASSERT_FALSE(client.segments.empty());
    EXPECT_LT(client.segments.back().time, c->GetRstTime());
    EXPECT_TRUE(client.With(TcpHeader::FIN).empty());
    EXPECT_TRUE(client.With(TcpHeader::RST).empty());
}

TEST_F(ClientConnectionTest, EofBeforeFullResponseIsReset)
{
    TestServer srv(nodes.Get(1), TestServer::Mode::HALF_THEN_FIN);
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::RESET);
    EXPECT_TRUE(c->WasClosedByFin());
    EXPECT_FALSE(c->SawRst());
    EXPECT_EQ(c->GetBytesReceived(), RESPONSE / 2);
    // Half the response fits one segment, which carries the FIN as well: the
    // server closed before the data left.
    EXPECT_EQ(c->GetFirstByteTime(), AnswerStart() + Hop(ACK_FRAME + RESPONSE / 2));
    EXPECT_EQ(c->GetEndTime(), c->GetFirstByteTime());
}

TEST_F(ClientConnectionTest, SynRetriesExhaustedAfter127Seconds)
{
    Ptr<TcpFlagDropModel> drops = DropAtServer(TcpHeader::SYN, 0);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(300));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    // Linux: tcp_syn_retries = 6 retransmissions, RTO 1 s doubling: 1+2+4+...+64 = 127 s.
    EXPECT_EQ(c->GetEndTime(), StartTime() + Seconds(127));
    EXPECT_EQ(c->GetSynCount(), 7u);
    EXPECT_EQ(drops->GetDropCount(), 7u);
    std::vector<Time> expected;
    for (int s : {0, 1, 3, 7, 15, 31, 63})
    {
        expected.push_back(StartTime() + Seconds(s));
    }
    EXPECT_EQ(client.With(TcpHeader::SYN), expected);
    EXPECT_EQ(client.segments.size(), 7u); // giving up sends nothing
    EXPECT_FALSE(c->SawRst());
}

TEST_F(ClientConnectionTest, DataRetriesExhausted)
{
    // As the Linux migration selftest does: drop every segment to the server
    // port that has ACK set and SYN clear. The client is connected, but its
    // handshake ACK and its request never arrive.
    Ptr<TcpFlagDropModel> drops = DropAtServer(TcpHeader::ACK, TcpHeader::SYN);
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection();
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(1000));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    EXPECT_TRUE(c->WasConnected());
    EXPECT_FALSE(c->SawRst());
    // The request enters TCP one time step (1 ns) after Send(), which starts the
    // RTO timer. The handshake's sample is 10 ms (timestamps count milliseconds), so
    // the RTO is Linux's srtt + max(4 rttvar, 200 ms) = 210 ms; it doubles up to
    // ns-3's 60 s cap: retransmissions after 0.21, 0.63, 1.47, ... s, and the 16th
    // timeout, 0.21 * (2^9 - 1) + 7 * 60 = 527.31 s in, gives up. (Linux caps the
    // RTO at 120 s and would give up later.) A stock socket sends no loss probe.
    Time queued = ConnectedAt() + NanoSeconds(1);
    EXPECT_EQ(c->GetEndTime(), queued + MilliSeconds(527310));
    std::vector<Time> retransmissions;
    Time rto = MilliSeconds(210);
    Time at = queued;
    for (int i = 0; i < 15; ++i)
    {
        at += rto;
        retransmissions.push_back(at);
        rto = std::min(rto * 2, Seconds(60));
    }
    std::vector<Time> requests;
    for (const auto& s : client.segments)
    {
        if (s.payload == REQUEST)
        {
            requests.push_back(s.time);
        }
    }
    // The first copy waits behind the handshake ACK on the link.
    ASSERT_EQ(requests.size(), 16u);
    EXPECT_EQ(requests[0], ConnectedAt() + NanoSeconds(800 * ACK_FRAME));
    EXPECT_EQ(std::vector<Time>(requests.begin() + 1, requests.end()), retransmissions);
    // 16 copies of the request plus the handshake ACK were dropped.
    EXPECT_EQ(drops->GetDropCount(), 17u);
}

TEST_F(ClientConnectionTest, DeadlineWhileConnecting)
{
    // The server listens but never sees a SYN (an overloaded Linux listener
    // drops them silently).
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<TcpFlagDropModel> drops = DropAtServer(TcpHeader::SYN, 0);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection(MilliSeconds(2500));
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(200));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    EXPECT_EQ(c->GetEndTime(), StartTime() + MilliSeconds(2500));
    EXPECT_FALSE(c->WasConnected());
    // SYNs at 0 and 1 s; the abort stops the one due at 3 s and all later ones,
    // and sends nothing (a RST would reach the listener).
    EXPECT_EQ(client.With(TcpHeader::SYN),
              (std::vector<Time>{StartTime(), StartTime() + Seconds(1)}));
    EXPECT_EQ(client.segments.size(), 2u);
    EXPECT_EQ(drops->GetDropCount(), 2u);
    EXPECT_EQ(srv.accepted, 0u);
}

TEST_F(ClientConnectionTest, DeadlineWhileWaitingForResponse)
{
    TestServer srv(nodes.Get(1), TestServer::Mode::SILENT);
    WireTap client(devices.Get(0));
    Ptr<ClientConnection> c = MakeConnection(Seconds(1));
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    EXPECT_EQ(c->GetEndTime(), StartTime() + Seconds(1));
    EXPECT_TRUE(c->WasConnected());
    EXPECT_EQ(c->GetBytesSent(), REQUEST);
    EXPECT_EQ(c->GetBytesReceived(), 0u);
    // Nothing unread, so the abort is an orderly FIN at the deadline.
    EXPECT_EQ(client.With(TcpHeader::FIN), (std::vector<Time>{StartTime() + Seconds(1)}));
    EXPECT_TRUE(client.With(TcpHeader::RST).empty());
}

TEST_F(ClientConnectionTest, OutcomeCallbackFiresOnceAndSocketIsReleased)
{
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND_WAIT);
    Ptr<ClientConnection> c = MakeConnection();
    std::vector<ConnectionOutcome> seen;
    c->SetOutcomeCallback(
        MakeCallback(+[](std::vector<ConnectionOutcome>* v, Ptr<ClientConnection> conn) {
            v->push_back(conn->GetOutcome());
        }).Bind(&seen));
    StartAt(c, StartTime());

    // Take our own reference to the client socket, and count references while
    // the connection is pending and once it has finished.
    Ptr<TcpL4Protocol> tcp = nodes.Get(0)->GetObject<TcpL4Protocol>();
    Ptr<Object> socket;
    uint32_t whilePending = 0;
    uint32_t inTimeWait = 0;
    auto grab = [&]() {
        ObjectVectorValue list;
        tcp->GetAttribute("SocketList", list);
        ASSERT_EQ(list.GetN(), 1u);
        socket = list.Get(0);
    };
    Simulator::Schedule(StartTime() + MilliSeconds(1), [&]() {
        grab();
        whilePending = socket->GetReferenceCount();
    });
    Simulator::Schedule(StartTime() + Seconds(5),
                        [&]() { inTimeWait = socket->GetReferenceCount(); });
    Simulator::Stop(StartTime() + Seconds(70));
    Simulator::Run();

    EXPECT_EQ(seen, std::vector<ConnectionOutcome>{ConnectionOutcome::COMPLETED});
    ASSERT_TRUE(socket);
    // The client closed first, so at 5 s its socket is in TIME_WAIT; ns-3 holds
    // it exactly as in SYN_SENT (socket list and endpoint), the connection no more.
    EXPECT_EQ(inTimeWait, whilePending - 1);
    // TIME_WAIT (2 MSL = 60 s) is over: only the test's reference is left.
    EXPECT_EQ(socket->GetReferenceCount(), 1u);
    ObjectVectorValue list;
    tcp->GetAttribute("SocketList", list);
    EXPECT_EQ(list.GetN(), 0u);
}

TEST_F(ClientConnectionTest, OutcomeNames)
{
    EXPECT_EQ(ClientConnection::OutcomeName(ConnectionOutcome::PENDING), "pending");
    EXPECT_EQ(ClientConnection::OutcomeName(ConnectionOutcome::COMPLETED), "completed");
    EXPECT_EQ(ClientConnection::OutcomeName(ConnectionOutcome::RESET), "reset");
    EXPECT_EQ(ClientConnection::OutcomeName(ConnectionOutcome::REFUSED), "refused");
    EXPECT_EQ(ClientConnection::OutcomeName(ConnectionOutcome::TIMEOUT), "timeout");
}

TEST_F(ClientConnectionTest, LinuxDefaultsApplied)
{
    Ptr<Socket> socket = Socket::CreateSocket(nodes.Get(0), TcpSocketFactory::GetTypeId());
    LinuxTcpDefaults::Apply(DynamicCast<TcpSocket>(socket));
    TimeValue t;
    UintegerValue u;
    DoubleValue d;
    socket->GetAttribute("ConnTimeout", t);
    EXPECT_EQ(t.Get(), Seconds(1)); // TCP_TIMEOUT_INIT
    socket->GetAttribute("ConnCount", u);
    EXPECT_EQ(u.Get(), 7u); // 1 + tcp_syn_retries
    socket->GetAttribute("DataRetries", u);
    EXPECT_EQ(u.Get(), 15u); // tcp_retries2
    socket->GetAttribute("DelAckTimeout", t);
    EXPECT_EQ(t.Get(), MilliSeconds(40)); // TCP_DELACK_MIN
    socket->GetAttribute("MinRto", t);
    EXPECT_EQ(t.Get(), MilliSeconds(200)); // TCP_RTO_MIN
    socket->GetAttribute("ClockGranularity", t);
    EXPECT_EQ(t.Get(), MilliSeconds(200)); // rttvar >= TCP_RTO_MIN in tcp_rtt_estimator
    socket->GetAttribute("MaxSegLifetime", d);
    EXPECT_EQ(d.Get(), 30.0); // TIME_WAIT = 2 MSL = TCP_TIMEWAIT_LEN
}

TEST_F(ClientConnectionTest, LinuxGlobalDefaults)
{
    LinuxTcpDefaults::SetGlobalDefaults();
    Ptr<Socket> socket = Socket::CreateSocket(nodes.Get(0), TcpSocketFactory::GetTypeId());
    TimeValue t;
    UintegerValue u;
    socket->GetAttribute("ConnTimeout", t);
    EXPECT_EQ(t.Get(), Seconds(1));
    socket->GetAttribute("ConnCount", u);
    EXPECT_EQ(u.Get(), 7u);
    socket->GetAttribute("DataRetries", u);
    EXPECT_EQ(u.Get(), 15u);
    socket->GetAttribute("MinRto", t);
    EXPECT_EQ(t.Get(), MilliSeconds(200));
}

TEST_F(ClientConnectionTest, StockDefaultsWithoutLinuxDefaults)
{
    // With ns-3's own defaults (3 s ConnTimeout, 6 SYNs) the same unreachable
    // server gives up after 3 * (1+2+4+8+16+32) = 189 s: the attribute matters.
    DropAtServer(TcpHeader::SYN, 0);
    Ptr<ClientConnection> c = MakeConnection();
    c->SetAttribute("LinuxDefaults", BooleanValue(false));
    StartAt(c, StartTime());
    Simulator::Stop(Seconds(300));
    Simulator::Run();
    EXPECT_EQ(c->GetOutcome(), ConnectionOutcome::TIMEOUT);
    EXPECT_EQ(c->GetEndTime(), StartTime() + Seconds(189));
    EXPECT_EQ(c->GetSynCount(), 6u);
}

/**
 * \brief Fixture for the load generator: a responding server and one generator.
 */
class ClientLoadGeneratorTest : public ClientConnectionTest
{
  protected:
    /**
     * \brief Install a generator on the client node.
     * \param arrival "constant" or "poisson"
     * \param start application start
     * \param stop application stop
     * \return the generator
     */
    Ptr<ClientLoadGenerator> Install(const std::string& arrival, Time start, Time stop)
    {
        Ptr<ClientLoadGenerator> app = CreateObject<ClientLoadGenerator>();
        app->SetAttribute("Remote", AddressValue(server));
        app->SetAttribute("Rate", DoubleValue(100));
        app->SetAttribute("Arrival", StringValue(arrival));
        app->SetAttribute("RequestBytes", UintegerValue(REQUEST));
        app->SetAttribute("ResponseBytes", UintegerValue(RESPONSE));
        nodes.Get(0)->AddApplication(app);
        app->SetStartTime(start);
        app->SetStopTime(stop);
        return app;
    }

    /**
     * \brief Sum of the per-outcome counts.
     * \param app the generator
     * \return the sum over all outcomes, PENDING included
     */
    static uint32_t Total(Ptr<ClientLoadGenerator> app)
    {
        uint32_t total = 0;
        for (auto o : {ConnectionOutcome::PENDING,
                       ConnectionOutcome::COMPLETED,
                       ConnectionOutcome::RESET,
                       ConnectionOutcome::REFUSED,
                       ConnectionOutcome::TIMEOUT})
        {
            total += app->GetCount(o);
        }
        return total;
    }
};

TEST_F(ClientLoadGeneratorTest, ConstantRateGivesExactCount)
{
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<ClientLoadGenerator> app = Install("constant", Seconds(1), Seconds(2));
    uint32_t traced = 0;
    app->TraceConnectWithoutContext(
        "Outcome",
        MakeCallback(+[](uint32_t* n, Ptr<const ClientConnection>) { ++*n; }).Bind(&traced));
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    // Arrivals at 1.00, 1.01, ..., 1.99 s; none at the stop time 2.00 s: 100.
    ASSERT_EQ(app->GetAttempts(), 100u);
    const auto& conns = app->GetConnections();
    for (uint32_t i = 0; i < conns.size(); ++i)
    {
        EXPECT_EQ(conns[i]->GetStartTime(), Seconds(1) + MilliSeconds(10 * i));
    }
    // A 10 Mb/s link carries 100 small exchanges per second easily.
    EXPECT_EQ(app->GetCount(ConnectionOutcome::COMPLETED), 100u);
    EXPECT_EQ(traced, 100u);
    EXPECT_EQ(srv.accepted, 100u);
    EXPECT_EQ(Total(app), app->GetAttempts());
}

TEST_F(ClientLoadGeneratorTest, ConstantRateDoesNotDrift)
{
    // 3/s for 1 s: arrivals at 0, 1/3 and 2/3 s; the fourth is due at exactly the
    // stop time. Adding a rounded 333333333 ns gap each time would bring it to
    // 999999999 ns, inside the run.
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<ClientLoadGenerator> app = Install("constant", Seconds(1), Seconds(2));
    app->SetAttribute("Rate", DoubleValue(3));
    Simulator::Stop(Seconds(5));
    Simulator::Run();
    ASSERT_EQ(app->GetAttempts(), 3u);
    EXPECT_EQ(app->GetConnections()[2]->GetStartTime(), Seconds(1) + NanoSeconds(666666667));
}

TEST_F(ClientLoadGeneratorTest, ForwardsConnectionSettings)
{
    // The server never answers, so every connection ends at its own deadline.
    TestServer srv(nodes.Get(1), TestServer::Mode::SILENT);
    Ptr<ClientLoadGenerator> app = Install("constant", Seconds(1), Seconds(2));
    app->SetAttribute("MaxConnections", UintegerValue(5));
    app->SetAttribute("RequestBytes", UintegerValue(42));
    app->SetAttribute("Timeout", TimeValue(MilliSeconds(300)));
    Simulator::Stop(Seconds(5));
    Simulator::Run();
    ASSERT_EQ(app->GetAttempts(), 5u);
    EXPECT_EQ(app->GetCount(ConnectionOutcome::TIMEOUT), 5u);
    for (const auto& c : app->GetConnections())
    {
        EXPECT_EQ(c->GetBytesSent(), 42u);
        EXPECT_EQ(c->GetEndTime(), c->GetStartTime() + MilliSeconds(300));
    }
}

TEST_F(ClientLoadGeneratorTest, MaxConnectionsLimitsAttempts)
{
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<ClientLoadGenerator> app = Install("constant", Seconds(1), Seconds(2));
    app->SetAttribute("MaxConnections", UintegerValue(10));
    Simulator::Stop(Seconds(5));
    Simulator::Run();
    EXPECT_EQ(app->GetAttempts(), 10u);
    EXPECT_EQ(app->GetConnections().back()->GetStartTime(), Seconds(1) + MilliSeconds(90));
}

TEST_F(ClientLoadGeneratorTest, ConservationWithUnfinishedConnections)
{
    // SYNs arriving in [1.2, 1.4) s are dropped: those of the arrivals at
    // 1.20 ... 1.39 s (SYN arrival = start + 5.0464 ms), i.e. 20 connections,
    // which retry at 2.20 ... 2.39 s, after the end of the run at 2.1 s.
    TestServer srv(nodes.Get(1), TestServer::Mode::RESPOND);
    Ptr<TcpFlagDropModel> drops = DropAtServer(TcpHeader::SYN, 0);
    drops->SetAttribute("Start", TimeValue(Seconds(1.2)));
    drops->SetAttribute("Stop", TimeValue(Seconds(1.4)));
    Ptr<ClientLoadGenerator> app = Install("constant", Seconds(1), Seconds(2));
    Simulator::Stop(Seconds(2.1));
    Simulator::Run();

    EXPECT_EQ(app->GetAttempts(), 100u);
    EXPECT_EQ(app->GetCount(ConnectionOutcome::PENDING), 20u);
    EXPECT_EQ(app->GetCount(ConnectionOutcome::COMPLETED), 80u);
    EXPECT_EQ(Total(app), app->GetAttempts());
    for (const auto& c : app->GetConnections())
    {
        bool dropped = c->GetStartTime() >= Seconds(1.2) && c->GetStartTime() < Seconds(1.4);
        EXPECT_EQ(c->IsFinished(), !dropped) << "start " << c->GetStartTime();
    }
}

TEST_F(ClientLoadGeneratorTest, PoissonIsReproducibleAndRandom)
{
    auto run = [this](int64_t stream) {
        Ptr<ClientLoadGenerator> app = Install("poisson", Seconds(1), Seconds(2));
        EXPECT_EQ(app->AssignStreams(stream), 1);
        Simulator::Stop(Seconds(2));
        Simulator::Run();
        std::vector<Time> starts;
        for (const auto& c : app->GetConnections())
        {
            starts.push_back(c->GetStartTime());
        }
        Simulator::Destroy();
        BuildTopology();
        return starts;
    };
    std::vector<Time> a = run(7);
    std::vector<Time> b = run(7);
    std::vector<Time> other = run(8);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, other);
    // Poisson with mean 100 over 1 s: 70..130 is a 3-sigma band.
    EXPECT_GE(a.size(), 70u);
    EXPECT_LE(a.size(), 130u);
    // Gaps vary (constant arrivals would all be 10 ms apart), and the first
    // arrival comes after a random gap, not at the start.
    ASSERT_GE(a.size(), 3u);
    EXPECT_GT(a[0], Seconds(1));
    EXPECT_NE(a[1] - a[0], a[2] - a[1]);
}

TEST_F(ClientLoadGeneratorTest, UnknownArrivalAborts)
{
    Ptr<ClientLoadGenerator> app = CreateObject<ClientLoadGenerator>();
    EXPECT_DEATH(app->SetAttribute("Arrival", StringValue("bursty")), "unknown Arrival");
}

} // namespace
} // namespace ns3
