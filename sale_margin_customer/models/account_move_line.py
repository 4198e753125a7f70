# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL


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

        An empty cost (NULL) means "posted before the addon was installed"
        and reads the product's current cost: a cost of 0 is stored as 0.
        """
        lines = self.filtered(lambda line: line.product_id and not line.sale_line_ids)
        if not lines:
            return
        copied = lines._sale_margin_copied_cost_lines()
        for line in lines - copied:
            line.posted_unit_cost = line.product_id.with_company(line.company_id).standard_price
        lines.flush_recordset(["posted_unit_cost"])
        # the ORM does not write 0.0 over an empty value, which it reads as 0.0
        self.env.execute_query(
            SQL(
                """UPDATE account_move_line SET posted_unit_cost = 0
                    WHERE id = ANY(%s) AND posted_unit_cost IS NULL""",
                (lines - copied).ids,
            )
        )

    def _sale_margin_copied_cost_lines(self):
        """Lines of credit notes reversing an invoice that carry the cost
        copied from the invoice: the line has a cost, and every line of the
        reversed invoice recorded one (none was posted before the addon was
        installed, which would read the current cost instead)."""
        reversals = self.filtered(lambda line: line.move_id.reversed_entry_id)
        if not reversals:
            return self.browse()
        reversals.flush_recordset(["posted_unit_cost", "move_id"])
        self.env["account.move"].flush_model(["reversed_entry_id"])
        # SQL: the ORM reads an empty cost as 0.0, and only the column tells them apart
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.id
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.id = ANY(%s)
                   AND line.posted_unit_cost IS NOT NULL
                   AND NOT EXISTS (
                        SELECT 1 FROM account_move_line origin
                         WHERE origin.move_id = move.reversed_entry_id
                           AND origin.display_type = 'product'
                           AND origin.product_id IS NOT NULL
                           AND origin.posted_unit_cost IS NULL
                           AND NOT EXISTS (
                                SELECT 1 FROM sale_order_line_invoice_rel link
                                 WHERE link.invoice_line_id = origin.id))
                """,
                reversals.ids,
            )
        )
        return self.browse(row[0] for row in rows)
