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
    cpu = {}
    for r in runs:
        for k, v in r["server"].get("cpu_s", {}).items():
            cpu[k] = cpu.get(k, 0) + v
    if cpu:
        out.append("CPU seconds used by the kernel side's programs over all runs: "
                   + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()) + ".")
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


# Beyond these the kernel side fell behind the scenario's clock, and its numbers say more
# about this machine's load than about the kernel.
ARRIVAL_LATE_MS = 5.0
EVENT_LATE_MS = 5.0
# Of the path delay: most frames late by a few percent change how many requests are in
# flight by as much; a late tail only the tails of the latencies.
LINE_LATE_P50 = 0.05
LINE_LATE_P99 = 0.5


def warnings(runs):
    """One line per run whose kernel side fell behind."""
    return [text for _, text in _behind(runs)]


def _behind(runs):
    # [(run index, what it fell behind in)]
    out = []
    for r in runs:
        what = []
        late = r["client"]["arrival_late_ms"]["p99"]
        if late is not None and late > ARRIVAL_LATE_MS:
            what.append(f"client arrivals late by {late:.1f} ms (p99)")
        ev = [e["late_ms"] for e in r["server"]["events"]]
        if ev and max(ev) > EVENT_LATE_MS:
            what.append(f"an event late by {max(ev):.1f} ms")
        sample = r["server"].get("sample_late_ms_max")
        if sample is not None and sample > r.get("timeseries_interval_s", 0.1) * 500:
            what.append(f"a queue sample taken {sample:.0f} ms late")
        line = r["server"].get("delay_line")
        if line:
            delay_ms = r["path_delay_s"] * 1000
            if line["late_p50_ms"] is not None and (
                    line["late_p50_ms"] > LINE_LATE_P50 * delay_ms
                    or line["late_p99_ms"] > LINE_LATE_P99 * delay_ms):
                what.append(f"delay line late by {line['late_p50_ms']:.1f} ms (p50), "
                            f"{line['late_p99_ms']:.1f} ms (p99)")
            if line["drops"]:
                what.append(f"{line['drops']} frames dropped by the delay line")
        if what and r.get("load_before", 0) > (os.cpu_count() or 1):
            what.append(f"the machine's load average was {r['load_before']:.1f} on "
                        f"{os.cpu_count()} cores when it started")
        if what:
            label = ", ".join(f"{k}={v}" for k, v in r["params"].items()) or "the run"
            out.append((r["run"], f"run {r['run']} ({label}): " + "; ".join(what)))
    return out


def write(name, folder):
    """Compare, write folder/validate.md; returns the text tables."""
    sim = compare.read(os.path.join(folder, "summary.csv"))
    kernel = compare.read(os.path.join(folder, "kernel", "summary.csv"))
    with open(os.path.join(folder, "kernel", "runs.json")) as f:
        runs = json.load(f)
    comparison = compare.compare(sim, kernel)
    late = _behind(runs)
    behind = [text for _, text in late]
    shaky = compare.labels_of(kernel, [k for k, _ in late])
    md = compare.format_markdown(name, comparison, notes(runs), behind, shaky)
    tmp = os.path.join(folder, f"validate.md.tmp{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(md)
    os.replace(tmp, os.path.join(folder, "validate.md"))
    text = compare.format_text(name, comparison, shaky)
    if behind:
        text += (f"\n{name}: the kernel side fell behind; read these runs with care:\n"
                 + "\n".join(f"  {w}" for w in behind))
    return text
