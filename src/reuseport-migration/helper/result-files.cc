/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "result-files.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ns3
{

namespace fs = std::filesystem;

namespace
{
/// \return a file's content, or "" if it does not exist
std::string
ReadAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

/// \return lines joined with newlines, each terminated
std::string
Lines(const std::vector<std::string>& lines)
{
    std::string s;
    for (const auto& l : lines)
    {
        s += l;
        s += '\n';
    }
    return s;
}

/// \return the cells joined with commas
std::string
Csv(const std::vector<std::string>& cells)
{
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i)
    {
        s += (i ? "," : "") + cells[i];
    }
    return s;
}

/// \return a CSV file's header line, with its newline; "" if it has none
std::string
HeaderLine(const std::string& csv)
{
    auto nl = csv.find('\n');
    return nl == std::string::npos ? "" : csv.substr(0, nl + 1);
}

/// \return a CSV file's lines after the header
std::string
BodyLines(const std::string& csv)
{
    auto nl = csv.find('\n');
    return nl == std::string::npos ? "" : csv.substr(nl + 1);
}

/// \return a DOT string literal
std::string
Quote(const std::string& s)
{
    std::string q = "\"";
    for (char c : s)
    {
        q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    }
    return q + "\"";
}
} // namespace

std::string
ResultFiles::PartDir(const std::string& dir, uint32_t run)
{
    return (fs::path(dir) / ".runs" / std::to_string(run)).string();
}

void
ResultFiles::WriteAtomically(const std::string& path, const std::string& content)
{
    fs::path tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << content;
        out.flush();
        if (!out)
        {
            throw std::runtime_error("cannot write " + tmp.string());
        }
    }
    fs::rename(tmp, path);
}

void
ResultFiles::WritePart(const std::string& dir,
                       uint32_t run,
                       const std::string& label,
                       const RunResult& r,
                       const std::string& stamp)
{
    fs::path part = PartDir(dir, run);
    fs::create_directories(part);
    fs::remove(part / "done");
    WriteAtomically((part / "summary.csv").string(), Lines({Csv(r.header), Csv(r.row)}));
    // One row per reload; the header even without one, so that a merge finds it.
    std::vector<std::string> reloads{Csv(r.reloadsHeader)};
    for (const auto& cells : r.reloads)
    {
        reloads.push_back(Csv(cells));
    }
    WriteAtomically((part / "reloads.csv").string(), Lines(reloads));
    WriteAtomically((part / "timeseries.csv").string(), Lines(r.timeseries));
    WriteAtomically((part / "connections.csv").string(), Lines(r.connections));
    std::ostringstream dot;
    dot << "  subgraph cluster_" << run << " {\n    label=" << Quote(label) << ";\n";
    for (const auto& [from, to, n] : r.edges)
    {
        dot << "    " << Quote(std::to_string(run) + ":" + from) << " -> "
            << Quote(std::to_string(run) + ":" + to) << " [label=\"" << n << "\", weight=" << n
            << "];\n";
    }
    dot << "  }\n";
    WriteAtomically((part / "migrations.dot").string(), dot.str());
    WriteAtomically((part / "done").string(), label + "\n" + stamp + (stamp.empty() ? "" : "\n"));
}

std::vector<uint32_t>
ResultFiles::CompleteParts(const std::string& dir)
{
    std::vector<uint32_t> found;
    fs::path runs = fs::path(dir) / ".runs";
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(runs, ec))
    {
        const std::string name = f.path().filename().string();
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos &&
            name.size() < 10 && fs::exists(f.path() / "done"))
        {
            found.push_back(static_cast<uint32_t>(std::stoul(name)));
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

void
ResultFiles::Merge(const std::string& dir, uint32_t runs, bool connections)
{
    std::vector<uint32_t> all(runs);
    for (uint32_t k = 0; k < runs; ++k)
    {
        all[k] = k;
    }
    Merge(dir, all, connections);
}

void
ResultFiles::Merge(const std::string& dir,
                   const std::vector<uint32_t>& runs,
                   bool connections,
                   const std::string& note)
{
    fs::path base(dir);
    std::string summary;
    std::string reloads;
    std::string timeseries = ScenarioRunner::TimeseriesHeader() + "\n";
    std::string conns = ScenarioRunner::ConnectionsHeader() + "\n";
    std::string dot = "digraph migrations {\n  node [shape=box];\n";
    std::vector<fs::path> pcaps;
    for (uint32_t k : runs)
    {
        fs::path part = PartDir(dir, k);
        if (!fs::exists(part / "done"))
        {
            // Say what could be merged instead: the runs of a partial sweep.
            std::string have;
            for (uint32_t c : CompleteParts(dir))
            {
                have += (have.empty() ? "" : ",") + std::to_string(c);
            }
            std::string hint = " (no run has)";
            if (!have.empty())
            {
                hint = " (runs with results: " + have +
                       "; merge only those with --merge --run=" + have + ")";
            }
            throw std::runtime_error("run " + std::to_string(k) + " has no results in " +
                                     part.string() + hint);
        }
        std::string s = ReadAll(part / "summary.csv");
        if (summary.empty())
        {
            summary = HeaderLine(s);
        }
        summary += BodyLines(s);
        std::string r = ReadAll(part / "reloads.csv");
        if (reloads.empty())
        {
            reloads = HeaderLine(r);
        }
        reloads += BodyLines(r);
        timeseries += ReadAll(part / "timeseries.csv");
        conns += ReadAll(part / "connections.csv");
        dot += ReadAll(part / "migrations.dot");
        for (const auto& f : fs::directory_iterator(part))
        {
            if (f.path().extension() == ".pcap")
            {
                pcaps.push_back(f.path());
            }
        }
    }
    dot += "}\n";

    // The new set is written into a folder of its own, which then takes the old one's
    // place in one rename: a reader (or a kill) sees the old set or the new one, never a mix.
    fs::path fresh = base.parent_path() / ("." + base.filename().string() + ".merging");
    fs::remove_all(fresh);
    fs::create_directories(fresh);
    WriteAtomically((fresh / "summary.csv").string(), summary);
    WriteAtomically((fresh / "reloads.csv").string(), reloads);
    WriteAtomically((fresh / "timeseries.csv").string(), timeseries);
    WriteAtomically((fresh / "migrations.dot").string(), dot);
    if (connections)
    {
        WriteAtomically((fresh / "connections.csv").string(), conns);
    }
    if (!note.empty())
    {
        WriteAtomically((fresh / "selection.txt").string(), note + "\n");
    }
    if (!pcaps.empty())
    {
        fs::create_directories(fresh / "pcap");
        for (const auto& p : pcaps)
        {
            fs::rename(p, fresh / "pcap" / p.filename());
        }
    }
    if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, base.c_str(), RENAME_EXCHANGE) != 0)
    {
        throw std::runtime_error("cannot put " + fresh.string() + " in place of " + base.string() +
                                 ": " + std::strerror(errno));
    }
    fs::remove_all(fresh); // now the old set, with the parts
}

} // namespace ns3
