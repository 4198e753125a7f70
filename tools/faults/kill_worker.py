#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP workers killed while deliveries are posted: every item stored once.

One Odoo node with 2 HTTP workers and the job runner. Senders post shuffled
versions of contacts in batches; meanwhile an HTTP worker is killed
(SIGKILL) several times a second: a request in flight gets no answer,
its sender tries again, Odoo's master starts a new worker. Verdict: every
item stored once, one partner and one binding per contact, each with its
newest version, no event failed.

    python3 tools/faults/kill_worker.py [--records 60] [--versions 5] [--kills 6] [--work DIR]

Exit status 1 when a check fails.
"""

import argparse
import os
import random
import signal
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
    prepare,
    print,
    send,
    versions,
    wait_processed,
)

DATABASE = "faults_kill_worker"


def killer(node, kills, stop):
    """Kill an HTTP worker of ``node`` every 0.3 s, ``kills`` times: the pids killed."""
    killed = []
    chooser = random.Random(3)
    while len(killed) < kills and not stop.is_set():
        time.sleep(0.3)
        workers = node.worker_pids()
        if workers:
            pid = chooser.choice(workers)
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
    return killed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "crm-faults"))
    args = parser.parse_args(argv)
    work = Path(args.work)
    pg, backend_id, path = prepare(work, DATABASE)
    verdict = Verdict()
    node = Node("kill", work, pg, DATABASE, runner=True).start()
    try:
        items = versions(args.records, args.versions, seed=4, prefix="killed")
        stop = threading.Event()
        killed = []
        thread = threading.Thread(
            target=lambda: killed.extend(killer(node, args.kills, stop)), daemon=True
        )
        thread.start()
        # small batches, sent slowly enough that the kills land on requests in flight
        statuses = send([node], path, items, batch=2, concurrency=3)
        stop.set()
        thread.join()
        print(f"  {len(killed)} HTTP workers killed while posting; answers: {statuses}")
        verdict.check("workers were killed", bool(killed))
        verdict.check("processed", wait_processed(pg, DATABASE, backend_id, timeout=900))
        check_applied(verdict, pg, DATABASE, backend_id, items, prefix="killed")
    finally:
        node.stop()
        cluster.stop_cluster(work / "pg")
    print("verdict: " + ("PASS" if verdict.ok else "FAIL"))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
