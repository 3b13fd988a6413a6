"""results/<name>/validate.md and the printed tables, from the simulator's summary.csv, the
kernel's kernel/summary.csv and kernel/runs.json (how late the kernel side was)."""
import json
import os
import platform

from . import compare


def _worst(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def notes(runs):
    """What a reader must know about how the kernel numbers were taken."""
    out = [f"Linux {platform.release()}; each run in fresh network namespaces (veth pairs, "
           "not shaped); the sysctls of the scenario set in the server's."]
    delay = _worst(r.get("path_delay_s") for r in runs)
    lines = [r["server"]["delay_line"] for r in runs if r["server"].get("delay_line")]
    if lines:
        out.append(f"Path delay {delay * 1e3:g} ms each way through the user-space delay "
                   f"line: frames late by up to {_worst(x['late_p99_ms'] for x in lines)} ms "
                   f"(p99 over a run), {_worst(x['late_max_ms'] for x in lines)} ms at worst; "
                   f"{sum(x['drops'] for x in lines)} frames dropped by its sockets.")
    elif delay:
        out.append(f"The scenario's path delay ({delay * 1e6:.0f} us one way) is not "
                   "reproduced: the veth pair's round trip is tens of microseconds.")
    out.append(f"Kernel runs took {sum(r.get('seconds', 0) for r in runs):.0f} s in all.")
    late = _worst(r["client"]["arrival_late_ms"]["p99"] for r in runs)
    worst = _worst(r["client"]["arrival_late_ms"]["max"] for r in runs)
    if late is not None:
        out.append(f"Client arrivals late by up to {late:.2f} ms (p99 over a run), "
                   f"{worst:.2f} ms at worst.")
    ev = [e["late_ms"] for r in runs for e in r["server"]["events"]]
    if ev:
        out.append(f"Events applied up to {max(ev):.2f} ms after their time.")
    errors = {}
    for r in runs:
        for name, n in r["client"]["errors"].items():
            errors[name] = errors.get(name, 0) + n
    if errors:
        out.append("Socket errors seen by the clients (all runs): "
                   + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) + ".")
    out.append("Columns the kernel cannot give (RSTs by cause, migrations by point, the "
               "accept wait) are left out; the counters are the server namespace's "
               "/proc/net/netstat and /proc/net/snmp deltas (all of them in kernel/runs.json).")
    return out


def write(name, folder):
    """Compare, write folder/validate.md; returns the text tables."""
    sim = compare.read(os.path.join(folder, "summary.csv"))
    kernel = compare.read(os.path.join(folder, "kernel", "summary.csv"))
    with open(os.path.join(folder, "kernel", "runs.json")) as f:
        runs = json.load(f)
    comparison = compare.compare(sim, kernel)
    md = compare.format_markdown(name, comparison, notes(runs))
    tmp = os.path.join(folder, f"validate.md.tmp{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(md)
    os.replace(tmp, os.path.join(folder, "validate.md"))
    return compare.format_text(name, comparison)
