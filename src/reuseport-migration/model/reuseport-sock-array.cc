/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-sock-array.h"

#include "reuseport-group.h"
#include "reuseport-listener.h"

#include "ns3/uinteger.h"

#include <cerrno>

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(ReuseportSockArray);

TypeId
ReuseportSockArray::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ReuseportSockArray")
                            .SetParent<Object>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<ReuseportSockArray>()
                            .AddAttribute("MaxEntries",
                                          "Number of slots (max_entries).",
                                          UintegerValue(64),
                                          MakeUintegerAccessor(&ReuseportSockArray::m_maxEntries),
                                          MakeUintegerChecker<uint32_t>(1));
    return tid;
}

ReuseportSockArray::ReuseportSockArray()
    : m_maxEntries(64)
{
}

uint32_t
ReuseportSockArray::GetMaxEntries() const
{
    return m_maxEntries;
}

int
ReuseportSockArray::Update(uint32_t key, Ptr<ReuseportListener> listener)
{
    if (key >= m_maxEntries)
    {
        return -E2BIG;
    }
    if (!listener || !listener->IsListening() || !listener->GetGroup())
    {
        return -EINVAL; // a TCP socket must be a hashed listener in a group
    }
    if (m_slots.size() < m_maxEntries)
    {
        m_slots.resize(m_maxEntries);
    }
    m_slots[key] = Slot{listener, listener->GetListenEpoch()};
    return 0;
}

int
ReuseportSockArray::Delete(uint32_t key)
{
    if (key >= m_slots.size() || !m_slots[key].listener)
    {
        return -ENOENT;
    }
    m_slots[key] = Slot{};
    return 0;
}

Ptr<ReuseportListener>
ReuseportSockArray::Lookup(uint32_t key) const
{
    if (key >= m_slots.size())
    {
        return nullptr;
    }
    const Slot& s = m_slots[key];
    // Stopping to listen removed the socket from every map; its old slot reads empty.
    if (!s.listener || s.listener->GetListenEpoch() != s.epoch)
    {
        return nullptr;
    }
    return s.listener;
}

} // namespace ns3
