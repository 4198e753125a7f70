#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""queue_job's runner killed alone, in an initial import and in a batch of events: all once.

One Odoo node with 2 HTTP workers and queue_job's runner (its own process,
child of Odoo's master, as in production with workers). Each time the
runner process is killed (SIGKILL), not the HTTP workers (a job running in
one of them goes on); Odoo's master starts a new runner, which finds the
jobs where the old one left them.

1. A HubSpot backend calling the fake HubSpot of the connector's tests (in
   this process), which holds ``--companies``, ``--contacts`` and
   ``--deals``. The initial import starts; the runner is killed once a
   few pages are stored. Verdict: the new runner started, the import
   completed, and one partner, one binding, one opportunity per record the
   fake holds, no event failed, each record stored once.
2. ``--events`` deliveries to the generic door (``--events / 5`` contacts,
   5 versions each, shuffled); the runner is killed while the inbox jobs
   apply them, once a third is applied (the rest still being posted).
   Verdict: the new runner started, every event stored and applied once,
   one partner and one binding per contact with its newest version, no
   event failed.

    python3 tools/faults/kill_runner.py [--companies 300] [--contacts 1000] [--deals 200]
        [--pages 3] [--events 2000] [--work DIR]

Exit status 1 when a check fails.
"""

import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import print, run_scenario, running_job, send, versions, wait_applied
from provider_outage import (
    act,
    check_import_after_kill,
    hubspot_backend,
    number,
    start_fake,
    wait_for,
)

DATABASE = "faults_kill_runner"
ARGUMENTS = (
    ("--companies", {"type": int, "default": 300}),
    ("--contacts", {"type": int, "default": 1000}),
    ("--deals", {"type": int, "default": 200}),
    ("--pages", {"type": int, "default": 3, "help": "pages stored when the runner is killed"}),
    ("--events", {"type": int, "default": 2000, "help": "events applied when it is killed"}),
)
# versions of each contact posted in the second part
VERSIONS = 5


def scenario(run):
    fake = start_fake(run.args)
    try:
        _scenario(run, fake)
    finally:
        fake.stop()


def current_runner(node):
    """The pid of the node's runner process now (None while there is none)."""
    children = set(node.worker_pids())
    alive = [pid for pid in node.runner_pids() if pid in children]
    return alive[-1] if alive else None


def _scenario(run, fake):
    args = run.args
    backend_id = hubspot_backend(run, fake)
    node = run.node("runner-kill", runner=True)
    run.verdict.check(
        "the runner runs in a process of its own", wait_for(lambda: current_runner(node), 60)
    )
    killed = current_runner(node)

    def pages():
        return number(
            run,
            "SELECT coalesce(sum(page_count), 0) FROM external_crm_sync_cursor "
            f"WHERE backend_id = {backend_id}",
        )

    print("1. the runner killed in the middle of an initial import")
    act(run, backend_id, "b.action_start_import()")
    wait_for(lambda: pages() >= args.pages, 120, step=0.05)
    stored = pages()
    os.kill(killed, signal.SIGKILL)
    begun = time.monotonic()
    total = sum(-(-count // 100) for count in (args.companies, args.contacts, args.deals))
    print(f"  runner {killed} killed with {stored} of {total} pages stored")
    run.verdict.check(
        "the runner was killed in the middle of the import", 0 < stored < total, f"{stored} pages"
    )
    restarted = wait_for(lambda: current_runner(node) not in (None, killed), 60)
    run.verdict.check(
        "Odoo's master started a new runner",
        restarted,
        f"runner {current_runner(node)} after {time.monotonic() - begun:.1f} s",
    )
    check_import_after_kill(run, backend_id, fake, begun, total)
    _events(run, node)


def _events(run, node):
    print("2. the runner killed in the middle of a batch of events")
    items = versions(max(run.args.events // VERSIONS, 1), VERSIONS, seed=8, prefix="runkill")
    statuses = {}
    # posted from a thread: the runner is killed once a third is applied,
    # while the rest is still being posted and applied
    sender = threading.Thread(
        target=lambda: statuses.update(send([node], run.path, items, batch=100, concurrency=2))
    )
    sender.start()
    applied, waiting = wait_applied(
        run.pg, run.database, run.backend_id, "runkill", len(items) // 3, timeout=300
    )
    job_pid, _uuid = running_job(run.pg, run.database, node, "_process_inbox", timeout=30)
    killed = current_runner(node)
    os.kill(killed, signal.SIGKILL)
    begun = time.monotonic()
    print(
        f"  runner {killed} killed with {applied} of {len(items)} events applied, {waiting} "
        f"waiting, the inbox job running in worker {job_pid}"
    )
    run.verdict.check(
        "the runner was killed in the middle of the batch",
        0 < applied < len(items),
        f"{applied} of {len(items)} applied",
    )
    restarted = wait_for(lambda: current_runner(node) not in (None, killed), 60)
    run.verdict.check(
        "Odoo's master started a new runner",
        restarted,
        f"runner {current_runner(node)} after {time.monotonic() - begun:.1f} s",
    )
    sender.join()
    print(f"  {len(items)} events posted; answers: {statuses}")
    run.processed()
    print(f"  every event applied {time.monotonic() - begun:.0f} s after the kill")
    run.check_applied(items, "runkill")


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
