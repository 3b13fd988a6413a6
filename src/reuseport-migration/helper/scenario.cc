/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>

namespace ns3
{

namespace
{

/**
 * \brief The text of ScenarioError::what().
 * \param file the scenario file
 * \param path the JSON pointer
 * \param message what was expected
 * \return "FILE: PATH: MESSAGE", leaving out an empty file or path
 */
std::string
FormatError(const std::string& file, const std::string& path, const std::string& message)
{
    std::string text;
    for (const std::string* part : {&file, &path})
    {
        if (!part->empty())
        {
            text += *part + ": ";
        }
    }
    return text + message;
}

/**
 * \brief A time in seconds as exact decimal text: integer nanoseconds need no rounding.
 * \param t the time
 * \return e.g. "0.0005", "2", "0"
 */
std::string
SecondsText(const Time& t)
{
    int64_t ns = t.GetNanoSeconds();
    uint64_t magnitude = ns < 0 ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
    std::string text = (ns < 0 ? "-" : "") + std::to_string(magnitude / 1000000000);
    uint64_t fraction = magnitude % 1000000000;
    if (fraction != 0)
    {
        char digits[16];
        std::snprintf(digits, sizeof(digits), "%09" PRIu64, fraction);
        std::string f(digits);
        f.erase(f.find_last_not_of('0') + 1);
        text += "." + f;
    }
    return text;
}

} // namespace

ScenarioError::ScenarioError(const std::string& file,
                             const std::string& path,
                             const std::string& message)
    : std::runtime_error(FormatError(file, path, message)),
      m_file(file),
      m_path(path),
      m_message(message)
{
}

const std::string&
ScenarioError::GetFile() const
{
    return m_file;
}

const std::string&
ScenarioError::GetPath() const
{
    return m_path;
}

const std::string&
ScenarioError::GetMessage() const
{
    return m_message;
}

std::string
DurationDistribution::ToRandomVariableString() const
{
    switch (kind)
    {
    case EXPONENTIAL:
        return "ns3::ExponentialRandomVariable[Mean=" + SecondsText(mean) + "]";
    case UNIFORM:
        return "ns3::UniformRandomVariable[Min=" + SecondsText(min) + "|Max=" + SecondsText(max) +
               "]";
    case CONSTANT:
    default:
        return "ns3::ConstantRandomVariable[Constant=" + SecondsText(value) + "]";
    }
}

Time
DurationDistribution::GetMean() const
{
    switch (kind)
    {
    case EXPONENTIAL:
        return mean;
    case UNIFORM:
        return Time((min.GetTimeStep() + max.GetTimeStep()) / 2);
    case CONSTANT:
    default:
        return value;
    }
}

double
ServerCapacity(const Scenario& s)
{
    uint32_t workers = s.server.workers;
    for (const auto& e : s.events)
    {
        if ((e.action == "reload" || e.action == "upgrade") && e.workers)
        {
            workers = std::min(workers, *e.workers);
        }
    }
    double service = s.server.serviceTime.GetMean().GetSeconds();
    return service > 0 ? workers / service : std::numeric_limits<double>::infinity();
}

} // namespace ns3
