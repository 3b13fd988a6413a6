/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Migration point 3 (semantics 11): the client's final ACK (or any segment) reaching a
// request of a stopped listener, one test per row of the decision table of 11.2.

#include "migration-fixture.h"

#include "ns3/tcp-flag-drop-model.h"

namespace ns3
{
namespace test
{
namespace
{

/// One row of the table of section 11.2 (the configurations of 8.2).
struct Row
{
    Config config;  //!< configuration
    bool migrates;  //!< the child is created on the target
    bool hashPick;  //!< by the kernel's hash pick (else the program's C)
    bool failure;   //!< TcpExtTCPMigrateReqFailure per request
    RstCause cause; //!< cause of the RST when it does not migrate
};

class MigrationFinalAckTest : public MigrationFixture, public ::testing::WithParamInterface<Row>
{
};

// Server link 200 ms: SYNs reach A at ~0.31 s, final ACKs at ~0.73 s. A stops at 0.5 s.
// Clients send only the ACK, so each request meets exactly one segment.
TEST_P(MigrationFinalAckTest, DecisionTableRow)
{
    const Row row = GetParam();
    const uint32_t n = 4;
    Build(n, MilliSeconds(200));
    for (uint32_t i = 0; i < n; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 0, 1000000);
    }
    Simulator::Schedule(Seconds(0.4), [&]() {
        ListenBC();
        Configure(row.config);
    });
    Simulator::Schedule(Seconds(0.5), [&]() {
        EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n));
        BeforeStop(row.config);
        a->Close();
        AfterStop(row.config);
    });
    Simulator::Stop(Seconds(1.0));
    Simulator::Run();

    uint32_t onB = 0;
    uint32_t onC = 0;
    for (uint32_t i = 0; i < n && row.migrates; ++i)
    {
        FourTuple t{net->serverAddress,
                    80,
                    net->ClientAddressOf(i),
                    net->connections[i]->GetLocalPort()};
        Ptr<ReuseportListener> target = row.hashPick ? HashPickAfterA(t) : c;
        (target == b ? onB : onC)++;
    }
    EXPECT_EQ(b->GetAcceptQueueLength(), onB);
    EXPECT_EQ(c->GetAcceptQueueLength(), onC);
    EXPECT_EQ(a->GetSynQueueLength(), 0);
    // The target's SYN queue is never touched by a migration at the final ACK.
    EXPECT_EQ(b->GetSynQueueLength(), 0);
    EXPECT_EQ(c->GetSynQueueLength(), 0);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), row.migrates ? n : 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), row.failure ? n : 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_PASSIVE_OPENS), row.migrates ? n : 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), row.migrates ? 0u : n);
    EXPECT_EQ(rsts.Count(row.cause), row.migrates ? 0u : n);
    bool migratingProgram = row.config == Config::MIGRATE_PASS_SELECT ||
                            row.config == Config::MIGRATE_PASS_NONE ||
                            row.config == Config::MIGRATE_DROP;
    EXPECT_EQ(MigrationRuns(), migratingProgram ? n : 0u);
    for (size_t i = 0; i < seenLen.size(); ++i)
    {
        EXPECT_GT(seenLen[i], 0u); // the real segment is there
        EXPECT_EQ(seenState[i], MigratingState::NEW_SYN_RECV);
    }
    EXPECT_EQ(CountOutcome(net->connections, ConnectionOutcome::RESET), row.migrates ? 0u : n);
    ledger->DrainAll(All());
    EXPECT_EQ(ledger->Lost(), 0u);
}

std::string
RowName(const ::testing::TestParamInfo<Row>& info)
{
    return ConfigName(info.param.config);
}

const Row g_rows[] = {
    {Config::NO_PROG_SYSCTL0, false, false, false, RstCause::ORPHANED_REQUEST},
    {Config::NO_PROG_SYSCTL1, true, true, false, RstCause::CAUSE_COUNT},
    {Config::SELECT_PROG_SYSCTL0, false, false, false, RstCause::ORPHANED_REQUEST},
    {Config::SELECT_PROG_SYSCTL1, true, true, false, RstCause::CAUSE_COUNT},
    {Config::MIGRATE_PASS_SELECT, true, false, false, RstCause::CAUSE_COUNT},
    {Config::MIGRATE_PASS_NONE, true, true, false, RstCause::CAUSE_COUNT},
    {Config::MIGRATE_DROP, false, false, true, RstCause::PROGRAM_DROP},
    {Config::NO_LISTENER_LEFT, false, false, true, RstCause::MIGRATION_FAILURE},
    {Config::SYSCTL_OFF_LATER, false, false, true, RstCause::MIGRATION_FAILURE},
};

