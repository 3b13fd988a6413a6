/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Runs a scenario file: every run of its sweep (or one), then writes the result files.
//
//   scenario-runner FILE [--out=DIR] [--run=K] [--merge] [--list] [--progress]
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

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
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
    os << "usage: scenario-runner FILE [--out=DIR] [--run=K] [--merge] [--list] [--progress]\n"
          "                       [--max-wall=DURATION]\n"
          "  --out=DIR    results directory (default: results)\n"
          "  --run=K      run only run K, writing its part under DIR/<name>/.runs/K/\n"
          "  --merge      combine the parts into the result files\n"
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

} // namespace

int
main(int argc, char* argv[])
{
    std::string file;
    std::string out = "results";
    long only = -1;
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
            try
            {
                only = std::stol(a.substr(6));
            }
            catch (const std::exception&)
            {
                std::cerr << "scenario-runner: --run expects a run number, got " << a << "\n";
                return 1;
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
        if (merge)
        {
            ResultFiles::Merge(dir, static_cast<uint32_t>(runs.size()), first.output.connections);
            return 0;
        }
        if (only >= static_cast<long>(runs.size()))
        {
            std::cerr << file << ": there is no run " << only << " (runs 0-" << runs.size() - 1
                      << ")\n";
            return 1;
        }
        if (only < 0)
        {
            std::filesystem::remove_all(std::filesystem::path(dir) / ".runs");
        }
        for (const auto& r : runs)
        {
            if (only >= 0 && r.index != static_cast<uint32_t>(only))
            {
                continue;
            }
            std::string part = ResultFiles::PartDir(dir, r.index);
            std::filesystem::create_directories(part);
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
            ResultFiles::WritePart(dir, r.index, label, result);
        }
        if (only < 0)
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
