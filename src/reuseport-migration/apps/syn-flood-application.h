/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef SYN_FLOOD_APPLICATION_H
#define SYN_FLOOD_APPLICATION_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief Sends TCP SYNs from spoofed, unreachable source addresses at a constant rate, as a
 * SYN flood does: the server's SYN-ACKs go nowhere, so every admitted SYN leaves a request
 * in SYN_RECV until its retries run out.
 *
 * The SYNs carry the options an ns-3 client offers (timestamps, window scale, SACK), so the
 * requests they create are those of real clients. Sources cycle through the hosts of
 * SourceNetwork (a /16) and the ports 1024-65535.
 */
class SynFloodApplication : public Application
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    SynFloodApplication();
    ~SynFloodApplication() override;

    /// \return SYNs sent so far
    uint64_t GetSent() const;

  private:
    void StartApplication() override;
    void StopApplication() override;

    /// \brief Send one SYN and schedule the next.
    void SendSyn();

    Address m_remote;         //!< the server
    double m_rate;            //!< SYNs per second
    uint64_t m_count;         //!< SYNs to send (0: until stopped)
    Ipv4Address m_sourceBase; //!< spoofed source network (/16)
    uint64_t m_sent{0};       //!< SYNs sent
    EventId m_next;           //!< next SYN
};

} // namespace ns3

#endif /* SYN_FLOOD_APPLICATION_H */
