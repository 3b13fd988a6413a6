"""Tests of results.py: python3 -m unittest, from scripts/."""
import csv
import importlib.util
import os
import re
import tempfile
import unittest

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
        runs = [row(0, "close", reset=9, rsts=14, rst__final_ack=10, rst__listener_reply=4),
                row(1, "close", seed=2, reset=11, rsts=11, rst__final_ack=11)]
        groups = results.group_runs(runs)
        fig = plot_results.rst_by_cause("t", groups, [])
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        self.assertEqual(labels, ["final-ack", "listener-reply"])
        self.assertEqual(sum(p.get_height() for p in ax.patches), 12.5)  # the table's rsts
        plot_results.plt.close(fig)


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
