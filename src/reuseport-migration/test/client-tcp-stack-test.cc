/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Tests of ClientTcpStack and ClientTcpSocket: client sockets found by hash on the client
// host, with the TCP behaviour of stock ns-3 sockets. Two nodes on a 10 Mb/s, 5 ms
// point-to-point link; a stock ns-3 server.

#include "ns3/client-connection.h"
#include "ns3/client-tcp-socket.h"
#include "ns3/client-tcp-stack.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-header.h"
#include "ns3/node-container.h"
#include "ns3/object-vector.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/ppp-header.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/string.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>
#include <map>
#include <set>
#include <vector>

namespace ns3
{
namespace
{

const uint16_t SERVER_PORT = 8080; //!< Port of the test server
const uint32_t REQUEST = 100;      //!< Request size
const uint32_t RESPONSE = 1024;    //!< Response size

/**
 * \brief A stock ns-3 server: reads the request, sends the response, and then closes
 * (CLOSE_FIRST), waits for the client's FIN (CLOSE_SECOND) or resets (RESET).
 */
class Server
{
  public:
    /// What the server does once the request is in.
    enum class Mode
    {
        CLOSE_FIRST,  //!< respond and close
        CLOSE_SECOND, //!< respond, close after the client's FIN
        RESET,        //!< close without reading: ns-3 sends a RST
    };

    /**
     * \brief Listen on SERVER_PORT.
     * \param node the server node
     * \param mode the reaction
     */
    Server(Ptr<Node> node, Mode mode)
        : m_mode(mode)
    {
        m_listener = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        m_listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), SERVER_PORT));
        m_listener->Listen();
        m_listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                      MakeCallback(&Server::Accept, this));
    }

    ~Server()
    {
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
     */
    void Accept(Ptr<Socket> socket, const Address&)
    {
        ++accepted;
        m_received[socket] = 0;
        socket->SetRecvCallback(MakeCallback(&Server::Read, this));
        if (m_mode == Mode::CLOSE_SECOND)
        {
            socket->SetCloseCallbacks(MakeCallback(&Server::PeerClosed, this),
                                      MakeNullCallback<void, Ptr<Socket>>());
        }
    }

    /**
     * \brief The client closed: close too, from an event of its own.
     * \param socket the socket
     */
    void PeerClosed(Ptr<Socket> socket)
    {
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
        socket->Send(Create<Packet>(RESPONSE));
        if (m_mode == Mode::CLOSE_FIRST)
        {
            socket->Close();
        }
    }

    Mode m_mode;                                //!< Reaction
    Ptr<Socket> m_listener;                     //!< Listener
    std::map<Ptr<Socket>, uint32_t> m_received; //!< Request bytes per connection
};

/**
 * \brief Counts TCP segments with some flags a point-to-point device starts sending.
 */
class FlagCounter
{
  public:
    /**
     * \brief Attach to a device.
     * \param device the device
     * \param flags the flags that must all be set
     */
    FlagCounter(Ptr<NetDevice> device, uint8_t flags)
        : m_flags(flags)
    {
        device->TraceConnectWithoutContext("PhyTxBegin", MakeCallback(&FlagCounter::Record, this));
    }

    uint32_t count = 0; //!< Matching segments

  private:
    /**
     * \brief Trace sink.
     * \param p the frame
     */
    void Record(Ptr<const Packet> p)
    {
        Ptr<Packet> copy = p->Copy();
        PppHeader ppp;
        Ipv4Header ip;
        TcpHeader tcp;
        copy->RemoveHeader(ppp);
        copy->RemoveHeader(ip);
        if (ip.GetProtocol() != TcpL4Protocol::PROT_NUMBER)
        {
            return;
        }
        copy->RemoveHeader(tcp);
        if ((tcp.GetFlags() & m_flags) == m_flags)
        {
            ++count;
        }
    }

    uint8_t m_flags; //!< Flags to count
};

/**
 * \brief Client and server nodes on one link; the client stack optional.
 */
