/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef SCENARIO_H
#define SCENARIO_H

#include "ns3/data-rate.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief A scenario that cannot run: the file, the JSON path and what was expected.
 */
class ScenarioError : public std::runtime_error
{
  public:
    /**
     * \param file the scenario file
     * \param path the JSON pointer of the offending value ("" for the whole document)
     * \param message what was expected (and what was found)
     */
    ScenarioError(const std::string& file, const std::string& path, const std::string& message);

    /// \return the file
    const std::string& GetFile() const;
    /// \return the JSON pointer, e.g. "/events/2/at"
    const std::string& GetPath() const;
    /// \return what was expected
    const std::string& GetMessage() const;

  private:
    std::string m_file;    //!< file
    std::string m_path;    //!< JSON pointer
    std::string m_message; //!< message
};

/**
 * \ingroup reuseport-migration
 * \brief A random duration: a constant, or a distribution of service times.
 */
struct DurationDistribution
{
    /// The distribution.
    enum Kind
    {
        CONSTANT,    //!< always `value`
        EXPONENTIAL, //!< mean `mean`
        UNIFORM,     //!< between `min` and `max`
    };

    Kind kind{CONSTANT}; //!< the distribution
    Time value;          //!< CONSTANT
    Time mean;           //!< EXPONENTIAL
    Time min;            //!< UNIFORM
    Time max;            //!< UNIFORM

    /// \return an ns-3 RandomVariableStream in seconds, as an attribute string
    std::string ToRandomVariableString() const;

    /// \return the mean duration
    Time GetMean() const;
};

/**
 * \ingroup reuseport-migration
 * \brief A valid scenario that could not be carried out: an event found nothing to act
 * on when its time came. It names the event's JSON path.
 */
class ScenarioRunError : public ScenarioError
{
  public:
    using ScenarioError::ScenarioError;
};

/// \ingroup reuseport-migration \brief A node, or a group of identical hosts.
struct NodeSpec
{
    std::string id;    //!< unique id
    uint32_t count{1}; //!< hosts in the group
    std::string path;  //!< JSON pointer, for errors found later
};

/// \ingroup reuseport-migration \brief A point-to-point link (one per host of a group).
struct LinkSpec
{
    std::string a;        //!< one end (node id)
    std::string b;        //!< the other end
    DataRate rate;        //!< data rate
    Time delay;           //!< one-way delay
    double loss{0};       //!< packet loss probability, both directions
    uint32_t queue{1000}; //!< device queue, packets
    std::string path;     //!< JSON pointer, for errors found later
};

/// \ingroup reuseport-migration \brief Nodes and links.
struct TopologySpec
{
    std::vector<NodeSpec> nodes; //!< nodes
    std::vector<LinkSpec> links; //!< links
    std::string path;            //!< JSON pointer of the topology
};

/**
 * \ingroup reuseport-migration
 * \brief What a scenario writes into one map of an eBPF object: listeners chosen by label
 * (REUSEPORT_SOCKARRAY), literal entries (ARRAY, HASH), or keys to delete.
 */
struct MapFillSpec
{
    std::string map;                                    //!< the map's name in the object
    std::string from;                                   //!< sockarray: "key=value,..." labels
    std::vector<std::pair<uint64_t, uint64_t>> entries; //!< ARRAY, HASH: key, value
    std::vector<uint64_t> keys;                         //!< map-delete: the keys
    std::string path;                                   //!< JSON pointer of the map's object
};

/**
 * \ingroup reuseport-migration
 * \brief A program given as a compiled eBPF object, with its maps filled at attach time.
 */
struct ProgramObjectSpec
{
    std::string object;            //!< the path as written
    std::string program;           //!< the program's name in the object; "" for the only one
    std::string resolved;          //!< the file found (see ResolveProgramObject())
    std::vector<MapFillSpec> maps; //!< the fills, in file order
    std::string path;              //!< JSON pointer of the program's object
};

/// \ingroup reuseport-migration \brief The nginx-like server.
struct ServerSpec
{
    std::string host;                                //!< node id (count 1)
    uint16_t port{80};                               //!< listening port
    uint32_t workers{4};                             //!< worker processes
    int backlog{511};                                //!< listen backlog
    DurationDistribution serviceTime;                //!< time per request
    std::string steering{"hash"};                    //!< "hash" or a built-in program name
    std::optional<ProgramObjectSpec> steeringObject; //!< or an eBPF object (steering "object")
    Time shutdownTimeout{Seconds(10)};               //!< worker_shutdown_timeout
};

