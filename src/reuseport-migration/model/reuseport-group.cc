/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-group.h"

#include "four-tuple.h"
#include "reuseport-listener.h"

#include "ns3/log.h"
#include "ns3/pointer.h"
#include "ns3/string.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportGroup");

NS_OBJECT_ENSURE_REGISTERED(ReuseportGroup);

namespace
{
uint32_t g_nextGroupId = 1;
constexpr int64_t SYNCOOKIE_VALID_S = 120; // TCP_SYNCOOKIE_VALID: two cookie periods
} // namespace

TypeId
ReuseportGroup::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ReuseportGroup")
                            .SetParent<Object>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<ReuseportGroup>();
    return tid;
}

ReuseportGroup::ReuseportGroup()
    : m_socks(INIT_SOCKS),
      m_id(g_nextGroupId++),
      m_selector(CreateObject<HashReuseportSelector>())
{
    NS_LOG_FUNCTION(this << m_id);
}

ReuseportGroup::~ReuseportGroup()
{
    NS_LOG_FUNCTION(this);
}

void
ReuseportGroup::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_socks.clear();
    m_numSocks = 0;
    m_numClosedSocks = 0;
    m_selector = nullptr;
    m_program = nullptr;
    Object::DoDispose();
}

void
ReuseportGroup::SetLocal(Ipv4Address addr, uint16_t port)
{
    m_addr = addr;
    m_port = port;
}

Ipv4Address
ReuseportGroup::GetLocalAddress() const
{
    return m_addr;
}

uint16_t
ReuseportGroup::GetLocalPort() const
{
    return m_port;
}

uint32_t
ReuseportGroup::GetId() const
{
    return m_id;
}

uint32_t
ReuseportGroup::GetNumSocks() const
{
    return m_numSocks;
}

uint32_t
ReuseportGroup::GetNumClosedSocks() const
{
    return m_numClosedSocks;
}

uint32_t
ReuseportGroup::GetMaxSocks() const
{
    return static_cast<uint32_t>(m_socks.size());
}

bool
ReuseportGroup::IsEmpty() const
{
    return m_numSocks == 0 && m_numClosedSocks == 0;
}

Ptr<ReuseportListener>
ReuseportGroup::GetSlot(uint32_t i) const
{
    if (i >= m_socks.size())
    {
        return nullptr;
    }
    // Slots between the two sections may hold stale pointers in the kernel; never report them.
    if (i >= m_numSocks && i < m_socks.size() - m_numClosedSocks)
    {
        return nullptr;
    }
    return m_socks[i];
}

Ptr<ReuseportListener>
ReuseportGroup::GetListening(uint32_t i) const
{
    NS_ASSERT(i < m_numSocks);
    return m_socks[i];
}

std::vector<Ptr<ReuseportListener>>
ReuseportGroup::GetListeningSection() const
{
    return std::vector<Ptr<ReuseportListener>>(m_socks.begin(), m_socks.begin() + m_numSocks);
}

std::vector<Ptr<ReuseportListener>>
ReuseportGroup::GetClosedSection() const
{
    return std::vector<Ptr<ReuseportListener>>(m_socks.end() - m_numClosedSocks, m_socks.end());
}

bool
ReuseportGroup::IsListening(Ptr<const ReuseportListener> l) const
{
    for (uint32_t i = 0; i < m_numSocks; ++i)
    {
        if (m_socks[i] == l)
        {
            return true;
        }
    }
    return false;
}

bool
ReuseportGroup::IsClosedMember(Ptr<const ReuseportListener> l) const
{
    for (uint32_t i = static_cast<uint32_t>(m_socks.size()) - m_numClosedSocks; i < m_socks.size();
         ++i)
    {
        if (m_socks[i] == l)
        {
            return true;
        }
    }
    return false;
}

bool
ReuseportGroup::Grow(Ptr<ReuseportListener>& evicted)
{
    uint32_t max = GetMaxSocks();
    uint32_t more = max * 2;
    if (more > 0xffff)
    {
        if (m_numClosedSocks == 0)
        {
            return false;
        }
        // Its children were migrated at close; only requests refer to it, and they lose
        // the ability to migrate.
        evicted = m_socks[max - m_numClosedSocks];
        NS_LOG_LOGIC("group " << m_id << " full: evicting closed listener " << evicted->GetId());
        DetachClosed(evicted);
        return true;
    }
    std::vector<Ptr<ReuseportListener>> socks(more);
    std::copy(m_socks.begin(), m_socks.begin() + m_numSocks, socks.begin());
    std::copy(m_socks.end() - m_numClosedSocks, m_socks.end(), socks.end() - m_numClosedSocks);
    m_socks.swap(socks);
    NS_LOG_LOGIC("group " << m_id << " grew to " << more << " slots");
    return true;
}