INSTANTIATE_TEST_SUITE_P(Section11, MigrationFinalAckTest, ::testing::ValuesIn(g_rows), RowName);

/// The rows of 11.2 that depend on the target: C holds one child and has backlog 0 (full).
class MigrationFinalAckTargetTest : public MigrationFixture
{
  protected:
    /// Build: C listens alone first and gets one child; then A listens; a program steers
    /// SYNs to A and migrates to C; n requests wait on A when A closes at 1.2 s.
    void Setup(uint32_t n, int cBacklog, bool requestData)
    {
        Build(n + 1, MilliSeconds(200));
        // Build() made A listen; make it stop for C to be alone, then listen again.
        a->Shutdown();
        ReuseportHelper reuseport;
        c = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80), cBacklog);
        net->Connect(n, Seconds(0.01), 80, 0, 1000000); // C's child at ~0.64 s
        Simulator::Schedule(Seconds(0.7), [this]() {
            EXPECT_EQ(c->GetAcceptQueueLength(), 1u);
            EXPECT_EQ(a->Listen(), 0);
            b = ReuseportHelper().Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
            Ptr<CallbackReuseportProgram> p = CreateObject<CallbackReuseportProgram>();
            p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
            Ptr<ReuseportListener> owner = a;
            Ptr<ReuseportListener> target = c;
            p->SetCallback(
                Callback<ProgramVerdict, ReuseportContext&>([owner, target](ReuseportContext& ctx) {
                    ctx.SelectListener(ctx.IsMigrating() ? target : owner);
                    return ProgramVerdict::PASS;
                }));
            EXPECT_EQ(a->AttachProgram(p), 0);
        });
        for (uint32_t i = 0; i < n; ++i)
        {
            net->Connect(i, Seconds(0.75), 80, requestData ? 12 : 0, 1000000);
        }
        // SYNs reach A at ~0.96 s, final ACKs at ~1.38 s; first timers at ~1.96 s.
        Simulator::Schedule(Seconds(1.2), [this, n]() {
            EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n));
            a->Close();
        });
    }
};

// Target's accept queue full, tcp_abort_on_overflow 0: the ACK is ignored, the request
// stays with its old owner, marked acked; every such ACK counts.
TEST_F(MigrationFinalAckTargetTest, TargetFullAckIgnored)
{
    const uint32_t n = 3;
    Setup(n, 0, false);
    Simulator::Stop(Seconds(1.6));
    Simulator::Run();
    EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n));
    EXPECT_EQ(c->GetAcceptQueueLength(), 1u);
    EXPECT_EQ(Mib(TcpMib::LISTEN_OVERFLOWS), n);
    EXPECT_EQ(Mib(TcpMib::LISTEN_DROPS), n);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), n);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 0u);
    EXPECT_EQ(net->stack->GetMigrationCount(MigrationPoint::FINAL_ACK,
                                            MigrationResult::TARGET_QUEUE_FULL),
              n);
}

// The same with tcp_abort_on_overflow 1: a RST, and the kernel's accounting quirk: the
// target's qlen absorbs the decrement, the old owner's stays.
TEST_F(MigrationFinalAckTargetTest, TargetFullAbortOnOverflow)
{
    const uint32_t n = 3;
    Setup(n, 0, false);
    net->stack->SetSysctl("tcp_abort_on_overflow", 1);
    Simulator::Stop(Seconds(1.6));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), n);
    EXPECT_EQ(rsts.Count(RstCause::ABORT_ON_OVERFLOW), n);
    EXPECT_EQ(Mib(TcpMib::EMBRYONIC_RSTS), n);
    EXPECT_EQ(Mib(TcpMib::LISTEN_OVERFLOWS), n);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), n);
    EXPECT_EQ(c->GetSynQueueLength(), -static_cast<int32_t>(n));
    EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n));
    EXPECT_EQ(net->stack->GetEstablishedHash().Count(EstablishedHash::REQUEST), 0u);
    EXPECT_EQ(CountOutcome(net->connections, ConnectionOutcome::RESET), n);
}

