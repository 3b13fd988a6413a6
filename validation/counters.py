"""The kernel's MIB counters of the current network namespace under their nstat names, and
how they map to the simulator's summary.csv columns.

/proc/net/netstat and /proc/net/snmp come in pairs of lines: a header line of names and a
line of values, both starting with the group ("TcpExt:", "Tcp:"); nstat names a counter
by the group and the name joined ("TcpExtListenOverflows", "TcpOutRsts").
"""

FILES = ("/proc/net/netstat", "/proc/net/snmp")

# summary.csv column <- nstat counter; the only columns the kernel counts itself.
COLUMNS = {
    "listen_overflows": "TcpExtListenOverflows",
    "listen_drops": "TcpExtListenDrops",
    "migrate_success": "TcpExtTCPMigrateReqSuccess",
    "migrate_failure": "TcpExtTCPMigrateReqFailure",
    "syncookies_sent": "TcpExtSyncookiesSent",
}

# Gauges, not counters: a delta means nothing.
_GAUGES = {"TcpCurrEstab", "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn"}


def parse(text):
    """{nstat name: value} from the text of /proc/net/netstat or /proc/net/snmp."""
    counters = {}
    lines = text.splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        group, _, names = names.partition(":")
        vgroup, _, values = values.partition(":")
        if group != vgroup:
            raise ValueError(f"unpaired lines for {group!r} and {vgroup!r}")
        for name, value in zip(names.split(), values.split()):
            counters[group + name] = int(value)
    return counters


def snapshot():
    """Every counter of this process's network namespace."""
    counters = {}
    for path in FILES:
        with open(path) as f:
            counters.update(parse(f.read()))
    return counters


def delta(before, after):
    """{name: after - before} for the counters that changed (gauges left out)."""
    return {name: after[name] - before.get(name, 0) for name in after
            if name not in _GAUGES and after[name] != before.get(name, 0)}


def summary_columns(changes):
    """The summary.csv columns the counters give (0 when a counter did not change)."""
    return {column: changes.get(name, 0) for column, name in COLUMNS.items()}
