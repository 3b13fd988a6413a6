"""./waf validate from end to end on a small scenario: the simulator's runs, the kernel's,
the table and validate.md. WAF_SCENARIO_RUNNER names the built scenario-runner (CTest sets
it), so nothing is built here."""
import csv
import os
import subprocess
import unittest

from .testutil import needs_namespaces, scenario, temp_dir, write_scenario

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@needs_namespaces
@unittest.skipUnless(os.environ.get("WAF_SCENARIO_RUNNER"),
                     "WAF_SCENARIO_RUNNER does not name a scenario-runner")
class VerbTest(unittest.TestCase):
    def test_side_by_side(self):
        d = temp_dir(self)
        # One connection per run (constant, 10/s, stop at 50 ms), two seeds.
        f = write_scenario(scenario(sweep={"seed": [1, 2]}), d)
        done = subprocess.run([os.path.join(TOP, "waf"), "validate", f, f"--out={d}"],
                              cwd=TOP, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        lines = done.stdout.splitlines()
        i = lines.index("kernel-test: no reload (2 seeds)")
        table = {line.split()[0]: line.split() for line in lines[i + 2:i + 18]}
        # Both sides: one attempt per run, completed; no reset.
        self.assertEqual(table["attempts"][1:], ["1", "(1-1)", "1", "(1-1)", "in"])
        self.assertEqual(table["completed"][1:], ["1", "(1-1)", "1", "(1-1)", "in"])
        self.assertEqual(table["reset"][1:], ["0", "(0-0)", "0", "(0-0)", "in"])
        self.assertNotIn("rst.final-ack", table)  # the kernel cannot give it
        with open(os.path.join(d, "kernel-test", "kernel", "summary.csv")) as s:
            rows = list(csv.DictReader(s))
        self.assertEqual([r["seed"] for r in rows], ["1", "2"])
        with open(os.path.join(d, "kernel-test", "validate.md")) as m:
            self.assertIn("| attempts | 1 (1-1) | 1 (1-1) | in |", m.read())


if __name__ == "__main__":
    unittest.main()
