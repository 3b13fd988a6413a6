/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "bpf-map.h"

#include <cerrno>
#include <cstring>
#include <linux/bpf.h>

namespace ns3
{

BpfMap::BpfMap(const BpfMapDef& def)
    : m_def(def),
      m_isHash(def.type == BPF_MAP_TYPE_HASH),
      m_values(static_cast<size_t>(def.maxEntries) * def.valueSize, 0)
{
    if (!def.data.empty())
    {
        std::memcpy(m_values.data(), def.data.data(), std::min(def.data.size(), m_values.size()));
    }
    if (m_isHash)
    {
        m_key.reserve(def.maxEntries);
        for (uint32_t s = def.maxEntries; s > 0; --s)
        {
            m_free.push_back(s - 1); // slot 0 is used first
        }
    }
}

const BpfMapDef&
BpfMap::GetDef() const
{
    return m_def;
}

int32_t
BpfMap::Lookup(const uint8_t* key) const
{
    if (!m_isHash)
    {
        uint32_t index;
        std::memcpy(&index, key, sizeof(index));
        return index < m_def.maxEntries ? static_cast<int32_t>(index) : NO_SLOT;
    }
    auto it = m_key.find(std::string(reinterpret_cast<const char*>(key), m_def.keySize));
    return it == m_key.end() ? NO_SLOT : static_cast<int32_t>(it->second);
}

int64_t
BpfMap::Update(const uint8_t* key, const uint8_t* value, uint64_t flags)
{
    if (flags > BPF_EXIST)
    {
        return -EINVAL;
    }
    int32_t slot = Lookup(key);
    if (!m_isHash)
    {
        if (slot == NO_SLOT)
        {
            return -E2BIG;
        }
        if (flags == BPF_NOEXIST)
        {
            return -EEXIST; // every array element exists
        }
    }
    else if (slot == NO_SLOT)
    {
        if (flags == BPF_EXIST)
        {
            return -ENOENT;
        }
        if (m_free.empty())
        {
            return -E2BIG;
        }
        slot = static_cast<int32_t>(m_free.back());
        m_free.pop_back();
        m_key.emplace(std::string(reinterpret_cast<const char*>(key), m_def.keySize), slot);
    }
    else if (flags == BPF_NOEXIST)
    {
        return -EEXIST;
    }
    std::memcpy(&m_values[static_cast<size_t>(slot) * m_def.valueSize], value, m_def.valueSize);
    return 0;
}

int64_t
BpfMap::Delete(const uint8_t* key)
{
    if (!m_isHash)
    {
        return -EINVAL;
    }
    auto it = m_key.find(std::string(reinterpret_cast<const char*>(key), m_def.keySize));
    if (it == m_key.end())
    {
        return -ENOENT;
    }
    m_free.push_back(it->second);
    m_key.erase(it);
    return 0;
}

uint8_t*
BpfMap::GetValues()
{
    return m_values.data();
}

uint32_t
BpfMap::GetSize() const
{
    return m_isHash ? static_cast<uint32_t>(m_key.size()) : m_def.maxEntries;
}

} // namespace ns3
