"""The pieces that need no kernel: nstat names from /proc/net text, the verdict rule, and
the columns the kernel cannot give left empty."""
import unittest

from . import compare, counters, report, summary

NETSTAT = """TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPMigrateReqSuccess
TcpExt: 3 10 12 7
IpExt: InOctets
IpExt: 999
"""
SNMP = """Tcp: RtoAlgorithm ActiveOpens CurrEstab OutRsts
Tcp: 1 5 2 4
"""


class CountersTest(unittest.TestCase):
    def test_nstat_names(self):
        c = counters.parse(NETSTAT)
        self.assertEqual(c["TcpExtListenOverflows"], 10)
        self.assertEqual(c["TcpExtTCPMigrateReqSuccess"], 7)
        self.assertEqual(c["IpExtInOctets"], 999)
        self.assertEqual(counters.parse(SNMP)["TcpOutRsts"], 4)

    def test_deltas_leave_gauges_and_unchanged_counters_out(self):
        before = {"TcpOutRsts": 4, "TcpCurrEstab": 2, "TcpActiveOpens": 5}
        after = {"TcpOutRsts": 9, "TcpCurrEstab": 7, "TcpActiveOpens": 5}
        self.assertEqual(counters.delta(before, after), {"TcpOutRsts": 5})

    def test_columns(self):
        self.assertEqual(counters.summary_columns({"TcpExtListenDrops": 3}),
                         {"listen_overflows": 0, "listen_drops": 3, "migrate_success": 0,
                          "migrate_failure": 0, "syncookies_sent": 0})


class VerdictTest(unittest.TestCase):
    def test_range_widened_by_five_percent_of_the_median(self):
        kernel = [90.0, 100.0, 110.0]  # median 100: [85, 115]
        self.assertTrue(compare.inside(85.0, kernel))
        self.assertTrue(compare.inside(115.0, kernel))
        self.assertFalse(compare.inside(84.9, kernel))
        self.assertFalse(compare.inside(115.1, kernel))
        self.assertTrue(compare.inside(0.0, [0.0]))
        self.assertFalse(compare.inside(1.0, [0.0]))

    def test_table_per_run_over_seeds(self):
        def row(seed, completed, overflows):
            return {"run": "0", "rate": "100", "strategy": "-", "policy": "-",
                    "seed": str(seed), "completed": str(completed),
                    "listen_overflows": str(overflows), "rst.final-ack": ""}
        sim = [row(1, 10, 5), row(2, 12, 5)]
        kernel = [row(1, 11, 9), row(2, 11, 10)]
        sim[0]["rst.final-ack"] = sim[1]["rst.final-ack"] = "3"
        [(label, seeds, lines)] = compare.compare(sim, kernel)
        self.assertEqual((label, seeds), ("rate=100", 2))
        by_metric = {m: (s, k, v) for m, s, k, v in lines}
        self.assertEqual(by_metric["completed"], ("11 (10-12)", "11 (11-11)", "in"))
        self.assertEqual(by_metric["listen_overflows"], ("5 (5-5)", "9.5 (9-10)", "out"))
        self.assertNotIn("rst.final-ack", by_metric)  # the kernel cannot give it
        self.assertEqual(compare.agreement([(label, seeds, lines)]), (1, 2))

    def test_runs_that_fell_behind_are_left_out_of_the_agreement(self):
        def row(run, strategy, completed):
            return {"run": str(run), "strategy": strategy, "policy": "-", "seed": "1",
                    "completed": str(completed)}
        sim = [row(0, "close", 10), row(1, "migrate", 10)]
        kernel = [row(0, "close", 10), row(1, "migrate", 20)]
        comparison = compare.compare(sim, kernel)
        shaky = compare.labels_of(kernel, [1])
        self.assertEqual(shaky, {"migrate"})
        self.assertEqual(compare.agreement(comparison), (1, 2))
        self.assertEqual(compare.agreement(comparison, shaky), (1, 1))
        text = compare.format_text("x", comparison, shaky).splitlines()
        self.assertIn("x: migrate (1 seed): the kernel side fell behind, verdicts unreliable",
                      text)
        self.assertEqual(text[-1], "x: 1 of 2 metrics inside the kernel's range (widened by "
                         "5% of its median); 1 of 1 in the runs whose kernel side kept up")

    def test_a_run_left_out_on_the_kernel(self):
        sim = [{"run": "0", "strategy": "drain-steer", "policy": "-", "seed": "1",
                "completed": "5"}]
        comparison = compare.compare(sim, [])
        self.assertEqual(comparison, [("drain-steer", 1, None)])
        self.assertEqual(compare.format_text("x", comparison).splitlines()[0],
                         "x: drain-steer: not run on the kernel (outside its subset)")


