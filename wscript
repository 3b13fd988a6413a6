# Verbs for ./waf. Each public function below is a verb and receives a waf Context
# (ctx.args, ctx.top, ctx.build_dir, ctx.jobs, ctx.run, ctx.log, ctx.fail, ctx.parser).
# A verb configures and builds first when it needs to; helpers start with "_".
import concurrent.futures
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter, deque
from pathlib import Path

# Debian packages the project needs; configure installs the missing ones.
# WAF_EXTRA_PACKAGES="pkg ..." appends to this list (handy for testing the install path).
PACKAGES = [
    "cmake",               # the build; also provides ctest
    "g++",                 # C++17 compiler
    "make",                # CMake's default generator (cmake only recommends it)
    "libns3-dev",          # ns-3 libraries and headers
    "nlohmann-json3-dev",  # JSON reading and writing in C++
    "libboost-graph-dev",  # Boost headers, including Boost.Graph
    "libgtest-dev",        # unit tests
    "python3-jsonschema",  # validates JSON files against their schemas
    "python3-matplotlib",  # plots
    "clang-14",            # the fuzz target (libFuzzer, sanitizers); programs/*.bpf.c
    "libclang-rt-14-dev",  # libFuzzer and the sanitizer runtimes for clang-14
    "libbpf-dev",          # opens the eBPF programs' ELF objects; bpf/bpf_helpers.h
    "libbpf1",             # libbpf.so.1: ./waf validate loads the objects into the kernel
    "libelf-dev",          # reads their relocations; libbpf links it
    "zlib1g-dev",          # libbpf links it
    "linux-libc-dev",      # the kernel's UAPI headers (linux/bpf.h) for programs/*.bpf.c
    "pkg-config",          # CMake finds libbpf and libelf through it
    "parallel",            # GNU parallel: runs the jobs of ./waf scenarios --emit-jobs
]

# Debian's own Python: only it imports the python3-* packages above; the python3 on PATH
# may be another interpreter (e.g. pyenv).
DEBIAN_PYTHON = "/usr/bin/python3"


def configure(ctx):
    """Install missing Debian packages and configure the build (Release unless --debug)."""
    p = ctx.parser("Runs are measured, so the default build is optimised (Release).")
    p.add_argument("--debug", action="store_true", help="configure a Debug build")
    p.add_argument("--no-install", action="store_true",
                   help="only report missing packages, do not install them")
    opts = p.parse_args(ctx.args)
    _ensure_packages(ctx, install=not opts.no_install)
    _cmake_configure(ctx, "Debug" if opts.debug else "Release")


def build(ctx):
    """Build everything, configuring first if needed (extra args go to cmake --build)."""
    _ensure_built(ctx, ctx.args)


# The short validation subset that ./waf check runs against the real kernel when it can.
VALIDATION_SUBSET = ["validation/stalled-old-close.json", "validation/overload.json"]


def check(ctx):
    """Build, then run the tests (extra args go to ctest, e.g. ./waf check -R Steering);
    without extra args, then the short validation subset on the real kernel when possible."""
    _ensure_built(ctx)
    ctx.run(["ctest", "--test-dir", ctx.build_dir, "--output-on-failure", "--no-tests=error",
             "-j", ctx.jobs, *ctx.args])
    if not ctx.args:
        _check_validation_subset(ctx)


def _check_validation_subset(ctx):
    # Root, namespaces and a 5.14+ kernel are needed; without them say so and go on.
    env = dict(os.environ, PYTHONPATH=str(ctx.top))
    probe = subprocess.run([DEBIAN_PYTHON, "-m", "validation", "--check", *VALIDATION_SUBSET],
                           cwd=ctx.top, env=env, capture_output=True, text=True)
    if probe.returncode in (5, 6):
        reason = (probe.stderr.strip().splitlines() or ["no reason given"])[-1]
        ctx.log(f"validation subset SKIPPED ({reason}); run `sudo ./waf validate validation/`"
                " where namespaces can be made")
        return
    if probe.returncode:
        sys.stderr.write(probe.stderr)
        ctx.fail("the validation subset is invalid", probe.returncode)
    ctx.log("validation subset: " + " ".join(VALIDATION_SUBSET) + " on this kernel")
    began = time.monotonic()
    ctx.run([sys.executable, str(ctx.top / "waf"), "validate",
             f"--out={ctx.build_dir / 'validation-results'}", *VALIDATION_SUBSET])
    ctx.log(f"validation subset: done in {_elapsed(time.monotonic() - began)} (the full set: "
            "./waf validate validation/)")


def clean(ctx):
    """Remove the build directory."""
    ctx.parser().parse_args(ctx.args)
    if ctx.build_dir.exists():
        shutil.rmtree(ctx.build_dir)
        ctx.log(f"removed {ctx.build_dir}")


