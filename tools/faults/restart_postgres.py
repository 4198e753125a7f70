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

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Node,
    Verdict,
    check_applied,
    cluster,
    post,
    prepare,
    print,
    send,
    versions,
    wait_processed,
    wait_started,
)

DATABASE = "faults_restart_postgres"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--down", type=float, default=5.0, help="seconds PostgreSQL is down")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "crm-faults"))
    args = parser.parse_args(argv)
    work = Path(args.work)
    pg, backend_id, path = prepare(work, DATABASE)
    verdict = Verdict()
    node = Node("pg", work, pg, DATABASE, runner=True).start()
    try:
        items = versions(args.records, args.versions, seed=5, prefix="restart")
        half = len(items) // 2
        send([node], path, items[:half], batch=5, concurrency=3)
        applied, waiting = wait_started(pg, DATABASE, backend_id, "restart")
        print(f"  PostgreSQL stopped with {applied} events applied, {waiting} waiting")
        statuses = {}
        sender = threading.Thread(
            target=lambda: statuses.update(send([node], path, items[half:], batch=5, concurrency=3))
        )
        cluster.stop_cluster(pg)
        sender.start()
        time.sleep(args.down)
        cluster.start_cluster(pg)
        sender.join()
        print(f"  PostgreSQL down {args.down:.0f} s while posting; answers: {statuses}")
        verdict.check("processed", wait_processed(pg, DATABASE, backend_id, timeout=900))
        check_applied(verdict, pg, DATABASE, backend_id, items, prefix="restart")
        status, _answer = post(
            node.port,
            "/web/webclient/version_info",
            b'{"jsonrpc": "2.0", "method": "call", "params": {}}',
            {"Content-Type": "application/json"},
        )
        verdict.check("the node still answers", status == 200, f"HTTP {status}")
    finally:
        node.stop()
        cluster.stop_cluster(work / "pg")
    print("verdict: " + ("PASS" if verdict.ok else "FAIL"))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
