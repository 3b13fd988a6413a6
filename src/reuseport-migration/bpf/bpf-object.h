/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef BPF_OBJECT_H
#define BPF_OBJECT_H

#include "bpf-map.h"

#include <cstdint>
#include <linux/bpf.h>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief One program of an object file, with its map references resolved.
 *
 * A 64-bit immediate load that refers to a map has src_reg BPF_PSEUDO_MAP_FD and the map's
 * index in the object as imm; one that refers to a global data section has src_reg
 * BPF_PSEUDO_MAP_VALUE, the map's index as imm and the offset in the next instruction's imm
 * (the encoding the kernel receives, with indexes instead of file descriptors).
 */
struct BpfProgramInfo
{
    std::string name;                   //!< the function's name
    std::string section;                //!< its ELF section, e.g. "sk_reuseport/migrate"
    uint32_t type{0};                   //!< BPF_PROG_TYPE_*, from the section name
    uint32_t attachType{0};             //!< the expected attach type, from the section name
    std::vector<struct bpf_insn> insns; //!< the instructions
};

/**
 * \ingroup reuseport-migration
 * \brief An eBPF ELF object (clang -target bpf), opened with libbpf without loading anything
 * into the kernel: its programs, maps and relocations.
 *
 * libbpf resolves map references only when it loads into the kernel, so the relocations are
 * read from the ELF file here (libelf) and applied with map indexes.
 */
class BpfObject
{
  public:
    /**
     * \brief Open an object file.
     * \param path the .bpf.o file
     * \return the object
     * \throws BpfLoadError if the file is not a BPF object, defines a map type the simulator
     * does not support, or has a relocation it cannot resolve
     */
    static BpfObject Open(const std::string& path);

    /// \return the file's path
    const std::string& GetPath() const;

    /// \return the programs, in file order
    const std::vector<BpfProgramInfo>& GetPrograms() const;

    /// \return the maps, indexed as the programs' map references are
    const std::vector<BpfMapDef>& GetMaps() const;

    /**
     * \param name a program's name; empty for the only program
     * \return the program
     * \throws BpfLoadError if there is no such program (or, for an empty name, not exactly one)
     */
    const BpfProgramInfo& GetProgram(const std::string& name) const;

  private:
    std::string m_path;                     //!< file
    std::vector<BpfProgramInfo> m_programs; //!< programs
    std::vector<BpfMapDef> m_maps;          //!< maps
};

/**
 * \param type a BPF_MAP_TYPE_*
 * \return its name without the prefix, e.g. "REUSEPORT_SOCKARRAY", or its number
 */
std::string BpfMapTypeName(uint32_t type);

} // namespace ns3

#endif /* BPF_OBJECT_H */
