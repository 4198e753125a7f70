# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..adapters.provider import get_provider
from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from ..services.queue_jobs import retry_later
from .external_crm_protected_mixin import connector_edit
from .external_crm_pull_cursor import pulled_item

# pages read by one queue job
PAGE_SIZE = 100


class ExternalCrmSyncCursor(models.Model):
    """Where the initial import of one object kind stands.

    The cursor moves forward in the same transaction that stores the page in
    the inbox: after a crash, the import resumes at the first page not stored.
    """

    _name = "external.crm.sync.cursor"
    _inherit = "external.crm.cursor.mixin"
    _description = "External CRM Import Cursor"

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

    _sql_constraints = [
        (
            "kind_uniq",
            "unique(backend_id, object_kind)",
            "One import cursor per backend and object kind.",
        ),
    ]

    def _schedule_page(self):
        self._schedule_job(
            "_import_next_page",
            self.env._(
                "Import %(kind)s records of %(name)s",
                kind=self.object_kind,
                name=self.backend_id.name,
            ),
        )

    def _import_next_page(self):
        """Job: read one page, store it in the inbox, move the cursor, chain.

        A temporary error (429, 5xx) is retried by queue_job; a permanent one
        marks the cursor failed, and *Start import* resumes from the cursor.
        """
        self.ensure_one()
        # the job moves its own cursor (protected from everyone else)
        cursor = connector_edit(self)
        if cursor.state == "done":
            return "already imported"
        backend = cursor.backend_id
        provider = get_provider(backend)
        try:
            if not cursor.total_count and not cursor.page_count:
                cursor.total_count = provider.import_total(cursor.object_kind)
            records, next_after = provider.import_page(
                cursor.object_kind, cursor.after or None, limit=PAGE_SIZE
            )
        except ExternalCrmTransientError as error:
            raise retry_later(error) from error
        except ExternalCrmError as error:
            cursor.write({"state": "failed", "last_error": str(error)})
            return str(error)
        items = [pulled_item(provider, record) for record in records]
        backend.env["external.crm.event"]._store_items(backend, items)
        cursor.write(
            {
                "after": next_after or False,
                "done_count": cursor.done_count + len(records),
                "page_count": cursor.page_count + 1,
                "state": "running" if next_after else "done",
                "last_error": False,
            }
        )
        if items:
            backend._schedule_inbox_processing()
        if next_after:
            cursor._schedule_page()
        else:
            following = backend.cursor_ids.filtered(lambda c: c.state == "waiting")[:1]
            if following:
                following._schedule_page()
        return f"{len(records)} {cursor.object_kind} records stored"
