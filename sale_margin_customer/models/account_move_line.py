# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    posted_unit_cost = fields.Float(
        string="Cost at Posting",
        digits="Product Price",
        readonly=True,
        groups="base.group_user",
        help="Cost of one unit of the product (in its own unit of measure and in "
        "company currency) when the invoice was posted. The margin of invoice "
        "lines that come from no sale order uses it; lines posted before the "
        "margin addon was installed use the product's current cost.",
    )

    def _sale_margin_record_posted_cost(self):
        """Record the product cost of customer invoice lines without an order.

        The margin of such a line needs the cost of the product when it was
        invoiced, and Odoo keeps no history of ``standard_price``. A credit
        note made by reversing an invoice keeps the cost copied from the
        invoice line, so that it reverses exactly what the invoice counted.
        """
        for line in self:
            move = line.move_id
            if line.sale_line_ids or not line.product_id:
                continue
            if move.reversed_entry_id and line.posted_unit_cost:
                continue
            line.posted_unit_cost = line.product_id.with_company(line.company_id).standard_price
