#!/usr/bin/python3
"""Plots of scenario results: plot_results.py results/<name> [...] (what ./waf plot runs).

Writes under each results/<name>/plots/: overview.png (failed % and response p99 per
line of the table: read it first), rst_by_cause.png, restart_duration.png, latency.png,
queues.png (from timeseries.csv) and migrations.png (from migrations.dot, when a run
migrated), and prints their paths. Needs matplotlib: Debian's python3-matplotlib.
"""
import sys
from pathlib import Path

import results
from plots.style import save
from plots.bars import latency, overview, restart_duration, rst_by_cause
from plots.migrations import migrations
from plots.queues import queues


def plot(directory):
    """Draw every figure of a results directory; returns the paths written."""
    name = directory.name
    rows = results.read_summary(directory / "summary.csv")
    groups, swept = results.group_runs(rows), results.swept_columns(rows)
    if not groups:
        print(f"{directory}: no runs in summary.csv", file=sys.stderr)
        return []
    figures = [("overview.png", lambda: overview(name, groups, swept)),
               ("rst_by_cause.png", lambda: rst_by_cause(name, groups, swept)),
               ("restart_duration.png", lambda: restart_duration(name, groups, swept)),
               ("latency.png", lambda: latency(name, groups, swept))]
    timeseries = directory / "timeseries.csv"
    if timeseries.is_file():
        figures.append(("queues.png", lambda: queues(name, groups, swept, timeseries)))
    else:
        print(f"{directory}: no timeseries.csv, so no queues.png", file=sys.stderr)
    dot = directory / "migrations.dot"
    if dot.is_file():
        figures.append(("migrations.png", lambda: migrations(name, groups, swept, dot)))
    else:
        print(f"{directory}: no migrations.dot, so no migrations.png", file=sys.stderr)
    (directory / "plots").mkdir(exist_ok=True)
    written = []
    for file, draw in figures:
        path = directory / "plots" / file
        fig = draw()
        if fig is None:  # only migrations: no run migrated
            print(f"{directory}: no run migrated a connection, so no {file}", file=sys.stderr)
            path.unlink(missing_ok=True)  # not one of an older set of results
            continue
        save(fig, path)
        written.append(path)
        print(path)
    return written


def main(args):
    if not args or args[0].startswith("-"):
        sys.exit("usage: plot_results.py RESULTS_DIR [...]  (e.g. results/nginx-reload)")
    for directory in map(Path, args):
        if not (directory / "summary.csv").is_file():
            sys.exit(f"plot_results.py: {directory}: no summary.csv")
        try:
            plot(directory)
        except ValueError as e:
            sys.exit(f"plot_results.py: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
