/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "established-hash.h"

#include "reuseport-tcp-socket.h"

namespace ns3
{

EstablishedHash::EstablishedHash() = default;

EstablishedHash::~EstablishedHash() = default;

void
EstablishedHash::Clear()
{
    m_table.clear();
}

EstablishedHash::Entry
EstablishedHash::Find(const FourTuple& t) const
{
    auto it = m_table.find(t);
    if (it == m_table.end())
    {
        return Entry{};
    }
    return it->second;
}

void
EstablishedHash::SetRequest(const FourTuple& t, RequestSock* req)
{
    Entry& e = m_table[t];
    e = Entry{};
    e.kind = REQUEST;
    e.req = req;
}

void
EstablishedHash::SetChild(const FourTuple& t, Ptr<ReuseportTcpSocket> child)
{
    Entry& e = m_table[t];
    e = Entry{};
    e.kind = CHILD;
    e.child = child;
}

void
EstablishedHash::SetTimeWait(const FourTuple& t, TimeWaitSock* tw)
{
    Entry& e = m_table[t];
    e = Entry{};
    e.kind = TIME_WAIT;
    e.tw = tw;
}

bool
EstablishedHash::Erase(const FourTuple& t)
{
    return m_table.erase(t) > 0;
}

std::size_t
EstablishedHash::Count(Kind kind) const
{
    std::size_t n = 0;
    for (const auto& kv : m_table)
    {
        n += kv.second.kind == kind ? 1 : 0;
    }
    return n;
}

} // namespace ns3
