#!/usr/bin/python3
"""The table ./waf scenarios prints, checked against what a small scenario must give, and the
RST cause names, the same in summary.csv, the table, the plot and the docs.

    scenario-table-test.py RUNNER [unittest arguments]

RUNNER is the built scenario-runner; ./waf uses it through WAF_SCENARIO_RUNNER (no build).

The scenario is small enough to work out by hand: one client opens a connection every
50 ms from 0 to 0.45 s (10 connections; the arrival at 0.475 s is past the stop), to one
worker that stalls at once, so that every connection is established and waits, request
sent, in the worker's accept queue. At 1 s a reload replaces the socket (listen options
changed): with `close` the queue's 10 children are reset, one RST each, and nothing
completes; with `migrate` the 10 children move (one hop each) to the new worker's socket,
which serves them: 10 saved. A second reload at 2 s finds nothing queued, so it changes
no count, but the runs have two reloads each.
"""
import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(TOP / "scripts"))
import results  # noqa: E402 (scripts/results.py: the table and its names)

RUNNER = None  # set from the command line

CONNECTIONS = 10  # arrivals at 0, 50, ..., 450 ms
SCENARIO = {
    "name": "table-small",
    "duration": "3s",
    "topology": {"nodes": [{"id": "client"}, {"id": "server"}],
                 "links": [{"between": ["client", "server"], "rate": "1Gbps",
                            "delay": "5ms"}]},
    "server": {"host": "server", "workers": 1, "service_time": "1ms"},
    "clients": {"hosts": "client", "rate": 20, "arrival": "constant", "stop": "475ms"},
    "events": [{"at": "0s", "action": "stall-worker", "worker": 0},
               {"at": "1s", "action": "reload", "listen_change": True},
               {"at": "2s", "action": "reload", "listen_change": True}],
    "sweep": {"strategy": ["close", "migrate"]},
}


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def documented(path):
    """The `names` a Markdown file mentions in backquotes."""
    return set(re.findall(r"`([^`\s]+)`", Path(path).read_text()))


class SmallScenarioTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="scenario-table-"))
        cls.file = cls.tmp / "table-small.json"
        cls.file.write_text(json.dumps(SCENARIO, indent=1))
        cls.out = cls.tmp / "results"
        env = dict(os.environ, WAF_SCENARIO_RUNNER=RUNNER)
        cls.done = subprocess.run([sys.executable, str(TOP / "waf"), "scenarios", cls.file,
                                   f"--out={cls.out}", "--jobs=1"], env=env,
                                  capture_output=True, text=True)
        if cls.done.returncode:
            raise AssertionError(f"./waf scenarios: status {cls.done.returncode}\n"
                                 f"{cls.done.stdout}\n{cls.done.stderr}")
        cls.folder = cls.out / "table-small"
        # The printed table: after the title line, up to the legend.
        printed = cls.done.stdout.split("table-small (", 1)[1]
        cls.table, cls.legend = printed.split("\n", 1)[1].split("\nEach line:")
        cls.lines = results.parse_table(cls.table)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_close_resets_every_queued_connection(self):
        close = self.lines[("close", "-")]
        n = str(CONNECTIONS)
        self.assertEqual({k: close[k] for k in ("runs", "attempts", "done", "failed", "fail%",
                                                "reset", "refused", "tmout", "unfin")},
                         {"runs": "1", "attempts": n, "done": "0", "failed": n,
                          "fail%": "100.00", "reset": n, "refused": "0", "tmout": "0",
                          "unfin": "0"})
        # One RST segment per reset connection, all from the accept-queue purge.
        self.assertEqual((close["rsts"], close["accept-queue"]), (n, n))
        self.assertEqual((close["migr"], close["saved"], close["restart max"]),
                         ("0", "0", "0.00"))
        self.assertEqual(close["wait p99"], "-")  # nothing was ever accepted from the queue

    def test_migrate_saves_every_queued_connection(self):
        migrate = self.lines[("migrate", "hash")]
        n = str(CONNECTIONS)
        self.assertEqual({k: migrate[k] for k in ("attempts", "done", "failed", "fail%",
                                                  "reset", "rsts", "accept-queue", "migr",
                                                  "saved", "restart max")},
                         {"attempts": n, "done": n, "failed": "0", "fail%": "0.00",
                          "reset": "0", "rsts": "0", "accept-queue": "0", "migr": n,
                          "saved": n, "restart max": "0.00"})
        # The first connection waited from its handshake (~10 ms) to the reload at 1 s.
        self.assertTrue(900 < float(migrate["wait p99"]) < 1000, migrate["wait p99"])
        self.assertTrue(float(migrate["resp p99"]) > float(migrate["wait p99"]))

    def test_only_the_causes_seen_and_no_conn_p99(self):
        headers = set(next(iter(self.lines.values())))
        self.assertEqual(headers & set(results.RST_CAUSES), {"accept-queue"})
        self.assertNotIn("conn p99", self.table)

    def test_notes_and_legend(self):
        self.assertIn("restart max: each run has 2 reloads; the table shows the longest",
                      " ".join(self.table.split()))
        self.assertNotIn("warning", self.table)  # 20/s against 1000/s
        for term in ("strategy, policy:", "runs:", "done:", "fail%", "reset:", "refused:", "tmout:", "unfin:", "rsts:",
                     "migr:", "saved:", "restart max:", "wait p99:"):
            self.assertIn(term, self.legend)

    def test_summary_csv(self):
        close, migrate = rows(self.folder / "summary.csv")
        self.assertEqual((close["failed"], close["reset"], close["rsts"]),
                         (str(CONNECTIONS),) * 3)
        self.assertEqual((migrate["migrate_success"], migrate["migrated_connections"],
                          migrate["saved"]), (str(CONNECTIONS),) * 3)
        for r in (close, migrate):
            self.assertEqual(r["reloads"], "2")
            self.assertEqual((r["capacity_per_s"], r["offered_load"]), ("1000.0", "0.020"))
            self.assertEqual(int(r["rsts"]), sum(int(r[results.rst_column(c)])
                                                 for c in results.RST_CAUSES))

    def test_reloads_csv_has_a_row_per_reload(self):
        got = [(r["run"], r["strategy"], r["reload"], r["action"], r["reload_strategy"],
                r["at_s"], r["duration_s"], r["done"], r["retired"])
               for r in rows(self.folder / "reloads.csv")]
        self.assertEqual(got, [("0", "close", "0", "reload", "close", "1.000", "0.000", "1", "1"),
                               ("0", "close", "1", "reload", "close", "2.000", "0.000", "1", "1"),
                               ("1", "migrate", "0", "reload", "migrate", "1.000", "0.000", "1",
                                "1"),
                               ("1", "migrate", "1", "reload", "migrate", "2.000", "0.000", "1",
                                "1")])

    def test_cause_names_match_the_trace(self):
        # summary.csv's rst.* columns come from the model's RstCauseName(), in enum order.
        header = list(rows(self.folder / "summary.csv")[0])
        self.assertEqual([c[4:] for c in header if c.startswith("rst.")], results.RST_CAUSES)
        model = documented(TOP / "src/reuseport-migration/doc/model.md")
        for cause in results.RST_CAUSES:
            self.assertIn(cause, model)

    def test_every_column_is_documented(self):
        doc = documented(TOP / "src/reuseport-migration/doc/scenarios.md")
        for file in ("summary.csv", "reloads.csv"):
            for column in rows(self.folder / file)[0]:
                self.assertIn(column, doc, f"{file} column {column} not in scenarios.md")

    @unittest.skipUnless(importlib.util.find_spec("matplotlib"), "needs python3-matplotlib")
    def test_plot_stacks_what_the_table_counts(self):
        import plot_results
        from plots.style import plt
        summary = rows(self.folder / "summary.csv")
        groups = results.group_runs(summary)
        fig = plot_results.rst_by_cause("table-small", groups, [])
        ax = fig.axes[0]
        self.assertEqual([t.get_text() for t in ax.get_legend().get_texts()], ["accept-queue"])
        heights = {}
        for patch in ax.patches:
            x = round(patch.get_x() + patch.get_width() / 2)
            heights[x] = heights.get(x, 0) + patch.get_height()
        self.assertEqual([heights.get(i, 0) for i in range(len(groups))],
                         [float(self.lines[key]["rsts"]) for key, _ in groups])
        plt.close(fig)


class OverloadWarningTest(unittest.TestCase):
    def test_runner_warns_when_the_load_exceeds_the_workers(self):
        doc = {k: v for k, v in SCENARIO.items() if k != "sweep"}
        doc.update(name="table-overload", events=[])
        doc["clients"] = dict(SCENARIO["clients"], rate=1500)  # 1 worker, 1 ms: 1000/s
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / "overload.json"
            file.write_text(json.dumps(doc))
            done = subprocess.run([RUNNER, file, "--list"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"{file}: warning: /clients/rate: 1500 connections/s is more than the "
                      "workers can serve (1000/s", done.stderr)
        self.assertIn("1.5 times over", done.stderr)


if __name__ == "__main__":
    RUNNER = str(Path(sys.argv.pop(1)).resolve())
    unittest.main()
