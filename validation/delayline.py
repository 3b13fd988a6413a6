"""A user-space delay line for kernels without netem: python3 -m validation.delayline, run in
the middle namespace, forwards every Ethernet frame between its two veth ends after the
path's one-way delay, and measures how late it was.

The two ends are bridged at layer 2 (the server and the clients share one subnet; the
middle has no address). Frames are read with AF_PACKET sockets; offloads are turned off
on every veth end first, so that frames are whole (no GSO/GRO super-frames) and carry
real checksums (no CHECKSUM_PARTIAL left for a device to fill in).

Protocol: a line of JSON in ({"delay": seconds, "ends": [a, b]}); "ready" out once both
sockets are bound; a line in with the run's end (monotonic seconds), then it forwards; at
that time a line of JSON out with the lateness and the drops; it forwards on until killed.
"""
import collections
import ctypes
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys
import time

SIOCETHTOOL = 0x8946
# Legacy ethtool set commands (still served by the ioctl): tx checksum, scatter-gather,
# TSO, GSO, GRO.
_OFFLOADS = {"tx-checksum": 0x17, "scatter-gather": 0x19, "tso": 0x1F, "gso": 0x24,
             "gro": 0x2C}
ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_STATISTICS, PACKET_IGNORE_OUTGOING = 263, 6, 23
PR_SET_PDEATHSIG = 1


def disable_offloads(ifname):
    """Turn off the device's offloads (in the calling process's namespace); returns the
    names of those the device would not change."""
    failed = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for name, cmd in _OFFLOADS.items():
            value = ctypes.create_string_buffer(struct.pack("II", cmd, 0))
            ifreq = struct.pack("16sQ16x", ifname.encode(), ctypes.addressof(value))
            try:
                fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifreq)
            except OSError:
                failed.append(name)
    return failed


def _stats(late, drops):
    late.sort()

    def pick(q):
        return round(late[min(len(late) - 1, int(q * len(late)))] * 1000, 3) if late else None
    return {"frames": len(late), "late_p50_ms": pick(0.5), "late_p99_ms": pick(0.99),
            "late_max_ms": round(late[-1] * 1000, 3) if late else None, "drops": drops}


def merge(a, b):
    """The stats of both directions as one."""
    return {"frames": a["frames"] + b["frames"], "drops": a["drops"] + b["drops"],
            **{k: max((x for x in (a[k], b[k]) if x is not None), default=None)
               for k in ("late_p50_ms", "late_p99_ms", "late_max_ms")}}


def one_way(delay, src, dst, until, report):
    """Forward the frames that arrive on src out of dst, each `delay` after its arrival;
    at `until` report the stats; then go on until killed."""
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    # Only what arrives: the frames the other direction sends out of src are not ours.
    rx.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    rx.bind((src, ETH_P_ALL))
    rx.setblocking(False)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # protocol 0: receives nothing
    tx.bind((dst, 0))
    queue = collections.deque()  # a constant delay keeps the arrival order
    late, reported = [], False
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            due, frame = queue.popleft()
            tx.send(frame)
            late.append(now - due)
        if not reported and now >= until:
            _, drops = struct.unpack("II", rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
            report(_stats(late, drops))
            reported = True
        wake = [queue[0][0]] if queue else []
        if not reported:
            wake.append(until)
        timeout = max(0.0, min(wake) - time.monotonic()) if wake else None
        if not select.select([rx], [], [], timeout)[0]:
            continue
        now = time.monotonic()
        while True:
            try:
                queue.append((now + delay, rx.recv(65536)))
            except BlockingIOError:
                break


def main():
    config = json.loads(sys.stdin.readline())
    delay, (a, b) = config["delay"], config["ends"]
    for end in (a, b):
        disable_offloads(end)
    # One process per direction: both forward at once, on two cores if there are two.
    r, w = os.pipe()
    print("ready", flush=True)
    until = float(sys.stdin.readline())
    child = os.fork()
    if child == 0:
        # Not inherited across fork: this one too dies with the line's main process.
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        os.close(r)
        one_way(delay, b, a, until, lambda stats: os.write(w, (json.dumps(stats) + "\n").encode()))
    os.close(w)
    theirs = {}

    def report(stats):
        # The child's line comes when it reaches `until` too.
        with os.fdopen(r) as f:
            theirs.update(json.loads(f.readline()))
        print(json.dumps(merge(stats, theirs)), flush=True)
    one_way(delay, a, b, until, report)


if __name__ == "__main__":
    main()
