"""Scenario results (results/<name>/summary.csv) as tables: one line per strategy and policy.

Standard library only: ./waf imports it with whatever python3 runs it.
"""
import csv
import math
import re
import textwrap

# The causes of the RST segments the server sends, by the names of the kernel model's
# RstSent trace (RstCauseName() in model/kernel-events.cc); summary.csv has a column
# "rst.<name>" for each, the table and the plot use the names as they are.
RST_CAUSES = ["accept-queue", "final-ack", "migration-failure", "program-drop", "overflow",
              "no-listener", "listener-reply", "embryonic", "connection-abort"]


def rst_column(cause):
    """The summary.csv column of a RST cause."""
    return f"rst.{cause}"


# The table's groups of columns: (title over them or "", [(summary.csv column, header,
# decimals for a mean; None: a count)]). A group is kept on one block when the table wraps.
GROUPS = [
    ("connections", [
        ("attempts", "attempts", None),
        ("completed", "done", None),
        ("failed", "failed", None),
        ("failed_pct", "fail%", 2),
        ("reset", "reset", None),
        ("refused", "refused", None),
        ("timeout", "tmout", None),
        ("unfinished", "unfin", None),
    ]),
    ("RST segments", [
        ("rsts", "rsts", None),
        *((rst_column(cause), cause, None) for cause in RST_CAUSES),
    ]),
    ("migrated", [
        ("migrate_success", "migr", None),
        ("saved", "saved", None),
    ]),
    ("", [
        ("restart_duration_s", "restart max", 2),
    ]),
    ("latency ms", [
        ("response_p50_ms", "resp p50", 1),
        ("response_p99_ms", "resp p99", 1),
        ("accept_wait_p99_ms", "wait p99", 1),
    ]),
]

# Every column the table can show, in order.
COLUMNS = [column for _, columns in GROUPS for column in columns]

# The widest a block of the table gets before the rest goes to the next block.
WIDTH = 120

LEGEND = "\n".join([
    "Each line: the mean over its runs (a count is a whole number when all runs agree).",
    *textwrap.wrap(
        "strategy, policy: of the runs' first reload (policy for migrate only), after any "
        "other swept parameter, named by the last part of its key; runs: runs on the line.",
        100),
    *textwrap.wrap(
        "connections (outcome of each connection attempt): attempts: attempted; done: "
        "completed (the whole response arrived); failed: reset + refused + tmout, and fail% "
        "its share of attempts; reset: the client saw a RST (or an early end) after it was "
        "connected; refused: a RST while connecting; tmout: the client gave up (SYN or data "
        "retransmissions, or its timeout); unfin: still open when the run ended (not failed).",
        100),
    *textwrap.wrap(
        "RST segments (what the server sent, counted per segment, not per connection; one "
        "connection may get several): rsts: all of them; then only the causes a run saw, "
        "by the names of the trace: " + ", ".join(RST_CAUSES) + ". Each is summary.csv's "
        "rst.<cause>; scenarios.md says what each means.", 100, break_on_hyphens=False),
    *textwrap.wrap(
        "migrated: migr: successful migrations (hops: a connection moved twice counts 2); "
        "saved: connections migrated at least once that completed.", 100),
    *textwrap.wrap(
        "restart max: seconds from a reload's signal to its last old socket closed; the "
        "longest of the run's reloads (reloads.csv has each).", 100),
    *textwrap.wrap(
        "latency ms: resp p50, resp p99: percentiles of start to last response byte, over "
        "completed connections; wait p99: 99th percentile of the time a connection waited in "
        "an accept queue before a worker accepted it.", 100),
])


