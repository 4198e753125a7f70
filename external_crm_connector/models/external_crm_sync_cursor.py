# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import fields, models

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters.provider import InboxItem, get_provider
from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from .external_crm_field_map import OBJECT_KINDS

# pages read by one queue job
PAGE_SIZE = 100


class ExternalCrmSyncCursor(models.Model):
    """Where the initial import of one object kind stands.

    The cursor moves forward in the same transaction that stores the page in
    the inbox: after a crash, the import resumes at the first page not stored.
    """

    _name = "external.crm.sync.cursor"
    _description = "External CRM Import Cursor"
    _order = "backend_id, id"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    object_kind = fields.Selection(OBJECT_KINDS, required=True)
    after = fields.Char(help="Paging cursor of the next page to read.", readonly=True)
    done_count = fields.Integer(string="Imported", readonly=True)
    total_count = fields.Integer(string="Total", readonly=True)
    page_count = fields.Integer(string="Pages", readonly=True)
    state = fields.Selection(
        [("waiting", "Waiting"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="waiting",
        required=True,
        readonly=True,
    )
    last_error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "kind_uniq",
            "unique(backend_id, object_kind)",
            "One import cursor per backend and object kind.",
        ),
    ]

    def _schedule_page(self):
        self.ensure_one()
        backend = self.backend_id
        cursor = self.with_env(backend._as_integration_user().env)
        cursor.with_delay(
            channel=backend._channel_name(),
            identity_key=f"external_crm_import:{self.id}",
            description=self.env._(
                "Import %(kind)s records of %(name)s", kind=self.object_kind, name=backend.name
            ),
        )._import_next_page()

    def _import_next_page(self):
        """Job: read one page, store it in the inbox, move the cursor, chain.

        A temporary error (429, 5xx) is retried by queue_job; a permanent one
        marks the cursor failed, and *Start import* resumes from the cursor.
        """
        self.ensure_one()
        if self.state == "done":
            return "already imported"
        backend = self.backend_id
        provider = get_provider(backend)
        try:
            if not self.total_count and not self.page_count:
                self.total_count = provider.import_total(self.object_kind)
            records, next_after = provider.import_page(
                self.object_kind, self.after or None, limit=PAGE_SIZE
            )
        except ExternalCrmTransientError as error:
            raise RetryableJobError(str(error), seconds=error.retry_after) from error
        except ExternalCrmError as error:
            self.write({"state": "failed", "last_error": str(error)})
            return str(error)
        items = [
            InboxItem(
                idempotency_key=(
                    f"import:{record.kind}:{record.external_id}:"
                    f"{record.modified_at.isoformat() if record.modified_at else ''}"
                ),
                object_kind=record.kind,
                external_id=record.external_id,
                action="upsert",
                external_modified_at=record.modified_at,
                payload=json.dumps(provider.snapshot_payload(record)),
            )
            for record in records
        ]
        backend._store_items(items)
        self.write(
            {
                "after": next_after or False,
                "done_count": self.done_count + len(records),
                "page_count": self.page_count + 1,
                "state": "running" if next_after else "done",
                "last_error": False,
            }
        )
        if items:
            backend._schedule_inbox_processing()
        if next_after:
            self._schedule_page()
        else:
            following = backend.cursor_ids.filtered(lambda c: c.state == "waiting")[:1]
            if following:
                following._schedule_page()
        return f"{len(records)} {self.object_kind} records stored"

    def _on_import_page_failed(self, **values):
        """Called by queue_job when a page job gives up: show it on the backend."""
        self.write(
            {
                "state": "failed",
                "last_error": values.get("exc_message") or values.get("exc_name") or "",
            }
        )
