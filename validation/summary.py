"""results/<name>/kernel/summary.csv: the simulator's columns, filled from a kernel run.

A column the kernel cannot give (RSTs by cause, migrations by point, the accept wait) is
left empty; nothing is estimated.
"""
import bisect
import csv
import os

from . import counters

# The simulator's metric columns, in its order (helper/scenario-runner.cc).
METRICS = [
    "attempts", "completed", "failed", "failed_pct", "reset", "refused", "timeout",
    "unfinished", "rsts", "rst.accept-queue", "rst.final-ack", "rst.migration-failure",
    "rst.program-drop", "rst.overflow", "rst.no-listener", "rst.listener-reply",
    "rst.embryonic", "rst.connection-abort", "migrate_success", "migrate_failure",
    "migrated_close", "migrated_synack_timer", "migrated_final_ack", "migrated_connections",
    "saved", "listen_overflows", "listen_drops", "syncookies_sent", "reloads",
    "restart_duration_s", "connect_p50_ms", "connect_p99_ms", "response_p50_ms",
    "response_p99_ms", "accept_wait_p50_ms", "accept_wait_p99_ms", "reload_at_s",
    "capacity_per_s", "offered_load",
]

# Measured by our own clients and master on the real sockets.
_FROM_CLIENTS = ["attempts", "completed", "reset", "refused", "timeout", "unfinished"]
_MILLIS = ["connect_p50_ms", "connect_p99_ms", "response_p50_ms", "response_p99_ms"]


def run_labels(plan, params):
    """(swept columns, strategy, policy, seed) of a run, as the simulator writes them."""
    swept = [(k, v) for k, v in params if k not in ("seed", "strategy", "policy")]
    strategy, policy = "-", "-"
    for e in plan["events"]:
        if e["action"] in ("reload", "upgrade"):
            strategy = e["strategy"]
            policy = "hash" if strategy == "migrate" else "-"
            break
    return swept, strategy, policy, plan["seed"]


def row(index, plan, params, client, server):
    """One summary.csv row (a dict in column order)."""
    swept, strategy, policy, seed = run_labels(plan, params)
    r = {"run": str(index), **dict(swept), "strategy": strategy, "policy": policy,
         "seed": str(seed)}
    r.update(dict.fromkeys(METRICS, ""))
    for k in _FROM_CLIENTS:
        r[k] = str(client[k])
    failed = client["reset"] + client["refused"] + client["timeout"]
    r["failed"] = str(failed)
    r["failed_pct"] = f"{100 * failed / client['attempts']:.2f}" if client["attempts"] else "nan"
    for k, v in counters.summary_columns(server["counters"]).items():
        r[k] = str(v)
    r["restart_duration_s"] = f"{server['restart_duration_s']:.3f}"
    for k in _MILLIS:
        r[k] = "nan" if client[k] is None else f"{client[k]:.3f}"
    reloads = [e["at"] for e in plan["events"] if e["action"] in ("reload", "upgrade")]
    r["reloads"] = str(len(reloads))
    r["reload_at_s"] = f"{reloads[0]:.3f}" if reloads else "nan"
    return r


def write(path, rows):
    """Write the rows to path, through a temporary name so a reader never sees half."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)


# The simulator's timeseries.csv columns; the kernel leaves a socket's SYN queue empty
# (requests are not told apart by socket).
TIMESERIES = ["run", "time_s", "listener", "generation", "worker", "state", "syn_queue",
              "accept_queue", "rsts", "migrations", "completed"]


def write_timeseries(path, runs):
    """runs: [(run index, rows without the run column)]."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(TIMESERIES)
        for index, rows in runs:
            for r in rows:
                cells = [index, *r]
                w.writerow(cells + [""] * (len(TIMESERIES) - len(cells)))
    os.replace(tmp, path)


def with_completed(rows, completed_at):
    """The rows with the `all` rows' completed column: the connections completed by their
    time, as the clients saw them (completed_at: sorted seconds into the run)."""
    out = []
    for r in rows:
        if r[1] == "all":
            t = float(r[0])
            r = [*r, bisect.bisect_right(completed_at, t + 1e-9)]
        out.append(r)
    return out