def read_summary(path):
    """The rows of a summary.csv, as dicts in column order."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def swept_columns(rows):
    """The swept parameters other than seed, strategy and policy: between run and strategy."""
    keys = list(rows[0]) if rows else []
    if "run" not in keys or "strategy" not in keys:
        return []
    return keys[keys.index("run") + 1:keys.index("strategy")]


def policy(row):
    # The policy only matters for migrate; the others ignore it.
    return row.get("policy", "-") if row.get("strategy") == "migrate" else "-"


def group_runs(rows):
    """[(key, runs)] in first-appearance order; key: the swept values, strategy, policy."""
    swept = swept_columns(rows)
    groups = {}
    for row in rows:
        key = (*(row[c] for c in swept), row.get("strategy", "-"), policy(row))
        groups.setdefault(key, []).append(row)
    return list(groups.items())


def group_label(key, swept=(), sep=" "):
    """'migrate/hash', 'close', or with swept parameters 'rate=100 close', for a group key."""
    *values, strategy, pol = key
    parts = [f"{column.rpartition('.')[2]}={v}" for column, v in zip(swept, values)]
    if strategy != "-":
        parts.append(strategy if pol == "-" else f"{strategy}/{pol}")
    return sep.join(parts) or "no reload"


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def mean(values):
    """The mean of the values that are numbers, nan if none is."""
    values = [v for v in map(number, values) if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def format_cell(values, decimals):
    """Counts: an integer when every run agrees, else their mean to one decimal.
    Others: the mean to `decimals`. Runs without a value (nan) are left out."""
    values = [v for v in map(number, values) if not math.isnan(v)]
    if not values:
        return "-"
    mean = sum(values) / len(values)
    if decimals is not None:
        return f"{mean:.{decimals}f}"
    if len(set(values)) == 1 and mean.is_integer():
        return str(int(mean))
    return f"{mean:.1f}"


def shown_columns(*row_sets):
    """The columns of COLUMNS a table of these rows shows: all but the RST causes that no
    run saw (a cause column is shown when some run has a count above 0)."""
    causes = {rst_column(c) for c in RST_CAUSES}
    rows = [r for rows in row_sets for r in rows]
    return [(c, h, d) for c, h, d in COLUMNS
            if c not in causes or any(number(r.get(c)) > 0 for r in rows)]


def rst_means(runs):
    """[(cause, mean RST segments per run)] for every cause, in RST_CAUSES order: what the
    RST plot stacks, and what adds up to the table's rsts."""
    found = [(cause, mean([r.get(rst_column(cause)) for r in runs])) for cause in RST_CAUSES]
    return [(cause, 0.0 if math.isnan(m) else m) for cause, m in found]


def _blocks(fixed, columns):
    """Split the groups of columns [(title, [(column, header, width)])] into blocks of
    [(title, column, header, width)], each no wider than WIDTH with the fixed columns of
    widths `fixed` in front; a group stays in one block when it fits in one."""
    blocks, block, used = [], [], sum(w + 2 for w in fixed)
    for title, group in columns:
        need = sum(w + 2 for _, _, w in group)
        if block and used + need > WIDTH:
            blocks.append(block)
            block, used = [], sum(w + 2 for w in fixed)
        for cell in group:
            if block and used + cell[2] + 2 > WIDTH:  # a group wider than a block
                blocks.append(block)
                block, used = [], sum(w + 2 for w in fixed)
            block.append((title, *cell))
            used += cell[2] + 2
    if block:
        blocks.append(block)
    return blocks


def format_table(summary_rows):
    """The table of a summary.csv's rows, then its notes, without a trailing newline.

    A line per strategy/policy (and swept values); a table wider than WIDTH goes on in
    further blocks, each starting with the same labels."""
    swept = swept_columns(summary_rows)
    groups = group_runs(summary_rows)
    show_policy = any(key[-1] != "-" for key, _ in groups)
    # A swept path's last part is enough to tell the columns apart (events.0.respawn: respawn).
    text_headers = [*(c.rpartition(".")[2] for c in swept), "strategy",
                    *(["policy"] if show_policy else [])]
    fixed_headers = [*text_headers, "runs"]
    fixed = [list(key if show_policy else key[:-1]) + [str(len(runs))] for key, runs in groups]
    fixed_widths = [max([len(h)] + [len(line[i]) for line in fixed])
                    for i, h in enumerate(fixed_headers)]
    shown = {c for c, _, _ in shown_columns(summary_rows)}
    columns = []  # (title, [(column, header, width)]) of the columns shown, with their cells
    cells = {}
    for title, group in GROUPS:
        kept = []
        for column, header, decimals in group:
            if column not in shown:
                continue
            cells[column] = [format_cell([r.get(column) for r in runs], decimals)
                             for _, runs in groups]
            kept.append([column, header, max([len(header)] + list(map(len, cells[column])))])
        if kept:
            # The group's title fits over its columns, with a dash either side.
            short = len(title) + 4 * bool(title) - (sum(w + 2 for _, _, w in kept) - 2)
            kept[0][2] += max(0, short)
            columns.append((title, [tuple(k) for k in kept]))
    ntext = len(text_headers)

    def render(items, widths):
        return "  ".join(c.ljust(w) if i < ntext else c.rjust(w)
                         for i, (c, w) in enumerate(zip(items, widths)))

    text = []
    for block in _blocks(fixed_widths, columns):
        widths = fixed_widths + [w for _, _, _, w in block]
        # A line above each group names it, so that its headers can be short.
        line, at = "", sum(w + 2 for w in fixed_widths)
        for title in dict.fromkeys(t for t, _, _, _ in block):
            span = [w for t, _, _, w in block if t == title]
            width = sum(w + 2 for w in span) - 2
            if title:
                line = line.ljust(at) + f" {title} ".center(width, "-")
            at += width + 2
        headers = fixed_headers + [h for _, _, h, _ in block]
        lines = [line, render(headers, widths)]
        for i, row in enumerate(fixed):
            lines.append(render(row + [cells[c][i] for _, c, _, _ in block], widths))
        text.append("\n".join(lines))
    return "\n\n".join(text + format_notes(summary_rows))


