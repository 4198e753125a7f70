# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # indexed: Customer 360 finds a customer's won opportunities' orders by
    # it (the order-to-cash figures), on every customer form it opens
    opportunity_id = fields.Many2one(index="btree_not_null")
