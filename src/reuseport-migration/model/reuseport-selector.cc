/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "reuseport-selector.h"

#include "four-tuple.h"

#include "ns3/log.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportSelector");

NS_OBJECT_ENSURE_REGISTERED(ReuseportSelector);
NS_OBJECT_ENSURE_REGISTERED(HashReuseportSelector);
NS_OBJECT_ENSURE_REGISTERED(LastSlotReuseportSelector);

TypeId
ReuseportSelector::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ReuseportSelector").SetParent<Object>().SetGroupName("ReuseportMigration");
    return tid;
}

TypeId
HashReuseportSelector::GetTypeId()
{
    static TypeId tid = TypeId("ns3::HashReuseportSelector")
                            .SetParent<ReuseportSelector>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<HashReuseportSelector>();
    return tid;
}

uint32_t
HashReuseportSelector::Pick(uint32_t hash, uint32_t numSocks) const
{
    return ReciprocalScale(hash, numSocks);
}

std::string
HashReuseportSelector::GetName() const
{
    return "hash";
}

TypeId
LastSlotReuseportSelector::GetTypeId()
{
    static TypeId tid = TypeId("ns3::LastSlotReuseportSelector")
                            .SetParent<ReuseportSelector>()
                            .SetGroupName("ReuseportMigration")
                            .AddConstructor<LastSlotReuseportSelector>();
    return tid;
}

uint32_t
LastSlotReuseportSelector::Pick(uint32_t, uint32_t numSocks) const
{
    return numSocks - 1;
}

std::string
LastSlotReuseportSelector::GetName() const
{
    return "last-slot";
}

} // namespace ns3
