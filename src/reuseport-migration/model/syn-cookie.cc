/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "syn-cookie.h"

namespace ns3
{

SynCookie::SynCookie(uint32_t secret1, uint32_t secret2)
    : m_secret1(secret1),
      m_secret2(secret2)
{
}

void
SynCookie::SetSecrets(uint32_t secret1, uint32_t secret2)
{
    m_secret1 = secret1;
    m_secret2 = secret2;
}

uint32_t
SynCookie::Counter(Time now)
{
    return static_cast<uint32_t>(now.GetSeconds() / 60.0);
}

uint32_t
SynCookie::Hash(const FourTuple& t, uint32_t counter, uint32_t secret)
{
    uint64_t key = (static_cast<uint64_t>(secret) << 32) | counter;
    uint64_t a = (static_cast<uint64_t>(t.local.Get()) << 32) | t.remote.Get();
    uint64_t b = (static_cast<uint64_t>(t.localPort) << 16) | t.remotePort;
    return static_cast<uint32_t>(Mix64(Mix64(a ^ key) + b) >> 32);
}

uint32_t
SynCookie::Make(const FourTuple& t, uint32_t clientIsn, uint32_t counter, uint32_t data) const
{
    return Hash(t, 0, m_secret1) + clientIsn + (counter << COOKIE_BITS) +
           ((Hash(t, counter, m_secret2) + data) & COOKIE_MASK);
}

bool
SynCookie::Check(const FourTuple& t,
                 uint32_t clientIsn,
                 uint32_t cookie,
                 uint32_t counter,
                 uint32_t& data) const
{
    cookie -= Hash(t, 0, m_secret1) + clientIsn;
    // The counter travels in the top 8 bits; older than MAX_AGE periods is stale.
    uint32_t diff = (counter - (cookie >> COOKIE_BITS)) & 0xff;
    if (diff >= MAX_AGE)
    {
        return false;
    }
    data = (cookie - Hash(t, counter - diff, m_secret2)) & COOKIE_MASK;
    return data < MSS_TABLE_SIZE;
}

uint32_t
SynCookie::EncodeTimestamp(uint32_t tsNow, const TsOptions& opts)
{
    uint32_t options = opts.wscaleOk ? (opts.sndWscale & TS_WSCALE_MASK) : TS_WSCALE_MASK;
    if (opts.sackOk)
    {
        options |= TS_SACK;
    }
    if (opts.ecnOk)
    {
        options |= TS_ECN;
    }
    uint32_t ts = (tsNow & ~TS_MASK) | options;
    if (ts > tsNow)
    {
        // Never claim a time in the future: step back one option period.
        ts -= (1u << TS_BITS);
    }
    return ts;
}

SynCookie::TsOptions
SynCookie::DecodeTimestamp(uint32_t tsEcr)
{
    TsOptions o;
    uint32_t options = tsEcr & TS_MASK;
    uint32_t wscale = options & TS_WSCALE_MASK;
    o.wscaleOk = wscale != TS_WSCALE_MASK;
    o.sndWscale = o.wscaleOk ? static_cast<uint8_t>(wscale) : 0;
    o.sackOk = (options & TS_SACK) != 0;
    o.ecnOk = (options & TS_ECN) != 0;
    return o;
}

} // namespace ns3
