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

from odoo.addons.queue_job.exception import RetryableJobError

# states of queue jobs that will still run
WAITING_JOB_STATES = ("wait_dependencies", "pending", "enqueued")

# runs of a job that calls the provider (a page of the import or of the
# catch-up pull, a write-back) before queue_job gives up. With the retry
# pattern of data/queue_job_data.xml (10 s, 1 min, 5 min, then 30 min between
# runs) that is about six hours of outage; queue_job's default, 5 runs, gave
# up after a minute or two.
PROVIDER_JOB_RETRIES = 20


def retry_later(error):
    """The ``RetryableJobError`` of a job whose provider is unavailable.

    ``error`` is an ``ExternalCrmTransientError``. The job waits as long as
    the provider said (Retry-After); otherwise queue_job's retry pattern of
    the job function spaces the runs, growing from seconds to half an hour,
    so that an API that is down is not called every few seconds for hours.
    """
    return RetryableJobError(str(error), seconds=error.retry_after or None)


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
