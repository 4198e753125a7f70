# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .test_credit_search import CreditPipelineCase


@tagged("post_install", "-at_install")
class TestCreditGroupSort(CreditPipelineCase):
    """The pipeline grouped and sorted by credit alert, as lists, kanban and
    pivot ask it, always equal to the level each record shows."""

    def _leads(self, user=None):
        leads = self.env["crm.lead"].with_context(active_test=False)
        return leads.with_user(user) if user else leads

    def test_described_sortable_and_groupable(self):
        for model in ("crm.lead", "sale.order"):
            description = self.env[model].fields_get(
                ["credit_alert_level", "credit_alert_badge"], ["sortable", "groupable"]
            )
            self.assertTrue(description["credit_alert_level"]["sortable"], model)
            self.assertTrue(description["credit_alert_level"]["groupable"], model)
            self.assertTrue(description["credit_alert_badge"]["sortable"], model)

    def test_grouped_by_level(self):
        domain = [("id", "in", self.all_leads.ids)]
        for user in (None, self.sales_manager):
            groups = self._leads(user)._read_group(domain, ["credit_alert_level"], ["id:recordset"])
            self.assertEqual(
                {level: leads for level, leads in groups},
                {
                    "block": self.lead_blocked | self.lead_contact | self.lead_over_limit,
                    "warning": self.lead_warned,
                    "none": self.lead_fine | self.lead_nobody | self.lead_won | self.lead_lost,
                },
            )
        # the web client's call, as a kanban or pivot grouped by alert makes it
        groups = self._leads().web_read_group(
            domain, ["expected_revenue:sum"], ["credit_alert_level"], lazy=False
        )["groups"]
        self.assertEqual(
            {group["credit_alert_level"]: group["__count"] for group in groups},
            {"block": 3, "warning": 1, "none": 4},
        )

    def test_grouping_follows_payments(self):
        """Nothing stored: paying the overdue invoice moves the lead at once."""
        domain = [("id", "=", self.lead_warned.id)]
        self.assertEqual(self._leads()._read_group(domain, ["credit_alert_level"]), [("warning",)])
        invoice = self.env["account.move"].search(
            [("partner_id", "=", self.warned.id), ("state", "=", "posted")]
        )
        self._register_payment(invoice, invoice.amount_residual)
        self.assertEqual(self._leads()._read_group(domain, ["credit_alert_level"]), [("none",)])
        self.assertEqual(self.lead_warned.credit_alert_level, "none")

    def test_sorted_by_severity(self):
        for order in ("credit_alert_level desc, id", "credit_alert_badge desc, id"):
            leads = self._leads().search([("id", "in", self.all_leads.ids)], order=order)
            self.assertEqual(
                [lead.credit_alert_level for lead in leads],
                ["block"] * 3 + ["warning"] + ["none"] * 4,
                order,
            )
        leads = self._leads().search(
            [("id", "in", self.all_leads.ids)], order="credit_alert_level, id"
        )
        self.assertEqual(leads[-3:], self.lead_blocked | self.lead_contact | self.lead_over_limit)
