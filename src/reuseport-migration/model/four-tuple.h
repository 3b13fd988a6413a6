/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef FOUR_TUPLE_H
#define FOUR_TUPLE_H

#include "ns3/ipv4-address.h"

#include <cstdint>
#include <functional>
#include <ostream>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief The identity of a TCP connection as seen from the server: local and remote
 * IPv4 address and port (the key of the kernel's established hash table).
 */
struct FourTuple
{
    Ipv4Address local;      //!< server address
    uint16_t localPort{0};  //!< server port
    Ipv4Address remote;     //!< client address
    uint16_t remotePort{0}; //!< client port

    /**
     * \param other the tuple to compare with
     * \return true if all four fields are equal
     */
    bool operator==(const FourTuple& other) const
    {
        return local == other.local && localPort == other.localPort && remote == other.remote &&
               remotePort == other.remotePort;
    }
};

/**
 * \brief Print a tuple as "remote:port>local:port".
 * \param os the stream
 * \param t the tuple
 * \return the stream
 */
std::ostream& operator<<(std::ostream& os, const FourTuple& t);

/**
 * \ingroup reuseport-migration
 * \brief The kernel's 4-tuple flow hash (inet_ehashfn): a keyed, uniform 32-bit hash.
 *
 * The same value steers the SYN (reciprocal_scale over the listening section), is stored in
 * the request and the child (sk_hash), and is reused by migration's hash pick.
 *
 * \param t the connection
 * \param secret the per-node boot-time secret
 * \return the 32-bit hash
 */
uint32_t FlowHash(const FourTuple& t, uint32_t secret);

/**
 * \ingroup reuseport-migration
 * \brief The kernel's reciprocal_scale(): maps a 32-bit value onto [0, n) without a division.
 * \param value the hash
 * \param n the range size
 * \return ((u64)value * n) >> 32
 */
inline uint32_t
ReciprocalScale(uint32_t value, uint32_t n)
{
    return static_cast<uint32_t>((static_cast<uint64_t>(value) * n) >> 32);
}

/**
 * \ingroup reuseport-migration
 * \brief A strong 64-bit finaliser, used for the flow hash and for unkeyed table hashing.
 * \param x input
 * \return mixed output
 */
inline uint64_t
Mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/**
 * \ingroup reuseport-migration
 * \brief Hasher for FourTuple keys in unordered containers.
 */
struct FourTupleHasher
{
    /**
     * \param t the tuple
     * \return a hash suitable for std::unordered_map
     */
    std::size_t operator()(const FourTuple& t) const
    {
        uint64_t a = (static_cast<uint64_t>(t.local.Get()) << 32) | t.remote.Get();
        uint64_t b = (static_cast<uint64_t>(t.localPort) << 16) | t.remotePort;
        return static_cast<std::size_t>(Mix64(a ^ Mix64(b)));
    }
};

} // namespace ns3

#endif /* FOUR_TUPLE_H */
