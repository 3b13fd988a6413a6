"""An nginx-like worker on real sockets: one event loop per thread, as the simulated
worker (worker-application.cc) does it.

Each turn of the loop accepts at most one connection, then serves at most one complete
request for service_time (read request_bytes, wait, write response_bytes, close). The
worker owns its sockets: the master asks it to act on them through commands, which it runs
in any state (stalled, serving), so an event applies at its time on the real socket.
"""
import errno
import os
import random
import select
import selectors
import socket
import struct
import threading
import time
from collections import deque

_TCP_INFO_HEAD = struct.Struct("8B6I")   # tcpi_state .. tcpi_sacked of struct tcp_info
# Up to this much of the loop's own time and wake-up lateness between two services
# counts as service time, so a busy worker keeps the rate of 1 / service_time.
_ABSORB = 0.002


def open_listener(port, backlog):
    """A listening SO_REUSEPORT socket on the port, as nginx opens `listen ... reuseport`."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("0.0.0.0", port))
    s.listen(backlog)
    s.setblocking(False)
    return s


def accept_queue(sock):
    """A listener's accept-queue length (TCP_INFO's tcpi_unacked on a listener), or None."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_HEAD.size)
        return _TCP_INFO_HEAD.unpack(info)[12]
    except OSError:
        return None


def service_sampler(spec, rng):
    kind = spec["distribution"]
    if kind == "exponential":
        return lambda: rng.expovariate(1.0 / spec["mean"]) if spec["mean"] > 0 else 0.0
    if kind == "uniform":
        return lambda: rng.uniform(spec["min"], spec["max"])
    return lambda: spec["value"]


class _Conn:
    __slots__ = ("sock", "received", "queued", "out")

    def __init__(self, sock):
        self.sock, self.received, self.queued, self.out = sock, 0, False, b""


