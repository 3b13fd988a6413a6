"""Reloads on the real kernel with the strategies that need fd passing or eBPF: handover,
drain-steer, drain-count, and a migrate reload whose policy is an eBPF object.

Expected values come from the strategies' definitions (doc/scenarios.md) and Linux's
rules: a handed-over socket keeps its queue; a SELECT_OR_MIGRATE program decides every
migration whatever tcp_migrate_req says; a socket closed with children queued resets them.
Arrivals are constant, 50 ms apart, and events fall between two of them.
"""
import glob
import json
import os
import subprocess
import sys
import unittest

from . import bpf
from .kernel import run_once
from .scenario import BUILD, check_run
from .testutil import needs_namespaces, scenario


def run(doc):
    return run_once(check_run("test.json", doc), tag="test")


def outcomes(client):
    return {k: client[k] for k in ("attempts", "completed", "reset", "refused", "timeout",
                                   "unfinished") if client[k]}


def stalled(n):
    return [{"at": "0s", "action": "stall-worker", "worker": i} for i in range(n)]


OBJECTS = sorted(glob.glob(str(BUILD / "programs" / "*.bpf.o")))


@unittest.skipIf(bpf.missing_privilege(), "needs CAP_BPF")
@unittest.skipUnless(OBJECTS, "needs the build's programs (./waf build)")
class ObjectTest(unittest.TestCase):
    def test_every_shipped_object_passes_the_kernels_verifier(self):
        for path in OBJECTS:
            with self.subTest(os.path.basename(path)):
                obj = bpf.Object(path)
                self.assertEqual(obj.migrate, obj.section == "sk_reuseport/migrate")
                self.assertGreaterEqual(obj.fd, 0)
                obj.close()


# One SYN to a reuseport group on 127.0.0.1 in a network namespace of its own, the test
# object attached: its map as the kernel left it. The simulator's tests run the same objects
# (test/bpf-load-test.cc, test/bpf-program-test.cc) and expect the same.
_ONE_SYN = """
import json, socket, subprocess, sys, time
from validation import bpf
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
socks = []
for _ in range(2):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", 8080))
    s.listen(16)
    socks.append(s)
obj = bpf.Object(path)
obj.attach(socks[0])
c = socket.create_connection(("127.0.0.1", 8080))
time.sleep(0.05)
print(json.dumps([obj.map(name).lookup(k) for k in range(n)]))
"""

TEST_OBJECTS = BUILD / "test-programs"
TOP = BUILD.parent


def one_syn(obj, name, n):
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", _ONE_SYN,
                           str(TEST_OBJECTS / obj), name, str(n)],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(TOP)))
    if done.returncode != 0:
        raise AssertionError(done.stderr)
    return json.loads(done.stdout)


@unittest.skipIf(bpf.missing_privilege(), "needs CAP_BPF")
@unittest.skipUnless((TEST_OBJECTS / "calls.bpf.o").exists(), "needs the build's test programs")
class SameObjectTest(unittest.TestCase):
    def test_data_and_data_end_span_the_segment_from_its_tcp_header(self):
        # tcp-header.bpf.c: port, header length, data_end - data, SYN, len, short runs.
        port, header, span, syn, length, short = one_syn("tcp-header.bpf.o", "seen", 6)
        self.assertEqual((port, syn, short), (8080, 1, 0))
        self.assertGreater(header, 20)  # a SYN carries options
        self.assertEqual((span, length), (header, header))  # no payload

    def test_bpf_functions_are_called_as_the_simulator_calls_them(self):
        # calls.bpf.c with the kernel's hash h and the SYN's len: h + 23, h + 23 + 203,
        # len, (h + 4) * 2 + 1 (the simulator's test uses h = 1, len = 7).
        first, second, length, nested = one_syn("calls.bpf.o", "out", 4)
        h = first - 23
        self.assertEqual(second, h + 23 + 203)
        self.assertGreater(length, 20)
        self.assertEqual(nested, (h + 4) * 2 + 1)


@needs_namespaces
class HandoverTest(unittest.TestCase):
    def test_a_shrinking_handover_keeps_every_socket_and_loses_nothing(self):
        # Three stalled workers hold the children of the arrivals at 0 .. 0.25 s (6). The
        # upgrade at 0.325 s would replace every socket; with handover the one new worker
        # takes its own and, being worker 0 of 1, the other two too (i % 1), and accepts
        # from all three: every connection completes and three sockets still listen.
        client, server = run(scenario(
            duration="1s",
            events=stalled(3) + [{"at": "0.325s", "action": "upgrade",
                                  "strategy": "handover", "workers": 1}],
            **{"server.workers": 3, "clients.rate": 20, "clients.stop": "0.3s"}))
        reload = server["events"][3]
        self.assertEqual(outcomes(client), {"attempts": 6, "completed": 6})
        self.assertEqual(reload["retired"], 0)
        self.assertEqual(sorted(reload["accept_queues_before"]), ["1", "2", "3"])
        self.assertEqual(sorted(reload["accept_queues_after"]), ["1", "2", "3"])
        self.assertEqual(sum(reload["accept_queues_before"].values()), 6)
        new = [w for w in server["workers"] if w["generation"] == 1]
        self.assertEqual([(w["index"], w["served"]) for w in new], [(0, 6)])
        self.assertNotIn("TcpOutRsts", server["counters"])


