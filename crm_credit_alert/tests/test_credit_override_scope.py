# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestOverrideScope(CrmCreditAlertCommon):
    """An override holds for one customer, an amount, a limited time, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_invoice(cls.customer, 1500, -100, -70)
        cls.other_blocked = cls._create_customer("Also blocked")
        cls._create_invoice(cls.other_blocked, 800, -100, -70)
        cls.order = cls._create_order(cls.customer, 100.0, user=cls.overrider)

    def _override(self, order=None, reason="Payment promised for Friday"):
        return (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create({"order_id": (order or self.order).id, "reason": reason})
        )

    def _confirm(self, order=None):
        """Confirm as the overrider: ``None`` when it went through, else the
        refusal of the write door (the button would open the wizard)."""
        order = (order or self.order).with_user(self.overrider)
        action = order.action_confirm()
        if action is not True:
            self.assertEqual(action["res_model"], "crm.credit.override.wizard")
            self.assertEqual(order.state, "draft")
            with self.assertRaises(UserError) as error:
                order.write({"state": "sale"})
            return str(error.exception)
        self.assertEqual(order.state, "sale")
        return None

    def test_override_records_its_scope(self):
        override = self._override()
        self.assertRecordValues(
            override,
            [
                {
                    "partner_id": self.customer.id,
                    "order_amount": 100.0,
                    "overdue_amount": 1500.0,
                    "used": False,
                    "used_order_id": False,
                }
            ],
        )
        self.assertEqual(override.expiry_date, override.date + timedelta(days=7))

    def test_override_does_not_follow_a_change_of_customer(self):
        """The issue's attack: override for customer A, move the order to B."""
        override = self._override()
        # moved by code running as superuser: no quotation check on that door
        self.order.sudo().partner_id = self.other_blocked
        refusal = self._confirm()
        self.assertIn("Also blocked is blocked by the credit policy", refusal)
        self.assertIn("was given for Bridge Customer", refusal)
        self.assertFalse(override.used)

    def test_override_does_not_cover_added_lines(self):
        """The issue's attack: override at 100, add lines, confirm."""
        override = self._override()
        self.order.order_line = [
            Command.create(
                {"product_id": self.product_a.id, "price_unit": 50.0, "tax_id": [Command.clear()]}
            )
        ]
        refusal = self._confirm()
        self.assertRegex(refusal, r"was given for an order of \D*100\.00\D*, .*now \D*150\.00")
        self.assertFalse(override.used)

    def test_override_does_not_cover_what_comes_with_the_confirmation(self):
        """Lines or another customer written in the same call as the state
        are part of what is confirmed: the check sees them."""
        override = self._override()
        line = {"product_id": self.product_a.id, "price_unit": 900.0, "tax_id": [Command.clear()]}
        order = self.order.with_user(self.overrider)
        with self.assertRaisesRegex(UserError, "was given for an order of"):
            order.write({"state": "sale", "order_line": [Command.create(line)]})
        with self.assertRaisesRegex(UserError, "Also blocked is blocked"):
            order.write({"state": "sale", "partner_id": self.other_blocked.id})
        self.assertEqual(self.order.state, "draft")
        self.assertFalse(override.used)

    def test_override_covers_a_smaller_amount(self):
        override = self._override()
        self.order.order_line.price_unit = 80.0
        self.assertIsNone(self._confirm())
        self.assertRecordValues(
            override,
            [
                {
                    "used": True,
                    "used_order_id": self.order.id,
                    "used_amount": 80.0,
                    "used_user_id": self.overrider.id,
                }
            ],
        )
        self.assertTrue(override.used_date)

    def test_override_does_not_hold_when_the_customer_owes_more(self):
        override = self._override()
        self._create_invoice(self.customer, 400, -100, -65)
        refusal = self._confirm()
        self.assertIn("figures are worse than when it was given", refusal)
        self.assertFalse(override.used)

    def test_override_expires(self):
        override = self._override()
        with freeze_time(override.expiry_date + timedelta(seconds=1)):
            refusal = self._confirm()
        self.assertIn("expired on", refusal)
        self.assertFalse(override.used)
        with freeze_time(override.expiry_date - timedelta(minutes=1)):
            self.assertIsNone(self._confirm())
        self.assertTrue(override.used)

    def test_validity_is_a_company_setting(self):
        self.assertEqual(self.company.credit_alert_override_days, 7)
        self.env["res.config.settings"].create({"credit_alert_override_days": 2}).execute()
        self.assertEqual(self.company.credit_alert_override_days, 2)
        override = self._override()
        self.assertEqual(override.expiry_date, override.date + timedelta(days=2))
        for days in (0, -1, 366):
            with self.assertRaisesRegex(ValidationError, "valid for", msg=days):
                self.company.credit_alert_override_days = days

    def test_override_is_used_once(self):
        """Replayed: the confirmation that used it is undone and sent again."""
        override = self._override()
        self.assertIsNone(self._confirm())
        self.order.with_user(self.overrider)._action_cancel()
        self.order.with_user(self.overrider).action_draft()
        self.assertIn("blocked by the credit policy", self._confirm())
        self.assertEqual(override.used_order_id, self.order)

    def test_one_override_two_orders_at_once(self):
        """An override of one order does not carry the order confirmed with it."""
        second = self._create_order(self.customer, 100.0, user=self.overrider)
        self._override()
        with self.assertRaises(UserError) as error:
            (self.order | second).with_user(self.overrider).write({"state": "sale"})
        self.assertIn(second.name, str(error.exception))
        self.assertEqual((self.order | second).mapped("state"), ["draft", "draft"])

    def test_expired_override_of_a_quotation_is_refused(self):
        override = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create({"partner_id": self.customer.id, "reason": "Quotation only"})
        )
        values = self._order_values(self.customer, 100.0, user=self.overrider)
        with (
            freeze_time(fields.Datetime.now() + timedelta(days=8)),
            self.assertRaises(UserError) as error,
        ):
            self.env["sale.order"].with_user(self.overrider).create(values)
        self.assertIn("expired on", str(error.exception))
        self.assertFalse(override.used)

    def test_report_shows_what_an_override_was_used_for(self):
        override = self._override()
        self._confirm()
        report = self.env["crm.credit.override"].with_user(self.accountant)
        self.assertEqual(
            report.search([("used_order_id", "=", self.order.id)]).read(
                ["used_document_name", "used_amount", "expiry_date"]
            )[0]["used_document_name"],
            self.order.name,
        )
        arch = report.get_views([(False, "list"), (False, "form")])["views"]
        for view in ("list", "form"):
            for field_name in ("expiry_date", "used_document_name", "used_date", "used_amount"):
                self.assertIn(f'name="{field_name}"', arch[view]["arch"], (view, field_name))
        self.assertTrue(override.used)
