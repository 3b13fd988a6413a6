/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef EBPF_CONTEXT_H
#define EBPF_CONTEXT_H

#include "bpf-map.h"

#include <cstdint>
#include <linux/bpf.h>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The size of struct sk_reuseport_md, the SK_REUSEPORT context (56 bytes: data 0,
 * data_end 8, len 16, eth_protocol 20, ip_protocol 24, bind_inany 28, hash 32, sk 40,
 * migrating_sk 48).
 */
constexpr uint32_t SK_REUSEPORT_MD_SIZE = sizeof(struct sk_reuseport_md);

/**
 * \brief Whether a program may read size bytes at offset off of the context, as the kernel's
 * sk_reuseport_is_valid_access allows: pointers (data, data_end, sk, migrating_sk) only as
 * whole 8-byte loads, hash as a 4-byte load, eth_protocol as 2 or 4 bytes, len, ip_protocol
 * and bind_inany also narrower; aligned, and never the padding after hash.
 * \param off the offset
 * \param size 1, 2, 4 or 8
 * \return true if allowed
 */
bool IsValidContextRead(uint32_t off, uint32_t size);

/**
 * \param off the offset
 * \return the field at off, e.g. "hash", or "padding" / "beyond the end"
 */
std::string ContextFieldName(uint32_t off);

/**
 * \brief The load-time part of the verifier the simulator keeps: follows, through every path,
 * which registers hold the context (with a known offset) or a map, and refuses a context read
 * that IsValidContextRead() forbids, any write into the context, and a map helper given a map
 * it cannot take (REUSEPORT_SOCKARRAY only with bpf_sk_select_reuseport, which takes nothing
 * else).
 * \param name the program's name (for messages)
 * \param insns its instructions, already checked one by one
 * \param maps its maps
 * \throws BpfLoadError
 */
void CheckContextAccesses(const std::string& name,
                          const std::vector<struct bpf_insn>& insns,
                          const std::vector<BpfMapDef>& maps);

} // namespace ns3

#endif /* EBPF_CONTEXT_H */
