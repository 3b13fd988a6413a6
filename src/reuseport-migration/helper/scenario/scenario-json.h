/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// JSON values as the scenario checks read them: JSON pointers (RFC 6901), lookups, integral
// numbers, exact decimal scaling and the short form of a value in messages.

#ifndef SCENARIO_JSON_H
#define SCENARIO_JSON_H

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ns3
{

namespace scenario_detail
{

using Json = nlohmann::ordered_json; //!< keeps the file's key order (sweep order, messages)

/**
 * \param v a JSON value
 * \return its compact text, shortened to keep messages readable
 */
std::string Dump(const Json& v);

/**
 * \param token a key
 * \return the key escaped as an RFC 6901 reference token
 */
std::string Escape(const std::string& token);

/**
 * \param path a JSON pointer
 * \param key a key of the object there
 * \return the pointer of the key
 */
std::string Child(const std::string& path, const std::string& key);

/**
 * \param path a JSON pointer
 * \param index an index in the array there
 * \return the pointer of the element
 */
std::string Child(const std::string& path, size_t index);

/**
 * \param obj a JSON object
 * \param key a key
 * \return its value, or null if the key is absent
 */
const Json* Find(const Json& obj, const std::string& key);

/**
 * \brief Read an integral JSON number. Integral floats count, as in JSON Schema; values
 * beyond int64 are clamped, which still fails every range check.
 * \param v the value
 * \param out the integer
 * \return false if the value is not an integral number
 */
bool GetInteger(const Json& v, int64_t& out);

/// Outcome of ScaleDecimal().
enum class Scaled
{
    OK,        //!< in range
    TOO_LARGE, //!< above the limit
};

/**
 * \brief Multiply a decimal number by an integer unit exactly, rounding to the nearest
 * integer. Fraction digits past the 18th are ignored: even for hours they weigh less than
 * 1e-5 ns.
 * \param whole the digits before the point
 * \param fraction the digits after it (may be empty)
 * \param unit the multiplier
 * \param limit the largest result accepted
 * \param out the result
 * \return whether the result is within the limit
 */
Scaled ScaleDecimal(const std::string& whole,
                    const std::string& fraction,
                    uint64_t unit,
                    uint64_t limit,
                    uint64_t& out);

} // namespace scenario_detail

} // namespace ns3

#endif /* SCENARIO_JSON_H */
