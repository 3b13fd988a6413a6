/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Migration point 1 (semantics 9): accept-queue children at close() and shutdown(), one
// test per row of the decision table.

#include "migration-fixture.h"

namespace ns3
{
namespace test
{
namespace
{

/// Where a child should end up.
enum class Landing
{
    RESET,     //!< aborted with a RST
    HASH_PICK, //!< the kernel's hash pick over [C, B]
    TARGET_C,  //!< the program's selection
};

/// One row of the table of section 9.
struct Row
{
    Config config;   //!< configuration
    bool shutdown;   //!< shutdown() instead of close()
    Landing landing; //!< where each child goes
    RstCause cause;  //!< cause of the RSTs, if any
    bool failure;    //!< TcpExtTCPMigrateReqFailure per child
};

class MigrationCloseTest : public MigrationFixture, public ::testing::WithParamInterface<Row>
{
};

TEST_P(MigrationCloseTest, DecisionTableRow)
{
    const Row row = GetParam();
    const uint32_t n = 4;
    Build(n);
    for (uint32_t i = 0; i < n; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 12, 1000000); // 12 bytes, as the selftest writes
    }
    Simulator::Schedule(Seconds(0.5), [&]() {
        ListenBC();
        Configure(row.config);
    });
    Simulator::Schedule(Seconds(1), [&]() {
        EXPECT_EQ(a->GetAcceptQueueLength(), n);
        BeforeStop(row.config);
        if (row.shutdown)
        {
            a->Shutdown();
        }
        else
        {
            a->Close();
        }
        AfterStop(row.config);
        EXPECT_EQ(a->GetAcceptQueueLength(), 0u);
    });
    std::vector<std::pair<FourTuple, Ptr<ReuseportListener>>> expected;
    Simulator::Schedule(Seconds(1.1), [&]() {
        // Where each connection is now, from the established hash and the accept queues.
        uint32_t onB = 0;
        uint32_t onC = 0;
        uint32_t wantB = 0;
        uint32_t wantC = 0;
        for (uint32_t i = 0; i < n; ++i)
        {
            FourTuple t{net->serverAddress,
                        80,
                        net->ClientAddressOf(i),
                        net->connections[i]->GetLocalPort()};
            if (row.landing == Landing::HASH_PICK)
            {
                (HashPickAfterA(t) == b ? wantB : wantC)++;
            }
        }
        if (row.landing == Landing::TARGET_C)
        {
            wantC = n;
        }
        onB = b->GetAcceptQueueLength();
        onC = c->GetAcceptQueueLength();
        EXPECT_EQ(onB, wantB);
        EXPECT_EQ(onC, wantC);
    });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    bool reset = row.landing == Landing::RESET;
    EXPECT_EQ(rsts.rsts.size(), reset ? n : 0u);
    EXPECT_EQ(rsts.Count(row.cause), reset ? n : 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), reset ? n : 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_ESTAB_RESETS), reset ? n : 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), reset ? 0u : n);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), row.failure ? n : 0u);
    EXPECT_EQ(net->stack->GetMigrationCount(MigrationPoint::CLOSE, MigrationResult::SUCCESS),
              reset ? 0u : n);
    // A SELECT program never runs for migration; a migrating one sees len 0 and ESTABLISHED.
    bool migratingProgram = row.config == Config::MIGRATE_PASS_SELECT ||
                            row.config == Config::MIGRATE_PASS_NONE ||
                            row.config == Config::MIGRATE_DROP;
    EXPECT_EQ(MigrationRuns(), migratingProgram ? n : 0u);
    for (size_t i = 0; i < seenLen.size(); ++i)
    {
        EXPECT_EQ(seenLen[i], 0u);
        EXPECT_EQ(seenState[i], MigratingState::ESTABLISHED);
    }
    // Migrated children carry their 12 bytes; the client saw a working connection.
    for (auto& l : {b, c})
    {
        while (Ptr<ReuseportTcpSocket> s = l->Accept())
        {
            EXPECT_EQ(s->GetRxAvailable(), 12u);
            EXPECT_EQ(s->GetState(), TcpSocket::ESTABLISHED);
        }
    }
    EXPECT_EQ(CountOutcome(net->connections, ConnectionOutcome::RESET), reset ? n : 0u);
    ledger->DrainAll(All());
    EXPECT_EQ(ledger->Lost(), 0u);
}

std::string
RowName(const ::testing::TestParamInfo<Row>& info)
{
    return ConfigName(info.param.config) + (info.param.shutdown ? "Shutdown" : "Close");
}

