# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestSalespersonAccess(CrmAccountingBridgeCommon):
    """A salesperson reads the money facts, never the documents behind them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, 1200, -60, -30)
        cls.payment = cls._register_payment(cls.invoice, 200, -10)

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

    def test_portal_user_does_not_read_our_figures(self):
        """A customer's portal user reads its own company's partner record:
        our judgement of it (credit available, hence its credit limit; late
        payment rate) and the other figures stay internal."""
        portal = new_test_user(self.env, login="bridge_portal", groups="base.group_portal")
        portal.partner_id.parent_id = self.customer
        customer = self.customer.with_user(portal)
        customer.read(["name"])
        names = (
            "receivable_balance",
            "overdue_invoice_count",
            "late_payment_rate",
            "last_payment_date",
            "credit_available",
            "credit_limit_applies",
            "aging_bar",
            "customer_payment_count",
        )
        for name in names:
            with self.subTest(field=name), self.assertRaises(AccessError):
                customer.read([name])
        self.assertFalse(customer.fields_get(list(names)))

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

    def test_overdue_button_lists_every_overdue_entry(self):
        """The button counts every entry owed past its due date, not only
        invoices (crm_credit_alert blocks on that count): the list it opens
        shows the same entries."""
        entry = self._create_receivable_entry(self.contact, 300, -40)
        self._create_receivable_entry(self.contact, 100, -40, due_offset=10)
        self._create_invoice(self.customer, 150, -50, -40, move_type="out_refund")
        self._create_unallocated_payment(self.customer, 50, -5)
        self.env.invalidate_all()
        self.assertEqual(self.customer.overdue_invoice_count, 2)
        action = self.contact.action_view_overdue_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), self.invoice | entry)
        self.assertFalse(action["context"]["create"])
        self.assertIn(self.customer.display_name, action["display_name"])

    def test_payment_button_lists_the_payments_it_counts(self):
        """Drafts, cancelled payments and other companies' payments are
        neither counted nor listed."""
        payment_model = self.env["account.payment"]
        company_2 = self.setup_other_company()["company"]
        self._create_unallocated_payment(self.contact, 70.0, -5, company=company_2)
        values = {
            "amount": 80.0,
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.contact.id,
        }
        payment_model.create(values)
        payment_model.create(values).action_cancel()
        self.env.invalidate_all()
        self.assertEqual(self.customer.customer_payment_count, 1)
        action = self.contact.action_view_customer_payments()
        self.assertEqual(payment_model.search(action["domain"]), self.payment)

    def test_payment_button_of_a_group_of_companies(self):
        """A subsidiary that is a company of its own is its own commercial
        entity, as in the snapshot: its payments are neither counted nor
        listed under its parent company."""
        subsidiary = self.env["res.partner"].create(
            {"name": "Bridge Subsidiary", "is_company": True, "parent_id": self.customer.id}
        )
        payment = self._create_unallocated_payment(subsidiary, 90.0, -3)
        partners = self.customer | subsidiary | self.contact
        self.env.invalidate_all()
        self.assertEqual(partners.mapped("customer_payment_count"), [1, 1, 1])
        payment_model = self.env["account.payment"]
        action = self.customer.action_view_customer_payments()
        self.assertEqual(payment_model.search(action["domain"]), self.payment)
        action = subsidiary.action_view_customer_payments()
        self.assertEqual(payment_model.search(action["domain"]), payment)
