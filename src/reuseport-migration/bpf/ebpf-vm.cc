/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ebpf-vm.h"

#include "bpf-error.h"
#include "ebpf-context.h"

#include "ns3/log.h"

#include <cerrno>
#include <cstring>
#include <limits>
#include <type_traits>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("EbpfVm");

EbpfVm::EbpfVm(EbpfProgram program)
    : m_program(std::move(program))
{
    std::memset(m_ctx, 0, sizeof(m_ctx));
    std::memset(m_stack, 0, sizeof(m_stack));
    std::memset(m_socks, 0, sizeof(m_socks));
    const std::vector<BpfMapDef>& defs = m_program.GetMaps();
    m_maps.reserve(defs.size()); // values must not move: programs hold pointers into them
    for (const BpfMapDef& def : defs)
    {
        BpfMapDef storage = def;
        if (def.type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
        {
            storage.maxEntries = 0; // its sockets live in the model's ReuseportSockArray
        }
        m_maps.emplace_back(storage);
    }
    for (BpfMap& m : m_maps)
    {
        const BpfMapDef& d = m.GetDef();
        m_values.push_back(
            Values{m.GetValues(), d.valueSize, d.valueSize * d.maxEntries, d.readOnly});
    }
}

const EbpfProgram&
EbpfVm::GetProgram() const
{
    return m_program;
}

void
EbpfVm::SetBudget(uint64_t budget)
{
    m_budget = budget;
}

BpfMap*
EbpfVm::GetMap(uint32_t index)
{
    if (index >= m_maps.size() || m_maps[index].GetDef().type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
    {
        return nullptr;
    }
    return &m_maps[index];
}

int32_t
EbpfVm::FindMap(const std::string& name) const
{
    const std::vector<BpfMapDef>& defs = m_program.GetMaps();
    for (size_t i = 0; i < defs.size(); ++i)
    {
        if (defs[i].name == name)
        {
            return static_cast<int32_t>(i);
        }
    }
    return -1;
}

uint64_t
EbpfVm::GetLastInsnCount() const
{
    return m_lastCount;
}

void
EbpfVm::Fault(size_t pc, const std::string& why) const
{
    throw BpfRuntimeError(m_program.GetName(), static_cast<int64_t>(pc), why);
}

std::string
EbpfVm::Describe(uint64_t addr, uint32_t size, bool write) const
{
    uint32_t region = static_cast<uint32_t>(addr >> 32);
    uint32_t off = static_cast<uint32_t>(addr);
    std::string what =
        std::string(write ? "write of " : "read of ") + std::to_string(size) + " bytes ";
    switch (region)
    {
    case 0:
        return what + "at address " + std::to_string(addr) + ": NULL pointer dereference";
    case bpfaddr::CTX:
        return what + "at offset " + std::to_string(off) + " of sk_reuseport_md (" +
               ContextFieldName(off) + (write ? "): the context is read-only" : ")");
    case bpfaddr::STACK:
        return what + "at frame pointer " +
               std::to_string(static_cast<int64_t>(off) - bpfaddr::STACK_BASE - m_stackLow -
                              bpfaddr::STACK_SIZE) +
               ": outside the 512-byte stack";
    case bpfaddr::PACKET:
        return what + "at packet offset " + std::to_string(off) + " of " +
               std::to_string(m_run ? m_run->dataLen : 0) + " (read-only, data..data_end)";
    case bpfaddr::SK:
    case bpfaddr::MIGRATING_SK:
        return what + "at offset " + std::to_string(off) + " of struct bpf_sock (80 bytes, " +
               "read-only)";
    }
    if (region >= bpfaddr::MAP_VALUE && region - bpfaddr::MAP_VALUE < m_values.size())
    {
        const BpfMapDef& d = m_program.GetMaps()[region - bpfaddr::MAP_VALUE];
        return what + "at offset " + std::to_string(off) + " of the values of map " + d.name +
               " (" + std::to_string(d.valueSize) + " bytes each" +
               (d.readOnly ? ", read-only)" : ")");
    }
    if (region >= bpfaddr::MAP && region < bpfaddr::MAP + bpfaddr::MAX_MAPS)
    {
        return what + "through a map pointer";
    }
    return what + "at address " + std::to_string(addr) + ", which points nowhere";
}

} // namespace ns3
