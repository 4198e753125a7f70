# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmCreditAlertCommon, CrmCreditAlertHttpCommon


class ConfirmationDoorsCase:
    """A blocked customer (an invoice 70 days overdue) and a customer whose
    next order of 600 would take it over its credit limit of 1,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.figures = cls._block_customer()
        cls.order = cls._create_order(cls.contact, 200.0)
        cls.near_limit = cls._create_customer("Near its limit")
        cls._use_credit_limit(cls.near_limit, limit=1000.0)
        cls._create_invoice(cls.near_limit, 500.0, -5, 25)
        cls.good_customer = cls._create_customer("Pays on time")

    def _confirmed_orders_of(self, partner):
        self.env.invalidate_all()
        return self.env["sale.order"].search(
            [("partner_id", "=", partner.id), ("state", "=", "sale")]
        )


@tagged("post_install", "-at_install")
class TestConfirmationDoors(ConfirmationDoorsCase, CrmCreditAlertCommon):
    """Every way to a confirmed order passes the same credit check."""

    def test_write_of_the_state_is_refused(self):
        """The issue's attack: ``write({'state': 'sale'})`` ran no check."""
        with self.assertRaisesRegex(UserError, "Confirmation of .* refused") as error:
            self.order.with_user(self.salesman).write({"state": "sale"})
        self.assertIn(self.figures, str(error.exception))
        self.assertEqual(self.order.state, "draft")

    def test_write_of_the_state_is_refused_whoever_writes(self):
        """No wizard on this door: managers, override members without an
        override, and code running as superuser are refused alike."""
        self.order.action_quotation_sent()
        # sudo: the override member's and the superuser's own doors
        for order in (
            self.order.with_user(self.sales_manager),
            self.order.with_user(self.overrider).sudo(),
            self.order.sudo(),
        ):
            with self.assertRaisesRegex(UserError, "refused", msg=order.env.user.login):
                order.write({"state": "sale"})
        self.assertEqual(self.order.state, "sent")

    def test_superuser_confirmation_is_refused(self):
        """Replaces ``test_superuser_flows_are_not_blocked``, which encoded the
        defect: the portal confirms as superuser, so superuser is checked too."""
        with self.assertRaisesRegex(UserError, "Confirmation of .* refused"):
            self.order.sudo().action_confirm()  # sudo: the door under test
        self.assertEqual(self.order.state, "draft")

    def test_creation_of_a_confirmed_order_is_refused(self):
        """A new order asked to be born confirmed: by value, by a context
        default, or as a copy."""
        Order = self.env["sale.order"].with_user(self.salesman)
        values = self._order_values(self.near_limit, 600.0)
        with self.assertRaisesRegex(UserError, "with this order of"):
            Order.create(dict(values, state="sale"))
        with self.assertRaisesRegex(UserError, "with this order of"):
            Order.with_context(default_state="sale").create(values)
        quotation = self._create_order(self.near_limit, 600.0)
        with self.assertRaisesRegex(UserError, "with this order of"):
            quotation.with_user(self.salesman).copy({"state": "sale"})
        self.assertFalse(self._confirmed_orders_of(self.near_limit))

    def test_orders_within_the_policy_are_confirmed_on_every_door(self):
        fitting = self._create_order(self.near_limit, 400.0)
        fitting.with_user(self.salesman).write({"state": "sale"})
        self.assertEqual(fitting.state, "sale")
        created = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(dict(self._order_values(self.good_customer, 5000.0), state="sale"))
        )
        self.assertEqual(created.state, "sale")

    def test_an_override_lets_one_write_through(self):
        order = self._create_order(self.customer, 300.0, user=self.overrider)
        self.env["crm.credit.override"].with_user(self.overrider).create(
            {"order_id": order.id, "reason": "Confirmed by our RPC client"}
        )
        order.with_user(self.overrider).write({"state": "sale"})
        self.assertEqual(order.state, "sale")


@tagged("post_install", "-at_install")
class TestConfirmationDoorsJsonRpc(ConfirmationDoorsCase, CrmCreditAlertHttpCommon):
    """The same doors over a real JSON-RPC call, as a salesperson."""

    def setUp(self):
        super().setUp()
        self.authenticate(self.salesman.login, self.salesman.login)

    def test_write_of_the_state_over_json_rpc_is_refused(self):
        result, error = self._call_kw("sale.order", "write", [self.order.ids, {"state": "sale"}])
        self.assertIsNone(result)
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn(f"Confirmation of {self.order.name} refused", error["message"])
        self.assertIn(self.figures, error["message"])
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "draft")

    def test_creation_of_a_confirmed_order_over_json_rpc_is_refused(self):
        values = self._order_values(self.near_limit, 600.0)
        values["order_line"] = [list(command) for command in values["order_line"]]
        _result, error = self._call_kw("sale.order", "create", [dict(values, state="sale")])
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("with this order of", error["message"])
        _result, error = self._call_kw(
            "sale.order", "create", [values], {"context": {"default_state": "sale"}}
        )
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertFalse(self._confirmed_orders_of(self.near_limit))
