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


POL = ('expected "hash" or an eBPF object (the built-in C++ programs run in the model only; '
       'name their twin, e.g. {"object": "programs/migrate-to-new.bpf.o", ...}), ')


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

    def test_shipped_nginx_reload_with_every_strategy_is_accepted(self):
        f = os.path.join(TOP, "scenarios", "nginx-reload.json")
        check_subset(f, read_document(f))

    def test_shipped_newest_generation_is_refused_at_its_built_in_policy(self):
        f = os.path.join(TOP, "scenarios", "newest-generation.json")
        with self.assertRaises(ScenarioError) as cm:
            check_subset("newest-generation.json", read_document(f))
        self.assertEqual(str(cm.exception), 'newest-generation.json: /sweep/policy/1: '
                         + POL + 'got "prefer-newest-generation"')

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

    def test_a_built_in_policy_in_the_sweep_is_refused_where_written(self):
        doc = scenario(events=[{"at": "0.5s", "action": "reload", "listen_change": True,
                                "strategy": "migrate"}],
                       sweep={"policy": ["hash", "last-slot"]})
        self.assertEqual(self.refused(doc), 'x.json: /sweep/policy/1: ' + POL
                         + 'got "last-slot"')

    def test_every_strategy_is_accepted(self):
        for strategy in ("close", "drain-steer", "drain-count", "migrate", "handover"):
            plan = check_run("x.json", scenario(events=[
                {"at": "0.5s", "action": "reload", "strategy": strategy, "workers": 2}]))
            self.assertEqual(plan["events"][0]["strategy"], strategy)
            # Draining needs the draining recipes' objects, so CAP_BPF; the others do not.
            self.assertEqual(plan["programs"], strategy.startswith("drain"))

    def test_a_built_in_program_event(self):
        doc = scenario(events=[{"at": "0s", "action": "close-listener", "worker": 0},
                               {"at": "0.1s", "action": "attach-program",
                                "program": "drop-all"}])
        self.assertEqual(self.refused(doc), 'x.json: /events/1/program: expected an eBPF '
                         'object {"object": FILE, ...} (the kernel side runs no built-in C++ '
                         'program; name its twin under programs/), got "drop-all"')

    def test_an_object_is_found_in_the_build_directory_and_its_maps_checked(self):
        obj = {"object": "programs/migrate-to-new.bpf.o",
               "maps": [{"map": "new_listeners", "from": "generation=2"},
                        {"map": "new_count", "entries": [{"key": 0, "value": 4}]}]}
        plan = check_run("x.json", scenario(events=[
            {"at": "0.5s", "action": "reload", "strategy": "migrate", "policy": obj}]))
        policy = plan["events"][0]["policy_object"]
        self.assertEqual(policy["object"], os.path.join(TOP, "build", obj["object"]))
        self.assertTrue(policy["migrate"])            # section sk_reuseport/migrate
        self.assertTrue(plan["select_or_migrate"] and needs_migration(plan))
        bad = dict(obj, maps=[{"map": "new_count", "from": "generation=2"}])
        self.assertEqual(self.refused(scenario(events=[
            {"at": "0.5s", "action": "reload", "strategy": "migrate", "policy": bad}])),
            'x.json: /events/0/policy/maps/0/from: expected a REUSEPORT_SOCKARRAY for '
            'listeners, but map "new_count" is not one (fill it with "entries")')
        missing = dict(obj, object="programs/none.bpf.o")
        self.assertTrue(self.refused(scenario(events=[
            {"at": "0.5s", "action": "reload", "strategy": "migrate", "policy": missing}]))
            .startswith('x.json: /events/0/policy/object: expected an existing object file'))

    def test_a_drain_and_an_object_in_one_run(self):
        doc = scenario(events=[
            {"at": "0s", "action": "attach-program",
             "program": {"object": "programs/refuse-migration.bpf.o"}},
            {"at": "0.5s", "action": "reload", "strategy": "drain-steer", "workers": 2}])
        self.assertEqual(self.refused(doc), 'x.json: /events/1: expected no drain strategy '
                         'and eBPF object of the scenario in one run (the kernel keeps a '
                         'socket in one sockarray; the drain program\'s would take them)')

    def test_steering_by_program(self):
        self.assertEqual(self.refused(scenario(**{"server.steering": "round-robin"})),
                         'x.json: /server/steering: expected "hash" or an eBPF object (the '
                         'kernel side runs no built-in C++ program; name its twin under '
                         'programs/), got "round-robin"')

    def test_repeated_events_are_refused_where_written(self):
        doc = scenario(events=[{"at": "0.1s", "action": "stall-worker", "worker": 0,
                                "every": "0.1s", "count": 3}])
        self.assertEqual(self.refused(doc), 'x.json: /events/0/every: expected no repetition '
                         '(the kernel side does not repeat events; write each occurrence), '
                         'got "0.1s"')

    def test_zip_and_sweeps_by_action_are_refused(self):
        reload = [{"at": "0.5s", "action": "reload", "strategy": "close"}]
        zipped = dict(scenario(events=reload),
                      sweep={"zip": [{"strategy": "close"}, {"strategy": "migrate"}]})
        self.assertTrue(self.refused(zipped).startswith("x.json: /sweep/zip: expected no zip"))
        by_action = dict(scenario(events=reload),
                         sweep={"events.reload.strategy": ["close", "migrate"]})
        self.assertTrue(self.refused(by_action).startswith(
            "x.json: /sweep/events.reload.strategy: expected an event index"))

    def test_a_steering_object_is_attached_first(self):
        # As the model's master attaches it: at 0 s, before the events of that instant.
        doc = scenario(**{"server.steering": {"object": "programs/refuse-migration.bpf.o"}},
                       events=[{"at": "0s", "action": "stall-worker", "worker": 0}])
        plan = check_run("x.json", doc)
        first = plan["events"][0]
        self.assertEqual((first["action"], first["at"], first["path"]),
                         ("attach-program", 0.0, "/server/steering"))
        self.assertEqual(plan["events"][1]["action"], "stall-worker")

    def test_a_steering_object_and_a_drain_are_refused_where_the_later_is(self):
        doc = scenario(**{"server.steering": {"object": "programs/refuse-migration.bpf.o"}},
                       events=[{"at": "0.5s", "action": "reload", "strategy": "drain-steer",
                                "workers": 2}])
        self.assertTrue(self.refused(doc).startswith('x.json: /events/0: expected no drain '
                                                     'strategy and eBPF object'))

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
        self.assertEqual(done.stderr.strip(), f'{f}: /server/steering: expected "hash" or an '
                         'eBPF object (the kernel side runs no built-in C++ program; name its '
                         'twin under programs/), got "drop-all"')
        self.assertEqual(os.listdir(d), [os.path.basename(f)])  # nothing written

    def test_skip_unsupported_names_each_run_left_out(self):
        d = temp_dir(self)
        f = write_scenario(scenario(
            events=[{"at": "0.5s", "action": "reload", "strategy": "migrate"}],
            sweep={"policy": ["hash", "last-slot"], "seed": [1, 2]}), d)
        done = self.run_cli("--check", "--skip-unsupported", f)
        self.assertEqual(done.returncode, 0, done.stderr)
        why = 'not run on the kernel: /events/0/policy: ' + POL
        # The sweep: policy (2 values) times seed (2); runs 0, 1 hash.
        self.assertEqual(done.stderr.splitlines(), [
            f'validation: kernel-test run {k} (policy=last-slot, seed={seed}) {why}'
            'got "last-slot"' for k, seed in [(2, 1), (3, 2)]])

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

    @unittest.skipUnless(os.geteuid() == 0, "needs root to drop capabilities")
    def test_without_cap_bpf_programs_cannot_be_loaded(self):
        # Root without CAP_BPF and CAP_SYS_ADMIN (which also allows bpf(2)).
        cmd = ["setpriv", "--bounding-set=-bpf,-sys_admin", "--inh-caps=-bpf,-sys_admin",
               "/usr/bin/python3", "-c",
               "from validation import bpf; print(bpf.missing_privilege())"]
        done = subprocess.run(cmd, cwd=TOP, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=TOP))
        self.assertEqual(done.stdout.strip(), "eBPF programs need CAP_BPF (or CAP_SYS_ADMIN) "
                         "to be loaded into the kernel; run it as root, e.g. sudo ./waf "
                         "validate FILE", done.stderr)


if __name__ == "__main__":
    unittest.main()
