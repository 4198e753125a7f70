# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        """Record the product cost of the posted customer invoice lines that
        come from no sale order: their margin needs the cost of that day."""
        posted = super()._post(soft=soft)
        posted.filtered(
            lambda move: move.move_type in ("out_invoice", "out_refund")
        ).line_ids.filtered(
            lambda line: line.display_type == "product"
        )._sale_margin_record_posted_cost()
        return posted
