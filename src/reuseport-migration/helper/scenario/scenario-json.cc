/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-json.h"

#include <cmath>
#include <limits>

namespace ns3
{

namespace scenario_detail
{

std::string
Dump(const Json& v)
{
    std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    const size_t maxLength = 80;
    if (text.size() > maxLength)
    {
        size_t cut = maxLength - 3;
        // never cut a UTF-8 sequence in two
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        {
            --cut;
        }
        text = text.substr(0, cut) + "...";
    }
    return text;
}

std::string
Escape(const std::string& token)
{
    std::string text;
    for (char c : token)
    {
        if (c == '~')
        {
            text += "~0";
        }
        else if (c == '/')
        {
            text += "~1";
        }
        else
        {
            text += c;
        }
    }
    return text;
}

std::string
Child(const std::string& path, const std::string& key)
{
    return path + "/" + Escape(key);
}

std::string
Child(const std::string& path, size_t index)
{
    return path + "/" + std::to_string(index);
}

const Json*
Find(const Json& obj, const std::string& key)
{
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

bool
GetInteger(const Json& v, int64_t& out)
{
    const auto maxInt = std::numeric_limits<int64_t>::max();
    if (v.is_number_unsigned())
    {
        auto u = v.get<uint64_t>();
        out = u > static_cast<uint64_t>(maxInt) ? maxInt : static_cast<int64_t>(u);
        return true;
    }
    if (v.is_number_integer())
    {
        out = v.get<int64_t>();
        return true;
    }
    if (v.is_number_float())
    {
        double d = v.get<double>();
        if (!std::isfinite(d) || std::trunc(d) != d)
        {
            return false;
        }
        if (d >= 9.2e18)
        {
            out = maxInt;
        }
        else if (d <= -9.2e18)
        {
            out = std::numeric_limits<int64_t>::min();
        }
        else
        {
            out = static_cast<int64_t>(d);
        }
        return true;
    }
    return false;
}

Scaled
ScaleDecimal(const std::string& whole,
             const std::string& fraction,
             uint64_t unit,
             uint64_t limit,
             uint64_t& out)
{
    __extension__ typedef unsigned __int128 U128; // exact: 19 digits times 3.6e12 overflow 64 bits
    size_t first = whole.find_first_not_of('0');
    std::string digits = first == std::string::npos ? "" : whole.substr(first);
    if (digits.size() > 19)
    {
        return Scaled::TOO_LARGE;
    }
    U128 value = 0;
    for (char c : digits)
    {
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    value *= unit;
    U128 num = 0;
    U128 den = 1;
    for (size_t i = 0; i < fraction.size() && i < 18; ++i)
    {
        num = num * 10 + static_cast<unsigned>(fraction[i] - '0');
        den *= 10;
    }
    num *= unit;
    value += num / den + ((num % den) * 2 >= den ? 1 : 0);
    if (value > limit)
    {
        return Scaled::TOO_LARGE;
    }
    out = static_cast<uint64_t>(value);
    return Scaled::OK;
}

} // namespace scenario_detail

} // namespace ns3
