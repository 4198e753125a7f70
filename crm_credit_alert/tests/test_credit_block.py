# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import html2plaintext, mute_logger

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestCreditBlock(CrmCreditAlertCommon):
    """New quotations and confirmations of blocked customers stop on the server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.figures = cls._block_customer()
        cls.lead = cls._create_opportunity(cls.customer)
        cls.override_lead = cls._create_opportunity(cls.customer, user=cls.overrider)
        cls.order = cls._create_order(cls.contact, 200.0, lead=cls.lead)
        cls.override_order = cls._create_order(cls.customer, 300.0, user=cls.overrider)

    def _override_wizard(self, action, reason):
        """The override wizard that ``action`` opens, filled in by the overrider."""
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        return (
            self.env["crm.credit.override.wizard"]
            .with_user(self.overrider)
            .with_context(**action["context"])
            .create({"reason": reason})
        )

    @staticmethod
    def _text(html):
        """Plain text of a chatter body, with ordinary spaces."""
        return html2plaintext(html).replace("\xa0", " ")

    def test_new_quotation_refused_with_the_figures(self):
        lead = self.lead.with_user(self.salesman)
        with self.assertRaisesRegex(UserError, "New quotation refused") as error:
            lead.action_sale_quotations_new()
        self.assertIn(self.customer.name, str(error.exception))
        self.assertIn(self.figures, str(error.exception))
        # the public method behind the button, as an RPC client would call it
        with self.assertRaisesRegex(UserError, "New quotation refused"):
            lead.action_new_quotation()

    def test_new_quotation_allowed_on_a_warning(self):
        self.company.credit_alert_block_days = 90
        action = self.lead.with_user(self.salesman).action_sale_quotations_new()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(action["context"]["default_opportunity_id"], self.lead.id)

    def test_won_opportunity_is_not_alerted_but_its_customer_is_blocked(self):
        self.lead.stage_id = self.won_stage
        self.assertEqual(self._alert(self.lead)[0], "none")
        with self.assertRaisesRegex(UserError, "New quotation refused"):
            self.lead.with_user(self.salesman).action_new_quotation()

    def test_quotation_customer_wizard_is_blocked_too(self):
        lead = self._create_opportunity(self.env["res.partner"])
        wizard = (
            self.env["crm.quotation.partner"]
            .with_user(self.salesman)
            .with_context(active_model="crm.lead", active_id=lead.id)
            .create({"lead_id": lead.id, "action": "exist", "partner_id": self.contact.id})
        )
        with self.assertRaisesRegex(UserError, "New quotation refused"):
            wizard.action_apply()

    def test_confirmation_refused_with_the_figures(self):
        order = self.order.with_user(self.salesman)
        with self.assertRaisesRegex(UserError, "Confirmation of .* refused") as error:
            order.action_confirm()
        self.assertIn(self.figures, str(error.exception))
        self.assertEqual(self.order.state, "draft")

    def test_confirmation_refused_for_an_accountant_too(self):
        with self.assertRaisesRegex(UserError, "refused"):
            self.order.with_user(self.accountant).action_confirm()

    def test_order_taking_the_customer_over_its_limit_is_refused(self):
        customer = self._create_customer("Near its limit")
        self._use_credit_limit(customer, limit=1000.0)
        self._create_invoice(customer, 500.0, -5, 25)
        small = self._create_order(customer, 500.0)
        big = self._create_order(customer, 500.01)
        self.assertEqual(self._alert(big)[0], "none")  # the customer itself is fine
        with self.assertRaisesRegex(UserError, "with this order of"):
            big.with_user(self.salesman).action_confirm()
        small.with_user(self.salesman).action_confirm()
        self.assertEqual(small.state, "sale")
        # now the customer is at its limit: a warning, and nothing more fits
        self.assertEqual(self._alert(big)[0], "warning")
        self.company.credit_alert_block_on_limit = False
        big.with_user(self.salesman).action_confirm()
        self.assertEqual(big.state, "sale")

    def test_orders_confirmed_together_count_together_against_the_limit(self):
        """Each order fits alone, not both: confirming them in one call stops.

        Before, each order of the batch was checked against the same credit
        left, and both were confirmed over the limit.
        """
        customer = self._create_customer("Two orders at once")
        self._use_credit_limit(customer, limit=1000.0)
        self._create_invoice(customer, 500.0, -5, 25)
        first = self._create_order(customer, 300.0)
        second = self._create_order(customer, 300.0)
        with self.assertRaisesRegex(UserError, "with this order of") as error:
            (first | second).with_user(self.salesman).action_confirm()
        self.assertIn(second.name, str(error.exception))
        self.assertNotIn(first.name, str(error.exception))
        self.assertEqual((first | second).mapped("state"), ["draft", "draft"])
        first.with_user(self.salesman).action_confirm()
        self.assertEqual(first.state, "sale")

    def test_payment_lifts_the_block(self):
        invoice = self.env["account.move"].search(
            [("partner_id", "=", self.customer.id), ("move_type", "=", "out_invoice")]
        )
        self._register_payment(invoice, 1500)
        self.env.invalidate_all()
        self.order.with_user(self.salesman).action_confirm()
        self.assertEqual(self.order.state, "sale")

    def test_superuser_flows_are_blocked_too(self):
        """Online signature and payment confirm orders as superuser: the check
        runs for them too (this test asserted the opposite, which was the
        defect; what the customer sees is in test_credit_portal)."""
        with self.assertRaisesRegex(UserError, "Confirmation of .* refused"):
            self.order.sudo().action_confirm()  # sudo: the door under test
        self.assertEqual(self.order.state, "draft")

    def test_override_member_gets_the_wizard_for_a_quotation(self):
        lead = self.override_lead.with_user(self.overrider)
        action = lead.action_sale_quotations_new()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        wizard = self._override_wizard(action, "   ")
        self.assertIn(self.figures, wizard.alert_message)
        with self.assertRaisesRegex(UserError, "Give the reason"):
            wizard.action_override()
        self.assertFalse(self.env["crm.credit.override"].search([]))
        wizard.reason = "The CFO promised payment on Friday"
        action = wizard.action_override()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(action["context"]["default_opportunity_id"], self.override_lead.id)
        override = self.env["crm.credit.override"].search([])
        self.assertRecordValues(
            override,
            [
                {
                    "user_id": self.overrider.id,
                    "operation": "quotation",
                    "lead_id": self.override_lead.id,
                    "order_id": False,
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "reason": "The CFO promised payment on Friday",
                    "level": "block",
                    "alert_message": self.figures,
                    "overdue_amount": 1500.0,
                    "overdue_invoice_count": 1,
                    "oldest_overdue_days": 70,
                    "used": True,
                }
            ],
        )
        message = self.override_lead.message_ids[0]
        self.assertEqual(message.author_id, self.overrider.partner_id)
        body = self._text(message.body)
        for text in (
            "Credit block overridden by Olivia Override",
            "The CFO promised payment on Friday",
            self.figures,
            "New quotation",
        ):
            self.assertIn(self._text(text), body)
        # an override serves once: the next quotation asks again
        action = lead.action_new_quotation()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")

    def test_override_member_gets_the_wizard_for_a_confirmation(self):
        order = self.override_order.with_user(self.overrider)
        action = order.action_confirm()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        self.assertEqual(self.override_order.state, "draft")
        wizard = self._override_wizard(action, "Bank transfer received, not yet reconciled")
        self.assertEqual(wizard.order_ids, self.override_order)
        self.assertTrue(wizard.action_override())
        self.assertEqual(self.override_order.state, "sale")
        override = self.env["crm.credit.override"].search([])
        self.assertRecordValues(
            override,
            [
                {
                    "operation": "confirmation",
                    "order_id": self.override_order.id,
                    "user_id": self.overrider.id,
                    "used": True,
                    "document_name": self.override_order.name,
                }
            ],
        )
        body = self._text(
            self.override_order.message_ids.filtered(
                lambda message: "Credit block overridden" in (message.body or "")
            ).body
        )
        self.assertIn("Bank transfer received, not yet reconciled", body)
        self.assertIn(self._text(self.figures), body)
        self.assertIn("Order confirmation", body)

    def test_override_cannot_be_reused_by_someone_else(self):
        other_overrider = new_test_user(
            self.env,
            login="credit_overrider_2",
            groups="sales_team.group_sale_salesman_all_leads,"
            "crm_credit_alert.group_crm_credit_alert_override",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.env["crm.credit.override"].with_user(self.overrider).create(
            {"order_id": self.override_order.id, "reason": "My own call"}
        )
        action = self.override_order.with_user(other_overrider).action_confirm()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        self.assertEqual(self.override_order.state, "draft")

    def test_override_of_some_orders_only_is_kept_for_later(self):
        second = self._create_order(self.customer, 400.0, user=self.overrider)
        orders = (self.override_order | second).with_user(self.overrider)
        override = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create({"order_id": self.override_order.id, "reason": "Only the first"})
        )
        action = orders.action_confirm()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        self.assertFalse(override.used)
        wizard = self._override_wizard(action, "Both, after all")
        self.assertEqual(wizard.order_ids, orders)
        wizard.action_override()
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        overrides = self.env["crm.credit.override"].search([])
        self.assertEqual(len(overrides), 3)
        self.assertTrue(all(overrides.mapped("used")))

    def test_override_of_orders_blocked_together(self):
        """Each order fits alone, not both: the override wizard confirms both."""
        customer = self._create_customer("Two orders overridden at once")
        self._use_credit_limit(customer, limit=1000.0)
        self._create_invoice(customer, 500.0, -5, 25)
        orders = (
            self._create_order(customer, 300.0, user=self.overrider)
            | self._create_order(customer, 300.0, user=self.overrider)
        ).with_user(self.overrider)
        action = orders.action_confirm()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        wizard = self._override_wizard(action, "Both orders, the customer pays next week")
        wizard.action_override()
        self.assertEqual(orders.mapped("state"), ["sale", "sale"])
        # the figures of the second order, once the first took its credit
        self.assertRecordValues(
            self.env["crm.credit.override"].search([]),
            [
                {
                    "order_id": orders[1].id,
                    "credit_available": -100.0,
                    "order_amount": 300.0,
                    "used": True,
                }
            ],
        )

    def test_override_figures_are_taken_on_the_server(self):
        override = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create(
                {
                    "order_id": self.override_order.id,
                    "reason": "Over RPC",
                    "overdue_amount": 1.0,
                    "user_id": self.salesman.id,
                    "alert_message": "all fine",
                    "used": True,
                }
            )
        )
        self.assertRecordValues(
            override,
            [
                {
                    "overdue_amount": 1500.0,
                    "user_id": self.overrider.id,
                    "alert_message": self.figures,
                    "used": False,
                }
            ],
        )
        # created over RPC, it is an override like any other: the next
        # confirmation by its author goes through, once
        self.assertTrue(self.override_order.with_user(self.overrider).action_confirm())
        self.assertEqual(self.override_order.state, "sale")

    def test_no_override_without_a_block(self):
        customer = self._create_customer("Pays on time")
        order = self._create_order(customer, 100.0, user=self.overrider)
        with self.assertRaisesRegex(UserError, "no override is needed"):
            self.env["crm.credit.override"].with_user(self.overrider).create(
                {"order_id": order.id, "reason": "Just in case"}
            )

    def test_override_of_a_malformed_document_is_refused_clearly(self):
        """RPC callers may send anything: a clear error, and no override."""
        Override = self.env["crm.credit.override"].with_user(self.overrider)
        order_id = self.override_order.id
        for field in ("order_id", "lead_id"):
            for bad in (str(order_id), [order_id], [order_id, order_id], {"id": 1}, 1.5, -3):
                with self.assertRaisesRegex(UserError, "not a valid", msg=(field, bad)):
                    Override.create({field: bad, "reason": "Over RPC"})
        for bad in (["a reason"], 12, {"why": "x"}):
            with self.assertRaisesRegex(UserError, "Give the reason", msg=bad):
                Override.create({"order_id": order_id, "reason": bad})
        self.assertFalse(self.env["crm.credit.override"].search([]))

    def test_override_wizard_of_a_missing_document_is_refused_clearly(self):
        """Ids that do not exist, sent over RPC or in the context: a clear error.

        The database's foreign-key error would tell of "the record being
        deleted", and log the query as an error.
        """
        Wizard = self.env["crm.credit.override.wizard"].with_user(self.overrider)
        missing_order = self._create_order(self.customer, 10.0, user=self.overrider)
        missing_lead = self._create_opportunity(self.customer, user=self.overrider)
        missing_order_id, missing_lead_id = missing_order.id, missing_lead.id
        missing_order.unlink()
        missing_lead.unlink()
        for vals, context in (
            ({"lead_id": missing_lead_id}, {}),
            ({}, {"default_lead_id": missing_lead_id}),
            ({"order_ids": [Command.set([self.override_order.id, missing_order_id])]}, {}),
            ({"order_ids": [Command.link(missing_order_id)]}, {}),
            ({}, {"default_order_ids": [Command.set([missing_order_id])]}),
        ):
            with self.assertRaisesRegex(UserError, "no longer exist", msg=(vals, context)):
                Wizard.with_context(**context).create(dict(vals, reason="Over RPC"))
        order_id = self.override_order.id
        for vals in (
            {"lead_id": str(order_id)},
            {"lead_id": 1.5},
            {"order_ids": [Command.set([str(order_id)])]},
        ):
            with self.assertRaisesRegex(UserError, "not a valid document", msg=vals):
                Wizard.create(dict(vals, reason="Over RPC"))
        # sudo: every wizard, whoever created it
        self.assertFalse(self.env["crm.credit.override.wizard"].sudo().search([]))

    def test_override_needs_the_group(self):
        with self.assertRaises(AccessError):
            self.env["crm.credit.override"].with_user(self.salesman).create(
                {"order_id": self.order.id, "reason": "I decide"}
            )
        with self.assertRaises(AccessError):
            self.env["crm.credit.override.wizard"].with_user(self.salesman).create(
                {"order_ids": [Command.set(self.order.ids)], "reason": "I decide"}
            )

    def test_overrides_cannot_be_edited_or_deleted(self):
        override = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create({"order_id": self.override_order.id, "reason": "Audit me"})
        )
        for user in (self.overrider, self.accountant, self.sales_manager):
            with self.assertRaises(AccessError):
                override.with_user(user).write({"reason": "Nothing happened"})
            with self.assertRaises(AccessError):
                override.with_user(user).unlink()

    def test_report_lists_overrides_for_accountants(self):
        override = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create({"order_id": self.override_order.id, "reason": "Audit me"})
        )
        report = self.env["crm.credit.override"]
        self.assertEqual(report.with_user(self.accountant).search([]), override)
        self.assertEqual(report.with_user(self.sales_manager).search([]), override)
        self.assertEqual(report.with_user(self.overrider).search([]), override)
        other_overrider = new_test_user(
            self.env,
            login="credit_overrider_3",
            groups=f"sales_team.group_sale_salesman,{'crm_credit_alert.group_crm_credit_alert_override'}",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(report.with_user(other_overrider).search([]))
        with self.assertRaises(AccessError):
            report.with_user(self.salesman).search([])
        groups = report.with_user(self.accountant)._read_group(
            [], groupby=["user_id"], aggregates=["overdue_amount:sum", "__count"]
        )
        self.assertEqual(groups, [(self.overrider, 1500.0, 1)])

    def test_report_is_restricted_to_the_current_companies(self):
        company_2 = self.setup_other_company(name="Override company 2")["company"]
        self.accountant.company_ids = [Command.link(company_2.id)]
        self._create_invoice(self.customer, 100, -100, -70, company=company_2)
        self.overrider.company_ids = [Command.link(company_2.id)]
        # sudo: created as code running as superuser would; users are refused
        # new quotations of a customer blocked in that company
        order_2 = (
            self.env["sale.order"]
            .sudo()
            .with_company(company_2)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company_2.id,
                    "user_id": self.overrider.id,
                }
            )
        )
        override_2 = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .with_context(allowed_company_ids=[company_2.id])
            .create({"order_id": order_2.id, "reason": "Second company"})
        )
        self.assertEqual(override_2.company_id, company_2)
        report = self.env["crm.credit.override"].with_user(self.accountant)
        self.assertFalse(report.with_context(allowed_company_ids=self.company.ids).search([]))
        self.assertEqual(
            report.with_context(allowed_company_ids=[company_2.id]).search([]), override_2
        )


@tagged("post_install", "-at_install")
class TestCreditBlockJsonRpc(CrmCreditAlertCommon, HttpCase):
    """The block holds for a real JSON-RPC call, as any external client makes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_invoice(cls.customer, 1500, -100, -70)
        cls.lead = cls._create_opportunity(cls.customer)
        cls.order = cls._create_order(cls.customer, 200.0, lead=cls.lead)

    @mute_logger("odoo.http")  # the refusal is logged as a warning, as any UserError
    def _call(self, model, method, record_ids, context=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": [record_ids],
                "kwargs": {"context": context or {}},
            },
        )

    def test_confirmation_over_json_rpc_is_refused(self):
        self.authenticate(self.salesman.login, "bridge_salesman")
        with self.assertRaises(JsonRpcException) as error:
            self._call("sale.order", "action_confirm", self.order.ids)
        self.assertEqual(error.exception.args[0], "odoo.exceptions.UserError")
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "draft")

    def test_new_quotation_over_json_rpc_is_refused(self):
        self.authenticate(self.salesman.login, "bridge_salesman")
        with self.assertRaises(JsonRpcException) as error:
            self._call("crm.lead", "action_sale_quotations_new", self.lead.ids)
        self.assertEqual(error.exception.args[0], "odoo.exceptions.UserError")

    def test_override_is_not_a_context_key(self):
        """No context flag passed over RPC lifts the block."""
        self.authenticate(self.salesman.login, "bridge_salesman")
        with self.assertRaises(JsonRpcException):
            self._call(
                "sale.order",
                "action_confirm",
                self.order.ids,
                context={"credit_override_ids": [1], "credit_override": True},
            )
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "draft")

    def test_orders_of_two_companies_confirmed_together_use_each_own_limit(self):
        """The credit left is per company: before, an order of the other
        company of the same call took credit from this company's limit."""
        company_2 = self.setup_other_company(name="Credit block company 2")["company"]
        multi_salesman = new_test_user(
            self.env,
            login="credit_multi_block_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set((self.company + company_2).ids)],
        )
        customer = self._create_customer("Two companies, two limits")
        self._use_credit_limit(customer, limit=1000.0)
        self._use_credit_limit(customer, limit=1000.0, company=company_2)
        order_1 = self._create_order(customer, 600.0, user=multi_salesman)
        # sudo: created as code running as superuser would; users are refused
        # new quotations of a customer blocked in that company
        order_2 = (
            self.env["sale.order"]
            .sudo()
            .with_company(company_2)
            .create(
                {
                    "partner_id": customer.id,
                    "user_id": multi_salesman.id,
                    "company_id": company_2.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_a.id,
                                "price_unit": 600.0,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        orders = (
            (order_1 | order_2)
            .with_user(multi_salesman)
            .with_context(allowed_company_ids=(self.company + company_2).ids)
        )
        orders.action_confirm()
        self.assertEqual(orders.mapped("state"), ["sale", "sale"])
