/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "builtin-programs.h"

#include "four-tuple.h"
#include "reuseport-listener.h"

#include "ns3/boolean.h"
#include "ns3/enum.h"
#include "ns3/string.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(BuiltinReuseportProgram);
NS_OBJECT_ENSURE_REGISTERED(PreferNewestGenerationProgram);
NS_OBJECT_ENSURE_REGISTERED(ExcludeLabelsProgram);
NS_OBJECT_ENSURE_REGISTERED(RoundRobinProgram);
NS_OBJECT_ENSURE_REGISTERED(LeastLoadedProgram);
NS_OBJECT_ENSURE_REGISTERED(DropAllProgram);

bool
WorkerOrder(const Ptr<ReuseportListener>& a, const Ptr<ReuseportListener>& b)
{
    unsigned long wa = std::strtoul(a->GetLabel("worker").c_str(), nullptr, 10);
    unsigned long wb = std::strtoul(b->GetLabel("worker").c_str(), nullptr, 10);
    return wa != wb ? wa < wb : a->GetId() < b->GetId();
}

TypeId
BuiltinReuseportProgram::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::BuiltinReuseportProgram")
            .SetParent<ReuseportProgram>()
            .SetGroupName("ReuseportMigration")
            .AddAttribute("Scope",
                          "When the program acts: every run, or only migrations (SYNs then "
                          "pass without a selection).",
                          EnumValue(BuiltinReuseportProgram::ALL),
                          MakeEnumAccessor(&BuiltinReuseportProgram::m_scope),
                          MakeEnumChecker(BuiltinReuseportProgram::ALL,
                                          "all",
                                          BuiltinReuseportProgram::MIGRATION,
                                          "migration"))
            .AddAttribute("Pick",
                          "How the flow hash picks a candidate: reciprocal_scale(hash, n) in "
                          "listening order, or hash % n in worker order.",
                          EnumValue(BuiltinReuseportProgram::RECIPROCAL_SCALE),
                          MakeEnumAccessor(&BuiltinReuseportProgram::m_pick),
                          MakeEnumChecker(BuiltinReuseportProgram::RECIPROCAL_SCALE,
                                          "reciprocal-scale",
                                          BuiltinReuseportProgram::MODULO,
                                          "modulo"));
    return tid;
}

ProgramVerdict
BuiltinReuseportProgram::Run(ReuseportContext& ctx)
{
    if (m_scope == MIGRATION && !ctx.IsMigrating())
    {
        return ProgramVerdict::PASS;
    }
    return DoRun(ctx);
}

ProgramVerdict
BuiltinReuseportProgram::SelectByHash(ReuseportContext& ctx,
                                      std::vector<Ptr<ReuseportListener>> candidates) const
{
    if (candidates.empty())
    {
        return ProgramVerdict::PASS;
    }
    auto n = static_cast<uint32_t>(candidates.size());
    if (m_pick == RECIPROCAL_SCALE)
    {
        ctx.SelectListener(candidates[ReciprocalScale(ctx.hash, n)]);
        return ProgramVerdict::PASS;
    }
    std::sort(candidates.begin(), candidates.end(), WorkerOrder);
    ctx.SelectListener(candidates[ctx.hash % n]);
    return ProgramVerdict::PASS;
}

TypeId
PreferNewestGenerationProgram::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::PreferNewestGenerationProgram")
            .SetParent<BuiltinReuseportProgram>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<PreferNewestGenerationProgram>()
            .AddAttribute("Label",
                          "The numeric listener label; the highest value wins.",
                          StringValue("generation"),
                          MakeStringAccessor(&PreferNewestGenerationProgram::m_label),
                          MakeStringChecker());
    return tid;
}

ProgramVerdict
PreferNewestGenerationProgram::DoRun(ReuseportContext& ctx)
{
    std::vector<Ptr<ReuseportListener>> newest;
    long best = 0;
    for (const auto& l : ctx.GetListeners())
    {
        std::string v = l->GetLabel(m_label);
        if (v.empty())
        {
            continue;
        }
        long g = std::strtol(v.c_str(), nullptr, 10);
        if (newest.empty() || g > best)
        {
            newest.clear();
            best = g;
        }
        if (g == best)
        {
            newest.push_back(l);
        }
    }
    return SelectByHash(ctx, newest);
}

std::string
PreferNewestGenerationProgram::GetName() const
{
    return "prefer-newest-generation";
}

