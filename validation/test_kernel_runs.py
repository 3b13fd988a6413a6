"""Runs on the real kernel in namespaces: each outcome produced on purpose, and counter
deltas that Linux's listener code fixes exactly.

Expected values come from Linux's semantics (doc: linux-reuseport-semantics.md), never
from a run: a listener of backlog N holds N + 1 children; a SYN to a listener whose accept
queue is full is dropped and counted in ListenOverflows and ListenDrops; the client sends
it again after the initial RTO of 1 s; closing a listener resets its queued children.
"""
import unittest

from .kernel import run_once
from .scenario import check_run
from .testutil import needs_namespaces, scenario


def run(doc):
    return run_once(check_run("test.json", doc), tag="test")


def outcomes(client):
    return {k: client[k] for k in ("attempts", "completed", "reset", "refused", "timeout",
                                   "unfinished") if client[k]}


@needs_namespaces
class OutcomeTest(unittest.TestCase):
    # One connection each (rate 10/s, constant, stop at 50 ms: a single arrival at 0 s).

    def test_completed(self):
        client, server = run(scenario())
        self.assertEqual(outcomes(client), {"attempts": 1, "completed": 1})
        self.assertEqual(server["workers"][0]["served"], 1)

    def test_refused_when_nothing_listens(self):
        # The only socket is closed before the first arrival: the SYN is answered by a RST.
        client, server = run(scenario(events=[{"at": "0s", "action": "close-listener",
                                               "worker": 0}]))
        self.assertEqual(outcomes(client), {"attempts": 1, "refused": 1})
        self.assertEqual(client["errors"], {"ECONNREFUSED": 1})
        self.assertEqual(server["counters"].get("TcpOutRsts"), 1)

    def test_reset_when_the_listener_closes_with_the_child_queued(self):
        client, server = run(scenario(events=[
            {"at": "0s", "action": "stall-worker", "worker": 0},
            {"at": "0.3s", "action": "close-listener", "worker": 0}]))
        self.assertEqual(outcomes(client), {"attempts": 1, "reset": 1})
        self.assertEqual(client["errors"], {"ECONNRESET": 1})
        self.assertEqual(server["events"][1]["accept_queue_before"], 1)

    def test_timeout_when_no_answer_comes_in_time(self):
        client, _ = run(scenario(events=[{"at": "0s", "action": "stall-worker", "worker": 0}],
                                 **{"clients.timeout": "0.3s"}))
        self.assertEqual(outcomes(client), {"attempts": 1, "timeout": 1})

    def test_unfinished_when_the_run_ends_first(self):
        client, _ = run(scenario(events=[{"at": "0s", "action": "stall-worker", "worker": 0}]))
        self.assertEqual(outcomes(client), {"attempts": 1, "unfinished": 1})


@needs_namespaces
class EventTest(unittest.TestCase):
    def test_shutdown_respawn_and_listen_again(self):
        # Arrivals every 200 ms from 0 to 1.4 s (100 ms from any event, for a loaded
        # machine). The only socket is shut down at 0.3 s (a shut-down listener answers
        # SYNs with RST), its worker dies at 0.5 s and the replacement gets the shut-down
        # socket, which listens again at 0.9 s: 0 and 0.2 complete, 0.4 to 0.8 are refused.
        client, server = run(scenario(
            duration="2s",
            events=[{"at": "0.3s", "action": "shutdown-listener", "worker": 0},
                    {"at": "0.5s", "action": "kill-worker", "worker": 0},
                    {"at": "0.9s", "action": "listen", "worker": 0}],
            **{"clients.rate": 5, "clients.stop": "1.5s"}))
        self.assertEqual(outcomes(client), {"attempts": 8, "completed": 5, "refused": 3})
        self.assertEqual([w["served"] for w in server["workers"]], [2, 3])


    def reload(self, strategy):
        # Two connections wait in the stalled worker's accept queue when a reload replaces
        # its socket (listen options changed) at 0.3 s.
        return run(scenario(
            events=[{"at": "0s", "action": "stall-worker", "worker": 0},
                    {"at": "0.3s", "action": "reload", "listen_change": True,
                     "strategy": strategy}],
            **{"clients.stop": "0.15s"}))

    def test_reload_close_resets_the_queued_children(self):
        client, server = self.reload("close")
        self.assertEqual(outcomes(client), {"attempts": 2, "reset": 2})
        self.assertEqual(server["events"][1]["accept_queues_closed"], [2])

    def test_reload_migrate_moves_them_to_the_new_socket(self):
        client, server = self.reload("migrate")
        self.assertEqual(outcomes(client), {"attempts": 2, "completed": 2})
        self.assertEqual(server["counters"].get("TcpExtTCPMigrateReqSuccess"), 2)
        self.assertEqual([w["served"] for w in server["workers"]], [0, 2])


    def test_reload_close_resets_a_request_whose_final_ack_comes_later(self):
        # 50 ms each way; arrivals at 0 (it also resolves ARP), 0.1, 0.2 and 0.3 s. The
        # last one's SYN reaches the server at 0.35 s, its final ACK at 0.45 s: the reload
        # at 0.4 s closes the socket holding the request, so the final ACK finds no
        # request and is answered with a RST, and so is the request data after it.
        client, server = run(scenario(
            events=[{"at": "0.4s", "action": "reload", "listen_change": True}],
            **{"topology.links.0.delay": "50ms", "clients.stop": "0.35s"}))
        self.assertEqual(server["events"][0]["syn_recv_before"], 1)
        self.assertEqual(outcomes(client), {"attempts": 4, "completed": 3, "reset": 1})
        self.assertEqual(server["counters"].get("TcpOutRsts"), 2)


