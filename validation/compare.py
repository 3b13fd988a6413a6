"""The simulator's summary.csv beside the kernel's: per run (the runs of a scenario that
differ only by seed are one run) and metric, the simulator's median (min-max) over the
seeds, the kernel's, and whether the simulator's median is inside the kernel's range
widened by 5% of the kernel's median.
"""
import csv
import math
import statistics

from .summary import METRICS

WIDEN = 0.05
# Inputs of the scenario, not measurements.
_SKIP = {"reload_at_s"}


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _key(row):
    keys = list(row)
    swept = keys[keys.index("run") + 1:keys.index("strategy")]
    return tuple((k, row[k]) for k in swept) + (("strategy", row["strategy"]),
                                                ("policy", row["policy"]))


def _label(key):
    parts = [f"{k.rpartition('.')[2]}={v}" for k, v in key[:-2]]
    strategy, policy = key[-2][1], key[-1][1]
    if strategy != "-":
        parts.append(strategy if policy == "-" else f"{strategy}/{policy}")
    return " ".join(parts) or "no reload"


def _numbers(rows, metric):
    out = []
    for r in rows:
        try:
            v = float(r.get(metric, ""))
        except ValueError:
            continue
        if not math.isnan(v):
            out.append(v)
    return out


def inside(sim_median, kernel_values):
    """Whether sim_median is in [min - 5% of median, max + 5% of median] of the kernel's."""
    med = statistics.median(kernel_values)
    slack = WIDEN * abs(med)
    return min(kernel_values) - slack <= sim_median <= max(kernel_values) + slack


def _fmt(v):
    if v.is_integer():
        return str(int(v))
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"


def _cell(values):
    if not values:
        return "-"
    med = statistics.median(values)
    # The median of two counts may fall halfway: one decimal says so.
    shown = f"{med:.1f}" if all(v.is_integer() for v in values) and not med.is_integer() \
        else _fmt(med)
    return f"{shown} ({_fmt(min(values))}-{_fmt(max(values))})"


def compare(sim_rows, kernel_rows):
    """[(label, seeds, [(metric, simulator, kernel, verdict)])]; verdict "in", "out", or "-"
    when a side has no value."""
    groups = {}
    for side, rows in (("sim", sim_rows), ("kernel", kernel_rows)):
        for r in rows:
            groups.setdefault(_key(r), {"sim": [], "kernel": []})[side].append(r)
    out = []
    for key, g in groups.items():
        if not g["kernel"]:
            out.append((_label(key), len(g["sim"]), None))  # not run on the kernel
            continue
        lines = []
        for metric in METRICS:
            if metric in _SKIP:
                continue
            k = _numbers(g["kernel"], metric)
            s = _numbers(g["sim"], metric)
            if not k and all(r.get(metric, "") == "" for r in g["kernel"]):
                continue  # a column the kernel cannot give
            verdict = "in" if s and k and inside(statistics.median(s), k) else \
                ("out" if s and k else "-")
            lines.append((metric, _cell(s), _cell(k), verdict))
        seeds = max(len(g["sim"]), len(g["kernel"]))
        out.append((_label(key), seeds, lines))
    return out


def agreement(comparison, skip=()):
    """(metrics inside, metrics with a verdict), leaving out the runs labelled in skip."""
    verdicts = [v for label, _, lines in comparison if label not in skip
                for *_, v in lines or () if v != "-"]
    return sum(v == "in" for v in verdicts), len(verdicts)


def labels_of(kernel_rows, runs):
    """The labels of the runs (as compare() names them) that include one of the kernel
    summary rows numbered in runs."""
    return {_label(_key(r)) for r in kernel_rows if r["run"] in {str(k) for k in runs}}


def _agreement_line(comparison, shaky):
    inside_, total = agreement(comparison)
    text = (f"{inside_} of {total} metrics inside the kernel's range (widened by "
            f"{WIDEN:.0%} of its median)")
    if shaky:
        i, t = agreement(comparison, shaky)
        text += (f"; {i} of {t} in the runs whose kernel side kept up" if t else
                 "; in every run some kernel run fell behind")
    return text


def format_text(name, comparison, shaky=()):
    """The tables; shaky: labels of the runs whose kernel side fell behind."""
    blocks = []
    for label, seeds, lines in comparison:
        if lines is None:
            blocks.append(f"{name}: {label}: not run on the kernel (outside its subset)")
            continue
        rows = [("metric", "simulator", "kernel", "")] + lines
        w = [max(len(r[i]) for r in rows) for i in range(3)]
        text = [f"{name}: {label} ({seeds} seed{'s' if seeds != 1 else ''})"
                + (": the kernel side fell behind, verdicts unreliable" if label in shaky
                   else "")]
        text += ["  " + f"{m:<{w[0]}}  {s:>{w[1]}}  {k:>{w[2]}}  {v}".rstrip()
                 for m, s, k, v in rows]
        blocks.append("\n".join(text))
    blocks.append(f"{name}: {_agreement_line(comparison, shaky)}")
    return "\n\n".join(blocks)


def format_markdown(name, comparison, notes=(), behind=(), shaky=()):
    out = [f"# {name}: simulator and kernel", ""]
    out += [f"{_agreement_line(comparison, shaky)}. Each cell: median (min-max) over the "
            "seeds.", ""]
    if behind:
        out += ["**The kernel side fell behind in some runs; read them with care:**", ""]
        out += [f"- {w}" for w in behind] + [""]
    for label, seeds, lines in comparison:
        if lines is None:
            out += [f"## {label}", "", "Not run on the kernel (outside its subset).", ""]
            continue
        out += [f"## {label} ({seeds} seed{'s' if seeds != 1 else ''})"
                + (" (the kernel side fell behind: verdicts unreliable)" if label in shaky
                   else ""), "",
                "| metric | simulator | kernel | verdict |", "|---|---:|---:|---|"]
        out += [f"| {m} | {s} | {k} | {v} |" for m, s, k, v in lines]
        out.append("")
    if notes:
        out += ["## Kernel side", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(out)
