/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Migration point 2 (semantics 10): a request of a stopped listener at its SYN-ACK timer,
// one test per row of the decision table.

#include "migration-fixture.h"

namespace ns3
{
namespace test
{
namespace
{

/// One row of the table of section 10.
struct Row
{
    Config config; //!< configuration
    bool migrates; //!< success: the requests move; otherwise they are dropped silently
    bool failure;  //!< TcpExtTCPMigrateReqFailure per request
    bool hashPick; //!< success by the kernel's hash pick (else: the program's C)
};

class MigrationTimerTest : public MigrationFixture, public ::testing::WithParamInterface<Row>
{
};

// Final ACKs are dropped, so the requests stay on A; A stops at 0.5 s; the first timers
// fire at SYN arrival + 1 s (~1.11 s). Then the ACK filter goes and the clients' data
// retransmissions settle every connection.
TEST_P(MigrationTimerTest, DecisionTableRow)
{
    const Row row = GetParam();
    const uint32_t n = 4;
    Build(n);
    Ptr<ErrorModel> drop = net->DropClientAcks(Seconds(0), Seconds(1.4));
    std::vector<Time> synAckTimes;
    std::vector<Ptr<const ReuseportListener>> synAckVia;
    net->stack->TraceConnectWithoutContext(
        "SynAckSent",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>, bool>(
            [&](const FourTuple&, Ptr<const ReuseportListener> l, bool) {
                synAckTimes.push_back(Simulator::Now());
                synAckVia.push_back(l);
            }));
    for (uint32_t i = 0; i < n; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 12, 1000000);
    }
    Simulator::Schedule(Seconds(0.3), [&]() {
        ListenBC();
        Configure(row.config);
        EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n));
    });
    Simulator::Schedule(Seconds(0.5), [&]() {
        BeforeStop(row.config);
        a->Shutdown();
        AfterStop(row.config);
        EXPECT_EQ(a->GetSynQueueLength(), static_cast<int32_t>(n)); // untouched at stop
    });
    uint64_t timeoutsBefore = 0;
    Simulator::Schedule(Seconds(1.0), [&]() {
        timeoutsBefore = Mib(TcpMib::TCP_TIMEOUTS);
        EXPECT_EQ(timeoutsBefore, 0u);
    });
    Simulator::Schedule(Seconds(1.3), [&]() {
        // After the first expiry of every request.
        int32_t expectB = 0;
        int32_t expectC = 0;
        if (row.migrates)
        {
            for (uint32_t i = 0; i < n; ++i)
            {
                FourTuple t{net->serverAddress,
                            80,
                            net->ClientAddressOf(i),
                            net->connections[i]->GetLocalPort()};
                Ptr<ReuseportListener> target = row.hashPick ? HashPickAfterA(t) : c;
                (target == b ? expectB : expectC)++;
            }
        }
        EXPECT_EQ(a->GetSynQueueLength(), 0);
        EXPECT_EQ(a->GetYoungLength(), 0);
        EXPECT_EQ(b->GetSynQueueLength(), expectB);
        EXPECT_EQ(c->GetSynQueueLength(), expectC);
        // The clone had a timeout: not young any more on its new owner.
        EXPECT_EQ(b->GetYoungLength(), 0);
        EXPECT_EQ(c->GetYoungLength(), 0);
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), row.migrates ? n : 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), row.failure ? n : 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_TIMEOUTS), row.migrates ? n : 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_SYN_RETRANS), row.migrates ? n : 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 0u); // never a RST at the timer
        // A's last request is gone: the shut-down A stays only because it was not closed.
    });
    Simulator::Stop(Seconds(6));
    Simulator::Run();

    ASSERT_GE(synAckTimes.size(), row.migrates ? 2 * n : n);
    if (row.migrates)
    {
        // Each request: SYN-ACK from A at arrival, then from its target exactly 1 s later.
        for (uint32_t i = 0; i < n; ++i)
        {
            EXPECT_EQ(synAckVia[i], a);
            EXPECT_EQ(synAckTimes[n + i] - synAckTimes[i], Seconds(1));
            EXPECT_NE(synAckVia[n + i], a);
        }
    }
    bool migratingProgram = row.config == Config::MIGRATE_PASS_SELECT ||
                            row.config == Config::MIGRATE_PASS_NONE ||
                            row.config == Config::MIGRATE_DROP;
    EXPECT_GE(MigrationRuns(), migratingProgram ? n : 0u);
    if (!migratingProgram)
    {
        EXPECT_EQ(MigrationRuns(), 0u);
    }
    for (size_t i = 0; i < std::min<size_t>(n, seenLen.size()); ++i)
    {
        EXPECT_EQ(seenLen[i], 0u); // no packet at the timer
        EXPECT_EQ(seenState[i], MigratingState::NEW_SYN_RECV);
    }
    // Migrated requests complete with the clients' next data segment; dropped ones are
    // reset by it. Nothing is lost either way.
    EXPECT_EQ(CountOutcome(net->connections, ConnectionOutcome::RESET), row.migrates ? 0u : n);
    ledger->DrainAll(All());
    EXPECT_EQ(ledger->Accepted(), row.migrates ? n : 0u);
    EXPECT_EQ(ledger->Lost(), 0u);
}

std::string
RowName(const ::testing::TestParamInfo<Row>& info)
{
    return ConfigName(info.param.config);
}

