# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import CrmCreditAlertCommon, CrmCreditAlertHttpCommon

# a 1x1 transparent PNG, as the signature pad sends it
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
POLITE = "Our team will confirm it shortly"


class OnlineCustomerCase:
    """A blocked customer (an invoice 70 days overdue) with a quotation sent
    for signature, and a customer over its credit limit without overdue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_invoice(cls.customer, 1500, -100, -70)
        cls.customer.email = "buyer@bridge-customer.example.com"
        cls.order = cls._create_online_quotation(cls.customer, 200.0)
        cls.over_limit = cls._create_customer("Over its limit, pays on time")
        cls._use_credit_limit(cls.over_limit, limit=1000.0)
        cls._create_invoice(cls.over_limit, 1200.0, -5, 25)

    @classmethod
    def _create_online_quotation(cls, partner, amount, **values):
        order = cls._create_order(partner, amount)
        order.write({"require_signature": True, "require_payment": False, **values})
        order.action_quotation_sent()
        return order

    def _hold_activities(self, order):
        return order.activity_ids.filtered(
            lambda activity: activity.activity_type_id
            == self.env.ref("mail.mail_activity_data_todo")
            and activity.user_id == self.salesman
        )

    def _assert_held(self, order):
        self.env.invalidate_all()
        self.assertEqual(order.state, "sent")
        activity = self._hold_activities(order)
        self.assertEqual(len(activity), 1)
        self.assertIn(order.name, activity.summary)
        self.assertIn("1 overdue invoice", activity.note)  # internal: the figures


@tagged("post_install", "-at_install")
class TestCreditPortalSignature(OnlineCustomerCase, CrmCreditAlertHttpCommon):
    """Accept & Sign on the real portal route, which confirms as superuser."""

    def _accept(self, order, access_token=None):
        params = {"name": "Bridge Contact", "signature": SIGNATURE}
        if access_token:
            params["access_token"] = access_token
        response = self.url_open(
            f"/my/orders/{order.id}/accept",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()["result"]

    def _assert_polite_page(self, url):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn(POLITE, page.text)
        for internal in ("overdue", "credit limit", "1,500.00", "blocked"):
            self.assertNotIn(internal, page.text)

    def test_signature_by_email_link_is_kept_and_the_order_held(self):
        result = self._accept(self.order, self.order._portal_ensure_token())
        self.assertNotIn("error", result)
        self.assertIn("message=credit_review", result["redirect_url"])
        self._assert_held(self.order)
        self.assertEqual(self.order.signed_by, "Bridge Contact")
        self.assertTrue(self.order.signature)
        self._assert_polite_page(result["redirect_url"])
        # the page says the same when the customer comes back later
        self._assert_polite_page(self.order.get_portal_url())

    def test_signature_by_a_portal_user_is_kept_and_the_order_held(self):
        portal_user = new_test_user(
            self.env, login="credit_portal_buyer", groups="base.group_portal"
        )
        portal_user.partner_id.parent_id = self.customer
        self.authenticate(portal_user.login, portal_user.login)
        result = self._accept(self.order)
        self.assertIn("message=credit_review", result["redirect_url"])
        self._assert_held(self.order)
        self.assertTrue(self.order.signature)
        self._assert_polite_page(result["redirect_url"])
        # nor can the portal user confirm it over JSON-RPC
        _result, error = self._call_kw("sale.order", "action_confirm", [self.order.ids])
        self.assertIn(error["name"], ("odoo.exceptions.UserError", "odoo.exceptions.AccessError"))
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "sent")

    def test_a_second_signature_attempt_does_not_duplicate_the_activity(self):
        token = self.order._portal_ensure_token()
        self._accept(self.order, token)
        result = self._accept(self.order, token)
        self.assertIn("error", result)  # already signed: Odoo's own answer
        self._assert_held(self.order)

    def test_signature_of_a_customer_in_good_standing_confirms(self):
        customer = self._create_customer("Good standing")
        order = self._create_online_quotation(customer, 200.0)
        result = self._accept(order, order._portal_ensure_token())
        self.assertIn("message=sign_ok", result["redirect_url"])
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")

    def test_an_override_given_beforehand_lets_the_signature_confirm(self):
        """A member of the override group may approve a quotation before the
        customer signs it; the signature then uses that override, once."""
        self.order.user_id = self.overrider
        override = (
            self.env["crm.credit.override"]
            .with_user(self.overrider)
            .create({"order_id": self.order.id, "reason": "Approved for online signature"})
        )
        result = self._accept(self.order, self.order._portal_ensure_token())
        self.assertIn("message=sign_ok", result["redirect_url"])
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "sale")
        self.assertRecordValues(override, [{"used": True, "used_order_id": self.order.id}])


@tagged("post_install", "-at_install")
class TestCreditOnlinePayment(OnlineCustomerCase, CrmCreditAlertCommon):
    """The payment's post-processing confirms paid quotations as superuser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.payment_method = cls.env.ref("payment.payment_method_unknown")
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "Credit test provider",
                "code": "none",
                "state": "test",
                "company_id": cls.company.id,
                "payment_method_ids": [Command.set(cls.payment_method.ids)],
            }
        )

    def _pay(self, order, amount=None):
        """A confirmed online payment of ``order``, post-processed as the
        payment flow does it (as superuser)."""
        # sudo: the payment flow's own rights
        transaction = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "amount": order.amount_total if amount is None else amount,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "reference": f"{order.name}-{len(order.transaction_ids)}",
                    "operation": "online_redirect",
                    "sale_order_ids": [Command.set(order.ids)],
                    "state": "done",
                }
            )
        )
        return transaction._check_amount_and_confirm_order()

    def test_paid_order_of_a_customer_with_overdue_invoices_stays_a_quotation(self):
        confirmed = self._pay(self.order)
        self.assertFalse(confirmed)
        self._assert_held(self.order)
        # paid twice over, still one activity
        self._pay(self.order)
        self._assert_held(self.order)

    def test_paid_order_of_a_customer_over_its_limit_is_confirmed(self):
        """What was paid is not credit: the limit does not stop it."""
        order = self._create_online_quotation(self.over_limit, 300.0)
        self.assertEqual(self._alert(order)[0], "block")
        self.assertEqual(self._pay(order), order)
        self.assertEqual(order.state, "sale")

    def test_unpaid_order_of_a_customer_over_its_limit_is_held(self):
        order = self._create_online_quotation(
            self.over_limit, 300.0, require_payment=True, prepayment_percent=0.5
        )
        self._pay(order, amount=150.0)
        self.assertEqual(order.state, "sent")
        self.assertTrue(self._hold_activities(order))

    def test_paid_part_of_an_order_is_not_credit(self):
        """A salesperson confirms an order partly paid online: only the unpaid
        part is taken from the credit left."""
        customer = self._create_customer("Near its limit")
        self._use_credit_limit(customer, limit=1000.0)
        self._create_invoice(customer, 500.0, -5, 25)
        order = self._create_online_quotation(customer, 600.0)
        with self.assertRaisesRegex(UserError, "with this order of"):
            order.with_user(self.salesman).action_confirm()
        self.assertFalse(self._pay(order, amount=200.0))  # not enough to confirm it
        self.assertEqual(order.state, "sent")
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
