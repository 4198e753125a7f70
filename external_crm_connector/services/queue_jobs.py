# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place that reads queue_job's table.

queue_job's API creates jobs but cannot tell cheaply whether one waits for
an identity key: the webhook asks it at every delivery, inside the statement
that stores the events. tests/test_queue_jobs.py checks these names against
queue_job's own model, so that a change of its schema fails a test, not a
delivery.
"""

from odoo.tools import SQL

# states of queue jobs that will still run
WAITING_JOB_STATES = ("wait_dependencies", "pending", "enqueued")


def job_waiting(identity_key):
    """SQL: true when a job of ``identity_key`` will still run.

    It reads queue_job's partial index on ``identity_key``: one indexed
    lookup, cheap enough for the webhook's hot path.
    """
    return SQL(
        "EXISTS(SELECT 1 FROM queue_job WHERE identity_key = %s AND state IN %s)",
        identity_key,
        WAITING_JOB_STATES,
    )
