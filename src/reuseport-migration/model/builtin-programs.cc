/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "builtin-programs.h"

#include "four-tuple.h"
#include "reuseport-listener.h"

#include "ns3/boolean.h"
#include "ns3/string.h"

#include <cstdlib>
#include <sstream>

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(PreferNewestGenerationProgram);
NS_OBJECT_ENSURE_REGISTERED(ExcludeLabelsProgram);
NS_OBJECT_ENSURE_REGISTERED(RoundRobinProgram);
NS_OBJECT_ENSURE_REGISTERED(LeastLoadedProgram);
NS_OBJECT_ENSURE_REGISTERED(DropAllProgram);

namespace
{
/// Select candidates[reciprocal_scale(hash, n)], as the kernel spreads flows.
ProgramVerdict
SelectByHash(ReuseportContext& ctx, const std::vector<Ptr<ReuseportListener>>& candidates)
{
    if (!candidates.empty())
    {
        ctx.SelectListener(
            candidates[ReciprocalScale(ctx.hash, static_cast<uint32_t>(candidates.size()))]);
    }
    return ProgramVerdict::PASS;
}
} // namespace

TypeId
PreferNewestGenerationProgram::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::PreferNewestGenerationProgram")
            .SetParent<ReuseportProgram>()
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
PreferNewestGenerationProgram::Run(ReuseportContext& ctx)
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
            .SetParent<ReuseportProgram>()
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
ExcludeLabelsProgram::Run(ReuseportContext& ctx)
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
                            .SetParent<ReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<RoundRobinProgram>();
    return tid;
}

ProgramVerdict
RoundRobinProgram::Run(ReuseportContext& ctx)
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
                            .SetParent<ReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<LeastLoadedProgram>();
    return tid;
}

ProgramVerdict
LeastLoadedProgram::Run(ReuseportContext& ctx)
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
                            .SetParent<ReuseportProgram>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<DropAllProgram>();
    return tid;
}

ProgramVerdict
DropAllProgram::Run(ReuseportContext&)
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
