"""Run a scenario's runs on this machine's kernel, each in fresh namespaces, and write
results/<name>/kernel/summary.csv (and runs.json: counters, lateness, errors per run).

python3 -m validation [--out DIR] [--check] [--skip-unsupported] [--nice N] FILE...
python3 -m validation --cleanup

Exit status: 0 done; 2 a file is invalid or outside the supported subset (nothing ran);
3 a run's outcomes do not add up; 5 no privilege to make network namespaces (not root),
or to load eBPF programs (CAP_BPF) for a run that needs them; 6 the kernel is too old for
what the scenario asks (tcp_migrate_req and SELECT_OR_MIGRATE programs need 5.14);
1 anything else (a run failed); 130 interrupted (SIGINT), 143 terminated (SIGTERM).
In every case the namespaces made are removed.
"""
import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import bpf, netns, summary
from .clients import merge as merge_clients
from .scenario import ScenarioError, check_run, check_subset, expand, needs_migration, \
    read_document

EXIT_INVALID, EXIT_CONSERVATION, EXIT_PRIVILEGE, EXIT_KERNEL = 2, 3, 5, 6
PYTHON = "/usr/bin/python3"
TOP = Path(__file__).resolve().parent.parent
START_LEAD = 0.05      # seconds from telling everyone the start time to the start
READY_TIMEOUT = 20.0   # for the server to listen
CLIENT_PROCESSES = 2   # generators, sharing the arrivals


