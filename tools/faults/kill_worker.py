#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP workers killed while deliveries are posted: every item stored once.

One Odoo node with 2 HTTP workers and the job runner. Senders post shuffled
versions of contacts in batches; meanwhile an HTTP worker is killed
(SIGKILL) several times a second: a request in flight gets no answer,
its sender tries again, Odoo's master starts a new worker. Then, once the
inbox job has applied its first batch of a few thousand events, the
workers are killed while it applies the next: queue_job's runner finds the
job dead (its lock is gone) and runs it again. Verdict, each time: every
item stored once, one partner and one binding per contact, each with its
newest version, no event failed.

    python3 tools/faults/kill_worker.py [--records 60] [--versions 5] [--kills 6]
        [--events 2000] [--work DIR]

Exit status 1 when a check fails.
"""

import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    CONTACT_ARGUMENTS,
    print,
    run_scenario,
    send,
    versions,
    wait_started,
)

DATABASE = "faults_kill_worker"
ARGUMENTS = (
    *CONTACT_ARGUMENTS,
    ("--kills", {"type": int, "default": 6}),
    ("--events", {"type": int, "default": 2000, "help": "events of the killed job"}),
)


def killer(node, kills, stop):
    """Kill an HTTP worker of ``node`` every 0.3 s, ``kills`` times: the pids killed."""
    killed = []
    chooser = random.Random(3)
    while len(killed) < kills and not stop.is_set():
        time.sleep(0.3)
        workers = node.worker_pids()
        pid = chooser.choice(workers) if workers else None
        if pid and _kill(pid):
            killed.append(pid)
    return killed


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def scenario(run):
    node = run.node("kill", runner=True)
    print("1. HTTP workers killed while deliveries are posted")
    items = versions(run.args.records, run.args.versions, seed=4, prefix="killed")
    stop = threading.Event()
    killed = []
    thread = threading.Thread(
        target=lambda: killed.extend(killer(node, run.args.kills, stop)), daemon=True
    )
    thread.start()
    # small batches, sent slowly enough that the kills land on requests in flight
    statuses = send([node], run.path, items, batch=2, concurrency=3)
    stop.set()
    thread.join()
    print(f"  {len(killed)} HTTP workers killed while posting; answers: {statuses}")
    run.verdict.check("workers were killed", bool(killed))
    run.processed()
    run.check_applied(items, "killed")

    print("2. the worker running the inbox job killed in the middle of a batch")
    items = versions(run.args.events, 1, seed=6, prefix="jobkill")
    send([node], run.path, items, batch=100, concurrency=2)
    applied, waiting = wait_started(run.pg, run.database, run.backend_id, "jobkill", timeout=120)
    killed = [pid for pid in node.worker_pids() if _kill(pid)]
    print(f"  {len(killed)} workers killed with {applied} events applied, {waiting} waiting")
    # the runner finds the job dead (its lock is gone) and runs it again
    run.processed()
    run.check_applied(items, "jobkill")


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