const Row g_rows[] = {
    {Config::NO_PROG_SYSCTL0, false, false, false},
    {Config::NO_PROG_SYSCTL1, true, false, true},
    {Config::SELECT_PROG_SYSCTL0, false, false, false},
    {Config::SELECT_PROG_SYSCTL1, true, false, true},
    {Config::MIGRATE_PASS_SELECT, true, false, false},
    {Config::MIGRATE_PASS_NONE, true, false, true},
    {Config::MIGRATE_DROP, false, true, false},
    {Config::NO_LISTENER_LEFT, false, true, false},
    {Config::SYSCTL_OFF_LATER, false, true, false},
};

INSTANTIATE_TEST_SUITE_P(Section10, MigrationTimerTest, ::testing::ValuesIn(g_rows), RowName);

class MigrationTimerEdgeTest : public MigrationFixture
{
};

// The migrated request keeps its timer: after the expiry at 1 s that moved it, the next
// SYN-ACK leaves 2 s later (continued backoff), from the new owner, with the same ISN.
TEST_F(MigrationTimerEdgeTest, BackoffContinues)
{
    Build(1);
    net->DropClientAcks();
    std::vector<Time> at;
    net->stack->TraceConnectWithoutContext(
        "SynAckSent",
        Callback<void, const FourTuple&, Ptr<const ReuseportListener>, bool>(
            [&](const FourTuple&, Ptr<const ReuseportListener>, bool) {
                at.push_back(Simulator::Now());
            }));
    net->Connect(0, Seconds(0.1), 80, 0);
    Simulator::Schedule(Seconds(0.3), [&]() {
        ListenBC();
        net->stack->SetSysctl("tcp_migrate_req", 1);
    });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    Simulator::Stop(Seconds(9));
    Simulator::Run();
    ASSERT_GE(at.size(), 4u);
    EXPECT_EQ(at[1] - at[0], Seconds(1));
    EXPECT_EQ(at[2] - at[0], Seconds(3));
    EXPECT_EQ(at[3] - at[0], Seconds(7));
    // One hop only: afterwards the owner listens.
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 1u);
}

// Retries exhausted after cloning (tcp_synack_retries 0 when the timer fires): the clone is
// discarded and the original dropped; one failure, one timeout, no RST.
TEST_F(MigrationTimerEdgeTest, ExpiredAfterClone)
{
    Build(1);
    net->DropClientAcks(Seconds(0), Seconds(1.4));
    net->Connect(0, Seconds(0.1), 80, 12, 1000000);
    Simulator::Schedule(Seconds(0.3), [&]() {
        ListenBC();
        net->stack->SetSysctl("tcp_migrate_req", 1);
        net->stack->SetSysctl("tcp_synack_retries", 0);
    });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    Simulator::Schedule(Seconds(1.3), [&]() {
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), 1u);
        EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_TIMEOUTS), 1u);
        EXPECT_EQ(Mib(TcpMib::TCP_SYN_RETRANS), 0u);
        EXPECT_EQ(Mib(TcpMib::TCP_OUT_RSTS), 0u);
        EXPECT_EQ(b->GetSynQueueLength() + c->GetSynQueueLength(), 0); // clone's count undone
        EXPECT_EQ(a->GetSynQueueLength(), 0);
        EXPECT_EQ(
            net->stack->GetMigrationCount(MigrationPoint::SYNACK_TIMER, MigrationResult::EXPIRED),
            1u);
        EXPECT_EQ(net->stack->GetEstablishedHash().GetSize(), 0u);
    });
    Simulator::Stop(Seconds(4));
    Simulator::Run();
    EXPECT_EQ(ledger->Lost(), 0u); // the client's data finds nothing: RST
}

// Timer migration ignores the target's SYN-queue limit: backlog 0 takes all four requests.
TEST_F(MigrationTimerEdgeTest, NoSynQueueLimitAtTheTimer)
{
    Build(4);
    net->DropClientAcks();
    for (uint32_t i = 0; i < 4; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 0);
    }
    Simulator::Schedule(Seconds(0.3), [&]() {
        ReuseportHelper reuseport;
        b = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80), 0);
        net->stack->SetSysctl("tcp_migrate_req", 1);
    });
    Simulator::Schedule(Seconds(0.5), [&]() { a->Close(); });
    Simulator::Stop(Seconds(1.5));
    Simulator::Run();
    EXPECT_EQ(b->GetSynQueueLength(), 4);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 4u);
}

// Capability is decided once, at stop-listen: a sysctl turned on later does not make an
// already stopped listener's requests migrate (row 1: no counter).
TEST_F(MigrationTimerEdgeTest, CapabilityDecidedAtStopListen)
{
    Build(2);
    net->DropClientAcks(Seconds(0), Seconds(1.4));
    for (uint32_t i = 0; i < 2; ++i)
    {
        net->Connect(i, Seconds(0.1), 80, 12, 1000000);
    }
    Simulator::Schedule(Seconds(0.3), [&]() { ListenBC(); });
    Simulator::Schedule(Seconds(0.5), [&]() {
        a->Close(); // sysctl 0: A leaves the group
        net->stack->SetSysctl("tcp_migrate_req", 1);
    });
    Simulator::Stop(Seconds(4));
    Simulator::Run();
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_SUCCESS), 0u);
    EXPECT_EQ(Mib(TcpMib::TCP_MIGRATE_REQ_FAILURE), 0u);
    EXPECT_EQ(b->GetSynQueueLength() + c->GetSynQueueLength(), 0);
    EXPECT_EQ(ledger->Lost(), 0u);
}

} // namespace
} // namespace test
} // namespace ns3
