"""What every figure shares: the backend, the style, bar labels, the legend's place, saving."""
import math
import sys

import results

try:
    import matplotlib
except ImportError:
    sys.exit("plot_results.py: matplotlib is missing; install it with: "
             "apt-get install python3-matplotlib (or ./waf configure)")
matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)

plt.rcParams.update({"font.size": 12, "axes.titlesize": 13, "legend.fontsize": 11,
                     "axes.grid": True, "axes.axisbelow": True, "grid.alpha": 0.3})


def values(runs, column):
    """The column's values in the runs that have a number there."""
    found = (results.number(r.get(column)) for r in runs)
    return [v for v in found if not math.isnan(v)]


def mean(runs, column):
    return results.mean([r.get(column) for r in runs])


def generation_order(generations):
    """Generation labels oldest first: numbers in numeric order, anything else after."""
    return sorted(generations, key=lambda g: (math.isnan(results.number(g)),
                                              results.number(g), g))


def value_text(v):
    """A bar's label: "0" for a zero bar (so that it is seen as a value, not a gap), "none"
    when no run had a value."""
    if math.isnan(v):
        return "none"
    if v == 0:
        return "0"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def bar_axes(ax, groups, swept):
    """Put the groups' labels under an axes' bars; returns the bars' x positions."""
    labels = [results.group_label(key, swept, "\n") for key, _ in groups]
    x = list(range(len(groups)))
    long = max(len(line) for label in labels for line in label.split("\n")) > 16
    ax.set_xticks(x, labels, rotation=25 if long else 0, ha="right" if long else "center")
    ax.set_xlim(-0.6, len(groups) - 0.4)
    return x


def headroom(ax, top):
    """Room over the tallest bar for its label (linear axes only)."""
    if not math.isnan(top) and top > 0:
        ax.set_ylim(0, top * 1.15)


def legend_outside(ax, **kwargs):
    """The legend right of the axes, so it never hides a bar."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **kwargs)


def save(fig, path):
    # No Software tag: the same results give byte-identical files.
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
