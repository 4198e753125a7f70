# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class CrmCustomer360(models.Model):
    """The customer's margin on its Customer 360 page: the figure of the last
    12 months and, in the revenue chart, the margin of each month."""

    _inherit = "crm.customer.360"

    margin_ltm = fields.Monetary(related="partner_id.margin_ltm")
    margin_percent_ltm = fields.Float(related="partner_id.margin_percent_ltm")
    margin_accounting_ready = fields.Boolean(related="partner_id.margin_accounting_ready")

    @api.model
    def _customer_360_monthly_figures(self, partner_ids, first_month):
        """Add the ``margin`` of each month, once accounting is ready (as the
        customer's margin): one more query for the batch."""
        figures = super()._customer_360_monthly_figures(partner_ids, first_month)
        if not partner_ids or not self.env.company._crm_accounting_ready():
            return figures
        margins = self.env["sale.margin.customer.report"]._margin_by_customer_month(
            partner_ids, first_month, fields.Date.context_today(self)
        )
        for partner_id in {*figures, *margins}:
            months = figures.setdefault(partner_id, {})
            for month, margin in margins.get(partner_id, {}).items():
                months.setdefault(month, {})["margin"] = margin
            # a month with revenue and no margin line shows a margin of 0
            for values in months.values():
                values.setdefault("margin", 0.0)
        return figures
