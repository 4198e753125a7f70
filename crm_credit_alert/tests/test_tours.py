# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmCreditAlertHttpCommon


@tagged("post_install", "-at_install")
class TestCreditAlertTours(CrmCreditAlertHttpCommon):
    """What a salesperson and an overrider do in the browser, on a blocked customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.blocked = cls._create_blocked_customer("Blocked Tour Customer", 1500)

    def _orders(self):
        return self.env["sale.order"].search([("partner_id", "=", self.blocked.id)])

    def test_salesperson_cannot_quote_a_blocked_customer(self):
        lead = self._create_opportunity(self.blocked, user=self.salesman)
        with mute_logger("odoo.http"):  # the refusal is logged, as any UserError
            self.start_tour(
                f"/odoo/crm/{lead.id}",
                "crm_credit_alert_blocked_quotation",
                login=self.salesman.login,
            )
        self.assertFalse(self._orders(), "the refusal created no quotation")

    def test_override_then_quote(self):
        lead = self._create_opportunity(self.blocked, user=self.overrider)
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_credit_alert_override", login=self.overrider.login
        )
        order = self._orders()
        self.assertEqual(len(order), 1, "the override let one quotation through")
        self.assertEqual(order.opportunity_id, lead)
        override = self.env["crm.credit.override"].search([("lead_id", "=", lead.id)])
        self.assertEqual(override.user_id, self.overrider)
        self.assertEqual(override.reason, "Payment promised by the customer for Friday")
        self.assertTrue(override.used)
        self.assertEqual(override.used_order_id, order)
