"""The eBPF programs of the kernel side's master: the draining recipes behind the
drain-steer and drain-count strategies, and the objects a scenario attaches itself
(`attach-program`, a `migrate` reload's `policy`), with their maps filled as the
simulator's scenario-programs.cc fills them.

The simulator's master drains with a C++ program of its own; its eBPF twins
(programs/drain-steer.bpf.c, drain-count.bpf.c) decide the same: no SYN to a socket on its
way out, the others picked by hash (the twin by `hash % k` over its slots, the C++ program by
reciprocal_scale over the group: each spreads evenly, and the kernel's hash is not known
in advance anyway), and drain-count counts the SYNs it steers to each socket.
"""
from . import bpf

# The twins' REUSEPORT_SOCKARRAY holds this many sockets (MAX_LISTENERS in their C source).
DRAIN_SLOTS = 64


class DrainProgram:
    """drain-count.bpf.o or drain-steer.bpf.o attached to the group: every socket the master
    opens gets the next slot; a socket that stops listening leaves the kernel's sockarray
    (the kernel's rule) and is flagged, so that the program counts it out as the simulator's
    program, which picks among the group's listening sockets, does."""

    def __init__(self, path, counting):
        self.obj = bpf.Object(path)
        self.counting = counting
        self.listeners = self.obj.map("listeners")
        self.flag = self.obj.map("stopped" if counting else "draining")
        self.count = self.obj.map("listener_count")
        self.slots = {}            # id(socket) -> slot
        self.attached = False

    def add(self, sock):
        if id(sock) in self.slots:
            return
        slot = len(self.slots)
        if slot >= self.listeners.max_entries:
            raise bpf.BpfError(f"the drain program's sockarray has {slot} slots, all used")
        self.listeners.set_socket(slot, sock)
        self.slots[id(sock)] = slot
        self.count.update(0, len(self.slots))

    def attach(self, sock):
        if not self.attached:
            self.obj.attach(sock)
            self.attached = True

    def exclude(self, sock):
        """No more SYN to it (draining[slot] = 1, or stopped[slot] = 1: counting stops)."""
        if id(sock) in self.slots:
            self.flag.update(self.slots[id(sock)], 1)

    def include(self, sock):
        """A socket listening again: back in its slot (the kernel took it out)."""
        if id(sock) in self.slots:
            self.listeners.set_socket(self.slots[id(sock)], sock)
            self.flag.update(self.slots[id(sock)], 0)
        else:
            self.add(sock)

    def steered(self, sock):
        """SYNs steered to the socket so far (drain-count's syns[slot])."""
        slot = self.slots.get(id(sock))
        return 0 if slot is None else self.obj.map("syns").lookup(slot) or 0


def _labels(text):
    return dict(part.split("=", 1) for part in text.split(",") if part)


class UserProgram:
    """An object named by the scenario, loaded and attached as it is."""

    def __init__(self, spec):
        self.obj = bpf.Object(spec["object"], spec.get("program"))
        self.spec = spec
        self.placed = {}           # map name -> {slot: id(socket)} written by us

    def fill(self, fill, listeners):
        """Write one map fill. listeners: [(socket, labels)] of the listening sockets, in
        creation order. A REUSEPORT_SOCKARRAY gets those with all the labels, in worker
        order (by the worker label, then creation), in slots 0, 1, ..."""
        m = self.obj.map(fill["map"])
        if "from" in fill:
            want = _labels(fill["from"])
            chosen = [(int(labels.get("worker", 0)), k, sock)
                      for k, (sock, labels) in enumerate(listeners)
                      if all(labels.get(key) == v for key, v in want.items())]
            if not chosen:
                raise bpf.BpfError(f"no listening socket has the labels {fill['from']} to "
                                   f"fill map {fill['map']}")
            chosen.sort(key=lambda c: c[:2])
            placed = self.placed.setdefault(fill["map"], {})
            ids = {id(sock) for _, _, sock in chosen}
            # The kernel keeps a socket in one slot of one map: move it, do not copy it.
            for slot, sid in list(placed.items()):
                if sid in ids:
                    m.delete(slot, missing_ok=True)
                    del placed[slot]
            for slot, (_, _, sock) in enumerate(chosen):
                m.set_socket(slot, sock)
                placed[slot] = id(sock)
        else:
            for entry in fill["entries"]:
                m.update(entry["key"], entry["value"])

    def delete(self, change):
        m = self.obj.map(change["map"])
        for key in change["keys"]:
            m.delete(key)
            self.placed.get(change["map"], {}).pop(key, None)

    def close(self):
        # Our sockets out of its sockarrays first: the kernel frees a detached program's
        # maps later, and until then a socket in them cannot go into another map.
        for name, placed in self.placed.items():
            for slot in list(placed):
                self.obj.map(name).delete(slot, missing_ok=True)
        self.placed.clear()
        self.obj.close()
