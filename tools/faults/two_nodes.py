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

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Node,
    Verdict,
    check_applied,
    cluster,
    prepare,
    print,
    send,
    versions,
    wait_processed,
    wait_started,
)

DATABASE = "faults_two_nodes"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "crm-faults"))
    args = parser.parse_args(argv)
    work = Path(args.work)
    pg, backend_id, path = prepare(work, DATABASE)
    verdict = Verdict()
    node_a = Node("a", work, pg, DATABASE).start()
    node_b = Node("b", work, pg, DATABASE, runner=True).start()
    try:
        print("1. interleaved deliveries to two nodes, each delivery twice")
        items = versions(args.records, args.versions, seed=1, prefix="nodes")
        started = time.perf_counter()
        statuses = send([node_a, node_b], path, items, batch=10, concurrency=4)
        statuses_again = send([node_b, node_a], path, items, batch=10, concurrency=4)
        print(f"  answers: {statuses} then {statuses_again}")
        verdict.check("processed", wait_processed(pg, DATABASE, backend_id))
        seconds = time.perf_counter() - started
        print(f"  {len(items)} items, each delivered twice, stored and applied in {seconds:.1f} s")
        check_applied(verdict, pg, DATABASE, backend_id, items, prefix="nodes")

        print("2. the runner moves: node B killed mid-run, node A restarted with the runner")
        moved = versions(args.records, args.versions, seed=2, prefix="moved")
        half = len(moved) // 2
        send([node_a, node_b], path, moved[:half], batch=10, concurrency=4)
        applied, waiting = wait_started(pg, DATABASE, backend_id, "moved")
        print(f"  killed with {applied} events applied, {waiting} waiting")
        node_b.kill()
        node_a.stop()
        node_a = Node("a2", work, pg, DATABASE, runner=True).start()
        send([node_a], path, moved[half:], batch=10, concurrency=4)
        send([node_a], path, moved, batch=25, concurrency=2)  # every delivery again
        # a job that died with node B is requeued by the new runner after a while
        verdict.check("processed", wait_processed(pg, DATABASE, backend_id, timeout=900))
        check_applied(verdict, pg, DATABASE, backend_id, moved, prefix="moved")
    finally:
        node_a.stop()
        node_b.stop()
        cluster.stop_cluster(work / "pg")
    print("verdict: " + ("PASS" if verdict.ok else "FAIL"))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
