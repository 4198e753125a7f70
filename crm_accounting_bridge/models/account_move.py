# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

# Payment states of an invoice that nothing remains to be paid on.
PAID_STATES = ("paid", "in_payment")


class AccountMove(models.Model):
    _inherit = "account.move"

    full_payment_date = fields.Date(
        compute="_compute_full_payment_date",
        store=True,
        copy=False,
        help="Date of the last matching that settled this customer invoice; "
        "empty while anything remains to be paid. Payment habits of the "
        "partner snapshot are measured on it.",
    )

    def _auto_init(self):
        # On a database with invoices already paid, fill the new column with
        # one statement instead of recomputing every invoice through the ORM.
        if not column_exists(self.env.cr, self._table, "full_payment_date"):
            create_column(self.env.cr, self._table, "full_payment_date", "date")
            self._fill_full_payment_date()
        return super()._auto_init()

    def _fill_full_payment_date(self):
        """Set ``full_payment_date`` of every paid customer invoice in SQL,
        as ``_compute_full_payment_date`` would."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET full_payment_date = paid.paid_date
                  FROM (SELECT line.move_id, MAX(partial.max_date) AS paid_date
                          FROM account_move_line line
                          JOIN account_partial_reconcile partial
                            ON partial.debit_move_id = line.id
                         WHERE line.display_type = 'payment_term'
                      GROUP BY line.move_id) paid
                 WHERE paid.move_id = move.id
                   AND move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN %s
                """,
                PAID_STATES,
            )
        )

    def init(self):
        """Index the customer documents the partner snapshot aggregates.

        Revenue of the last twelve months and payment habits read posted
        customer invoices and credit notes by commercial entity and date;
        Odoo has no index on ``commercial_partner_id``. The other columns
        make the index covering, so that both need no table access.
        """
        res = super().init()
        create_index(
            self.env.cr,
            "account_move_crm_bridge_customer_index",
            self._table,
            [
                "commercial_partner_id",
                "invoice_date",
                "move_type",
                "payment_state",
                "invoice_date_due",
                "full_payment_date",
                "amount_untaxed_signed",
                "company_id",
            ],
            where="state = 'posted' AND move_type IN ('out_invoice', 'out_refund')",
        )
        return res

    @api.depends("move_type", "state", "payment_state", "line_ids.matched_credit_ids.max_date")
    def _compute_full_payment_date(self):
        paid = self.filtered(
            lambda move: move.move_type == "out_invoice"
            and move.state == "posted"
            and move.payment_state in PAID_STATES
        )
        (self - paid).full_payment_date = False
        for move in paid:
            terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            matched_dates = terms.matched_credit_ids.mapped("max_date")
            move.full_payment_date = max(matched_dates, default=False)
