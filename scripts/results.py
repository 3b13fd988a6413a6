"""Scenario results (results/<name>/summary.csv) as tables: one line per strategy and policy.

Standard library only: ./waf imports it with whatever python3 runs it.
"""
import csv
import math
import textwrap

# (summary.csv column, header, decimals for a mean; None: a count)
COLUMNS = [
    ("attempts", "conns", None),
    ("completed", "done", None),
    ("reset", "reset", None),
    ("refused", "refused", None),
    ("timeout", "tmout", None),
    ("unfinished", "unfin", None),
    ("rst_accept_queue", "aq", None),
    ("rst_final_ack", "fack", None),
    ("rst_migration_failure", "migf", None),
    ("rst_program_drop", "prog", None),
    ("rst_overflow", "ovf", None),
    ("migrate_success", "migr", None),
    ("restart_duration_s", "restart", 2),
    ("connect_p99_ms", "conn p99", 1),
]

LEGEND = textwrap.fill(
    "Each line: the mean over its runs. conns: connections attempted. RSTs by cause: aq accept "
    "queue, fack final ACK, migf migration failure, prog program drop, ovf abort on overflow. "
    "migr: migrations (hops). restart: seconds from the reload to the last old socket closed. "
    "conn p99: connect time, ms.", 100)


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


def format_table(summary_rows):
    """The table of a summary.csv's rows, without a trailing newline."""
    swept = swept_columns(summary_rows)
    groups = group_runs(summary_rows)
    show_policy = any(key[-1] != "-" for key, _ in groups)
    # A swept path's last part is enough to tell the columns apart (events.0.respawn: respawn).
    text_headers = [*(c.rpartition(".")[2] for c in swept), "strategy",
                    *(["policy"] if show_policy else [])]
    headers = [*text_headers, "runs", *(h for _, h, _ in COLUMNS)]
    lines = []
    for key, runs in groups:
        text = list(key if show_policy else key[:-1])
        numbers = [str(len(runs))] + [format_cell([r.get(c) for r in runs], d)
                                      for c, _, d in COLUMNS]
        lines.append(text + numbers)
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(headers)]
    ntext = len(text_headers)

    def render(cells):
        return "  ".join(c.ljust(w) if i < ntext else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    # A line above the RST columns names them as a group, so their headers can be short.
    rst = [ntext + 1 + i for i, (c, _, _) in enumerate(COLUMNS) if c.startswith("rst_")]
    start = sum(w + 2 for w in widths[:rst[0]])
    span = sum(w + 2 for w in widths[rst[0]:rst[-1] + 1]) - 2
    group = " " * start + " RSTs by cause ".center(span, "-")
    return "\n".join([group, *(render(cells) for cells in [headers, *lines])])


def mean(values):
    """The mean of the values that are numbers, nan if none is."""
    values = [v for v in map(number, values) if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


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
    metrics = [("runs", None, None), *((c, c, d) for c, _, d in COLUMNS)]
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
