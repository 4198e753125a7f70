#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP workers killed while deliveries are posted, and while jobs run: every item once.

One Odoo node with 2 HTTP workers and the job runner. Senders post shuffled
versions of contacts in batches; meanwhile an HTTP worker is killed
(SIGKILL) several times a second: a request in flight gets no answer,
its sender tries again, Odoo's master starts a new worker. Then
``--events`` events are posted, and the HTTP worker running an inbox job
is killed (that worker alone, not the runner) once a third is applied,
the rest still being posted: queue_job's runner finds the job dead (its
lock is gone) and runs it again. Verdict, each time: every item stored
once, one partner and one binding per contact, each with its newest
version, no event failed.

Last, the initial import of a HubSpot backend calling the fake HubSpot of
the connector's tests (in this process), which holds ``--companies``,
``--contacts`` and ``--deals``: the fake holds its answer to the page that
follows ``--pages`` pages, and the HTTP worker whose job reads that page
is killed (SIGKILL), that worker alone (not the runner). The runner finds
the page job dead and runs it again. Verdict: the import completed, one
partner, one binding, one opportunity per record the fake holds, each
record stored once, no event failed.

    python3 tools/faults/kill_worker.py [--records 60] [--versions 5] [--kills 6]
        [--events 2000] [--companies 300] [--contacts 1000] [--deals 200] [--pages 3]
        [--no-import] [--work DIR]

Exit status 1 when a check fails.
"""

import argparse
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
    running_job,
    send,
    versions,
    wait_applied,
)
from provider_outage import (
    act,
    check_import_after_kill,
    hubspot_backend,
    number,
    start_fake,
)

DATABASE = "faults_kill_worker"
ARGUMENTS = (
    *CONTACT_ARGUMENTS,
    ("--kills", {"type": int, "default": 6}),
    ("--events", {"type": int, "default": 2000, "help": "events of the killed job"}),
    ("--companies", {"type": int, "default": 300}),
    ("--contacts", {"type": int, "default": 1000}),
    ("--deals", {"type": int, "default": 200}),
    ("--pages", {"type": int, "default": 3, "help": "pages read before the killed one"}),
    # the runner finds a dead job when it wakes up, at least once a minute:
    # the import part lasts a minute or two
    ("--import", {"action": argparse.BooleanOptionalAction, "default": True}),
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
    statuses = {}
    # posted from a thread: the worker is killed once a third is applied,
    # while the rest is still being posted and applied
    sender = threading.Thread(
        target=lambda: statuses.update(send([node], run.path, items, batch=100, concurrency=2))
    )
    sender.start()
    applied, waiting = wait_applied(
        run.pg, run.database, run.backend_id, "jobkill", len(items) // 3, timeout=300
    )
    pid, _uuid = running_job(run.pg, run.database, node, "_process_inbox", timeout=30)
    killed = bool(pid) and _kill(pid)
    begun = time.monotonic()
    print(
        f"  worker {pid} running the inbox job killed with {applied} of {len(items)} events "
        f"applied, {waiting} waiting"
    )
    run.verdict.check(
        "the worker running the inbox job was killed, alone, in the middle of the batch",
        killed and pid not in node.runner_pids() and 0 < applied < len(items),
        f"worker {pid}",
    )
    sender.join()
    print(f"  {len(items)} events posted; answers: {statuses}")
    # the other jobs apply the events the killed one had locked; the runner
    # finds the job dead (its lock is gone) and runs it again
    run.processed()
    print(f"  every event applied {time.monotonic() - begun:.0f} s after the kill")
    run.check_applied(items, "jobkill")

    if not run.args.__dict__["import"]:
        return
    fake = start_fake(run.args)
    try:
        _import(run, node, fake)
    finally:
        fake.stop()


def _import(run, node, fake):
    print("3. the worker running a page job of an initial import killed")
    args = run.args
    backend_id = hubspot_backend(run, fake)
    total = sum(-(-count // 100) for count in (args.companies, args.contacts, args.deals))
    answered = []
    held, release = threading.Event(), threading.Event()

    def on_answer(path):
        # runs in the fake's thread before the page is sent: the job waits
        # for it in its worker while that worker is killed
        if path.rsplit("/", 1)[-1] not in ("companies", "contacts", "deals"):
            return
        answered.append(path)
        if len(answered) == args.pages + 1:
            held.set()
            release.wait(60)

    fake.on_answer = on_answer
    # the answer held is written to the killed worker's closed connection:
    # no traceback for it
    fake.server.handle_error = lambda request, client_address: None
    act(run, backend_id, "b.action_start_import()")
    run.verdict.check("the fake holds a page", held.wait(120), f"page {args.pages + 1}")
    pid, _uuid = running_job(run.pg, run.database, node, "_import_next_page", timeout=30)
    killed = bool(pid) and _kill(pid)
    begun = time.monotonic()
    fake.on_answer = None
    release.set()
    stored = number(
        run,
        "SELECT coalesce(sum(page_count), 0) FROM external_crm_sync_cursor "
        f"WHERE backend_id = {backend_id}",
    )
    print(f"  worker {pid} killed reading page {args.pages + 1}; {stored} of {total} pages stored")
    run.verdict.check(
        "the worker running the page job was killed, not the runner",
        killed and pid not in node.runner_pids() and 0 < stored < total,
        f"worker {pid}",
    )
    check_import_after_kill(run, backend_id, fake, begun, total)


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
