"""The open-loop client population of the kernel side, run inside the client namespace:
python3 -m validation.clients. Protocol: its plan as a line of JSON in; "ready" out; the
start time (monotonic seconds) as a line in; its result as a line of JSON out at the end.

Every connection ends in exactly one outcome, classified from what the socket reports, as
the simulated client (client-connection.cc) classifies its own:
  completed   the whole response arrived
  refused     the connect failed: a RST while connecting (ECONNREFUSED), or any other
              error before the connection was established
  reset       connected, then ECONNRESET/EPIPE (also when reported by the connect), or
              the server's FIN before the whole response
  timeout     the scenario's timeout passed first, or the kernel gave up (ETIMEDOUT)
  unfinished  still open when the run ended
"""
import errno
import heapq
import json
import math
import random
import selectors
import socket
import sys
import time

from . import delayline
from .netns import SERVER_ADDR, client_addr

OUTCOMES = ("completed", "reset", "refused", "timeout", "unfinished")
IP_BIND_ADDRESS_NO_PORT = 24


def classify_connect_error(err):
    """The outcome of a connect that failed with errno err (SO_ERROR). Linux's tcp_reset
    reports a RST in SYN_SENT as ECONNREFUSED and one after the handshake as ECONNRESET
    (EPIPE in CLOSE_WAIT): those connected before the RST, even if we had not looked yet."""
    if err == errno.ETIMEDOUT:
        return "timeout"
    return "reset" if err in (errno.ECONNRESET, errno.EPIPE) else "refused"


def classify_error(err):
    """The outcome of an error on an established connection."""
    return "timeout" if err == errno.ETIMEDOUT else "reset"


def arrivals(plan, host):
    """Arrival times (seconds from the start) of one client host: its share of the rate,
    constant from `start`, or Poisson with a first gap, until `stop` (and the run's end)."""
    c = plan["clients"]
    rate = c["rate"] / plan["client_hosts"]
    end = min(c["stop"], plan["duration"])
    times = []
    if c["arrival"] == "constant":
        k = 0
        while c["start"] + k / rate < end:
            times.append(c["start"] + k / rate)
            k += 1
        return times
    rng = random.Random(plan["seed"] * 1000 + host)
    t = c["start"] + rng.expovariate(rate)
    while t < end:
        times.append(t)
        t += rng.expovariate(rate)
    return times


