"""A scenario file as the kernel side sees it: the supported subset, checked before anything
starts, and the runs of its sweep.

The simulator's loader is the authority on what a valid scenario is; this module only
reads what the kernel side uses, and refuses the first thing outside its subset with
`FILE: /json/path: expected ...`, like the loader's messages.
"""
import itertools
import json
import math
import os
import re
from pathlib import Path

from . import bpf

# The scenario format's sysctls (doc/scenarios.md) and their defaults, with the
# /proc/sys path each one is set through in the server's namespace.
SYSCTLS = {
    "somaxconn": ("net/core/somaxconn", 4096),
    "tcp_max_syn_backlog": ("net/ipv4/tcp_max_syn_backlog", 1024),
    "tcp_synack_retries": ("net/ipv4/tcp_synack_retries", 5),
    "tcp_abort_on_overflow": ("net/ipv4/tcp_abort_on_overflow", 0),
    "tcp_syncookies": ("net/ipv4/tcp_syncookies", 1),
    "tcp_migrate_req": ("net/ipv4/tcp_migrate_req", 0),
}

# Events the kernel side applies; drop-segments needs a packet filter.
EVENTS = {"reload", "upgrade", "close-listener", "shutdown-listener", "listen",
          "stall-worker", "resume-worker", "kill-worker", "set-sysctl",
          "attach-program", "detach-program", "map-update", "map-delete"}
STRATEGIES = ("close", "drain-steer", "drain-count", "migrate", "handover")
POLICIES = ("hash",)   # or an eBPF object; the built-in C++ programs run in the model only
PROGRAM_EVENTS = ("attach-program", "detach-program", "map-update", "map-delete")
# Where the build compiles programs/NAME.bpf.c, and the draining recipes' objects there.
BUILD = Path(__file__).resolve().parent.parent / "build"
DRAIN_OBJECTS = {"drain-steer": "programs/drain-steer.bpf.o",
                 "drain-count": "programs/drain-count.bpf.o"}

# A path of at most this much one-way delay runs over the veth pair directly (its own
# round trip is tens of microseconds); more goes through the delay line (delayline.py).
NEAR_ZERO_DELAY = 0.0005
# The veth pair is not shaped: refuse links slow enough for their rate to matter.
MIN_RATE_BPS = 1e9

_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "min": 60.0, "h": 3600.0}
_RATE_UNITS = {"bps": 1, "kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9,
               "Bps": 8, "kBps": 8e3, "MBps": 8e6, "GBps": 8e9}


class ScenarioError(Exception):
    """A message naming the file, the JSON path and what was expected."""

    def __init__(self, file, path, message):
        super().__init__(f"{file}: {path}: {message}")
        self.file, self.path, self.message = file, path, message


def parse_duration(text):
    """Seconds in an ns-3 time string ("10ms"), or None."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(min|ms|us|ns|s|h)\s*",
                     str(text))
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def parse_rate(text):
    """Bits per second in an ns-3 data-rate string ("1Gbps"), or None."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kMG]?[bB]ps)\s*", str(text))
    return float(m.group(1)) * _RATE_UNITS[m.group(2)] if m else None


