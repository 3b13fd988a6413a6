/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_SOCK_ARRAY_H
#define REUSEPORT_SOCK_ARRAY_H

#include "ns3/object.h"

#include <cstdint>
#include <vector>

namespace ns3
{

class ReuseportListener;

/**
 * \ingroup reuseport-migration
 * \brief A BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: the map a program selects listeners from.
 *
 * Only a listening member of a reuseport group can be stored. A listener leaves every map
 * when it stops listening, and listening again does not put it back: its slot reads empty
 * until it is stored again (the kernel's bpf_sk_reuseport_detach at unhash).
 */
class ReuseportSockArray : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ReuseportSockArray();

    /**
     * \brief bpf_map_update_elem.
     * \param key the index, < MaxEntries
     * \param listener a listening member of a group
     * \return 0, -E2BIG for a key out of range, -EINVAL for a socket that is not listening
     */
    int Update(uint32_t key, Ptr<ReuseportListener> listener);

    /**
     * \brief bpf_map_delete_elem.
     * \param key the index
     * \return 0 or -ENOENT
     */
    int Delete(uint32_t key);

    /**
     * \param key the index
     * \return the listener, or null if the slot is empty or its listener stopped listening
     */
    Ptr<ReuseportListener> Lookup(uint32_t key) const;

    /// \return the number of slots
    uint32_t GetMaxEntries() const;

  private:
    /// One slot.
    struct Slot
    {
        Ptr<ReuseportListener> listener; //!< the socket
        uint32_t epoch{0};               //!< its listen epoch when stored
    };

    uint32_t m_maxEntries;     //!< slots
    std::vector<Slot> m_slots; //!< the slots
};

} // namespace ns3

#endif /* REUSEPORT_SOCK_ARRAY_H */
