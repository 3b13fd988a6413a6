/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-programs.h"

#include "ns3/bpf-error.h"
#include "ns3/bpf-object.h"
#include "ns3/bpf-reuseport-program.h"
#include "ns3/builtin-programs.h"
#include "ns3/nginx-master.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-sock-array.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

namespace ns3
{

namespace
{

namespace fs = std::filesystem;

/// \return "key=value,..." as pairs
std::vector<std::pair<std::string, std::string>>
Labels(const std::string& spec)
{
    std::vector<std::pair<std::string, std::string>> labels;
    std::istringstream is(spec);
    std::string item;
    while (std::getline(is, item, ','))
    {
        auto eq = item.find('=');
        labels.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return labels;
}

/// \return the little-endian bytes of an integer key or value of a map
std::vector<uint8_t>
Bytes(uint64_t x, uint32_t size)
{
    std::vector<uint8_t> b(size, 0);
    for (uint32_t i = 0; i < size && i < 8; ++i)
    {
        b[i] = static_cast<uint8_t>(x >> (8 * i));
    }
    return b;
}

/// \return whether x fits in size bytes
bool
Fits(uint64_t x, uint32_t size)
{
    return size >= 8 || x < (uint64_t{1} << (8 * size));
}

/// \return "-ENOENT" and the like
std::string
Errno(int64_t r)
{
    switch (-r)
    {
    case ENOENT:
        return "-ENOENT";
    case E2BIG:
        return "-E2BIG";
    case EEXIST:
        return "-EEXIST";
    case EINVAL:
        return "-EINVAL";
    default:
        return std::to_string(r);
    }
}

/// Checks one scenario's objects; one instance per scenario.
class ObjectChecker
{
  public:
    explicit ObjectChecker(const std::string& file)
        : m_file(file)
    {
    }

    /// Load the object of an event, or fail at its path.
    const std::vector<BpfMapDef>& Load(ProgramObjectSpec& spec)
    {
        spec.resolved = ResolveProgramObject(m_file, spec.object);
        if (spec.resolved.empty())
        {
            Fail(spec.path + "/object",
                 "expected an eBPF object file, but " + spec.object +
                     " is neither beside the scenario file nor in the build directory");
        }
        std::string key = spec.resolved + "\n" + spec.program;
        auto it = m_maps.find(key);
        if (it != m_maps.end())
        {
            return it->second;
        }
        try
        {
            Ptr<BpfReuseportProgram> p = CreateObject<BpfReuseportProgram>();
            p->Load(spec.resolved, spec.program);
            auto& maps = m_maps[key];
            maps = p->GetVm().GetProgram().GetMaps();
            p->Dispose();
            return maps;
        }
        catch (const BpfLoadError& e)
        {
            // The file as the scenario names it: the message stays the same on every machine.
            const std::string& where = e.GetWhere() == spec.resolved ? spec.object : e.GetWhere();
            Fail(spec.path + "/object",
                 "expected an object the simulator can run, but " +
                     std::string(BpfLoadError(where, e.GetInsn(), e.GetReason()).what()));
        }
    }

    /// Check a fill or change of a map of an object.
    void CheckFill(const MapFillSpec& fill,
                   const std::vector<BpfMapDef>& maps,
                   const std::string& object,
                   bool deleting) const
    {
        auto def = std::find_if(maps.begin(), maps.end(), [&fill](const BpfMapDef& d) {
            return d.name == fill.map;
        });
        if (def == maps.end())
        {
            std::vector<std::string> sorted;
            for (const auto& d : maps)
            {
                sorted.push_back(d.name);
            }
            std::sort(sorted.begin(), sorted.end());
            std::string names;
            for (const auto& n : sorted)
            {
                names += (names.empty() ? "" : ", ") + n;
            }
            Fail(fill.path + "/map",
                 "expected a map of " + object + " (" + (names.empty() ? "it has none" : names) +
                     "), got \"" + fill.map + "\"");
        }
        const std::string type = BpfMapTypeName(def->type);
        const bool sockarray = def->type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
        if (!fill.from.empty() && !sockarray)
        {
            Fail(fill.path + "/from",
                 "expected a REUSEPORT_SOCKARRAY for listeners, but map \"" + fill.map + "\" is a" +
                     (type[0] == 'A' ? "n " : " ") + type + " (fill it with \"entries\")");
        }
        if (!fill.entries.empty() && sockarray)
        {
            Fail(fill.path + "/entries",
                 "expected an ARRAY or HASH map for literal entries, but map \"" + fill.map +
                     "\" is a REUSEPORT_SOCKARRAY (fill it with \"from\")");
        }
        if (def->readOnly && !deleting)
        {
            Fail(fill.path + "/map",
                 "expected a writable map, but \"" + fill.map + "\" is read-only");
        }
        if (deleting && def->type == BPF_MAP_TYPE_ARRAY)
        {
            Fail(fill.path + "/map",
                 "expected a HASH or REUSEPORT_SOCKARRAY map to delete from, but \"" + fill.map +
                     "\" is an ARRAY, whose elements cannot be deleted");
        }
        if (!sockarray && (def->keySize > 8 || def->valueSize > 8))
        {
            Fail(fill.path + "/map",
                 "expected a map with integer keys and values of at most 8 bytes, but \"" +
                     fill.map + "\" has key_size " + std::to_string(def->keySize) +
                     " and value_size " + std::to_string(def->valueSize));
        }
        const bool indexed = sockarray || def->type == BPF_MAP_TYPE_ARRAY;
        auto checkKey = [&](uint64_t k, const std::string& path) {
            if (!Fits(k, sockarray ? 4 : def->keySize) || (indexed && k >= def->maxEntries))
            {
                Fail(path,
                     "expected a key < " +
                         std::to_string(indexed ? uint64_t{def->maxEntries}
                                                : (uint64_t{1} << (8 * def->keySize))) +
                         " (map \"" + fill.map + "\"), got " + std::to_string(k));
            }
        };
        for (size_t i = 0; i < fill.entries.size(); ++i)
        {
            const std::string p = fill.path + "/entries/" + std::to_string(i);
            checkKey(fill.entries[i].first, p + "/key");
            if (!Fits(fill.entries[i].second, def->valueSize))
            {
                Fail(p + "/value",
                     "expected a value that fits in " + std::to_string(def->valueSize) +
                         " bytes (map \"" + fill.map + "\"), got " +
                         std::to_string(fill.entries[i].second));
            }
        }
        for (size_t i = 0; i < fill.keys.size(); ++i)
        {
            checkKey(fill.keys[i], fill.path + "/keys/" + std::to_string(i));
        }
    }

  private:
    [[noreturn]] void Fail(const std::string& path, const std::string& message) const
    {
        throw ScenarioError(m_file, path, message);
    }

    std::string m_file;                                   //!< scenario file
    std::map<std::string, std::vector<BpfMapDef>> m_maps; //!< by file and program
};

} // namespace

std::string
ResolveProgramObject(const std::string& scenarioFile, const std::string& object, std::string* tried)
{
    fs::path p(object);
    std::vector<fs::path> candidates;
    if (p.is_absolute())
    {
        candidates.push_back(p);
    }
    else
    {
        candidates.push_back(fs::path(scenarioFile).parent_path() / p);
        candidates.push_back(fs::path(RPM_BUILD_DIR) / p);
    }
    std::string list;
    for (const auto& c : candidates)
    {
        std::error_code ec;
        if (fs::is_regular_file(c, ec))
        {
            return c.lexically_normal().string();
        }
        list += (list.empty() ? "" : " or ") + c.lexically_normal().string();
    }
    if (tried)
    {
        *tried = list;
    }
    return "";
}

void
CheckProgramObjects(Scenario& s)
{
    ObjectChecker checker(s.file);
    for (auto& e : s.events)
    {
        if (e.policyObject)
        {
            const auto& maps = checker.Load(*e.policyObject);
            for (const auto& fill : e.policyObject->maps)
            {
                checker.CheckFill(fill, maps, e.policyObject->object, false);
            }
        }
        if (!e.object)
        {
            continue;
        }
        const auto& maps = checker.Load(*e.object);
        for (const auto& fill : e.object->maps)
        {
            checker.CheckFill(fill, maps, e.object->object, false);
        }
        if (e.action == "map-update" || e.action == "map-delete")
        {
            checker.CheckFill(e.mapChange, maps, e.object->object, e.action == "map-delete");
        }
    }
}

std::string
FillProgramMap(BpfReuseportProgram& program,
               const MapFillSpec& fill,
               const std::vector<Ptr<ReuseportListener>>& listeners)
{
    if (!fill.from.empty())
    {
        std::vector<Ptr<ReuseportListener>> chosen;
        for (const auto& l : listeners)
        {
            auto labels = Labels(fill.from);
            if (l->IsListening() && std::all_of(labels.begin(), labels.end(), [&l](const auto& kv) {
                    return l->GetLabel(kv.first) == kv.second;
                }))
            {
                chosen.push_back(l);
            }
        }
        if (chosen.empty())
        {
            return "no listening socket has the labels " + fill.from + " to fill map " + fill.map;
        }
        // What a master storing each worker's socket at its index writes.
        std::sort(chosen.begin(), chosen.end(), WorkerOrder);
        Ptr<ReuseportSockArray> array = program.GetSockArray(fill.map);
        for (uint32_t i = 0; i < chosen.size(); ++i)
        {
            int r = array->Update(i, chosen[i]);
            if (r != 0)
            {
                return "bpf_map_update_elem(" + fill.map + ", " + std::to_string(i) +
                       ") failed with " + Errno(r) + " (" + std::to_string(chosen.size()) +
                       " sockets have the labels " + fill.from + ", the map has " +
                       std::to_string(array->GetMaxEntries()) + " slots)";
            }
        }
        return "";
    }
    const BpfMapDef& def =
        program.GetVm().GetMap(static_cast<uint32_t>(program.GetVm().FindMap(fill.map)))->GetDef();
    for (const auto& [k, v] : fill.entries)
    {
        auto key = Bytes(k, def.keySize);
        auto value = Bytes(v, def.valueSize);
        int64_t r = program.UpdateElem(fill.map, key.data(), value.data(), BPF_ANY);
        if (r != 0)
        {
            return "bpf_map_update_elem(" + fill.map + ", " + std::to_string(k) + ") failed with " +
                   Errno(r);
        }
    }
    return "";
}

std::string
DeleteProgramMapKeys(BpfReuseportProgram& program, const MapFillSpec& change)
{
    int32_t index = program.GetVm().FindMap(change.map);
    BpfMap* map = program.GetVm().GetMap(static_cast<uint32_t>(index));
    for (uint64_t k : change.keys)
    {
        int64_t r = 0;
        if (!map)
        {
            r = program.GetSockArray(change.map)->Delete(static_cast<uint32_t>(k));
        }
        else
        {
            auto key = Bytes(k, map->GetDef().keySize);
            r = program.DeleteElem(change.map, key.data());
        }
        if (r != 0)
        {
            return "bpf_map_delete_elem(" + change.map + ", " + std::to_string(k) +
                   ") failed with " + Errno(r);
        }
    }
    return "";
}

std::string
LoadProgramObject(const ProgramObjectSpec& spec,
                  const std::string& file,
                  const std::vector<Ptr<ReuseportListener>>& listeners,
                  Ptr<BpfReuseportProgram>& loaded)
{
    std::string path =
        spec.resolved.empty() ? ResolveProgramObject(file, spec.object) : spec.resolved;
    Ptr<BpfReuseportProgram> p = CreateObject<BpfReuseportProgram>();
    try
    {
        p->Load(path.empty() ? spec.object : path, spec.program);
    }
    catch (const BpfLoadError& e)
    {
        return e.what();
    }
    for (const auto& fill : spec.maps)
    {
        std::string error = FillProgramMap(*p, fill, listeners);
        if (!error.empty())
        {
            return error;
        }
    }
    loaded = p;
    return "";
}

std::string
AttachProgramObject(const ProgramObjectSpec& spec,
                    const std::string& file,
                    Ptr<NginxMaster> master,
                    const std::vector<Ptr<ReuseportListener>>& listeners,
                    Ptr<BpfReuseportProgram>& attached)
{
    Ptr<BpfReuseportProgram> p;
    std::string error = LoadProgramObject(spec, file, listeners, p);
    if (error.empty())
    {
        error = master->AttachProgram(p);
    }
    if (error.empty())
    {
        attached = p;
    }
    return error;
}

} // namespace ns3
