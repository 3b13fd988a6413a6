/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RPM_TEST_NETWORK_H
#define RPM_TEST_NETWORK_H

#include "ns3/client-connection.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/ppp-header.h"
#include "ns3/reuseport-helper.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-stack.h"
#include "ns3/reuseport-tcp-socket.h"
#include "ns3/tcp-header.h"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace ns3
{
namespace test
{

/**
 * \brief Clients behind a router, one server: the network most tests run on.
 *
 * client_i --(access link)-- router --(server link)-- server. The one-way delay from a
 * client to the server is accessDelay + serverDelay (plus serialisation).
 */
struct TestNetwork
{
    NodeContainer clients;                   //!< client hosts
    Ptr<Node> router;                        //!< the router
    Ptr<Node> server;                        //!< the server host
    Ptr<ReuseportStack> stack;               //!< the server's listener model
    Ipv4Address serverAddress;               //!< the server's address
    Ptr<PointToPointNetDevice> serverDevice; //!< the server's interface
    PointToPointHelper serverLink;           //!< helper of the server link (for pcaps)

    /**
     * \param nClients client hosts
     * \param accessDelay one-way delay of each client link
     * \param serverDelay one-way delay of the server link
     * \param rate data rate of every link
     */
    TestNetwork(uint32_t nClients,
                Time accessDelay = MilliSeconds(10),
                Time serverDelay = MilliSeconds(1),
                const std::string& rate = "1Gbps");

    /**
     * \brief Open a client connection at a given time.
     * \param client index of the client host
     * \param at start time
     * \param port server port
     * \param requestBytes request size (0: send nothing)
     * \param responseBytes expected response size
     * \return the connection
     */
    Ptr<ClientConnection> Connect(uint32_t client,
                                  Time at,
                                  uint16_t port,
                                  uint32_t requestBytes = 100,
                                  uint32_t responseBytes = 1000);

    /**
     * \brief Drop, on arrival at the server, client segments with ACK set and SYN clear
     * (the final ACK and everything after it), like the kernel selftest's XDP program.
     * \param start window start
     * \param stop window end
     * \return the error model
     */
    Ptr<ErrorModel> DropClientAcks(Time start = Seconds(0), Time stop = Time::Max());

    /**
     * \brief Capture every packet of the server's interface, both ways, to a pcap file.
     * \param path the file
     * \return the file; Close() it before reading it back
     */
    Ptr<PcapFileWrapper> CaptureServerPcap(const std::string& path);

    /**
     * \param i index into connections
     * \return the address of the client host of that connection
     */
    Ipv4Address ClientAddressOf(uint32_t i) const;

    std::vector<Ptr<ClientConnection>> connections; //!< every connection opened
    std::vector<uint32_t> connectionClient;         //!< client host of each connection
};

/**
 * \brief One TCP segment seen on a device.
 */
struct Segment
{
    Time time;        //!< When it started transmission
    uint8_t flags;    //!< TCP flags
    uint32_t payload; //!< TCP payload bytes
};

/**
 * \brief Records every TCP segment a point-to-point device starts sending.
 */
class WireTap
{
  public:
    /**
     * \brief Attach to a device's PhyTxBegin trace.
     * \param device the device
     */
    explicit WireTap(Ptr<NetDevice> device)
        : m_device(device)
    {
        device->TraceConnectWithoutContext("PhyTxBegin", MakeCallback(&WireTap::Record, this));
    }

    ~WireTap()
    {
        m_device->TraceDisconnectWithoutContext("PhyTxBegin", MakeCallback(&WireTap::Record, this));
    }

    /**
     * \brief Segments with all of some flags set.
     * \param flags the flags
     * \return their start times
     */
    std::vector<Time> With(uint8_t flags) const
    {
        std::vector<Time> times;
        for (const auto& s : segments)
        {
            if ((s.flags & flags) == flags)
            {
                times.push_back(s.time);
            }
        }
        return times;
    }

    std::vector<Segment> segments; //!< Segments in transmission order

  private:
    /**
     * \brief Trace sink.
     * \param p the frame, PPP header included
     */
    void Record(Ptr<const Packet> p)
    {
        Ptr<Packet> copy = p->Copy();
        PppHeader ppp;
        Ipv4Header ip;
        TcpHeader tcp;
        copy->RemoveHeader(ppp);
        copy->RemoveHeader(ip);
        if (ip.GetProtocol() != 6)
        {
            return;
        }
        copy->RemoveHeader(tcp);
        segments.push_back({Simulator::Now(), tcp.GetFlags(), copy->GetSize()});
    }

    Ptr<NetDevice> m_device; //!< The tapped device
};

/**
 * \brief The tuple whose hash steers a segment to a group bound to 0.0.0.0.
 *
 * __inet_lookup_listener hashes the address it looked up, so a wildcard group steers by
 * (0.0.0.0, port, peer), while requests and children keep the whole tuple's hash (sk_hash),
 * which migration uses.
 * \param t the segment's tuple
 * \return t with the local address 0.0.0.0
 */
inline FourTuple
WildcardLookup(FourTuple t)
{
    t.local = Ipv4Address::GetAny();
    return t;
}

/**
 * \brief Base fixture: fixed seed, and a clean simulator and configuration afterwards.
 */
class ReuseportTest : public ::testing::Test
{
  protected:
    void SetUp() override;
    void TearDown() override;
};

/**
 * \brief Records every RST the server sends, with its cause, from the stack's trace.
 */
struct RstRecorder
{
    /// One RST.
    struct Entry
    {
        FourTuple tuple; //!< connection
        RstCause cause;  //!< why
        Time at;         //!< when
    };

    std::vector<Entry> rsts; //!< in order

    /**
     * \param stack the stack to watch
     */
    void Attach(Ptr<ReuseportStack> stack);

    /**
     * \param cause a cause
     * \return RSTs with that cause
     */
    uint32_t Count(RstCause cause) const;

    /// \return distinct client (address, port) pairs that got a RST
    uint32_t DistinctPeers() const;

  private:
    /**
     * \param t tuple
     * \param cause cause
     */
    void Record(const FourTuple& t, RstCause cause);
};

/**
 * \brief "Nothing lost": every client connection is accepted exactly once, or reset with a
 * recorded cause. Records accepts and RSTs from the stack's traces.
 */
class Ledger
{
  public:
    /**
     * \param net the network (its stack is watched)
     */
    explicit Ledger(TestNetwork& net);

    /**
     * \brief Accept everything still queued on these listeners.
     * \param listeners the listeners
     */
    void DrainAll(const std::vector<Ptr<ReuseportListener>>& listeners);

    /**
     * \brief Check every connection of the network; report each lost one.
     * \return the number of connections that were neither accepted once nor reset
     */
    uint32_t Lost() const;

    /// \return connections accepted (by any listener), counted per connection
    uint32_t Accepted() const;

    /**
     * \param l a listener
     * \return connections accepted from it
     */
    uint32_t AcceptedFrom(Ptr<const ReuseportListener> l) const;

  private:
    /// A connection's key: client address and port.
    using Key = std::pair<uint32_t, uint16_t>;

    TestNetwork& m_net;                          //!< the network
    std::map<Key, uint32_t> m_accepted;          //!< accepts per connection
    std::map<Key, std::vector<RstCause>> m_rsts; //!< RSTs per connection
    std::map<uint32_t, uint32_t> m_acceptedFrom; //!< accepts per listener id
};

/**
 * \param c connections
 * \param outcome an outcome
 * \return how many have it
 */
uint32_t CountOutcome(const std::vector<Ptr<ClientConnection>>& c, ConnectionOutcome outcome);

} // namespace test
} // namespace ns3

#endif /* RPM_TEST_NETWORK_H */
