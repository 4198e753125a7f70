# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What happened to each event, and how it is written on the event.

``Outcome`` is what processing decided for one event; ``classify`` tells an
error that a later try may fix from one that fails the event; ``OutcomeWriter``
gathers the outcomes, failures and retries of a batch and writes them in
one statement.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..exceptions import ExternalCrmError, ExternalCrmTransientError

# errors of one event that retrying will not fix
PERMANENT_ERRORS = (ExternalCrmError, UserError, ValidationError, AccessError, ValueError)
# database errors that mean "someone else wrote this at the same time"
CONCURRENCY_ERRORS = (psycopg2.errors.UniqueViolation, psycopg2.extensions.TransactionRollbackError)
# seconds before the next try of an event another job collided with
CONCURRENCY_RETRY = 5
# tries of an event before a temporary error fails it
MAX_ATTEMPTS = 8


@dataclass
class Outcome:
    """What happened to one event (or would happen, in dry-run mode)."""

    state: str = "done"
    lines: list = field(default_factory=list)
    record: object = None
    binding: object = None
    sync_delay: float = 0.0

    def note(self, text):
        self.lines.append(text)
        return self


@dataclass(frozen=True)
class Verdict:
    """What an error of one event means for it."""

    retry: bool  # a later try may succeed: the event waits in the inbox
    message: str
    retry_after: float = 0.0
    unexpected: bool = False  # a bug, not the event's own fault: its traceback is logged


def error_text(error):
    """The message of an error, as the event shows it."""
    if not getattr(error, "args", None):
        return repr(error)
    return str(error.args[0]) or error.__class__.__name__


def classify(error):
    """The one reading of an error raised while processing an event."""
    if isinstance(error, ExternalCrmTransientError):
        return Verdict(True, str(error), error.retry_after or 0.0)
    if isinstance(error, CONCURRENCY_ERRORS):
        # another job created or changed the same record at the same time:
        # the next try sees its work
        return Verdict(True, str(error).strip(), CONCURRENCY_RETRY)
    return Verdict(False, error_text(error), unexpected=not isinstance(error, PERMANENT_ERRORS))


# columns of an outcome: (SQL type, how a row's value is written)
COLUMNS = {
    "id": ("int4", None),
    "state": ("varchar", "COALESCE(row.state, event.state)"),
    "summary": ("text", "COALESCE(row.summary, event.summary)"),
    "last_error": ("text", "row.last_error"),
    "next_attempt_at": ("timestamp", "row.next_attempt_at"),
    "processed_at": ("timestamp", "COALESCE(row.processed_at, event.processed_at)"),
    "processing_time": ("float8", "COALESCE(row.processing_time, event.processing_time)"),
    "dry_run": ("bool", "COALESCE(row.dry_run, event.dry_run)"),
    "partner_id": ("int4", "COALESCE(row.partner_id, event.partner_id)"),
    "lead_id": ("int4", "COALESCE(row.lead_id, event.lead_id)"),
    "binding_id": ("int4", "COALESCE(row.binding_id, event.binding_id)"),
    "sync_delay": ("float8", "COALESCE(row.sync_delay, event.sync_delay)"),
}


class OutcomeWriter:
    """The outcomes of a batch's events, written together.

    Each event gets one row: done (or ignored, conflict...) with its
    summary and records, failed with its error, or waiting for a retry.
    ``flush`` writes them all in one UPDATE: the ORM would send one per
    event (each has its own summary and timings), and this is the inbox's
    hot path. The events are those the inbox job took for its backend, or
    the event of a conflict a person resolves: who may process them was
    decided there.
    """

    def __init__(self, env, dry_run):
        self.env = env
        self.dry_run = dry_run
        self.rows = {}
        self.next_attempts = []

    def done(self, event, outcome, started, share=1):
        """The outcome of ``event``; ``share``: events that shared the time since ``started``."""
        record = outcome.record
        self.rows[event.id] = {
            "state": outcome.state,
            "summary": "\n".join(outcome.lines),
            "processed_at": fields.Datetime.now(),
            "processing_time": (time.perf_counter() - started) * 1000.0 / max(share, 1),
            "dry_run": self.dry_run,
            "partner_id": record.id if record and record._name == "res.partner" else None,
            "lead_id": record.id if record and record._name == "crm.lead" else None,
            "binding_id": outcome.binding.id if outcome.binding else None,
            "sync_delay": outcome.sync_delay,
        }

    def failed(self, event, message, started=None):
        """``event`` failed with ``message``; no retry."""
        self.rows[event.id] = {
            "state": "failed",
            "last_error": message,
            "processed_at": fields.Datetime.now(),
            "processing_time": (
                (time.perf_counter() - started) * 1000.0 if started is not None else None
            ),
        }

    def error(self, event, error, started):
        """``event`` met ``error``: it waits for a retry, or fails; return the verdict."""
        verdict = classify(error)
        if verdict.retry:
            self.retry(event, verdict.message, verdict.retry_after)
        else:
            self.failed(event, verdict.message, started)
        return verdict

    def retry(self, event, message, retry_after=None):
        """``event`` waits in the inbox for a later try (at most ``MAX_ATTEMPTS``)."""
        attempts = event.attempts + 1
        if attempts > MAX_ATTEMPTS:
            self.rows[event.id] = {
                "state": "failed",
                "last_error": self.env._(
                    "Still failing after %(count)s tries: %(error)s",
                    count=attempts,
                    error=message,
                ),
            }
            return
        wait = max(event._retry_delay(attempts).total_seconds(), float(retry_after or 0))
        next_attempt = fields.Datetime.now() + timedelta(seconds=wait)
        self.rows[event.id] = {"last_error": message, "next_attempt_at": next_attempt}
        self.next_attempts.append(next_attempt)

    def flush(self):
        """Write the outcomes gathered so far, in one statement."""
        if not self.rows:
            return
        rows, self.rows = self.rows, {}
        ids = list(rows)
        events = self.env["external.crm.event"].browse(ids)
        events.flush_recordset()
        # one array per column (unnest): one statement with a dozen parameters
        arrays = SQL(", ").join(
            SQL(
                "%s::%s[]",
                ids if name == "id" else [rows[i].get(name) for i in ids],
                SQL(sql_type),
            )
            for name, (sql_type, _value) in COLUMNS.items()
        )
        assignments = SQL(", ").join(
            SQL("%s = %s", SQL.identifier(name), SQL(value))
            for name, (_type, value) in COLUMNS.items()
            if value
        )
        self.env.execute_query(
            SQL(
                """UPDATE external_crm_event AS event
                      SET %(assignments)s, attempts = event.attempts + 1,
                          write_uid = %(uid)s, write_date = %(now)s
                     FROM unnest(%(arrays)s) AS row(%(names)s)
                    WHERE event.id = row.id""",
                assignments=assignments,
                uid=self.env.uid,
                now=self.env.cr.now(),
                arrays=arrays,
                names=SQL(", ").join(SQL.identifier(name) for name in COLUMNS),
            )
        )
        events.invalidate_recordset()
