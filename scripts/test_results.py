"""Tests of results.py: python3 -m unittest, from scripts/."""
import contextlib
import csv
import importlib.util
import io
import os
import re
import tempfile
import unittest
from pathlib import Path

import results

HEADER = (["run", "strategy", "policy", "seed"] + [c for c, _, _ in results.COLUMNS]
          + ["reloads", "capacity_per_s", "offered_load"])


def row(run, strategy, policy="-", seed=1, **values):
    """A summary.csv row; a keyword's "__" stands for "." (rst__final_ack: rst.final-ack)."""
    r = dict.fromkeys(HEADER, "0")
    r.update(run=str(run), strategy=strategy, policy=policy, seed=str(seed))
    for k, v in values.items():
        if k.startswith("rst__"):
            k = results.rst_column(k[5:].replace("_", "-"))
        r[k] = str(v)
    return r


def cells(table, strategy):
    """The cells of the table line of a strategy, by header, over every block."""
    for key, found in results.parse_table(table).items():
        if strategy in key:
            return found
    raise KeyError(strategy)


class GroupTest(unittest.TestCase):
    def test_first_appearance_order(self):
        rows = [row(0, "migrate", "hash"), row(1, "close"), row(2, "migrate", "last-slot"),
                row(3, "close", seed=2), row(4, "migrate", "hash", seed=2)]
        keys = [key for key, _ in results.group_runs(rows)]
        self.assertEqual(keys, [("migrate", "hash"), ("close", "-"), ("migrate", "last-slot")])
        self.assertEqual([len(runs) for _, runs in results.group_runs(rows)], [2, 2, 1])

    def test_policy_only_counts_for_migrate(self):
        rows = [row(0, "close", "hash"), row(1, "close", "last-slot")]
        self.assertEqual([key for key, _ in results.group_runs(rows)], [("close", "-")])

    def test_other_swept_parameters_group_too(self):
        rows = [{"run": "0", "clients.rate": "100", **row(0, "close")},
                {"run": "1", "clients.rate": "200", **row(1, "close")}]
        self.assertEqual(results.swept_columns(rows), ["clients.rate"])
        self.assertEqual([key for key, _ in results.group_runs(rows)],
                         [("100", "close", "-"), ("200", "close", "-")])
        self.assertTrue(results.format_table(rows).splitlines()[1].startswith("rate  strategy"))

    def test_label(self):
        self.assertEqual(results.group_label(("migrate", "hash")), "migrate/hash")
        self.assertEqual(results.group_label(("close", "-")), "close")
        self.assertEqual(results.group_label(("-", "-")), "no reload")
        self.assertEqual(results.group_label(("100", "0", "-", "-"), ["clients.rate", "x"], ", "),
                         "rate=100, x=0")


class CellTest(unittest.TestCase):
    def test_counts_agreeing_are_integers(self):
        self.assertEqual(results.format_cell(["7", "7", "7"], None), "7")

    def test_counts_differing_have_one_decimal(self):
        self.assertEqual(results.format_cell(["1", "2"], None), "1.5")
        self.assertEqual(results.format_cell(["1", "3"], None), "2.0")

    def test_fixed_decimals(self):
        self.assertEqual(results.format_cell(["1.5", "2.0"], 2), "1.75")
        self.assertEqual(results.format_cell(["20.04"], 1), "20.0")

    def test_missing_values_are_left_out(self):
        self.assertEqual(results.format_cell(["nan", "4.0"], 1), "4.0")
        self.assertEqual(results.format_cell(["nan", ""], 1), "-")


