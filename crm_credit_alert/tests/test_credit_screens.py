# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestCreditScreens(CrmCreditAlertCommon):
    """The customer's alert on its Customer 360 dashboard and in the
    opportunity's summary panel, for a salesperson."""

    def test_customer_360_shows_the_opportunities_alert(self):
        self._block_customer()
        lead = self._create_opportunity(self.customer)
        report = self.env["crm.customer.360"].with_user(self.salesman)
        arch = report.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("credit_alert_banner_block", arch)
        row = report.browse(self.customer.id)
        self.assertEqual(row.credit_alert_level, "block")
        self.assertEqual(row.credit_alert_message, lead.credit_alert_message)
        self.assertEqual(
            report.search([("credit_alert_level", "=", "block"), ("id", "=", self.customer.id)]),
            row,
        )

    def test_customer_360_banner_reads_as_the_opportunitys(self):
        """The same sentence as the opportunity's banner ("Credit warning: 1
        overdue invoice, ...", a space after the colon), and the note of
        overdue items covered by credits not yet allocated."""
        self._create_invoice(self.customer, 100, -30, -10)
        lead = self._create_opportunity(self.customer)
        report = self.env["crm.customer.360"].with_user(self.salesman)
        arch = report.get_views([(False, "form")])["views"]["form"]["arch"]
        banner = arch[arch.index('name="credit_alert_banner_warning"') :]
        banner = banner[: banner.index("</div>")]
        self.assertIn('name="credit_alert_summary"', banner)
        self.assertNotIn("<strong>", banner, "the label is part of the sentence")
        self.assertIn('name="credit_alert_banner_info"', arch)
        row = report.browse(self.customer.id)
        self.assertEqual(row.credit_alert_level, "warning")
        self.assertTrue(row.credit_alert_summary.startswith("Credit warning: 1 overdue invoice"))
        self.assertEqual(
            row.credit_alert_summary, lead.with_user(self.salesman).credit_alert_summary
        )

    def test_opportunity_summary_shows_the_alert(self):
        leads = self.env["crm.lead"].with_user(self.salesman)
        arch = leads.get_views([(False, "form")])["views"]["form"]["arch"]
        summary = arch[arch.index('name="customer_summary"') :]
        self.assertLess(summary.index('name="credit_alert_level"'), summary.index("</div>"))