def run(ctx):
    """Build, then run a program by name: an example, a scratch program or a benchmark."""
    if not ctx.args or ctx.args[0].startswith("-"):
        ctx.fail(f"usage: ./waf run PROGRAM [ARGS...]; programs: {' '.join(_programs(ctx))}", 2)
    _ensure_built(ctx)
    name, args = ctx.args[0], ctx.args[1:]
    programs = _programs(ctx)
    if name not in programs:
        ctx.fail(f"no program '{name}'; programs: {' '.join(programs)}", 2)
    ctx.run([programs[name], *args])


def format(ctx):
    """Format the C++ sources with ns-3's .clang-format (--check only reports)."""
    p = ctx.parser("Formats every tracked C++ file in place, as ns-3 does.")
    p.add_argument("--check", action="store_true", help="fail if a file is not formatted")
    opts = p.parse_args(ctx.args)
    if not shutil.which("clang-format"):
        ctx.fail("clang-format not found; install it with: apt-get install clang-format")
    files = subprocess.run(["git", "ls-files", "*.cc", "*.h"], cwd=ctx.top,
                           capture_output=True, text=True, check=True).stdout.split()
    mode = ["--dry-run", "--Werror"] if opts.check else ["-i"]
    ctx.run(["clang-format", *mode, *files], cwd=ctx.top)


def fuzz(ctx):
    """Build the scenario loader's fuzz target (clang, libFuzzer) and run it (default 60 s)."""
    p = ctx.parser("Feeds mutated scenario files to the loader (read, sweep expansion, "
                   "topology check) under AddressSanitizer and UBSan, from the shipped "
                   "scenarios, the bad files of the loader's tests and fuzz/regressions/. "
                   "New inputs are kept in build/fuzz-corpus/, crashes in "
                   "build/fuzz-artifacts/. Fails on a crash. Other arguments go to libFuzzer "
                   "(e.g. -jobs=2, -max_len=4096).")
    limit = p.add_mutually_exclusive_group()
    limit.add_argument("--runs", type=int, metavar="N", help="stop after N executions")
    limit.add_argument("--time", type=int, metavar="S", help="stop after S seconds")
    p.add_argument("--no-regressions", action="store_true",
                   help="do not seed with fuzz/regressions/ (inputs that crashed before)")
    opts, rest = p.parse_known_args(ctx.args)
    _ensure_built(ctx, ["--target", "scenario-loader-fuzz"])
    fuzzer = ctx.build_dir / "fuzz" / "scenario-loader-fuzz"
    if not fuzzer.is_file():
        ctx.fail(f"the build made no {_shown(fuzzer)} (configured with -DRPM_FUZZ=OFF?)")
    corpus = ctx.build_dir / "fuzz-corpus"
    artifacts = ctx.build_dir / "fuzz-artifacts"
    corpus.mkdir(exist_ok=True)
    artifacts.mkdir(exist_ok=True)
    seeds = [ctx.top / "scenarios", ctx.top / "src/reuseport-migration/test/bad-scenarios"]
    if not opts.no_regressions:
        seeds.append(ctx.top / "fuzz" / "regressions")
    limit = ([f"-runs={opts.runs}"] if opts.runs is not None else
             [f"-max_total_time={opts.time if opts.time is not None else 60}"])
    # libFuzzer saves new inputs in the first directory only: the seeds stay as they are.
    cmd = [fuzzer, *limit, f"-dict={ctx.top / 'fuzz' / 'scenario.dict'}", "-max_len=65536",
           "-rss_limit_mb=2048", "-timeout=30", "-print_final_stats=1",
           f"-artifact_prefix={artifacts}/", *rest, corpus, *seeds]
    print("+", shlex.join(map(str, cmd)), flush=True)
    stats, written, cov = {}, [], "?"
    with subprocess.Popen(list(map(str, cmd)), stderr=subprocess.PIPE, text=True,
                          errors="replace") as proc:
        for line in proc.stderr:
            sys.stderr.write(line)
            if line.startswith("stat::"):
                key, _, value = line[len("stat::"):].partition(":")
                stats[key.strip()] = value.strip()
            elif line.startswith("#") and " cov: " in line:
                cov = line.split(" cov: ", 1)[1].split()[0]
            elif "Test unit written to " in line:
                written.append(line.split("Test unit written to ", 1)[1].strip())
    ctx.log(f"{stats.get('number_of_executed_units', '?')} executions, "
            f"{stats.get('average_exec_per_sec', '?')} per second, cov: {cov}; "
            f"corpus {_shown(corpus)}")
    for path in written:
        ctx.log(f"crash input: {_shown(path)}")
    if proc.returncode:
        ctx.fail(f"the fuzz target failed with status {proc.returncode}"
                 + ("" if written else " (no input written)"), 1)


# Experiment verbs (scenarios, plot, bench) go here. Each starts with _ensure_built(ctx);
# those that need Debian Python modules run DEBIAN_PYTHON, not the python3 on PATH.

