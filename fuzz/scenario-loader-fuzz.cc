/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// libFuzzer target: the bytes are a scenario file, read and checked as scenario-runner
// does before anything runs (ReadDocument, Expand, TopologyBuilder::Check). A ScenarioError
// is the expected answer to a bad file; any other exception, an abort or a sanitizer report
// is a bug.

#include "ns3/scenario-loader.h"
#include "ns3/topology-builder.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace
{

/// An in-memory file, rewritten for each input; the loader reads it by path, as any file.
int
ScenarioFd()
{
    static const int fd = [] {
        int f = memfd_create("scenario.json", MFD_CLOEXEC);
        if (f < 0)
        {
            std::perror("memfd_create");
            std::abort();
        }
        return f;
    }();
    return fd;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const int fd = ScenarioFd();
    if (ftruncate(fd, 0) != 0 ||
        (size > 0 && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)))
    {
        std::perror("writing the scenario");
        std::abort();
    }
    static const std::string file = "/proc/self/fd/" + std::to_string(fd);

    using namespace ns3;
    try
    {
        std::vector<ScenarioRun> runs = ScenarioLoader::Expand(file);
        for (const auto& r : runs)
        {
            TopologyBuilder::Check(r.scenario);
        }
    }
    catch (const ScenarioError& e)
    {
        // The message is built for the user: it must be printable too.
        volatile size_t n = std::string(e.what()).size();
        (void)n;
    }
    return 0;
}
