/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "bpf-object.h"

#include "bpf-error.h"

#include "ns3/log.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <map>
#include <memory>
#include <unistd.h>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("BpfObject");

namespace
{

// libbpf's own diagnostics go to this log component instead of stderr.
int
LogLibbpf(enum libbpf_print_level level, const char* format, va_list args)
{
    char text[512];
    vsnprintf(text, sizeof(text), format, args);
    std::string line(text);
    while (!line.empty() && line.back() == '\n')
    {
        line.pop_back();
    }
    if (level == LIBBPF_WARN)
    {
        NS_LOG_WARN("libbpf: " << line);
    }
    else
    {
        NS_LOG_DEBUG("libbpf: " << line);
    }
    return 0;
}

/// An ELF section, by index.
struct Section
{
    std::string name; //!< its name
    GElf_Shdr header; //!< its header
    Elf_Scn* scn;     //!< libelf's handle
};

/// A symbol of the symbol table.
struct Symbol
{
    std::string name; //!< its name (empty for a section symbol)
    GElf_Sym sym;     //!< the entry
};

/// The parts of the ELF file the relocations need.
class ElfFile
{
  public:
    ElfFile(const std::string& path)
        : m_path(path)
    {
        elf_version(EV_CURRENT);
        m_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0)
        {
            throw BpfLoadError(path, BpfLoadError::NO_INSN, std::strerror(errno));
        }
        m_elf = elf_begin(m_fd, ELF_C_READ, nullptr);
        size_t shstrndx = 0;
        if (!m_elf || elf_getshdrstrndx(m_elf, &shstrndx) != 0)
        {
            Fail(std::string("not an ELF file: ") + elf_errmsg(-1));
        }
        for (Elf_Scn* scn = elf_nextscn(m_elf, nullptr); scn; scn = elf_nextscn(m_elf, scn))
        {
            Section s;
            s.scn = scn;
            gelf_getshdr(scn, &s.header);
            const char* name = elf_strptr(m_elf, shstrndx, s.header.sh_name);
            s.name = name ? name : "";
            m_sections[elf_ndxscn(scn)] = s;
            if (s.header.sh_type == SHT_SYMTAB)
            {
                ReadSymbols(s);
            }
        }
    }

    ~ElfFile()
    {
        if (m_elf)
        {
            elf_end(m_elf);
        }
        close(m_fd);
    }

    ElfFile(const ElfFile&) = delete;
    ElfFile& operator=(const ElfFile&) = delete;

    [[noreturn]] void Fail(const std::string& reason) const
    {
        throw BpfLoadError(m_path, BpfLoadError::NO_INSN, reason);
    }

    const std::map<size_t, Section>& Sections() const
    {
        return m_sections;
    }

    const std::vector<Symbol>& Symbols() const
    {
        return m_symbols;
    }

    /// \return the section's relocations (r_offset, symbol index)
    std::vector<std::pair<uint64_t, size_t>> Relocations(const Section& rel) const
    {
        std::vector<std::pair<uint64_t, size_t>> v;
        Elf_Data* data = elf_getdata(rel.scn, nullptr);
        size_t n = rel.header.sh_entsize ? rel.header.sh_size / rel.header.sh_entsize : 0;
        for (size_t i = 0; data && i < n; ++i)
        {
            GElf_Rel r;
            if (gelf_getrel(data, static_cast<int>(i), &r))
            {
                v.emplace_back(r.r_offset, GELF_R_SYM(r.r_info));
            }
        }
        return v;
    }

  private:
    void ReadSymbols(const Section& s)
    {
        Elf_Data* data = elf_getdata(s.scn, nullptr);
        size_t n = s.header.sh_entsize ? s.header.sh_size / s.header.sh_entsize : 0;
        for (size_t i = 0; data && i < n; ++i)
        {
            Symbol sym;
            gelf_getsym(data, static_cast<int>(i), &sym.sym);
            const char* name = elf_strptr(m_elf, s.header.sh_link, sym.sym.st_name);
            sym.name = name ? name : "";
            m_symbols.push_back(sym);
        }
    }

    std::string m_path;                   //!< file
    int m_fd{-1};                         //!< descriptor
    Elf* m_elf{nullptr};                  //!< libelf's handle
    std::map<size_t, Section> m_sections; //!< sections by index
    std::vector<Symbol> m_symbols;        //!< the symbol table
};

bool
IsSupportedMapType(uint32_t type)
{
    return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_HASH ||
           type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
}

/// Instructions of one ELF section placed in a program.
struct Chunk
{
    size_t section; //!< the ELF section
    uint64_t start; //!< byte offset in the section of the first instruction
    size_t base;    //!< its index in the program
    size_t count;   //!< instructions
};

