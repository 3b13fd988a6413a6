"""The nginx-like master of the kernel side, run inside the server's namespace:
python3 -m validation.server, a run's plan on standard input.

Protocol on the pipes: a line of JSON (the plan) in; "ready" out once the sysctls are set,
the sockets listen and the events at 0 s applied; a line with the start time (monotonic
seconds) in; the result as a line of JSON out at the end of the run.

As nginx (nginx-master.cc): one SO_REUSEPORT socket per worker, inherited by index
at a reload unless the reload replaces them (listen options changed, binary upgrade) or
the worker count shrinks; new sockets listen before old ones close.
"""
import itertools
import json
import os
import sys
import threading
import time

from . import counters, delayline, sockdiag
from .scenario import SYSCTLS
from .worker import Worker, accept_queue, open_listener


def _stall(w):
    w.stalled = True
    return time.monotonic()


def _resume(w):
    w.stalled = False
    return time.monotonic()


# The master wakes this much before an instant with events, to measure the queues first.
EARLY = 0.003

# Events that are one command to one worker, run in its thread.
_AT_ONCE = {"close-listener": Worker.close_listener,
            "shutdown-listener": Worker.shutdown_listener,
            "stall-worker": _stall, "resume-worker": _resume}


def set_sysctl(name, value):
    with open(f"/proc/sys/{SYSCTLS[name][0]}", "w") as f:
        f.write(str(value))


class Master:
    def __init__(self, plan):
        self.plan = plan
        self.generation = 0
        self.current = []        # workers of the current generation, by index
        self.all = []
        self.restarts = []       # [start, end] per reload, monotonic
        self.log = []            # one entry per applied event
        self.ids = {}            # id(socket) -> listener number, in opening order from 1
        self.inodes = {}         # id(socket) -> its inode, as sock_diag names it
        self.samples = []        # timeseries.csv rows, without the run
        self.sample_late = 0.0   # the latest a sample was taken

    def start(self):
        for name, value in self.plan["sysctl"].items():
            set_sysctl(name, value)
        n, s = self.plan["server"]["workers"], self.plan["server"]
        sockets = [open_listener(s["port"], s["backlog"]) for _ in range(n)]
        self.current = [self._worker(i, sock) for i, sock in enumerate(sockets)]

    def _worker(self, index, sock):
        self._number(sock)
        w = Worker(index, self.generation, sock, self.plan, self.plan["seed"])
        w.start()
        self.all.append(w)
        return w

    def _queue(self, w):
        return accept_queue(w.listener) if w.listener is not None else None

    def _number(self, sock):
        if sock is not None and id(sock) not in self.ids:
            self.ids[id(sock)] = len(self.ids) + 1
            self.inodes[id(sock)] = os.fstat(sock.fileno()).st_ino

    def sample_all(self, t0, base):
        """Sample every timeseries_interval from 0 to the end of the run; a sample that
        comes late is taken late (its lateness is reported), none is skipped."""
        step, k = self.plan["timeseries_interval"], 0
        while k * step <= self.plan["duration"] + 1e-9:
            wait = t0 + k * step - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.sample_late = max(self.sample_late, time.monotonic() - t0 - k * step)
            self.sample(k * step, base)
            k += 1

    def sample(self, t, base):
        """The timeseries rows at t (seconds into the run), as the simulator's: one per open
        socket (the kernel gives no per-socket SYN queue), then the totals."""
        # The kernel's view in one dump; the workers' own fields say which socket is whose
        # (read without a call: a sample must not wait for a busy worker).
        listeners, requests = sockdiag.queues(self.plan["server"]["port"])
        total = 0
        for w in self.all:
            sock, listening = w.listener, w.listening
            if sock is None or not w.is_alive() and not listening:
                continue
            queue = listeners.get(self.inodes.get(id(sock)))
            if listening and queue is None:
                continue  # closed between the dump and now
            total += queue or 0
            self.samples.append([f"{t:.3f}", self.ids.get(id(sock), ""), w.generation + 1,
                                 w.index, "listen" if listening else "shutdown", "",
                                 queue if queue is not None else 0])
        changed = counters.delta(base, counters.snapshot())
        self.samples.append([f"{t:.3f}", "all", "", "", "", requests, total,
                             changed.get("TcpOutRsts", 0),
                             changed.get("TcpExtTCPMigrateReqSuccess", 0)])

    # Events -----------------------------------------------------------------------------

    def apply_all(self, group, t0=None):
        """Apply the events of one instant one after the other, with the queues measured
        once before the first and once after the last, so that nothing comes between them
        (in the model they happen at the same time)."""
        port = self.plan["server"]["port"]
        listeners, requests = sockdiag.queues(port)
        before = [self._socket_queue(listeners, e) for e in group]
        every_before = self._every_queue(listeners)
        # The caller wakes a little early, so that the dump above is not late to the events.
        wait = 0 if t0 is None else t0 + group[0]["at"] - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        done, pending = [], []   # pending: [(its index in done, wait)]

        def finish():
            # A posted command's time is when it began to run in its worker.
            for i, wait in pending:
                wait()
                e, _, extra = done[i]
                done[i] = (e, wait.started[0], extra)
            pending.clear()
        for e in group:
            if e["action"] in _AT_ONCE:
                # Posted to its worker without waiting: the workers of one instant act
                # together (a close that resets hundreds of children takes milliseconds).
                pending.append((len(done), self.current[e["worker"]].post(
                    _AT_ONCE[e["action"]])))
                done.append((e, None, {}))
            else:
                finish()
                began = time.monotonic()
                done.append((e, began, self.apply(e)))
        finish()
        listeners, after_requests = sockdiag.queues(port)
        every_after = self._every_queue(listeners)
        for (e, began, extra), queue in zip(done, before):
            entry = {"index": e["index"], "action": e["action"],
                     "late_ms": 0.0 if t0 is None else round((began - t0 - e["at"]) * 1000, 3),
                     **extra}
            if "worker" in e:
                entry.update(accept_queue_before=queue,
                             accept_queue_after=self._socket_queue(listeners, e))
            entry.update(syn_recv_before=requests, syn_recv_after=after_requests,
                         accept_queues_before=every_before, accept_queues_after=every_after)
            self.log.append(entry)

    def _every_queue(self, listeners):
        # {listener number: accept queue} of every socket listening in a dump.
        number = {self.inodes[k]: n for k, n in self.ids.items() if k in self.inodes}
        return {str(number[inode]): q for inode, q in sorted(listeners.items())
                if inode in number}

    def _socket_queue(self, listeners, e):
        # The accept queue of the event's worker's socket in a dump (0 once shut down).
        if "worker" not in e:
            return None
        sock = self.current[e["worker"]].listener
        if sock is None:
            return None
        return listeners.get(self.inodes.get(id(sock)), 0)

    def apply(self, e):
        action = e["action"]
        if action == "set-sysctl":
            set_sysctl(e["name"], e["value"])
            return {}
        if action in ("reload", "upgrade"):
            return self.reload(e)
        w = self.current[e["worker"]]
        if action in _AT_ONCE:
            w.call(_AT_ONCE[action])
        elif action == "listen":
            w.call(Worker.listen)
            self._number(w.listener)
        elif action == "kill-worker":
            # The master holds the sockets: a dead worker's socket stays open, for the
            # replacement (respawn) or until the master closes it.
            sock = w.call(Worker.release_listener)
            w.call(Worker.kill)
            w.join(5)
            if e["respawn"]:
                self.current[e["worker"]] = self._worker(e["worker"], sock)
            elif sock is not None:
                sock.close()
        return {}

    def reload(self, e):
        start = time.monotonic()
        old = self.current
        n = e["workers"]
        self.generation += 1
        inherit = {}
        if not e["replace_all"]:
            for i, w in enumerate(old[:n]):
                if w.listening:
                    inherit[i] = w
        s = self.plan["server"]
        retired = [w for i, w in enumerate(old) if i not in inherit and w.listener is not None
                   and w.listening]
        queues = [w.call(self._queue) for w in retired]
        # New sockets first, so that something always listens; the old ones close right
        # after, before the new workers start: in the model it all happens at one instant,
        # and every millisecond between the two sends new SYNs to sockets that stay.
        fresh = {i: open_listener(s["port"], s["backlog"]) for i in range(n) if i not in inherit}
        sockets = [inherit[i].call(Worker.release_listener) if i in inherit else fresh[i]
                   for i in range(n)]
        if retired and e["strategy"] == "migrate":
            set_sysctl("tcp_migrate_req", 1)
        # All at once: one after the other, each would leave the others listening longer.
        closing = [w.post(Worker.close_listener) for w in retired]
        end = max([start] + [wait() for wait in closing])
        self.current = [self._worker(i, sock) for i, sock in enumerate(sockets)]
        timeout = self.plan["server"]["shutdown_timeout"]
        for w in old:
            if w.is_alive():
                w.call(lambda w: w.retire(timeout))
        self.restarts.append((start, end))
        return {"retired": len(retired), "accept_queues_closed": queues}


