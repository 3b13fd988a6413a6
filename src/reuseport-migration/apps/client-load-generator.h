/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CLIENT_LOAD_GENERATOR_H
#define CLIENT_LOAD_GENERATOR_H

#include "ns3/address.h"
#include "ns3/application.h"
#include "ns3/client-connection.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/traced-callback.h"

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace ns3
{

class ExponentialRandomVariable;

/**
 * \ingroup reuseport-migration
 * \brief Open-loop client: starts a new ClientConnection at each arrival.
 *
 * Arrivals do not wait for earlier connections, so a slow or failing server
 * does not slow the offered load down. With "constant" arrivals the first
 * connection starts at the application start and then every 1/Rate; with
 * "poisson" the gaps, the first one included, are exponential with mean 1/Rate.
 * No new connection starts at or after the stop time; connections in flight go
 * on and stay PENDING until they finish.
 */
class ClientLoadGenerator : public Application
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    /**
     * \brief Constructor.
     */
    ClientLoadGenerator();

    /**
     * \brief Destructor.
     */
    ~ClientLoadGenerator() override;

    /**
     * \brief Assign a fixed random variable stream number to the arrival process.
     * \param stream first stream index to use
     * \return the number of stream indices used
     */
    int64_t AssignStreams(int64_t stream);

    /**
     * \brief Number of connections started.
     * \return the attempt count
     */
    uint32_t GetAttempts() const;

    /**
     * \brief Number of connections with an outcome; PENDING counts those not finished.
     * \param outcome the outcome
     * \return the count
     */
    uint32_t GetCount(ConnectionOutcome outcome) const;

    /**
     * \brief All connections started, in start order.
     * \return the connections
     */
    const std::vector<Ptr<ClientConnection>>& GetConnections() const;

  protected:
    /**
     * \brief Stop arrivals and detach the connections from their sockets; their
     * records stay readable.
     */
    void DoDispose() override;

  private:
    /**
     * \brief Schedule the first arrival.
     */
    void StartApplication() override;

    /**
     * \brief Cancel the next arrival; connections in flight go on.
     */
    void StopApplication() override;

    /**
     * \brief Arrival process.
     */
    enum class Arrival
    {
        CONSTANT, //!< Fixed gaps of 1/Rate
        POISSON,  //!< Exponential gaps with mean 1/Rate
    };

    /**
     * \brief Set the arrival process by name; aborts on an unknown name.
     * \param name "constant" or "poisson"
     */
    void SetArrival(std::string name);

    /**
     * \brief Get the arrival process name.
     * \return "constant" or "poisson"
     */
    std::string GetArrival() const;

    /**
     * \brief Delay from now to the next arrival.
     * \return the delay
     */
    Time NextDelay() const;

    /**
     * \brief Start one connection and schedule the next arrival.
     */
    void Arrive();

    /**
     * \brief Count a connection's outcome and forward it.
     * \param connection the connection
     */
    void HandleOutcome(Ptr<ClientConnection> connection);

    Address m_remote;                     //!< Server address
    double m_rate;                        //!< New connections per second
    Arrival m_arrival;                    //!< Arrival process
    uint32_t m_maxConnections;            //!< Attempt limit, 0 for none
    uint32_t m_requestBytes;              //!< Forwarded to each connection
    uint32_t m_responseBytes;             //!< Forwarded to each connection
    Time m_timeout;                       //!< Forwarded to each connection
    Ptr<ExponentialRandomVariable> m_gap; //!< Poisson gaps
    Time m_firstArrival;                  //!< Time of the first arrival (constant arrivals)
    uint32_t m_arrivals;                  //!< Arrivals since the start
    EventId m_nextArrival;                //!< Next arrival
    std::vector<Ptr<ClientConnection>> m_connections; //!< Connections, when kept
    std::set<Ptr<ClientConnection>> m_pending;        //!< Unfinished, when connections are not kept
    bool m_keepConnections;                           //!< Keep finished connections
    std::array<uint32_t, 5> m_finished;               //!< Finished count per outcome
    TracedCallback<Ptr<const ClientConnection>> m_outcomeTrace; //!< "Outcome" trace
};

} // namespace ns3

#endif /* CLIENT_LOAD_GENERATOR_H */
