# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import fields, models

from ..adapters.provider import InboxItem, get_provider
from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from ..services.queue_jobs import retry_later
from .external_crm_protected_mixin import connector_edit

# records read by one queue job
PULL_PAGE_SIZE = 100


def pulled_item(provider, record):
    """The inbox item of a record read by a pull (initial import or catch-up).

    A deleted record is a deletion (its bound customer is archived), or a
    merge when the provider can tell (``Provider.pulled_action``).

    The key holds the record's modification time: the same version of a
    record, pulled twice, is stored once.
    """
    modified = record.modified_at.isoformat() if record.modified_at else ""
    action, external_id = provider.pulled_action(record)
    return InboxItem(
        idempotency_key=f"import:{record.kind}:{record.external_id}:{modified}",
        object_kind=record.kind,
        external_id=external_id,
        action=action,
        external_modified_at=record.modified_at,
        payload=json.dumps(provider.snapshot_payload(record)),
    )


class ExternalCrmPullCursor(models.Model):
    """Where the catch-up pull of one object kind stands.

    Webhooks get lost; a pull reads everything changed since ``since`` into
    the same inbox, so that a missed change is recovered by the usual
    processing. A run reads from ``run_since`` page by page; the page cursor
    (``after``) and the newest modification seen (``run_max``) move forward
    in the transaction that stores the page, so a crash resumes at the first
    page not stored. ``since`` moves to ``run_max`` only when the run ends.
    """

    _name = "external.crm.pull.cursor"
    _inherit = "external.crm.cursor.mixin"
    _description = "External CRM Catch-up Cursor"

    since = fields.Datetime(
        readonly=True,
        help="Changes made at or after this time are read by the next pull "
        "(the newest change stored by the last complete pull).",
    )
    run_since = fields.Datetime(string="Running Since", readonly=True)
    run_max = fields.Datetime(string="Newest Change Seen", readonly=True)
    after = fields.Char(help="Paging cursor of the next page of the running pull.", readonly=True)
    state = fields.Selection(
        [("idle", "Idle"), ("running", "Running"), ("failed", "Failed")],
        default="idle",
        required=True,
        readonly=True,
    )
    pulled_count = fields.Integer(string="Records Pulled", readonly=True)
    last_pull_date = fields.Datetime(string="Last Complete Pull", readonly=True)

    _sql_constraints = [
        (
            "kind_uniq",
            "unique(backend_id, object_kind)",
            "One catch-up cursor per backend and object kind.",
        ),
    ]

    def _start(self):
        """Start a run of each cursor that is not running (a failed one resumes)."""
        # the connector moves its cursors (protected from everyone else)
        for cursor in connector_edit(self):
            if cursor.state == "idle":
                cursor.write(
                    {
                        "run_since": cursor.since or cursor.backend_id.create_date,
                        "run_max": False,
                        "after": False,
                        "state": "running",
                        "last_error": False,
                    }
                )
            elif cursor.state == "failed":
                cursor.write({"state": "running", "last_error": False})
            else:
                continue
            cursor._schedule_page()

    def _schedule_page(self):
        self._schedule_job(
            "_pull_next_page",
            self.env._(
                "Read the changed %(kind)s records of %(name)s",
                kind=self.object_kind,
                name=self.backend_id.name,
            ),
        )

    def _pull_next_page(self):
        """Job: read one page of changed records, store it, move the cursor, chain.

        A temporary error (429, 5xx) is retried by queue_job; a permanent one
        marks the cursor failed until the next scheduled pull resumes it.
        """
        self.ensure_one()
        # the job moves its own cursor (protected from everyone else)
        cursor = connector_edit(self)
        if cursor.state != "running":
            return "not running"
        backend = cursor.backend_id
        provider = get_provider(backend)
        try:
            records, next_after = provider.changed_page(
                cursor.object_kind, cursor.run_since, cursor.after or None, limit=PULL_PAGE_SIZE
            )
        except ExternalCrmTransientError as error:
            raise retry_later(error) from error
        except ExternalCrmError as error:
            cursor.write({"state": "failed", "last_error": str(error)})
            return str(error)
        backend.env["external.crm.event"]._store_items(
            backend, [pulled_item(provider, record) for record in records]
        )
        seen = [record.modified_at for record in records if record.modified_at]
        run_max = max([cursor.run_max, *seen]) if cursor.run_max else max(seen, default=False)
        values = {"pulled_count": cursor.pulled_count + len(records), "run_max": run_max}
        if next_after:
            values["after"] = next_after
        else:
            # the run is complete: the next one starts at the newest change
            # stored (read again, and recognised as already stored)
            since = max(filter(None, [cursor.since, run_max]), default=cursor.run_since)
            values.update(
                after=False,
                state="idle",
                since=since,
                last_pull_date=fields.Datetime.now(),
                last_error=False,
            )
        cursor.write(values)
        if records:
            backend._schedule_inbox_processing()
        if next_after:
            cursor._schedule_page()
        return f"{len(records)} changed {cursor.object_kind} records stored"
