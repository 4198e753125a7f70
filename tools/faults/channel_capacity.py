#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A backend's Parallel Jobs: one inbox job at a time by default, two at once when set to 2.

One Odoo node with 2 HTTP workers and queue_job's runner, which reads the
channels from the database (no server-wide ``channels``; at most 2 jobs in
all). The generic backend processes 20 events per job. Shuffled versions of
contacts are posted; then an administrator sets the backend's *Parallel
Jobs* to 2 (queue_job's runner reloads its channels) and other versions are
posted. Verdict, from queue_job's table and the events: at most one inbox
job of the backend ran at any moment at first, two at once after; each
time every item stored once, each contact holding its newest version, and
the events of each contact applied in the order they arrived.

    python3 tools/faults/channel_capacity.py [--records 60] [--versions 5] [--work DIR]

Exit status 1 when a check fails.
"""

import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CONTACT_ARGUMENTS, cluster, odoo_shell, print, run_scenario, send, versions

DATABASE = "faults_channel_capacity"


def sql(run, query):
    return cluster.psql(run.pg, run.database, query)


def set_backend(run, code):
    odoo_shell(
        run.pg,
        run.database,
        f"b = env['external.crm.backend'].browse({run.backend_id})\n{code}\nenv.cr.commit()\n",
    )


def most_at_once(run, since):
    """The most inbox jobs of the backend that ran at the same moment since ``since``."""
    rows = sql(
        run,
        "SELECT extract(epoch FROM date_started), extract(epoch FROM date_done) FROM queue_job "
        f"WHERE method_name = '_process_inbox' AND date_started >= '{since}' "
        "AND date_done IS NOT NULL AND channel LIKE 'root.external_crm.backend_%'",
    )
    moments = []
    for line in rows.splitlines():
        started, done = (float(value) for value in line.split("|"))
        moments += [(started, 1), (done, -1)]
    running = peak = 0
    for _moment, step in sorted(moments, key=lambda m: (m[0], m[1])):
        running += step
        peak = max(peak, running)
    return peak, len(moments) // 2


def in_order(run, prefix):
    """Contacts whose events were not applied in the order they arrived."""
    rows = sql(
        run,
        "SELECT external_id, id, extract(epoch FROM write_date) FROM external_crm_event "
        f"WHERE backend_id = {run.backend_id} AND external_event_id LIKE '{prefix}-%' "
        "ORDER BY external_id, id",
    )
    last, wrong = {}, set()
    for line in rows.splitlines():
        external_id, _id, processed = line.split("|")
        if external_id in last and float(processed) < last[external_id]:
            wrong.add(external_id)
        last[external_id] = float(processed)
    return wrong


def round_of(run, node, prefix, seed, capacity):
    since = datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S")
    items = versions(run.args.records, run.args.versions, seed=seed, prefix=prefix)
    statuses = send([node], run.path, items, batch=20, concurrency=3)
    print(f"  {len(items)} items posted; answers: {statuses}")
    run.processed(f"{prefix}: processed")
    run.check_applied(items, prefix)
    wrong = in_order(run, prefix)
    run.verdict.check(
        f"{prefix}: the events of each contact applied in arrival order",
        not wrong,
        f"{len(wrong)} contacts not" if wrong else "",
    )
    peak, jobs = most_at_once(run, since)
    run.verdict.check(
        f"{prefix}: at most {capacity} inbox job(s) of the backend at once, {capacity} reached",
        peak == capacity,
        f"{jobs} inbox jobs, at most {peak} at once",
    )


def scenario(run):
    set_backend(run, "b.batch_size = 20")
    node = run.node("capacity", runner=True, channels=None)
    print("1. Parallel Jobs 1 (the default)")
    round_of(run, node, "capacity1", seed=11, capacity=1)
    print("2. Parallel Jobs 2, set by an administrator")
    set_backend(run, "b.job_capacity = 2")
    time.sleep(2)  # the runner reloads its channels when queue_job notifies it
    round_of(run, node, "capacity2", seed=12, capacity=2)


def main(argv=None):
    return run_scenario(__doc__, DATABASE, scenario, CONTACT_ARGUMENTS, argv)


if __name__ == "__main__":
    sys.exit(main())