class Worker(threading.Thread):
    def __init__(self, index, generation, listener, config, seed, extra=()):
        super().__init__(name=f"worker-{generation}-{index}", daemon=True)
        self.index, self.generation = index, generation
        self.port, self.backlog = config["server"]["port"], config["server"]["backlog"]
        self.request_bytes = config["clients"]["request_bytes"]
        self.response = b"r" * config["clients"]["response_bytes"]
        self.service = service_sampler(config["server"]["service_time"],
                                       random.Random(seed * 100003 + generation * 1009 + index))
        self.listener = listener           # a socket, listening or shut down, or None
        # A socket handed over (respawn, reload) may have been shut down: ask the kernel.
        self.listening = listener is not None and \
            listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        self.sel = selectors.DefaultSelector()
        self.wake = os.eventfd(0, os.EFD_NONBLOCK)
        self.sel.register(self.wake, selectors.EVENT_READ, "wake")
        if self.listening:
            self.sel.register(listener, selectors.EVENT_READ, "listen")
        # Listening sockets handed over beyond its own (a handover that lowers the worker
        # count): accepted from in turn with its own, as the simulated worker does.
        self.extra = list(extra)
        for sock in self.extra:
            self.sel.register(sock, selectors.EVENT_READ, "listen")
        self.accepted_from = {}            # id(socket) -> connections accepted from it
        self._next = 0
        self.commands = deque()
        self.conns = {}
        self.run_queue = deque()
        self.stalled = self.dead = False
        self.retire_at = None              # monotonic time to close what is left
        self.accepted = self.served = self.abandoned = 0
        self.late = []                     # how late each service ended, seconds
        self.error = None

    # Commands, from the master thread -------------------------------------------------

    def call(self, fn, timeout=5.0):
        """Run fn(self) in the worker's thread; returns its result once it ran."""
        return self.post(fn)(timeout)

    def post(self, fn):
        """Have fn(self) run in the worker's thread; returns a function that waits for it
        (so that several workers can act at once) and returns its result."""
        done, box, started = threading.Event(), [], []

        def command(w):
            started.append(time.monotonic())
            try:
                box.append(fn(w))
            except Exception as e:  # reported by the master with the event's path
                box.append(e)
            done.set()
        self.commands.append(command)
        os.eventfd_write(self.wake, 1)

        def wait(timeout=5.0):
            if not done.wait(timeout):
                raise RuntimeError(f"{self.name} did not answer within {timeout} s")
            if isinstance(box[0], Exception):
                raise box[0]
            return box[0]
        wait.started = started  # when it began to run, once it has
        return wait

    def _run_commands(self):
        while self.commands:
            self.commands.popleft()(self)

    # Listener operations (run as commands) ----------------------------------------------

    def close_listener(self):
        if self.listener is not None:
            if self.listening:
                self.sel.unregister(self.listener)
            self.listener.close()
        self.listener, self.listening = None, False
        return time.monotonic()

    def shutdown_listener(self):
        if self.listener is not None and self.listening:
            self.sel.unregister(self.listener)
            self.listener.shutdown(socket.SHUT_RDWR)
            self.listening = False
        return time.monotonic()

    def listen(self):
        # listen() again on a shut-down socket keeps it in its group; a closed one is reopened.
        if self.listener is None:
            self.listener = open_listener(self.port, self.backlog)
        else:
            self.listener.listen(self.backlog)
        if not self.listening:
            self.sel.register(self.listener, selectors.EVENT_READ, "listen")
            self.listening = True
        return time.monotonic()

    def release_listener(self):
        """Hand the socket over (nginx's inheritance by index): still open, no longer ours."""
        s = self.listener
        if s is not None and self.listening:
            self.sel.unregister(s)
        self.listener, self.listening = None, False
        return s

    def sockets(self):
        """[(socket, listening)]: its own socket (if any), then those handed over."""
        own = [(self.listener, self.listening)] if self.listener is not None else []
        return own + [(sock, True) for sock in self.extra]

    def retire(self, timeout):
        # An old worker accepts nothing more, finishes what it has, then exits; after
        # worker_shutdown_timeout it closes what is left.
        self.retire_at = time.monotonic() + timeout

    def kill(self):
        self.dead = True

    # The loop ---------------------------------------------------------------------------

    def run(self):
        try:
            self._loop()
        except Exception as e:  # the master reports it; the run is then invalid
            self.error = f"{self.name}: {type(e).__name__}: {e}"
        finally:
            self._exit()

    def _exit(self):
        # As the kernel closes an exiting process's sockets: unread data makes close() send
        # a RST, otherwise a FIN. The listener stays open (the master holds it in nginx).
        for c in list(self.conns.values()):
            c.sock.close()
        self.conns.clear()
        self.run_queue.clear()

    def _done(self):
        if self.dead:
            return True
        if self.retire_at is not None:
            if time.monotonic() >= self.retire_at:
                return True
            return not self.conns and not self.listening and not self.extra
        return False

    def _drain_wake(self):
        try:
            os.eventfd_read(self.wake)
        except BlockingIOError:
            pass

    def _wait(self, seconds):
        """Sleep up to seconds (None: until woken) running commands; False if it must exit."""
        end = None if seconds is None else time.monotonic() + seconds
        while True:
            self._run_commands()
            if self._done():
                return False
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return True
            if self.retire_at is not None:
                cap = max(0.0, self.retire_at - time.monotonic())
                left = cap if left is None else min(left, cap)
            r, _, _ = select.select([self.wake], [], [], left)
            if r:
                self._drain_wake()

    def _loop(self):
        while True:
            self._run_commands()
            if self._done():
                return
            if self.stalled:
                # The event loop stops: nothing is read, accepted or served.
                left = None if self.retire_at is None else \
                    max(0.0, self.retire_at - time.monotonic())
                if select.select([self.wake], [], [], left)[0]:
                    self._drain_wake()
                continue
            # A retiring worker still accepts from a socket that listens (one draining).
            accepting = self.listening or bool(self.extra)
            timeout = 0 if (self.run_queue or accepting and self._listener_ready) else None
            if timeout is None and self.retire_at is not None:
                timeout = max(0.0, self.retire_at - time.monotonic())
            self._listener_ready = False
            for key, mask in self.sel.select(timeout):
                if key.data == "wake":
                    self._drain_wake()
                elif key.data == "listen":
                    self._listener_ready = True
                else:
                    self._io(key.data, mask)
            self._run_commands()
            if self.stalled or self._done():
                continue
            # A command just run may have closed or handed over the socket.
            if self._listener_ready and (self.listening or self.extra):
                self._listener_ready = self._accept_one()
            if self.run_queue:
                conn = self.run_queue.popleft()
                # A worker busy back to back serves one request per service_time, as the
                # model's does: the loop's own cost since the last one ended is absorbed.
                now = time.monotonic()
                start = self._served_at if now - self._served_at < _ABSORB else now
                self._served_at = start + self.service()
                if not self._wait(self._served_at - now):
                    return
                self.late.append(time.monotonic() - self._served_at)
                self.served += 1
                conn.out = self.response
                self._write(conn)

    _listener_ready = False
    _served_at = 0.0

    def _accept_one(self):
        """Accept one connection, trying the listeners in turn from the one after the last
        accepted from; True if one was accepted (more may wait)."""
        listeners = ([self.listener] if self.listening else []) + self.extra
        for k in range(len(listeners)):
            listener = listeners[(self._next + k) % len(listeners)]
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                if e.errno in (errno.ECONNABORTED, errno.EINVAL):
                    continue
                raise
            self._next = (self._next + k + 1) % len(listeners)
            self.accepted_from[id(listener)] = self.accepted_from.get(id(listener), 0) + 1
            self._serve(sock)
            return True
        return False

    def _serve(self, sock):
        sock.setblocking(False)
        self.accepted += 1
        conn = _Conn(sock)
        self.conns[sock.fileno()] = conn
        self.sel.register(sock, selectors.EVENT_READ, conn)
        # Data, the client's FIN or its RST may have arrived while it waited in the queue.
        self._read(conn)

    def _io(self, conn, mask):
        if mask & selectors.EVENT_READ:
            self._read(conn)
        if mask & selectors.EVENT_WRITE and conn.sock.fileno() in self.conns:
            self._write(conn)

    def _read(self, conn):
        gone = False
        while True:
            try:
                data = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                gone = True
                break
            if not data:
                gone = True
                break
            conn.received += len(data)
        if not conn.queued and conn.received >= self.request_bytes:
            conn.queued = True
            self.run_queue.append(conn)
            # Nothing more to read: an EOF from now on would make the socket always readable.
            self.sel.unregister(conn.sock)
        elif not conn.queued and gone:
            # The client left before its request was complete: nginx closes it unanswered.
            self.abandoned += 1
            self._forget(conn)

    def _write(self, conn):
        while conn.out:
            try:
                n = conn.sock.send(conn.out)
            except (BlockingIOError, InterruptedError):
                if conn.sock.fileno() not in self.sel.get_map():
                    self.sel.register(conn.sock, selectors.EVENT_WRITE, conn)
                return
            except OSError:
                conn.out = b""  # reset while it waited: nothing more can be written
                break
            conn.out = conn.out[n:]
        self._forget(conn)  # the FIN follows the queued response

    def _forget(self, conn):
        fd = conn.sock.fileno()
        if fd in self.sel.get_map():
            self.sel.unregister(conn.sock)
        self.conns.pop(fd, None)
        conn.sock.close()