const Row g_rows[] = {
    {Config::NO_PROG_SYSCTL0, false, Landing::RESET, RstCause::ACCEPT_QUEUE_PURGE, false},
    {Config::NO_PROG_SYSCTL1, false, Landing::HASH_PICK, RstCause::CAUSE_COUNT, false},
    {Config::SELECT_PROG_SYSCTL0, false, Landing::RESET, RstCause::ACCEPT_QUEUE_PURGE, false},
    {Config::SELECT_PROG_SYSCTL1, false, Landing::HASH_PICK, RstCause::CAUSE_COUNT, false},
    {Config::MIGRATE_PASS_SELECT, false, Landing::TARGET_C, RstCause::CAUSE_COUNT, false},
    {Config::MIGRATE_PASS_NONE, false, Landing::HASH_PICK, RstCause::CAUSE_COUNT, false},
    {Config::MIGRATE_DROP, false, Landing::RESET, RstCause::PROGRAM_DROP, true},
    {Config::NO_LISTENER_LEFT, false, Landing::RESET, RstCause::MIGRATION_FAILURE, true},
    {Config::NO_PROG_SYSCTL0, true, Landing::RESET, RstCause::ACCEPT_QUEUE_PURGE, false},
    {Config::NO_PROG_SYSCTL1, true, Landing::HASH_PICK, RstCause::CAUSE_COUNT, false},
    {Config::MIGRATE_PASS_SELECT, true, Landing::TARGET_C, RstCause::CAUSE_COUNT, false},
    {Config::MIGRATE_DROP, true, Landing::RESET, RstCause::PROGRAM_DROP, true},
};

INSTANTIATE_TEST_SUITE_P(Section9, MigrationCloseTest, ::testing::ValuesIn(g_rows), RowName);

class MigrationCloseEdgeTest : public MigrationFixture
{
};

// "Chosen target not LISTEN at enqueue": a program that closes its own choice before
// returning stands for the race the kernel guards against. The child is forgotten with a
// RST; the failure is counted.
TEST_F(MigrationCloseEdgeTest, TargetStoppedBeforeEnqueue)
{
    Build(1);
    net->Connect(0, Seconds(0.1), 80, 12, 1000000);
    Simulator::Schedule(Seconds(0.5), [&]() {
        ListenBC();
        Ptr<CallbackReuseportProgram> p = CreateObject<CallbackReuseportProgram>();
        p->SetAttachType(ReuseportProgram::SELECT_OR_MIGRATE);
        Ptr<ReuseportListener> target = c;
        p->SetCallback(Callback<ProgramVerdict, ReuseportContext&>([target](ReuseportContext& ctx) {
            if (ctx.IsMigrating())
            {
                EXPECT_EQ(ctx.SelectListener(target), 0);
                target->Close();
            }
            return ProgramVerdict::PASS;
        }));
        b->AttachProgram(p);
    });
    Simulator::Schedule(Seconds(1), [&]() { a->Close(); });
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    EXPECT_EQ(rsts.Count(RstCause::MIGRATION_FAILURE), 1u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), 1u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_ESTAB_RESETS), 1u);
    EXPECT_EQ(
        net->stack->GetMigrationCount(MigrationPoint::CLOSE, MigrationResult::TARGET_NOT_LISTENING),
        1u);
    EXPECT_EQ(ledger->Lost(), 0u);
}

// No backlog check at close: a target with backlog 0 takes all four children.
TEST_F(MigrationCloseEdgeTest, NoBacklogCheckAtClose)
{
    Build(4);
    for (uint32_t i = 0; i < 4; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 12, 1000000);
    }
    Simulator::Schedule(Seconds(0.5), [&]() {
        ReuseportHelper reuseport;
        b = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80), 0);
        net->stack->SetSysctl("tcp_migrate_req", 1);
    });
    Simulator::Schedule(Seconds(1), [&]() { a->Close(); });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(b->GetMaxAckBacklog(), 0u);
    EXPECT_EQ(b->GetAcceptQueueLength(), 4u); // limit 0 admits one; migration ignores it
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 4u);
    EXPECT_EQ(Mib(TcpMib::LISTEN_OVERFLOWS), 0u);
}

// Migration at close does not wake the target's acceptors (inet_csk_reqsk_queue_add calls
// no sk_data_ready); a connection that completes there does (tcp_child_process).
TEST_F(MigrationCloseEdgeTest, MigratedChildrenDoNotWakeTheTarget)
{
    Build(3);
    for (uint32_t i = 0; i < 2; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 12, 1000000);
    }
    uint32_t wakeups = 0;
    Simulator::Schedule(Seconds(0.5), [&]() {
        ReuseportHelper reuseport;
        b = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
        b->SetAcceptCallback(
            Callback<void, Ptr<ReuseportListener>>([&](Ptr<ReuseportListener>) { ++wakeups; }));
        net->stack->SetSysctl("tcp_migrate_req", 1);
    });
    Simulator::Schedule(Seconds(1), [&]() { a->Close(); });
    Simulator::Schedule(Seconds(1.5), [&]() {
        EXPECT_EQ(b->GetAcceptQueueLength(), 2u);
        EXPECT_EQ(wakeups, 0u);
    });
    net->Connect(2, Seconds(2), 80, 12, 1000000); // completes on B, the only listener
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    EXPECT_EQ(b->GetAcceptQueueLength(), 3u);
    EXPECT_EQ(wakeups, 1u); // only the connection that completed on B woke it
}

} // namespace
} // namespace test
} // namespace ns3
