#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two Odoo nodes on one database: interleaved deliveries, nothing lost, nothing twice.

Node A serves HTTP only; node B serves HTTP and runs queue_job's runner
(one runner per database, as in production). Several versions of the same
contacts, shuffled, are posted to both nodes at once, each delivery sent
twice (a sender's retry reaching the other node). Then the same again while
the runner moves: node B is killed mid-run (no clean shutdown: its running
job dies with it), node A restarts with the runner, and the senders carry on
against whatever node answers. Verdict: every item stored once, one partner
and one binding per contact, each holding its newest version, no event
failed.

    python3 tools/faults/two_nodes.py [--records 60] [--versions 5] [--work DIR]

Exit status 1 when a check fails.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import print, run_scenario, send, versions, wait_started

DATABASE = "faults_two_nodes"


def scenario(run):
    node_a = run.node("a")
    node_b = run.node("b", runner=True)
    print("1. interleaved deliveries to two nodes, each delivery twice")
    items = versions(run.args.records, run.args.versions, seed=1, prefix="nodes")
    started = time.perf_counter()
    statuses = send([node_a, node_b], run.path, items, batch=10, concurrency=4)
    statuses_again = send([node_b, node_a], run.path, items, batch=10, concurrency=4)
    print(f"  answers: {statuses} then {statuses_again}")
    run.processed(timeout=600)
    seconds = time.perf_counter() - started
    print(f"  {len(items)} items, each delivered twice, stored and applied in {seconds:.1f} s")
    run.check_applied(items, "nodes")

    print("2. the runner moves: node B killed mid-run, node A restarted with the runner")
    moved = versions(run.args.records, run.args.versions, seed=2, prefix="moved")
    half = len(moved) // 2
    send([node_a, node_b], run.path, moved[:half], batch=10, concurrency=4)
    applied, waiting = wait_started(run.pg, run.database, run.backend_id, "moved")
    print(f"  killed with {applied} events applied, {waiting} waiting")
    node_b.kill()
    node_a.stop()
    node_a = run.node("a2", runner=True)
    send([node_a], run.path, moved[half:], batch=10, concurrency=4)
    send([node_a], run.path, moved, batch=25, concurrency=2)  # every delivery again
    # a job that died with node B is requeued by the new runner after a while
    run.processed()
    run.check_applied(moved, "moved")


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
