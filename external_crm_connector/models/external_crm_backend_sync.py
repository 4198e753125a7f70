# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading the external CRM by pages: the initial import and the catch-up pull."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..adapters.provider import IMPORT, PULL, get_provider
from .external_crm_protected_mixin import connector_edit

# the order in which kinds are read: companies before their contacts and deals
KIND_ORDER = ("company", "contact", "deal")


class ExternalCrmBackendSync(models.AbstractModel):
    _name = "external.crm.backend.sync"
    _description = "External CRM Backend: Import and Pull"

    import_progress = fields.Float(compute="_compute_import_progress")
    import_state = fields.Selection(
        [("none", "Not started"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        compute="_compute_import_progress",
    )
    pull_enabled = fields.Boolean(
        string="Catch-up Pull",
        help="Read the records changed in the external CRM on a schedule, so that "
        "a change whose webhook was lost is recovered.",
    )
    pull_interval = fields.Integer(
        string="Pull Every (minutes)",
        default=60,
        help="Minutes between two catch-up pulls.",
    )

    @api.depends("cursor_ids.state", "cursor_ids.done_count", "cursor_ids.total_count")
    def _compute_import_progress(self):
        for backend in self:
            cursors = backend.cursor_ids
            total = sum(cursors.mapped("total_count"))
            done = sum(cursors.mapped("done_count"))
            backend.import_progress = min(100.0, 100.0 * done / total) if total else 0.0
            states = set(cursors.mapped("state"))
            if not cursors:
                backend.import_state = "none"
            elif "failed" in states:
                backend.import_state = "failed"
            elif states == {"done"}:
                backend.import_state = "done"
            else:
                backend.import_state = "running"

    def action_start_import(self):
        """Read every record of the external CRM into the inbox, page by page.

        Restarting an import that stopped resumes at the last stored page.
        """
        self.ensure_one()
        self._check_active()
        provider = get_provider(self)
        if not (provider and provider.can(IMPORT)):
            raise UserError(
                self.env._("The %(name)s backend cannot import by itself.", name=self.name)
            )
        # the connector moves its cursors (protected from hand edits)
        cursors = connector_edit(self.env["external.crm.sync.cursor"])
        for kind in KIND_ORDER:
            cursor = self.cursor_ids.filtered(lambda c, kind=kind: c.object_kind == kind)
            if not cursor:
                cursor = cursors.create({"backend_id": self.id, "object_kind": kind})
            cursors |= cursor
        if all(cursor.state == "done" for cursor in cursors):
            # a finished import: start a new one from the first page
            cursors.write(
                {
                    "state": "waiting",
                    "after": False,
                    "done_count": 0,
                    "page_count": 0,
                    "total_count": 0,
                }
            )
        else:
            # an import that stopped: resume each kind at its stored cursor
            cursors.filtered(lambda c: c.state == "failed").write({"state": "waiting"})
        cursors.write({"last_error": False})
        first = cursors.filtered(lambda c: c.state != "done")[:1]
        first._schedule_page()
        return True

    def _can_pull(self):
        """True when the provider can list the records changed since a date."""
        provider = get_provider(self)
        return bool(provider) and provider.can(PULL)

    def action_pull_changes(self):
        """Read the records changed since the last pull now, in the background."""
        self._check_active()
        for backend in self:
            if not backend._can_pull():
                raise UserError(
                    self.env._(
                        "The %(name)s backend cannot read changed records by itself.",
                        name=backend.name,
                    )
                )
            backend._pull_cursors()._start()
        return True

    def _pull_cursors(self):
        """The catch-up cursor of each object kind, created when missing."""
        self.ensure_one()
        # the connector moves its cursors (protected from hand edits)
        cursors = connector_edit(self.env["external.crm.pull.cursor"])
        for kind in KIND_ORDER:
            cursor = self.pull_cursor_ids.filtered(lambda c, kind=kind: c.object_kind == kind)
            cursors |= cursor or cursors.create({"backend_id": self.id, "object_kind": kind})
        return cursors

    @api.model
    def _cron_pull_changes(self):
        """Scheduled: start the catch-up pull of every backend that is due.

        A backend is due when the last complete pull of one of its kinds is
        older than its interval. A failed pull is resumed at its stored page.
        """
        now = fields.Datetime.now()
        for backend in self.search([("pull_enabled", "=", True)]):
            if not backend._can_pull():
                continue
            cursors = backend._pull_cursors()
            due = cursors.filtered(
                lambda c, backend=backend: c.state == "failed"
                or (
                    c.state == "idle"
                    and (
                        not c.last_pull_date
                        or c.last_pull_date + timedelta(minutes=backend.pull_interval) <= now
                    )
                )
            )
            due._start()