def percentile(sorted_values, p):
    """Nearest-rank percentile, as the simulator's summary computes it; None when empty."""
    if not sorted_values:
        return None
    rank = math.ceil(p / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


class _Conn:
    __slots__ = ("sock", "start", "connected", "sent", "received", "outcome", "deadline")

    def __init__(self, sock, start):
        self.sock, self.start = sock, start
        self.connected = None
        self.sent = self.received = 0
        self.outcome = None


class Generator:
    def __init__(self, plan):
        self.plan = plan
        c = plan["clients"]
        self.request = b"q" * c["request_bytes"]
        self.response_bytes = c["response_bytes"]
        self.timeout = c["timeout"]
        self.server = (SERVER_ADDR, plan["server"]["port"])
        self.addrs = [client_addr(h) for h in range(plan["client_hosts"])]
        self.sel = selectors.DefaultSelector()
        self.open = set()
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.errors = {}
        self.connect_ms, self.response_ms, self.late_ms = [], [], []
        self.completed_at = []   # seconds into the run, for timeseries.csv

    def run(self, t0):
        self.t0 = t0
        # Every host's arrivals, in time order; this generator takes its share of them
        # (every n-th, from the k-th), the others go to the other generators.
        k, n = self.plan.get("share", (0, 1))
        schedule = sorted((t, h) for h in range(self.plan["client_hosts"])
                          for t in arrivals(self.plan, h))[k::n]
        deadlines = []
        end = t0 + self.plan["duration"]
        i = 0
        while True:
            now = time.monotonic()
            while i < len(schedule) and t0 + schedule[i][0] <= now:
                self.late_ms.append((now - t0 - schedule[i][0]) * 1000)
                conn = self._start(schedule[i][1], now)
                if conn and self.timeout > 0:
                    heapq.heappush(deadlines, (now + self.timeout, id(conn), conn))
                i += 1
            while deadlines and deadlines[0][0] <= now:
                conn = heapq.heappop(deadlines)[2]
                if conn.outcome is None:
                    self._decide(conn, "timeout", now)
            if now >= end:
                break
            nxt = min(t0 + schedule[i][0] if i < len(schedule) else end,
                      deadlines[0][0] if deadlines else end, end)
            for key, mask in self.sel.select(max(0.0, nxt - now)):
                self._io(key.data, time.monotonic())
        # Still open at the end: unfinished. The sockets stay as they are until the
        # namespace goes, so closing them cannot change the server's counters.
        self.kept = list(self.open)  # referenced, so that they are not closed
        for conn in self.kept:
            conn.outcome = "unfinished"
            self.counts["unfinished"] += 1
        self.open.clear()
        return self.result(len(schedule) if i >= len(schedule) else i)

    def _start(self, host, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        conn = _Conn(s, now)
        try:
            # The port is picked at connect(), by the 4-tuple, as for a socket never bound:
            # bind() with port 0 would scan for a port free for every destination.
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((self.addrs[host], 0))
            err = s.connect_ex(self.server)
        except OSError as e:
            err = e.errno
        if err not in (0, errno.EINPROGRESS):
            self._note(err)
            self.open.add(conn)
            self._decide(conn, classify_connect_error(err), now)
            return None
        self.open.add(conn)
        self.sel.register(s, selectors.EVENT_WRITE, conn)
        return conn

    def _note(self, err):
        name = errno.errorcode.get(err, str(err))
        self.errors[name] = self.errors.get(name, 0) + 1

    def _io(self, conn, now):
        if conn.outcome is not None:
            return
        if conn.connected is None:
            err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self._note(err)
                self._decide(conn, classify_connect_error(err), now)
                return
            conn.connected = now
            self.connect_ms.append((now - conn.start) * 1000)
        try:
            if conn.sent < len(self.request):
                conn.sent += conn.sock.send(self.request[conn.sent:])
            while True:
                data = conn.sock.recv(65536)
                if not data:
                    # The server's FIN before the whole response, as the model counts it.
                    self._decide(conn, "reset", now)
                    return
                conn.received += len(data)
                if conn.received >= self.response_bytes:
                    self.response_ms.append((now - conn.start) * 1000)
                    self.completed_at.append(now - self.t0)
                    self._decide(conn, "completed", now)
                    return
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            self._note(e.errno)
            self._decide(conn, classify_error(e.errno), now)
            return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.sent < len(self.request)
                                         else 0)
        self.sel.modify(conn.sock, events, conn)

    def _decide(self, conn, outcome, now):
        conn.outcome = outcome
        self.counts[outcome] += 1
        self.open.discard(conn)
        if conn.sock.fileno() in self.sel.get_map():
            self.sel.unregister(conn.sock)
        if outcome in ("completed", "timeout") and conn.connected is not None:
            # Read what is left first: close() with unread data would send a RST.
            try:
                while conn.sock.recv(65536):
                    pass
            except OSError:
                pass
        # From SYN_SENT, close() sends nothing; once connected it sends a FIN.
        conn.sock.close()

    def result(self, attempts):
        """Counts, and the raw samples (merge() makes the percentiles)."""
        return {"attempts": attempts, **self.counts, "errors": self.errors,
                "connect_ms": self.connect_ms, "response_ms": self.response_ms,
                "late_ms": self.late_ms, "completed_at": self.completed_at}


def merge(parts):
    """One result from those of the generators that shared the client hosts."""
    out = {"attempts": sum(p["attempts"] for p in parts)}
    for k in OUTCOMES:
        out[k] = sum(p[k] for p in parts)
    out["errors"] = {}
    for p in parts:
        for name, n in p["errors"].items():
            out["errors"][name] = out["errors"].get(name, 0) + n
    samples = {k: sorted(v for p in parts for v in p[k])
               for k in ("connect_ms", "response_ms", "late_ms", "completed_at")}
    out["completed_at"] = samples["completed_at"]
    for k in ("connect", "response"):
        for q in (50, 99):
            out[f"{k}_p{q}_ms"] = percentile(samples[f"{k}_ms"], q)
    late = samples["late_ms"]
    out["arrival_late_ms"] = {"p50": percentile(late, 50), "p99": percentile(late, 99),
                              "max": late[-1] if late else None}
    return out


def main():
    plan = json.loads(sys.stdin.readline())
    if plan["delay_line"]:
        delayline.disable_offloads("veth0")  # whole frames with real checksums for the line
    generator = Generator(plan)
    print("ready", flush=True)
    result = generator.run(float(sys.stdin.readline()))
    print(json.dumps(result), flush=True)
    sys.stdin.read()  # keep the sockets until the run is over


if __name__ == "__main__":
    main()