def scenarios(ctx):
    """Check and run scenario files (default: all in scenarios/), then print a table each."""
    p = ctx.parser("Checks every file first (a bad one stops everything), runs the runs of "
                   "all files in parallel, merges each file's results into DIR/<name>/ and "
                   "prints a table per scenario. Fails if any run fails.")
    p.add_argument("scenarios", nargs="*", metavar="FILE_OR_NAME",
                   help="a scenario file, or NAME for scenarios/NAME.json")
    p.add_argument("--jobs", "-j", type=int, default=ctx.jobs,
                   help="runs at once (default: the number of cores, %(default)s)")
    p.add_argument("--out", type=Path, default=ctx.top / "results", metavar="DIR",
                   help="results directory (default: results/)")
    p.add_argument("--max-wall", metavar="DURATION",
                   help="stop any run that takes longer than this wall-clock time "
                        "(e.g. 10min; default: each scenario's max_wall, else none)")
    _selection_options(p)
    p.add_argument("--resume", action="store_true",
                   help="skip the runs whose complete part (DIR/<name>/.runs/K/) is there "
                        "from an interrupted sweep of the same file; run the rest, merge")
    p.add_argument("--emit-jobs", action="store_true",
                   help="print one shell command per run (for GNU parallel or a Slurm "
                        "array) and run nothing; merge their parts with ./waf merge")
    opts = p.parse_args(ctx.args)
    if opts.jobs < 1:
        p.error("--jobs must be at least 1")
    out = opts.out.resolve()
    extra = [f"--max-wall={opts.max_wall}"] if opts.max_wall else []
    # The job list goes to standard output: the build's and the checks' lines go to
    # standard error, so that `./waf scenarios --emit-jobs > jobs` holds only commands.
    with _stdout_to_stderr() if opts.emit_jobs else contextlib.nullcontext():
        files = _scenario_files(ctx, opts.scenarios)
        runner = _scenario_runner(ctx)
        runs = _scenario_select(ctx, _scenario_check(ctx, runner, files, opts.jobs), opts)
        complete = _scenario_complete(runs, out) if opts.resume else []
        if complete:
            ctx.log(f"resuming: {len(complete)} of {len(runs)} runs have a complete part "
                    "and are not run again: " + ", ".join(f"{r.name}#{r.index}"
                                                        for r in complete))
        todo = [r for r in runs if r not in complete]
        jobs = _scenario_jobs(runner, todo, out, extra)
    if opts.emit_jobs:
        for _, cmd in jobs:
            print(shlex.join(map(str, cmd)))
        return
    merged, failed = _scenario_run_all(runner, jobs, out, opts.jobs, complete)

    results = _results_module(ctx)
    for file, name in merged:
        summary = opts.out / name / "summary.csv"
        description = _scenario_description(file)
        print(f"\n{name} ({_shown(summary)})" + (f"\n{textwrap.fill(description, 100)}"
                                                 if description else "")
              + _selection_said(opts.out / name))
        print(results.format_table(results.read_summary(summary)))
    if merged:
        print(f"\n{results.LEGEND}")
    if failed:
        ctx.fail("failed:" + "".join(f"\n  {what}" for what in failed))


def merge(ctx):
    """Combine the parts of runs run elsewhere (./waf scenarios --emit-jobs) into results."""
    p = ctx.parser("Checks each file, then merges the complete parts under "
                   "DIR/<name>/.runs/ into DIR/<name>/ (summary.csv, reloads.csv, "
                   "timeseries.csv, migrations.dot) and prints the table. Every run chosen "
                   "(all, unless --only or --run) must have a complete part of the same file.")
    p.add_argument("scenarios", nargs="+", metavar="FILE_OR_NAME",
                   help="a scenario file, or NAME for scenarios/NAME.json")
    p.add_argument("--out", type=Path, default=ctx.top / "results", metavar="DIR",
                   help="results directory (default: results/)")
    _selection_options(p)
    opts = p.parse_args(ctx.args)
    files = _scenario_files(ctx, opts.scenarios)
    runner = _scenario_runner(ctx)
    runs = _scenario_select(ctx, _scenario_check(ctx, runner, files, ctx.jobs), opts)
    out = opts.out.resolve()
    complete = set(_scenario_complete(runs, out))
    missing = [r for r in runs if r not in complete]
    if missing:
        folders = " ".join(sorted({str(_shown(out / r.name / ".runs")) for r in missing}))
        files = " ".join(dict.fromkeys(str(r.file) for r in missing))
        ctx.fail(f"nothing merged: {len(missing)} run(s) have no complete part in {folders}:"
                 + "".join(f"\n  {r.title()}" for r in missing)
                 + f"\nrun them (./waf scenarios --resume {files}), or merge the others "
                 "with --only or --run")
    results = _results_module(ctx)
    failed, printed = [], False
    for name in dict.fromkeys(r.name for r in runs):
        ran = [r for r in runs if r.name == name]
        if _scenario_merge(runner, ran, out, lambda what, status, tail: failed.append(
                f"{what}: exit status {status}" + "".join(f"\n    | {t}" for t in tail))):
            summary = opts.out / name / "summary.csv"
            print(f"\n{name} ({_shown(summary)})" + _selection_said(opts.out / name))
            print(results.format_table(results.read_summary(summary)))
            printed = True
    if printed:
        print(f"\n{results.LEGEND}")
    if failed:
        ctx.fail("failed:" + "".join(f"\n  {what}" for what in failed))


