/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef BPF_REUSEPORT_PROGRAM_H
#define BPF_REUSEPORT_PROGRAM_H

#include "ebpf-vm.h"

#include "ns3/random-variable-stream.h"
#include "ns3/reuseport-program.h"
#include "ns3/reuseport-sock-array.h"

#include <memory>
#include <string>
#include <vector>

namespace ns3
{

class ReuseportSockArray;

/**
 * \ingroup reuseport-migration
 * \brief A reuseport program given as a compiled eBPF object (clang -target bpf): the same
 * file the kernel would load, run by the interpreter on every steering and migration.
 *
 * The section name gives the attach type ("sk_reuseport" SELECT, "sk_reuseport/migrate"
 * SELECT_OR_MIGRATE). Each REUSEPORT_SOCKARRAY map of the object is a ReuseportSockArray of
 * the model, filled with listeners from outside (GetSockArray()); ARRAY and HASH maps are
 * read and written with LookupElem() and UpdateElem(), as user space would.
 */
class BpfReuseportProgram : public ReuseportProgram, private EbpfHost
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    BpfReuseportProgram();
    ~BpfReuseportProgram() override;

    /**
     * \brief Open the object and check the program; sets the attach type.
     * \param path the .bpf.o file
     * \param program the program's name; empty for the object's only program
     * \throws BpfLoadError
     */
    void Load(const std::string& path, const std::string& program = "");

    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;

    /**
     * \param map a REUSEPORT_SOCKARRAY map's name
     * \return the sockarray
     * \throws BpfLoadError if the object has no such map
     */
    Ptr<ReuseportSockArray> GetSockArray(const std::string& map) const;

    /**
     * \brief bpf_map_update_elem from user space, for an ARRAY or HASH map.
     * \param map the map's name
     * \param key key_size bytes
     * \param value value_size bytes
     * \param flags BPF_ANY, BPF_NOEXIST or BPF_EXIST
     * \return 0 or a negative errno
     * \throws BpfLoadError if the object has no such map
     */
    int64_t UpdateElem(const std::string& map,
                       const void* key,
                       const void* value,
                       uint64_t flags = 0);

    /**
     * \brief bpf_map_delete_elem from user space, for a HASH map.
     * \param map the map's name
     * \param key key_size bytes
     * \return 0 or a negative errno (-ENOENT; -EINVAL for an ARRAY)
     * \throws BpfLoadError if the object has no such map
     */
    int64_t DeleteElem(const std::string& map, const void* key);

    /**
     * \brief bpf_map_lookup_elem from user space.
     * \param map the map's name
     * \param key key_size bytes
     * \param value receives value_size bytes
     * \return true if found
     * \throws BpfLoadError if the object has no such map
     */
    bool LookupElem(const std::string& map, const void* key, void* value);

    /**
     * \brief bpf_get_socket_cookie of a listener, as a program sees it.
     * \param listener the listener
     * \return its cookie
     */
    static uint64_t GetSocketCookie(Ptr<const ReuseportListener> listener);

    /// \return the interpreter (for statistics and tests)
    EbpfVm& GetVm();

    /**
     * \param stream first stream index
     * \return streams used
     */
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    int64_t SelectReuseport(uint32_t map, uint32_t key, uint64_t flags) override;
    uint64_t GetSocketCookie(EbpfSocket which) override;
    void FillSocket(EbpfSocket which, struct bpf_sock& out) override;
    uint64_t GetTimeNs() override;
    uint32_t GetRandom() override;
    void Trace(const std::string& text) override;
    BpfMap* UserMap(const std::string& map);
    /// \return the generator of bpf_get_prandom_u32
    Ptr<UniformRandomVariable> Rng();

    std::unique_ptr<EbpfVm> m_vm;                      //!< the loaded program
    std::vector<Ptr<ReuseportSockArray>> m_sockArrays; //!< by map index (null if not one)
    Ptr<UniformRandomVariable> m_rng;                  //!< bpf_get_prandom_u32, or null
    uint64_t m_budget;                                 //!< instructions per run
    ReuseportContext* m_ctx{nullptr};                  //!< during Run()
    std::vector<uint8_t> m_data; //!< the segment's bytes of the current run (data..data_end)
};

} // namespace ns3

#endif /* BPF_REUSEPORT_PROGRAM_H */
