"""Where migrations land: migrations.dot drawn without graphviz, a panel per run that
migrated, a column of listeners per generation (oldest left), an edge per listener pair
with its width and label the connections migrated along it."""
import math
import re

from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

import results
from .style import generation_order, plt

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_CLUSTER = re.compile(r"subgraph cluster_(\d+)\s*\{")
_LABEL = re.compile(r"label=" + _QUOTED + ";")
_EDGE = re.compile(_QUOTED + r"\s*->\s*" + _QUOTED + r'\s*\[label="(\d+)", weight=(\d+)\];')
# A listener's name in migrations.dot (ListenerName() in helper/scenario-runner.cc).
_LISTENER = re.compile(r"L(\d+) g(\S*) w(\S*)")


def _unquote(s):
    return re.sub(r"\\(.)", r"\1", s)


def read_dot(path):
    """{run: (label, [(from, to, connections)])} of a migrations.dot as
    helper/result-files.cc writes it: a cluster per run, nodes named "RUN:LISTENER"."""
    found, run = {}, None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if m := _CLUSTER.fullmatch(line):
                run = m.group(1)
                found[run] = ("", [])
            elif run is not None and (m := _LABEL.fullmatch(line)):
                found[run] = (_unquote(m.group(1)), found[run][1])
            elif run is not None and (m := _EDGE.fullmatch(line)):
                ends = [_unquote(m.group(i)) for i in (1, 2)]
                if any(not e.startswith(run + ":") for e in ends) or m.group(3) != m.group(4):
                    raise ValueError(f"{path}:{number}: expected an edge of run {run} with "
                                     f"its label equal to its weight, got: {line}")
                found[run][1].append((ends[0][len(run) + 1:], ends[1][len(run) + 1:],
                                      int(m.group(3))))
            elif line == "}":
                run = None
    return found


def listener(name):
    """(id, generation, worker) of a listener's name, "L3 g1 w2"."""
    m = _LISTENER.fullmatch(name)
    if not m:
        raise ValueError(f"migrations.dot: expected a listener named 'L<id> g<generation> "
                         f"w<worker>', got {name!r}")
    return int(m.group(1)), m.group(2), m.group(3)


def _layout(edges):
    """{name: (x, y)}: a column per generation, oldest left; in a column, by listener id."""
    names = {n for e in edges for n in e[:2]}
    generations = generation_order({listener(n)[1] for n in names})
    where = {}
    for x, generation in enumerate(generations):
        column = sorted((n for n in names if listener(n)[1] == generation),
                        key=lambda n: listener(n)[0])
        for i, n in enumerate(column):
            where[n] = (x, (len(column) - 1) / 2 - i)
    return where, generations


# Half a listener box's width, in the data units of a column (one per generation).
HALF_BOX = 0.17


def _edge_path(start, end, same_column):
    """(path, its midpoint): a straight edge between columns; within a column (to an old
    socket that closes next) a curve out to the left of the boxes."""
    (x0, y0), (x1, y1) = start, end
    if same_column:
        a, b = (x0 - HALF_BOX, y0), (x1 - HALF_BOX, y1)
        c = (a[0] - 0.15 - 0.12 * abs(y1 - y0), (y0 + y1) / 2)
    else:
        a, b = (x0 + HALF_BOX, y0), (x1 - HALF_BOX, y1)
        c = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    path = Path([a, c, b], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
    return path, [(p + 2 * q + r) / 4 for p, q, r in zip(a, c, b)]


def draw_run(ax, label, edges):
    """One run's graph on an axes; each edge label's gid is "edge:FROM->TO"."""
    where, generations = _layout(edges)
    heaviest = max(n for _, _, n in edges)
    targets = {}  # a source's targets, top to bottom: where its edges' labels go
    for a, b, _ in edges:
        targets.setdefault(a, []).append(b)
    for a in targets:
        targets[a].sort(key=lambda b: -where[b][1])
    for a, b, n in edges:
        same = where[a][0] == where[b][0]
        path, middle = _edge_path(where[a], where[b], same)
        width = 0.8 + 5.2 * n / heaviest
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>",
                                     mutation_scale=10 + 2 * width, linewidth=width,
                                     color="tab:orange" if same else "tab:blue", alpha=0.6))
        if not same:
            # Spread the labels of one source's edges along them, so that they do not
            # pile up where the edges leave the box.
            (x0, y0), (x1, y1) = path.vertices[0], path.vertices[-1]
            rank, k = targets[a].index(b), len(targets[a])
            t = 0.2 + 0.6 * rank / (k - 1) if k > 1 else 0.5
            middle = (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        ax.text(*middle, str(n), ha="center", va="center", fontsize=9, gid=f"edge:{a}->{b}",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                      "edgecolor": "none", "alpha": 0.85})
    for name, (x, y) in where.items():
        ident, generation, worker = listener(name)
        ax.text(x, y, f"L{ident}\ngen {generation}, worker {worker}", ha="center",
                va="center", fontsize=9, gid=f"node:{name}",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "#eeeeee",
                      "edgecolor": "gray"})
    ax.set_xlim(-0.9, len(generations) - 0.5)
    rows = max(abs(y) for _, y in where.values())
    ax.set_ylim(-rows - 0.6, rows + 0.6)
    ax.set_xticks(range(len(generations)),
                  [f"generation {g}" + (" (oldest)" if i == 0 else "") for i, g in
                   enumerate(generations)])
    ax.set_yticks([])
    ax.grid(False)
    into = {}
    for _, b, n in edges:
        into[listener(b)[1]] = into.get(listener(b)[1], 0) + n
    ax.set_title(f"{label}\n{sum(into.values())} migrations: "
                 + ", ".join(f"{into[g]} to generation {g}" for g in generations if g in into),
                 fontsize=11)


def migrations(name, groups, swept, dot):
    """The figure, or None if no run migrated anything; `dot` is migrations.dot's path.
    A panel per run with a migration, titled by its line of the table."""
    graphs = read_dot(dot)
    lines = {r["run"]: (results.group_label(key, swept, ", "), r.get("seed"))
             for key, runs in groups for r in runs}
    drawn = [(run, edges) for run, (_, edges) in graphs.items() if edges]
    if not drawn:
        return None
    layouts = [_layout(edges) for _, edges in drawn]
    tallest = max(max(abs(y) for _, y in where.values()) for where, _ in layouts)
    widest = max(len(generations) for _, generations in layouts)
    # A column of listeners about 3 inches wide, a listener about 1 inch high.
    columns = min(2 if widest <= 2 else 1, len(drawn))
    rows = math.ceil(len(drawn) / columns)
    fig, axes = plt.subplots(rows, columns,
                             figsize=(3.1 * (widest + 0.4) * columns, (2 * tallest + 2.4) * rows),
                             squeeze=False, layout="constrained")
    for ax, (run, edges) in zip(axes.flat, drawn):
        label, seed = lines.get(run, (graphs[run][0], None))
        draw_run(ax, f"{label} (run {run}" + (f", seed {seed})" if seed else ")"), edges)
    for ax in axes.flat[len(drawn):]:
        ax.set_visible(False)
    fig.suptitle(f"{name}: where migrated connections land (listener to listener, "
                 "connections per edge)", fontsize=13)
    return fig