def table(ctx):
    """Print the table of existing results again (NAME in results/, or a folder)."""
    p = ctx.parser("Reads DIR/<name>/summary.csv (or FOLDER/summary.csv) and prints the "
                   "table ./waf scenarios printed; runs nothing.")
    p.add_argument("results", nargs="+", metavar="NAME_OR_DIR",
                   help="a scenario name (its results in DIR/), or a results folder")
    p.add_argument("--out", type=Path, default=ctx.top / "results", metavar="DIR",
                   help="results directory for names (default: results/)")
    opts = p.parse_args(ctx.args)
    results = _results_module(ctx)
    for i, arg in enumerate(opts.results):
        folder = _results_folder(ctx, arg, opts.out)
        print(("\n" if i else "") + f"{folder.name} ({_shown(folder / 'summary.csv')})"
              + _selection_said(folder))
        print(results.format_table(results.read_summary(folder / "summary.csv")))
    print(f"\n{results.LEGEND}")


def compare(ctx):
    """Print two result sets side by side: per strategy and metric, A, B and B-A."""
    p = ctx.parser("Reads the summary.csv of two result sets (e.g. before and after a "
                   "change) and prints, per strategy/policy line of the table and per "
                   "metric, the mean over the runs of A, of B, and B-A. A line in only one "
                   "set shows '-' for the other.")
    p.add_argument("a", metavar="A", help="a scenario name (its results in DIR/), or a folder")
    p.add_argument("b", metavar="B", help="the same, compared with A")
    p.add_argument("--out", type=Path, default=ctx.top / "results", metavar="DIR",
                   help="results directory for names (default: results/)")
    opts = p.parse_args(ctx.args)
    results = _results_module(ctx)
    a, b = (_results_folder(ctx, arg, opts.out) for arg in (opts.a, opts.b))
    print(f"A: {_shown(a / 'summary.csv')}{_selection_said(a)}\n"
          f"B: {_shown(b / 'summary.csv')}{_selection_said(b)}")
    print(results.format_compare(results.read_summary(a / "summary.csv"),
                                 results.read_summary(b / "summary.csv")))


def validate(ctx):
    """Run scenarios on the simulator and on this machine's kernel, side by side (as root)."""
    p = ctx.parser("Checks that every file is inside the kernel side's subset and that "
                   "namespaces can be made (root), runs the simulator as ./waf scenarios "
                   "does, then each run (each seed a repetition) on the real kernel in "
                   "network namespaces, and prints a table per run and metric. Writes "
                   "DIR/<name>/kernel/ and DIR/<name>/validate.md. See "
                   "src/reuseport-migration/doc/validation.md.")
    p.add_argument("scenarios", nargs="+", metavar="FILE_OR_NAME",
                   help="a scenario file, NAME for scenarios/NAME.json, or a folder of them")
    p.add_argument("--jobs", "-j", type=int, default=ctx.jobs,
                   help="simulator runs at once (default: %(default)s); kernel runs are "
                        "one at a time")
    p.add_argument("--out", type=Path, default=ctx.top / "results", metavar="DIR",
                   help="results directory (default: results/)")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="run on the kernel only the runs inside its subset (the others are "
                        "named) instead of refusing the file")
    p.add_argument("--nice", type=int, default=0, metavar="N",
                   help="add N to the nice value of the kernel side's programs (e.g. -10 "
                        "on a busy machine; default 0)")
    opts = p.parse_args(ctx.args)
    args = []
    for arg in opts.scenarios:
        folder = Path(arg)
        args += sorted(map(str, folder.glob("*.json"))) if folder.is_dir() else [arg]
    files = _scenario_files(ctx, args)
    kernel = [DEBIAN_PYTHON, "-m", "validation",
              *(["--skip-unsupported"] if opts.skip_unsupported else []),
              *([f"--nice={opts.nice}"] if opts.nice else [])]
    env = dict(os.environ, PYTHONPATH=str(ctx.top))
    # The kernel side's own checks first (subset, root, kernel version): no minutes of
    # simulation for a run that cannot happen.
    status = subprocess.run([*kernel, "--check", *files], cwd=ctx.top, env=env).returncode
    if status:
        ctx.fail("nothing was run", status)
    runner = _scenario_runner(ctx)
    runs = _scenario_check(ctx, runner, files, opts.jobs)
    out = opts.out.resolve()
    began = time.monotonic()
    merged, failed = _scenario_run_all(runner, _scenario_jobs(runner, runs, out), out, opts.jobs)
    if failed:
        ctx.fail("simulator runs failed:" + "".join(f"\n  {what}" for what in failed))
    ctx.log(f"simulator: {_elapsed(time.monotonic() - began)}; now the kernel, one run at a time")
    # The kernel results go inside the simulator's results folder, so after its merge.
    began = time.monotonic()
    status = subprocess.run([*kernel, f"--out={out}", *files], cwd=ctx.top, env=env).returncode
    if status:
        ctx.fail("kernel runs failed", status)
    ctx.log(f"kernel: {_elapsed(time.monotonic() - began)}")
    sys.path.insert(0, str(ctx.top))
    from validation import report
    for _, name in merged:
        print("\n" + report.write(name, str(out / name)))
        ctx.log(f"{_shown(out / name / 'validate.md')}")


