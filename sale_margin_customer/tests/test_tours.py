# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import SaleMarginCustomerCommon


@tagged("post_install", "-at_install")
class TestMarginPivotTour(SaleMarginCustomerCommon, HttpCase):
    """A sales manager reads the margin per customer in the browser."""

    def test_margin_pivot(self):
        wide = self.env["res.partner"].create({"name": "Wide Margin Customer"})
        thin = self.env["res.partner"].create({"name": "Thin Margin Customer"})
        self._invoice_order(self._create_order(wide, [(self.gadget, 10, 50.0)]))
        self._invoice_order(self._create_order(thin, [(self.widget, 10, 65.0)]))
        self._refresh()
        self.start_tour(
            "/odoo/action-sale_margin_customer.sale_margin_customer_report_action",
            "sale_margin_customer_pivot",
            login=self.sales_manager.login,
        )
