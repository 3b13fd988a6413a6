/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef EBPF_PROGRAM_H
#define EBPF_PROGRAM_H

#include "bpf-map.h"
#include "bpf-object.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/// Encodings newer than Debian 12's UAPI headers, and kernel-internal limits.
namespace ebpfop
{
constexpr uint8_t MEMSX = 0x80;       //!< sign-extending load mode (RFC 9669)
constexpr size_t MAX_INSNS = 1000000; //!< BPF_COMPLEXITY_LIMIT_INSNS
} // namespace ebpfop

/**
 * \ingroup reuseport-migration
 * \brief The helpers an SK_REUSEPORT program may call in the simulator.
 */
enum class BpfHelper : uint8_t
{
    NONE,
    MAP_LOOKUP_ELEM,     //!< bpf_map_lookup_elem (1)
    MAP_UPDATE_ELEM,     //!< bpf_map_update_elem (2)
    MAP_DELETE_ELEM,     //!< bpf_map_delete_elem (3)
    KTIME_GET_NS,        //!< bpf_ktime_get_ns (5): simulated time
    TRACE_PRINTK,        //!< bpf_trace_printk (6): into NS_LOG
    GET_PRANDOM_U32,     //!< bpf_get_prandom_u32 (7)
    GET_SOCKET_COOKIE,   //!< bpf_get_socket_cookie (46)
    SK_SELECT_REUSEPORT, //!< bpf_sk_select_reuseport (82)
};

/**
 * \param id a BPF_FUNC_* number
 * \return the helper, or NONE if the simulator does not provide it
 */
BpfHelper BpfHelperFromId(int32_t id);

/**
 * \ingroup reuseport-migration
 * \brief Addresses as a running program sees them: a region number in the upper 32 bits, an
 * offset in the lower ones. Null (0) is no region, so a dereference of NULL faults.
 */
namespace bpfaddr
{
constexpr uint32_t CTX = 1;             //!< struct sk_reuseport_md
constexpr uint32_t STACK = 2;           //!< the 512-byte stack; r10 points to its end
constexpr uint32_t PACKET = 3;          //!< data .. data_end
constexpr uint32_t SK = 4;              //!< struct bpf_sock of ctx->sk
constexpr uint32_t MIGRATING_SK = 5;    //!< struct bpf_sock of ctx->migrating_sk
constexpr uint32_t MAP = 0x100;         //!< + map index: a map (not dereferenceable)
constexpr uint32_t MAP_VALUE = 0x200;   //!< + map index: the map's values
constexpr uint32_t MAX_MAPS = 0x100;    //!< maps per program
constexpr uint32_t STACK_SIZE = 512;    //!< MAX_BPF_STACK, per call frame
constexpr uint32_t MAX_CALL_FRAMES = 8; //!< MAX_CALL_FRAMES: the program and 7 nested calls
/// The stack of every frame: frame d's r10 is STACK_BASE + STACK_TOTAL - d * STACK_SIZE.
constexpr uint32_t STACK_TOTAL = STACK_SIZE * MAX_CALL_FRAMES;
/// Offset of the stack's first byte in its region: an access below the stack stays in the
/// region (no borrow into another one), so the fault names the stack.
constexpr uint32_t STACK_BASE = 0x40000000;

/// \return the address of offset in region
constexpr uint64_t
Make(uint32_t region, uint32_t offset)
{
    return (static_cast<uint64_t>(region) << 32) | offset;
}
} // namespace bpfaddr

/**
 * \ingroup reuseport-migration
 * \brief An instruction decoded for the interpreter: registers split, a 64-bit immediate
 * load folded into one instruction (the next slot is never executed), helper resolved.
 */
struct EbpfInsn
{
    uint8_t code;      //!< opcode
    uint8_t dst;       //!< destination register
    uint8_t src;       //!< source register
    BpfHelper helper;  //!< CALL: the helper
    int16_t off;       //!< offset
    int32_t imm;       //!< immediate
    uint64_t imm64{0}; //!< LDDW: the value, with map references as addresses
};

/**
 * \ingroup reuseport-migration
 * \brief An SK_REUSEPORT program checked and decoded for the interpreter.
 *
 * Load() refuses, with the instruction index and the reason, what the simulator cannot run:
 * another program type, an unknown opcode or helper, a jump out of range, a reference to a
 * missing map, a context access outside sk_reuseport_md's fields or a write into it.
 */
class EbpfProgram
{
  public:
    /**
     * \param info the program, with map references as indexes into maps
     * \param maps the object's maps
     * \return the program
     * \throws BpfLoadError
     */
    static EbpfProgram Load(const BpfProgramInfo& info, const std::vector<BpfMapDef>& maps);

    /// \return the name
    const std::string& GetName() const;

    /// \return true for SELECT_OR_MIGRATE ("sk_reuseport/migrate")
    bool IsMigrate() const;

    /// \return the decoded instructions
    const std::vector<EbpfInsn>& GetInsns() const;

    /// \return the maps
    const std::vector<BpfMapDef>& GetMaps() const;

  private:
    std::string m_name;            //!< name
    bool m_migrate{false};         //!< attach type
    std::vector<EbpfInsn> m_insns; //!< decoded
    std::vector<BpfMapDef> m_maps; //!< maps
};

} // namespace ns3

#endif /* EBPF_PROGRAM_H */
