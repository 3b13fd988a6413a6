/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef BPF_MAP_H
#define BPF_MAP_H

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief A map as an object file defines it (the .maps section, or a global data section).
 */
struct BpfMapDef
{
    std::string name;          //!< the map's name
    uint32_t type{0};          //!< BPF_MAP_TYPE_*
    uint32_t keySize{0};       //!< key_size, bytes
    uint32_t valueSize{0};     //!< value_size, bytes
    uint32_t maxEntries{0};    //!< max_entries
    bool readOnly{false};      //!< a .rodata section: programs may not write it
    std::vector<uint8_t> data; //!< the initial value of a global data section (else empty)
};

/**
 * \ingroup reuseport-migration
 * \brief The storage of a BPF_MAP_TYPE_ARRAY or BPF_MAP_TYPE_HASH map.
 *
 * Values live in one preallocated block (as the kernel preallocates hash elements), so a
 * program's pointer to a value stays valid and no run allocates. A slot's value is at
 * slot * valueSize in GetValues().
 */
class BpfMap
{
  public:
    /// No value for the key.
    static constexpr int32_t NO_SLOT = -1;

    /**
     * \param def the definition (ARRAY, HASH, or a global data section)
     */
    explicit BpfMap(const BpfMapDef& def);

    /// \return the definition
    const BpfMapDef& GetDef() const;

    /**
     * \brief bpf_map_lookup_elem.
     * \param key keySize bytes
     * \return the slot of the key's value, or NO_SLOT
     */
    int32_t Lookup(const uint8_t* key) const;

    /**
     * \brief bpf_map_update_elem.
     * \param key keySize bytes
     * \param value valueSize bytes
     * \param flags BPF_ANY, BPF_NOEXIST or BPF_EXIST
     * \return 0, -E2BIG (index out of range, or the hash is full), -EEXIST, -ENOENT or
     * -EINVAL (unknown flags)
     */
    int64_t Update(const uint8_t* key, const uint8_t* value, uint64_t flags);

    /**
     * \brief bpf_map_delete_elem.
     * \param key keySize bytes
     * \return 0, -ENOENT, or -EINVAL (array elements cannot be deleted)
     */
    int64_t Delete(const uint8_t* key);

    /// \return the values block (maxEntries * valueSize bytes)
    uint8_t* GetValues();

    /// \return the number of entries in use (hash) or maxEntries (array)
    uint32_t GetSize() const;

  private:
    BpfMapDef m_def;                                 //!< definition
    bool m_isHash;                                   //!< HASH, else array-like
    std::vector<uint8_t> m_values;                   //!< maxEntries values
    std::unordered_map<std::string, uint32_t> m_key; //!< hash: key bytes -> slot
    std::vector<uint32_t> m_free;                    //!< hash: free slots
};

} // namespace ns3

#endif /* BPF_MAP_H */
