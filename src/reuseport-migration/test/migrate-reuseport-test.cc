/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The kernel's own selftest for socket migration, tools/testing/selftests/bpf/prog_tests/
// migrate_reuseport.c, rebuilt on the model (semantics 15): five listeners, 25 clients tied
// to the first four, everything must end on the fifth. TCP Fast Open cases are out of scope
// (ns-3 has no TFO).

#include "migration-fixture.h"

#include "ns3/reuseport-sock-array.h"

namespace ns3
{
namespace test
{
namespace
{

/// The selftest's cases, without TFO.
enum class Case
{
    ESTABLISHED_LISTEN_STOP, //!< TCP_ESTABLISHED inet_csk_listen_stop
    REQUEST_TIMER,           //!< TCP_NEW_SYN_RECV reqsk_timer_handler
    REQUEST_HASHDANCE,       //!< TCP_NEW_SYN_RECV inet_csk_complete_hashdance
};

/// One run: the case, close() or shutdown(), and the program or the sysctl.
struct Param
{
    Case c;        //!< the case
    bool shutdown; //!< shutdown() (else close())
    bool program;  //!< the selftest's program (else tcp_migrate_req = 1)
};

class MigrateReuseportTest : public ReuseportTest, public ::testing::WithParamInterface<Param>
{
  protected:
    /// The counters of progs/test_migrate_reuseport.c.
    uint32_t migratedAtClose{0};
    uint32_t migratedAtSendSynack{0};
    uint32_t migratedAtRecvAck{0};
};

TEST_P(MigrateReuseportTest, EverythingEndsOnTheFifthListener)
{
    const Param p = GetParam();
    const uint32_t clients = 25;
    // Loopback-like: 50 us links.
    TestNetwork net(clients, MicroSeconds(40), MicroSeconds(10));
    RstRecorder rsts;
    rsts.Attach(net.stack);
    Ledger ledger(net);
    bool dropAck = p.c != Case::ESTABLISHED_LISTEN_STOP;
    if (dropAck)
    {
        // The XDP program: drop every segment to the server with ACK set and SYN clear,
        // until it is removed.
        Time until = p.c == Case::REQUEST_TIMER ? Seconds(1.2) : Seconds(0.35);
        net.DropClientAcks(Seconds(0), until);
    }

    // S0 binds port 0, with the program attached before it listens; S1-S3 reuse its port.
    Ptr<ReuseportSockArray> reuseportMap = CreateObject<ReuseportSockArray>();
    std::map<uint32_t, uint32_t> migrateMap; // listener (its "cookie") -> key
    std::vector<Ptr<ReuseportListener>> s;
    ReuseportHelper reuseport;
    s.push_back(net.stack->CreateListener());
    s[0]->Bind(InetSocketAddress(Ipv4Address::GetAny(), 0));
    if (p.program)
    {
        Ptr<CallbackReuseportProgram> prog = CreateObject<CallbackReuseportProgram>();
        prog->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
        prog->SetCallback(Callback<ProgramVerdict, ReuseportContext&>([&](ReuseportContext& ctx) {
            if (!ctx.IsMigrating())
            {
                return ProgramVerdict::PASS;
            }
            auto key = migrateMap.find(ctx.sk->GetId());
            if (key == migrateMap.end())
            {
                return ProgramVerdict::DROP;
            }
            if (ctx.SelectReuseport(reuseportMap, key->second) != 0)
            {
                return ProgramVerdict::PASS; // no counting
            }
            if (ctx.migratingState == MigratingState::ESTABLISHED)
            {
                ++migratedAtClose;
            }
            else if (ctx.migratingState == MigratingState::NEW_SYN_RECV)
            {
                (ctx.len == 0 ? migratedAtSendSynack : migratedAtRecvAck)++;
            }
            return ProgramVerdict::PASS;
        }));
        EXPECT_EQ(s[0]->AttachProgram(prog), 0);
    }
    else
    {
        net.stack->SetSysctl("tcp_migrate_req", 1);
    }
    ASSERT_EQ(s[0]->Listen(125), 0);
    uint16_t port = s[0]->GetLocal().GetPort();
    for (int i = 1; i < 4; ++i)
    {
        s.push_back(
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), port), 125));
    }
    // 25 clients connect and write 12 bytes while only S0-S3 listen.
    for (uint32_t i = 0; i < clients; ++i)
    {
        net.Connect(i, Seconds(0.1), port, 12, 1000000);
    }
    Simulator::Schedule(Seconds(0.2), [&]() {
        s.push_back(
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), port), 125));
        for (uint32_t i = 0; i < 5; ++i)
        {
            EXPECT_EQ(reuseportMap->Update(i, s[i]), 0);
            migrateMap[s[i]->GetId()] = 4;
        }
        uint32_t queued = 0;
        int32_t requests = 0;
        for (int i = 0; i < 4; ++i)
        {
            queued += s[i]->GetAcceptQueueLength();
            requests += s[i]->GetSynQueueLength();
        }
        EXPECT_EQ(queued, dropAck ? 0u : clients);
        EXPECT_EQ(requests, dropAck ? static_cast<int32_t>(clients) : 0);
    });
    // Step 1: stop S0, S1, S2, S3 in that order.
    Simulator::Schedule(Seconds(0.3), [&]() {
        for (int i = 0; i < 4; ++i)
        {
            if (p.shutdown)
            {
                s[i]->Shutdown();
            }
            else
            {
                s[i]->Close();
            }
        }
        if (p.c == Case::ESTABLISHED_LISTEN_STOP)
        {
            EXPECT_EQ(s[4]->GetAcceptQueueLength(), clients);
        }
        // Step 2: S1 listens again; S4 stops (it left the map: hash pick to S1); S4
        // listens; S1 stops (S4's slot is empty now: hash pick to S4).
        if (p.c == Case::ESTABLISHED_LISTEN_STOP && p.shutdown)
        {
            EXPECT_EQ(s[1]->Listen(), 0);
            s[4]->Shutdown();
            EXPECT_EQ(s[1]->GetAcceptQueueLength(), clients);
            EXPECT_EQ(s[4]->Listen(), 0);
            s[1]->Shutdown();
        }
    });
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    // Step 5: accept 25 times on S4; each connection yields its 12 bytes.
    uint32_t accepted = 0;
    while (Ptr<ReuseportTcpSocket> c = s[4]->Accept())
    {
        ++accepted;
        EXPECT_EQ(c->GetRxAvailable(), 12u);
    }
    EXPECT_EQ(accepted, clients);
    if (p.program)
    {
        uint32_t expected[3] = {0, 0, 0};
        expected[static_cast<int>(p.c)] = clients;
        EXPECT_EQ(migratedAtClose, expected[0]);
        EXPECT_EQ(migratedAtSendSynack, expected[1]);
        EXPECT_EQ(migratedAtRecvAck, expected[2]);
    }
    // Hops counted per migration. The program sends every child straight to S4; the
    // sysctl's hash pick walks the listening section as it shrinks (semantics 2.3):
    // [S0..S4] -> close S0 -> [S4,S1,S2,S3] -> S1 -> [S4,S3,S2] -> S2 -> [S4,S3] -> [S4].
    uint64_t hops = clients;
    if (p.c == Case::ESTABLISHED_LISTEN_STOP && !p.program)
    {
        hops = 0;
        std::vector<std::vector<uint32_t>> sections = {{4, 1, 2, 3}, {4, 3, 2}, {4, 3}, {4}};
        for (uint32_t i = 0; i < clients; ++i)
        {
            FourTuple t{net.serverAddress,
                        port,
                        net.ClientAddressOf(i),
                        net.connections[i]->GetLocalPort()};
            uint32_t h = net.stack->GetFlowHash(t);
            // Steered over [S0, S1, S2, S3] by the wildcard lookup's hash, migrated by h.
            uint32_t at = ReciprocalScale(net.stack->GetFlowHash(WildcardLookup(t)), 4);
            for (uint32_t closing = 0; closing < 4; ++closing)
            {
                if (at == closing)
                {
                    const auto& section = sections[closing];
                    at = section[ReciprocalScale(h, static_cast<uint32_t>(section.size()))];
                    ++hops;
                }
            }
        }
    }
    if (p.c == Case::ESTABLISHED_LISTEN_STOP && p.shutdown)
    {
        hops += 2 * clients; // S4 -> S1 -> S4
    }
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(mib.Get(TcpMib::TCP_MIGRATE_REQ_SUCCESS), hops);
    EXPECT_EQ(mib.Get(TcpMib::TCP_MIGRATE_REQ_FAILURE), 0u);
    EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_TRUE(rsts.rsts.empty());
    EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::RESET), 0u);
    EXPECT_EQ(ledger.Lost(), 0u);
}

std::string
ParamName(const ::testing::TestParamInfo<Param>& info)
{
    const char* cases[] = {"EstablishedListenStop", "RequestTimer", "RequestHashdance"};
    return std::string(cases[static_cast<int>(info.param.c)]) +
           (info.param.shutdown ? "Shutdown" : "Close") +
           (info.param.program ? "Program" : "Sysctl");
}

std::vector<Param>
AllParams()
{
    std::vector<Param> v;
    for (Case c : {Case::ESTABLISHED_LISTEN_STOP, Case::REQUEST_TIMER, Case::REQUEST_HASHDANCE})
    {
        for (bool shutdown : {true, false})
        {
            for (bool program : {true, false})
            {
                v.push_back({c, shutdown, program});
            }
        }
    }
    return v;
}

INSTANTIATE_TEST_SUITE_P(Selftest,
                         MigrateReuseportTest,
                         ::testing::ValuesIn(AllParams()),
                         ParamName);

} // namespace
} // namespace test
} // namespace ns3