@needs_namespaces
class DelayLineTest(unittest.TestCase):
    def test_a_handshake_takes_the_round_trip(self):
        # 5 ms each way through the delay line: connect() takes one round trip, 10 ms, at
        # least, plus the line's lateness on each of the two legs (measured) and the
        # client's own wake-up on a loaded machine (not measured: up to 5 ms allowed), so
        # well under two round trips. The first connection also waits for ARP (another
        # round trip), so the median of two (nearest rank: the smaller) is the second's.
        client, server = run(scenario(**{"topology.links.0.delay": "5ms",
                                         "clients.stop": "0.15s"}))
        self.assertEqual(outcomes(client), {"attempts": 2, "completed": 2})
        line = server["delay_line"]
        self.assertGreaterEqual(client["connect_p50_ms"], 10.0)
        self.assertLess(client["connect_p50_ms"], 10.0 + 2 * line["late_max_ms"] + 5.0)
        self.assertEqual(line["drops"], 0)


@needs_namespaces
class CounterTest(unittest.TestCase):
    def test_overflowed_accept_queue(self):
        # Backlog 2, the worker stalled: 3 children fit. Five clients at 0, 20, 40, 60 and
        # 80 ms: the last two SYNs are dropped, and again at their retransmission ~1 s later
        # (before the end at 1.5 s; the next would be 3 s later): 4 overflows. At 1.4 s the
        # listener closes and resets its 3 children, one RST each.
        client, server = run(scenario(
            duration="1.5s",
            events=[{"at": "0s", "action": "stall-worker", "worker": 0},
                    {"at": "1.4s", "action": "close-listener", "worker": 0}],
            **{"server.backlog": 2, "clients.rate": 50, "clients.stop": "0.09s"}))
        c = server["counters"]
        self.assertEqual(server["events"][1]["accept_queue_before"], 3)
        self.assertEqual(c.get("TcpExtListenOverflows"), 4)
        self.assertEqual(c.get("TcpExtListenDrops"), 4)
        self.assertEqual(c.get("TcpOutRsts"), 3)
        self.assertEqual(c.get("TcpPassiveOpens"), 3)
        self.assertEqual(outcomes(client), {"attempts": 5, "reset": 3, "unfinished": 2})
        # Samples every 100 ms: at 1 s the 3 children wait and no request exists (the
        # dropped SYNs made none); at 1.5 s, after the close, the socket is gone.
        rows = {(r[0], r[1]): r for r in server["timeseries"]}
        self.assertEqual(rows[("1.000", 1)][1:7], [1, 1, 0, "listen", "", 3])
        self.assertEqual(rows[("1.000", "all")][1:], ["all", "", "", "", 0, 3, 0, 0])
        self.assertNotIn(("1.500", 1), rows)
        self.assertEqual(rows[("1.500", "all")][1:], ["all", "", "", "", 0, 0, 3, 0])

    def test_migration_at_close_moves_the_queued_children(self):
        # Two workers, both stalled, tcp_migrate_req=1; worker 0's socket closes: its
        # children move to worker 1's socket (one TCPMigrateReqSuccess each), none is reset.
        doc = scenario(
            duration="1s",
            sysctl={"tcp_migrate_req": 1},
            events=[{"at": "0s", "action": "stall-worker", "worker": 0},
                    {"at": "0s", "action": "stall-worker", "worker": 1},
                    {"at": "0.5s", "action": "close-listener", "worker": 0}],
            **{"server.workers": 2, "clients.rate": 100, "clients.stop": "0.2s"})
        client, server = run(doc)
        before = server["events"][2]["accept_queue_before"]
        self.assertGreater(before, 0, "the hash put no child on worker 0's socket")
        self.assertEqual(server["counters"].get("TcpExtTCPMigrateReqSuccess"), before)
        self.assertNotIn("TcpExtTCPMigrateReqFailure", server["counters"])
        self.assertNotIn("TcpOutRsts", server["counters"])
        self.assertEqual(outcomes(client), {"attempts": 20, "unfinished": 20})


if __name__ == "__main__":
    unittest.main()
