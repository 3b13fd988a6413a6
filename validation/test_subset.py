"""The supported-subset check: the first unsupported thing is refused, with the file, its
JSON path and what was expected; and the command's exit statuses before anything runs."""
import os
import subprocess
import unittest

from . import netns
from .scenario import ScenarioError, check_run, check_subset, expand, needs_migration, \
    parse_duration, read_document
from .testutil import scenario, temp_dir, write_scenario

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SubsetTest(unittest.TestCase):
    def refused(self, doc):
        with self.assertRaises(ScenarioError) as cm:
            check_subset("x.json", doc)
        return str(cm.exception)

    def test_a_small_scenario_is_accepted(self):
        check_subset("x.json", scenario())

    def test_shipped_overload_restart_is_accepted(self):
        f = os.path.join(TOP, "scenarios", "overload-restart.json")
        check_subset(f, read_document(f))

    def test_shipped_nginx_reload_is_refused_at_its_first_drain(self):
        f = os.path.join(TOP, "scenarios", "nginx-reload.json")
        with self.assertRaises(ScenarioError) as cm:
            check_subset("nginx-reload.json", read_document(f))
        self.assertEqual(str(cm.exception), 'nginx-reload.json: /sweep/strategy/1: expected '
                         '"close" or "migrate" (drain needs real eBPF, handover fd passing), '
                         'got "drain-steer"')

    def test_the_delay_adds_up_over_the_path(self):
        doc = scenario()
        doc["topology"] = {
            "nodes": [{"id": "client"}, {"id": "router"}, {"id": "server"}],
            "links": [{"between": ["client", "router"], "rate": "1Gbps", "delay": "300us"},
                      {"between": ["router", "server"], "rate": "1Gbps", "delay": "10ms"}]}
        plan = check_run("x.json", doc)
        self.assertAlmostEqual(plan["path_delay"], 0.0103)
        self.assertTrue(plan["delay_line"])
        self.assertFalse(check_run("x.json", scenario())["delay_line"])  # 100us: direct

    def test_a_drain_strategy_in_the_sweep_is_refused_where_written(self):
        doc = scenario(events=[{"at": "0.5s", "action": "reload", "listen_change": True}],
                       sweep={"strategy": ["close", "drain-steer"]})
        self.assertEqual(self.refused(doc), 'x.json: /sweep/strategy/1: expected "close" or '
                         '"migrate" (drain needs real eBPF, handover fd passing), '
                         'got "drain-steer"')

    def test_a_migration_policy_other_than_hash(self):
        doc = scenario(events=[{"at": "0.5s", "action": "reload", "strategy": "migrate",
                                "policy": "last-slot"}])
        self.assertEqual(self.refused(doc), 'x.json: /events/0/policy: expected "hash" '
                         '(tcp_migrate_req picks by hash; other policies need real eBPF), '
                         'got "last-slot"')

    def test_a_program_event(self):
        doc = scenario(events=[{"at": "0s", "action": "close-listener", "worker": 0},
                               {"at": "0.1s", "action": "attach-program",
                                "program": "drop-all"}])
        self.assertEqual(self.refused(doc), 'x.json: /events/1/action: expected one of '
                         'close-listener, kill-worker, listen, reload, resume-worker, '
                         'set-sysctl, shutdown-listener, stall-worker, upgrade (the kernel side '
                         'has no eBPF programs or packet filters yet), got "attach-program"')

    def test_steering_by_program(self):
        self.assertEqual(self.refused(scenario(**{"server.steering": "round-robin"})),
                         'x.json: /server/steering: expected "hash" (programs are not real '
                         'eBPF yet), got "round-robin"')

    def test_loss_and_slow_links(self):
        self.assertEqual(self.refused(scenario(**{"topology.links.0.loss": 0.01})),
                         'x.json: /topology/links/0/loss: expected 0 (the kernel side drops no '
                         'packets), got 0.01')
        self.assertEqual(self.refused(scenario(**{"topology.links.0.rate": "100Mbps"})),
                         'x.json: /topology/links/0/rate: expected a rate of at least 1Gbps '
                         '(the veth links are not shaped), got "100Mbps"')

    def test_a_node_off_the_path(self):
        doc = scenario()
        doc["topology"]["nodes"].append({"id": "other"})
        self.assertEqual(self.refused(doc), 'x.json: /topology/nodes/2: expected only nodes on '
                         'the path from the clients to the server (the kernel side runs one '
                         'chain of hosts), got "other"')

    def test_pcap_output(self):
        self.assertEqual(self.refused(scenario(output={"pcap": True})),
                         'x.json: /output/pcap: expected false (the kernel side writes no '
                         'pcap), got true')

    def test_sweep_runs_in_the_simulators_order(self):
        doc = scenario(sweep={"sysctl.tcp_migrate_req": [0, 1], "seed": [1, 2]})
        runs = expand("x.json", doc)
        self.assertEqual([p for _, p, _ in runs],
                         [[("sysctl.tcp_migrate_req", "0"), ("seed", "1")],
                          [("sysctl.tcp_migrate_req", "0"), ("seed", "2")],
                          [("sysctl.tcp_migrate_req", "1"), ("seed", "1")],
                          [("sysctl.tcp_migrate_req", "1"), ("seed", "2")]])
        plan = check_run("x.json", runs[3][2])
        self.assertEqual((plan["seed"], plan["sysctl"]["tcp_migrate_req"]), (2, 1))
        self.assertEqual(plan["sysctl"]["somaxconn"], 4096)  # the format's default

    def test_events_in_time_order_ties_in_file_order(self):
        doc = scenario(events=[{"at": "0.2s", "action": "resume-worker", "worker": 0},
                               {"at": "0.1s", "action": "stall-worker", "worker": 0},
                               {"at": "0.2s", "action": "close-listener", "worker": 0}])
        plan = check_run("x.json", doc)
        self.assertEqual([e["index"] for e in plan["events"]], [1, 0, 2])

    def test_what_needs_tcp_migrate_req(self):
        # Exit status 6 on a kernel before 5.14 is for these runs only.
        self.assertFalse(needs_migration(check_run("x.json", scenario())))
        self.assertTrue(needs_migration(check_run("x.json", scenario(
            sysctl={"tcp_migrate_req": 1}))))
        self.assertTrue(needs_migration(check_run("x.json", scenario(
            events=[{"at": "0.5s", "action": "reload", "strategy": "migrate"}]))))
        self.assertTrue(needs_migration(check_run("x.json", scenario(
            events=[{"at": "0.5s", "action": "set-sysctl", "name": "tcp_migrate_req",
                     "value": 1}]))))

    def test_a_reload_keeps_the_worker_count_of_the_generation_before(self):
        doc = scenario(**{"server.workers": 4}, events=[
            {"at": "2s", "action": "reload"},
            {"at": "1s", "action": "reload", "workers": 2}])
        self.assertEqual([e["workers"] for e in check_run("x.json", doc)["events"]], [2, 2])
        doc["events"].append({"at": "3s", "action": "close-listener", "worker": 3})
        with self.assertRaises(ScenarioError) as cm:
            check_run("x.json", doc)
        self.assertEqual(str(cm.exception), "x.json: /events/2/worker: expected a worker of "
                         "the current generation (0 to 1), got 3")

    def test_durations(self):
        self.assertEqual(parse_duration("150ms"), 0.15)
        self.assertEqual(parse_duration("2min"), 120.0)
        self.assertIsNone(parse_duration("soon"))