class ClientTcpStackTest : public ::testing::Test
{
  protected:
    /**
     * \brief Build the network.
     * \param withStack install a ClientTcpStack on the client
     */
    void Build(bool withStack)
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        nodes.Create(2);
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("5ms"));
        devices = p2p.Install(nodes);
        InternetStackHelper internet;
        internet.Install(nodes);
        Ipv4AddressHelper addresses("10.1.1.0", "255.255.255.0");
        Ipv4InterfaceContainer ifs = addresses.Assign(devices);
        serverAddress = ifs.GetAddress(1);
        clientAddress = ifs.GetAddress(0);
        if (withStack)
        {
            stack = ClientTcpStack::Install(nodes.Get(0));
        }
    }

    void TearDown() override
    {
        connections.clear();
        Simulator::Destroy();
    }

    /**
     * \brief Start a connection at some time.
     * \param at the start time
     * \return the connection
     */
    Ptr<ClientConnection> StartAt(Time at)
    {
        Ptr<ClientConnection> c = CreateObject<ClientConnection>();
        c->SetAttribute("RequestBytes", UintegerValue(REQUEST));
        c->SetAttribute("ResponseBytes", UintegerValue(RESPONSE));
        Simulator::Schedule(at,
                            &ClientConnection::Start,
                            c,
                            nodes.Get(0),
                            Address(InetSocketAddress(serverAddress, SERVER_PORT)));
        connections.push_back(c);
        return c;
    }

    /**
     * \brief Count connections with an outcome.
     * \param outcome the outcome
     * \return the count
     */
    uint32_t Count(ConnectionOutcome outcome) const
    {
        uint32_t n = 0;
        for (const auto& c : connections)
        {
            n += c->GetOutcome() == outcome ? 1 : 0;
        }
        return n;
    }

    /**
     * \brief Sockets in the client's stock TcpL4Protocol list.
     * \return the count
     */
    uint32_t StockSockets() const
    {
        ObjectVectorValue list;
        nodes.Get(0)->GetObject<TcpL4Protocol>()->GetAttribute("SocketList", list);
        return list.GetN();
    }

    NodeContainer nodes;                            //!< client 0, server 1
    NetDeviceContainer devices;                     //!< their devices
    Ipv4Address serverAddress;                      //!< server address
    Ipv4Address clientAddress;                      //!< client address
    Ptr<ClientTcpStack> stack;                      //!< the client stack, if installed
    std::vector<Ptr<ClientConnection>> connections; //!< connections started
};

TEST_F(ClientTcpStackTest, ManyConnectionsCompleteOnUniquePortsOutsideTheStockList)
{
    Build(true);
    Server server(nodes.Get(1), Server::Mode::CLOSE_FIRST);
    const uint32_t n = 300;
    for (uint32_t i = 0; i < n; ++i)
    {
        StartAt(Seconds(1) + MicroSeconds(200 * i)); // many open at once
    }
    uint32_t maxOpen = 0;
    uint32_t stockDuring = 0;
    Simulator::Schedule(Seconds(1) + MicroSeconds(200 * n), [&]() {
        maxOpen = stack->GetNSockets();
        stockDuring = StockSockets();
    });
    Simulator::Stop(Seconds(20));
    Simulator::Run();
    EXPECT_EQ(Count(ConnectionOutcome::COMPLETED), n);
    EXPECT_EQ(server.accepted, n);
    std::set<uint16_t> ports;
    for (const auto& c : connections)
    {
        EXPECT_GE(c->GetLocalPort(), 32768);
        EXPECT_LE(c->GetLocalPort(), 60999);
        EXPECT_EQ(c->GetBytesReceived(), RESPONSE);
        ports.insert(c->GetLocalPort());
    }
    EXPECT_EQ(ports.size(), n);
    EXPECT_GT(maxOpen, 50u);
    EXPECT_EQ(stockDuring, 0u); // not in ns-3's socket list
    // The server closed first: the clients went through LAST_ACK and were released.
    EXPECT_EQ(stack->GetNSockets(), 0u);
    EXPECT_GT(stack->GetNDelivered(), 3 * n);
    // Late ACKs for connections already CLOSED go to the stock TCP, as they would reach
    // no socket in stock ns-3 either.
    EXPECT_LT(stack->GetNPassedToStock(), n);
}

TEST_F(ClientTcpStackTest, SameOutcomesAsStockSockets)
{
    std::map<bool, std::vector<uint64_t>> results;
    for (bool withStack : {false, true})
    {
        Build(withStack);
        {
            Server ok(nodes.Get(1), Server::Mode::CLOSE_FIRST);
            for (uint32_t i = 0; i < 50; ++i)
            {
                StartAt(Seconds(1) + MilliSeconds(3 * i));
            }
            // To a closed port: refused by ns-3's RST|ACK.
            for (uint32_t i = 0; i < 5; ++i)
            {
                Ptr<ClientConnection> c = CreateObject<ClientConnection>();
                Simulator::Schedule(Seconds(2) + MilliSeconds(i),
                                    &ClientConnection::Start,
                                    c,
                                    nodes.Get(0),
                                    Address(InetSocketAddress(serverAddress, 9)));
                connections.push_back(c);
            }
            Simulator::Stop(Seconds(100));
            Simulator::Run();
            uint64_t bytes = 0;
            uint64_t syns = 0;
            for (const auto& c : connections)
            {
                bytes += c->GetBytesReceived();
                syns += c->GetSynCount();
            }
            results[withStack] = {Count(ConnectionOutcome::COMPLETED),
                                  Count(ConnectionOutcome::REFUSED),
                                  Count(ConnectionOutcome::RESET),
                                  Count(ConnectionOutcome::TIMEOUT),
                                  ok.accepted,
                                  bytes,
                                  syns};
        }
        connections.clear();
        stack = nullptr;
        nodes = NodeContainer();
        devices = NetDeviceContainer();
        Simulator::Destroy();
    }
    EXPECT_EQ(results[true], results[false]);
    EXPECT_EQ(results[true][0], 50u);
    EXPECT_EQ(results[true][1], 5u);
}