def value_text(v):
    """A sweep value as the simulator's summary.csv writes it (ValueText in the loader)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return json.dumps(v)


class _Doc:
    """Typed reads from one run's document; a wrong type or value is a ScenarioError."""

    def __init__(self, file, doc):
        self.file, self.doc = file, doc

    def fail(self, path, expected, got=None):
        raise ScenarioError(self.file, path, f"expected {expected}"
                            + ("" if got is None else f", got {json.dumps(got)}"))

    def get(self, path, default=None):
        cur = self.doc
        for part in path.strip("/").split("/"):
            if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
                cur = cur[int(part)]
            elif isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                return default
        return cur

    def duration(self, path, default=None):
        v = self.get(path, default)
        seconds = parse_duration(v) if isinstance(v, str) else None
        if seconds is None:
            self.fail(path, 'a duration such as "3s" or "150ms"', v)
        return seconds

    def integer(self, path, default=None, low=None, high=None):
        v = self.get(path, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not float(v).is_integer():
            self.fail(path, "an integer", v)
        if (low is not None and v < low) or (high is not None and v > high):
            self.fail(path, f"an integer in [{low}, {high}]", v)
        return int(v)

    def number(self, path, default=None):
        v = self.get(path, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            self.fail(path, "a number", v)
        return float(v)

    def string(self, path, default=None, choices=None, why=""):
        v = self.get(path, default)
        if not isinstance(v, str):
            self.fail(path, "a string", v)
        if choices is not None and v not in choices:
            names = " or ".join(f'"{c}"' for c in choices)
            self.fail(path, names + why, v)
        return v


def read_document(file):
    try:
        with open(file, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise ScenarioError(file, "", f"expected a readable file ({e.strerror})") from None
    except ValueError as e:
        raise ScenarioError(file, "", f"expected JSON ({e})") from None
    if not isinstance(doc, dict):
        raise ScenarioError(file, "", "expected an object")
    return doc


def _set_path(doc, dotted, value):
    # A sweep's dotted path ("clients.rate", "events.0.workers"), objects created as needed.
    parts = dotted.split(".")
    cur = doc
    for part in parts[:-1]:
        cur = cur[int(part)] if isinstance(cur, list) else cur.setdefault(part, {})
    last = parts[-1]
    if isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value


def _apply(doc, key, value):
    if key in ("strategy", "policy"):
        for event in doc.get("events", []):
            if isinstance(event, dict) and event.get("action") in ("reload", "upgrade"):
                event[key] = value
    else:
        _set_path(doc, key, value)


def _targets(doc, key):
    # The JSON pointers a sweep parameter writes, to report its errors at /sweep/KEY/I.
    if key in ("strategy", "policy"):
        return [f"/events/{i}/{key}" for i, e in enumerate(doc.get("events", []))
                if isinstance(e, dict) and e.get("action") in ("reload", "upgrade")]
    return ["/" + key.replace(".", "/")]


def expand(file, doc):
    """[(index, params, document)]: the sweep's runs in the simulator's order (the last
    parameter varies fastest); params is [(key, text)]."""
    sweep = doc.get("sweep") or {}
    if not isinstance(sweep, dict):
        raise ScenarioError(file, "/sweep", "expected an object of parameters and their values")
    plain = {k: v for k, v in doc.items() if k != "sweep"}
    keys = list(sweep)
    for key in keys:
        if not isinstance(sweep[key], list) or not sweep[key]:
            raise ScenarioError(file, f"/sweep/{key}", "expected a non-empty array of values")
    runs = []
    for k, pick in enumerate(itertools.product(*(range(len(sweep[key])) for key in keys))):
        d = json.loads(json.dumps(plain))
        for key, i in zip(keys, pick):
            _apply(d, key, sweep[key][i])
        runs.append((k, [(key, value_text(sweep[key][i])) for key, i in zip(keys, pick)], d))
    return runs


def check_subset(file, doc):
    """Refuse, with its JSON path, the first thing the kernel side cannot run; a swept value
    is reported where it is written (/sweep/KEY/I)."""
    plain = {k: v for k, v in doc.items() if k != "sweep"}
    check_run(file, plain)
    sweep = doc.get("sweep") or {}
    if not isinstance(sweep, dict):
        raise ScenarioError(file, "/sweep", "expected an object of parameters and their values")
    for key, values in sweep.items():
        # Not yet on the kernel side: refused rather than run as something else.
        if key == "zip":
            raise ScenarioError(file, "/sweep/zip", "expected no zip (the kernel side sweeps "
                                "one parameter at a time; write the runs as separate sweeps)")
        parts = key.split(".")
        if len(parts) > 2 and parts[0] == "events" and not parts[1].isdigit():
            raise ScenarioError(file, f"/sweep/{key}", "expected an event index, as in "
                                "events.0.strategy (the kernel side does not select events "
                                "by action)")
        if not isinstance(values, list):
            raise ScenarioError(file, f"/sweep/{key}", "expected a non-empty array of values")
        for i, value in enumerate(values):
            d = json.loads(json.dumps(plain))
            _apply(d, key, value)
            try:
                check_run(file, d)
            except ScenarioError as e:
                for t in _targets(plain, key):
                    if e.path == t or e.path.startswith(t + "/"):
                        raise ScenarioError(file, f"/sweep/{key}/{i}" + e.path[len(t):],
                                            e.message) from None
                raise


def _path_links(file, d, topo_nodes, links, server, clients):
    # The links of the one path from the clients to the server, in order; every node must be
    # on it (one server host, clients on one side of one path).
    neighbours = {}
    for i, link in enumerate(links):
        between = d.get(f"/topology/links/{i}/between")
        if not (isinstance(between, list) and len(between) == 2):
            d.fail(f"/topology/links/{i}/between", "two node ids", between)
        a, b = between
        neighbours.setdefault(a, []).append((b, i))
        neighbours.setdefault(b, []).append((a, i))
    path, seen, at = [], {clients}, clients
    while at != server:
        nxt = [(n, i) for n, i in neighbours.get(at, []) if n not in seen]
        if len(nxt) != 1:
            i = nxt[1][1] if len(nxt) > 1 else len(links) - 1
            d.fail(f"/topology/links/{max(i, 0)}",
                   f"one path from \"{clients}\" to \"{server}\" with no branch "
                   "(the kernel side runs one chain of hosts)")
        at, i = nxt[0]
        seen.add(at)
        path.append(i)
    for i, node in enumerate(topo_nodes):
        if node.get("id") not in seen:
            d.fail(f"/topology/nodes/{i}", "only nodes on the path from the clients to the "
                   "server (the kernel side runs one chain of hosts)", node.get("id"))
    for i in range(len(links)):
        if i not in path:
            d.fail(f"/topology/links/{i}", "only links on the path from the clients to the "
                   "server")
    return path


def check_run(file, doc):
    """Check one run's document (no sweep) and return its Plan."""
    d = _Doc(file, doc)
    output = doc.get("output", {})
    for key in ("pcap", "connections"):
        if isinstance(output, dict) and output.get(key):
            d.fail(f"/output/{key}", "false (the kernel side writes no "
                   f"{'pcap' if key == 'pcap' else 'connections.csv'})", output.get(key))
    sysctl = doc.get("sysctl", {})
    if not isinstance(sysctl, dict):
        d.fail("/sysctl", "an object", sysctl)
    for key in sysctl:
        if key not in SYSCTLS:
            d.fail(f"/sysctl/{key}", "one of " + ", ".join(SYSCTLS))
    sysctls = {k: d.integer(f"/sysctl/{k}", default) for k, (_, default) in SYSCTLS.items()}

    nodes = d.get("/topology/nodes")
    links = d.get("/topology/links")
    if not isinstance(nodes, list) or not isinstance(links, list):
        d.fail("/topology", "an object with nodes and links arrays")
    server_host = d.string("/server/host")
    client_hosts = d.string("/clients/hosts")
    counts = {n.get("id"): n.get("count", 1) for n in nodes if isinstance(n, dict)}
    path = _path_links(file, d, nodes, links, server_host, client_hosts)
    delay = 0.0
    for i in path:
        if d.get(f"/topology/links/{i}/loss", 0) != 0:
            d.fail(f"/topology/links/{i}/loss", "0 (the kernel side drops no packets)",
                   d.get(f"/topology/links/{i}/loss"))
        if d.get(f"/topology/links/{i}/queue") is not None:
            d.fail(f"/topology/links/{i}/queue", "no queue (the veth links are not shaped)",
                   d.get(f"/topology/links/{i}/queue"))
        rate = parse_rate(d.get(f"/topology/links/{i}/rate"))
        if rate is None or rate < MIN_RATE_BPS:
            d.fail(f"/topology/links/{i}/rate", "a rate of at least 1Gbps (the veth links "
                   "are not shaped)", d.get(f"/topology/links/{i}/rate"))
        delay += d.duration(f"/topology/links/{i}/delay")

    steering_object = None
    if isinstance(d.get("/server/steering"), dict):
        # As the model's master: attached once the first sockets listen, before any event.
        steering_object = _object(d, "/server/steering")
    else:
        steering = d.string("/server/steering", "hash")
        if steering != "hash":
            d.fail("/server/steering", '"hash" or an eBPF object (the kernel side runs no '
                   'built-in C++ program; name its twin under programs/)', steering)
    service = d.get("/server/service_time", "0s")
    if isinstance(service, dict):
        kind = d.string("/server/service_time/distribution", None,
                        ("constant", "exponential", "uniform"))
        keys = {"constant": ("value",), "exponential": ("mean",), "uniform": ("min", "max")}
        service = {"distribution": kind, **{k: d.duration(f"/server/service_time/{k}")
                                            for k in keys[kind]}}
    else:
        service = {"distribution": "constant", "value": d.duration("/server/service_time", "0s")}

    duration = d.duration("/duration")
    plan = {
        "seed": d.integer("/seed", 1, 1),
        "duration": duration,
        "sysctl": sysctls,
        "path_delay": delay,
        "delay_line": delay > NEAR_ZERO_DELAY,
        "timeseries_interval": d.duration("/output/timeseries_interval", "100ms"),
        "client_hosts": int(counts.get(client_hosts, 1)),
        "server": {
            "port": d.integer("/server/port", 80, 1, 65535),
            "workers": d.integer("/server/workers", 4, 1, 1024),
            "backlog": d.integer("/server/backlog", 511, 0),
            "service_time": service,
            "shutdown_timeout": d.duration("/server/shutdown_timeout", "10s"),
        },
        "clients": {
            "rate": d.number("/clients/rate"),
            "arrival": d.string("/clients/arrival", "poisson", ("poisson", "constant")),
            "request_bytes": d.integer("/clients/request_bytes", 200, 1),
            "response_bytes": d.integer("/clients/response_bytes", 4096, 1),
            "timeout": d.duration("/clients/timeout", "0s"),
            "start": d.duration("/clients/start", "0s"),
            "stop": d.duration("/clients/stop", doc.get("duration")),
        },
        "events": [],
    }
    events = doc.get("events", [])
    if not isinstance(events, list):
        d.fail("/events", "an array", events)
    attached = None   # the object of the last attach-program, in file order
    if steering_object is not None:
        plan["events"].append({"index": -1, "at": 0.0, "action": "attach-program",
                               "path": "/server/steering", "program": steering_object})
        attached = steering_object
    for i, event in enumerate(events):
        p = f"/events/{i}"
        action = d.string(f"{p}/action")
        if action not in EVENTS:
            d.fail(f"{p}/action", "one of " + ", ".join(sorted(EVENTS)) + " (the kernel side "
                   "has no packet filter)", action)
        for key in ("every", "count") + (() if action == "drop-segments" else ("until",)):
            if d.get(f"{p}/{key}") is not None:
                d.fail(f"{p}/{key}", "no repetition (the kernel side does not repeat events; "
                       "write each occurrence)", d.get(f"{p}/{key}"))
        e = {"index": i, "at": d.duration(f"{p}/at"), "action": action, "path": p}
        if action in ("reload", "upgrade"):
            e["strategy"] = d.string(f"{p}/strategy", "close", STRATEGIES)
            e["policy_object"] = None
            if e["strategy"] == "migrate":
                if isinstance(d.get(f"{p}/policy"), dict):
                    e["policy_object"] = _object(d, f"{p}/policy")
                else:
                    d.string(f"{p}/policy", "hash", POLICIES,
                             " or an eBPF object (the built-in C++ programs run in the model "
                             "only; name their twin, e.g. {\"object\": "
                             "\"programs/migrate-to-new.bpf.o\", ...})")
            # Without `workers` the count is unchanged: known once the events are in order.
            e["workers"] = None if d.get(f"{p}/workers") is None else \
                d.integer(f"{p}/workers", None, 1, 1024)
            e["replace_all"] = action == "upgrade" or d.get(f"{p}/listen_change", False) is True
        elif action == "set-sysctl":
            e["name"] = d.string(f"{p}/name", None, tuple(SYSCTLS))
            e["value"] = d.integer(f"{p}/value")
        elif action == "attach-program":
            if not isinstance(d.get(f"{p}/program"), dict):
                d.fail(f"{p}/program", "an eBPF object {\"object\": FILE, ...} (the kernel "
                       "side runs no built-in C++ program; name its twin under programs/)",
                       d.get(f"{p}/program"))
            for key in ("attach", "params"):
                if d.get(f"{p}/{key}") is not None:
                    d.fail(f"{p}/{key}", "nothing with an object (its section gives the "
                           "attach type)", d.get(f"{p}/{key}"))
            e["program"] = _object(d, f"{p}/program")
            attached = e["program"]
        elif action in ("map-update", "map-delete"):
            if attached is None:
                d.fail(f"{p}", "an eBPF object attached by an attach-program before it")
            e["change"] = _map_change(d, p, attached, action == "map-delete")
        elif action == "detach-program":
            attached = None
        else:
            e["worker"] = d.integer(f"{p}/worker", None, 0)
            if action == "kill-worker":
                e["respawn"] = d.get(f"{p}/respawn", True) is not False
        plan["events"].append(e)
    # Time order, ties in file order, as the simulator applies them; then each event finds
    # the generation it acts on.
    plan["events"].sort(key=lambda e: (e["at"], e["index"]))
    _check_programs(file, d, plan)
    count = plan["server"]["workers"]
    opened = count
    for e in plan["events"]:
        if e["action"] in ("reload", "upgrade"):
            e["workers"] = count = e["workers"] or count
            opened += count
            if plan["count_steering"] or plan["marks"]:
                if opened > DRAIN_SLOTS:
                    d.fail(f"/events/{e['index']}/workers", f"at most {DRAIN_SLOTS} sockets "
                           "opened over the run (the slots of the drain program's "
                           "sockarray)", e["workers"])
        elif "worker" in e and e["worker"] >= count:
            d.fail(f"/events/{e['index']}/worker", f"a worker of the current generation "
                   f"(0 to {count - 1})", e["worker"])
    return plan


DRAIN_SLOTS = 64   # MAX_LISTENERS of programs/drain-*.bpf.c


def resolve_object(file, written):
    """The object file a scenario names (as the simulator's ResolveProgramObject): an
    absolute path as it is; a relative one beside the scenario file, then in the build
    directory. (path or None, the places tried)."""
    if os.path.isabs(written):
        candidates = [Path(written)]
    else:
        candidates = [Path(file).resolve().parent / written, BUILD / written]
    for c in candidates:
        if c.is_file():
            return str(c), None
    return None, " or ".join(str(c) for c in candidates)


def _object(d, path):
    # {"object": FILE, "program": NAME, "maps": [FILL]}: found, opened (nothing loaded),
    # its maps checked; the plan's copy has the file's path and the attach type.
    spec = d.get(path)
    for key in spec:
        if key not in ("object", "program", "maps"):
            d.fail(f"{path}/{key}", "one of object, program, maps")
    written = d.string(f"{path}/object")
    name = d.get(f"{path}/program")
    if name is not None:
        name = d.string(f"{path}/program")
    found, tried = resolve_object(d.file, written)
    if found is None:
        d.fail(f"{path}/object", f"an existing object file (tried {tried}; the build "
               "compiles programs/NAME.bpf.c into build/programs/NAME.bpf.o)", written)
    try:
        section, maps = bpf.describe(found, name)
    except bpf.BpfError as err:
        d.fail(f"{path}/object", f"an SK_REUSEPORT object ({err})", written)
    if section not in ("sk_reuseport", "sk_reuseport/migrate"):
        d.fail(f"{path}/object", "a program in section sk_reuseport or sk_reuseport/migrate",
               section)
    out = {"object": found, "program": name, "migrate": section == "sk_reuseport/migrate",
           "map_types": maps, "maps": []}
    fills = d.get(f"{path}/maps", [])
    if not isinstance(fills, list):
        d.fail(f"{path}/maps", "an array of map fills", fills)
    for k in range(len(fills)):
        out["maps"].append(_map_change(d, f"{path}/maps/{k}", out, False))
    return out


def _map_change(d, path, obj, delete):
    # A map fill ({"map", "from" | "entries"}) or, to delete, {"map", "keys"}.
    name = d.string(f"{path}/map")
    kind = obj["map_types"].get(name)
    if kind is None:
        d.fail(f"{path}/map", "a map of the object (" + ", ".join(sorted(obj["map_types"]))
               + ")", name)
    sockarray = kind == bpf.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY
    if delete:
        keys = d.get(f"{path}/keys")
        if not isinstance(keys, list) or not keys:
            d.fail(f"{path}/keys", "a non-empty array of integers", keys)
        return {"map": name, "keys": [d.integer(f"{path}/keys/{k}", None, 0)
                                      for k in range(len(keys))]}
    if d.get(f"{path}/from") is not None:
        if not sockarray:
            d.fail(f"{path}/from", f"a REUSEPORT_SOCKARRAY for listeners, but map \"{name}\" "
                   "is not one (fill it with \"entries\")")
        return {"map": name, "from": d.string(f"{path}/from")}
    entries = d.get(f"{path}/entries")
    if sockarray or not isinstance(entries, list):
        d.fail(f"{path}/entries" if not sockarray else f"{path}/from",
               "listeners by label (\"from\")" if sockarray else
               "an array of {\"key\": K, \"value\": V}", entries)
    return {"map": name, "entries": [
        {"key": d.integer(f"{path}/entries/{k}/key", None, 0),
         "value": d.integer(f"{path}/entries/{k}/value", None, 0)}
        for k in range(len(entries))]}


def _check_programs(file, d, plan):
    # The eBPF side of a run: the drain objects, the privileges and kernel it needs.
    events = plan["events"]
    drains = [e for e in events if e.get("strategy") in ("drain-steer", "drain-count")]
    user = [e for e in events if e["action"] == "attach-program" or e.get("policy_object")]
    if drains and user:
        later = max(drains[0], user[0], key=lambda e: (e["at"], e["index"]))
        d.fail(later["path"], "no drain strategy and eBPF object of the "
               "scenario in one run (the kernel keeps a socket in one sockarray; the drain "
               "program's would take them)")
    plan["count_steering"] = any(e["strategy"] == "drain-count" for e in drains)
    plan["marks"] = any(e["strategy"] == "drain-steer" for e in drains)
    plan["drain_objects"] = {}
    for e in drains:
        for name, written in DRAIN_OBJECTS.items():
            found, tried = resolve_object(str(BUILD / "x"), str(BUILD / written))
            if found is None:
                d.fail(f"/events/{e['index']}/strategy", f"the compiled {written} in the "
                       f"build directory (./waf build; tried {tried})", e["strategy"])
            plan["drain_objects"][name] = found
    plan["programs"] = bool(drains or user)
    plan["select_or_migrate"] = any(
        (e.get("program") or e.get("policy_object") or {}).get("migrate") for e in user)


def needs_migration(plan):
    """Whether the run relies on tcp_migrate_req (Linux 5.14+)."""
    return (plan["sysctl"]["tcp_migrate_req"] == 1 or plan.get("select_or_migrate")
            or any(e.get("strategy") == "migrate" for e in plan["events"])
            or any(e["action"] == "set-sysctl" and e["name"] == "tcp_migrate_req"
                   and e["value"] == 1 for e in plan["events"]))
