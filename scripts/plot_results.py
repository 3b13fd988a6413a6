#!/usr/bin/python3
"""Plots of scenario results: plot_results.py results/<name> [...] (what ./waf plot runs).

Writes rst_by_cause.png, restart_duration.png, latency.png and queues.png under each
results/<name>/plots/ and prints their paths. Needs matplotlib: Debian's python3-matplotlib.
"""
import csv
import math
import sys
from pathlib import Path

import results

try:
    import matplotlib
except ImportError:
    sys.exit("plot_results.py: matplotlib is missing; install it with: "
             "apt-get install python3-matplotlib (or ./waf configure)")
matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)
from matplotlib import ticker  # noqa: E402

LATENCIES = [
    ("connect_p50_ms", "connect p50"),
    ("connect_p99_ms", "connect p99"),
    ("response_p50_ms", "response p50"),
    ("response_p99_ms", "response p99"),
]

plt.rcParams.update({"font.size": 12, "axes.titlesize": 14, "legend.fontsize": 11,
                     "axes.grid": True, "axes.axisbelow": True, "grid.alpha": 0.3})


def values(runs, column):
    found = (results.number(r.get(column)) for r in runs)
    return [v for v in found if not math.isnan(v)]


def mean(runs, column):
    v = values(runs, column)
    return sum(v) / len(v) if v else math.nan


def figure(groups, swept):
    """A figure wide enough for a bar group per strategy, and the bars' x positions."""
    labels = [results.group_label(key, swept, "\n") for key, _ in groups]
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(groups) + 3), 5), layout="constrained")
    x = list(range(len(groups)))
    long = max(len(line) for label in labels for line in label.split("\n")) > 16
    ax.set_xticks(x, labels, rotation=25 if long else 0, ha="right" if long else "center")
    return fig, ax, x


def rst_by_cause(name, groups, swept):
    """RST segments (not connections) per run, stacked by cause under the trace's names:
    a bar's height is the table's rsts."""
    fig, ax, x = figure(groups, swept)
    bottom = [0.0] * len(groups)
    stacks = [results.rst_means(runs) for _, runs in groups]
    for i, cause in enumerate(results.RST_CAUSES):
        height = [stack[i][1] for stack in stacks]
        if not any(height):
            continue  # a cause no run saw gets no legend entry
        ax.bar(x, height, 0.6, bottom=bottom, label=cause)
        bottom = [b + h for b, h in zip(bottom, height)]
    ax.set_title(f"{name}: RST segments by cause (mean over runs)")
    ax.set_ylabel("RST segments per run")
    ax.set_ylim(bottom=0)
    if any(bottom):
        ax.legend()
    return fig


def restart_duration(name, groups, swept):
    fig, ax, x = figure(groups, swept)
    spans = [values(runs, "restart_duration_s") or [math.nan] for _, runs in groups]
    means = [sum(v) / len(v) for v in spans]
    low = [m - min(v) for m, v in zip(means, spans)]
    high = [max(v) - m for m, v in zip(means, spans)]
    ax.bar(x, means, 0.6, yerr=[low, high], capsize=6, color="tab:green")
    ax.set_title(f"{name}: restart duration (mean, min to max over runs)")
    ax.set_ylabel("seconds")
    ax.set_ylim(bottom=0)
    return fig


def latency(name, groups, swept):
    fig, ax, x = figure(groups, swept)
    colors = plt.get_cmap("tab20").colors
    width = 0.8 / len(LATENCIES)
    heights = []
    for i, ((column, label), color) in enumerate(zip(LATENCIES, [colors[1], colors[0],
                                                                  colors[3], colors[2]])):
        offset = (i - (len(LATENCIES) - 1) / 2) * width
        height = [mean(runs, column) for _, runs in groups]
        ax.bar([p + offset for p in x], height, width, label=label, color=color)
        heights += [h for h in height if h > 0]
    ax.set_ylabel("ms")
    # A p99 of retransmitted SYNs (1 s and more) would flatten RTT-sized bars.
    if heights and max(heights) > 20 * min(heights):
        ax.set_yscale("log")
        ax.set_ylim(bottom=10 ** math.floor(math.log10(min(heights))))
        ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_ylabel("ms (log scale)")
    ax.set_title(f"{name}: latency (mean over runs)")
    ax.legend()
    return fig


def queues(name, groups, swept, timeseries):
    """The first run of each variant: its total SYN and accept queues over time, with a
    dashed line wherever a new generation of listeners appeared (a reload or upgrade)."""
    first = {runs[0]["run"]: results.group_label(key, swept, ", ") for key, runs in groups}
    series = {run: ([], [], []) for run in first}
    newest, reloads = {}, set()
    with open(timeseries, newline="") as f:
        for row in csv.DictReader(f):
            run = row["run"]
            if run not in first:
                continue
            t = float(row["time_s"])
            if row["listener"] == "all":
                for column, value in zip(series[run], (t, row["syn_queue"], row["accept_queue"])):
                    column.append(float(value))
                continue
            generation = results.number(row["generation"])
            if run in newest and generation > newest[run]:
                reloads.add(t)
            if not math.isnan(generation):
                newest[run] = max(newest.get(run, generation), generation)
    fig, axes = plt.subplots(2, 1, figsize=(10, 7), sharex=True, layout="constrained")
    for run, label in first.items():
        t, syn, accept = series[run]
        axes[0].plot(t, syn, label=label, linewidth=1.5)
        axes[1].plot(t, accept, label=label, linewidth=1.5)
    for ax, what in zip(axes, ("SYN queue", "accept queue")):
        for i, t in enumerate(sorted(reloads)):
            ax.axvline(t, color="gray", linestyle="--", linewidth=1,
                       label="reload" if i == 0 else None)
        ax.set_ylabel(f"{what}\n(all listeners)")
    axes[0].legend(loc="upper right")
    axes[1].set_xlabel("simulated time (s)")
    fig.suptitle(f"{name}: listener queues (first run of each variant)", fontsize=14)
    return fig


def plot(directory):
    name = directory.name
    rows = results.read_summary(directory / "summary.csv")
    groups, swept = results.group_runs(rows), results.swept_columns(rows)
    if not groups:
        print(f"{directory}: no runs in summary.csv", file=sys.stderr)
        return
    figures = [("rst_by_cause.png", lambda: rst_by_cause(name, groups, swept)),
               ("restart_duration.png", lambda: restart_duration(name, groups, swept)),
               ("latency.png", lambda: latency(name, groups, swept))]
    timeseries = directory / "timeseries.csv"
    if timeseries.is_file():
        figures.append(("queues.png", lambda: queues(name, groups, swept, timeseries)))
    else:
        print(f"{directory}: no timeseries.csv, so no queues.png", file=sys.stderr)
    (directory / "plots").mkdir(exist_ok=True)
    for file, draw in figures:
        fig = draw()
        path = directory / "plots" / file
        # No Software tag: the same results give byte-identical files.
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)
        print(path)


def main(args):
    if not args or args[0].startswith("-"):
        sys.exit("usage: plot_results.py RESULTS_DIR [...]  (e.g. results/nginx-reload)")
    for directory in map(Path, args):
        if not (directory / "summary.csv").is_file():
            sys.exit(f"plot_results.py: {directory}: no summary.csv")
        plot(directory)


if __name__ == "__main__":
    main(sys.argv[1:])