def bench(ctx):
    """Build, then run the benchmark against stock ns-3 (--full adds 1M connections)."""
    p = ctx.parser("Runs the same short-connection workload against a stock ns-3 listening "
                   "socket and against the model at 1k, 10k and 100k connections, then "
                   "memory per pending request and per queued child and the cost of closing "
                   "a listener, then 50,000 connections held open on one client host "
                   "against the same load over 64 (--tables=busy-client alone), and ns per "
                   "eBPF program run (--tables=programs). "
                   "Takes 30 to 50 minutes, most of it stock ns-3 at 100k. "
                   "Prints tables; compare ratios within one run. Other "
                   "arguments go to reuseport-bench (e.g. --tables=schedulers, "
                   "--sizes=1000,10000).")
    p.add_argument("--full", action="store_true",
                   help="also 1M connections (the model only: stock ns-3 would take hours) "
                        "and 1M pending requests, about 15 minutes more")
    opts, rest = p.parse_known_args(ctx.args)
    _ensure_built(ctx)
    program = _programs(ctx).get("reuseport-bench")
    if program is None:
        ctx.fail("reuseport-bench was not built")
    build_type = _cached_build_type(ctx)
    if build_type != "Release":
        ctx.log(f"note: this is a {build_type or 'default'} build; the numbers that matter "
                "come from Release (./waf configure)")
    ctx.run([program, *(["--full"] if opts.full else []), *rest])


def _cached_build_type(ctx):
    cache = ctx.build_dir / "CMakeCache.txt"
    for line in cache.read_text().splitlines() if cache.exists() else ():
        if line.startswith("CMAKE_BUILD_TYPE:"):
            return line.split("=", 1)[1]
    return None


def plot(ctx):
    """Draw PNGs of scenario results (default: all in results/) into results/<name>/plots/."""
    p = ctx.parser("Draws, from DIR/<name>/summary.csv, timeseries.csv, reloads.csv and "
                   "migrations.dot: overview.png (failed % and response p99 per strategy: "
                   "read it first), rst_by_cause.png, restart_duration.png, latency.png, "
                   "queues.png (by generation, a row per strategy) and migrations.png (when "
                   "a run migrated), and prints the path of each file written "
                   "(needs python3-matplotlib).")
    p.add_argument("names", nargs="*", metavar="NAME", help="a scenario name")
    p.add_argument("--out", type=Path, default=ctx.top / "results", metavar="DIR",
                   help="results directory (default: results/)")
    opts = p.parse_args(ctx.args)
    # Only reads results, so nothing to build.
    if opts.names:
        dirs = [opts.out / name for name in opts.names]
        missing = [d.name for d in dirs if not (d / "summary.csv").is_file()]
        if missing:
            ctx.fail(f"no results for {' '.join(missing)} in {_shown(opts.out)}; "
                     f"run ./waf scenarios {' '.join(missing)} first", 2)
    else:
        dirs = sorted(d for d in opts.out.glob("*") if (d / "summary.csv").is_file())
        if not dirs:
            ctx.fail(f"no results in {_shown(opts.out)}; run ./waf scenarios first", 2)
    ctx.run([DEBIAN_PYTHON, _shown(ctx.top / "scripts" / "plot_results.py"),
             *map(_shown, dirs)])


# Helpers -------------------------------------------------------------------------------

def _ensure_packages(ctx, install=True):
    if not shutil.which("dpkg-query"):
        ctx.fail("dpkg-query not found: this project builds on Debian 12")
    packages = PACKAGES + os.environ.get("WAF_EXTRA_PACKAGES", "").split()
    missing = [p for p in packages if not _installed(p)]
    if not missing:
        return
    root = os.geteuid() == 0
    sudo = [] if root else ["sudo"]
    if not install or not (root or _can_sudo()):
        hint = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing]
        ctx.fail(f"missing Debian packages: {' '.join(missing)}\n"
                 f"  install them with: {shlex.join(hint)}")
    # sudo resets the environment, so the setting goes on the command line.
    apt = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    install_cmd = [*apt, "install", "-y", "--no-install-recommends", *missing]
    ctx.log(f"installing missing Debian packages: {' '.join(missing)}")
    if ctx.run(install_cmd, check=False) != 0:
        # Usually missing or stale package lists (fresh containers ship none).
        ctx.log("apt-get install failed; updating package lists and retrying")
        ctx.run([*apt, "update"])
        ctx.run(install_cmd)


def _installed(pkg):
    query = subprocess.run(["dpkg-query", "-W", "-f=${Status}\n", pkg],
                           capture_output=True, text=True)
    return "install ok installed" in query.stdout.splitlines()