class TableTest(unittest.TestCase):
    rows = [row(0, "close", attempts=100, completed=90, failed=10, failed_pct="10.00",
                reset=10, rsts=14, rst__final_ack=10, rst__listener_reply=4,
                restart_duration_s="0.100", response_p99_ms="1000.0", reloads=1),
            row(1, "close", seed=2, attempts=101, completed=90, failed=11, failed_pct="10.89",
                reset=11, rsts=11, rst__final_ack=11, restart_duration_s="0.200",
                response_p99_ms="nan", reloads=1),
            row(2, "migrate", "last-slot", attempts=100, completed=100, migrate_success=7,
                saved=5, restart_duration_s="0.000", response_p99_ms="20.5", reloads=1)]

    def test_averages_per_strategy(self):
        table = results.format_table(self.rows)
        close = cells(table, "close")
        self.assertEqual(close["runs"], "2")
        self.assertEqual(close["attempts"], "100.5")
        self.assertEqual(close["done"], "90")
        self.assertEqual(close["failed"], "10.5")
        self.assertEqual(close["fail%"], "10.45")
        self.assertEqual(close["reset"], "10.5")
        self.assertEqual(close["rsts"], "12.5")
        self.assertEqual(close["final-ack"], "10.5")
        self.assertEqual(close["listener-reply"], "2.0")
        self.assertEqual(close["restart max"], "0.15")
        self.assertEqual(close["resp p99"], "1000.0")
        self.assertEqual(close["policy"], "-")
        migrate = cells(table, "migrate")
        self.assertEqual((migrate["policy"], migrate["runs"], migrate["attempts"]),
                         ("last-slot", "1", "100"))
        self.assertEqual((migrate["migr"], migrate["saved"]), ("7", "5"))

    def test_causes_no_run_saw_are_left_out(self):
        close = cells(results.format_table(self.rows), "close")
        self.assertNotIn("accept-queue", close)
        self.assertNotIn("connection-abort", close)
        self.assertEqual(cells(results.format_table([row(0, "close")]), "close")["rsts"], "0")

    def test_conn_p99_is_gone(self):
        self.assertNotIn("conn p99", results.format_table(self.rows))

    def test_layout(self):
        blocks = [b.splitlines() for b in results.format_table(self.rows).split("\n\n")]
        self.assertEqual(len(blocks), 2)
        titles = [[t.strip(" -") for t in re.findall(r"-+ [^-]+ -+", b[0])] for b in blocks]
        self.assertEqual(titles, [["connections"],
                                  ["RST segments", "migrated", "latency ms"]])
        for lines in blocks:
            self.assertEqual(len(lines), 4)  # group line, headers, close, migrate
            self.assertEqual(lines[1].split()[:3], ["strategy", "policy", "runs"])
            self.assertLessEqual(max(map(len, lines)), results.WIDTH)
            self.assertEqual(len({len(line) for line in lines[1:]}), 1)  # right-aligned
            # Each group's dashes span its columns: from its first header to its last.
            for match in re.finditer(r"-+ [^-]+ -+", lines[0]):
                self.assertEqual(lines[1][match.start() - 1], " ")
                self.assertNotEqual(lines[1][match.end() - 1], " ")

    def test_policy_column_only_with_migrate(self):
        table = results.format_table([row(0, "close"), row(1, "drain-steer")])
        self.assertNotIn("policy", table)
        self.assertIn("policy", results.format_table(self.rows))

    def test_read_summary(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "summary.csv")
            with open(path, "w", newline="") as f:
                w = csv.DictWriter(f, HEADER)
                w.writeheader()
                w.writerows(self.rows)
            read = results.read_summary(path)
        self.assertEqual(read, self.rows)
        self.assertEqual(list(read[0]), HEADER)
        self.assertEqual(results.format_table(read), results.format_table(self.rows))


class NotesTest(unittest.TestCase):
    def test_overload_is_warned_per_line(self):
        rows = [row(0, "close", offered_load="1.250", capacity_per_s="4000.0"),
                row(1, "migrate", "hash", offered_load="0.500", capacity_per_s="4000.0")]
        notes = results.format_table(rows).split("\n\n")[-1]
        self.assertIn("warning: close: the clients offer 1.25 times what the workers can "
                      "serve (4000 connections/s", " ".join(notes.split()))
        self.assertNotIn("migrate", notes)

    def test_one_warning_when_every_line_is_overloaded_alike(self):
        rows = [row(0, "close", offered_load="2.500", capacity_per_s="800.0"),
                row(1, "migrate", "hash", offered_load="2.500", capacity_per_s="800.0")]
        [notes] = results.format_notes(rows)
        self.assertEqual(notes.count("warning:"), 1)
        self.assertTrue(notes.startswith("warning: every line: the clients offer 2.50 times"))

    def test_no_note_for_one_reload_at_or_under_capacity(self):
        rows = [row(0, "close", offered_load="1.000", reloads=1)]
        self.assertEqual(results.format_notes(rows), [])

    def test_several_reloads_say_the_aggregate(self):
        notes = results.format_notes([row(0, "close", reloads=21)])
        self.assertEqual(len(notes), 1)
        self.assertIn("each run has 21 reloads; the table shows the longest", notes[0])
        self.assertIn("reloads.csv", notes[0])


