"""How many requests (SYN_RECV) the current namespace holds for a local port, and the
listeners' accept queues, asked of the kernel through NETLINK_SOCK_DIAG (what `ss` uses):
the kernel filters by state, so a dump is cheap even with many sockets open.
"""
import os
import socket
import struct

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
TCP_SYN_RECV = 3        # inet_diag adds the request sockets (NEW_SYN_RECV) for this state
TCP_LISTEN = 10

_NLMSG = struct.Struct("=IHHII")                 # len, type, flags, seq, pid
_REQ = struct.Struct("=BBBBI4s32sI8s")           # inet_diag_req_v2, sockid zeroed
_MSG_SIZE = 72                                   # inet_diag_msg; attributes follow
INET_DIAG_MARK = 15


def _mark(data, at, end):
    # The INET_DIAG_MARK attribute among those from at to end, or None.
    while at + 4 <= end:
        length, kind = struct.unpack_from("=HH", data, at)
        if length < 4:
            break
        if kind == INET_DIAG_MARK:
            return struct.unpack_from("=I", data, at + 4)[0]
        at += (length + 3) & ~3
    return None


def syn_recv(port):
    """The number of TCP requests in SYN_RECV whose local port is port."""
    return dump(port, 1 << TCP_SYN_RECV)[1]


def queues(port):
    """({socket inode: accept-queue length} of the listeners on port, SYN_RECV count): one
    dump for a whole sample, with no call into the workers."""
    return dump(port, 1 << TCP_LISTEN | 1 << TCP_SYN_RECV)


def requests_by_mark(port):
    """{mark: requests in SYN_RECV on port}: a request carries its listener's SO_MARK
    (ir_mark, reported as INET_DIAG_MARK), which tells the listener whose SYN queue holds
    it; the kernel gives no per-listener SYN queue length otherwise."""
    marks = {}
    dump(port, 1 << TCP_SYN_RECV, marks)
    return marks


def dump(port, states, marks=None):
    """({inode: rqueue} of the listeners, requests in SYN_RECV) among states on port; with
    marks, also counts the requests by their mark into it."""
    req = _REQ.pack(socket.AF_INET, socket.IPPROTO_TCP, 0, 0, states, b"", b"", 0, b"")
    msg = _NLMSG.pack(_NLMSG.size + len(req), SOCK_DIAG_BY_FAMILY,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + req
    count, listeners = 0, {}
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as s:
        s.send(msg)
        while True:
            data = s.recv(1 << 16)
            off = 0
            while off < len(data):
                length, kind, _, _, _ = _NLMSG.unpack_from(data, off)
                if kind == NLMSG_DONE:
                    return listeners, count
                if kind == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", data, off + _NLMSG.size)[0]
                    raise OSError(err, os.strerror(err))
                if kind == SOCK_DIAG_BY_FAMILY:
                    # inet_diag_msg: family, state, timer, retrans, sockid (sport first,
                    # big-endian; 48 bytes), expires, rqueue, wqueue, uid, inode.
                    body = off + _NLMSG.size
                    state = data[body + 1]
                    (sport,) = struct.unpack_from("!H", data, body + 4)
                    if sport == port:
                        if state == TCP_LISTEN:
                            rqueue, = struct.unpack_from("=I", data, body + 56)
                            inode, = struct.unpack_from("=I", data, body + 68)
                            listeners[inode] = rqueue  # a listener's rqueue: its accept queue
                        else:
                            count += 1
                            if marks is not None:
                                mark = _mark(data, body + _MSG_SIZE, off + length)
                                marks[mark] = marks.get(mark, 0) + 1
                off += (length + 3) & ~3