class CommandTest(unittest.TestCase):
    def run_cli(self, *args, user=None):
        cmd = ["/usr/bin/python3", "-m", "validation", *args]
        if user:
            cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
        return subprocess.run(cmd, cwd=TOP, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=TOP,
                                       PYTHONDONTWRITEBYTECODE="1"))

    def test_outside_the_subset_exits_2_and_says_where(self):
        d = temp_dir(self)
        f = write_scenario(scenario(**{"server.steering": "drop-all"}), d)
        done = self.run_cli(f"--out={d}", f)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stderr.strip(), f'{f}: /server/steering: expected "hash" '
                         '(programs are not real eBPF yet), got "drop-all"')
        self.assertEqual(os.listdir(d), [os.path.basename(f)])  # nothing written

    def test_skip_unsupported_names_each_run_left_out(self):
        f = os.path.join(TOP, "scenarios", "nginx-reload.json")
        done = self.run_cli("--check", "--skip-unsupported", f)
        self.assertEqual(done.returncode, 0, done.stderr)
        why = ('not run on the kernel: /events/0/strategy: expected "close" or "migrate" '
               '(drain needs real eBPF, handover fd passing), got ')
        # The sweep: strategy (5 values) times seed (2); runs 0, 1 close and 6, 7 migrate.
        self.assertEqual(done.stderr.splitlines(), [
            f'validation: nginx-reload run {k} (strategy={s}, seed={seed}) {why}"{s}"'
            for k, s, seed in [(2, "drain-steer", 1), (3, "drain-steer", 2),
                               (4, "drain-count", 1), (5, "drain-count", 2),
                               (8, "handover", 1), (9, "handover", 2)]])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to become another user")
    def test_without_privilege_exits_5_and_leaves_nothing(self):
        d = temp_dir(self)
        os.chmod(d, 0o755)
        f = write_scenario(scenario(), d)
        os.chmod(f, 0o644)
        before = netns.list_ours()
        done = self.run_cli(f"--out={d}", f, user=65534)
        self.assertEqual(done.returncode, 5, done.stderr)
        self.assertIn("network namespaces need root", done.stderr)
        self.assertEqual(netns.list_ours(), before)
        self.assertEqual(os.listdir(d), [os.path.basename(f)])


if __name__ == "__main__":
    unittest.main()