@unittest.skipIf(bpf.missing_privilege(), "needs CAP_BPF")
@needs_namespaces
class ProgramTest(unittest.TestCase):
    def test_migrate_to_new_moves_every_child_to_a_new_listener(self):
        # Two stalled workers hold 6 children; the reload replaces both sockets and
        # closes the old ones with migrate-to-new.bpf.o attached: tcp_migrate_req stays 0,
        # the program migrates each child to new_listeners[hash % 2], a new socket. So
        # one TCPMigrateReqSuccess per child, no failure, no reset, all served by the
        # new generation.
        policy = {"object": "programs/migrate-to-new.bpf.o",
                  "maps": [{"map": "new_listeners", "from": "generation=2"},
                           {"map": "new_count", "entries": [{"key": 0, "value": 2}]}]}
        client, server = run(scenario(
            duration="1s",
            events=stalled(2) + [{"at": "0.325s", "action": "reload", "listen_change": True,
                                  "strategy": "migrate", "policy": policy}],
            **{"server.workers": 2, "clients.rate": 20, "clients.stop": "0.3s"}))
        reload = server["events"][2]
        self.assertEqual(sum(reload["accept_queues_closed"]), 6)
        self.assertEqual(server["counters"].get("TcpExtTCPMigrateReqSuccess"), 6)
        self.assertNotIn("TcpExtTCPMigrateReqFailure", server["counters"])
        self.assertNotIn("TcpOutRsts", server["counters"])
        self.assertEqual(outcomes(client), {"attempts": 6, "completed": 6})
        self.assertEqual(sorted(reload["accept_queues_after"]), ["3", "4"])
        self.assertEqual(sum(w["served"] for w in server["workers"] if w["generation"] == 1),
                         6)

    def test_a_map_update_stops_steering_to_a_socket(self):
        # drain-steer.bpf.o attached by the scenario at 0 s over both sockets; worker 0 is
        # stalled. At 0.325 s draining[0] = 1 (slot 0: worker 0's socket, worker order):
        # from then on no SYN goes to it, so its queue holds, until worker 0 resumes at
        # 0.9 s, exactly what it held after the update; then everything completes.
        obj = {"object": "programs/drain-steer.bpf.o",
               "maps": [{"map": "listeners", "from": "generation=1"},
                        {"map": "listener_count", "entries": [{"key": 0, "value": 2}]}]}
        client, server = run(scenario(
            duration="1.5s",
            events=[{"at": "0s", "action": "attach-program", "program": obj},
                    {"at": "0s", "action": "stall-worker", "worker": 0},
                    {"at": "0.325s", "action": "map-update", "map": "draining",
                     "entries": [{"key": 0, "value": 1}]},
                    {"at": "0.9s", "action": "resume-worker", "worker": 0}],
            **{"server.workers": 2, "clients.rate": 20, "clients.stop": "0.8s"}))
        update, resume = server["events"][2], server["events"][3]
        self.assertEqual(update["action"], "map-update")
        self.assertGreater(update["accept_queues_after"]["1"], 0, "the hash sent none to 0")
        self.assertEqual(resume["accept_queue_before"], update["accept_queues_after"]["1"])
        self.assertEqual(outcomes(client), {"attempts": 16, "completed": 16})

    def test_a_drain_steers_no_new_syn_to_an_old_socket(self):
        # Arrivals every 50 ms from 0 to 0.6 s. The two old workers are stalled: the 7
        # children of 0 .. 0.3 s wait in their sockets. From the reload at 0.325 s the
        # program sends every SYN to the new sockets, so the 6 arrivals after it complete;
        # the stalled old workers never drain, and at the shutdown timeout (0.5 s) their
        # sockets close and reset exactly the 7 from before: one SYN steered to an old
        # socket would be an eighth reset.
        for strategy in ("drain-steer", "drain-count"):
            with self.subTest(strategy):
                client, server = run(scenario(
                    duration="1.2s",
                    events=stalled(2) + [{"at": "0.325s", "action": "reload",
                                          "listen_change": True, "strategy": strategy}],
                    **{"server.workers": 2, "server.shutdown_timeout": "0.5s",
                       "clients.rate": 20, "clients.stop": "0.625s"}))
                reload = server["events"][2]
                self.assertEqual(outcomes(client),
                                 {"attempts": 13, "completed": 6, "reset": 7})
                # The old sockets still listen after the reload, beside the new ones.
                self.assertEqual(sorted(reload["accept_queues_after"]), ["1", "2", "3", "4"])
                self.assertEqual(server["counters"].get("TcpOutRsts"), 7)
                self.assertAlmostEqual(server["restart_duration_s"], 0.5, delta=0.05)

    def test_a_drain_closes_the_old_socket_once_it_is_drained(self):
        # One worker serving at once: the old socket is empty at the reload, so it closes at
        # the first check, and nothing is lost (shutdown timeout 10 s: not waited for).
        for strategy in ("drain-steer", "drain-count"):
            with self.subTest(strategy):
                client, server = run(scenario(
                    duration="1s",
                    events=[{"at": "0.325s", "action": "reload", "listen_change": True,
                             "strategy": strategy}],
                    **{"clients.rate": 20, "clients.stop": "0.625s"}))
                self.assertEqual(outcomes(client), {"attempts": 13, "completed": 13})
                self.assertLess(server["restart_duration_s"], 0.05)
                rows = {(r[0], r[1]) for r in server["timeseries"]}
                self.assertIn(("0.300", 1), rows)
                self.assertNotIn(("0.500", 1), rows)   # closed, not waiting for the timeout
                self.assertIn(("0.500", 2), rows)


if __name__ == "__main__":
    unittest.main()
