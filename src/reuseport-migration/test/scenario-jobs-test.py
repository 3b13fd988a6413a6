#!/usr/bin/python3
"""./waf scenarios as jobs: --emit-jobs under GNU parallel, then ./waf merge; --resume after a
kill; --only and --run; ./waf table and ./waf compare.

    scenario-jobs-test.py RUNNER [unittest arguments]

RUNNER is the built scenario-runner; ./waf uses it through WAF_SCENARIO_RUNNER (no build).
"""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(TOP / "scripts"))
import results  # noqa: E402 (scripts/results.py: how the table is read back)

RUNNER = None  # set from the command line

# 2 strategies x 2 seeds; --list names the runs in sweep order:
# 0 strategy=close,seed=1   1 strategy=close,seed=2
# 2 strategy=migrate,seed=1 3 strategy=migrate,seed=2
SWEEP = {
    "name": "jobs-sweep",
    "duration": "2s",
    "topology": {"nodes": [{"id": "client", "count": 2}, {"id": "router"}, {"id": "server"}],
                 "links": [{"between": ["client", "router"], "rate": "1Gbps", "delay": "1ms"},
                           {"between": ["router", "server"], "rate": "10Gbps",
                            "delay": "100us"}]},
    "server": {"host": "server", "workers": 2},
    "clients": {"hosts": "client", "rate": 200},
    "events": [{"at": "1s", "action": "reload", "listen_change": True}],
    "sweep": {"strategy": ["close", "migrate"], "seed": [1, 2]},
}
RESULT_FILES = ("summary.csv", "reloads.csv", "timeseries.csv", "migrations.dot")


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class JobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="scenario-jobs-"))
        cls.file = cls.tmp / "jobs-sweep.json"
        cls.file.write_text(json.dumps(SWEEP, indent=1))
        # The reference: every run in one plain ./waf scenarios.
        cls.plain = cls.tmp / "plain"
        cls.waf_ok(cls, "scenarios", cls.file, f"--out={cls.plain}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def waf(self, *args, runner=None, **kw):
        env = dict(os.environ, WAF_SCENARIO_RUNNER=str(runner or RUNNER))
        return subprocess.run([sys.executable, str(TOP / "waf"), *map(str, args)], env=env,
                              capture_output=True, text=True, **kw)

    def waf_ok(self, *args, **kw):
        done = JobsTest.waf(self, *args, **kw)
        if done.returncode:
            raise AssertionError(f"./waf {' '.join(map(str, args))}: status {done.returncode}\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def logging_runner(self, log):
        # The runner, behind a script that notes each command line: which runs were run.
        wrapper = self.tmp / f"runner-{log.stem}.sh"
        wrapper.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {RUNNER} "$@"\n')
        wrapper.chmod(0o755)
        return wrapper

    def assert_same_results(self, out):
        for name in RESULT_FILES:
            self.assertEqual((out / "jobs-sweep" / name).read_bytes(),
                             (self.plain / "jobs-sweep" / name).read_bytes(), name)
        self.assertFalse((out / "jobs-sweep" / ".runs").exists(), "parts left after the merge")
        self.assertFalse((out / "jobs-sweep" / "selection.txt").exists())

    def test_plain_run_has_every_run(self):
        got = [(r["run"], r["strategy"], r["seed"]) for r in rows(self.plain / "jobs-sweep" /
                                                                   "summary.csv")]
        self.assertEqual(got, [("0", "close", "1"), ("1", "close", "2"),
                               ("2", "migrate", "1"), ("3", "migrate", "2")])

    def test_emit_jobs_under_gnu_parallel_then_merge(self):
        if not shutil.which("parallel"):
            self.fail("GNU parallel is not installed (Debian package parallel, in PACKAGES)")
        out = self.tmp / "parallel"
        emitted = self.waf_ok("scenarios", self.file, f"--out={out}", "--emit-jobs")
        jobs = emitted.stdout.splitlines()
        self.assertEqual(len(jobs), 4, emitted.stdout)
        for k, job in enumerate(jobs):
            self.assertEqual(job, f"{Path(RUNNER).resolve()} {self.file.resolve()} "
                                  f"--out={out.resolve()} --run={k}")
        self.assertFalse(out.exists(), "--emit-jobs ran something")
        # Self-contained: run from elsewhere, two at a time, in any order.
        elsewhere = self.tmp / "elsewhere"
        elsewhere.mkdir()
        subprocess.run(["parallel", "--will-cite", "-j", "2"], input=emitted.stdout, text=True,
                       cwd=elsewhere, check=True, capture_output=True)
        self.assertFalse((out / "jobs-sweep" / "summary.csv").exists())
        merged = self.waf_ok("merge", self.file, f"--out={out}")
        self.assertIn("jobs-sweep", merged.stdout)
        self.assert_same_results(out)

    def test_merge_names_missing_runs(self):
        out = self.tmp / "missing"
        subprocess.run([RUNNER, self.file, f"--out={out}", "--run=1"], check=True,
                       capture_output=True)
        done = self.waf("merge", self.file, f"--out={out}")
        self.assertEqual(done.returncode, 1)
        self.assertIn("3 run(s) have no complete part", done.stdout + done.stderr)
        for title in ("jobs-sweep run 0 (strategy=close,seed=1)",
                      "jobs-sweep run 2 (strategy=migrate,seed=1)",
                      "jobs-sweep run 3 (strategy=migrate,seed=2)"):
            self.assertIn(title, done.stdout + done.stderr)
        self.assertFalse((out / "jobs-sweep" / "summary.csv").exists())

    def test_resume_after_a_kill(self):
        # Three runs of a second or two of wall time, one at a time, in order: the kill
        # comes as soon as run 1 is complete, in the middle of run 2.
        doc = dict(SWEEP, name="jobs-resume", sweep={"seed": [1, 2, 3]})
        file = self.tmp / "jobs-resume.json"
        file.write_text(json.dumps(doc))
        full = self.tmp / "resume-full"
        self.waf_ok("scenarios", file, f"--out={full}")
        out = self.tmp / "resume"
        parts = out / "jobs-resume" / ".runs"
        log = self.tmp / "resume.log"
        proc = subprocess.Popen([sys.executable, str(TOP / "waf"), "scenarios", str(file),
                                 f"--out={out}", "-j", "1"], start_new_session=True,
                                env=dict(os.environ,
                                         WAF_SCENARIO_RUNNER=str(self.logging_runner(log))),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while not ((parts / "1" / "done").exists() and (parts / "2").exists()):
                self.assertIsNone(proc.poll(), "the sweep ended before it could be killed")
                self.assertLess(time.monotonic(), deadline, "runs 0 and 1 never completed")
                time.sleep(0.05)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # waf and the runner of run 2
            proc.wait()
        self.assertFalse((parts / "2" / "done").exists(), "run 2 finished before the kill")
        self.assertFalse((out / "jobs-resume" / "summary.csv").exists())
        # As a kill while writing could leave it: run 2's files without the marker.
        (parts / "2" / "summary.csv").write_text("run,attempts\n2,999999\n")
        # A marker of another file's run is not trusted either.
        (parts / "2" / "done").write_text("run 2: seed=3\nfile fnv1a64 0000000000000000\n")
        # What is left to do, as jobs for elsewhere: run 2 alone.
        left = self.waf_ok("scenarios", file, f"--out={out}", "--resume", "--emit-jobs")
        self.assertEqual(left.stdout, f"{Path(RUNNER).resolve()} {file.resolve()} "
                                      f"--out={out.resolve()} --run=2\n")
        log.write_text("")
        resumed = self.waf_ok("scenarios", file, f"--out={out}", "--resume",
                              runner=self.logging_runner(log))
        self.assertIn("resuming: 2 of 3 runs have a complete part", resumed.stdout)
        ran = [line.split() for line in log.read_text().splitlines()]
        self.assertEqual([[a for a in args if a.startswith("--run")] for args in ran
                          if "--merge" not in args and "--list" not in args], [["--run=2"]])
        self.assertEqual([args for args in ran if "--merge" in args][0][-1], "--merge")
        for name in RESULT_FILES:
            self.assertEqual((out / "jobs-resume" / name).read_bytes(),
                             (full / "jobs-resume" / name).read_bytes(), name)
        self.assertEqual([r["seed"] for r in rows(out / "jobs-resume" / "summary.csv")],
                         ["1", "2", "3"])

    def test_only_runs_the_runs_named(self):
        out = self.tmp / "only"
        log = self.tmp / "only.log"
        done = self.waf_ok("scenarios", self.file, f"--out={out}",
                           "--only", "strategy=migrate,seed=2", runner=self.logging_runner(log))
        got = rows(out / "jobs-sweep" / "summary.csv")
        self.assertEqual([(r["run"], r["strategy"], r["seed"]) for r in got],
                         [("3", "migrate", "2")])
        self.assertEqual(got, [rows(self.plain / "jobs-sweep" / "summary.csv")[3]])
        self.assertEqual((out / "jobs-sweep" / "selection.txt").read_text(),
                         "only 1 of the 4 runs of the sweep:\n3\tstrategy=migrate,seed=2\n")
        self.assertIn("only 1 of the 4 runs of the sweep: 3 (strategy=migrate,seed=2)",
                      done.stdout)
        ran = [line.split() for line in log.read_text().splitlines()]
        self.assertEqual([a for args in ran for a in args if a.startswith("--run")],
                         ["--run=3", "--run=3"])  # the run, then the merge of it alone

        # A key given twice takes either value; the other keys all of theirs.
        self.waf_ok("scenarios", self.file, f"--out={out}", "--only", "seed=1,seed=2,"
                    "strategy=close")
        self.assertEqual([(r["run"], r["strategy"], r["seed"])
                          for r in rows(out / "jobs-sweep" / "summary.csv")],
                         [("0", "close", "1"), ("1", "close", "2")])
        self.assertIn("only 2 of the 4 runs",
                      (out / "jobs-sweep" / "selection.txt").read_text())

    def test_run_k_end_to_end(self):
        out = self.tmp / "run-k"
        self.waf_ok("scenarios", self.file, f"--out={out}", "--run", "1")
        got = rows(out / "jobs-sweep" / "summary.csv")
        self.assertEqual([(r["run"], r["strategy"], r["seed"]) for r in got],
                         [("1", "close", "2")])
        self.assertEqual(got, [rows(self.plain / "jobs-sweep" / "summary.csv")[1]])
        # The runner itself: --run=K, then --merge --run=K.
        out = self.tmp / "run-k-runner"
        subprocess.run([RUNNER, self.file, f"--out={out}", "--run=2"], check=True,
                       capture_output=True)
        whole = subprocess.run([RUNNER, self.file, f"--out={out}", "--merge"],
                               capture_output=True, text=True)
        self.assertEqual(whole.returncode, 1)
        self.assertIn("run 0 has no results", whole.stderr)
        self.assertIn("runs with results: 2; merge only those with --merge --run=2",
                      whole.stderr)
        subprocess.run([RUNNER, self.file, f"--out={out}", "--merge", "--run=2"], check=True)
        self.assertEqual([r["run"] for r in rows(out / "jobs-sweep" / "summary.csv")], ["2"])

    def test_selection_errors_name_the_choices(self):
        # The file as waf shows it: relative to the current directory.
        cases = [(["--only", "rate=100"], "jobs-sweep.json sweeps no 'rate'; its parameters: "
                                          "strategy, seed"),
                 (["--only", "strategy=drain"], "jobs-sweep.json: strategy has no value "
                                                "'drain'; its values: close, migrate"),
                 (["--only", "migrate"], "--only migrate: expected KEY=VALUE pairs"),
                 (["--run", "4"], "jobs-sweep.json has no run 4 (runs 0-3)")]
        for args, message in cases:
            done = self.waf("scenarios", self.file, f"--out={self.tmp / 'bad'}", *args)
            self.assertEqual(done.returncode, 2, args)
            self.assertIn(message, done.stdout + done.stderr)
        self.assertFalse((self.tmp / "bad").exists())


class TableCompareTest(unittest.TestCase):
    HEADER = ["run", "strategy", "policy", "seed", "attempts", "completed", "failed",
              "failed_pct", "reset", "refused", "timeout", "unfinished", "rsts",
              "rst.accept-queue", "rst.final-ack", "migrate_success", "saved",
              "restart_duration_s", "response_p50_ms", "response_p99_ms", "accept_wait_p99_ms"]

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="scenario-table-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, folder, lines):
        folder.mkdir(parents=True)
        (folder / "summary.csv").write_text(",".join(self.HEADER) + "\n" +
                                            "".join(line + "\n" for line in lines))
        return folder

    def waf(self, *args):
        return subprocess.run([sys.executable, str(TOP / "waf"), *map(str, args)],
                              capture_output=True, text=True)

    def test_table(self):
        self.write(self.tmp / "results" / "before",
                   ["0,close,-,1,100,90,10,10.00,10,0,0,0,10,4,6,0,0,0.000,20.0,40.0,1.0",
                    "1,close,-,2,102,90,12,11.76,12,0,0,0,12,4,8,0,0,0.000,21.0,42.0,1.0",
                    "2,migrate,hash,1,100,100,0,0.00,0,0,0,0,0,0,0,9,9,0.000,20.0,40.0,1.0"])
        by_name = self.waf("table", "before", f"--out={self.tmp / 'results'}")
        by_dir = self.waf("table", self.tmp / "results" / "before")
        self.assertEqual(by_name.returncode, 0, by_name.stderr)
        self.assertEqual(by_name.stdout, by_dir.stdout)
        lines = by_name.stdout.splitlines()
        self.assertTrue(lines[0].startswith("before ("), lines[0])
        self.assertIn("connections", lines[1])
        # Headers and cells, over the blocks of the table (it wraps at results.WIDTH).
        table = by_name.stdout.split("\n", 1)[1].split("\nEach line:")[0]
        headers = [h for block in table.split("\n\n")
                   for h in re.split(r" {2,}", block.splitlines()[1].strip())]
        self.assertEqual([h for h in headers if h not in ("strategy", "policy", "runs")],
                         ["attempts", "done", "failed", "fail%", "reset", "refused", "tmout",
                          "unfin", "rsts", "accept-queue", "final-ack", "migr", "saved",
                          "restart max", "resp p50", "resp p99", "wait p99"])
        found = results.parse_table(table)
        # Counts that differ between runs show their mean to one decimal.
        self.assertEqual(found[("close", "-")],
                         {"strategy": "close", "policy": "-", "runs": "2", "attempts": "101.0",
                          "done": "90", "failed": "11.0", "fail%": "10.88", "reset": "11.0",
                          "refused": "0", "tmout": "0", "unfin": "0", "rsts": "11.0",
                          "accept-queue": "4", "final-ack": "7.0", "migr": "0", "saved": "0",
                          "restart max": "0.00", "resp p50": "20.5", "resp p99": "41.0",
                          "wait p99": "1.0"})
        self.assertEqual(found[("migrate", "hash")]["migr"], "9")
        self.assertEqual(found[("migrate", "hash")]["saved"], "9")
        self.assertIn("Each line: the mean over its runs", by_name.stdout)
        for column in ("done:", "refused:", "tmout:", "unfin:", "fail%", "rsts:", "migr:",
                       "saved:", "restart max:", "wait p99:"):
            self.assertIn(column, by_name.stdout.split("Each line:")[1])

    def test_table_without_results(self):
        done = self.waf("table", "nothing-here", f"--out={self.tmp}")
        self.assertEqual(done.returncode, 2)
        self.assertIn("'nothing-here': no ", done.stdout + done.stderr)
        self.assertIn("summary.csv", done.stdout + done.stderr)

    def test_compare(self):
        a = self.write(self.tmp / "a",
                       ["0,close,-,1,100,90,10,10.00,10,0,0,0,10,4,6,0,0,0.000,20.0,40.0,1.0",
                        "1,close,-,2,102,90,12,11.76,12,0,0,0,12,4,8,0,0,0.000,21.0,42.0,1.0"])
        b = self.write(self.tmp / "b",
                       ["0,close,-,1,100,100,0,0.00,0,0,0,0,0,0,0,0,0,0.250,20.0,40.0,1.0",
                        "1,migrate,hash,1,100,100,0,0.00,0,0,0,0,0,0,0,9,9,0.000,20.0,40.0,"
                        "1.0"])
        done = self.waf("compare", a, b)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertTrue(lines[0].startswith("A: ") and lines[0].endswith("summary.csv"))
        self.assertTrue(lines[1].startswith("B: "))
        self.assertEqual(lines[2].split(), ["line", "metric", "A", "B", "B-A"])
        table = [line.split() for line in lines[3:]]
        self.assertEqual(table[0], ["close", "runs", "2", "1", "-1"])
        self.assertIn(["attempts", "101.0", "100", "-1"], table)
        self.assertIn(["completed", "90", "100", "+10"], table)
        self.assertIn(["reset", "11.0", "0", "-11"], table)
        self.assertIn(["rst.final-ack", "7.0", "0", "-7"], table)
        self.assertIn(["restart_duration_s", "0.00", "0.25", "+0.25"], table)
        self.assertIn(["response_p99_ms", "41.0", "40.0", "-1.0"], table)
        self.assertIn(["migrate/hash", "runs", "-", "1", "-"], table)
        self.assertIn(["migrate_success", "-", "9", "-"], table)


if __name__ == "__main__":
    RUNNER = str(Path(sys.argv.pop(1)).resolve())
    unittest.main()
