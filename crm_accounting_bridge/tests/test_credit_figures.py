# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestCreditFigures(CrmAccountingBridgeCommon):
    """The figures and the credit figures read in one statement equal each
    read alone, and Odoo's own credit limit and sales to invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.account_use_credit_limit = True
        # credit policies of other addons stay out of the orders below
        if "credit_alert_block_days" in cls.env.company._fields:
            cls.env.company.credit_alert_block_days = 1000
        cls.product = cls._create_product(name="Service", lst_price=100.0, taxes_id=False)
        # owes, is under a limit and has an order to invoice
        cls.customer.credit_limit = 5000.0
        cls._create_invoice(cls.customer, 1150, invoice_offset=-70, due_offset=-40)
        cls._order(cls.contact, 3)
        # owes, no limit
        cls.unlimited = cls.env["res.partner"].create({"name": "No limit", "is_company": True})
        cls._create_invoice(cls.unlimited, 300)
        # under a limit, an order to invoice, no accounting data at all
        cls.new_customer = cls.env["res.partner"].create(
            {"name": "New customer", "is_company": True, "credit_limit": 800.0}
        )
        cls._order(cls.new_customer, 2)
        # under a limit, nothing else
        cls.idle = cls.env["res.partner"].create(
            {"name": "Idle customer", "is_company": True, "credit_limit": 50.0}
        )
        cls.partner_ids = [cls.customer.id, cls.unlimited.id, cls.new_customer.id, cls.idle.id]

    @classmethod
    def _order(cls, partner, quantity):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "product_uom_qty": quantity})
                ],
            }
        )
        order.action_confirm()
        return order

    def test_one_statement_equals_each_read_alone(self):
        snapshot_model = self.env["partner.financial.snapshot"]
        for receivable_only, alone in (
            (False, snapshot_model._read_snapshot),
            (True, snapshot_model._read_receivable),
        ):
            with self.subTest(receivable_only=receivable_only):
                figures, credit = snapshot_model._read_figures(
                    self.partner_ids, grace_days=10, receivable_only=receivable_only
                )
                self.assertEqual(figures, alone(self.partner_ids, grace_days=10))
                self.assertEqual(credit, snapshot_model._read_credit(self.partner_ids))

    def test_credit_figures_are_odoos(self):
        credit = self.env["partner.financial.snapshot"]._read_figures(self.partner_ids)[1]
        # the partner without a limit has none; the others have Odoo's figures
        self.assertEqual(set(credit), {self.customer.id, self.new_customer.id, self.idle.id})
        for partner in self.env["res.partner"].sudo().browse(list(credit)):
            limit, to_invoice = credit[partner.id]
            self.assertEqual(limit, partner.credit_limit)
            self.assertAlmostEqual(to_invoice, partner.credit_to_invoice, places=2)
        self.assertAlmostEqual(credit[self.customer.id][1], 300.0, places=2)
        self.assertAlmostEqual(credit[self.new_customer.id][1], 200.0, places=2)
        self.assertEqual(credit[self.idle.id], (50.0, 0.0))

    def test_snapshot_of_a_customer_without_accounting_data(self):
        """Under a limit with an order and no entry: the credit left is the
        limit minus the order, from the credit part alone."""
        values = self._snapshot(
            self.new_customer, "credit_limit_applies", "credit_available", "receivable_balance"
        )
        self.assertEqual(values["receivable_balance"], 0.0)
        self.assertTrue(values["credit_limit_applies"])
        self.assertAlmostEqual(values["credit_available"], 800.0 - 200.0, places=2)
        values = self._snapshot(self.customer, "credit_available")
        self.assertAlmostEqual(values["credit_available"], 5000.0 - 1150.0 - 300.0, places=2)

    def test_one_query_for_figures_and_credit(self):
        snapshot_model = self.env["partner.financial.snapshot"]
        snapshot_model._read_figures(self.partner_ids)  # registry caches warm (ir.default)
        self.env.flush_all()
        for receivable_only in (False, True):
            with self.assertQueryCount(1):
                snapshot_model._read_figures(self.partner_ids, receivable_only=receivable_only)

    def test_without_credit_limits_no_credit_part(self):
        self.env.company.account_use_credit_limit = False
        figures, credit = self.env["partner.financial.snapshot"]._read_figures(self.partner_ids)
        self.assertEqual(credit, {})
        self.assertEqual(set(figures), {self.customer.id, self.unlimited.id})