class NamesTest(unittest.TestCase):
    """One name per RST cause in summary.csv, the table, the legend and the plot."""

    def test_table_headers_are_the_cause_names(self):
        seen = row(0, "close", **{f"rst__{c.replace('-', '_')}": 1 for c in results.RST_CAUSES})
        line = cells(results.format_table([seen]), "close")
        for cause in results.RST_CAUSES:
            self.assertEqual(line[cause], "1", cause)
            self.assertIn(cause, results.LEGEND)
        self.assertEqual(line["rsts"], "0")  # the total is its own column, not a sum here

    def test_columns(self):
        self.assertEqual([results.rst_column(c) for c in results.RST_CAUSES],
                         [c for c, _, _ in results.COLUMNS if c.startswith("rst.")])

    def test_rst_means_add_up_to_rsts(self):
        runs = [row(0, "close", rsts=14, rst__final_ack=10, rst__listener_reply=4),
                row(1, "close", rsts=11, rst__final_ack=11)]
        means = dict(results.rst_means(runs))
        self.assertEqual(list(means), results.RST_CAUSES)
        self.assertEqual(sum(means.values()), 12.5)
        self.assertEqual(cells(results.format_table(runs), "close")["rsts"], "12.5")

    @unittest.skipUnless(importlib.util.find_spec("matplotlib"), "needs python3-matplotlib")
    def test_plot_stacks_segments_by_the_same_names(self):
        import plot_results
        from plots.style import plt
        runs = [row(0, "close", reset=9, rsts=14, rst__final_ack=10, rst__listener_reply=4),
                row(1, "close", seed=2, reset=11, rsts=11, rst__final_ack=11)]
        groups = results.group_runs(runs)
        fig = plot_results.rst_by_cause("t", groups, [])
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        self.assertEqual(labels, ["final-ack", "listener-reply"])
        self.assertEqual(sum(p.get_height() for p in ax.patches), 12.5)  # the table's rsts
        plt.close(fig)


HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None

# A run of close and one of migrate/hash, 0.1 s apart, a reload at 0.1 s: before it,
# generation 1 (listeners 1 and 2); at its instant (after the signal) generation 1 closed
# with what is left in its queues and generation 2 empty; after it, generation 1 gone.
TIMESERIES = ("run,time_s,listener,generation,worker,state,syn_queue,accept_queue,rsts,"
              "migrations,completed\n") + """{r},0.000,1,1,0,listen,2,1,,,
{r},0.000,2,1,1,listen,3,0,,,
{r},0.000,all,,,,5,1,0,0,0
{r},0.100,1,1,0,closed,1,0,,,
{r},0.100,3,2,0,listen,0,0,,,
{r},0.100,4,2,1,listen,0,0,,,
{r},0.100,all,,,,1,0,0,0,4
{r},0.200,3,2,0,listen,4,2,,,
{r},0.200,4,2,1,listen,1,0,,,
{r},0.200,all,,,,5,2,1,0,9
"""
RELOADS = ("run,strategy,policy,seed,reload,action,reload_strategy,reload_policy,at_s,"
           "duration_s,done,retired\n") + """0,close,-,1,0,reload,close,-,0.100,0.000,1,2
1,migrate,hash,1,0,reload,migrate,hash,0.100,0.050,1,2
"""
# As helper/result-files.cc writes it: run 0 migrated nothing; run 1 moved 3 connections
# from listener 1 to 3, 1 from 1 to 4, and 2 onto listener 2 of its own generation.
DOT = """digraph migrations {
  node [shape=box];
  subgraph cluster_0 {
    label="run 0: strategy=close,seed=1";
  }
  subgraph cluster_1 {
    label="run 1: strategy=migrate,policy=hash,seed=1";
    "1:L1 g1 w0" -> "1:L3 g2 w0" [label="3", weight=3];
    "1:L1 g1 w0" -> "1:L4 g2 w1" [label="1", weight=1];
    "1:L1 g1 w0" -> "1:L2 g1 w1" [label="2", weight=2];
  }
}
"""