// A bare ACK while the target has TCP_DEFER_ACCEPT pending: dropped, acked, the request
// stays with its old owner.
TEST_F(MigrationFinalAckTargetTest, DeferAcceptOnTarget)
{
    const uint32_t n = 2;
    Setup(n, 10, false);
    // After C's own child completed: defer-accept applies to the migrated ones only.
    Simulator::Schedule(Seconds(0.72),
                        [this]() { c->SetAttribute("DeferAccept", TimeValue(Seconds(5))); });
    Simulator::Stop(Seconds(1.6));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_DEFER_ACCEPT_DROP), n);
    EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n));
    EXPECT_EQ(c->GetAcceptQueueLength(), 1u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 0u);
}

// With data after the ACK, TCP_DEFER_ACCEPT lets the data complete the handshake on C.
TEST_F(MigrationFinalAckTargetTest, DataCompletesDespiteDeferAccept)
{
    const uint32_t n = 2;
    Setup(n, 10, true);
    // After C's own child completed: defer-accept applies to the migrated ones only.
    Simulator::Schedule(Seconds(0.72),
                        [this]() { c->SetAttribute("DeferAccept", TimeValue(Seconds(5))); });
    Simulator::Stop(Seconds(1.6));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_DEFER_ACCEPT_DROP), n);   // the bare ACKs
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), n); // the data segments
    EXPECT_EQ(c->GetAcceptQueueLength(), 1u + n);
    EXPECT_EQ(a->GetSynQueueLength(), 0);
}

class MigrationFinalAckEdgeTest : public MigrationFixture
{
};

// T stopped listening before the enqueue (a program closing its own choice stands for the
// race): the child is created, then forgotten with a RST.
TEST_F(MigrationFinalAckEdgeTest, TargetStoppedBeforeEnqueue)
{
    Build(1, MilliSeconds(200));
    net->Connect(0, Seconds(0.1), 80, 0, 1000000);
    Simulator::Schedule(Seconds(0.4), [&]() {
        ListenBC();
        Ptr<CallbackReuseportProgram> p = CreateObject<CallbackReuseportProgram>();
        p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
        Ptr<ReuseportListener> target = c;
        p->SetCallback(Callback<ProgramVerdict, ReuseportContext&>([target](ReuseportContext& ctx) {
            if (ctx.IsMigrating())
            {
                ctx.SelectListener(target);
                target->Close();
            }
            return ProgramVerdict::PASS;
        }));
        b->AttachProgram(p);
    });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_PASSIVE_OPENS), 1u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), 1u);
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 1u);
    EXPECT_EQ(rsts.Count(RstCause::MIGRATION_FAILURE), 1u);
    EXPECT_EQ(ledger->Lost(), 0u);
}

// A retransmitted SYN that reaches a request of a stopped listener: the program runs, the
// SYN-ACK is resent through the target, and nothing migrates.
TEST_F(MigrationFinalAckEdgeTest, RetransmittedSynDoesNotMigrate)
{
    Build(1);
    net->stack->SetAttribute("SynAckTimeout", TimeValue(Seconds(3)));
    // Lose the first SYN-ACK on the way to the client, so that it sends its SYN again.
    Ptr<TcpFlagDropModel> lose = CreateObject<TcpFlagDropModel>();
    lose->SetAttribute("FlagsSet", UintegerValue(TcpHeader::SYN | TcpHeader::ACK));
    lose->SetAttribute("MaxDrops", UintegerValue(1));
    Ptr<PointToPointNetDevice> clientDevice =
        DynamicCast<PointToPointNetDevice>(net->clients.Get(0)->GetDevice(1));
    clientDevice->SetReceiveErrorModel(lose);
    std::vector<Ptr<const ReuseportListener>> via;
    net->stack->TraceConnectWithoutContext(
        "SynAckSent",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>, bool>(
            [&](const FourTuple&, Ptr<const ReuseportListener> l, bool) { via.push_back(l); }));
    net->Connect(0, Seconds(0.1), 80, 0, 1000000);
    Simulator::Schedule(Seconds(0.3), [&]() {
        ListenBC();
        Configure(Config::MIGRATE_PASS_SELECT);
    });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    // The client resends its SYN 1 s after the first (~1.1 s): SYN-ACK via C.
    Simulator::Schedule(Seconds(1.115), [&]() {
        ASSERT_EQ(via.size(), 2u);
        EXPECT_EQ(via[0], a);
        EXPECT_EQ(via[1], c);
        EXPECT_EQ(a->GetSynQueueLength(), 1); // still A's
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), 0u);
        EXPECT_EQ(MigrationRuns(), 1u);
    });
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    // The client's ACK to that SYN-ACK then migrates the request for real.
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 1u);
    EXPECT_EQ(c->GetAcceptQueueLength(), 1u);
}

} // namespace
} // namespace test
} // namespace ns3
