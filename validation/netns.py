"""Network namespaces made by the kernel side, found by their prefix and always removed.

Names: rpmv-<pid>-<role>, where pid is the process that made them; a later run removes
those whose process is gone. Addresses (10.201.0.0/24) exist only inside the namespaces,
on a veth pair created directly in them, so nothing is added to the host's namespace.
"""
import ctypes
import os
import re
import signal
import subprocess

PREFIX = "rpmv-"
SERVER_ADDR = "10.201.0.1"
CLIENT_BASE = 10              # client host i has 10.201.0.(10 + i)
IP = "ip"
MIDDLE_ENDS = ("to-server", "to-client")   # the middle namespace's veth ends

CAP_NET_ADMIN, CAP_SYS_ADMIN = 12, 21
PR_SET_PDEATHSIG = 1


class NetnsError(Exception):
    pass


def client_addr(i):
    return f"10.201.0.{CLIENT_BASE + i}"


def missing_privilege():
    """None when this process may make namespaces, else why not."""
    try:
        with open("/proc/self/status") as f:
            caps = next(int(line.split()[1], 16) for line in f if line.startswith("CapEff:"))
    except (OSError, StopIteration, ValueError):
        caps = 0
    lacking = [name for bit, name in ((CAP_NET_ADMIN, "CAP_NET_ADMIN"),
                                      (CAP_SYS_ADMIN, "CAP_SYS_ADMIN")) if not caps >> bit & 1]
    if lacking:
        return ("network namespaces need root (" + " and ".join(lacking) + " missing); "
                "run it as root, e.g. sudo ./waf validate FILE")
    return None


def _ip(*args, check=True):
    done = subprocess.run([IP, *args], capture_output=True, text=True)
    if check and done.returncode:
        raise NetnsError(f"ip {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done


def list_ours():
    """[(name, pid)] of the namespaces with our prefix."""
    out = _ip("netns", "list", check=False).stdout
    found = []
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.fullmatch(re.escape(PREFIX) + r"(\d+)-[a-z0-9-]+", name)
        if m:
            found.append((name, int(m.group(1))))
    return found


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove(name):
    """Kill what still runs in the namespace (only our own programs run there), delete it."""
    pids = _ip("netns", "pids", name, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    _ip("netns", "del", name, check=False)


def remove_leftovers(log=lambda text: None):
    """Remove the namespaces of runs whose process is gone; returns their names."""
    gone = [name for name, pid in list_ours() if not _alive(pid)]
    for name in gone:
        log(f"removing {name}, left by a run that is gone")
        remove(name)
    return gone


class Namespaces:
    """The server and client namespaces of one run, joined by a veth pair; a context
    manager that removes them whatever happens."""

    def __init__(self, clients=1, tag="", middle=False):
        base = f"{PREFIX}{os.getpid()}-{tag + '-' if tag else ''}"
        self.server, self.client = base + "server", base + "client"
        # With a middle namespace (the delay line) its two ends are MIDDLE_ENDS.
        self.middle = base + "middle" if middle else None
        self.clients = clients

    def __enter__(self):
        try:
            self.create()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def names(self):
        return [n for n in (self.server, self.client, self.middle) if n]

    def create(self):
        _ip("netns", "add", self.client)
        others = [n for n in self.names() if n != self.client]
        if os.path.exists(_CHILD_EHASH):
            _add_with_own_hash(self.client, others)
        else:
            for name in others:
                _ip("netns", "add", name)
        for name in self.names():
            _ip("-n", name, "link", "set", "lo", "up")
        # Both ends are made inside their namespaces: no device ever exists in the host's.
        if self.middle:
            s_end, c_end = MIDDLE_ENDS
            _ip("link", "add", "veth0", "netns", self.server, "type", "veth",
                "peer", "name", s_end, "netns", self.middle)
            _ip("link", "add", "veth0", "netns", self.client, "type", "veth",
                "peer", "name", c_end, "netns", self.middle)
            for end in MIDDLE_ENDS:
                # No address: the middle only passes frames on (see delayline.py).
                _ip("-n", self.middle, "link", "set", end, "promisc", "on", "up")
        else:
            _ip("link", "add", "veth0", "netns", self.server, "type", "veth",
                "peer", "name", "veth0", "netns", self.client)
        _ip("-n", self.server, "addr", "add", f"{SERVER_ADDR}/24", "dev", "veth0")
        for i in range(self.clients):
            _ip("-n", self.client, "addr", "add", f"{client_addr(i)}/24", "dev", "veth0")
        for name in (self.server, self.client):
            _ip("-n", name, "link", "set", "veth0", "up")

    def close(self):
        for name in self.names():
            if any(n == name for n, _ in list_ours()):
                remove(name)


# Linux 6.1+: a namespace made from one whose tcp_child_ehash_entries is set gets a TCP
# hash table of its own. Without one it shares the host's (262144 buckets here), and every
# sock_diag dump (the queue samples, the counts around events) walks all of it: 25 ms each.
_CHILD_EHASH = "/proc/sys/net/ipv4/tcp_child_ehash_entries"
EHASH_BUCKETS = 16384
CLONE_NEWNET, MS_BIND = 0x40000000, 4096


def _add_with_own_hash(parent, names):
    """Make the namespaces `names` from inside `parent` (its tcp_child_ehash_entries set),
    registered under /run/netns as `ip netns add` does it."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(f"/run/netns/{parent}", os.O_RDONLY)
            if libc.setns(fd, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns")
            with open(_CHILD_EHASH, "w") as f:
                f.write(str(EHASH_BUCKETS))
            for name in names:
                child = os.fork()
                if child == 0:
                    code = 1
                    try:
                        if libc.unshare(CLONE_NEWNET):
                            raise OSError(ctypes.get_errno(), "unshare")
                        path = f"/run/netns/{name}"
                        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDONLY, 0o444))
                        if libc.mount(b"/proc/self/ns/net", path.encode(), None, MS_BIND,
                                      None):
                            raise OSError(ctypes.get_errno(), "mount")
                        code = 0
                    finally:
                        os._exit(code)
                _, code = os.waitpid(child, 0)
                if code:
                    raise OSError(0, f"could not make {name}")
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    if status:
        raise NetnsError(f"could not make {', '.join(names)} from {parent}")


# Added to the nice value of the programs in the namespaces (python3 -m validation --nice).
NICE = 0


def _die_with_parent():
    # The programs in the namespaces must not outlive the run, even if it is killed.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.setpgrp()  # a Ctrl-C reaches the run, which stops them in order
    if NICE:
        os.nice(NICE)


def spawn(namespace, argv, **kwargs):
    """Start argv inside the namespace (ip netns exec), killed if this process dies."""
    return subprocess.Popen([IP, "netns", "exec", namespace, *argv],
                            preexec_fn=_die_with_parent, **kwargs)
