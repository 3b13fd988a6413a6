#!/usr/bin/python3
# The scenario runner as a user meets it: a bad file is refused before anything runs, with
# the file, the JSON path and what was expected, exit status 2, and nothing written.
import json
import os
import subprocess
import sys
import tempfile


def read_csv(path):
    import csv
    try:
        return list(csv.DictReader(open(path)))
    except OSError:
        return [{}]


def main(runner):
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.json")
        doc = {
            "name": "cli-bad", "duration": "2s",
            "topology": {"nodes": [{"id": "c"}, {"id": "s"}],
                         "links": [{"between": ["c", "s"], "rate": "1Gbps", "delay": "1ms"}]},
            "server": {"host": "s"}, "clients": {"hosts": "c", "rate": 10},
            "events": [{"at": "1s", "action": "reload"}, {"at": "soon", "action": "reload"}],
        }
        json.dump(doc, open(bad, "w"))
        out = os.path.join(tmp, "results")
        p = subprocess.run([runner, bad, f"--out={out}"], capture_output=True, text=True)
        expected = f'{bad}: /events/1/at: expected a duration such as "3s" or "150ms", got "soon"'
        if p.returncode != 2:
            failures.append(f"bad file: exit status {p.returncode}, expected 2")
        if p.stderr.strip() != expected:
            failures.append(f"bad file: message {p.stderr.strip()!r}, expected {expected!r}")
        if os.path.exists(out):
            failures.append("bad file: something was written")

        # A graph error found after loading (no path from clients to server) is refused too.
        doc["events"] = []
        doc["topology"]["nodes"].append({"id": "x"})
        doc["topology"]["links"] = [{"between": ["c", "x"], "rate": "1Gbps", "delay": "1ms"}]
        json.dump(doc, open(bad, "w"))
        p = subprocess.run([runner, bad, "--list"], capture_output=True, text=True)
        if p.returncode != 2 or "has no path to the server host" not in p.stderr:
            failures.append(f"disconnected graph: {p.returncode} {p.stderr.strip()!r}")

        # --list of a valid sweep prints one line per run, in sweep order.
        good = os.path.join(tmp, "good.json")
        doc["topology"]["links"] = [{"between": ["c", "s"], "rate": "1Gbps", "delay": "1ms",
                                     "loss": 0.02}]
        doc["topology"]["nodes"] = [{"id": "c", "count": 2}, {"id": "s"}]
        doc["clients"]["rate"] = 200
        doc["events"] = [{"at": "1s", "action": "reload", "listen_change": True}]
        doc["sweep"] = {"strategy": ["close", "migrate"], "seed": [1, 2]}
        json.dump(doc, open(good, "w"))
        p = subprocess.run([runner, good, "--list"], capture_output=True, text=True)
        lines = p.stdout.splitlines()
        want = ["0\tcli-bad\tstrategy=close,seed=1", "1\tcli-bad\tstrategy=close,seed=2",
                "2\tcli-bad\tstrategy=migrate,seed=1", "3\tcli-bad\tstrategy=migrate,seed=2"]
        if p.returncode != 0 or lines != want:
            failures.append(f"--list: {p.returncode} {lines}")

        # One run, then the merge: files appear only complete, parts are removed.
        p = subprocess.run([runner, good, f"--out={out}", "--run=1"], capture_output=True,
                           text=True)
        if p.returncode != 0 or os.path.exists(os.path.join(out, "cli-bad", "summary.csv")):
            failures.append(f"--run=1: {p.returncode}, summary written before the merge")
        p = subprocess.run([runner, good, f"--out={out}", "--merge"], capture_output=True,
                           text=True)
        if p.returncode != 1 or "run 0 has no results" not in p.stderr:
            failures.append(f"merge with a missing run: {p.returncode} {p.stderr.strip()!r}")
        for k in (0, 2, 3):
            subprocess.run([runner, good, f"--out={out}", f"--run={k}"], check=True)
        p = subprocess.run([runner, good, f"--out={out}", "--merge"], capture_output=True,
                           text=True)
        rows = open(os.path.join(out, "cli-bad", "summary.csv")).read().splitlines()
        if p.returncode != 0 or len(rows) != 5 or os.path.exists(os.path.join(out, "cli-bad",
                                                                              ".runs")):
            failures.append(f"merge: {p.returncode}, {len(rows)} lines")
        leftovers = [f for f in os.listdir(os.path.join(out, "cli-bad")) if f.endswith(".tmp")]
        if leftovers:
            failures.append(f"temporary files left: {leftovers}")

        # The runs of one process give the same bytes as one process per run.
        together = os.path.join(tmp, "together")
        subprocess.run([runner, good, f"--out={together}"], check=True)
        for name in ("summary.csv", "timeseries.csv", "migrations.dot"):
            a = open(os.path.join(out, "cli-bad", name), "rb").read()
            b = open(os.path.join(together, "cli-bad", name), "rb").read()
            if a != b:
                failures.append(f"{name}: runs in one process differ from one process per run")

        # A stall at 0 s applies before anything is accepted: with the only worker stalled
        # for the whole run, no connection completes.
        stalled = os.path.join(tmp, "stalled.json")
        doc.pop("sweep")
        doc["name"] = "cli-stalled"
        doc["server"]["workers"] = 1
        doc["events"] = [{"at": "0s", "action": "stall-worker", "worker": 0}]
        json.dump(doc, open(stalled, "w"))
        p = subprocess.run([runner, stalled, f"--out={out}"], capture_output=True, text=True)
        rows = read_csv(os.path.join(out, "cli-stalled", "summary.csv"))
        if p.returncode != 0 or rows[0]["completed"] != "0" or rows[0]["attempts"] == "0":
            failures.append(f"stall at 0 s: {p.returncode} {rows[:1]} {p.stderr.strip()!r}")

        # An event the loader cannot judge fails the run when its time comes: exit 1, the
        # file and the event's path, and nothing written.
        doc["name"] = "cli-detach"
        doc["events"] = [{"at": "0.5s", "action": "detach-program"}]
        json.dump(doc, open(stalled, "w"))
        p = subprocess.run([runner, stalled, f"--out={out}"], capture_output=True, text=True)
        expected = (f"{stalled}: /events/0: cannot apply at +0.5s: the group has no program "
                    "to detach")
        if p.returncode != 1 or p.stderr.strip() != expected:
            failures.append(f"failed event: {p.returncode} {p.stderr.strip()!r}, "
                            f"expected {expected!r}")
        if os.path.exists(os.path.join(out, "cli-detach", "summary.csv")):
            failures.append("failed event: a summary was written")

        # Over the wall-clock budget: exit 4, a message, no result.
        doc["name"] = "cli-budget"
        doc["events"] = []
        doc["duration"] = "60s"
        doc["clients"]["rate"] = 2000
        json.dump(doc, open(stalled, "w"))
        p = subprocess.run([runner, stalled, f"--out={out}", "--max-wall=0.2s"],
                           capture_output=True, text=True)
        expected = (f"{stalled}: run 0: stopped: over the wall-clock budget of 0.2 s "
                    "(--max-wall); no result was written")
        if p.returncode != 4 or p.stderr.strip() != expected:
            failures.append(f"--max-wall: {p.returncode} {p.stderr.strip()!r}")
        if os.path.exists(os.path.join(out, "cli-budget", "summary.csv")):
            failures.append("--max-wall: a summary was written")
        doc["max_wall"] = "0.2s"
        json.dump(doc, open(stalled, "w"))
        p = subprocess.run([runner, stalled, f"--out={out}"], capture_output=True, text=True)
        if p.returncode != 4 or "(max_wall)" not in p.stderr:
            failures.append(f"max_wall: {p.returncode} {p.stderr.strip()!r}")

        # A re-merge replaces the whole set at once: nothing of the old set stays beside it,
        # and no work folder is left.
        stale = os.path.join(out, "cli-bad", "stale.txt")
        open(stale, "w").write("from an older set\n")
        for k in range(4):
            subprocess.run([runner, good, f"--out={out}", f"--run={k}"], check=True)
        p = subprocess.run([runner, good, f"--out={out}", "--merge"], capture_output=True,
                           text=True)
        if p.returncode != 0 or os.path.exists(stale) or \
                os.path.exists(os.path.join(out, ".cli-bad.merging")):
            failures.append(f"re-merge: {p.returncode}, stale file or work folder left")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