/// Append the .text section, where clang puts the BPF functions a program calls (libbpf
/// appends the ones it calls at load); return its chunk.
Chunk
AppendFunctions(const ElfFile& elf, BpfProgramInfo& prog, size_t firstCall)
{
    for (const auto& [index, sec] : elf.Sections())
    {
        if (sec.name != ".text" || sec.header.sh_type != SHT_PROGBITS)
        {
            continue;
        }
        Elf_Data* data = elf_getdata(sec.scn, nullptr);
        size_t n = data ? data->d_size / sizeof(struct bpf_insn) : 0;
        if (n == 0)
        {
            break;
        }
        const auto* insns = static_cast<const struct bpf_insn*>(data->d_buf);
        Chunk c{index, 0, prog.insns.size(), n};
        prog.insns.insert(prog.insns.end(), insns, insns + n);
        return c;
    }
    throw BpfLoadError(prog.name,
                       static_cast<int64_t>(firstCall),
                       "call of a BPF function, but the object has no .text section");
}

/// Resolve the 64-bit immediate loads of one program that name a map or a data section, and
/// its calls of BPF functions.
void
Relocate(const ElfFile& elf,
         const std::string& path,
         BpfProgramInfo& prog,
         const std::vector<BpfMapDef>& maps,
         const std::vector<std::string>& mapSections)
{
    size_t progSection = 0;
    uint64_t progStart = 0;
    for (const Symbol& s : elf.Symbols())
    {
        auto sec = elf.Sections().find(s.sym.st_shndx);
        if (GELF_ST_TYPE(s.sym.st_info) == STT_FUNC && s.name == prog.name &&
            sec != elf.Sections().end() && sec->second.name == prog.section)
        {
            progSection = s.sym.st_shndx;
            progStart = s.sym.st_value;
        }
    }
    if (progSection == 0)
    {
        elf.Fail("no symbol for program " + prog.name);
    }
    std::vector<Chunk> chunks{{progSection, progStart, 0, prog.insns.size()}};
    for (size_t i = 0; i < prog.insns.size(); ++i)
    {
        if (prog.insns[i].code == (BPF_JMP | BPF_CALL) && prog.insns[i].src_reg == BPF_PSEUDO_CALL)
        {
            chunks.push_back(AppendFunctions(elf, prog, i));
            break;
        }
    }
    const size_t textBase = chunks.size() > 1 ? chunks[1].base : 0;
    for (const Chunk& chunk : chunks)
    {
        for (const auto& [index, rel] : elf.Sections())
        {
            if (rel.header.sh_type != SHT_REL || rel.header.sh_info != chunk.section)
            {
                continue;
            }
            for (auto [offset, symIndex] : elf.Relocations(rel))
            {
                if (offset < chunk.start || offset >= chunk.start + chunk.count * 8)
                {
                    continue; // another program of the same section
                }
                int64_t at = static_cast<int64_t>(chunk.base + (offset - chunk.start) / 8);
                if (symIndex >= elf.Symbols().size())
                {
                    throw BpfLoadError(prog.name, at, "relocation against a bad symbol index");
                }
                const Symbol& sym = elf.Symbols()[symIndex];
                struct bpf_insn& insn = prog.insns[at];
                auto sec = elf.Sections().find(sym.sym.st_shndx);
                std::string secName = sec == elf.Sections().end() ? "" : sec->second.name;
                if (insn.code == (BPF_JMP | BPF_CALL))
                {
                    if (insn.src_reg != BPF_PSEUDO_CALL || secName != ".text" || chunks.size() < 2)
                    {
                        throw BpfLoadError(prog.name,
                                           at,
                                           "call relocation against " + sym.name + " in " +
                                               secName + " (BPF functions live in .text)");
                    }
                    // As libbpf: the function's first instruction is the symbol's plus imm + 1
                    // (imm is -1 against a function symbol, the offset against .text itself).
                    int64_t callee = static_cast<int64_t>(sym.sym.st_value / 8) + insn.imm + 1;
                    insn.imm =
                        static_cast<int32_t>(static_cast<int64_t>(textBase) + callee - at - 1);
                    continue;
                }
                if (insn.code != (BPF_LD | BPF_IMM | BPF_DW) ||
                    static_cast<size_t>(at) + 1 >= prog.insns.size())
                {
                    throw BpfLoadError(
                        prog.name,
                        at,
                        "relocation against " + sym.name +
                            " on an instruction that is not a 64-bit immediate load");
                }
                int32_t found = -1;
                for (size_t m = 0; m < maps.size(); ++m)
                {
                    bool byName = secName == ".maps" && maps[m].name == sym.name;
                    bool bySection =
                        secName != ".maps" && !mapSections[m].empty() && secName == mapSections[m];
                    if (byName || bySection)
                    {
                        found = static_cast<int32_t>(m);
                    }
                }
                if (found < 0)
                {
                    throw BpfLoadError(prog.name,
                                       at,
                                       "reference to " + (sym.name.empty() ? secName : sym.name) +
                                           ", which is not a map of " + path);
                }
                if (secName == ".maps")
                {
                    insn.src_reg = BPF_PSEUDO_MAP_FD;
                    insn.imm = found;
                }
                else
                {
                    // A global variable: its offset is the symbol's plus the addend in imm.
                    int64_t off = static_cast<int64_t>(sym.sym.st_value) + insn.imm;
                    insn.src_reg = BPF_PSEUDO_MAP_VALUE;
                    insn.imm = found;
                    prog.insns[at + 1].imm = static_cast<int32_t>(off);
                }
            }
        }
    }
}

} // namespace

