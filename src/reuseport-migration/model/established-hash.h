/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef ESTABLISHED_HASH_H
#define ESTABLISHED_HASH_H

#include "four-tuple.h"

#include "ns3/ptr.h"

#include <cstdint>
#include <unordered_map>

namespace ns3
{

struct RequestSock;
struct TimeWaitSock;
class ReuseportTcpSocket;

/**
 * \ingroup reuseport-migration
 * \brief The node's established hash (ehash): every server-side connection by its 4-tuple,
 * whether a request (NEW_SYN_RECV), a full socket, or a TIME_WAIT socket.
 *
 * A segment is first looked up here in O(1); only a miss goes to the listeners. This is
 * what keeps the server's cost per segment flat, where ns-3's endpoint demultiplexer
 * searches a list of every connection.
 */
class EstablishedHash
{
  public:
    /// What an entry holds.
    enum Kind : uint8_t
    {
        NONE,      //!< nothing under this tuple
        REQUEST,   //!< a request socket
        CHILD,     //!< a full socket
        TIME_WAIT, //!< a TIME_WAIT socket
    };

    /// One entry. Requests and TIME_WAIT sockets are owned by their caller.
    struct Entry
    {
        Kind kind{NONE};               //!< what the entry holds
        RequestSock* req{nullptr};     //!< the request, if REQUEST
        TimeWaitSock* tw{nullptr};     //!< the TIME_WAIT socket, if TIME_WAIT
        Ptr<ReuseportTcpSocket> child; //!< the full socket, if CHILD
    };

    EstablishedHash();
    ~EstablishedHash();

    /**
     * \param t a tuple
     * \return the entry (kind NONE on a miss)
     */
    Entry Find(const FourTuple& t) const;

    /**
     * \brief Insert or replace the entry of a request.
     * \param t the tuple
     * \param req the request
     */
    void SetRequest(const FourTuple& t, RequestSock* req);

    /**
     * \brief Insert or replace the entry of a full socket.
     * \param t the tuple
     * \param child the socket
     */
    void SetChild(const FourTuple& t, Ptr<ReuseportTcpSocket> child);

    /**
     * \brief Insert or replace the entry of a TIME_WAIT socket.
     * \param t the tuple
     * \param tw the TIME_WAIT socket
     */
    void SetTimeWait(const FourTuple& t, TimeWaitSock* tw);

    /**
     * \param t a tuple
     * \return true if an entry was removed
     */
    bool Erase(const FourTuple& t);

    /**
     * \return the number of entries
     */
    std::size_t GetSize() const
    {
        return m_table.size();
    }

    /**
     * \param kind a kind
     * \return the number of entries of that kind
     */
    std::size_t Count(Kind kind) const;

    /**
     * \brief Call f(tuple, entry) for every entry (teardown, statistics).
     * \param f the function
     */
    template <typename F>
    void ForEach(F f) const
    {
        for (const auto& [t, e] : m_table)
        {
            f(t, e);
        }
    }

    /// Remove every entry.
    void Clear();

  private:
    std::unordered_map<FourTuple, Entry, FourTupleHasher> m_table; //!< the table
};

} // namespace ns3

#endif /* ESTABLISHED_HASH_H */
