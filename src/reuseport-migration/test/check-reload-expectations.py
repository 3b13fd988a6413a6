#!/usr/bin/python3
# What the semantics predict for the shipped reload at moderate load (nginx-reload):
# close resets what the old sockets held (accept-queue children and requests whose final
# ACK comes later) and nothing else; migrate, the drains and handover reset nothing; the
# drains take longer to restart.
import csv
import sys
from collections import defaultdict


def main(results):
    rows = list(csv.DictReader(open(f"{results}/nginx-reload/summary.csv")))
    by = defaultdict(list)
    for r in rows:
        by[r["strategy"]].append(r)
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    check(set(by) == {"close", "drain-steer", "drain-count", "migrate", "handover"},
          f"strategies: {sorted(by)}")
    n = lambda r, k: int(r[k])
    for r in rows:
        check(n(r, "attempts") == n(r, "completed") + n(r, "reset") + n(r, "refused")
              + n(r, "timeout") + n(r, "unfinished"), f"run {r['run']}: conservation")
        check(n(r, "failed") == n(r, "reset") + n(r, "refused") + n(r, "timeout"),
              f"run {r['run']}: failed is not reset + refused + timeout")
        check(n(r, "rst.migration-failure") == n(r, "rst.program-drop") ==
              n(r, "rst.overflow") == 0, f"run {r['run']}: unexpected RST causes")
        # RST segments, by cause, add up to all of them.
        check(n(r, "rsts") == sum(n(r, k) for k in r if k.startswith("rst.")),
              f"run {r['run']}: rsts is not the sum of its causes")
    for r in by["close"]:
        held = n(r, "rst.accept-queue") + n(r, "rst.final-ack")
        check(held > 0, f"close run {r['run']}: no RST")
        check(n(r, "rst.final-ack") > 0, f"close run {r['run']}: no final-ack RST")
        # One reset client per queued child and per request reached by its final ACK.
        check(n(r, "reset") == held, f"close run {r['run']}: reset {r['reset']} != {held}")
        check(float(r["restart_duration_s"]) == 0, f"close run {r['run']}: restart not instant")
    for s in ("migrate", "drain-steer", "drain-count", "handover"):
        for r in by[s]:
            check(n(r, "rsts") == 0, f"{s} run {r['run']}: {r['rsts']} RSTs")
            check(n(r, "reset") == 0, f"{s} run {r['run']}: {r['reset']} resets")
    for r in by["migrate"]:
        check(n(r, "migrate_success") > 0, f"migrate run {r['run']}: nothing migrated")
        # Every connection migrated completes (nothing fails), and each took a hop or more.
        check(0 < n(r, "saved") == n(r, "migrated_connections") <= n(r, "migrate_success"),
              f"migrate run {r['run']}: saved {r['saved']}, migrated connections "
              f"{r['migrated_connections']}, hops {r['migrate_success']}")
    close_restart = max(float(r["restart_duration_s"]) for r in by["close"])
    for s in ("drain-steer", "drain-count"):
        for r in by[s]:
            check(float(r["restart_duration_s"]) > close_restart,
                  f"{s} run {r['run']}: restart {r['restart_duration_s']} not longer than close")
    for r in by["handover"]:
        check(float(r["restart_duration_s"]) == 0, f"handover run {r['run']}: restart not 0")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(rows)} runs checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
