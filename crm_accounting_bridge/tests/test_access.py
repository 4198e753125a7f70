# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestSalespersonAccess(CrmAccountingBridgeCommon):
    """A salesperson reads the money facts, never the documents behind them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, 1200, -60, -30)
        cls._register_payment(cls.invoice, 200, -10)

    def test_salesperson_reads_the_snapshot(self):
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        customer = self.customer.with_user(self.salesman)
        self.env.invalidate_all()
        self.assertAlmostEqual(customer.receivable_balance, 1000.0, places=2)
        self.assertAlmostEqual(customer.overdue_amount, 1000.0, places=2)
        self.assertEqual(customer.overdue_invoice_count, 1)
        self.assertEqual(customer.oldest_overdue_days, 30)
        self.assertEqual(customer.last_payment_date, self._day(-10))
        self.assertIn("1-30 Days", customer.aging_bar)

    def test_salesperson_cannot_open_the_invoices(self):
        """Sale lets salespeople read their own invoices only; this one is not."""
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.salesman).read(["amount_total"])
        action = self.customer.with_user(self.salesman).action_view_overdue_invoices()
        visible = self.env["account.move"].with_user(self.salesman).search(action["domain"])
        self.assertFalse(visible)

    def test_salesperson_cannot_read_credit_limit_itself(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).read(["credit_limit"])

    def test_salesperson_reads_customer_360(self):
        rows = (
            self.env["crm.customer.360"]
            .with_user(self.salesman)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(len(rows), 1)
        self.assertAlmostEqual(rows.overdue_amount, 1000.0, places=2)

    def test_accountant_opens_overdue_invoices_and_payments(self):
        action = self.customer.action_view_overdue_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), self.invoice)
        action = self.contact.action_view_customer_payments()
        self.assertEqual(len(self.env["account.payment"].search(action["domain"])), 1)
        self.assertEqual(self.contact.customer_payment_count, 1)
