/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "scenario-checker.h"

#include "scenario-sweep-paths.h"

#include <algorithm>
#include <sstream>
#include <tuple>

namespace ns3
{

namespace scenario_detail
{

Scenario
Checker::Parse(const Json& doc)
{
    Scenario s;
    s.file = m_file;
    CheckObject(doc, "", TopKeys());
    CheckRequired(doc, "", {"name", "duration", "topology", "server", "clients"});

    static const std::regex nameRe("[a-z0-9][a-z0-9_-]*");
    s.name = Matching(doc.at("name"), "/name", nameRe, "a name matching [a-z0-9][a-z0-9_-]*");
    if (s.name.size() > ScenarioLoader::MAX_NAME_LENGTH)
    {
        // It names a directory, and file names have a length limit.
        Expect("/name",
               "a name of at most " + std::to_string(ScenarioLoader::MAX_NAME_LENGTH) +
                   " characters",
               doc.at("name"));
    }
    if (const Json* v = Find(doc, "description"))
    {
        s.description = String(*v, "/description", "a string");
    }
    if (const Json* v = Find(doc, "seed"))
    {
        s.seed = static_cast<uint32_t>(Integer(*v, "/seed", POSITIVE_U32));
    }
    s.duration = Duration(doc.at("duration"), "/duration", true);
    m_duration = s.duration;
    if (const Json* v = Find(doc, "scheduler"))
    {
        s.scheduler = Enum(*v, "/scheduler", Schedulers());
    }
    ParseSysctl(doc, s);
    ParseTopology(doc, s);
    ParseServer(doc, s);
    ParseClients(doc, s);
    ParseEvents(doc, s);
    ParseOutput(doc, s);
    if (const Json* v = Find(doc, "max_wall"))
    {
        s.maxWall = Duration(*v, "/max_wall", true);
    }
    CheckScale(doc, s);
    CheckSweep(doc);
    return s;
}

void
Checker::ParseSysctl(const Json& doc, Scenario& s) const
{
    for (const auto& spec : Sysctls())
    {
        s.sysctl[spec.name] = spec.defValue;
    }
    const Json* v = Find(doc, "sysctl");
    if (!v)
    {
        return;
    }
    CheckObject(*v, "/sysctl", SysctlNames());
    for (const auto& spec : Sysctls())
    {
        if (const Json* x = Find(*v, spec.name))
        {
            s.sysctl[spec.name] = static_cast<uint32_t>(
                Integer(*x, Child("/sysctl", spec.name), {spec.min, spec.max, spec.bounded}));
        }
    }
}

void
Checker::ParseTopology(const Json& doc, Scenario& s)
{
    const std::string path = "/topology";
    const Json& t = doc.at("topology");
    CheckObject(t, path, TopologyKeys());
    CheckRequired(t, path, TopologyKeys());
    s.topology.path = path;

    static const std::regex idRe("[A-Za-z0-9_-]+");
    const Json& nodes = t.at("nodes");
    if (!nodes.is_array())
    {
        Expect(path + "/nodes", "an array of nodes", nodes);
    }
    std::map<std::string, std::string> firstPath;
    for (size_t i = 0; i < nodes.size(); ++i)
    {
        const std::string p = Child(path + "/nodes", i);
        const Json& n = nodes[i];
        CheckObject(n, p, NodeKeys());
        CheckRequired(n, p, {"id"});
        NodeSpec node;
        node.path = p;
        node.id = Matching(n.at("id"), p + "/id", idRe, "a node id matching [A-Za-z0-9_-]+");
        if (firstPath.count(node.id))
        {
            Fail(p + "/id",
                 "expected a unique node id, got " + Dump(n.at("id")) + " (already used by " +
                     firstPath[node.id] + ")");
        }
        firstPath[node.id] = p;
        if (const Json* c = Find(n, "count"))
        {
            node.count = static_cast<uint32_t>(Integer(*c, p + "/count", POSITIVE_U32));
        }
        m_nodeCount[node.id] = node.count;
        m_nodeIds.push_back(node.id);
        s.topology.nodes.push_back(node);
    }

    const Json& links = t.at("links");
    if (!links.is_array())
    {
        Expect(path + "/links", "an array of links", links);
    }
    for (size_t i = 0; i < links.size(); ++i)
    {
        const std::string p = Child(path + "/links", i);
        const Json& l = links[i];
        CheckObject(l, p, LinkKeys());
        CheckRequired(l, p, {"between", "rate", "delay"});
        LinkSpec link;
        link.path = p;
        const Json& between = l.at("between");
        std::tie(link.a, link.b) = NodePair(between, p + "/between");
        if (link.a == link.b)
        {
            Expect(p + "/between", "two distinct node ids", between);
        }
        if (m_nodeCount.at(link.a) > 1 && m_nodeCount.at(link.b) > 1)
        {
            Expect(p + "/between", "at most one group (a node with count > 1)", between);
        }
        link.rate = Rate(l.at("rate"), p + "/rate");
        link.delay = Duration(l.at("delay"), p + "/delay", true);
        if (const Json* v = Find(l, "loss"))
        {
            if (!v->is_number() || !(v->get<double>() >= 0 && v->get<double>() < 1))
            {
                Expect(p + "/loss", "a probability in [0, 1)", *v);
            }
            link.loss = v->get<double>();
        }
        if (const Json* v = Find(l, "queue"))
        {
            link.queue = static_cast<uint32_t>(Integer(*v, p + "/queue", POSITIVE_U32));
        }
        m_links.insert({link.a, link.b});
        m_links.insert({link.b, link.a});
        s.topology.links.push_back(link);
    }
}

void
Checker::ParseServer(const Json& doc, Scenario& s) const
{
    const std::string path = "/server";
    const Json& v = doc.at("server");
    CheckObject(v, path, ServerKeys());
    CheckRequired(v, path, {"host"});
    ServerSpec& server = s.server;
    server.host = NodeRef(v.at("host"), path + "/host");
    if (uint32_t count = m_nodeCount.at(server.host); count != 1)
    {
        Fail(path + "/host",
             "expected a node with count 1, got " + Dump(v.at("host")) + " (count " +
                 std::to_string(count) + ")");
    }
    if (const Json* x = Find(v, "port"))
    {
        server.port = static_cast<uint16_t>(Integer(*x, path + "/port", PORT));
    }
    if (const Json* x = Find(v, "workers"))
    {
        server.workers = static_cast<uint32_t>(Integer(*x, path + "/workers", WORKERS));
    }
    if (const Json* x = Find(v, "backlog"))
    {
        server.backlog = static_cast<int>(
            Integer(*x, path + "/backlog", {0, std::numeric_limits<int>::max(), false}));
    }
    if (const Json* x = Find(v, "service_time"))
    {
        server.serviceTime = ParseServiceTime(*x, path + "/service_time");
    }
    if (const Json* x = Find(v, "steering"))
    {
        if (x->is_object())
        {
            // Attached as the master's SELECT program once the listeners exist, so that its
            // maps can name them.
            server.steeringObject = ParseProgramObject(*x, path + "/steering");
            server.steering = "object";
        }
        else if (!x->is_string() || !Contains(WithPrograms({"hash"}), x->get<std::string>()))
        {
            Expect(path + "/steering",
                   Alternatives(WithPrograms({"hash"})) +
                       R"(, or an eBPF object such as {"object": "programs/exclude-labels.bpf.o"})",
                   *x);
        }
        else
        {
            server.steering = x->get<std::string>();
        }
    }
    if (const Json* x = Find(v, "shutdown_timeout"))
    {
        server.shutdownTimeout = Duration(*x, path + "/shutdown_timeout", false);
    }
}

DurationDistribution
Checker::ParseServiceTime(const Json& v, const std::string& path) const
{
    DurationDistribution d;
    if (v.is_string())
    {
        d.kind = DurationDistribution::CONSTANT;
        d.value = Duration(v, path, false);
        return d;
    }
    if (!v.is_object())
    {
        Expect(path, R"(a duration such as "3s" or "150ms", or a distribution object)", v);
    }
    CheckRequired(v, path, {"distribution"});
    std::string name = Enum(v.at("distribution"), path + "/distribution", Distributions());
    const Keys& keys = *DistributionKeys(name);
    CheckObject(v, path, keys);
    CheckRequired(v, path, keys);
    if (name == "constant")
    {
        d.kind = DurationDistribution::CONSTANT;
        d.value = Duration(v.at("value"), path + "/value", false);
    }
    else if (name == "exponential")
    {
        d.kind = DurationDistribution::EXPONENTIAL;
        d.mean = Duration(v.at("mean"), path + "/mean", true);
    }
    else
    {
        d.kind = DurationDistribution::UNIFORM;
        d.min = Duration(v.at("min"), path + "/min", false);
        d.max = Duration(v.at("max"), path + "/max", false);
        if (d.max < d.min)
        {
            Expect(path + "/max", "a duration >= min (" + Dump(v.at("min")) + ")", v.at("max"));
        }
    }
    return d;
}

void
Checker::ParseClients(const Json& doc, Scenario& s) const
{
    const std::string path = "/clients";
    const Json& v = doc.at("clients");
    CheckObject(v, path, ClientsKeys());
    CheckRequired(v, path, {"hosts", "rate"});
    ClientsSpec& c = s.clients;
    c.hosts = NodeRef(v.at("hosts"), path + "/hosts");
    if (c.hosts == s.server.host)
    {
        Expect(path + "/hosts", "a node other than the server host", v.at("hosts"));
    }
    c.rate = Positive(v.at("rate"), path + "/rate");
    if (c.rate < ScenarioLoader::MIN_RATE || c.rate > ScenarioLoader::MAX_RATE)
    {
        // Below, arrivals are further apart than ns-3's time can count per host; above,
        // they would fall on the same nanosecond.
        std::ostringstream os;
        os << "a rate between " << ScenarioLoader::MIN_RATE << " and " << ScenarioLoader::MAX_RATE
           << " connections per second";
        Expect(path + "/rate", os.str(), v.at("rate"));
    }
    if (const Json* x = Find(v, "arrival"))
    {
        c.arrival = Enum(*x, path + "/arrival", {"poisson", "constant"});
    }
    if (const Json* x = Find(v, "request_bytes"))
    {
        c.requestBytes = static_cast<uint32_t>(Integer(*x, path + "/request_bytes", POSITIVE_U32));
    }
    if (const Json* x = Find(v, "response_bytes"))
    {
        c.responseBytes =
            static_cast<uint32_t>(Integer(*x, path + "/response_bytes", POSITIVE_U32));
    }
    if (const Json* x = Find(v, "timeout"))
    {
        c.timeout = Duration(*x, path + "/timeout", false);
    }
    if (const Json* x = Find(v, "start"))
    {
        c.start = Duration(*x, path + "/start", false);
    }
    const Json& duration = doc.at("duration");
    const Json* stop = Find(v, "stop");
    c.stop = s.duration;
    if (stop)
    {
        c.stop = Duration(*stop, path + "/stop", false);
        if (c.stop > s.duration)
        {
            Expect(path + "/stop", "a time within the run (<= " + Dump(duration) + ")", *stop);
        }
    }
    if (c.start >= c.stop)
    {
        if (const Json* start = Find(v, "start"))
        {
            Expect(path + "/start",
                   stop ? "a time before stop (" + Dump(*stop) + ")"
                        : "a time before the end of the run (" + Dump(duration) + ")",
                   *start);
        }
        Expect(path + "/stop", "a time after start (0s when not given)", *stop);
    }
}

void
Checker::ParseOutput(const Json& doc, Scenario& s) const
{
    const std::string path = "/output";
    const Json* v = Find(doc, "output");
    if (!v)
    {
        return;
    }
    CheckObject(*v, path, OutputKeys());
    if (const Json* x = Find(*v, "timeseries_interval"))
    {
        s.output.timeseriesInterval = Duration(*x, path + "/timeseries_interval", true);
    }
    if (const Json* x = Find(*v, "connections"))
    {
        s.output.connections = Bool(*x, path + "/connections");
    }
    if (const Json* x = Find(*v, "pcap"))
    {
        s.output.pcap = Bool(*x, path + "/pcap");
    }
}

void
Checker::CheckSweep(const Json& doc) const
{
    const Json* v = Find(doc, "sweep");
    if (!v)
    {
        return;
    }
    if (!v->is_object())
    {
        Expect("/sweep", "an object of parameters and their values", *v);
    }
    Json plain = doc;
    plain.erase("sweep");
    auto check = [&plain, this](const std::string& key, const std::string& p) {
        Keys pointers;
        std::string why = ResolveTargets(plain, key, pointers);
        if (!why.empty())
        {
            Fail(p, why);
        }
    };
    for (const auto& item : v->items())
    {
        const std::string p = Child("/sweep", item.key());
        if (item.key() != "zip")
        {
            check(item.key(), p);
            if (!item.value().is_array() || item.value().empty())
            {
                Expect(p, "a non-empty array of values", item.value());
            }
            continue;
        }
        // Parameters that vary together: one object of values per run.
        const Json& zip = item.value();
        if (!zip.is_array() || zip.empty())
        {
            Expect(p,
                   R"(a non-empty array of objects of values, such as [{"strategy": "close"}, )"
                   R"({"strategy": "migrate", "policy": "hash"}])",
                   zip);
        }
        for (size_t i = 0; i < zip.size(); ++i)
        {
            const std::string pi = Child(p, i);
            if (!zip[i].is_object() || zip[i].empty())
            {
                Expect(pi, "a non-empty object from parameters to their values", zip[i]);
            }
            for (const auto& entry : zip[i].items())
            {
                const std::string pk = Child(pi, entry.key());
                if (v->contains(entry.key()))
                {
                    Fail(pk,
                         "already swept by " + Child("/sweep", entry.key()) +
                             " (a parameter is either zipped or swept alone)");
                }
                check(entry.key(), pk);
            }
        }
    }
}

} // namespace scenario_detail

} // namespace ns3