def results_dir(d, rows, dot=DOT):
    """A results directory of the fixtures above, with the summary rows given."""
    with open(os.path.join(d, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, HEADER)
        w.writeheader()
        w.writerows(rows)
    for name, text in [("timeseries.csv", TIMESERIES.format(r=0)
                        + TIMESERIES.format(r=1).split("\n", 1)[1]),
                       ("reloads.csv", RELOADS), ("migrations.dot", dot)]:
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return Path(d)


def bar_labels(ax):
    """{x of a bar: its label}."""
    return {round(t.xy[0], 6): t.get_text() for t in ax.texts if t.get_gid() == "bar-label"}


@unittest.skipUnless(HAVE_MATPLOTLIB, "needs python3-matplotlib")
class PlotTest(unittest.TestCase):
    rows = [row(0, "close", failed_pct="10.00", response_p99_ms="1000.0", rsts=3,
                rst__final_ack=3, restart_duration_s="0.000"),
            row(1, "migrate", "hash", failed_pct="0.00", response_p99_ms="20.5",
                restart_duration_s="0.000"),
            row(2, "close", seed=2, failed_pct="11.00", response_p99_ms="nan", rsts=5,
                rst__final_ack=4, rst__listener_reply=1, restart_duration_s="0.000")]

    def setUp(self):
        global plt, plot_results, bars, migrations, queues
        import plot_results
        from plots import bars, migrations, queues
        from plots.style import plt
        self.groups = results.group_runs(self.rows)

    def tearDown(self):
        plt.close("all")

    def test_files_written_are_pngs(self):
        with tempfile.TemporaryDirectory() as d:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                written = plot_results.plot(results_dir(d, self.rows))
            names = ["overview.png", "rst_by_cause.png", "restart_duration.png",
                     "latency.png", "queues.png", "migrations.png"]
            self.assertEqual(written, [Path(d) / "plots" / n for n in names])
            self.assertEqual(out.getvalue().split(), [str(p) for p in written])
            for path in written:
                data = path.read_bytes()
                self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n", path)
                self.assertEqual(data[12:16], b"IHDR", path)
                self.assertEqual(data[-8:-4], b"IEND", path)
                self.assertEqual(plt.imread(path).ndim, 3, path)

    def test_no_migrations_no_figure(self):
        empty = DOT.split('    "1:L1')[0] + "  }\n}\n"
        with tempfile.TemporaryDirectory() as d:
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()) as err:
                written = plot_results.plot(results_dir(d, self.rows, empty))
            self.assertNotIn("migrations.png", [p.name for p in written])
            self.assertFalse((Path(d) / "plots" / "migrations.png").exists())
            self.assertIn("no run migrated a connection, so no migrations.png", err.getvalue())

    def test_overview_is_the_summary_means(self):
        fig = bars.overview("t", self.groups, [])
        failed, p99 = fig.axes
        self.assertEqual(failed.get_title(), "failed connections (% of attempts)")
        self.assertEqual(p99.get_title(), "response time p99")
        self.assertEqual([t.get_text() for t in failed.get_xticklabels()],
                         ["close", "migrate/hash"])
        # close: (10 + 11) / 2; p99 of close: 1000 (the run without one is left out).
        self.assertEqual([p.get_height() for p in failed.patches], [10.5, 0.0])
        self.assertEqual([p.get_height() for p in p99.patches], [1000.0, 20.5])
        self.assertEqual(bar_labels(failed), {0: "10.5", 1: "0"})
        self.assertEqual(bar_labels(p99), {0: "1000", 1: "20.5"})
        self.assertEqual(fig._suptitle.get_text(), "t: mean over 1 to 2 runs per line")

    def test_zero_bars_are_labelled(self):
        rst = bars.rst_by_cause("t", self.groups, []).axes[0]
        self.assertEqual(bar_labels(rst), {0: "4", 1: "0"})  # (3 + 5) / 2 and none
        restart = bars.restart_duration("t", self.groups, []).axes[0]
        self.assertEqual(bar_labels(restart), {0: "0", 1: "0"})
        latency = bars.latency("t", self.groups, []).axes[0]
        # The fixture has no connect_* columns: missing, not zero; response p50 is 0.
        self.assertEqual(bar_labels(latency), {-0.3: "none", -0.1: "none", 0.1: "0",
                                               0.3: "1000", 0.7: "none", 0.9: "none",
                                               1.1: "0", 1.3: "20.5"})

    def test_legends_are_outside_the_bars(self):
        for draw in (bars.rst_by_cause, bars.latency):
            fig = draw("t", self.groups, [])
            fig.canvas.draw()
            ax = fig.axes[0]
            legend = ax.get_legend().get_window_extent()
            self.assertFalse(legend.overlaps(ax.get_window_extent()), draw.__name__)
            for bar in ax.patches:
                self.assertFalse(legend.overlaps(bar.get_window_extent()), draw.__name__)
            # and on the figure, not cut off
            self.assertLessEqual(legend.x1, fig.bbox.x1, draw.__name__)

    def test_queues_a_panel_per_line_and_generation(self):
        with tempfile.TemporaryDirectory() as d:
            path = results_dir(d, self.rows) / "timeseries.csv"
            fig = queues.queues("t", self.groups, [], path)
        self.assertEqual([ax.get_title(loc="left") for ax in fig.axes],
                         ["close: SYN queue", "close: accept queue",
                          "migrate/hash: SYN queue", "migrate/hash: accept queue"])
        syn, accept = fig.axes[:2]
        lines = {line.get_label(): line for line in syn.get_lines()}
        self.assertEqual(list(lines), ["g1 (old)", "g2 (newest)", "reload signal"])
        # Generation 1 until the sample after its last: 2 + 3, 1 left at the reload, 0 gone.
        self.assertEqual(list(lines["g1 (old)"].get_xdata()), [0.0, 0.1, 0.2])
        self.assertEqual(list(lines["g1 (old)"].get_ydata()), [5, 1, 0])
        self.assertEqual(list(lines["g2 (newest)"].get_xdata()), [0.1, 0.2])
        self.assertEqual(list(lines["g2 (newest)"].get_ydata()), [0, 5])
        self.assertEqual(lines["g1 (old)"].get_drawstyle(), "steps-post")
        self.assertEqual(list(lines["reload signal"].get_xdata()), [0.1, 0.1])
        accepts = {line.get_label(): list(line.get_ydata()) for line in accept.get_lines()}
        self.assertEqual((accepts["g1 (old)"], accepts["g2 (newest)"]), ([1, 0, 0], [0, 2]))
        # migrate's reload kept its old sockets 50 ms: a span from the signal.
        [span] = [p for p in fig.axes[2].patches if p.get_label() == "old sockets open"]
        self.assertEqual([round(x, 6) for x in span.get_xy()[:, 0][:3]], [0.1, 0.1, 0.15])
        title = " ".join(fig._suptitle.get_text().split())
        self.assertIn("(every 100 ms)", title)
        self.assertIn("A sample at a reload's instant is taken after the signal", title)

    def test_queues_reloads_without_reloads_csv(self):
        with tempfile.TemporaryDirectory() as d:
            path = results_dir(d, self.rows) / "timeseries.csv"
            os.remove(Path(d) / "reloads.csv")
            fig = queues.queues("t", self.groups, [], path)
        lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
        self.assertEqual(list(lines["reload signal"].get_xdata()), [0.1, 0.1])

    def test_migrations_edges_are_the_dot_files(self):
        with tempfile.TemporaryDirectory() as d:
            path = results_dir(d, self.rows) / "migrations.dot"
            self.assertEqual(migrations.read_dot(path), {
                "0": ("run 0: strategy=close,seed=1", []),
                "1": ("run 1: strategy=migrate,policy=hash,seed=1",
                      [("L1 g1 w0", "L3 g2 w0", 3), ("L1 g1 w0", "L4 g2 w1", 1),
                       ("L1 g1 w0", "L2 g1 w1", 2)])})
            fig = migrations.migrations("t", self.groups, [], path)
        [ax] = [ax for ax in fig.axes if ax.get_visible()]
        self.assertEqual(ax.get_title().splitlines(),
                         ["migrate/hash (run 1, seed 1)",
                          "6 migrations: 2 to generation 1, 4 to generation 2"])
        edges = {t.get_gid(): t.get_text() for t in ax.texts
                 if (t.get_gid() or "").startswith("edge:")}
        self.assertEqual(edges, {"edge:L1 g1 w0->L3 g2 w0": "3",
                                 "edge:L1 g1 w0->L4 g2 w1": "1",
                                 "edge:L1 g1 w0->L2 g1 w1": "2"})
        # Old generation left, new right.
        nodes = {t.get_gid()[5:]: t.get_position()[0] for t in ax.texts
                 if (t.get_gid() or "").startswith("node:")}
        self.assertEqual(nodes, {"L1 g1 w0": 0, "L2 g1 w1": 0, "L3 g2 w0": 1, "L4 g2 w1": 1})
        self.assertEqual([t.get_text() for t in ax.get_xticklabels()],
                         ["generation 1 (oldest)", "generation 2"])

    def test_bad_dot_edge_is_named(self):
        bad = DOT.replace('[label="1", weight=1]', '[label="1", weight=2]')
        with tempfile.TemporaryDirectory() as d:
            path = results_dir(d, self.rows, bad) / "migrations.dot"
            with self.assertRaises(ValueError) as e:
                migrations.read_dot(path)
        self.assertIn("migrations.dot:9: expected an edge of run 1 with its label equal to "
                      "its weight", str(e.exception))


