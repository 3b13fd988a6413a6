/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "migration-fixture.h"

namespace ns3
{
namespace test
{

std::string
ConfigName(Config c)
{
    switch (c)
    {
    case Config::NO_PROG_SYSCTL0:
        return "NoProgSysctl0";
    case Config::NO_PROG_SYSCTL1:
        return "NoProgSysctl1";
    case Config::SELECT_PROG_SYSCTL0:
        return "SelectProgSysctl0";
    case Config::SELECT_PROG_SYSCTL1:
        return "SelectProgSysctl1";
    case Config::MIGRATE_PASS_SELECT:
        return "MigratePassSelect";
    case Config::MIGRATE_PASS_NONE:
        return "MigratePassNone";
    case Config::MIGRATE_DROP:
        return "MigrateDrop";
    case Config::NO_LISTENER_LEFT:
        return "NoListenerLeft";
    case Config::SYSCTL_OFF_LATER:
        return "SysctlOffLater";
    }
    return "?";
}

void
MigrationFixture::Build(uint32_t clients, Time serverDelay)
{
    net = std::make_unique<TestNetwork>(clients, MilliSeconds(10), serverDelay);
    ledger = std::make_unique<Ledger>(*net);
    rsts.Attach(net->stack);
    ReuseportHelper reuseport;
    a = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
}

void
MigrationFixture::ListenBC()
{
    ReuseportHelper reuseport;
    b = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
    c = reuseport.Listen(net->server, InetSocketAddress(Ipv4Address::GetAny(), 80));
}

void
MigrationFixture::Configure(Config cfg)
{
    bool sysctl = cfg == Config::NO_PROG_SYSCTL1 || cfg == Config::SELECT_PROG_SYSCTL1 ||
                  cfg == Config::NO_LISTENER_LEFT || cfg == Config::SYSCTL_OFF_LATER;
    net->stack->SetSysctl("tcp_migrate_req", sysctl ? 1 : 0);
    bool select = cfg == Config::SELECT_PROG_SYSCTL0 || cfg == Config::SELECT_PROG_SYSCTL1;
    bool migrate = cfg == Config::MIGRATE_PASS_SELECT || cfg == Config::MIGRATE_PASS_NONE ||
                   cfg == Config::MIGRATE_DROP;
    if (!select && !migrate)
    {
        return;
    }
    program = CreateObject<CallbackReuseportProgram>();
    program->SetAttachType(migrate ? ReuseportProgram::SELECT_OR_MIGRATE
                                   : ReuseportProgram::SELECT);
    Ptr<ReuseportListener> target = c;
    program->SetCallback(
        Callback<ProgramVerdict, ReuseportContext&>([this, cfg, target](ReuseportContext& ctx) {
            ++programRuns;
            if (!ctx.IsMigrating())
            {
                return ProgramVerdict::PASS; // steering: the kernel's hash pick
            }
            ++migrationRuns;
            seenLen.push_back(ctx.len);
            seenState.push_back(ctx.migratingState);
            if (cfg == Config::MIGRATE_DROP)
            {
                return ProgramVerdict::DROP;
            }
            if (cfg != Config::MIGRATE_PASS_NONE)
            {
                ctx.SelectListener(target); // a SELECT program would choose C too, if run
            }
            return ProgramVerdict::PASS;
        }));
    EXPECT_EQ(b->AttachProgram(program), 0);
}

void
MigrationFixture::BeforeStop(Config cfg)
{
    if (cfg == Config::NO_LISTENER_LEFT)
    {
        b->Shutdown();
        c->Shutdown();
    }
}

void
MigrationFixture::AfterStop(Config cfg)
{
    if (cfg == Config::SYSCTL_OFF_LATER)
    {
        net->stack->SetSysctl("tcp_migrate_req", 0);
    }
}

Ptr<ReuseportListener>
MigrationFixture::HashPickAfterA(const FourTuple& t) const
{
    // Semantics 2.3: A (slot 0) is replaced by the last listening entry: [C, B].
    std::vector<Ptr<ReuseportListener>> section{c, b};
    return section[ReciprocalScale(net->stack->GetFlowHash(t), 2)];
}

uint32_t
MigrationFixture::MigrationRuns() const
{
    return migrationRuns;
}

uint32_t
MigrationFixture::ProgramRuns() const
{
    return programRuns;
}

std::vector<Ptr<ReuseportListener>>
MigrationFixture::All() const
{
    return {a, b, c};
}

uint64_t
MigrationFixture::Mib(TcpMib::Counter name) const
{
    return net->stack->GetMib().Get(name);
}

} // namespace test
} // namespace ns3