class RunError(Exception):
    pass


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that cleanup runs."""


def kernel_version():
    m = re.match(r"(\d+)\.(\d+)", platform.release())
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _module(name):
    return [PYTHON, "-m", f"validation.{name}"]


def _read_line(proc, what, timeout):
    # A line from a child, or a RunError with what it said on standard error.
    import select
    r, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if r else ""
    if not line:
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise RunError(f"the {what} stopped without an answer"
                       + (f":\n{err.strip()}" if err.strip() else ""))
    return line


def _cpu_seconds(pid, children=False):
    """User and system CPU seconds of a process (and its child processes, if asked)."""
    pids = [pid]
    if children:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return round(total / os.sysconf("SC_CLK_TCK"), 2)


def run_once(plan, log=lambda text: None, tag=""):
    """Run one plan in fresh namespaces; returns (client result, server result)."""
    env = dict(os.environ, PYTHONPATH=str(TOP), PYTHONDONTWRITEBYTECODE="1")
    procs = []
    with netns.Namespaces(plan["client_hosts"], tag, middle=plan["delay_line"]) as ns:
        try:
            line = None
            if ns.middle:
                line = netns.spawn(ns.middle, _module("delayline"), stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env, cwd=TOP)
                procs.append(line)
                line.stdin.write(json.dumps({"delay": plan["path_delay"],
                                             "ends": list(netns.MIDDLE_ENDS)}) + "\n")
                line.stdin.flush()
                if _read_line(line, "delay line", READY_TIMEOUT).strip() != "ready":
                    raise RunError("the delay line did not start")
            server = netns.spawn(ns.server, _module("server"), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env, cwd=TOP)
            procs.append(server)
            server.stdin.write(json.dumps(plan) + "\n")
            server.stdin.flush()
            if _read_line(server, "server", READY_TIMEOUT).strip() != "ready":
                raise RunError("the server did not start")
            # The arrivals are shared among a few generators, one process each, so that
            # the clients are not held back by one interpreter.
            n = CLIENT_PROCESSES
            clients = []
            for k in range(n):
                c = netns.spawn(ns.client, _module("clients"), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=TOP)
                procs.append(c)
                clients.append(c)
                c.stdin.write(json.dumps({**plan, "share": [k, n]}) + "\n")
                c.stdin.flush()
            for c in clients:
                if _read_line(c, "client generator", READY_TIMEOUT).strip() != "ready":
                    raise RunError("a client generator did not start")
            # Everything is up: the run starts for all at one time.
            t0 = time.monotonic() + START_LEAD
            for p in ([line] if line else []) + clients + [server]:
                p.stdin.write(f"{t0 + plan['duration'] if p is line else t0!r}\n")
                p.stdin.flush()
            budget = START_LEAD + plan["duration"] + 30
            client_result = merge_clients(
                [json.loads(_read_line(c, "client generator", budget)) for c in clients])
            server_result = json.loads(_read_line(server, "server", budget))
            if line:
                server_result["delay_line"] = json.loads(_read_line(line, "delay line", 10))
            # What the kernel side cost: a run on a busy machine needs its share of it.
            server_result["cpu_s"] = {
                "server": _cpu_seconds(server.pid),
                "clients": round(sum(_cpu_seconds(c.pid) for c in clients), 2),
                **({"delay_line": _cpu_seconds(line.pid, children=True)} if line else {})}
        finally:
            for p in procs:
                p.kill()
                p.wait()
                for f in (p.stdin, p.stdout, p.stderr):
                    if f:
                        f.close()
    if server_result["errors"]:
        raise RunError("; ".join(server_result["errors"]))
    return client_result, server_result


def check_files(files, skip=None):
    """Every file's runs [(file, name, index, params, plan)], or a ScenarioError. With
    skip, a run outside the subset is left out and skip(message) is called instead."""
    runs = []
    for file in files:
        doc = read_document(file)
        if skip is None:
            check_subset(file, doc)
        name = doc.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise ScenarioError(file, "/name", "expected a name such as \"nginx-reload\"")
        for index, params, d in expand(file, doc):
            try:
                runs.append((file, name, index, params, check_run(file, d)))
            except ScenarioError as e:
                if skip is None:
                    raise
                label = ", ".join(f"{k}={v}" for k, v in params)
                skip(f"{name} run {index}{f' ({label})' if label else ''} not run on the "
                     f"kernel: {e.path}: {e.message}")
        if skip is not None and not any(r[0] == file for r in runs):
            raise ScenarioError(file, "", "expected at least one run inside the kernel "
                                "side's subset")
    return runs


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m validation",
                                description="Run scenarios on this machine's kernel.")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--cleanup", action="store_true",
                   help="only remove the namespaces left by runs that are gone")
    p.add_argument("--out", type=Path, default=TOP / "results", metavar="DIR")
    p.add_argument("--check", action="store_true",
                   help="only check the files, the privileges and the kernel; run nothing")
    p.add_argument("--nice", type=int, default=0, metavar="N",
                   help="add N to the nice value of the programs in the namespaces (e.g. "
                        "-10: ahead of the machine's other work; default 0)")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="leave out the runs outside the supported subset (each is named) "
                        "instead of refusing the file")
    opts = p.parse_args(argv)
    if opts.cleanup:
        why = netns.missing_privilege()
        if why:
            print(f"validation: {why}", file=sys.stderr)
            return EXIT_PRIVILEGE
        for name in netns.remove_leftovers():
            print(f"validation: removed {name}", file=sys.stderr)
        return 0
    if not opts.files:
        p.error("expected at least one FILE")
    signal.signal(signal.SIGTERM, _on_sigterm)
    netns.NICE = opts.nice
    try:
        skip = (lambda text: print(f"validation: {text}", file=sys.stderr)) \
            if opts.skip_unsupported else None
        runs = check_files(opts.files, skip)
    except ScenarioError as e:
        print(e, file=sys.stderr)
        return EXIT_INVALID
    why = netns.missing_privilege()
    if why:
        print(f"validation: {why}", file=sys.stderr)
        return EXIT_PRIVILEGE
    for file, name, index, params, plan in runs:
        why = bpf.missing_privilege() if plan["programs"] else None
        if why:
            print(f"validation: {file}: run {index}: {why}", file=sys.stderr)
            return EXIT_PRIVILEGE
        if needs_migration(plan) and kernel_version() < (5, 14):
            what = ("a BPF_SK_REUSEPORT_SELECT_OR_MIGRATE program" if
                    plan.get("select_or_migrate") else "tcp_migrate_req")
            print(f"{file}: run {index} needs {what} (Linux 5.14 or later); this "
                  f"kernel is {platform.release()}", file=sys.stderr)
            return EXIT_KERNEL
    if opts.check:
        return 0
    log = lambda text: print(f"validation: {text}", file=sys.stderr, flush=True)
    try:
        netns.remove_leftovers(log)
        return _run_all(runs, opts.out, log)
    except KeyboardInterrupt:
        log("interrupted; namespaces removed")
        return 130
    except Terminated:
        log("terminated; namespaces removed")
        return 143
    finally:
        for name, pid in netns.list_ours():
            if pid == os.getpid():
                netns.remove(name)


def _run_all(runs, out, log):
    by_name, status = {}, 0
    for file, name, index, params, plan in runs:
        label = ", ".join(f"{k}={v}" for k, v in params)
        load = os.getloadavg()[0]  # the machine's other work competes with the run
        began = time.monotonic()
        try:
            client, server = run_once(plan, log)
        except (RunError, netns.NetnsError) as e:
            log(f"{name} run {index} ({label}) failed: {e}")
            status = 1
            continue
        outcomes = sum(client[k] for k in ("completed", "reset", "refused", "timeout",
                                           "unfinished"))
        if outcomes != client["attempts"]:
            log(f"{name} run {index}: attempts {client['attempts']} != outcomes {outcomes}")
            return EXIT_CONSERVATION
        log(f"{name} run {index} ({label}) done in {time.monotonic() - began:.1f}s")
        by_name.setdefault(name, []).append(
            (summary.row(index, plan, params, client, server),
             {"run": index, "params": dict(params), "path_delay_s": plan["path_delay"],
              "timeseries_interval_s": plan["timeseries_interval"], "load_before": load,
              "seconds": round(time.monotonic() - began, 1), "client": client,
              "server": server}))
    for name, done in by_name.items():
        folder = out / name / "kernel"
        summary.write(str(folder / "summary.csv"), [r for r, _ in done])
        summary.write_timeseries(str(folder / "timeseries.csv"),
                                 [(d["run"], summary.with_completed(
                                     d["server"].pop("timeseries"),
                                     d["client"].pop("completed_at"))) for _, d in done])
        tmp = folder / f"runs.json.tmp{os.getpid()}"
        tmp.write_text(json.dumps([d for _, d in done], indent=1) + "\n")
        os.replace(tmp, folder / "runs.json")
        log(f"{name}: kernel results in {folder}")
    return status


if __name__ == "__main__":
    sys.exit(main())