class BehindTest(unittest.TestCase):
    def test_runs_that_fell_behind_are_named(self):
        def run(index, arrival_p99, line_p50, line_p99, drops):
            return {"run": index, "params": {"seed": str(index)}, "path_delay_s": 0.01,
                    "client": {"arrival_late_ms": {"p99": arrival_p99}},
                    "server": {"events": [{"late_ms": 0.2}],
                               "delay_line": {"late_p50_ms": line_p50,
                                              "late_p99_ms": line_p99, "drops": drops}}}
        # Limits: arrivals 5 ms late (p99); the line 5% (p50) or 50% (p99) of the 10 ms
        # delay; no drop.
        self.assertEqual(report.warnings([run(0, 4.9, 0.4, 4.9, 0), run(1, 6.0, 0.6, 1.0, 3),
                                          run(2, 1.0, 0.1, 5.1, 0)]),
                         ["run 1 (seed=1): client arrivals late by 6.0 ms (p99); delay line "
                          "late by 0.6 ms (p50), 1.0 ms (p99); 3 frames dropped by the delay "
                          "line",
                          "run 2 (seed=2): delay line late by 0.1 ms (p50), 5.1 ms (p99)"])


class SummaryTest(unittest.TestCase):
    def test_completed_by_each_sample(self):
        rows = [["0.000", 1, 1, 0, "listen", "", 0], ["0.000", "all", "", "", "", 0, 0, 0, 0],
                ["0.100", "all", "", "", "", 0, 0, 0, 0], ["0.200", "all", "", "", "", 0, 0, 0, 0]]
        out = summary.with_completed(rows, [0.05, 0.1, 0.15])
        self.assertEqual(out[0], rows[0])  # a socket's row has no count
        self.assertEqual([r[-1] for r in out[1:]], [0, 2, 3])  # one at 0.1 s counts by then

    def test_kernel_row_has_the_simulators_columns(self):
        plan = {"seed": 3, "events": [{"action": "reload", "strategy": "migrate", "at": 2.0}]}
        client = {"attempts": 4, "completed": 3, "reset": 0, "refused": 0, "timeout": 1,
                  "unfinished": 0, "connect_p50_ms": 0.25, "connect_p99_ms": None,
                  "response_p50_ms": 1.0, "response_p99_ms": 2.0}
        server = {"counters": {"TcpExtTCPMigrateReqSuccess": 2}, "restart_duration_s": 0.001}
        r = summary.row(7, plan, [("clients.rate", "100"), ("seed", "3")], client, server)
        self.assertEqual(list(r), ["run", "clients.rate", "strategy", "policy", "seed",
                                   *summary.METRICS])
        self.assertEqual((r["strategy"], r["policy"], r["seed"]), ("migrate", "hash", "3"))
        self.assertEqual((r["migrate_success"], r["rst.accept-queue"], r["connect_p99_ms"],
                          r["reload_at_s"]), ("2", "", "nan", "2.000"))
        # Failed as the simulator counts it: reset + refused + timeout, of the attempts.
        self.assertEqual((r["failed"], r["failed_pct"], r["reloads"]), ("1", "25.00", "1"))


if __name__ == "__main__":
    unittest.main()