def format_notes(summary_rows):
    """Lines said under a table: which aggregate of several reloads it shows, and a
    warning per line whose load is more than its workers can serve."""
    notes = []
    swept = swept_columns(summary_rows)
    reloads = sorted({int(n) for n in (number(r.get("reloads")) for r in summary_rows)
                      if not math.isnan(n)})
    if reloads and reloads[-1] > 1:
        counts = (f"each run has {reloads[0]} reloads" if len(reloads) == 1
                  else f"runs have {reloads[0]} to {reloads[-1]} reloads")
        notes.append("\n".join(textwrap.wrap(
            f"restart max: {counts}; the table shows the longest of each run, then the mean "
            "over runs; reloads.csv has a row per reload.", 100)))
    lines = group_runs(summary_rows)
    over = {}  # (load, capacity): the labels of the lines with it
    for key, runs in lines:
        load = max((number(r.get("offered_load")) for r in runs), default=math.nan)
        if load > 1:
            capacity = format_cell([r.get("capacity_per_s") for r in runs], 0)
            over.setdefault((load, capacity), []).append(group_label(key, swept))
    for (load, capacity), labels in over.items():
        # One warning for the lines that share a load: often every line of the sweep.
        which = "every line" if len(labels) == len(lines) > 1 else ", ".join(labels)
        notes.append("\n".join(textwrap.wrap(
            f"warning: {which}: the clients offer {load:.2f} times what the workers can "
            f"serve ({capacity} connections/s: workers / mean service_time); connections "
            "are lost to the load, not only to the reload.", 100)))
    return ["\n".join(notes)] if notes else []


def format_difference(a, b, decimals):
    """B-A of two means, signed; '-' when a side has no value. Counts get one decimal only
    when the difference is not whole."""
    if math.isnan(a) or math.isnan(b):
        return "-"
    d = b - a
    if decimals is None:
        decimals = 0 if float(d).is_integer() else 1
    text = f"{d:+.{decimals}f}"
    return "0" if float(text) == 0 else text


def format_compare(rows_a, rows_b):
    """Two sets side by side, without a trailing newline: per line of the table (a strategy,
    policy and swept values, matched by label) and metric, the mean of A, of B and B-A.
    A line in only one set shows '-' for the other."""
    groups = {}  # label: [runs of A, runs of B]
    for side, rows in enumerate((rows_a, rows_b)):
        swept = swept_columns(rows)
        for key, runs in group_runs(rows):
            groups.setdefault(group_label(key, swept), [[], []])[side] = runs
    metrics = [("runs", None, None), *((c, c, d) for c, _, d in shown_columns(rows_a, rows_b))]
    lines = []
    for label, (a, b) in groups.items():
        for i, (name, column, decimals) in enumerate(metrics):
            # The cells as the table shows them; the difference of their means.
            if column is None:  # the number of runs of each side
                va, vb = ([len(runs)] if runs else [] for runs in (a, b))
            else:
                va, vb = ([r.get(column) for r in runs] for runs in (a, b))
            ma, mb = mean(va), mean(vb)
            cells = [format_cell(va, decimals), format_cell(vb, decimals)]
            lines.append([label if i == 0 else "", name, *cells,
                          format_difference(ma, mb, decimals)])
    headers = ["line", "metric", "A", "B", "B-A"]
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(headers)]

    def render(cells):
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join(render(cells) for cells in [headers, *lines])


def parse_table(text):
    """{(label cells...): {header: cell}} of a table format_table printed: its blocks
    joined back. What the tests read, and a check that the text can be read back."""
    found = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        headers = re.split(r" {2,}", lines[1].strip()) if len(lines) > 1 else []
        if "runs" not in headers:
            continue  # the notes
        nlabels = headers.index("runs")
        for line in lines[2:]:
            values = re.split(r" {2,}", line.strip())
            found.setdefault(tuple(values[:nlabels]), {}).update(zip(headers, values))
    return found
