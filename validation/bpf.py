"""The project's SK_REUSEPORT objects (build/programs/*.bpf.o, compiled from programs/*.bpf.c)
loaded into the running kernel with Debian's libbpf through ctypes: the same ELF file the
simulator's interpreter runs.

libbpf gives each program the attach type of its section (`sk_reuseport`: SELECT,
`sk_reuseport/migrate`: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE); a program is attached to a
reuseport group with setsockopt(SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF) on any of its sockets.
"""
import ctypes
import errno
import os
import socket
import struct

SO_ATTACH_REUSEPORT_EBPF = 52
SO_DETACH_REUSEPORT_BPF = 68
CAP_SYS_ADMIN, CAP_BPF = 21, 39
BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20
LIBBPF = "libbpf.so.1"   # Debian's libbpf1, which libbpf-dev depends on

_lib = None
_log = []        # libbpf's messages since the last open, for the error of a failed load
# int (*)(enum libbpf_print_level, const char *, va_list): the message is formatted with
# vsnprintf from the C library, as libbpf's own printer does.
_PRINT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


class BpfError(Exception):
    pass


def _libbpf():
    global _lib
    if _lib is None:
        try:
            lib = ctypes.CDLL(LIBBPF, use_errno=True)
        except OSError as e:
            raise BpfError(f"cannot load {LIBBPF} (Debian's libbpf1): {e}") from None
        p, i, u32 = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32
        for name, res, args in (
                ("bpf_object__open_file", p, [ctypes.c_char_p, p]),
                ("bpf_object__load", i, [p]),
                ("bpf_object__close", None, [p]),
                ("bpf_object__next_program", p, [p, p]),
                ("bpf_object__find_program_by_name", p, [p, ctypes.c_char_p]),
                ("bpf_object__find_map_by_name", p, [p, ctypes.c_char_p]),
                ("bpf_program__name", ctypes.c_char_p, [p]),
                ("bpf_object__next_map", p, [p, p]),
                ("bpf_map__name", ctypes.c_char_p, [p]),
                ("bpf_program__section_name", ctypes.c_char_p, [p]),
                ("bpf_program__fd", i, [p]),
                ("bpf_map__fd", i, [p]),
                ("bpf_map__type", i, [p]),
                ("bpf_map__key_size", u32, [p]),
                ("bpf_map__value_size", u32, [p]),
                ("bpf_map__max_entries", u32, [p]),
                ("bpf_map_update_elem", i, [i, p, p, ctypes.c_uint64]),
                ("bpf_map_lookup_elem", i, [i, p, p]),
                ("bpf_map_delete_elem", i, [i, p]),
                ("libbpf_get_error", ctypes.c_long, [p])):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        libc = ctypes.CDLL(None)
        libc.vsnprintf.restype = ctypes.c_int
        libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                   ctypes.c_void_p]

        def keep(level, fmt, args):
            buf = ctypes.create_string_buffer(1 << 20)  # a verifier log is one message
            libc.vsnprintf(buf, len(buf), fmt, args)
            _log.append(buf.value.decode(errors="replace"))
            del _log[:-200]
            return 0
        global _printer
        _printer = _PRINT_FN(keep)  # kept alive as long as libbpf may call it
        lib.libbpf_set_print.restype = ctypes.c_void_p
        lib.libbpf_set_print.argtypes = [_PRINT_FN]
        lib.libbpf_set_print(_printer)
        _lib = lib
    return _lib


def _why():
    # The verifier's verdict: the last lines of its log that say something.
    lines = [line.strip() for text in _log for line in text.splitlines() if line.strip()]
    keep = [line for line in lines if not line.startswith("libbpf:") and
            not line.startswith("--") and not line[:1].isdigit() and not line.startswith(";")]
    return "; ".join(keep[-2:])


def missing_privilege():
    """None when this process may load programs (CAP_BPF, or CAP_SYS_ADMIN), else why not."""
    try:
        with open("/proc/self/status") as f:
            caps = next(int(line.split()[1], 16) for line in f if line.startswith("CapEff:"))
    except (OSError, StopIteration, ValueError):
        caps = 0
    if not (caps >> CAP_BPF & 1 or caps >> CAP_SYS_ADMIN & 1):
        return ("eBPF programs need CAP_BPF (or CAP_SYS_ADMIN) to be loaded into the kernel; "
                "run it as root, e.g. sudo ./waf validate FILE")
    return None


def _errno_text(code):
    code = abs(code)
    return f"{errno.errorcode.get(code, code)} ({os.strerror(code)})"


