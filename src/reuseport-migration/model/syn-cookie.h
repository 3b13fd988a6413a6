/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef SYN_COOKIE_H
#define SYN_COOKIE_H

#include "four-tuple.h"

#include "ns3/nstime.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief Stateless SYN cookies, built the way Linux builds them (net/ipv4/syncookies.c).
 *
 * The cookie is the server's initial sequence number. It binds the 4-tuple, the client's
 * ISN, a minute counter and a small data field (the MSS table index) under two keyed hashes,
 * so that the final ACK (ack = cookie + 1) can be validated without any stored state for
 * up to two counter periods. When the client echoes timestamps, the window scale and
 * SACK-permitted options ride in the low six bits of the SYN-ACK's TSval.
 */
class SynCookie
{
  public:
    static constexpr uint32_t COOKIE_BITS = 24; //!< bits of the hashed data field
    static constexpr uint32_t COOKIE_MASK = (1u << COOKIE_BITS) - 1; //!< data field mask
    static constexpr uint32_t MAX_AGE = 2;        //!< counter periods a cookie stays valid
    static constexpr uint32_t MSS_TABLE_SIZE = 4; //!< entries of the kernel's msstab
    static constexpr uint32_t TS_BITS = 6;        //!< TSval bits that carry options
    static constexpr uint32_t TS_MASK = (1u << TS_BITS) - 1; //!< TSval option mask
    static constexpr uint32_t TS_WSCALE_MASK = 0xf;          //!< "no window scaling" marker
    static constexpr uint32_t TS_SACK = 1u << 4;             //!< SACK permitted
    static constexpr uint32_t TS_ECN = 1u << 5;              //!< ECN negotiated

    /**
     * \brief The options recovered from a cookie ACK's timestamp echo.
     */
    struct TsOptions
    {
        bool wscaleOk{false}; //!< window scaling negotiated
        uint8_t sndWscale{0}; //!< the client's window scale
        bool sackOk{false};   //!< SACK permitted
        bool ecnOk{false};    //!< ECN negotiated
    };

    /**
     * \param secret1 key of the tuple hash
     * \param secret2 key of the counter hash
     */
    SynCookie(uint32_t secret1 = 0, uint32_t secret2 = 0);

    /**
     * \param secret1 key of the tuple hash
     * \param secret2 key of the counter hash
     */
    void SetSecrets(uint32_t secret1, uint32_t secret2);

    /**
     * \param now the simulation time
     * \return the minute counter (tcp_cookie_time)
     */
    static uint32_t Counter(Time now);

    /**
     * \param t the connection
     * \param clientIsn the client's initial sequence number (the SYN's sequence number)
     * \param counter the current minute counter
     * \param data the MSS table index, < MSS_TABLE_SIZE
     * \return the cookie, to be used as the SYN-ACK's sequence number
     */
    uint32_t Make(const FourTuple& t, uint32_t clientIsn, uint32_t counter, uint32_t data) const;

    /**
     * \param t the connection
     * \param clientIsn the ACK's sequence number minus one
     * \param cookie the ACK's acknowledgement number minus one
     * \param counter the current minute counter
     * \param[out] data the MSS table index carried by a valid cookie
     * \return true if the cookie is valid and young enough
     */
    bool Check(const FourTuple& t,
               uint32_t clientIsn,
               uint32_t cookie,
               uint32_t counter,
               uint32_t& data) const;

    /**
     * \brief cookie_init_timestamp: the SYN-ACK TSval with the options in its low bits,
     * never ahead of the clock.
     * \param tsNow the current timestamp clock value
     * \param opts the negotiated options
     * \return the TSval to send
     */
    static uint32_t EncodeTimestamp(uint32_t tsNow, const TsOptions& opts);

    /**
     * \brief cookie_timestamp_decode: recover the options from the echoed TSval.
     * \param tsEcr the timestamp echo of the cookie ACK
     * \return the options
     */
    static TsOptions DecodeTimestamp(uint32_t tsEcr);

  private:
    /**
     * \param t tuple
     * \param counter counter (0 for the first hash)
     * \param secret key
     * \return keyed hash
     */
    static uint32_t Hash(const FourTuple& t, uint32_t counter, uint32_t secret);

    uint32_t m_secret1; //!< key of the first hash
    uint32_t m_secret2; //!< key of the second hash
};

} // namespace ns3

#endif /* SYN_COOKIE_H */