TEST_F(ClientTcpStackTest, TimeWaitHoldsThePortThenReleasesIt)
{
    Build(true);
    stack->SetAttribute("LocalPortLow", UintegerValue(40000));
    stack->SetAttribute("LocalPortHigh", UintegerValue(40000));
    Server server(nodes.Get(1), Server::Mode::CLOSE_SECOND);
    Ptr<ClientConnection> first = StartAt(Seconds(1));
    Ptr<ClientConnection> during = StartAt(Seconds(10)); // first is in TIME_WAIT (60 s)
    uint32_t heldDuring = 0;
    Simulator::Schedule(Seconds(10), [&]() { heldDuring = stack->GetNSockets(); });
    Ptr<ClientConnection> after = StartAt(Seconds(70));
    Simulator::Stop(Seconds(150));
    Simulator::Run();
    EXPECT_EQ(first->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_EQ(first->GetLocalPort(), 40000);
    EXPECT_EQ(heldDuring, 1u);
    EXPECT_EQ(during->GetOutcome(), ConnectionOutcome::REFUSED);
    EXPECT_TRUE(during->FailedLocally());
    EXPECT_EQ(after->GetOutcome(), ConnectionOutcome::COMPLETED);
    EXPECT_EQ(after->GetLocalPort(), 40000);
    EXPECT_EQ(stack->GetNSockets(), 0u);
}

TEST_F(ClientTcpStackTest, RstReachesTheRightSockets)
{
    Build(true);
    Server server(nodes.Get(1), Server::Mode::RESET);
    for (uint32_t i = 0; i < 20; ++i)
    {
        StartAt(Seconds(1) + MilliSeconds(i));
    }
    Simulator::Stop(Seconds(20));
    Simulator::Run();
    EXPECT_EQ(Count(ConnectionOutcome::RESET), 20u);
    for (const auto& c : connections)
    {
        EXPECT_TRUE(c->SawRst());
    }
    EXPECT_EQ(stack->GetNSockets(), 0u);
}

TEST_F(ClientTcpStackTest, StraySegmentToUnknownPortGetsStockRst)
{
    Build(true);
    FlagCounter rsts(devices.Get(0), TcpHeader::RST);
    Ptr<TcpL4Protocol> serverTcp = nodes.Get(1)->GetObject<TcpL4Protocol>();
    TcpHeader syn;
    syn.SetFlags(TcpHeader::SYN);
    syn.SetSourcePort(5555);
    syn.SetDestinationPort(12345); // nobody listens on the client
    syn.SetSequenceNumber(SequenceNumber32(1000));
    Simulator::Schedule(Seconds(1),
                        &TcpL4Protocol::SendPacket,
                        serverTcp,
                        Create<Packet>(),
                        syn,
                        Address(serverAddress),
                        Address(clientAddress),
                        Ptr<NetDevice>());
    Simulator::Stop(Seconds(5));
    Simulator::Run();
    EXPECT_EQ(rsts.count, 1u);
    EXPECT_EQ(stack->GetNPassedToStock(), 1u);
    EXPECT_EQ(stack->GetNDelivered(), 0u);
}

TEST_F(ClientTcpStackTest, SocketsAreClientTcpSockets)
{
    Build(true);
    Ptr<ClientTcpSocket> s = stack->CreateSocket();
    EXPECT_EQ(s->GetInstanceTypeId().GetName(), "ns3::ClientTcpSocket");
    EXPECT_EQ(s->Bind(), 0);
    EXPECT_TRUE(s->IsRegistered());
    EXPECT_EQ(stack->GetNSockets(), 1u);
    EXPECT_EQ(StockSockets(), 0u);
    Ptr<ClientTcpSocket> t = stack->CreateSocket();
    Address local;
    s->GetSockName(local);
    EXPECT_EQ(t->Bind(local), -1); // same port
    EXPECT_EQ(t->GetErrno(), Socket::ERROR_ADDRINUSE);
}

} // namespace
} // namespace ns3
