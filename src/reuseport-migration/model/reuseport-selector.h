/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_SELECTOR_H
#define REUSEPORT_SELECTOR_H

#include "ns3/object.h"

#include <cstdint>
#include <string>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The group's built-in pick of a listener when no program decides: for SYN steering
 * and, when migration is enabled, for the target of a migration.
 *
 * A selector only sees the size of the listening section and the flow hash and returns a
 * slot index in [0, numSocks); the group does the rest. Subclass it the way
 * TcpCongestionOps is subclassed: a TypeId, a name, and one deciding method.
 */
class ReuseportSelector : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    /**
     * \param hash the flow hash of the SYN or of the migrating connection
     * \param numSocks the size of the listening section (> 0)
     * \return a slot index in [0, numSocks)
     */
    virtual uint32_t Pick(uint32_t hash, uint32_t numSocks) const = 0;

    /**
     * \return the policy's name, as used in scenario files (e.g. "hash")
     */
    virtual std::string GetName() const = 0;
};

/**
 * \ingroup reuseport-migration
 * \brief The kernel's pick (reuseport_select_sock_by_hash): reciprocal_scale(hash, n).
 */
class HashReuseportSelector : public ReuseportSelector
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    uint32_t Pick(uint32_t hash, uint32_t numSocks) const override;
    std::string GetName() const override;
};

/**
 * \ingroup reuseport-migration
 * \brief The first migration RFC's pick: the last element of the listening section.
 */
class LastSlotReuseportSelector : public ReuseportSelector
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    uint32_t Pick(uint32_t hash, uint32_t numSocks) const override;
    std::string GetName() const override;
};

} // namespace ns3

#endif /* REUSEPORT_SELECTOR_H */
