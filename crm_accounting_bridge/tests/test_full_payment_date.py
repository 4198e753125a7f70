# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestFullPaymentDate(CrmAccountingBridgeCommon):
    """The stored date payment habits are measured on follows reconciliation."""

    def test_set_when_fully_paid_cleared_when_unpaid(self):
        invoice = self._create_invoice(self.customer, 1000, -40, -10)
        self.assertFalse(invoice.full_payment_date)
        self._register_payment(invoice, 400, -8)
        self.assertFalse(invoice.full_payment_date)
        payment = self._register_payment(invoice, 600, -3)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.full_payment_date, self._day(-3))
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertFalse(invoice.full_payment_date)

    def test_credit_notes_and_vendor_bills_have_none(self):
        refund = self._create_invoice(self.customer, 100, -5, 0, move_type="out_refund")
        self._register_payment(refund, 100, -1)
        self.assertFalse(refund.full_payment_date)

    def test_fill_on_install_matches_the_compute(self):
        """The SQL that fills the column on install gives the computed dates."""
        paid = self._create_invoice(self.customer, 300, -30, -20)
        self._register_payment(paid, 100, -25)
        self._register_payment(paid, 200, -12)
        partial = self._create_invoice(self.customer, 300, -30, -20)
        self._register_payment(partial, 100, -5)
        moves = paid | partial
        self.env.flush_all()
        expected = {move.id: move.full_payment_date for move in moves}
        self.assertEqual(expected[paid.id], self._day(-12))
        self.env.cr.execute(
            "UPDATE account_move SET full_payment_date = NULL WHERE id IN %s", [tuple(moves.ids)]
        )
        self.env["account.move"]._fill_full_payment_date()
        self.env.invalidate_all()
        self.assertEqual({move.id: move.full_payment_date for move in moves}, expected)
