# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestNegotiatedTerms(CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.term_15 = cls.env.ref("account.account_payment_term_15days")
        cls.pricelist = cls.env["product.pricelist"].create({"name": "Negotiated prices"})
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)

    def _lead(self, user=None, **values):
        return (
            self.env["crm.lead"]
            .with_user(user or self.salesman)
            .create(
                {
                    "name": "Negotiated deal",
                    "type": "opportunity",
                    "partner_id": self.contact.id,
                    **values,
                }
            )
        )

    def _customer(self):
        return self.customer.with_company(self.env.company)

    def _last_note(self):
        return self.customer.message_ids[:1].body

    def test_won_writes_terms_on_customer(self):
        lead = self._lead(
            negotiated_payment_term_id=self.term_30.id,
            negotiated_pricelist_id=self.pricelist.id,
        )
        lead.action_set_won()
        customer = self._customer()
        self.assertEqual(customer.property_payment_term_id, self.term_30)
        self.assertEqual(customer.property_product_pricelist, self.pricelist)
        self.assertIn("applied", self._last_note())
        self.assertIn(self.term_30.name, self._last_note())

    def test_accounting_value_is_kept_and_logged(self):
        self.customer.property_payment_term_id = self.term_15
        lead = self._lead(negotiated_payment_term_id=self.term_30.id)
        lead.action_set_won()
        self.assertEqual(self._customer().property_payment_term_id, self.term_15)
        note = self._last_note()
        self.assertIn(self.term_30.name, note)
        self.assertIn(self.term_15.name, note)
        self.assertIn("keeps", note)

    def test_same_value_is_silent(self):
        self.customer.property_payment_term_id = self.term_30
        messages = len(self.customer.message_ids)
        self._lead(negotiated_payment_term_id=self.term_30.id).action_set_won()
        self.assertEqual(len(self.customer.message_ids), messages)

    def test_credit_limit_by_sales_manager(self):
        with self.assertRaises(AccessError):
            self._lead(negotiated_credit_limit=5000.0)
        lead = self._lead(user=self.sales_manager, negotiated_credit_limit=5000.0)
        lead.with_user(self.sales_manager).action_set_won()
        customer = self._customer()
        self.assertEqual(customer.credit_limit, 5000.0)
        self.assertTrue(customer.use_partner_credit_limit)

    def test_credit_limit_set_by_accounting_is_kept(self):
        self.customer.credit_limit = 1000.0
        lead = self._lead(user=self.sales_manager, negotiated_credit_limit=5000.0)
        lead.action_set_won()
        self.assertEqual(self._customer().credit_limit, 1000.0)
        self.assertIn("5,000.00", self._last_note())

    def test_negative_credit_limit_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._lead(user=self.sales_manager, negotiated_credit_limit=-1.0)

    def test_won_by_moving_to_won_stage(self):
        lead = self._lead(negotiated_payment_term_id=self.term_30.id)
        lead.write({"stage_id": self.won_stage.id})
        self.assertEqual(self._customer().property_payment_term_id, self.term_30)

    def test_terms_applied_once(self):
        lead = self._lead(negotiated_payment_term_id=self.term_30.id)
        lead.action_set_won()
        messages = len(self.customer.message_ids)
        lead.write({"stage_id": self.won_stage.id, "description": "still won"})
        self.assertEqual(len(self.customer.message_ids), messages)

    def test_no_customer_no_terms(self):
        lead = self._lead(partner_id=False, negotiated_payment_term_id=self.term_30.id)
        lead.action_set_won()
        self.assertTrue(lead.stage_id.is_won)

    def test_created_in_won_stage_applies_terms(self):
        """An import or an RPC client may create a deal already won."""
        lead = self._lead(negotiated_payment_term_id=self.term_30.id, stage_id=self.won_stage.id)
        self.assertTrue(lead.stage_id.is_won)
        self.assertEqual(self._customer().property_payment_term_id, self.term_30)
        self.assertIn(self.term_30.name, self._last_note())

    def test_created_in_won_stage_by_default_context_applies_terms(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .with_context(default_stage_id=self.won_stage.id)
            .create(
                {
                    "name": "Won on creation",
                    "type": "opportunity",
                    "partner_id": self.contact.id,
                    "negotiated_payment_term_id": self.term_30.id,
                }
            )
        )
        self.assertTrue(lead.stage_id.is_won)
        self.assertEqual(self._customer().property_payment_term_id, self.term_30)

    def test_duplicate_does_not_carry_the_credit_limit(self):
        """A credit limit is a manager's decision for one deal: a copy starts
        without it, so that a salesperson can duplicate their own deal."""
        lead = self._lead(
            user=self.sales_manager,
            negotiated_credit_limit=5000.0,
            negotiated_payment_term_id=self.term_30.id,
            user_id=self.salesman.id,
        )
        copy = lead.with_user(self.salesman).copy()
        # sudo: the field is for sales managers, the copy the salesman's
        self.assertEqual(copy.sudo().negotiated_credit_limit, 0.0)
        self.assertEqual(copy.negotiated_payment_term_id, self.term_30)
        copy = lead.with_user(self.sales_manager).copy()
        self.assertEqual(copy.negotiated_credit_limit, 0.0)

    def test_archived_terms_are_not_applied(self):
        """Terms archived since the negotiation are not written on the
        customer (Odoo would ignore such a pricelist), and the note says so."""
        lead = self._lead(
            negotiated_payment_term_id=self.term_30.id,
            negotiated_pricelist_id=self.pricelist.id,
        )
        self.pricelist.action_archive()
        lead.action_set_won()
        customer = self._customer()
        self.assertFalse(customer.specific_property_product_pricelist)
        self.assertEqual(customer.property_payment_term_id, self.term_30)
        note = self._last_note()
        self.assertIn(self.pricelist.name, note)
        self.assertIn("archived", note)
