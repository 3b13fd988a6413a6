/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_GROUP_H
#define REUSEPORT_GROUP_H

#include "reuseport-program.h"
#include "reuseport-selector.h"

#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <vector>

namespace ns3
{

class ReuseportListener;

/**
 * \ingroup reuseport-migration
 * \brief A SO_REUSEPORT group (struct sock_reuseport): the listeners of one (node, local
 * address, port), in the kernel's socks[] array with its exact slot moves.
 *
 * Slots [0, numSocks) are the listening section, the only members selection ever returns.
 * Slots [maxSocks - numClosedSocks, maxSocks) are the closed section: listeners that
 * stopped listening while the group could migrate, kept so that their pending requests
 * can still find the group. The array starts at 128 slots and doubles on demand up to
 * 32768.
 */
class ReuseportGroup : public Object
{
  public:
    static constexpr uint32_t INIT_SOCKS = 128;  //!< initial capacity (INIT_SOCKS)
    static constexpr uint32_t MAX_SOCKS = 32768; //!< largest capacity under the u16 limit

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ReuseportGroup();
    ~ReuseportGroup() override;

    /**
     * \param addr the local address the members are bound to (may be 0.0.0.0)
     * \param port the port
     */
    void SetLocal(Ipv4Address addr, uint16_t port);

    /// \return the local address of the members
    Ipv4Address GetLocalAddress() const;
    /// \return the port of the members
    uint16_t GetLocalPort() const;
    /// \return the group identity (reuseport_id), unique in the simulation
    uint32_t GetId() const;
    /// \return the size of the listening section
    uint32_t GetNumSocks() const;
    /// \return the size of the closed section
    uint32_t GetNumClosedSocks() const;
    /// \return the capacity of socks[]
    uint32_t GetMaxSocks() const;
    /// \return true when both sections are empty (the kernel frees the group)
    bool IsEmpty() const;

    /**
     * \param i a slot index in [0, maxSocks)
     * \return the listener in that slot, or null for the gap between the sections
     */
    Ptr<ReuseportListener> GetSlot(uint32_t i) const;

    /**
     * \param i an index into the listening section, < GetNumSocks()
     * \return the listener
     */
    Ptr<ReuseportListener> GetListening(uint32_t i) const;

    /// \return the listening section, in slot order
    std::vector<Ptr<ReuseportListener>> GetListeningSection() const;
    /// \return the closed section, from its lowest slot to slot maxSocks-1
    std::vector<Ptr<ReuseportListener>> GetClosedSection() const;

    /**
     * \param l a listener
     * \return true if l is in the listening section
     */
    bool IsListening(Ptr<const ReuseportListener> l) const;

    /**
     * \param l a listener
     * \return true if l is in the closed section
     */
    bool IsClosedMember(Ptr<const ReuseportListener> l) const;

    /**
     * \brief __reuseport_add_sock: append to the listening section, growing first if needed.
     * \param l the listener
     * \param[out] evicted the closed listener evicted to make room, if any
     * \return false if the array is full and nothing could be evicted (ENOMEM)
     */
    bool AddListening(Ptr<ReuseportListener> l, Ptr<ReuseportListener>& evicted);

    /**
     * \brief __reuseport_detach_sock: the last listening entry moves into l's slot.
     * \param l a listener in the listening section
     */
    void DetachListening(Ptr<ReuseportListener> l);

    /**
     * \brief __reuseport_add_closed_sock: the closed section grows downwards from the end.
     * \param l the listener
     */
    void AddClosed(Ptr<ReuseportListener> l);

    /**
     * \brief __reuseport_detach_closed_sock: the section's lowest entry moves into l's slot.
     * \param l a listener in the closed section
     */
    void DetachClosed(Ptr<ReuseportListener> l);

    /**
     * \brief reuseport_detach_sock: remove l from whichever section holds it.
     * \param l a member
     */
    void Detach(Ptr<ReuseportListener> l);

    /**
     * \brief The kernel's pick for SYN steering (reuseport_select_sock_by_hash):
     * socks[reciprocal_scale(hash, num_socks)].
     * \param hash the flow hash
     * \return a listening member, or null if the section is empty
     */
    Ptr<ReuseportListener> PickByHash(uint32_t hash) const;

    /**
     * \brief The pick of a migration target when no program selects one: the kernel's
     * hash pick, or the policy set with SetMigrationSelector().
     * \param hash the migrating connection's flow hash
     * \return a listening member, or null if the section is empty
     */
    Ptr<ReuseportListener> PickForMigration(uint32_t hash) const;

    /**
     * \param selector the migration pick used when no program decides
     */
    void SetMigrationSelector(Ptr<ReuseportSelector> selector);

    /// \return the migration pick
    Ptr<ReuseportSelector> GetMigrationSelector() const;

    /**
     * \brief reuseport_attach_prog: the group's one program, replacing any other.
     * \param program the program (null detaches)
     */
    void SetProgram(Ptr<ReuseportProgram> program);

    /// \return the attached program, or null
    Ptr<ReuseportProgram> GetProgram() const;

    /// \return true if a SELECT_OR_MIGRATE program is attached
    bool HasMigratingProgram() const;

    /**
     * \return the member a listener lookup hits first: the most recently hashed listening
     * member (IPv4 listeners are added at the head of their hash bucket), or null
     */
    Ptr<ReuseportListener> GetLookupMember() const;

    /**
     * \brief tcp_synq_overflow for a reuseport listener: stamps the group, so that every
     * member validates cookie ACKs for the next TCP_SYNCOOKIE_VALID (120 s).
     * \param now the time
     */
    void NoteSynqOverflow(Time now);

    /**
     * \param now the time
     * \return true if the SYN queue of a member overflowed within the last 120 s
     */
    bool HasRecentSynqOverflow(Time now) const;

  protected:
    void DoDispose() override;

  private:
    /**
     * \brief reuseport_grow: double the array (listening section to the front, closed to the
     * end) or, at the size limit, evict the closed listener at the section's lowest slot.
     * \param[out] evicted the evicted listener, if any
     * \return false if nothing could be done
     */
    bool Grow(Ptr<ReuseportListener>& evicted);

    std::vector<Ptr<ReuseportListener>> m_socks; //!< socks[], size maxSocks
    uint32_t m_numSocks{0};                      //!< listening section size
    uint32_t m_numClosedSocks{0};                //!< closed section size
    uint32_t m_id;                               //!< reuseport_id
    Ipv4Address m_addr;                          //!< local address of the members
    uint16_t m_port{0};                          //!< port of the members
    Ptr<ReuseportSelector> m_selector;           //!< migration pick
    Ptr<ReuseportProgram> m_program;             //!< the group's program
    bool m_synqOverflowed{false};                //!< a member's SYN queue ever overflowed
    Time m_synqOverflowTs;                       //!< when it last did
};

} // namespace ns3

#endif /* REUSEPORT_GROUP_H */
