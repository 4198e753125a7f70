# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..services.queue_jobs import PROVIDER_JOB_RETRIES
from .external_crm_field_map import OBJECT_KINDS, check_parent_access
from .external_crm_protected_mixin import connector_edit


class ExternalCrmCursorMixin(models.AbstractModel):
    """What the cursors of pulls (initial import, catch-up) share.

    A cursor reads one object kind of one backend page by page, one queue
    job per page on the backend's channel, and shows on the backend form
    where it stands and why it stopped.
    """

    _name = "external.crm.cursor.mixin"
    _inherit = "external.crm.protected.mixin"
    _description = "External CRM Pull Cursor (shared)"
    _order = "backend_id, id"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    object_kind = fields.Selection(OBJECT_KINDS, required=True)
    last_error = fields.Text(readonly=True)

    def write(self, vals):
        check_parent_access(self, vals, "backend_id")
        return super().write(vals)

    def _schedule_job(self, method_name, description):
        """Queue ``method_name`` of this cursor as the backend's integration user.

        One job at a time per cursor (identity key), on the backend's channel,
        so that the pages of a kind are read in order; it outlasts an outage
        of the provider of hours (``PROVIDER_JOB_RETRIES``).
        """
        self.ensure_one()
        backend = self.backend_id
        cursor = self.with_env(backend._as_integration_user().env)
        delayable = cursor.with_delay(
            channel=backend._channel_name(),
            identity_key=f"{self._table}:{self.id}",
            description=description,
            max_retries=PROVIDER_JOB_RETRIES,
        )
        getattr(delayable, method_name)()

    def _on_page_failed(self, **values):
        """Called by queue_job when a page job gives up: show it on the backend."""
        connector_edit(self).write(
            {
                "state": "failed",
                "last_error": values.get("exc_message") or values.get("exc_name") or "",
            }
        )