std::string
BpfMapTypeName(uint32_t type)
{
    switch (type)
    {
    case BPF_MAP_TYPE_HASH:
        return "HASH";
    case BPF_MAP_TYPE_ARRAY:
        return "ARRAY";
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
        return "REUSEPORT_SOCKARRAY";
    case BPF_MAP_TYPE_PERCPU_HASH:
        return "PERCPU_HASH";
    case BPF_MAP_TYPE_PERCPU_ARRAY:
        return "PERCPU_ARRAY";
    case BPF_MAP_TYPE_LRU_HASH:
        return "LRU_HASH";
    case BPF_MAP_TYPE_SOCKMAP:
        return "SOCKMAP";
    case BPF_MAP_TYPE_SOCKHASH:
        return "SOCKHASH";
    default:
        return "type " + std::to_string(type);
    }
}

BpfObject
BpfObject::Open(const std::string& path)
{
    NS_LOG_FUNCTION(path);
    static bool printSet = false;
    if (!printSet)
    {
        libbpf_set_print(LogLibbpf);
        printSet = true;
    }
    ElfFile elf(path); // first, for a clear message on a file that is not ELF at all
    std::unique_ptr<bpf_object, void (*)(bpf_object*)> obj(
        bpf_object__open_file(path.c_str(), nullptr),
        bpf_object__close);
    if (!obj)
    {
        int err = errno;
        throw BpfLoadError(path,
                           BpfLoadError::NO_INSN,
                           std::string("libbpf cannot open it as a BPF object: ") +
                               std::strerror(err));
    }
    BpfObject o;
    o.m_path = path;
    std::vector<std::string> mapSections;
    bpf_map* map;
    bpf_object__for_each_map(map, obj.get())
    {
        BpfMapDef def;
        def.name = bpf_map__name(map);
        def.type = bpf_map__type(map);
        def.keySize = bpf_map__key_size(map);
        def.valueSize = bpf_map__value_size(map);
        def.maxEntries = bpf_map__max_entries(map);
        std::string section;
        if (bpf_map__is_internal(map))
        {
            // libbpf names a data section's map "<object prefix><section>", e.g. "x.rodata".
            size_t dot = def.name.find('.');
            section = dot == std::string::npos ? "" : def.name.substr(dot);
            if (section == ".kconfig")
            {
                throw BpfLoadError(path, BpfLoadError::NO_INSN, "kconfig externs are not modelled");
            }
            def.readOnly = section.rfind(".rodata", 0) == 0;
            size_t size = 0;
            const void* init = bpf_map__initial_value(map, &size);
            if (init && size)
            {
                const auto* bytes = static_cast<const uint8_t*>(init);
                def.data.assign(bytes, bytes + size);
            }
        }
        else if (!IsSupportedMapType(def.type))
        {
            throw BpfLoadError(path,
                               BpfLoadError::NO_INSN,
                               "map " + def.name + " has type " + BpfMapTypeName(def.type) +
                                   "; the simulator supports ARRAY, HASH and REUSEPORT_SOCKARRAY");
        }
        o.m_maps.push_back(def);
        mapSections.push_back(section);
    }
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj.get())
    {
        BpfProgramInfo info;
        info.name = bpf_program__name(prog);
        info.section = bpf_program__section_name(prog);
        info.type = bpf_program__type(prog);
        info.attachType = bpf_program__expected_attach_type(prog);
        const struct bpf_insn* insns = bpf_program__insns(prog);
        info.insns.assign(insns, insns + bpf_program__insn_cnt(prog));
        Relocate(elf, path, info, o.m_maps, mapSections);
        NS_LOG_DEBUG(path << ": program " << info.name << " in " << info.section << ", "
                          << info.insns.size() << " instructions");
        o.m_programs.push_back(std::move(info));
    }
    if (o.m_programs.empty())
    {
        throw BpfLoadError(path, BpfLoadError::NO_INSN, "the object has no program");
    }
    return o;
}

const std::string&
BpfObject::GetPath() const
{
    return m_path;
}

const std::vector<BpfProgramInfo>&
BpfObject::GetPrograms() const
{
    return m_programs;
}

const std::vector<BpfMapDef>&
BpfObject::GetMaps() const
{
    return m_maps;
}

const BpfProgramInfo&
BpfObject::GetProgram(const std::string& name) const
{
    if (name.empty())
    {
        if (m_programs.size() != 1)
        {
            throw BpfLoadError(m_path,
                               BpfLoadError::NO_INSN,
                               std::to_string(m_programs.size()) +
                                   " programs in the object: name the one to load");
        }
        return m_programs.front();
    }
    for (const BpfProgramInfo& p : m_programs)
    {
        if (p.name == name)
        {
            return p;
        }
    }
    throw BpfLoadError(m_path, BpfLoadError::NO_INSN, "no program named " + name);
}

} // namespace ns3
