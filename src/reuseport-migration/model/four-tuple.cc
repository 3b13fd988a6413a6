/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "four-tuple.h"

namespace ns3
{

std::ostream&
operator<<(std::ostream& os, const FourTuple& t)
{
    os << t.remote << ":" << t.remotePort << ">" << t.local << ":" << t.localPort;
    return os;
}

uint32_t
FlowHash(const FourTuple& t, uint32_t secret)
{
    // Keyed like inet_ehashfn: without the secret a client could aim at one listener.
    uint64_t key = (static_cast<uint64_t>(secret) << 32) | secret;
    uint64_t a = (static_cast<uint64_t>(t.local.Get()) << 32) | t.remote.Get();
    uint64_t b = (static_cast<uint64_t>(t.localPort) << 16) | t.remotePort;
    uint64_t h = Mix64(Mix64(a ^ key) ^ (b + key));
    return static_cast<uint32_t>(h >> 32);
}

} // namespace ns3