class CompareTest(unittest.TestCase):
    # A: close over two seeds; B: close over one, and migrate/hash only in B.
    a = [row(0, "close", attempts=100, completed=90, reset=10, rst__final_ack=10,
             restart_duration_s="0.100", response_p99_ms="20.0"),
         row(1, "close", seed=2, attempts=101, completed=90, reset=11, rst__final_ack=11,
             restart_duration_s="0.200", response_p99_ms="21.0")]
    b = [row(0, "close", attempts=100, completed=100, restart_duration_s="0.050",
             response_p99_ms="20.0"),
         row(1, "migrate", "hash", attempts=100, completed=100, migrate_success=12,
             restart_duration_s="0.000", response_p99_ms="20.0")]

    def lines(self):
        """{(line, metric): (A, B, B-A)}; the line's label is on its first metric only."""
        found, label = {}, None
        text = results.format_compare(self.a, self.b).splitlines()
        self.assertEqual(text[0].split(), ["line", "metric", "A", "B", "B-A"])
        for line in text[1:]:
            cells = line.split()
            if len(cells) == 5:
                label = cells.pop(0)
            found[(label, cells[0])] = tuple(cells[1:])
        return found

    def test_means_and_differences(self):
        found = self.lines()
        self.assertEqual(found[("close", "runs")], ("2", "1", "-1"))
        self.assertEqual(found[("close", "attempts")], ("100.5", "100", "-0.5"))
        self.assertEqual(found[("close", "completed")], ("90", "100", "+10"))
        self.assertEqual(found[("close", "reset")], ("10.5", "0", "-10.5"))
        self.assertEqual(found[("close", "rst.final-ack")], ("10.5", "0", "-10.5"))
        # A cause neither set saw is left out, as in the table.
        self.assertNotIn(("close", "rst.accept-queue"), found)
        self.assertEqual(found[("close", "restart_duration_s")], ("0.15", "0.05", "-0.10"))
        self.assertEqual(found[("close", "response_p99_ms")], ("20.5", "20.0", "-0.5"))

    def test_a_line_in_one_set_only(self):
        found = self.lines()
        self.assertEqual(found[("migrate/hash", "runs")], ("-", "1", "-"))
        self.assertEqual(found[("migrate/hash", "migrate_success")], ("-", "12", "-"))
        metrics = 1 + len(results.shown_columns(self.a, self.b))
        self.assertEqual(metrics, 1 + len(results.COLUMNS) - len(results.RST_CAUSES) + 1)
        self.assertEqual(len(found), 2 * metrics)

    def test_swept_values_tell_lines_apart(self):
        a = [{"run": "0", "clients.rate": "100", **row(0, "close", attempts=10)}]
        b = [{"run": "0", "clients.rate": "100", **row(0, "close", attempts=12)},
             {"run": "1", "clients.rate": "200", **row(1, "close", attempts=20)}]
        text = results.format_compare(a, b)
        self.assertIn("rate=100 close  runs", text)
        self.assertRegex(text, r"\n\s+attempts\s+10\s+12\s+\+2\n")
        self.assertIn("rate=200 close  runs", text)


if __name__ == "__main__":
    unittest.main()
