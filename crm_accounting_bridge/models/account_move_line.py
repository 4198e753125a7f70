# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools.sql import create_index


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def init(self):
        """Index the money received, per partner and date.

        The snapshot's last payment date is the latest receivable credit of
        a payment or bank statement line: with this index it is found by
        walking a partner's credits backwards from the newest, instead of
        reading all of the partner's journal items.
        """
        res = super().init()
        create_index(
            self.env.cr,
            "account_move_line_crm_bridge_partner_credit_index",
            self._table,
            ["partner_id", "date"],
            where="parent_state = 'posted' AND balance < 0",
        )
        return res
