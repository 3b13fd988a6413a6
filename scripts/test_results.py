"""Tests of results.py: python3 -m unittest, from scripts/."""
import csv
import os
import tempfile
import unittest

import results

HEADER = ["run", "strategy", "policy", "seed"] + [c for c, _, _ in results.COLUMNS]


def row(run, strategy, policy="-", seed=1, **values):
    r = dict.fromkeys(HEADER, "0")
    r.update(run=str(run), strategy=strategy, policy=policy, seed=str(seed))
    r.update({k: str(v) for k, v in values.items()})
    return r


def cells(table, strategy):
    """The cells of the table line of a strategy, by header."""
    lines = table.splitlines()[1:]  # the RST group line first
    headers = lines[0].replace("conn p99", "conn_p99").split()
    for line in lines[1:]:
        if line.split()[0] == strategy:
            return dict(zip(headers, line.split()))
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
    rows = [row(0, "close", attempts=100, completed=90, reset=10, rst_final_ack=10,
                restart_duration_s="0.100", connect_p99_ms="1000.0"),
            row(1, "close", seed=2, attempts=101, completed=90, reset=11, rst_final_ack=11,
                restart_duration_s="0.200", connect_p99_ms="nan"),
            row(2, "migrate", "last-slot", attempts=100, completed=100,
                restart_duration_s="0.000", connect_p99_ms="20.5")]

    def test_averages_per_strategy(self):
        table = results.format_table(self.rows)
        close = cells(table, "close")
        self.assertEqual(close["runs"], "2")
        self.assertEqual(close["conns"], "100.5")
        self.assertEqual(close["done"], "90")
        self.assertEqual(close["reset"], "10.5")
        self.assertEqual(close["fack"], "10.5")
        self.assertEqual(close["aq"], "0")
        self.assertEqual(close["restart"], "0.15")
        self.assertEqual(close["conn_p99"], "1000.0")
        self.assertEqual(close["policy"], "-")
        migrate = cells(table, "migrate")
        self.assertEqual((migrate["policy"], migrate["runs"], migrate["conns"]),
                         ("last-slot", "1", "100"))

    def test_layout(self):
        lines = results.format_table(self.rows).splitlines()
        self.assertEqual(len(lines), 4)
        self.assertIn("RSTs by cause", lines[0])
        # The group line spans the RST columns, from aq to ovf.
        self.assertEqual(lines[0].index("-"), lines[1].index(" aq") + 1)
        self.assertEqual(lines[0].rindex("-"), lines[1].index(" ovf") + 3)
        self.assertEqual(len({len(line) for line in lines[1:]}), 1)  # numbers right-aligned
        self.assertLessEqual(max(map(len, lines)), 120)

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


class CompareTest(unittest.TestCase):
    # A: close over two seeds; B: close over one, and migrate/hash only in B.
    a = [row(0, "close", attempts=100, completed=90, reset=10, rst_final_ack=10,
             restart_duration_s="0.100", connect_p99_ms="20.0"),
         row(1, "close", seed=2, attempts=101, completed=90, reset=11, rst_final_ack=11,
             restart_duration_s="0.200", connect_p99_ms="21.0")]
    b = [row(0, "close", attempts=100, completed=100, restart_duration_s="0.050",
             connect_p99_ms="20.0"),
         row(1, "migrate", "hash", attempts=100, completed=100, migrate_success=12,
             restart_duration_s="0.000", connect_p99_ms="20.0")]

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
        self.assertEqual(found[("close", "rst_final_ack")], ("10.5", "0", "-10.5"))
        self.assertEqual(found[("close", "rst_accept_queue")], ("0", "0", "0"))
        self.assertEqual(found[("close", "restart_duration_s")], ("0.15", "0.05", "-0.10"))
        self.assertEqual(found[("close", "connect_p99_ms")], ("20.5", "20.0", "-0.5"))

    def test_a_line_in_one_set_only(self):
        found = self.lines()
        self.assertEqual(found[("migrate/hash", "runs")], ("-", "1", "-"))
        self.assertEqual(found[("migrate/hash", "migrate_success")], ("-", "12", "-"))
        metrics = 1 + len(results.COLUMNS)
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
