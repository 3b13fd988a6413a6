/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-program.h"

#include "reuseport-group.h"
#include "reuseport-listener.h"
#include "reuseport-sock-array.h"

#include "ns3/enum.h"
#include "ns3/log.h"

#include <cerrno>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportProgram");

NS_OBJECT_ENSURE_REGISTERED(ReuseportProgram);
NS_OBJECT_ENSURE_REGISTERED(CallbackReuseportProgram);

const char*
MigratingStateName(MigratingState state)
{
    switch (state)
    {
    case MigratingState::NONE:
        return "NONE";
    case MigratingState::ESTABLISHED:
        return "ESTABLISHED";
    case MigratingState::SYN_RECV:
        return "SYN_RECV";
    case MigratingState::NEW_SYN_RECV:
        return "NEW_SYN_RECV";
    case MigratingState::CLOSE_WAIT:
        return "CLOSE_WAIT";
    case MigratingState::CLOSE:
        return "CLOSE";
    }
    return "?";
}

bool
ReuseportContext::IsMigrating() const
{
    return migratingState != MigratingState::NONE;
}

std::vector<Ptr<ReuseportListener>>
ReuseportContext::GetListeners() const
{
    return group ? group->GetListeningSection() : std::vector<Ptr<ReuseportListener>>{};
}

int
ReuseportContext::SelectReuseport(Ptr<ReuseportSockArray> map, uint32_t key)
{
    Ptr<ReuseportListener> l = map->Lookup(key);
    if (!l)
    {
        return -ENOENT;
    }
    Ptr<ReuseportGroup> g = l->GetGroup();
    if (!g)
    {
        return -ENOENT; // unhashed by close(): treated as gone
    }
    if (g != group)
    {
        return -EBADFD; // bound elsewhere: another group
    }
    m_selected = l; // the helper does not check the TCP state
    return 0;
}

int
ReuseportContext::SelectListener(Ptr<ReuseportListener> listener)
{
    if (!listener || !group || !group->IsListening(listener))
    {
        return -ENOENT;
    }
    m_selected = listener;
    return 0;
}

Ptr<ReuseportListener>
ReuseportContext::GetSelected() const
{
    return m_selected;
}

TypeId
ReuseportProgram::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ReuseportProgram")
            .SetParent<Object>()
            .SetGroupName("ReuseportMigration")
            .AddAttribute(
                "AttachType",
                "The expected attach type: SELECT runs for SYN steering only; "
                "SELECT_OR_MIGRATE also runs for migration.",
                EnumValue(SELECT),
                MakeEnumAccessor(&ReuseportProgram::SetAttachType,
                                 &ReuseportProgram::GetAttachType),
                MakeEnumChecker(SELECT, "select", SELECT_OR_MIGRATE, "select-or-migrate"));
    return tid;
}

ReuseportProgram::AttachType
ReuseportProgram::GetAttachType() const
{
    return m_attachType;
}

void
ReuseportProgram::SetAttachType(AttachType type)
{
    m_attachType = type;
}

uint64_t
ReuseportProgram::GetRunCount() const
{
    return m_runs;
}

ProgramVerdict
ReuseportProgram::Execute(ReuseportContext& ctx)
{
    ++m_runs;
    ProgramVerdict v = Run(ctx);
    NS_LOG_LOGIC(GetName() << " migrating " << MigratingStateName(ctx.migratingState) << " -> "
                           << (v == ProgramVerdict::PASS ? "SK_PASS" : "SK_DROP")
                           << (ctx.GetSelected() ? " (selected)" : ""));
    return v;
}

TypeId
CallbackReuseportProgram::GetTypeId()
{
    static TypeId tid = TypeId("ns3::CallbackReuseportProgram")
                            .SetParent<ReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<CallbackReuseportProgram>();
    return tid;
}

void
CallbackReuseportProgram::SetCallback(Callback<ProgramVerdict, ReuseportContext&> program)
{
    m_program = program;
}

ProgramVerdict
CallbackReuseportProgram::Run(ReuseportContext& ctx)
{
    return m_program.IsNull() ? ProgramVerdict::PASS : m_program(ctx);
}

std::string
CallbackReuseportProgram::GetName() const
{
    return "callback";
}

} // namespace ns3