class Map:
    def __init__(self, obj, name, handle):
        lib = _libbpf()
        self.obj, self.name = obj, name
        self.fd = lib.bpf_map__fd(handle)
        self.type = lib.bpf_map__type(handle)
        self.key_size = lib.bpf_map__key_size(handle)
        self.value_size = lib.bpf_map__value_size(handle)
        self.max_entries = lib.bpf_map__max_entries(handle)

    @property
    def sockarray(self):
        return self.type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY

    def _bytes(self, n, size, what):
        if n < 0 or n >= 1 << (8 * min(size, 8)):
            raise BpfError(f"map {self.name}: {what} {n} does not fit in {size} bytes")
        return ctypes.create_string_buffer(n.to_bytes(8, "little")[:size].ljust(size, b"\0"),
                                           size)

    def update(self, key, value):
        """bpf_map_update_elem(key, value) with integers (little-endian, as in the
        simulator's map fills); for a sockarray the value is a socket's fd, as a u64."""
        k = self._bytes(key, self.key_size, "key")
        v = self._bytes(value, self.value_size, "value")
        r = _libbpf().bpf_map_update_elem(self.fd, k, v, 0)
        if r:
            raise BpfError(f"bpf_map_update_elem({self.name}, {key}) failed with "
                           f"{_errno_text(r)}")

    def set_socket(self, key, sock):
        self.update(key, sock.fileno())

    def delete(self, key, missing_ok=False):
        r = _libbpf().bpf_map_delete_elem(self.fd, self._bytes(key, self.key_size, "key"))
        if r and not (missing_ok and -r == errno.ENOENT):
            raise BpfError(f"bpf_map_delete_elem({self.name}, {key}) failed with "
                           f"{_errno_text(r)}")
        return r == 0

    def lookup(self, key):
        """The value at key as an integer (a sockarray's: the socket's cookie), or None."""
        v = ctypes.create_string_buffer(self.value_size)
        r = _libbpf().bpf_map_lookup_elem(self.fd, self._bytes(key, self.key_size, "key"), v)
        if r:
            return None
        return int.from_bytes(v.raw[:8], "little")


class Object:
    """An opened and loaded ELF object: its program (by name, or the only one) and maps."""

    def __init__(self, path, program=None):
        lib = _libbpf()
        self.path = str(path)
        _log.clear()
        handle = lib.bpf_object__open_file(os.fsencode(self.path), None)
        err = lib.libbpf_get_error(handle) if handle else -errno.ENOENT
        if not handle or err:
            raise BpfError(f"{self.path}: bpf_object__open_file failed with "
                           f"{_errno_text(err or ctypes.get_errno())}")
        self.handle = handle
        r = lib.bpf_object__load(handle)
        if r:
            self.close()
            why = _why()
            raise BpfError(f"{self.path}: the kernel refused the object (bpf_object__load: "
                           f"{_errno_text(r)})" + (f": {why}" if why else ""))
        if program:
            prog = lib.bpf_object__find_program_by_name(handle, program.encode())
            if not prog:
                self.close()
                raise BpfError(f"{self.path}: no program named {program}")
        else:
            prog = lib.bpf_object__next_program(handle, None)
            if not prog or lib.bpf_object__next_program(handle, prog):
                self.close()
                raise BpfError(f"{self.path}: expected exactly one program (name one)")
        self.program = lib.bpf_program__name(prog).decode()
        self.section = lib.bpf_program__section_name(prog).decode()
        self.migrate = self.section == "sk_reuseport/migrate"
        self.fd = lib.bpf_program__fd(prog)
        self.maps = {}

    def map(self, name):
        if name not in self.maps:
            handle = _libbpf().bpf_object__find_map_by_name(self.handle, name.encode())
            if not handle:
                raise BpfError(f"{self.path}: no map named {name}")
            self.maps[name] = Map(self, name, handle)
        return self.maps[name]

    def attach(self, sock):
        """Attach the program to the reuseport group of sock (it replaces the group's)."""
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF,
                        struct.pack("i", self.fd))

    def close(self):
        if self.handle:
            _libbpf().bpf_object__close(self.handle)
            self.handle = None


def detach(sock):
    """Detach the group's program (SO_DETACH_REUSEPORT_BPF)."""
    sock.setsockopt(socket.SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, struct.pack("i", 0))


def describe(path, program=None):
    """(section, {map: type}) of an object's program, opened without loading anything
    into the kernel (no privilege needed)."""
    lib = _libbpf()
    _log.clear()
    handle = lib.bpf_object__open_file(os.fsencode(str(path)), None)
    if not handle or lib.libbpf_get_error(handle):
        why = _why()
        raise BpfError("libbpf cannot open it" + (f": {why}" if why else ""))
    try:
        if program:
            prog = lib.bpf_object__find_program_by_name(handle, program.encode())
            if not prog:
                raise BpfError(f"it has no program named {program}")
        else:
            prog = lib.bpf_object__next_program(handle, None)
            if not prog or lib.bpf_object__next_program(handle, prog):
                raise BpfError("it does not hold exactly one program (name one with "
                               "\"program\")")
        section = lib.bpf_program__section_name(prog).decode()
        maps, m = {}, lib.bpf_object__next_map(handle, None)
        while m:
            maps[lib.bpf_map__name(m).decode()] = lib.bpf_map__type(m)
            m = lib.bpf_object__next_map(handle, m)
        return section, maps
    finally:
        lib.bpf_object__close(handle)
