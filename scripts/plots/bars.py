"""Bar figures, a bar group per line of the table (strategy, policy, swept values): the
overview, RST segments by cause, restart durations and latencies."""
import math

from matplotlib import ticker

import results
from .style import bar_axes, headroom, legend_outside, mean, plt, value_text, values

LATENCIES = [
    ("connect_p50_ms", "connect p50"),
    ("connect_p99_ms", "connect p99"),
    ("response_p50_ms", "response p50"),
    ("response_p99_ms", "response p99"),
]


def width(groups, per_group=1.3, least=7):
    return max(least, per_group * len(groups) + 3)


def figure(groups, swept):
    """A figure wide enough for a bar group per line, its axes and the bars' x positions;
    the room on the right is for the legend."""
    fig, ax = plt.subplots(figsize=(width(groups) + 2, 5), layout="constrained")
    return fig, ax, bar_axes(ax, groups, swept)


def label_bars(ax, bars, tops, shown=None, fontsize=10):
    """Write a value over each bar (at `tops`, the tallest it reaches: a stack's top or an
    error bar's end); a zero or missing bar is labelled at the axis, "0" or "none", so
    that it reads as a value rather than a gap."""
    shown = tops if shown is None else shown
    for bar, top, value in zip(bars, tops, shown):
        x = bar.get_x() + bar.get_width() / 2
        low = math.isnan(top) or top <= 0
        ax.annotate(value_text(value), (x, 0 if low else top),
                    xycoords=("data", "axes fraction" if low else "data"),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=fontsize, gid="bar-label")


def overview(name, groups, swept):
    """What an operator reads first: per line, the share of connections that failed and the
    response time's p99, each the mean over the line's runs."""
    fig, axes = plt.subplots(1, 2, figsize=(2 * max(5, 1.1 * len(groups) + 1.5), 4.5),
                             layout="constrained")
    panels = [(axes[0], "failed_pct", "failed connections (% of attempts)", "%", "tab:red"),
              (axes[1], "response_p99_ms", "response time p99", "ms", "tab:blue")]
    runs = sorted({len(r) for _, r in groups})
    for ax, column, title, unit, color in panels:
        x = bar_axes(ax, groups, swept)
        heights = [mean(r, column) for _, r in groups]
        bars = ax.bar(x, [0 if math.isnan(h) else h for h in heights], 0.6, color=color)
        label_bars(ax, bars, heights)
        ax.set_title(title)
        ax.set_ylabel(unit)
        top = max((h for h in heights if not math.isnan(h)), default=0)
        headroom(ax, top if top > 0 else 1)
    said = f"{runs[0]}" if len(runs) == 1 else f"{runs[0]} to {runs[-1]}"
    fig.suptitle(f"{name}: mean over {said} run{'s' * (runs[-1] > 1)} per line", fontsize=14)
    return fig


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
    # The stacks' totals, also over the lines without any RST.
    totals = ax.bar(x, [0] * len(groups), 0.6, bottom=bottom, visible=False)
    label_bars(ax, totals, bottom)
    ax.set_title(f"{name}: RST segments by cause (mean over runs)")
    ax.set_ylabel("RST segments per run")
    headroom(ax, max(bottom) or 1)
    if any(bottom):
        legend_outside(ax, title="cause")
    return fig


def restart_duration(name, groups, swept):
    fig, ax, x = figure(groups, swept)
    spans = [values(runs, "restart_duration_s") or [math.nan] for _, runs in groups]
    means = [sum(v) / len(v) for v in spans]
    low = [m - min(v) for m, v in zip(means, spans)]
    high = [max(v) - m for m, v in zip(means, spans)]
    bars = ax.bar(x, means, 0.6, yerr=[low, high], capsize=6, color="tab:green")
    label_bars(ax, bars, [max(v) for v in spans], means)
    ax.set_title(f"{name}: restart duration (mean, min to max over runs)")
    ax.set_ylabel("seconds")
    headroom(ax, max((max(v) for v in spans if not math.isnan(v[0])), default=0) or 1)
    return fig


def latency(name, groups, swept):
    fig, ax, x = figure(groups, swept)
    colors = plt.get_cmap("tab20").colors
    bar_width = 0.8 / len(LATENCIES)
    heights = []
    drawn = []
    for i, ((column, label), color) in enumerate(zip(LATENCIES, [colors[1], colors[0],
                                                                  colors[3], colors[2]])):
        offset = (i - (len(LATENCIES) - 1) / 2) * bar_width
        height = [mean(runs, column) for _, runs in groups]
        bars = ax.bar([p + offset for p in x], height, bar_width, label=label, color=color)
        drawn.append((bars, height))
        heights += [h for h in height if h > 0]
    ax.set_ylabel("ms")
    # A p99 of retransmitted SYNs (1 s and more) would flatten RTT-sized bars.
    if heights and max(heights) > 20 * min(heights):
        ax.set_yscale("log")
        ax.set_ylim(10 ** math.floor(math.log10(min(heights))), max(heights) * 2)
        ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_ylabel("ms (log scale)")
    else:
        headroom(ax, max(heights, default=1))
    for bars, height in drawn:
        label_bars(ax, bars, height, fontsize=8)
    ax.set_title(f"{name}: latency (mean over runs)")
    legend_outside(ax)
    return fig
