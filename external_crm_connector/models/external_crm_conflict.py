# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..services.processor import EventProcessor
from .external_crm_field_map import OBJECT_KINDS


class ExternalCrmConflict(models.Model):
    """A decision the connector leaves to a person.

    Field conflicts: both sides changed a field since the last sync and the
    master policy cannot tell which change is the latest. Identity conflicts:
    an external record matches several Odoo customers (or one already linked
    to another external record), and nothing is merged silently.
    """

    _name = "external.crm.conflict"
    _description = "External CRM Conflict"
    _order = "state desc, id desc"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    event_id = fields.Many2one("external.crm.event", ondelete="cascade", readonly=True, index=True)
    binding_id = fields.Many2one("external.crm.binding", ondelete="cascade", readonly=True)
    conflict_type = fields.Selection(
        [("field", "Field"), ("identity", "Identity")], required=True, readonly=True
    )
    object_kind = fields.Selection(OBJECT_KINDS, readonly=True)
    external_id = fields.Char(string="External ID", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    field_name = fields.Char(string="Technical Field", readonly=True)
    field_label = fields.Char(string="Field", readonly=True)
    odoo_value = fields.Text(readonly=True)
    incoming_value = fields.Text(readonly=True)
    last_applied_value = fields.Text(string="Value Last Applied", readonly=True)
    incoming_raw = fields.Json(readonly=True)
    candidate_ids = fields.Many2many(
        "res.partner", string="Candidates", readonly=True, help="Customers the record matches."
    )
    match_rule = fields.Char(readonly=True)
    link_partner_id = fields.Many2one(
        "res.partner",
        string="Link To",
        check_company=True,
        help="The existing customer to link the external record to.",
    )
    state = fields.Selection(
        [("open", "To review"), ("resolved", "Resolved")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    resolution = fields.Selection(
        [
            ("incoming", "Took the incoming value"),
            ("odoo", "Kept the Odoo value"),
            ("linked", "Linked to an existing customer"),
        ],
        readonly=True,
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)

    def _check_open(self):
        if self.filtered(lambda c: c.state != "open"):
            raise UserError(self.env._("This conflict is already resolved."))
        self.check_access("write")

    def _resolve(self, resolution):
        # sudo: the outcome fields are set by the resolution, not edited by hand
        self.sudo().write(
            {
                "state": "resolved",
                "resolution": resolution,
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )

    def action_take_incoming(self):
        """Apply the incoming value (field) or create a new customer (identity)."""
        self._check_open()
        for conflict in self:
            if conflict.conflict_type == "field":
                conflict._apply_incoming_value()
            else:
                conflict._reprocess(force_create=True)
        self._resolve("incoming")
        return True

    def action_keep_odoo(self):
        """Keep Odoo as it is; the incoming value counts as seen."""
        self._check_open()
        for conflict in self.filtered(lambda c: c.conflict_type == "field"):
            binding = conflict.binding_id
            values = dict(binding.last_values or {})
            values[conflict.field_name] = conflict.incoming_raw
            # sudo: the integration state of the binding is technical
            binding.sudo().last_values = values
        identity = self.filtered(lambda c: c.conflict_type == "identity")
        if identity.event_id:
            identity.event_id.sudo().write(
                {"state": "ignored", "summary": self.env._("Kept apart by a person.")}
            )
        self._resolve("odoo")
        return True

    def action_link(self):
        """Link the external record to the chosen customer, then apply it."""
        self._check_open()
        for conflict in self:
            if conflict.conflict_type != "identity":
                raise UserError(self.env._("Only identity conflicts link to a customer."))
            if not conflict.link_partner_id:
                raise UserError(self.env._("Choose the customer to link to first."))
            conflict._reprocess(link_partner=conflict.link_partner_id)
        self._resolve("linked")
        return True

    def _apply_incoming_value(self):
        self.ensure_one()
        processor = self._processor()
        # written by the integration user, like every change from the external CRM
        record = (self.lead_id or self.partner_id).with_env(processor.env)
        field_name = self.field_name
        record.write({field_name: processor.write_value(record, field_name, self.incoming_raw)})
        binding = self.binding_id
        values = dict(binding.last_values or {})
        values[field_name] = self.incoming_raw
        # sudo: the integration state of the binding is technical
        binding.sudo().write({"last_values": values, "sync_date": self.env.cr.now()})

    def _reprocess(self, force_create=False, link_partner=None):
        self.ensure_one()
        processor = self._processor()
        processor.resolve_identity(
            self.event_id.with_env(processor.env),
            force_create,
            link_partner.with_env(processor.env) if link_partner else None,
        )

    def _processor(self):
        """The processing engine, as the backend's integration user."""
        backend = self.backend_id._as_integration_user()
        return EventProcessor(backend, self.event_id.with_env(backend.env))
