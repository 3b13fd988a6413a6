"""Listener queues over time: a row of panels per line of the table (its first run), SYN
and accept queues, a step line per generation of listeners, the reloads marked."""
import csv
import math
import textwrap
from pathlib import Path

import results
from .style import generation_order, legend_outside, plt


def read_timeseries(path, runs):
    """{run: (times, {generation: {time: (syn, accept)}})} for the runs asked for: each
    generation's queues summed over its listeners at each sample (a listener closed with
    empty queues is no longer listed, so a generation's line ends when its last goes)."""
    found = {run: ([], {}) for run in runs}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["run"] not in found:
                continue
            times, generations = found[row["run"]]
            t = float(row["time_s"])
            if row["listener"] == "all":
                times.append(t)  # one per sample, also when no listener is left
                continue
            at = generations.setdefault(row["generation"], {})
            syn, accept = at.get(t, (0, 0))
            at[t] = (syn + int(row["syn_queue"]), accept + int(row["accept_queue"]))
    return found


def read_reloads(path, timeseries):
    """{run: [(at_s, duration_s)]} from reloads.csv; without it, the instants at which a
    new generation first appears in timeseries.csv (durations unknown: nan)."""
    if path.is_file():
        found = {}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                found.setdefault(row["run"], []).append(
                    (float(row["at_s"]), results.number(row["duration_s"])))
        return found
    return {run: sorted((min(at), math.nan) for at in gens.values())[1:]
            for run, (_, gens) in timeseries.items()}


def side_of_reloads(times, generations, reloads):
    """'after' if a sample taken at a reload's instant already shows a generation that
    first appears then (the runner takes it after the instant's events), 'before' if it
    does not, None if no sample falls on a reload."""
    firsts = {min(at) for at in generations.values()}
    on = [at for at, _ in reloads if at in set(times)]
    if not on:
        return None
    return "after" if all(at in firsts for at in on) else "before"


def queues(name, groups, swept, timeseries):
    """The figure; `timeseries` is timeseries.csv's path, reloads.csv is read beside it."""
    timeseries = Path(timeseries)
    first = {runs[0]["run"]: (key, runs[0]) for key, runs in groups}
    series = read_timeseries(timeseries, first)
    reloads = read_reloads(timeseries.parent / "reloads.csv", series)
    fig, axes = plt.subplots(len(first), 2, figsize=(14, 2.6 * len(first) + 1.2),
                             sharex=True, squeeze=False, layout="constrained")
    sides = set()
    for row, (run, (key, first_run)) in zip(axes, first.items()):
        times, generations = series[run]
        label = results.group_label(key, swept, ", ")
        order = generation_order(generations)
        colors = plt.get_cmap("viridis")([i / max(1, len(order) - 1) * 0.85
                                          for i in range(len(order))])
        for ax, index, what in zip(row, (0, 1), ("SYN queue", "accept queue")):
            for generation, color in zip(order, colors):
                at = generations[generation]
                # The samples from the generation's first to the one after its last (0:
                # gone), so that a value seen only at a reload's instant is a step too.
                t = [s for s in times if s >= min(at)]
                t = t[:next((i for i, s in enumerate(t) if s > max(at)), len(t) - 1) + 1]
                v = [at[s][index] if s in at else 0 for s in t]
                old = generation != order[-1]
                ax.step(t, v, where="post", color=color, linewidth=2.2 if old else 1.5,
                        linestyle="-" if old else (0, (4, 1.5)),
                        label=f"g{generation} ({'old' if old else 'newest'})")
            for i, (at, duration) in enumerate(reloads.get(run, [])):
                ax.axvline(at, color="gray", linestyle="--", linewidth=1,
                           label="reload signal" if i == 0 else None)
                if duration > 0:
                    ax.axvspan(at, at + duration, color="gray", alpha=0.15, linewidth=0,
                               label="old sockets open" if i == 0 else None)
            ax.set_title(f"{label}: {what}", loc="left")
            ax.set_ylabel("connections")
            ax.set_ylim(bottom=0)
        seed = first_run.get("seed", "")
        legend_outside(row[1], title=f"run {run}" + (f", seed {seed}" if seed else ""),
                       fontsize=10)
        sides.add(side_of_reloads(times, generations, reloads.get(run, [])))
    for ax in axes[-1]:
        ax.set_xlabel("simulated time (s)")
    step = ""
    any_times = [series[r][0] for r in first if len(series[r][0]) > 1]
    if any_times:
        step = f" (every {(any_times[0][1] - any_times[0][0]) * 1000:g} ms)"
    note = (f"Each step holds a sample's value until the next sample{step}; queues summed "
            "over each generation's listeners. ")
    sides.discard(None)
    if len(sides) == 1:
        note += (f"A sample at a reload's instant is taken {sides.pop()} the signal's "
                 "immediate effect (its step starts at the dashed line).")
    fig.suptitle(f"{name}: listener queues by generation (first run of each line)\n"
                 + "\n".join(textwrap.wrap(note, 140)), fontsize=12)
    return fig
