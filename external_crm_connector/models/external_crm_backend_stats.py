# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a backend's form shows of its work: counts, the daily chart,
the quality of the bound customers, and the lists behind its smart buttons.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models


class ExternalCrmBackendStats(models.AbstractModel):
    _name = "external.crm.backend.stats"
    _description = "External CRM Backend: Figures"

    rejected_count = fields.Integer(
        compute="_compute_rejected_count",
        help="Deliveries refused in the last 30 days: missing or bad signature, too large, "
        "form-encoded or unreadable body.",
    )
    event_count = fields.Integer(compute="_compute_counts")
    failed_event_count = fields.Integer(
        compute="_compute_counts",
        help="Events that failed, and items of deliveries that could not be read (rejected).",
    )
    pending_event_count = fields.Integer(compute="_compute_counts")
    binding_count = fields.Integer(compute="_compute_counts")
    conflict_count = fields.Integer(compute="_compute_counts")
    stat_chart = fields.Html(compute="_compute_stat_chart", sanitize=False)
    share_vat = fields.Float(string="With VAT", compute="_compute_shares")
    share_email = fields.Float(string="With E-mail", compute="_compute_shares")
    share_phone = fields.Float(string="With Phone", compute="_compute_shares")
    share_address = fields.Float(string="With Address", compute="_compute_shares")

    def _compute_rejected_count(self):
        since = fields.Date.context_today(self) - timedelta(days=30)
        # sudo: rejections of unknown tokens carry no company; only the
        # counts of these backends are read
        totals = dict(
            self.env["external.crm.rejection"]
            .sudo()
            ._read_group(
                [("backend_id", "in", self.ids), ("day", ">=", since)],
                ["backend_id"],
                ["count:sum"],
            )
        )
        for backend in self:
            backend.rejected_count = totals.get(backend._origin, 0)

    def _compute_counts(self):
        events = self.env["external.crm.event"]
        by_state = {
            (backend.id, state): count
            for backend, state, count in events._read_group(
                [("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"]
            )
        }
        bindings = dict(
            self.env["external.crm.binding"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        conflicts = dict(
            self.env["external.crm.conflict"]._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "open")],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            key = backend._origin.id
            backend.event_count = sum(
                count for (backend_id, _state), count in by_state.items() if backend_id == key
            )
            backend.failed_event_count = by_state.get((key, "failed"), 0) + by_state.get(
                (key, "rejected"), 0
            )
            backend.pending_event_count = by_state.get((key, "received"), 0)
            backend.binding_count = bindings.get(backend._origin, 0)
            backend.conflict_count = conflicts.get(backend._origin, 0)

    def _compute_stat_chart(self):
        stats = self.env["external.crm.event.stat"]
        for backend in self:
            rows = stats._daily_rows(backend._origin, days=14)
            backend.stat_chart = self.env["ir.qweb"]._render(
                "external_crm_connector.stat_chart",
                {"rows": rows, "chart": stats._chart_geometry(rows)},
            ) or Markup("")

    def _compute_shares(self):
        shares = self.env["external.crm.event.stat"]._bound_customer_shares(self._origin)
        for backend in self:
            values = shares.get(backend._origin.id, {})
            backend.share_vat = values.get("vat", 0.0)
            backend.share_email = values.get("email", 0.0)
            backend.share_phone = values.get("phone", 0.0)
            backend.share_address = values.get("address", 0.0)

    def action_open_events(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_event_action")

    def action_open_failed_events(self):
        self.ensure_one()
        action = self._open_related("external_crm_connector.external_crm_event_action")
        action["context"] = {"search_default_failed": 1, "search_default_rejected": 1}
        return action

    def action_open_bindings(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_binding_action")

    def action_open_conflicts(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_conflict_action")

    def action_open_statistics(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_event_stat_action")

    def _open_related(self, xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"default_backend_id": self.id}
        return action
