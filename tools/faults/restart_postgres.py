#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""PostgreSQL restarted while events are processed: Odoo and the runner recover alone.

One Odoo node with 2 HTTP workers and the job runner. Half of the
deliveries are posted and their processing starts; PostgreSQL is then
stopped for a few seconds while the other half is being posted (the
senders get errors and try again), and started again. Nobody restarts
Odoo. Verdict: every item stored once and applied once with its newest
version, no event failed, the node still answers.

    python3 tools/faults/restart_postgres.py [--records 60] [--versions 5] [--down 5] [--work DIR]

Exit status 1 when a check fails.
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    CONTACT_ARGUMENTS,
    cluster,
    post,
    print,
    run_scenario,
    send,
    versions,
    wait_started,
)

DATABASE = "faults_restart_postgres"
ARGUMENTS = (
    *CONTACT_ARGUMENTS,
    ("--down", {"type": float, "default": 5.0, "help": "seconds PostgreSQL is down"}),
)


def scenario(run):
    node = run.node("pg", runner=True)
    items = versions(run.args.records, run.args.versions, seed=5, prefix="restart")
    half = len(items) // 2
    send([node], run.path, items[:half], batch=5, concurrency=3)
    applied, waiting = wait_started(run.pg, run.database, run.backend_id, "restart")
    print(f"  PostgreSQL stopped with {applied} events applied, {waiting} waiting")
    statuses = {}
    sender = threading.Thread(
        target=lambda: statuses.update(send([node], run.path, items[half:], batch=5, concurrency=3))
    )
    cluster.stop_cluster(run.pg)
    sender.start()
    time.sleep(run.args.down)
    cluster.start_cluster(run.pg)
    sender.join()
    print(f"  PostgreSQL down {run.args.down:.0f} s while posting; answers: {statuses}")
    run.processed()
    run.check_applied(items, "restart")
    status, _answer = post(
        node.port,
        "/web/webclient/version_info",
        b'{"jsonrpc": "2.0", "method": "call", "params": {}}',
        {"Content-Type": "application/json"},
    )
    run.verdict.check("the node still answers", status == 200, f"HTTP {status}")


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
