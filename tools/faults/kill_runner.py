#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""queue_job's runner killed alone in the middle of an initial import: everything imported once.

One Odoo node with 2 HTTP workers and queue_job's runner (its own process,
child of Odoo's master, as in production with workers), a HubSpot backend
calling the fake HubSpot of the connector's tests (in this process), which
holds ``--companies``, ``--contacts`` and ``--deals``. The initial import
starts; once a few pages are stored, the runner process is killed (SIGKILL),
not the HTTP workers (a page job running in one of them goes on). Odoo's
master starts a new runner, which finds the jobs where the old one left
them. Verdict: the new runner started, the import completed, and one
partner, one binding, one opportunity per record the fake holds, no event
failed, each record stored once.

    python3 tools/faults/kill_runner.py [--companies 300] [--contacts 1000] [--deals 200]
        [--pages 3] [--work DIR]

Exit status 1 when a check fails.
"""

import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import print, run_scenario
from provider_outage import (
    act,
    check_cursors,
    check_imported,
    hubspot_backend,
    number,
    settled,
    start_fake,
    wait_for,
)

DATABASE = "faults_kill_runner"
ARGUMENTS = (
    ("--companies", {"type": int, "default": 300}),
    ("--contacts", {"type": int, "default": 1000}),
    ("--deals", {"type": int, "default": 200}),
    ("--pages", {"type": int, "default": 3, "help": "pages stored when the runner is killed"}),
)


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
    complete = wait_for(lambda: settled(run, backend_id), 900, step=1)
    print(f"  settled {time.monotonic() - begun:.0f} s after the kill")
    run.verdict.check("the import completed", complete)
    check_cursors(run, backend_id, "external_crm_sync_cursor", "done", "import")
    check_imported(run, backend_id, fake, "import")
    events = number(run, f"SELECT count(*) FROM external_crm_event WHERE backend_id = {backend_id}")
    held = sum(len(fake.objects[kind]) for kind in ("company", "contact", "deal"))
    run.verdict.check("each record stored once", events == held, f"{events} events, {held} held")
    reads = len(fake.calls("/crm/v3/objects/", "GET"))
    print(f"  {reads} pages read from the fake for {total} pages")


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
