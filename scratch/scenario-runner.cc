/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Runs a scenario file: every run of its sweep (or one), then writes the result files.
//
//   scenario-runner FILE [--out=DIR] [--run=K] [--merge] [--list] [--progress]
//
// Exit status: 0 done; 2 invalid scenario; 3 a run broke conservation; 1 anything else.

#include "ns3/scenario-runner.h"

#include "ns3/result-files.h"
#include "ns3/scenario-loader.h"
#include "ns3/topology-builder.h"

#include <filesystem>
#include <iostream>
#include <string>

using namespace ns3;

namespace
{

int
Usage(std::ostream& os, int status)
{
    os << "usage: scenario-runner FILE [--out=DIR] [--run=K] [--merge] [--list] [--progress]\n"
          "  --out=DIR    results directory (default: results)\n"
          "  --run=K      run only run K, writing its part under DIR/<name>/.runs/K/\n"
          "  --merge      combine the parts into the result files\n"
          "  --list       check the file and print its runs\n"
          "  --progress   print 'progress K FRACTION' lines on standard error\n";
    return status;
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
            if (progress)
            {
                uint32_t k = r.index;
                options.progress = [k](double f) {
                    std::cerr << "progress " << k << " " << f << std::endl;
                };
            }
            RunResult result = ScenarioRunner::Run(r, options);
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