def _can_sudo():
    return bool(shutil.which("sudo")) and subprocess.run(
        ["sudo", "-n", "true"], capture_output=True).returncode == 0


def _cmake_configure(ctx, build_type=None):
    # Without build_type, CMake keeps the one already in its cache.
    define = [f"-DCMAKE_BUILD_TYPE={build_type}"] if build_type else []
    if build_type:
        ctx.log(f"configuring a {build_type} build in {ctx.build_dir}")
    ctx.run(["cmake", "-S", ctx.top, "-B", ctx.build_dir, *define])


def _ensure_configured(ctx):
    # Configured means CMake got as far as writing the build system; after a failed
    # configure we rerun it. An existing cache keeps its build type (e.g. from
    # configure --debug), so only a fresh build directory is given the Release default.
    if (ctx.build_dir / "CMakeFiles" / "TargetDirectories.txt").exists():
        return
    _ensure_packages(ctx)
    fresh = not (ctx.build_dir / "CMakeCache.txt").exists()
    _cmake_configure(ctx, "Release" if fresh else None)


def _programs(ctx):
    # Every executable target the build knows, by name (examples, scratch, bench).
    found = {}
    for sub in ("src/reuseport-migration/examples", "scratch", "bench"):
        d = ctx.build_dir / sub
        if d.is_dir():
            for f in sorted(d.iterdir()):
                if f.is_file() and os.access(f, os.X_OK):
                    found[f.name] = f
    return found


def _ensure_built(ctx, extra=()):
    _ensure_configured(ctx)
    ctx.run(["cmake", "--build", ctx.build_dir, "-j", ctx.jobs, *extra])


# Scenario helpers ----------------------------------------------------------------------

class _Run:
    """One run of a scenario file, as `scenario-runner --list` names it."""

    def __init__(self, file, name, index, params, total):
        self.file, self.name, self.index, self.params = file, name, index, params
        self.total = total  # the runs of its file's sweep
        self.fraction = 0.0
        self.start = self.seconds = self.status = None
        self.tail = deque(maxlen=20)  # the last lines of its output, for failures

    def title(self):
        return f"{self.name} run {self.index}" + (f" ({self.params})" if self.params else "")

    def values(self):
        """{key: value} of its swept parameters. A value may hold a comma (a list): a piece
        without '=' belongs to the value before it."""
        found, key = {}, None
        for piece in self.params.split(",") if self.params else []:
            k, eq, v = piece.partition("=")
            if eq and k:
                key, found[k] = k, v
            elif key:
                found[key] += "," + piece
        return found


def _shown(path):
    # Paths in messages: relative to the current directory when below it.
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _scenario_files(ctx, args):
    top = ctx.top / "scenarios"
    if not args:
        files = sorted(f for f in top.glob("*.json") if f.name != "schema.json")
        if not files:
            ctx.fail(f"no scenario files in {_shown(top)}", 2)
        return [_shown(f) for f in files]
    files = {}
    for arg in args:
        path = Path(arg) if Path(arg).exists() else top / f"{arg}.json"
        if not path.is_file():
            names = sorted(f.stem for f in top.glob("*.json") if f.name != "schema.json")
            ctx.fail(f"'{arg}' is neither a file nor a scenario name; names: {' '.join(names)}", 2)
        files.setdefault(path.resolve(), _shown(path))
    return list(files.values())


def _scenario_runner(ctx):
    # Testing hook: WAF_SCENARIO_RUNNER=PROGRAM runs PROGRAM instead of the built
    # scenario-runner, and skips the build.
    if os.environ.get("WAF_SCENARIO_RUNNER"):
        return Path(os.environ["WAF_SCENARIO_RUNNER"])
    _ensure_built(ctx)
    runner = ctx.build_dir / "scratch" / "scenario-runner"
    if not runner.is_file():
        ctx.fail(f"the build made no {_shown(runner)}")
    return runner


def _scenario_check(ctx, runner, files, jobs):
    # --list checks a file and names its runs; every file is checked before anything runs.
    def check(file):
        try:
            return subprocess.run([runner, file, "--list"], capture_output=True, text=True)
        except OSError as e:
            ctx.fail(f"cannot run {runner}: {e.strerror}")

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        listed = list(pool.map(check, files))
    runs, errors, names = [], [], {}
    for file, done in zip(files, listed):
        lines = [line.split("\t") for line in done.stdout.splitlines() if line]
        if done.returncode or not lines:
            errors.append(done.stderr.strip() or f"{file}: scenario-runner --list failed "
                          f"with status {done.returncode}")
            continue
        for warning in done.stderr.splitlines():
            ctx.log(warning)  # legal but costly (--list checks and warns)
        name = lines[0][1]
        if name in names:
            errors.append(f"{file}: /name: \"{name}\" is also the name of {names[name]}")
        names[name] = file
        runs += [_Run(file, name, int(k), params, len(lines)) for k, _, params in lines]
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        ctx.fail(f"{len(errors)} problem(s) in the scenario files; nothing was run", 2)
    ctx.log(f"{len(files)} scenario file(s), {len(runs)} runs, up to {jobs} at a time")
    return runs


