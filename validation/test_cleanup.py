"""No namespace outlives a run: interrupted (SIGINT, SIGTERM) it removes its own; killed
(SIGKILL) its programs die with it and the next run removes what is left."""
import os
import signal
import subprocess
import time
import unittest

from . import netns
from .testutil import needs_namespaces, scenario, temp_dir, write_scenario

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ours(pid):
    return [name for name, p in netns.list_ours() if p == pid]


@needs_namespaces
class CleanupTest(unittest.TestCase):
    def start_long_run(self):
        d = temp_dir(self)
        f = write_scenario(scenario(duration="30s", **{"clients.stop": "30s"}), d)
        proc = subprocess.Popen(["/usr/bin/python3", "-m", "validation", f"--out={d}", f],
                                cwd=TOP, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=dict(os.environ, PYTHONPATH=TOP,
                                         PYTHONDONTWRITEBYTECODE="1"))
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        # Mid-run: both namespaces exist and the clients have started.
        deadline = time.monotonic() + 15
        while len(ours(proc.pid)) < 2 or not self.running_in(ours(proc.pid)):
            self.assertLess(time.monotonic(), deadline, "the run did not start")
            time.sleep(0.1)
        time.sleep(0.5)
        return proc, d

    def running_in(self, names):
        return all(netns._ip("netns", "pids", n, check=False).stdout.split() for n in names)

    def assert_interrupted(self, sig, status):
        proc, d = self.start_long_run()
        proc.send_signal(sig)
        proc.wait(20)
        self.assertEqual(proc.returncode, status, proc.stderr.read().decode())
        proc.stderr.close()
        self.assertEqual(ours(proc.pid), [])
        self.assertFalse(os.path.exists(os.path.join(d, "kernel-test")))

    def test_sigint_removes_the_namespaces(self):
        self.assert_interrupted(signal.SIGINT, 130)

    def test_sigterm_removes_the_namespaces(self):
        self.assert_interrupted(signal.SIGTERM, 143)

    def test_after_sigkill_the_next_run_removes_the_leftovers(self):
        proc, _ = self.start_long_run()
        names = ours(proc.pid)
        proc.kill()
        proc.wait(10)
        proc.stderr.close()
        # Its programs die with it (parent-death signal); the names stay until the next run.
        deadline = time.monotonic() + 5
        while any(netns._ip("netns", "pids", n, check=False).stdout.split() for n in names):
            self.assertLess(time.monotonic(), deadline, "programs outlived their run")
            time.sleep(0.1)
        self.assertEqual(sorted(ours(proc.pid)), sorted(names))
        # What the next run does first; --cleanup does only that.
        done = subprocess.run(["/usr/bin/python3", "-m", "validation", "--cleanup"], cwd=TOP,
                              capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=TOP, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(sorted(done.stderr.splitlines()),
                         sorted(f"validation: removed {n}" for n in names))
        self.assertEqual(ours(proc.pid), [])


if __name__ == "__main__":
    unittest.main()