TypeId
ExcludeLabelsProgram::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ExcludeLabelsProgram")
            .SetParent<BuiltinReuseportProgram>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<ExcludeLabelsProgram>()
            .AddAttribute("Exclude",
                          "Listeners carrying any of these labels are never selected: "
                          "comma-separated key=value pairs.",
                          StringValue(""),
                          MakeStringAccessor(&ExcludeLabelsProgram::SetExclude,
                                             &ExcludeLabelsProgram::GetExclude),
                          MakeStringChecker())
            .AddAttribute("DropWhenEmpty",
                          "Drop (SK_DROP) when every listener is excluded, instead of "
                          "passing to the kernel's hash pick.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ExcludeLabelsProgram::m_dropWhenEmpty),
                          MakeBooleanChecker());
    return tid;
}

void
ExcludeLabelsProgram::SetExclude(const std::string& spec)
{
    m_exclude.clear();
    std::istringstream is(spec);
    std::string item;
    while (std::getline(is, item, ','))
    {
        auto eq = item.find('=');
        if (eq != std::string::npos)
        {
            m_exclude.emplace_back(item.substr(0, eq), item.substr(eq + 1));
        }
    }
}

std::string
ExcludeLabelsProgram::GetExclude() const
{
    std::string s;
    for (const auto& [k, v] : m_exclude)
    {
        s += (s.empty() ? "" : ",") + k + "=" + v;
    }
    return s;
}

ProgramVerdict
ExcludeLabelsProgram::DoRun(ReuseportContext& ctx)
{
    std::vector<Ptr<ReuseportListener>> allowed;
    for (const auto& l : ctx.GetListeners())
    {
        bool excluded = false;
        for (const auto& [k, v] : m_exclude)
        {
            excluded = excluded || l->GetLabel(k) == v;
        }
        if (!excluded)
        {
            allowed.push_back(l);
        }
    }
    if (allowed.empty() && m_dropWhenEmpty)
    {
        return ProgramVerdict::DROP;
    }
    return SelectByHash(ctx, allowed);
}

std::string
ExcludeLabelsProgram::GetName() const
{
    return "exclude-labels";
}

TypeId
RoundRobinProgram::GetTypeId()
{
    static TypeId tid = TypeId("ns3::RoundRobinProgram")
                            .SetParent<BuiltinReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<RoundRobinProgram>();
    return tid;
}

ProgramVerdict
RoundRobinProgram::DoRun(ReuseportContext& ctx)
{
    auto listeners = ctx.GetListeners();
    if (!listeners.empty())
    {
        ctx.SelectListener(listeners[m_next++ % listeners.size()]);
    }
    return ProgramVerdict::PASS;
}

std::string
RoundRobinProgram::GetName() const
{
    return "round-robin";
}

TypeId
LeastLoadedProgram::GetTypeId()
{
    static TypeId tid = TypeId("ns3::LeastLoadedProgram")
                            .SetParent<BuiltinReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<LeastLoadedProgram>();
    return tid;
}

ProgramVerdict
LeastLoadedProgram::DoRun(ReuseportContext& ctx)
{
    std::vector<Ptr<ReuseportListener>> shortest;
    uint32_t best = 0;
    for (const auto& l : ctx.GetListeners())
    {
        uint32_t q = l->GetAcceptQueueLength();
        if (shortest.empty() || q < best)
        {
            shortest.clear();
            best = q;
        }
        if (q == best)
        {
            shortest.push_back(l);
        }
    }
    return SelectByHash(ctx, shortest);
}

std::string
LeastLoadedProgram::GetName() const
{
    return "least-loaded";
}

TypeId
DropAllProgram::GetTypeId()
{
    static TypeId tid = TypeId("ns3::DropAllProgram")
                            .SetParent<BuiltinReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<DropAllProgram>();
    return tid;
}

ProgramVerdict
DropAllProgram::DoRun(ReuseportContext&)
{
    return ProgramVerdict::DROP;
}

std::string
DropAllProgram::GetName() const
{
    return "drop-all";
}

Ptr<ReuseportProgram>
CreateBuiltinProgram(const std::string& name)
{
    if (name == "prefer-newest-generation")
    {
        return CreateObject<PreferNewestGenerationProgram>();
    }
    if (name == "exclude-labels")
    {
        return CreateObject<ExcludeLabelsProgram>();
    }
    if (name == "round-robin")
    {
        return CreateObject<RoundRobinProgram>();
    }
    if (name == "least-loaded")
    {
        return CreateObject<LeastLoadedProgram>();
    }
    if (name == "drop-all")
    {
        return CreateObject<DropAllProgram>();
    }
    return nullptr;
}

std::vector<std::string>
GetBuiltinProgramNames()
{
    return {"prefer-newest-generation",
            "exclude-labels",
            "round-robin",
            "least-loaded",
            "drop-all"};
}

} // namespace ns3
