"""The SYN_RECV count: SYNs sent from an address nobody answers for leave requests that
never complete (the SYN-ACKs find no neighbour), so the count is exactly the SYNs sent."""
import os
import socket
import struct
import subprocess
import unittest

from . import netns
from .testutil import needs_namespaces

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = 8080
SPOOFED = "10.201.0.99"   # in the subnet, on no host


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn(src, dst, sport, dport):
    """An IPv4 packet with a bare TCP SYN (the kernel fills the IP length and checksum)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, socket.IPPROTO_TCP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp


def send_syns(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(count):
        s.sendto(syn(SPOOFED, netns.SERVER_ADDR, 40000 + i, PORT), (netns.SERVER_ADDR, 0))
    s.close()


_SERVER = f"""
import sys, time
from validation.sockdiag import syn_recv
from validation.worker import open_listener
listener = open_listener({PORT}, 16)
print(syn_recv({PORT}), flush=True)
sys.stdin.readline()
end = time.monotonic() + 2  # the SYNs may still be on their way
while syn_recv({PORT}) < 3 and time.monotonic() < end:
    time.sleep(0.01)
print(syn_recv({PORT}), syn_recv({PORT} + 1), flush=True)
"""


@needs_namespaces
class SynRecvTest(unittest.TestCase):
    def test_requests_whose_handshake_never_completes(self):
        env = dict(os.environ, PYTHONPATH=TOP, PYTHONDONTWRITEBYTECODE="1")
        with netns.Namespaces(tag="test") as ns:
            server = netns.spawn(ns.server, ["/usr/bin/python3", "-c", _SERVER], cwd=TOP,
                                 env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
            try:
                self.assertEqual(server.stdout.readline().split(), ["0"])
                sender = netns.spawn(ns.client, ["/usr/bin/python3", "-c",
                                                 "from validation.test_sockdiag import "
                                                 "send_syns; send_syns(3)"], cwd=TOP, env=env)
                self.assertEqual(sender.wait(10), 0)
                server.stdin.write("\n")
                server.stdin.flush()
                # Three requests on the port, none on another one.
                self.assertEqual(server.stdout.readline().split(), ["3", "0"])
            finally:
                server.kill()
                server.wait()
                server.stdin.close()
                server.stdout.close()


if __name__ == "__main__":
    unittest.main()
