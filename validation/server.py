"""The nginx-like master of the kernel side, run inside the server's namespace:
python3 -m validation.server, a run's plan on standard input.

Protocol on the pipes: a line of JSON (the plan) in; "ready" out once the sysctls are set,
the sockets listen and the events at 0 s applied; a line with the start time (monotonic
seconds) in; the result as a line of JSON out at the end of the run.

As nginx (nginx-master.cc): one SO_REUSEPORT socket per worker, inherited by index
at a reload unless the reload replaces them (listen options changed, binary upgrade) or
the worker count shrinks; new sockets listen before old ones close. A handover reload
gives every listening socket to the new workers (the surplus, when the count shrinks, to
worker i % n beside its own); drain-steer and drain-count keep the retired sockets open,
steered around by an eBPF program (steering.py), until they are drained.
"""
import itertools
import json
import os
import socket
import sys
import threading
import time

from . import counters, delayline, sockdiag
from .scenario import SYSCTLS
from .steering import DrainProgram, UserProgram
from .worker import Worker, accept_queue, open_listener


def _stall(w):
    w.stalled = True
    return time.monotonic()


def _resume(w):
    w.stalled = False
    return time.monotonic()


# The master wakes this much before an instant with events, to measure the queues first.
EARLY = 0.003
# How often draining sockets are checked (the simulated master's DrainPollInterval).
DRAIN_POLL = 0.010

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
        self.master = 1          # master instance (upgrades), as the simulator labels it
        self.labels = {}         # id(socket) -> {"generation", "worker", "master"}
        self.created = []        # every socket, in opening order
        self.drain = None        # the DrainProgram, once one is attached
        self.user = None         # the UserProgram attached, if any
        self.retiring = []       # sockets draining: dicts (see _retire_by_drain)
        self.lock = threading.Lock()  # the drain thread and the events share the sockets
        self.errors = []

    def start(self):
        for name, value in self.plan["sysctl"].items():
            set_sysctl(name, value)
        n, s = self.plan["server"]["workers"], self.plan["server"]
        sockets = [open_listener(s["port"], s["backlog"]) for _ in range(n)]
        self.current = [self._worker(i, sock) for i, sock in enumerate(sockets)]
        if self.plan["count_steering"]:
            # drain-count counts the SYNs steered to each socket from the start.
            self._drain_program().attach(sockets[0])

    def _drain_program(self):
        if self.drain is None:
            name = "drain-count" if self.plan["count_steering"] else "drain-steer"
            self.drain = DrainProgram(self.plan["drain_objects"][name],
                                      self.plan["count_steering"])
            for sock in self.created:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                    self.drain.add(sock)
        return self.drain

    def _worker(self, index, sock, extra=()):
        for x in (sock, *extra):
            self._number(x)
            self.labels[id(x)] = {"generation": str(self.generation + 1),
                                  "worker": str(index), "master": str(self.master)}
        w = Worker(index, self.generation, sock, self.plan, self.plan["seed"], extra)
        w.start()
        self.all.append(w)
        return w

    def _listening(self):
        """[(socket, labels)] of the sockets listening now, in opening order."""
        out = []
        for sock in self.created:
            try:
                if sock.fileno() >= 0 and sock.getsockopt(socket.SOL_SOCKET,
                                                          socket.SO_ACCEPTCONN):
                    out.append((sock, self.labels.get(id(sock), {})))
            except OSError:
                pass  # closed meanwhile
        return out

    def _queue(self, w):
        return accept_queue(w.listener) if w.listener is not None else None

    def _number(self, sock):
        if sock is not None and id(sock) not in self.ids:
            self.ids[id(sock)] = len(self.ids) + 1
            self.inodes[id(sock)] = os.fstat(sock.fileno()).st_ino
            self.created.append(sock)
            if self.plan["marks"]:
                # Its requests carry the mark: the per-listener SYN queue drain-steer needs.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, self.ids[id(sock)])
            if self.drain is not None:
                self.drain.add(sock)

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
            for sock, listening in w.sockets():
                if not w.is_alive() and not listening:
                    continue
                queue = listeners.get(self.inodes.get(id(sock)))
                if listening and queue is None:
                    continue  # closed between the dump and now
                total += queue or 0
                self.samples.append([f"{t:.3f}", self.ids.get(id(sock), ""),
                                     w.generation + 1, w.index,
                                     "listen" if listening else "shutdown", "",
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
            if e["action"] in ("close-listener", "shutdown-listener") and self.drain:
                self.drain.exclude(self.current[e["worker"]].listener)
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
        if action in ("attach-program", "detach-program", "map-update", "map-delete"):
            return self.program_event(e)
        w = self.current[e["worker"]]
        if action in _AT_ONCE:
            w.call(_AT_ONCE[action])
        elif action == "listen":
            w.call(Worker.listen)
            self._number(w.listener)
            if self.drain is not None:
                self.drain.include(w.listener)
        elif action == "kill-worker":
            # The master holds the sockets: a dead worker's socket stays open, for the
            # replacement (respawn) or until the master closes it.
            sock = w.call(Worker.release_listener)
            w.call(Worker.kill)
            w.join(5)
            if e["respawn"]:
                self.current[e["worker"]] = self._worker(e["worker"], sock)
            elif sock is not None:
                if self.drain is not None:
                    self.drain.exclude(sock)
                sock.close()
        return {}

    def program_event(self, e):
        """attach-program (an object), detach-program, map-update, map-delete: on the
        group's real program, as bpf(2) calls from the master."""
        where = e["path"]
        try:
            if e["action"] == "attach-program":
                user = UserProgram(e["program"])
                for fill in e["program"].get("maps", []):
                    user.fill(fill, self._listening())
                self._attach(user)
            elif e["action"] == "detach-program":
                listening = self._listening()
                if self.user is None or not listening:
                    raise RuntimeError("the group has no program to detach")
                from .bpf import detach
                detach(listening[0][0])
                self.user.close()
                self.user = None
            elif self.user is None:
                raise RuntimeError("no eBPF object is attached")
            elif e["action"] == "map-update":
                self.user.fill(e["change"], self._listening())
            else:
                self.user.delete(e["change"])
        except Exception as err:  # the run fails with the event's path, as the simulator's
            raise RuntimeError(f"{where}: cannot apply at +{e['at']}s: {err}") from None
        return {}

    def _attach(self, user):
        listening = self._listening()
        if not listening:
            raise RuntimeError("no socket listens to attach the program to")
        user.obj.attach(listening[0][0])
        if self.user is not None:
            self.user.close()
        self.user = user

    def reload(self, e):
        start = time.monotonic()
        old = self.current
        n = e["workers"]
        self.generation += 1
        if e["action"] == "upgrade":
            self.master += 1
        handover = e["strategy"] == "handover"
        # Which old sockets go on, and to which new worker (NginxMaster::Reload): by index,
        # also when every socket would be replaced if the strategy is handover; with
        # handover the surplus of a shrinking count goes to worker i % n beside its own.
        inherit, extra, retired = {}, {}, []
        for i, w in enumerate(old):
            alive = w.listener is not None and w.listening
            if (not e["replace_all"] or handover) and i < n and alive:
                inherit[i] = w
            elif handover and alive:
                extra.setdefault(i % n, []).append(w)
            elif alive:
                retired.append(w)
        s = self.plan["server"]
        queues = [w.call(self._queue) for w in retired]
        # New sockets first, so that something always listens; the old ones close right
        # after, before the new workers start: in the model it all happens at one instant,
        # and every millisecond between the two sends new SYNs to sockets that stay.
        fresh = {i: open_listener(s["port"], s["backlog"]) for i in range(n) if i not in inherit}
        for i in sorted(fresh):
            self._number(fresh[i])
        # Handing a socket over: the workers are threads of this process, so the new one
        # takes the same socket object, which is for the kernel what nginx's passing of the
        # fd with SCM_RIGHTS to a new worker process is (one open socket, the same queues).
        sockets = [inherit[i].call(Worker.release_listener) if i in inherit else fresh[i]
                   for i in range(n)]
        handed = {j: [w.call(Worker.release_listener) for w in ws] for j, ws in extra.items()}
        drain = e["strategy"] in ("drain-steer", "drain-count")
        if retired and e["strategy"] == "migrate":
            if e["policy_object"] is None:
                set_sysctl("tcp_migrate_req", 1)
            else:
                # The object decides the migrations, its maps filled once the new sockets
                # listen (labelled as the new generation's): attached as it is.
                self.labels.update({id(sock): {"generation": str(self.generation + 1),
                                               "worker": str(j), "master": str(self.master)}
                                    for j, sock in enumerate(sockets)})
                user = UserProgram(e["policy_object"])
                for fill in e["policy_object"].get("maps", []):
                    user.fill(fill, self._listening())
                user.obj.attach(sockets[0])
                if self.user is not None:
                    self.user.close()
                self.user = user
        if retired and drain:
            program = self._drain_program()
            for w in retired:
                program.exclude(w.listener)
            program.attach(sockets[0])
            closing = []
        else:
            # All at once: one after the other, each would leave the others listening longer.
            closing = [w.post(Worker.close_listener) for w in retired]
        end = max([start] + [wait() for wait in closing])
        self.current = [self._worker(i, sock, handed.get(i, ())) for i, sock in
                        enumerate(sockets)]
        timeout = self.plan["server"]["shutdown_timeout"]
        for w in old:
            if w.is_alive():
                w.call(lambda w: w.retire(timeout))
        self.restarts.append([start, end])
        if retired and drain:
            self._retire_by_drain(retired, e["strategy"], len(self.restarts) - 1, start)
        return {"retired": len(retired), "accept_queues_closed": queues}

    # Draining ---------------------------------------------------------------------------

    def _retire_by_drain(self, workers, mode, restart, start):
        with self.lock:
            for w in workers:
                self.retiring.append({
                    "worker": w, "socket": w.listener, "mode": mode, "restart": restart,
                    "deadline": start + self.plan["server"]["shutdown_timeout"],
                    # What was steered to it up to now; steering to it has stopped.
                    "steered": self.drain.steered(w.listener) if mode == "drain-count" else 0})
        if not getattr(self, "_drainer", None) or not self._drainer.is_alive():
            self._drainer = threading.Thread(target=self._poll_drains, daemon=True)
            self._drainer.start()

    def _poll_drains(self):
        """Every DRAIN_POLL, close what is drained (NginxMaster::PollDrains): drain-steer
        once the socket's SYN queue and accept queue are empty, drain-count once its
        worker accepted from it as many as were steered to it; and every socket still
        draining shutdown_timeout after its reload (DrainDeadline)."""
        try:
            self._poll_drains_until_done()
        except Exception as e:  # the master reports it; the run is then invalid
            self.errors.append(f"draining: {type(e).__name__}: {e}")

    def _poll_drains_until_done(self):
        port = self.plan["server"]["port"]
        while True:
            with self.lock:
                if not self.retiring:
                    return
                marks = sockdiag.requests_by_mark(port) if any(
                    r["mode"] == "drain-steer" for r in self.retiring) else {}
                now, left = time.monotonic(), []
                for r in self.retiring:
                    sock, w = r["socket"], r["worker"]
                    if r["mode"] == "drain-steer":
                        done = marks.get(self.ids[id(sock)], 0) == 0 and \
                            accept_queue(sock) == 0
                    else:
                        done = w.accepted_from.get(id(sock), 0) >= r["steered"]
                    if done or now >= r["deadline"]:
                        self._close_drained(r)
                    else:
                        left.append(r)
                self.retiring = left
            time.sleep(DRAIN_POLL)

    def _close_drained(self, r):
        w = r["worker"]
        if w.is_alive():
            try:
                w.call(Worker.close_listener)
            except RuntimeError:   # it exited meanwhile (its shutdown timeout)
                pass
        if w.listener is r["socket"] or not w.is_alive():
            r["socket"].close()   # an exited worker leaves its socket to the master
            w.listener, w.listening = None, False
        rec = self.restarts[r["restart"]]
        rec[1] = max(rec[1], time.monotonic())


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
    errors = [w.error for w in master.all if w.error] + master.errors
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
