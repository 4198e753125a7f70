# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestOpportunitySummary(CrmAccountingBridgeCommon):
    """The opportunity form's summary of its customer, for salespeople."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_invoice(cls.customer, 500, -50, -40)
        paid = cls._create_invoice(cls.customer, 200, -20, -10)
        cls._register_payment(paid, 200, 0)
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Summary deal",
                "type": "opportunity",
                "partner_id": cls.contact.id,
                "user_id": cls.salesman.id,
            }
        )

    def test_salesperson_reads_the_summary(self):
        """Every field of the form, as the salesperson's browser reads it,
        and the summary's figures are the customer's snapshot."""
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        leads = self.env["crm.lead"].with_user(self.salesman)
        views = leads.get_views([(False, "form")])
        self.assertIn('name="customer_summary"', views["views"]["form"]["arch"])
        self.env.invalidate_all()
        values = leads.browse(self.lead.id).web_read(
            {name: {} for name in views["models"]["crm.lead"]["fields"]}
        )[0]
        figures = {
            "customer_receivable_balance": "receivable_balance",
            "customer_overdue_amount": "overdue_amount",
            "customer_overdue_invoice_count": "overdue_invoice_count",
            "customer_avg_payment_delay_days": "avg_payment_delay_days",
            "customer_late_payment_rate": "late_payment_rate",
        }
        for lead_field, partner_field in figures.items():
            self.assertAlmostEqual(
                values[lead_field], self.customer[partner_field], places=2, msg=lead_field
            )
        self.assertAlmostEqual(values["customer_overdue_amount"], 500.0, places=2)
        self.assertEqual(values["customer_overdue_invoice_count"], 1)
        self.assertAlmostEqual(values["customer_avg_payment_delay_days"], 10.0, places=1)
        self.assertEqual(values["customer_late_payment_rate"], 1.0)

    def test_no_payment_yet(self):
        """A customer that never paid shows no payment delay nor late rate
        (0.0 days and 0 % would read as a perfect payer), and says why."""
        newcomer = self.env["res.partner"].create({"name": "Newcomer", "is_company": True})
        self._create_invoice(newcomer, 300, -5, 25)
        lead = self.env["crm.lead"].create(
            {"name": "New deal", "type": "opportunity", "partner_id": newcomer.id}
        )
        lead = lead.with_user(self.salesman)
        self.assertEqual(lead.customer_paid_invoice_count, 0)
        self.assertEqual(self.lead.with_user(self.salesman).customer_paid_invoice_count, 1)
        arch = lead.get_view(view_type="form")["arch"]
        self.assertIn('invisible="not customer_paid_invoice_count"', arch)
        self.assertIn("No payment yet", arch)

    def test_link_opens_the_customer_360_dashboard(self):
        action = self.lead.with_user(self.salesman).action_open_customer_360()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("crm.customer.360", self.customer.id)
        )
        row = self.env["crm.customer.360"].with_user(self.salesman).browse(action["res_id"])
        self.assertAlmostEqual(row.overdue_amount, 500.0, places=2)

    def test_prospect_opens_its_form(self):
        """A prospect without invoices is not on the dashboard yet: the link
        opens its form, on the Customer 360 page."""
        prospect = self.env["res.partner"].create({"name": "Prospect Ltd", "is_company": True})
        lead = self.env["crm.lead"].create(
            {"name": "First deal", "type": "opportunity", "partner_id": prospect.id}
        )
        action = lead.with_user(self.salesman).action_open_customer_360()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", prospect.id))

    def test_customer_form_opens_the_dashboard(self):
        """The customer's Customer 360 page links to its dashboard, from a
        contact too."""
        arch = self.env["res.partner"].with_user(self.salesman).get_view(view_type="form")["arch"]
        self.assertIn("action_open_customer_360_dashboard", arch)
        action = self.contact.with_user(self.salesman).action_open_customer_360_dashboard()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("crm.customer.360", self.customer.id)
        )

    def test_dashboard_link_only_where_there_is_a_dashboard(self):
        """A prospect's form does not link to itself: the link shows where
        Customer 360 lists the customer (a contact of a customer too)."""
        prospect = self.env["res.partner"].create({"name": "Prospect Ltd", "is_company": True})
        partners = (prospect | self.customer | self.contact).with_user(self.salesman)
        self.assertEqual([partner.customer_360_listed for partner in partners], [False, True, True])
        arch = self.env["res.partner"].with_user(self.salesman).get_view(view_type="form")["arch"]
        self.assertIn('name="action_open_customer_360_dashboard"', arch)
        self.assertRegex(
            arch, r'action_open_customer_360_dashboard"[^>]*invisible="not customer_360_listed"'
        )
