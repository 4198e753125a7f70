# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import SaleMarginCustomerCommon


@tagged("post_install", "-at_install")
class TestCustomer360Margin(SaleMarginCustomerCommon):
    """The margin on the Customer 360 dashboard: the customer's figure, and
    the margin of each month beside its revenue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        order = cls._create_order(cls.customer, [(cls.widget, 10, 100)])
        cls._invoice_order(order, offset=-30)
        cls._create_product_invoice(cls.customer, [(cls.gadget, 100, 50)], offset=-400)

    def test_monthly_margins_add_up_to_the_customer_margin(self):
        report = self.env["crm.customer.360"].with_user(self.salesman)
        row = report.browse(self.customer.id)
        months = self.env["crm.order.cash.cycle"]._cycle_chart_months(self.today)
        figures = report._customer_360_monthly_figures(row.partner_id.ids, months[0])
        self.assertAlmostEqual(
            sum(month["margin"] for month in figures[self.customer.id].values()),
            self.customer.margin_ltm,
            places=2,
        )
        self.assertAlmostEqual(row.margin_ltm, self.customer.margin_ltm, places=2)
        self.assertIn("bg-success", row.revenue_chart)
        arch = report.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="margin_ltm"', arch)

    def test_no_margin_before_accounting_is_ready(self):
        self.env.company.account_sale_tax_id = False
        row = self.env["crm.customer.360"].browse(self.customer.id)
        self.assertNotIn("bg-success", row.revenue_chart)
        self.assertFalse(row.margin_accounting_ready)