def _scenario_jobs(runner, runs, out, extra=()):
    """[(run, command)]: one self-contained command per run (absolute paths, so that it runs
    from any directory of any host where the project is built at the same place). What
    --emit-jobs prints, and what the local runs run."""
    runner = Path(runner).resolve()
    return [(run, [runner, Path(run.file).resolve(), f"--out={Path(out).resolve()}",
                   f"--run={run.index}", *extra]) for run in runs]


def _scenario_run(job):
    # Output goes to a pipe: progress lines update the run, the others are kept for failures.
    run, cmd = job
    run.start = time.monotonic()
    with subprocess.Popen([*cmd, "--progress"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        for line in proc.stdout:
            word = line.split()
            if len(word) == 3 and word[0] == "progress":
                try:
                    run.fraction = float(word[2])
                    continue
                except ValueError:
                    pass
            run.tail.append(line.rstrip())
    run.seconds = time.monotonic() - run.start
    run.status = proc.returncode
    return run


def _scenario_run_all(runner, jobs_list, out, jobs, complete=()):
    """Runs the jobs of _scenario_jobs; merges a file's results once its runs all passed,
    with the runs of `complete` (parts already there, not run again).
    Returns the merged [(file, name)] and what failed."""
    tty = sys.stdout.isatty()
    began = time.monotonic()
    runs = [run for run, _ in jobs_list]
    left = Counter(run.file for run in runs)
    merged, failed, finished = [], [], 0

    def say(text):
        print(("\r\033[K" if tty else "") + text, flush=True)

    def fail(what, status, tail, count=""):
        cause = {1: "an event could not be applied, or another error (exit 1)",
                 2: "invalid scenario (exit 2)", 3: "broke conservation (exit 3)",
                 4: "over its wall-clock budget (exit 4)"}.get(
            status, f"killed by signal {-status}" if status < 0 else f"exit status {status}")
        failed.append(f"{what}: {cause}")
        say(f"FAILED {count}{what}: {cause}" + "".join(f"\n    | {line}" for line in tail))

    def merge_file(run):
        ran = [r for r in runs if r.file == run.file]
        broken = sum(1 for r in ran if r.status)
        if broken:
            say(f"{run.name}: not merged: {broken} of its {len(ran)} runs failed")
        elif _scenario_merge(runner, ran + [r for r in complete if r.file == run.file],
                             out, fail):
            say(f"{run.name}: results in {_shown(out / run.name)}")
            merged.append((run.file, run.name))

    # Files whose runs were all complete already only need their merge.
    for file in dict.fromkeys(r.file for r in complete if r.file not in left):
        merge_file(next(r for r in complete if r.file == file))
    pool = concurrent.futures.ThreadPoolExecutor(jobs)
    try:
        pending = {pool.submit(_scenario_run, job) for job in jobs_list}
        while pending:
            done, pending = concurrent.futures.wait(
                pending, timeout=0.5 if tty else None,
                return_when=concurrent.futures.FIRST_COMPLETED)
            for run in sorted((f.result() for f in done), key=lambda r: r.start + r.seconds):
                finished += 1
                count = f"[{finished}/{len(runs)}]"
                if run.status:
                    fail(run.title(), run.status, run.tail, f"{count} ")
                elif not tty:
                    say(f"{count} {run.title()} done in {_elapsed(run.seconds)}")
                left[run.file] -= 1
                if not left[run.file]:
                    merge_file(run)
            if tty and pending:
                busy = sorted((r for r in runs if r.start and r.status is None),
                              key=lambda r: r.start)
                line = (f"[{finished}/{len(runs)}] {_elapsed(time.monotonic() - began)} "
                        "running: " + ", ".join(f"{r.name}#{r.index} {r.fraction:.0%}"
                                                for r in busy))
                width = shutil.get_terminal_size().columns - 1
                print("\r\033[K" + (line if len(line) <= width else line[:width - 3] + "..."),
                      end="", flush=True)
    finally:
        # On an interrupt, start no more runs (those running get the terminal's SIGINT too).
        pool.shutdown(wait=False, cancel_futures=True)
    say(f"{len(runs)} runs in {_elapsed(time.monotonic() - began)}, "
        f"{sum(1 for r in runs if r.status)} failed")
    return merged, failed


def _scenario_merge(runner, runs, out, fail):
    # runs: those of one file to merge; fewer than its sweep makes a set of only those,
    # which says so (selection.txt).
    run = runs[0]
    chosen = sorted(r.index for r in runs)
    some = [f"--run={','.join(map(str, chosen))}"] if len(chosen) < run.total else []
    cmd = [runner, run.file, f"--out={out}", "--merge", *some]
    done = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if done.returncode:
        fail(f"merging {run.name}", done.returncode, (done.stdout + done.stderr).splitlines()[-20:])
    return done.returncode == 0


def _selection_options(p):
    p.add_argument("--only", action="append", default=[], metavar="KEY=VALUE,...",
                   help="only the runs with these swept values, as --list names them (e.g. "
                        "strategy=migrate,seed=2; a key given twice takes either value; "
                        "repeated --only adds runs); the results hold only those and say so")
    p.add_argument("--run", action="append", default=[], metavar="K[,K...]",
                   help="only run K (the run numbers of scenario-runner --list)")


def _scenario_select(ctx, runs, opts):
    """The runs chosen by --only and --run (all without them). An unknown key, value or
    run number fails, naming the choices."""
    if not opts.only and not opts.run:
        return runs
    files = list(dict.fromkeys(r.file for r in runs))
    chosen = set()
    for spec in opts.only:
        wanted = {}
        for pair in spec.split(","):
            key, eq, value = pair.partition("=")
            if not eq or not key or not value:
                ctx.fail(f"--only {spec}: expected KEY=VALUE pairs separated by commas, such "
                         f"as strategy=migrate,seed=2; got '{pair}'", 2)
            wanted.setdefault(key, set()).add(value)
        for file in files:
            mine = [r for r in runs if r.file == file]
            values = {}  # key: its values, in sweep order
            for r in mine:
                for key, value in r.values().items():
                    values.setdefault(key, {}).setdefault(value, None)
            for key, want in wanted.items():
                if key not in values:
                    ctx.fail(f"--only {spec}: {file} sweeps no '{key}'; its parameters: "
                             + (", ".join(values) or "none (one run)"), 2)
                for value in sorted(want - set(values[key])):
                    ctx.fail(f"--only {spec}: {file}: {key} has no value '{value}'; its "
                             f"values: {', '.join(values[key])}", 2)
            chosen |= {r for r in mine
                       if all(r.values()[key] in want for key, want in wanted.items())}
    for spec in opts.run:
        for k in spec.split(","):
            if not k.isdigit():
                ctx.fail(f"--run {spec}: expected run numbers such as 3 or 1,3; got '{k}'", 2)
            for file in files:
                mine = [r for r in runs if r.file == file]
                if int(k) >= len(mine):
                    ctx.fail(f"--run {spec}: {file} has no run {k} (runs 0-{len(mine) - 1})", 2)
                chosen.add(mine[int(k)])
    selected = [r for r in runs if r in chosen]
    if not selected:
        ctx.fail(f"no run matches {' '.join(['--only ' + s for s in opts.only])}", 2)
    ctx.log(f"chosen: {len(selected)} of {len(runs)} runs: "
            + ", ".join(f"{r.name}#{r.index}" for r in selected))
    return selected


def _fnv1a64(data):
    # The digest the runner keeps in each part's marker (scenario-runner.cc, FileDigest).
    h = 14695981039346656037
    for byte in data:
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def _scenario_complete(runs, out):
    """The runs whose part is complete: its marker (`done`, written last, atomically) is
    there and names the same run of the same file's content. Anything else, a part cut
    short by a kill among them, does not count."""
    digests = {}
    complete = []
    for run in runs:
        if run.file not in digests:
            digests[run.file] = _fnv1a64(Path(run.file).read_bytes())
        label = f"run {run.index}" + (f": {run.params}" if run.params else "")
        marker = Path(out) / run.name / ".runs" / str(run.index) / "done"
        try:
            if marker.read_text() == f"{label}\nfile fnv1a64 {digests[run.file]}\n":
                complete.append(run)
        except (OSError, UnicodeDecodeError):
            pass
    return complete


@contextlib.contextmanager
def _stdout_to_stderr():
    # At the descriptor level, so that the programs started meanwhile (the build) follow.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _selection_said(folder):
    # A set of some runs of its sweep says so (selection.txt, written by the merge).
    note = Path(folder) / "selection.txt"
    if not note.is_file():
        return ""
    first, *rest = note.read_text().splitlines()
    return f"\n{first} " + ", ".join(line.replace("\t", " (", 1) + ")" if "\t" in line
                                     else line for line in rest)


def _results_folder(ctx, arg, out):
    folder = Path(arg) if Path(arg).is_dir() else Path(out) / arg
    if not (folder / "summary.csv").is_file():
        names = sorted(d.name for d in Path(out).glob("*") if (d / "summary.csv").is_file())
        ctx.fail(f"'{arg}': no {_shown(folder / 'summary.csv')}; give a folder with a "
                 f"summary.csv or a name with results in {_shown(out)}: "
                 f"{' '.join(names) or 'none yet (run ./waf scenarios first)'}", 2)
    return folder


def _elapsed(seconds):
    minutes, seconds = divmod(seconds, 60)
    return f"{int(minutes)}m{int(seconds):02d}s" if minutes else f"{seconds:.1f}s"


def _scenario_description(file):
    try:
        with open(file) as f:
            return str(json.load(f).get("description", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def _results_module(ctx):
    # scripts/results.py formats the tables; scripts/ is not a package.
    sys.path.insert(0, str(ctx.top / "scripts"))
    import results
    return results
