/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Compiled programs (programs/*.bpf.o) running in the model: the kernel selftest
// migrate_reuseport with its program as an object, migrate-to-new spreading migrated children
// by hash % n, and refuse-migration (semantics 8.2 rows 3-5, 9, 15).

#include "migration-fixture.h"

#include "ns3/bpf-reuseport-program.h"
#include "ns3/ppp-header.h"
#include "ns3/reuseport-sock-array.h"

#include <map>

namespace ns3
{
namespace test
{
namespace
{

std::string
Program(const std::string& name)
{
    return std::string(RPM_BPF_DIR) + "/" + name + ".bpf.o";
}

/// The selftest's cases, without TFO (as in migrate-reuseport-test.cc).
enum class Case
{
    ESTABLISHED_LISTEN_STOP, //!< TCP_ESTABLISHED inet_csk_listen_stop
    REQUEST_TIMER,           //!< TCP_NEW_SYN_RECV reqsk_timer_handler
    REQUEST_HASHDANCE,       //!< TCP_NEW_SYN_RECV inet_csk_complete_hashdance
};

/// One run: the case, and shutdown() or close().
struct Param
{
    Case c;        //!< the case
    bool shutdown; //!< shutdown() (else close())
};

class BpfMigrateReuseportTest : public ReuseportTest, public ::testing::WithParamInterface<Param>
{
};

/// counters[which] of the selftest program.
uint64_t
Counter(Ptr<BpfReuseportProgram> prog, uint32_t which)
{
    uint64_t v = 0;
    EXPECT_TRUE(prog->LookupElem("counters", &which, &v));
    return v;
}

TEST_P(BpfMigrateReuseportTest, EverythingEndsOnTheFifthListener)
{
    const Param p = GetParam();
    const uint32_t clients = 25;
    TestNetwork net(clients, MicroSeconds(40), MicroSeconds(10));
    RstRecorder rsts;
    rsts.Attach(net.stack);
    Ledger ledger(net);
    bool dropAck = p.c != Case::ESTABLISHED_LISTEN_STOP;
    if (dropAck)
    {
        Time until = p.c == Case::REQUEST_TIMER ? Seconds(1.2) : Seconds(0.35);
        net.DropClientAcks(Seconds(0), until);
    }

    Ptr<BpfReuseportProgram> prog = CreateObject<BpfReuseportProgram>();
    prog->Load(Program("migrate-reuseport"));
    ASSERT_EQ(prog->GetAttachType(), ReuseportProgram::SELECT_OR_MIGRATE);
    Ptr<ReuseportSockArray> reuseportMap = prog->GetSockArray("reuseport_map");
    EXPECT_EQ(reuseportMap->GetMaxEntries(), 256u);

    std::vector<Ptr<ReuseportListener>> s;
    ReuseportHelper reuseport;
    s.push_back(net.stack->CreateListener());
    s[0]->Bind(InetSocketAddress(Ipv4Address::GetAny(), 0));
    EXPECT_EQ(s[0]->AttachProgram(prog), 0);
    ASSERT_EQ(s[0]->Listen(125), 0);
    uint16_t port = s[0]->GetLocal().GetPort();
    for (int i = 1; i < 4; ++i)
    {
        s.push_back(
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), port), 125));
    }
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
            uint64_t cookie = BpfReuseportProgram::GetSocketCookie(s[i]);
            int32_t key = 4;
            EXPECT_EQ(prog->UpdateElem("migrate_map", &cookie, &key), 0);
        }
    });
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

    uint32_t accepted = 0;
    while (Ptr<ReuseportTcpSocket> c = s[4]->Accept())
    {
        ++accepted;
        EXPECT_EQ(c->GetRxAvailable(), 12u);
    }
    EXPECT_EQ(accepted, clients);
    // The program's own counters, by migration point (semantics 15.3).
    uint64_t expected[4] = {0, 0, 0, 0};
    expected[p.c == Case::ESTABLISHED_LISTEN_STOP ? 0
             : p.c == Case::REQUEST_TIMER         ? 2
                                                  : 3] = clients;
    for (uint32_t which = 0; which < 4; ++which)
    {
        EXPECT_EQ(Counter(prog, which), expected[which]) << "counter " << which;
    }
    // One hop each, straight to S4; the shutdown case adds S4 -> S1 -> S4 by hash pick.
    uint64_t hops = clients;
    if (p.c == Case::ESTABLISHED_LISTEN_STOP && p.shutdown)
    {
        hops += 2 * clients;
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
           (info.param.shutdown ? "Shutdown" : "Close");
}

INSTANTIATE_TEST_SUITE_P(Selftest,
                         BpfMigrateReuseportTest,
                         ::testing::Values(Param{Case::ESTABLISHED_LISTEN_STOP, true},
                                           Param{Case::ESTABLISHED_LISTEN_STOP, false},
                                           Param{Case::REQUEST_TIMER, true},
                                           Param{Case::REQUEST_TIMER, false},
                                           Param{Case::REQUEST_HASHDANCE, true},
                                           Param{Case::REQUEST_HASHDANCE, false}),
                         ParamName);

class BpfProgramModelTest : public ReuseportTest
{
  protected:
    /// Every listener a child was queued at, per connection, in order.
    std::map<std::pair<uint32_t, uint16_t>, std::vector<uint32_t>> queuedAt;

    void Track(TestNetwork& net)
    {
        net.stack->TraceConnectWithoutContext(
            "ChildQueued",
            Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
                [this](const FourTuple& t, Ptr<const ReuseportListener> l) {
                    queuedAt[{t.remote.Get(), t.remotePort}].push_back(l->GetId());
                }));
    }
};

// Old listeners A and B own the connections; new C, D, E listen; A and B close. SYNs were
// steered by the kernel's hash pick (the program passes without selecting); each migrated
// child goes to new_listeners[hash % 3].
TEST_F(BpfProgramModelTest, MigrateToNewSpreadsByHashModuloN)
{
    const uint32_t clients = 30;
    TestNetwork net(clients, MicroSeconds(40), MicroSeconds(10));
    RstRecorder rsts;
    rsts.Attach(net.stack);
    Track(net);
    Ptr<BpfReuseportProgram> prog = CreateObject<BpfReuseportProgram>();
    prog->Load(Program("migrate-to-new"));
    ReuseportHelper reuseport;
    InetSocketAddress any(Ipv4Address::GetAny(), 80);
    Ptr<ReuseportListener> a = net.stack->CreateListener();
    a->Bind(any);
    EXPECT_EQ(a->AttachProgram(prog), 0);
    ASSERT_EQ(a->Listen(128), 0);
    Ptr<ReuseportListener> b = reuseport.Listen(net.server, any, 128);
    std::vector<Ptr<ReuseportListener>> fresh;
    for (uint32_t i = 0; i < clients; ++i)
    {
        net.Connect(i, Seconds(0.1), 80, 12, 1000000);
    }
    Simulator::Schedule(Seconds(0.2), [&]() {
        for (uint32_t k = 0; k < 3; ++k)
        {
            fresh.push_back(reuseport.Listen(net.server, any, 128));
            EXPECT_EQ(prog->GetSockArray("new_listeners")->Update(k, fresh[k]), 0);
        }
        uint32_t zero = 0;
        uint32_t n = 3;
        EXPECT_EQ(prog->UpdateElem("new_count", &zero, &n), 0);
        EXPECT_EQ(a->GetAcceptQueueLength() + b->GetAcceptQueueLength(), clients);
    });
    Simulator::Schedule(Seconds(0.3), [&]() {
        a->Close();
        b->Close();
    });
    Simulator::Stop(Seconds(1));
    Simulator::Run();

    std::map<uint32_t, uint32_t> perListener;
    for (uint32_t i = 0; i < clients; ++i)
    {
        FourTuple t{net.serverAddress,
                    80,
                    net.ClientAddressOf(i),
                    net.connections[i]->GetLocalPort()};
        uint32_t h = net.stack->GetFlowHash(t);
        const std::vector<uint32_t>& at = queuedAt[{t.remote.Get(), t.remotePort}];
        ASSERT_EQ(at.size(), 2u) << "connection " << i;
        // Steering over [A, B] by the kernel's reciprocal_scale of the wildcard lookup's
        // hash, then the program's sk_hash % 3.
        uint32_t steer = net.stack->GetFlowHash(WildcardLookup(t));
        Ptr<ReuseportListener> steered = ReciprocalScale(steer, 2) == 0 ? a : b;
        EXPECT_EQ(at[0], steered->GetId()) << "connection " << i;
        EXPECT_EQ(at[1], fresh[h % 3]->GetId()) << "connection " << i;
        perListener[fresh[h % 3]->GetId()]++;
    }
    uint32_t total = 0;
    for (const Ptr<ReuseportListener>& l : fresh)
    {
        EXPECT_EQ(l->GetAcceptQueueLength(), perListener[l->GetId()]);
        EXPECT_GT(l->GetAcceptQueueLength(), 0u); // spread, not all on one
        total += l->GetAcceptQueueLength();
    }
    EXPECT_EQ(total, clients);
    const TcpMib& mib = net.stack->GetMib();
    EXPECT_EQ(mib.Get(TcpMib::TCP_MIGRATE_REQ_SUCCESS), clients);
    EXPECT_EQ(mib.Get(TcpMib::TCP_MIGRATE_REQ_FAILURE), 0u);
    EXPECT_TRUE(rsts.rsts.empty());
    // Steering 30 SYNs (each may be seen again by the lookup, e.g. for its final ACK) and
    // 30 migrations: the program ran at least 60 times.
    EXPECT_GE(prog->GetRunCount(), 2u * clients);
}

/// What one run of the selftest's close case shows: each child's listeners, and the counters.
struct Outcome
{
    std::vector<std::vector<uint32_t>> placements; //!< per connection, listener indexes
    std::vector<uint64_t> mib;                     //!< success, failure, RSTs
    uint32_t accepted{0};                          //!< accepted on S4
};

/// The selftest's established case with close(): its program as C++ (0), as the object (1),
/// or migrate-to-new.bpf.o with S4 as the only new listener (2).
Outcome
SelftestClose(int which)
{
    bool compiled = which != 0;
    const uint32_t clients = 25;
    TestNetwork net(clients, MicroSeconds(40), MicroSeconds(10));
    std::vector<Ptr<ReuseportListener>> s;
    std::map<std::pair<uint32_t, uint16_t>, std::vector<uint32_t>> queued;
    net.stack->TraceConnectWithoutContext(
        "ChildQueued",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>>(
            [&](const FourTuple& t, Ptr<const ReuseportListener> l) {
                uint32_t index = 0;
                while (index < s.size() && s[index] != l)
                {
                    ++index;
                }
                queued[{t.remote.Get(), t.remotePort}].push_back(index);
            }));
    Ptr<ReuseportSockArray> reuseportMap;
    std::map<uint32_t, uint32_t> migrateMap;
    Ptr<ReuseportProgram> prog;
    Ptr<BpfReuseportProgram> bpf;
    if (compiled)
    {
        bpf = CreateObject<BpfReuseportProgram>();
        bpf->Load(Program(which == 1 ? "migrate-reuseport" : "migrate-to-new"));
        reuseportMap = bpf->GetSockArray(which == 1 ? "reuseport_map" : "new_listeners");
        prog = bpf;
    }
    else
    {
        // The C++ callback of migrate-reuseport-test.cc.
        reuseportMap = CreateObject<ReuseportSockArray>();
        Ptr<CallbackReuseportProgram> cb = CreateObject<CallbackReuseportProgram>();
        cb->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
        cb->SetCallback(Callback<ProgramVerdict, ReuseportContext&>([&](ReuseportContext& ctx) {
            if (!ctx.IsMigrating())
            {
                return ProgramVerdict::PASS;
            }
            auto key = migrateMap.find(ctx.sk->GetId());
            if (key == migrateMap.end())
            {
                return ProgramVerdict::DROP;
            }
            ctx.SelectReuseport(reuseportMap, key->second);
            return ProgramVerdict::PASS;
        }));
        prog = cb;
    }
    ReuseportHelper reuseport;
    s.push_back(net.stack->CreateListener());
    s[0]->Bind(InetSocketAddress(Ipv4Address::GetAny(), 0));
    EXPECT_EQ(s[0]->AttachProgram(prog), 0);
    EXPECT_EQ(s[0]->Listen(125), 0);
    uint16_t port = s[0]->GetLocal().GetPort();
    for (int i = 1; i < 4; ++i)
    {
        s.push_back(
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), port), 125));
    }
    for (uint32_t i = 0; i < clients; ++i)
    {
        net.Connect(i, Seconds(0.1), port, 12, 1000000);
    }
    Simulator::Schedule(Seconds(0.2), [&]() {
        s.push_back(
            reuseport.Listen(net.server, InetSocketAddress(Ipv4Address::GetAny(), port), 125));
        if (which == 2)
        {
            uint32_t zero = 0;
            uint32_t one = 1;
            EXPECT_EQ(reuseportMap->Update(0, s[4]), 0);
            EXPECT_EQ(bpf->UpdateElem("new_count", &zero, &one), 0);
        }
        for (uint32_t i = 0; i < 5 && which != 2; ++i)
        {
            EXPECT_EQ(reuseportMap->Update(i, s[i]), 0);
            migrateMap[s[i]->GetId()] = 4;
            if (bpf)
            {
                uint64_t cookie = BpfReuseportProgram::GetSocketCookie(s[i]);
                int32_t key = 4;
                EXPECT_EQ(bpf->UpdateElem("migrate_map", &cookie, &key), 0);
            }
        }
    });
    Simulator::Schedule(Seconds(0.3), [&]() {
        for (int i = 0; i < 4; ++i)
        {
            s[i]->Close();
        }
    });
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    Outcome o;
    for (uint32_t i = 0; i < clients; ++i)
    {
        o.placements.push_back(
            queued[{net.ClientAddressOf(i).Get(), net.connections[i]->GetLocalPort()}]);
    }
    const TcpMib& mib = net.stack->GetMib();
    o.mib = {mib.Get(TcpMib::TCP_MIGRATE_REQ_SUCCESS),
             mib.Get(TcpMib::TCP_MIGRATE_REQ_FAILURE),
             mib.Get(TcpMib::TCP_OUT_RSTS)};
    while (s[4]->Accept())
    {
        ++o.accepted;
    }
    s.clear();
    Simulator::Destroy();
    return o;
}

// The same traffic with the C++ callback, the compiled selftest program and migrate-to-new
// (one new listener, S4): the same listener for every child at every step, the same counters.
// A program reads the SYN's TCP header through data and data_end: the destination port,
// the SYN flag and the header length the segment had on the wire, and data_end - data ==
// len (the whole segment, from its TCP header on).
TEST_F(BpfProgramModelTest, DataAndDataEndHoldTheSegment)
{
    TestNetwork net(1, MicroSeconds(40), MicroSeconds(10));
    uint32_t wireHeader = 0;
    net.serverDevice->TraceConnectWithoutContext(
        "MacRx",
        Callback<void, Ptr<const Packet>>([&wireHeader](Ptr<const Packet> p) {
            Ptr<Packet> copy = p->Copy();
            PppHeader ppp; // MacRx passes the frame as it arrived
            copy->RemoveHeader(ppp);
            Ipv4Header ip;
            copy->RemoveHeader(ip);
            TcpHeader th;
            copy->PeekHeader(th);
            if (wireHeader == 0 && (th.GetFlags() & TcpHeader::SYN))
            {
                wireHeader = th.GetLength() * 4;
            }
        }));
    Ptr<BpfReuseportProgram> prog = CreateObject<BpfReuseportProgram>();
    prog->Load(std::string(RPM_BPF_TEST_DIR) + "/tcp-header.bpf.o");
    Ptr<ReuseportListener> l = net.stack->CreateListener();
    l->Bind(InetSocketAddress(Ipv4Address::GetAny(), 80));
    ASSERT_EQ(l->AttachProgram(prog), 0);
    ASSERT_EQ(l->Listen(128), 0);
    net.Connect(0, Seconds(0.1), 80, 12, 0);
    Simulator::Stop(Seconds(1));
    Simulator::Run();

    auto seen = [&prog](uint32_t key) {
        uint64_t v = 0;
        EXPECT_TRUE(prog->LookupElem("seen", &key, &v));
        return v;
    };
    ASSERT_GT(wireHeader, 20u); // a SYN carries options
    EXPECT_EQ(seen(0), 80u);
    EXPECT_EQ(seen(1), wireHeader);
    EXPECT_EQ(seen(2), wireHeader); // no payload
    EXPECT_EQ(seen(3), 1u);
    EXPECT_EQ(seen(4), wireHeader);
    EXPECT_EQ(seen(5), 0u);
}

TEST_F(BpfProgramModelTest, CompiledSelftestProgramDecidesLikeTheCallback)
{
    Outcome cpp = SelftestClose(0);
    Outcome bpf = SelftestClose(1);
    Outcome toNew = SelftestClose(2); // hash % 1: the same single target
    ASSERT_EQ(cpp.placements.size(), 25u);
    EXPECT_EQ(bpf.placements, cpp.placements);
    EXPECT_EQ(bpf.mib, cpp.mib);
    EXPECT_EQ(bpf.accepted, cpp.accepted);
    EXPECT_EQ(toNew.placements, cpp.placements);
    EXPECT_EQ(toNew.mib, cpp.mib);
    // And what the kernel's selftest expects: steered to S0-S3, then straight to S4.
    for (const std::vector<uint32_t>& p : bpf.placements)
    {
        ASSERT_EQ(p.size(), 2u);
        EXPECT_LT(p[0], 4u);
        EXPECT_EQ(p[1], 4u);
    }
    EXPECT_EQ(bpf.mib, (std::vector<uint64_t>{25, 0, 0}));
    EXPECT_EQ(bpf.accepted, 25u);
}

// Without new listeners (new_count = 0) the program refuses: every child is reset.
TEST_F(BpfProgramModelTest, RefuseMigrationResetsEveryChild)
{
    for (const char* name : {"refuse-migration", "migrate-to-new"})
    {
        const uint32_t clients = 10;
        TestNetwork net(clients, MicroSeconds(40), MicroSeconds(10));
        RstRecorder rsts;
        rsts.Attach(net.stack);
        Ptr<BpfReuseportProgram> prog = CreateObject<BpfReuseportProgram>();
        prog->Load(Program(name));
        ReuseportHelper reuseport;
        InetSocketAddress any(Ipv4Address::GetAny(), 80);
        Ptr<ReuseportListener> a = net.stack->CreateListener();
        a->Bind(any);
        EXPECT_EQ(a->AttachProgram(prog), 0);
        ASSERT_EQ(a->Listen(128), 0);
        for (uint32_t i = 0; i < clients; ++i)
        {
            net.Connect(i, Seconds(0.1), 80, 12, 1000000);
        }
        Ptr<ReuseportListener> b;
        Simulator::Schedule(Seconds(0.2), [&]() { b = reuseport.Listen(net.server, any, 128); });
        Simulator::Schedule(Seconds(0.3), [&]() { a->Close(); });
        Simulator::Stop(Seconds(1));
        Simulator::Run();
        // Semantics 9, SK_DROP: each child aborted with a RST, Failure+1 each.
        const TcpMib& mib = net.stack->GetMib();
        EXPECT_EQ(mib.Get(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u) << name;
        EXPECT_EQ(mib.Get(TcpMib::TCP_MIGRATE_REQ_FAILURE), clients) << name;
        EXPECT_EQ(mib.Get(TcpMib::TCP_OUT_RSTS), clients) << name;
        EXPECT_EQ(CountOutcome(net.connections, ConnectionOutcome::RESET), clients) << name;
        EXPECT_EQ(b->GetAcceptQueueLength(), 0u) << name;
        Simulator::Destroy();
    }
}

} // namespace
} // namespace test
} // namespace ns3
