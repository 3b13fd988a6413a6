/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Runs a scenario file: every run of its sweep (or one), then writes the result files.
//
//   scenario-runner FILE [--out=DIR] [--run=K[,K...]] [--merge] [--list] [--progress]
//                        [--max-wall=DURATION]
//
// Exit status: 0 done; 2 invalid scenario; 3 a run broke conservation; 4 a run went over
// its wall-clock budget (nothing written); 1 anything else (an event that could not be
// applied, naming its JSON path, among them).

#include "ns3/scenario-runner.h"

#include "ns3/nstime.h"
#include "ns3/result-files.h"
#include "ns3/scenario-loader.h"
#include "ns3/topology-builder.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <sys/time.h>
#include <unistd.h>

using namespace ns3;

namespace
{

int
Usage(std::ostream& os, int status)
{
    os << "usage: scenario-runner FILE [--out=DIR] [--run=K[,K...]] [--merge] [--list]\n"
          "                       [--progress] [--max-wall=DURATION]\n"
          "  --out=DIR    results directory (default: results)\n"
          "  --run=K      run only run K (or the runs listed), writing each part under\n"
          "               DIR/<name>/.runs/K/\n"
          "  --merge      combine the parts into the result files (with --run, only the\n"
          "               parts of the runs listed, and the set says so in selection.txt)\n"
          "  --list       check the file and print its runs\n"
          "  --progress   print 'progress K FRACTION' lines on standard error (without it,\n"
          "               runs longer than 10 s of wall time report their simulated time)\n"
          "  --max-wall=DURATION  stop a run that takes longer than this wall-clock time\n"
          "               (e.g. 10min; default: the scenario's max_wall, else none): exit 4,\n"
          "               no result written\n";
    return status;
}

/// What the wall-clock alarm prints: it runs in a signal handler, so it is prepared.
char g_budgetMessage[1024];

/// \brief SIGALRM: the run is over its budget. Only async-signal-safe calls here.
void
OverBudget(int)
{
    ssize_t ignored = ::write(STDERR_FILENO, g_budgetMessage, std::strlen(g_budgetMessage));
    (void)ignored;
    ::_exit(4);
}

/// \brief Arm (or, with 0, disarm) the wall-clock budget of one run.
void
ArmBudget(double seconds)
{
    struct itimerval t = {};
    t.it_value.tv_sec = static_cast<time_t>(seconds);
    t.it_value.tv_usec = static_cast<suseconds_t>((seconds - t.it_value.tv_sec) * 1e6);
    ::setitimer(ITIMER_REAL, &t, nullptr);
}

/// "key=value,..." of a run's swept parameters.
std::string
Params(const ScenarioRun& run)
{
    std::string s;
    for (const auto& [k, v] : run.params)
    {
        s += (s.empty() ? "" : ",") + k + "=" + v;
    }
    return s;
}

/// A digest of the scenario file's bytes (FNV-1a, 64 bits), kept in each part's marker
/// so that a resumed sweep does not take a part of an edited file for its own.
std::string
FileDigest(const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    uint64_t h = 14695981039346656037ULL;
    char c;
    while (in.get(c))
    {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string file;
    std::string out = "results";
    std::set<long> only; // empty: every run
    bool merge = false;
    bool list = false;
    bool progress = false;
    std::string maxWall;
    for (int i = 1; i < argc; ++i)
    {
        std::string a = argv[i];
        if (a == "--help" || a == "-h")
        {
            return Usage(std::cout, 0);
        }
        else if (a.rfind("--out=", 0) == 0)
        {
            out = a.substr(6);
        }
        else if (a.rfind("--run=", 0) == 0)
        {
            std::string list = a.substr(6);
            for (size_t at = 0; at <= list.size();)
            {
                size_t comma = std::min(list.find(',', at), list.size());
                std::string k = list.substr(at, comma - at);
                if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos ||
                    k.size() > 9)
                {
                    std::cerr << "scenario-runner: --run expects run numbers such as 3 or "
                                 "1,3, got "
                              << a << "\n";
                    return 1;
                }
                only.insert(std::stol(k));
                at = comma + 1;
            }
        }
        else if (a == "--merge")
        {
            merge = true;
        }
        else if (a == "--list")
        {
            list = true;
        }
        else if (a == "--progress")
        {
            progress = true;
        }
        else if (a.rfind("--max-wall=", 0) == 0)
        {
            maxWall = a.substr(11);
        }
        else if (a.rfind("--", 0) == 0 || !file.empty())
        {
            std::cerr << "scenario-runner: unexpected argument " << a << "\n";
            return Usage(std::cerr, 1);
        }
        else
        {
            file = a;
        }
    }
    if (file.empty())
    {
        return Usage(std::cerr, 1);
    }

    std::vector<ScenarioRun> runs;
    try
    {
        runs = ScenarioLoader::Expand(file);
        for (const auto& r : runs)
        {
            TopologyBuilder::Check(r.scenario);
        }
    }
    catch (const ScenarioError& e)
    {
        std::cerr << e.what() << "\n";
        return 2;
    }
    const Scenario& first = runs.front().scenario;
    std::string dir = (std::filesystem::path(out) / first.name).string();
    {
        std::set<std::string> said;
        for (const auto& r : runs)
        {
            for (const auto& w : r.scenario.warnings)
            {
                if (said.insert(w).second)
                {
                    std::cerr << file << ": warning: " << w << "\n";
                }
            }
        }
    }
    Time budget;
    if (!maxWall.empty())
    {
        try
        {
            budget = ScenarioLoader::ParseDuration(maxWall);
        }
        catch (const std::invalid_argument& e)
        {
            std::cerr << "scenario-runner: --max-wall: " << e.what() << "\n";
            return 1;
        }
    }

    try
    {
        if (list)
        {
            for (const auto& r : runs)
            {
                std::cout << r.index << "\t" << r.scenario.name << "\t" << Params(r) << "\n";
            }
            return 0;
        }
        if (!only.empty() && *only.rbegin() >= static_cast<long>(runs.size()))
        {
            std::cerr << file << ": there is no run " << *only.rbegin() << " (runs 0-"
                      << runs.size() - 1 << ")\n";
            return 1;
        }
        if (merge)
        {
            std::vector<uint32_t> chosen;
            std::string note;
            for (const auto& r : runs)
            {
                if (only.empty() || only.count(r.index))
                {
                    chosen.push_back(r.index);
                    note += "\n" + std::to_string(r.index) + "\t" + Params(r);
                }
            }
            // A set of some runs says so, with the runs it holds, as --list names them.
            note = chosen.size() == runs.size()
                       ? ""
                       : "only " + std::to_string(chosen.size()) + " of the " +
                             std::to_string(runs.size()) + " runs of the sweep:" + note;
            ResultFiles::Merge(dir, chosen, first.output.connections, note);
            return 0;
        }
        const std::string stamp = "file fnv1a64 " + FileDigest(file);
        if (only.empty())
        {
            std::filesystem::remove_all(std::filesystem::path(dir) / ".runs");
        }
        for (const auto& r : runs)
        {
            if (!only.empty() && !only.count(r.index))
            {
                continue;
            }
            std::string part = ResultFiles::PartDir(dir, r.index);
            std::filesystem::create_directories(part);
            // A marker of an earlier run of K goes first: the part is incomplete from now
            // until WritePart writes its marker again (the pcap files are written meanwhile).
            std::filesystem::remove(std::filesystem::path(part) / "done");
            ScenarioRunner::Options options;
            options.pcapDir = part;
            uint32_t k = r.index;
            if (progress)
            {
                options.progress = [k](double f) {
                    std::cerr << "progress " << k << " " << f << std::endl;
                };
            }
            else
            {
                // Long runs say where they are, at most every 10 s.
                auto began = std::chrono::steady_clock::now();
                // Shared: the runner keeps a copy of the callback per progress event.
                auto last = std::make_shared<std::chrono::steady_clock::time_point>(began);
                Time duration = r.scenario.duration;
                options.progress = [k, began, last, duration](double f) {
                    auto now = std::chrono::steady_clock::now();
                    if (now - *last < std::chrono::seconds(10))
                    {
                        return;
                    }
                    *last = now;
                    double wall = std::chrono::duration<double>(now - began).count();
                    std::fprintf(stderr,
                                 "run %u: %.1f s of %.1f s simulated (%.0f%%), %.0f s wall\n",
                                 k,
                                 f * duration.GetSeconds(),
                                 duration.GetSeconds(),
                                 f * 100,
                                 wall);
                };
            }
            Time runBudget = budget.IsStrictlyPositive() ? budget : r.scenario.maxWall;
            if (runBudget.IsStrictlyPositive())
            {
                std::snprintf(g_budgetMessage,
                              sizeof(g_budgetMessage),
                              "%s: run %u: stopped: over the wall-clock budget of %.3g s "
                              "(%s); no result was written\n",
                              file.c_str(),
                              k,
                              runBudget.GetSeconds(),
                              budget.IsStrictlyPositive() ? "--max-wall" : "max_wall");
                std::signal(SIGALRM, OverBudget);
                ArmBudget(runBudget.GetSeconds());
            }
            RunResult result = ScenarioRunner::Run(r, options);
            ArmBudget(0);
            if (!result.conserved)
            {
                std::cerr << file << ": run " << r.index << " (" << Params(r)
                          << ") broke conservation: " << result.violation << "\n";
                return 3;
            }
            std::string label =
                "run " + std::to_string(r.index) + (r.params.empty() ? "" : ": " + Params(r));
            ResultFiles::WritePart(dir, r.index, label, result, stamp);
        }
        if (only.empty())
        {
            ResultFiles::Merge(dir, static_cast<uint32_t>(runs.size()), first.output.connections);
        }
    }
    catch (const ScenarioRunError& e)
    {
        std::cerr << e.what() << "\n";
        return 1;
    }
    catch (const ScenarioError& e)
    {
        std::cerr << e.what() << "\n";
        return 2;
    }
    catch (const std::exception& e)
    {
        std::cerr << "scenario-runner: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
