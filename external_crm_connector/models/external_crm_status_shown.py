# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What was last written to the external CRM, shown on the opportunity and the order.

A salesperson or an accountant who wonders what the deal in the external
CRM says reads it here, with the moment the CRM accepted it, without access
to the connector's bindings.
"""

from odoo import fields, models


def written_text(values):
    """One ``property: value`` line per property written, in the order written."""
    return "\n".join(f"{name}: {value}" for name, value in (values or {}).items())


class ExternalCrmStatusShown(models.AbstractModel):
    _name = "external.crm.status.shown"
    _description = "External CRM: Order Status Written, Shown"
    # the binding field pointing to records of the inheriting model
    _status_binding_field = None

    external_crm_status_written = fields.Text(
        string="Written to the External CRM",
        compute="_compute_external_crm_status_written",
        help="The order, invoice and payment figures last written to the deal.",
    )
    external_crm_status_written_at = fields.Datetime(
        string="Written On", compute="_compute_external_crm_status_written"
    )
    external_crm_status_backend = fields.Char(
        string="External CRM", compute="_compute_external_crm_status_written"
    )

    def _compute_external_crm_status_written(self):
        field_name = self._status_binding_field
        # sudo: bindings are the connector's; the person reading the opportunity
        # or the order sees only what was written for this very record
        bindings = (
            self.env["external.crm.binding"]
            .sudo()
            .search(
                [(field_name, "in", self.ids), ("status_written_at", "!=", False)],
                order="status_written_at desc, id desc",
            )
        )
        latest = {}
        for binding in bindings:
            latest.setdefault(binding[field_name].id, binding)
        for record in self:
            binding = latest.get(record.id)
            record.external_crm_status_written = binding and written_text(binding.status_values)
            record.external_crm_status_written_at = binding and binding.status_written_at
            record.external_crm_status_backend = binding and binding.backend_id.name


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "external.crm.status.shown"]
    _status_binding_field = "lead_id"


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "external.crm.status.shown"]
    _status_binding_field = "order_id"
