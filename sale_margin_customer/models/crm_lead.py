# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    profitability_tier = fields.Selection(
        related="partner_id.commercial_partner_id.profitability_tier",
        string="Customer Tier",
        help="Profitability tier of the customer in the current company: A for the "
        "customers making the top 80 % of the margin over 12 months, B for the "
        "next 15 %, C for the others; empty for customers without invoices.",
    )