/// \ingroup reuseport-migration \brief The client population.
struct ClientsSpec
{
    std::string hosts;              //!< node id (a group or a node)
    double rate{0};                 //!< connections per second, all hosts together
    std::string arrival{"poisson"}; //!< "poisson" or "constant"
    uint32_t requestBytes{200};     //!< request size
    uint32_t responseBytes{4096};   //!< response size
    Time timeout;                   //!< give up after (0: never)
    Time start;                     //!< first arrival
    Time stop;                      //!< last arrival (defaults to the duration)
};

/// \ingroup reuseport-migration \brief One event of the timeline.
struct EventSpec
{
    Time at;            //!< when
    std::string action; //!< what (reload, upgrade, close-listener, ...)
    std::string path;   //!< JSON pointer, for errors found later

    // reload, upgrade
    std::string strategy{"close"}; //!< close, drain-steer, drain-count, migrate, handover
    std::string policy{"hash"};    //!< hash, last-slot, a program name, or an object's file
    std::optional<ProgramObjectSpec> policyObject; //!< migrate: an eBPF object as the policy
    std::optional<uint32_t> workers;               //!< the new generation's worker count
    bool listenChange{false};                      //!< listen options change (reload)

    // worker actions
    uint32_t worker{0}; //!< worker index in the current generation
    bool respawn{true}; //!< kill-worker: start a replacement

    // set-sysctl
    std::string name;  //!< sysctl short name
    uint32_t value{0}; //!< its value

    // attach-program
    std::string program;                                     //!< built-in program name, or ""
    std::optional<ProgramObjectSpec> object;                 //!< or an eBPF object
    std::string attach{"select"};                            //!< "select" or "select-or-migrate"
    std::vector<std::pair<std::string, std::string>> params; //!< ns-3 attribute, value text

    // map-update, map-delete: a map of the attached object (object->maps is empty)
    MapFillSpec mapChange; //!< what changes

    // drop-segments
    std::string host; //!< node id whose interfaces drop, or ""
    std::optional<std::pair<std::string, std::string>> link; //!< or the link between two ids
    Time until;                                              //!< end of the window
    uint8_t flagsSet{0};                                     //!< TCP flags that must be set
    uint8_t flagsClear{0};                                   //!< TCP flags that must be clear
    uint16_t port{0}; //!< source or destination port (0: any)
};

/// \ingroup reuseport-migration \brief Optional outputs.
struct OutputSpec
{
    Time timeseriesInterval{MilliSeconds(100)}; //!< sampling of timeseries.csv
    bool connections{false};                    //!< write connections.csv
    bool pcap{false};                           //!< write pcaps
};

/**
 * \ingroup reuseport-migration
 * \brief A checked scenario: everything a run needs, in ns-3 units, with no JSON left.
 */
struct Scenario
{
    std::string file;                       //!< the file it came from
    std::string name;                       //!< results/<name>/
    std::string description;                //!< free text
    uint32_t seed{1};                       //!< ns-3 run number
    Time duration;                          //!< simulated time
    std::string scheduler{"heap"};          //!< ns-3 scheduler
    std::map<std::string, uint32_t> sysctl; //!< sysctl short name -> value, at start
    TopologySpec topology;                  //!< network
    ServerSpec server;                      //!< server
    ClientsSpec clients;                    //!< clients
    std::vector<EventSpec> events;          //!< timeline, sorted by time (stable)
    OutputSpec output;                      //!< optional outputs
    Time maxWall;                           //!< wall-clock budget per run (0: none)
    std::vector<std::string> warnings;      //!< legal but costly: "PATH: why"
};

/**
 * \ingroup reuseport-migration
 * \brief What the server can serve: its fewest workers, at the start or after any reload
 * or upgrade, each serving one request per mean service time.
 * \param s a scenario
 * \return requests per second (infinity if the mean service time is 0)
 */
double ServerCapacity(const Scenario& s);

/**
 * \ingroup reuseport-migration
 * \brief One run of a scenario: a point of its sweep.
 */
struct ScenarioRun
{
    uint32_t index{0};                                       //!< 0-based, in sweep order
    std::vector<std::pair<std::string, std::string>> params; //!< swept key -> value as text
    Scenario scenario;                                       //!< the scenario with the values set
};

} // namespace ns3

#endif /* SCENARIO_H */
