# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import RedirectWarning, UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CrmCreditAlertCommon, CrmCreditAlertHttpCommon


class QuotationDoorsCase:
    """A blocked customer (an invoice 70 days overdue), its opportunity and a
    quotation created before the block."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.figures = cls._block_customer()
        # the message of the opportunity's New Quotation button, word for word
        cls.refusal = (
            f"New quotation refused: {cls.customer.name} is blocked by the credit "
            f"policy ({cls.figures})."
        )
        cls.lead = cls._create_opportunity(cls.customer)
        cls.quotation = cls._create_order(cls.customer, 200.0)
        cls.good_customer = cls._create_customer("Pays on time")

    def _quotations_of(self, partner):
        self.env.invalidate_all()
        return self.env["sale.order"].search(
            [("partner_id", "child_of", partner.id), ("id", "!=", self.quotation.id)]
        )


@tagged("post_install", "-at_install")
class TestQuotationDoors(QuotationDoorsCase, CrmCreditAlertCommon):
    """Every door to a new quotation of a blocked customer goes through one check."""

    def test_the_opportunity_button_gives_the_same_message(self):
        with self.assertRaises(UserError) as error:
            self.lead.with_user(self.salesman).action_new_quotation()
        self.assertIn(self.refusal, str(error.exception))

    def test_creation_is_refused_with_or_without_opportunity(self):
        Order = self.env["sale.order"].with_user(self.salesman)
        for partner, lead in (
            (self.customer, None),
            (self.contact, None),
            (self.customer, self.lead),
        ):
            with self.assertRaises(UserError, msg=(partner.name, lead)) as error:
                Order.create(self._order_values(partner, 100.0, lead=lead))
            self.assertIn(self.refusal, str(error.exception))
        self.assertFalse(self._quotations_of(self.customer))

    def test_duplicate_is_refused(self):
        with self.assertRaises(UserError) as error:
            self.quotation.with_user(self.salesman).copy()
        self.assertIn(self.refusal, str(error.exception))
        self.assertFalse(self._quotations_of(self.customer))

    def test_new_from_the_customer_form_is_refused(self):
        """The customer's Sales smart button opens orders with the customer as
        default; the web client then saves the new form with that context."""
        action = self.customer.with_user(self.salesman).action_view_sale_order()
        # the web client evaluates the action's context with the customer's id
        context = safe_eval(action["context"], {"active_id": self.customer.id})
        values = self._order_values(self.customer, 100.0)
        del values["partner_id"]
        with self.assertRaises(UserError) as error:
            self.env["sale.order"].with_user(self.salesman).with_context(**context).web_save(
                values, specification={}
            )
        self.assertIn(self.refusal, str(error.exception))
        self.assertFalse(self._quotations_of(self.customer))

    def test_moving_a_quotation_to_the_blocked_customer_is_refused(self):
        """Not a door of its own: a quotation of another customer given to the
        blocked one is a new quotation for it."""
        quotation = self._create_order(self.good_customer, 100.0)
        with self.assertRaises(UserError) as error:
            quotation.with_user(self.salesman).write({"partner_id": self.contact.id})
        self.assertIn(self.refusal, str(error.exception))
        self.assertEqual(quotation.partner_id, self.good_customer)

    def test_quotations_of_a_warned_customer_are_allowed(self):
        self.company.credit_alert_block_days = 90
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(self._order_values(self.customer, 100.0))
        )
        self.assertEqual(order.credit_alert_level, "warning")
        self.assertTrue(self.quotation.with_user(self.salesman).copy())

    def test_code_running_as_superuser_creates_quotations_not_orders(self):
        """An eCommerce cart or a connector may create the quotation: the
        confirmation is the gate."""
        # sudo: the superuser's doors are the ones under test
        order = self.env["sale.order"].sudo().create(self._order_values(self.customer, 100.0))
        self.assertEqual(order.state, "draft")
        with self.assertRaisesRegex(UserError, "Confirmation of .* refused"):
            order.sudo().action_confirm()

    def test_override_member_is_offered_the_wizard(self):
        Order = self.env["sale.order"].with_user(self.overrider)
        values = self._order_values(self.contact, 100.0, user=self.overrider)
        with self.assertRaises(RedirectWarning) as error:
            Order.create(values)
        message, action, _button, _context = error.exception.args
        self.assertIn(self.refusal, message)
        self.assertIsInstance(error.exception, UserError)  # a refusal, logged as such
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        wizard = (
            self.env["crm.credit.override.wizard"]
            .with_user(self.overrider)
            .with_context(**action["context"])
            .create({"reason": "Cash on delivery agreed"})
        )
        self.assertIn(self.figures, wizard.alert_message)
        wizard.action_override()
        override = self.env["crm.credit.override"].search([])
        self.assertRecordValues(
            override,
            [
                {
                    "operation": "quotation",
                    "partner_id": self.customer.id,
                    "lead_id": False,
                    "user_id": self.overrider.id,
                    "used": False,
                }
            ],
        )
        order = Order.create(values)
        self.assertRecordValues(
            override, [{"used": True, "used_order_id": order.id, "used_user_id": self.overrider.id}]
        )
        # used once: the next quotation asks again
        with self.assertRaises(RedirectWarning):
            Order.create(values)

    def test_override_of_the_opportunity_creates_its_quotation(self):
        lead = self._create_opportunity(self.customer, user=self.overrider)
        action = lead.with_user(self.overrider).action_new_quotation()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        wizard = (
            self.env["crm.credit.override.wizard"]
            .with_user(self.overrider)
            .with_context(**action["context"])
            .create({"reason": "Strategic account"})
        )
        action = wizard.action_override()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertRecordValues(
            order,
            [{"opportunity_id": lead.id, "partner_id": self.customer.id, "state": "draft"}],
        )
        override = self.env["crm.credit.override"].search([])
        self.assertRecordValues(
            override, [{"lead_id": lead.id, "used": True, "used_order_id": order.id}]
        )


@tagged("post_install", "-at_install")
class TestQuotationDoorsJsonRpc(QuotationDoorsCase, CrmCreditAlertHttpCommon):
    """The doors over real JSON-RPC calls."""

    def _values(self, partner, lead=None, user=None):
        values = self._order_values(partner, 100.0, lead=lead, user=user)
        values["order_line"] = [list(command) for command in values["order_line"]]
        return values

    def test_creation_over_json_rpc_is_refused_with_or_without_opportunity(self):
        self.authenticate(self.salesman.login, self.salesman.login)
        for lead in (None, self.lead):
            result, error = self._call_kw(
                "sale.order", "create", [self._values(self.customer, lead)]
            )
            self.assertIsNone(result)
            self.assertEqual(error["name"], "odoo.exceptions.UserError")
            self.assertIn(self.refusal, error["message"])
        self.assertFalse(self._quotations_of(self.customer))

    def test_duplicate_over_json_rpc_is_refused(self):
        self.authenticate(self.salesman.login, self.salesman.login)
        _result, error = self._call_kw("sale.order", "copy", [self.quotation.ids])
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn(self.refusal, error["message"])
        self.assertFalse(self._quotations_of(self.customer))

    def test_new_from_the_customer_form_over_json_rpc_is_refused(self):
        self.authenticate(self.salesman.login, self.salesman.login)
        values = self._values(self.customer)
        del values["partner_id"]
        _result, error = self._call_kw(
            "sale.order",
            "web_save",
            [[], values],
            {"context": {"default_partner_id": self.customer.id}, "specification": {}},
        )
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn(self.refusal, error["message"])
        self.assertFalse(self._quotations_of(self.customer))

    def test_override_member_over_json_rpc_needs_an_override(self):
        """The web client shows the wizard's button; other clients get the refusal."""
        self.authenticate(self.overrider.login, self.overrider.login)
        values = self._values(self.customer, user=self.overrider)
        _result, error = self._call_kw("sale.order", "create", [values])
        self.assertEqual(error["context"]["exception_class"], "odoo.exceptions.RedirectWarning")
        self.assertIn(self.refusal, error["arguments"][0])
        self.assertEqual(error["arguments"][1]["res_model"], "crm.credit.override.wizard")
        self.assertFalse(self._quotations_of(self.customer))
        override_id, error = self._call_kw(
            "crm.credit.override",
            "create",
            [{"partner_id": self.customer.id, "reason": "Prepaid by bank transfer"}],
        )
        self.assertIsNone(error)
        order_id, error = self._call_kw("sale.order", "create", [values])
        self.assertIsNone(error)
        override = self.env["crm.credit.override"].browse(override_id)
        self.assertEqual(override.used_order_id.id, order_id)
