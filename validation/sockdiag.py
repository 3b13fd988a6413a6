"""How many requests (SYN_RECV) the current namespace holds for a local port, asked of the
kernel through NETLINK_SOCK_DIAG (what `ss -tn state syn-recv` uses): the kernel filters
by state, so the count is cheap even with many sockets open.
"""
import os
import socket
import struct

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
TCP_SYN_RECV = 3        # inet_diag adds the request sockets (NEW_SYN_RECV) for this state

_NLMSG = struct.Struct("=IHHII")                 # len, type, flags, seq, pid
_REQ = struct.Struct("=BBBBI4s32sI8s")           # inet_diag_req_v2, sockid zeroed


def syn_recv(port):
    """The number of TCP requests in SYN_RECV whose local port is port."""
    req = _REQ.pack(socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 1 << TCP_SYN_RECV,
                    b"", b"", 0, b"")
    msg = _NLMSG.pack(_NLMSG.size + len(req), SOCK_DIAG_BY_FAMILY,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + req
    count = 0
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as s:
        s.send(msg)
        while True:
            data = s.recv(1 << 16)
            off = 0
            while off < len(data):
                length, kind, _, _, _ = _NLMSG.unpack_from(data, off)
                if kind == NLMSG_DONE:
                    return count
                if kind == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", data, off + _NLMSG.size)[0]
                    raise OSError(err, os.strerror(err))
                if kind == SOCK_DIAG_BY_FAMILY:
                    # inet_diag_msg: family, state, timer, retrans, then sport (big-endian).
                    (sport,) = struct.unpack_from("!H", data, off + _NLMSG.size + 4)
                    count += sport == port
                off += (length + 3) & ~3
