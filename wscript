# Verbs for ./waf. Each public function below is a verb and receives a waf Context
# (ctx.args, ctx.top, ctx.build_dir, ctx.jobs, ctx.run, ctx.log, ctx.fail, ctx.parser).
# A verb configures and builds first when it needs to; helpers start with "_".
import os
import shlex
import shutil
import subprocess

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


def check(ctx):
    """Build, then run the tests (extra args go to ctest, e.g. ./waf check -R Steering)."""
    _ensure_built(ctx)
    ctx.run(["ctest", "--test-dir", ctx.build_dir, "--output-on-failure", "--no-tests=error",
             "-j", ctx.jobs, *ctx.args])


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


# Experiment verbs (scenarios, plot, bench) go here. Each starts with _ensure_built(ctx);
# those that need Debian Python modules run DEBIAN_PYTHON, not the python3 on PATH.


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
