# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .external_crm_field_map import OBJECT_KINDS, check_parent_access


class ExternalCrmBinding(models.Model):
    _name = "external.crm.binding"
    _inherit = "external.crm.protected.mixin"
    _description = "External CRM Binding"
    _order = "backend_id, object_kind, external_id"
    _check_company_auto = True
    _rec_name = "external_id"
    # archived by hand, a binding applies nothing until it is restored
    _editable_fields = ("active",)

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    object_kind = fields.Selection(OBJECT_KINDS, required=True, readonly=True)
    external_id = fields.Char(string="External ID", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        ondelete="cascade",
        check_company=True,
        index="btree_not_null",
        readonly=True,
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        ondelete="cascade",
        check_company=True,
        index="btree_not_null",
        readonly=True,
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Sale Order",
        ondelete="set null",
        check_company=True,
        index="btree_not_null",
        readonly=True,
        help="The sale order of a won deal: one per deal.",
    )
    order_lines_key = fields.Char(
        readonly=True, help="Technical: the version of the deal's lines the order follows."
    )
    active = fields.Boolean(default=True)
    origin = fields.Selection(
        [
            ("created", "Created from the external CRM"),
            ("matched", "Matched an existing record"),
            ("linked", "Linked by a person"),
        ],
        required=True,
        default="created",
        readonly=True,
    )
    external_modified_at = fields.Datetime(
        string="External Change Time",
        readonly=True,
        help="Modification time of the external record last applied.",
    )
    sync_date = fields.Datetime(string="Last Sync", readonly=True)
    last_values = fields.Json(
        readonly=True, help="Values last applied from the external CRM, per Odoo field."
    )
    pending_reference = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="A related external record not known yet (kind:id), linked when it arrives.",
    )
    pending_field = fields.Char(readonly=True)
    financial_values = fields.Json(
        string="Financial Status Written",
        readonly=True,
        help="The figures last written to the external record (financial write-back).",
    )
    status_values = fields.Json(
        string="Order Status Written",
        readonly=True,
        help="The order, invoice and payment figures last written to the deal.",
    )
    status_written_at = fields.Datetime(
        string="Order Status Written On",
        readonly=True,
        help="When the external CRM accepted them.",
    )
    external_deleted = fields.Boolean(
        readonly=True, help="Deleted in the external CRM: the Odoo record was archived."
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_id, object_kind, external_id)",
            "An external record is bound to one Odoo record per backend.",
        ),
    ]

    @api.constrains("object_kind", "partner_id", "lead_id")
    def _check_target(self):
        for binding in self:
            expected = binding.lead_id if binding.object_kind == "deal" else binding.partner_id
            other = binding.partner_id if binding.object_kind == "deal" else binding.lead_id
            if not expected or other:
                raise ValidationError(
                    self.env._(
                        "A binding of a %(kind)s points to exactly one %(target)s.",
                        kind=binding.object_kind,
                        target="opportunity" if binding.object_kind == "deal" else "customer",
                    )
                )

    def write(self, vals):
        check_parent_access(self, vals, "backend_id")
        return super().write(vals)

    def _record(self):
        """The bound Odoo record (a customer or an opportunity)."""
        self.ensure_one()
        return self.lead_id if self.object_kind == "deal" else self.partner_id

    def action_erase_personal_data(self):
        """A manager's erasure request for the customer of this binding."""
        self.ensure_one()
        if not self.partner_id:
            raise UserError(self.env._("Only a customer or a contact has personal data to erase."))
        return self.partner_id.action_external_crm_erase()

    def action_open_record(self):
        self.ensure_one()
        record = self._record()
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }
