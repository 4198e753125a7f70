# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The CRM never overwrites what accounting set (hardening issue, item 6).

The attacker is an External CRM manager who is not an administrator: he
maps a customer field that accounting owns, or sends an id of a record the
integration user may not read.
"""

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestAccountingFields(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.term = cls.env["account.payment.term"].create({"name": "Net 45 (CRM test)"})
        cls.maps = cls.env["external.crm.field.map"].with_user(cls.manager)

    def _line(self, kind, external_field, field_name, **values):
        return self.maps.create(
            {
                "backend_id": self.generic.id,
                "object_kind": kind,
                "external_field": external_field,
                "field_name": field_name,
                "transform": "none",
                **values,
            }
        )

    def _insert_line(self, kind, external_field, field_name):
        """A line saved before the rule existed (SQL: the constraint would refuse it)."""
        self.env.cr.execute(
            SQL(
                """INSERT INTO external_crm_field_map (backend_id, company_id, sequence,
                       object_kind, external_field, field_name, transform, master)
                   VALUES (%s, %s, 10, %s, %s, %s, 'none', 'external') RETURNING id""",
                self.generic.id,
                self.company.id,
                kind,
                external_field,
                field_name,
            )
        )
        self.env.invalidate_all()
        return self.env["external.crm.field.map"].browse(self.env.cr.fetchone()[0])

    def test_accounting_fields_are_refused_when_the_line_is_saved(self):
        """Before, a manager mapped the receivable account, the fiscal position
        or the payment terms of customers: the external CRM overwrote them."""
        owned = [
            "property_account_receivable_id",
            "property_account_position_id",
            "property_payment_term_id",
            "specific_property_product_pricelist",
            "trust",
            "invoice_warn",
            "credit_limit",
        ]
        if "profitability_tier" in self.env["res.partner"]._fields:
            owned.append("profitability_tier")
        for field_name in owned:
            for kind in ("company", "contact"):
                with (
                    self.subTest(field=field_name, kind=kind),
                    self.assertRaisesRegex(ValidationError, "accounting"),
                    self.env.cr.savepoint(),
                ):
                    self._line(kind, "x_terms", field_name)
        city = self.generic.field_map_ids.filtered(
            lambda m: m.object_kind == "company" and m.field_name == "city"
        ).with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "accounting"), self.env.cr.savepoint():
            city.field_name = "property_payment_term_id"
        self.assertIn(
            "property_account_receivable_id",
            self.maps._accounting_owned_fields("res.partner"),
            "an extension hook other addons can extend",
        )

    def test_negotiated_terms_still_go_through_the_opportunity(self):
        line = self._line(
            "deal",
            "terms",
            "negotiated_payment_term_id",
            transform="value_table",
            value_ids=[Command.create({"external_value": "45", "odoo_value": self.term.name})],
        )
        self.assertTrue(line)
        event = self._deliver(
            self.generic, [self._item("deal", "D-T", {"name": "Terms", "terms": "45"})]
        )
        self.assertEqual(event.lead_id.negotiated_payment_term_id, self.term)

    def test_line_saved_before_the_rule_is_skipped_with_a_note(self):
        """Such a line refuses its next save; until then processing leaves the
        field alone and says so, and Take Incoming refuses it."""
        line = self._insert_line("company", "terms", "property_payment_term_id")
        event = self._deliver(
            self.generic, [self._item("company", "AC-1", {"name": "Acc", "terms": self.term.id})]
        )
        self.assertEqual(event.state, "done")
        self.assertFalse(event.partner_id.property_payment_term_id)
        self.assertIn("accounting", event.summary)
        with self.assertRaisesRegex(ValidationError, "accounting"), self.env.cr.savepoint():
            line.with_user(self.manager).write({"transform": "trim"})
        conflict = self.env["external.crm.conflict"].create(
            {
                "backend_id": self.generic.id,
                "event_id": event.id,
                "binding_id": event.binding_id.id,
                "conflict_type": "field",
                "object_kind": "company",
                "external_id": "AC-1",
                "partner_id": event.partner_id.id,
                "field_name": "property_payment_term_id",
                "field_label": "Customer Payment Terms",
                "incoming_raw": self.term.id,
            }
        )
        event.state = "conflict"
        with self.assertRaisesRegex(UserError, "accounting"):
            conflict.with_user(self.manager).action_take_incoming()
        self.assertFalse(event.partner_id.property_payment_term_id)

    def test_relations_are_resolved_with_the_integration_user_rights(self):
        """Before, an id sent for a relation was written as it was: here a
        company of company A attached to a customer of company B, which the
        integration user may not read when it works for A."""
        company_b = self.env["res.company"].create({"name": "Company B"})
        self._create_backend(
            name="B", provider="generic", webhook_secret="b-secret", company_id=company_b.id
        )
        self.assertIn(company_b, self.integration_user.company_ids)
        theirs = self.env["res.partner"].create(
            {"name": "B's customer", "is_company": True, "company_id": company_b.id}
        )
        ours = self.env["res.partner"].create(
            {"name": "A's customer", "is_company": True, "company_id": self.company.id}
        )
        self._line("company", "parent_ref", "parent_id")
        event = self._deliver(
            self.generic, [self._item("company", "SPY-1", {"name": "Spy", "parent_ref": theirs.id})]
        )
        self.assertEqual(event.state, "done")
        self.assertFalse(event.partner_id.parent_id, "never a raw id")
        self.assertIn("Related Company", event.summary)
        event = self._deliver(
            self.generic, [self._item("company", "OK-1", {"name": "Fine", "parent_ref": ours.id})]
        )
        self.assertEqual(event.partner_id.parent_id, ours)