bool
ReuseportGroup::AddListening(Ptr<ReuseportListener> l, Ptr<ReuseportListener>& evicted)
{
    NS_LOG_FUNCTION(this << l);
    evicted = nullptr;
    if (m_numSocks + m_numClosedSocks == GetMaxSocks() && !Grow(evicted))
    {
        return false;
    }
    m_socks[m_numSocks++] = l;
    return true;
}

void
ReuseportGroup::DetachListening(Ptr<ReuseportListener> l)
{
    NS_LOG_FUNCTION(this << l);
    for (uint32_t i = 0; i < m_numSocks; ++i)
    {
        if (m_socks[i] == l)
        {
            m_socks[i] = m_socks[m_numSocks - 1];
            m_socks[m_numSocks - 1] = nullptr;
            --m_numSocks;
            return;
        }
    }
    NS_ASSERT_MSG(false, "listener is not in the listening section");
}

void
ReuseportGroup::AddClosed(Ptr<ReuseportListener> l)
{
    NS_LOG_FUNCTION(this << l);
    NS_ASSERT(m_numSocks + m_numClosedSocks < GetMaxSocks());
    m_socks[GetMaxSocks() - m_numClosedSocks - 1] = l;
    ++m_numClosedSocks;
}

void
ReuseportGroup::DetachClosed(Ptr<ReuseportListener> l)
{
    NS_LOG_FUNCTION(this << l);
    uint32_t lowest = GetMaxSocks() - m_numClosedSocks;
    for (uint32_t i = lowest; i < GetMaxSocks(); ++i)
    {
        if (m_socks[i] == l)
        {
            m_socks[i] = m_socks[lowest];
            m_socks[lowest] = nullptr;
            --m_numClosedSocks;
            return;
        }
    }
    NS_ASSERT_MSG(false, "listener is not in the closed section");
}

void
ReuseportGroup::Detach(Ptr<ReuseportListener> l)
{
    if (IsListening(l))
    {
        DetachListening(l);
    }
    else if (IsClosedMember(l))
    {
        DetachClosed(l);
    }
}

Ptr<ReuseportListener>
ReuseportGroup::PickByHash(uint32_t hash) const
{
    if (m_numSocks == 0)
    {
        return nullptr;
    }
    return m_socks[ReciprocalScale(hash, m_numSocks)];
}

Ptr<ReuseportListener>
ReuseportGroup::PickForMigration(uint32_t hash) const
{
    if (m_numSocks == 0)
    {
        return nullptr;
    }
    uint32_t i = m_selector->Pick(hash, m_numSocks);
    NS_ASSERT_MSG(i < m_numSocks, "selector returned slot " << i << " of " << m_numSocks);
    return m_socks[i];
}

void
ReuseportGroup::SetMigrationSelector(Ptr<ReuseportSelector> selector)
{
    m_selector = selector;
}

Ptr<ReuseportSelector>
ReuseportGroup::GetMigrationSelector() const
{
    return m_selector;
}

void
ReuseportGroup::SetProgram(Ptr<ReuseportProgram> program)
{
    m_program = program;
}

Ptr<ReuseportProgram>
ReuseportGroup::GetProgram() const
{
    return m_program;
}

bool
ReuseportGroup::HasMigratingProgram() const
{
    return m_program && m_program->GetAttachType() == ReuseportProgram::SELECT_OR_MIGRATE;
}

Ptr<ReuseportListener>
ReuseportGroup::GetLookupMember() const
{
    Ptr<ReuseportListener> first;
    for (uint32_t i = 0; i < m_numSocks; ++i)
    {
        if (!first || m_socks[i]->GetHashSequence() > first->GetHashSequence())
        {
            first = m_socks[i];
        }
    }
    return first;
}

void
ReuseportGroup::NoteSynqOverflow(Time now)
{
    m_synqOverflowed = true;
    m_synqOverflowTs = now;
}

bool
ReuseportGroup::HasRecentSynqOverflow(Time now) const
{
    return m_synqOverflowed && now < m_synqOverflowTs + Seconds(SYNCOOKIE_VALID_S);
}

} // namespace ns3
