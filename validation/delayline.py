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
import select
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
PACKET_OUTGOING = 4
SOL_PACKET, PACKET_STATISTICS = 263, 6


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


def _stats(late, socks):
    late.sort()
    drops = 0
    for s in socks:
        _, d = struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        drops += d

    def pick(q):
        return round(late[min(len(late) - 1, int(q * len(late)))] * 1000, 3) if late else None
    return {"frames": len(late), "late_p50_ms": pick(0.5), "late_p99_ms": pick(0.99),
            "late_max_ms": round(late[-1] * 1000, 3) if late else None, "drops": drops}


def forward(delay, ends, report, read_until):
    socks = []
    for name in ends:
        disable_offloads(name)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((name, ETH_P_ALL))
        s.setblocking(False)
        socks.append(s)
    a, b = socks
    other = {a.fileno(): b, b.fileno(): a}
    # One FIFO per direction: a constant delay keeps the arrival order.
    queues = {a.fileno(): collections.deque(), b.fileno(): collections.deque()}
    late, reported = [], False
    report("ready")
    until = read_until()
    while True:
        now = time.monotonic()
        for fd, q in queues.items():
            out = other[fd]
            while q and q[0][0] <= now:
                due, frame = q.popleft()
                try:
                    out.send(frame)
                except BlockingIOError:
                    q.appendleft((due, frame))  # the device is busy: retry next turn
                    break
                late.append(now - due)
        if not reported and now >= until:
            report(json.dumps(_stats(late, socks)))
            reported = True
        heads = [q[0][0] for q in queues.values() if q]
        wake = min(heads + ([] if reported else [until]))
        timeout = max(0.0, wake - time.monotonic()) if heads or not reported else None
        ready, _, _ = select.select(socks, [], [], timeout)
        now = time.monotonic()
        for s in ready:
            q = queues[s.fileno()]
            while True:
                try:
                    frame, addr = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] != PACKET_OUTGOING:  # not our own sends on this end
                    q.append((now + delay, frame))


def main():
    config = json.loads(sys.stdin.readline())

    def report(line):
        print(line, flush=True)
    forward(config["delay"], config["ends"], report, lambda: float(sys.stdin.readline()))


if __name__ == "__main__":
    main()