def _lateness(late):
    late = sorted(late)
    if not late:
        return None
    return {"mean": round(sum(late) / len(late) * 1000, 3),
            "p99": round(late[min(len(late) - 1, int(0.99 * len(late)))] * 1000, 3),
            "max": round(late[-1] * 1000, 3)}


def main():
    # Threads hand the interpreter over every 5 ms by default: far too coarse for
    # millisecond service times; a woken worker should run within a fraction of one.
    sys.setswitchinterval(0.0002)
    plan = json.loads(sys.stdin.readline())
    if plan["delay_line"]:
        delayline.disable_offloads("veth0")  # whole frames with real checksums for the line
    master = Master(plan)
    master.start()
    events = plan["events"]
    at_zero = [e for e in events if e["at"] == 0]
    if at_zero:
        master.apply_all(at_zero)
    before = counters.snapshot()
    print("ready", flush=True)
    t0 = float(sys.stdin.readline())
    # The samples have a thread of their own: one can take long (many sockets to list) and
    # must not hold the events back.
    sampler = threading.Thread(target=master.sample_all, args=(t0, before), daemon=True)
    sampler.start()
    for _, group in itertools.groupby(events[len(at_zero):], key=lambda e: e["at"]):
        group = list(group)
        wait = t0 + group[0]["at"] - EARLY - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        master.apply_all(group, t0)
    wait = t0 + plan["duration"] - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    # The counters at the end of the run, before anything is torn down.
    after = counters.snapshot()
    sampler.join(5)  # its last sample is due now too
    errors = [w.error for w in master.all if w.error]
    result = {
        "counters": counters.delta(before, after),
        "restart_duration_s": max([end - start for start, end in master.restarts], default=0.0),
        "events": master.log,
        "workers": [{"generation": w.generation, "index": w.index, "accepted": w.accepted,
                     "served": w.served, "abandoned": w.abandoned,
                     "service_late_ms": _lateness(w.late)} for w in master.all],
        "errors": errors,
        "timeseries": master.samples,
        "sample_late_ms_max": round(master.sample_late * 1000, 3),
    }
    print(json.dumps(result), flush=True)
    sys.stdin.read()  # the run ends the namespace; until then the sockets stay as they are


if __name__ == "__main__":
    main()
