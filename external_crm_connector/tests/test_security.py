# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestSecurity(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.salesman = new_test_user(
            cls.env, login="ecrm_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.event = cls._store(cls, cls.generic, [cls._item("company", "S-1", {"name": "Sec"})])

    def test_secrets_are_for_administrators_only(self):
        backend = self.generic.with_user(self.manager)
        self.assertEqual(backend.name, "Zapier", "managers see the backend")
        for field_name in ("webhook_secret", "webhook_token", "webhook_url", "api_token"):
            with self.assertRaises(AccessError, msg=field_name):
                backend.read([field_name])
        with self.assertRaises(AccessError):
            self.generic.with_user(self.integration_user).read(["webhook_secret"])
        self.assertEqual(self.generic.webhook_secret, "generic-secret")  # administrator
        with self.assertRaises(AccessError):
            backend.action_regenerate_token()

    def test_raw_payloads_for_managers_only(self):
        self.assertIn("Sec", self.event.with_user(self.manager).payload)
        with self.assertRaises(AccessError):
            self.event.with_user(self.salesman).read(["state"])
        with self.assertRaises(AccessError):
            self.env["external.crm.backend"].with_user(self.salesman).search([])
        menu = self.env.ref("external_crm_connector.external_crm_menu")
        self.assertEqual(
            menu.groups_id, self.env.ref("external_crm_connector.group_external_crm_manager")
        )

    def test_processing_user_is_not_superuser(self):
        backend = self.generic._as_integration_user()
        self.assertEqual(backend.env.uid, self.integration_user.id)
        self.assertFalse(backend.env.su)
        self.assertFalse(self.integration_user._is_admin())
        self._process(self.generic)
        self.assertEqual(self.event.state, "done")
        self.assertEqual(self.event.partner_id.create_uid, self.integration_user)

    def test_multi_company(self):
        company_b = self.env["res.company"].create(
            {"name": "Company B", "country_id": self.morocco.id}
        )
        backend_b = self._create_backend(
            name="B", provider="generic", webhook_secret="b-secret", company_id=company_b.id
        )
        self.assertIn(company_b, self.integration_user.company_ids)
        only_a = self.env["res.partner"].create(
            {
                "name": "Shared Name",
                "is_company": True,
                "email": "shared@ex.example",
                "company_id": self.company.id,
            }
        )
        event = self._deliver(
            backend_b,
            [self._item("company", "MC-1", {"name": "Shared Name", "email": "shared@ex.example"})],
        )
        created = event.partner_id
        self.assertEqual(event.state, "done")
        self.assertNotEqual(created, only_a, "customers of another company are never matched")
        self.assertEqual(created.company_id, company_b)
        self.assertEqual(event.company_id, company_b)
        manager_a = new_test_user(
            self.env,
            login="ecrm_manager_a",
            groups="external_crm_connector.group_external_crm_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        for model in (
            "external.crm.backend",
            "external.crm.event",
            "external.crm.binding",
            "external.crm.field.map",
        ):
            records = self.env[model].with_user(manager_a).search([])
            self.assertFalse(records.filtered(lambda r: r.company_id == company_b), model)
        self.assertFalse(
            self.env["external.crm.event.stat"]
            .with_user(manager_a)
            .search([("backend_id", "=", backend_b.id)])
        )

    def test_integration_user_is_the_technical_user_only(self):
        """A manager cannot make a person the integration user.

        Before, a manager of company A chose a salesman of company B as the
        integration user: the salesman was given access to company A (by the
        backend, as superuser), and every job then failed with an AccessError
        on the inbox.
        """
        company_b = self.env["res.company"].create({"name": "Company B"})
        seller_b = new_test_user(
            self.env,
            login="ecrm_seller_b",
            groups="sales_team.group_sale_salesman",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        backend = self.generic.with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "integration"), self.env.cr.savepoint():
            backend.integration_user_id = seller_b
        self.assertEqual(seller_b.company_ids, company_b, "no company given away")
        with self.assertRaisesRegex(ValidationError, "integration"), self.env.cr.savepoint():
            self.env["external.crm.backend"].with_user(self.manager).create(
                {"name": "Other", "webhook_secret": "s", "integration_user_id": seller_b.id}
            )
        self.assertEqual(seller_b.company_ids, company_b)
        backend.integration_user_id = self.integration_user
        self.assertEqual(self.generic.integration_user_id, self.integration_user)

    def test_bindings_and_conflicts_point_to_records_of_their_company(self):
        """A binding or a conflict edited over RPC cannot aim at another company.

        Before, a manager of company A could point a binding (or a field
        conflict) of A's backend at a customer of company B: the next event
        (or Take Incoming), made by the integration user who works in both
        companies, overwrote B's customer with A's CRM data.
        """
        company_b = self.env["res.company"].create({"name": "Company B"})
        customer_b = self.env["res.partner"].create(
            {"name": "B's customer", "is_company": True, "company_id": company_b.id}
        )
        lead_b = self.env["crm.lead"].create(
            {"name": "B's deal", "type": "opportunity", "company_id": company_b.id}
        )
        self._process(self.generic)
        binding = self.event.binding_id.with_user(self.manager)
        self.assertTrue(binding)
        # refused as soon as a binding's target is written by hand at all
        refused = "Incompatible companies|written by the connector only"
        with self.assertRaisesRegex(UserError, refused), self.env.cr.savepoint():
            binding.partner_id = customer_b
        conflict = self.env["external.crm.conflict"].create(
            {
                "backend_id": self.generic.id,
                "binding_id": binding.id,
                "conflict_type": "field",
                "object_kind": "company",
                "external_id": "S-1",
                "partner_id": binding.partner_id.id,
                "field_name": "name",
                "field_label": "Name",
                "incoming_raw": "Overwritten",
            }
        )
        for field_name, record in (("partner_id", customer_b), ("lead_id", lead_b)):
            with (
                self.subTest(field=field_name),
                self.assertRaisesRegex(UserError, refused),
                self.env.cr.savepoint(),
            ):
                conflict.with_user(self.manager)[field_name] = record
        self.assertEqual(customer_b.name, "B's customer")

    def test_records_cannot_be_moved_to_a_backend_of_another_company(self):
        """A manager cannot move a map, an event or a binding into a backend he cannot see.

        Before, a manager of company A could write the backend of a field map
        line, a value table line, an inbox event or a binding of his own to
        the id of company B's backend: B's inbox then processed A's event,
        with a map line A wrote, into B's customers.
        """
        company_b = self.env["res.company"].create({"name": "Company B"})
        backend_b = self._create_backend(
            name="B", provider="generic", webhook_secret="b-secret", company_id=company_b.id
        )
        self._process(self.generic)
        maps = self.env["external.crm.field.map"].with_user(self.manager)
        line = maps.create(
            {
                "backend_id": self.generic.id,
                "object_kind": "company",
                "external_field": "reference",
                "field_name": "ref",
            }
        )
        stage_line = line.search(
            [("backend_id", "=", self.generic.id), ("field_name", "=", "stage_id")]
        )
        value = stage_line.value_ids.create({"field_map_id": stage_line.id, "external_value": "x"})
        stage_line_b = backend_b.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        event = self.event.with_user(self.manager)
        conflict = self.env["external.crm.conflict"].create(
            {"backend_id": self.generic.id, "event_id": self.event.id, "conflict_type": "identity"}
        )
        for record, field_name, target in (
            (line, "backend_id", backend_b),
            (value, "field_map_id", stage_line_b),
            (event, "backend_id", backend_b),
            (event.binding_id, "backend_id", backend_b),
            (conflict.with_user(self.manager), "backend_id", backend_b),
            (self.generic._pull_cursors()[:1].with_user(self.manager), "backend_id", backend_b),
        ):
            with (
                self.subTest(model=record._name),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                record.write({field_name: target.id})
        self.assertEqual(line.backend_id, self.generic)
        self.assertEqual(self.event.backend_id, self.generic)
        # within his own company, nothing changes for him
        line.write({"backend_id": self.generic.id})

    def test_company_of_a_backend_with_data_cannot_change(self):
        """Its events keep their company while bindings, maps and conflicts
        would follow the backend: a customer of company A bound in company
        B. A backend that received nothing yet may still move."""
        company_b = self.env["res.company"].create({"name": "Company B"})
        with self.assertRaisesRegex(UserError, "already holds"):
            self.generic.company_id = company_b
        self.assertEqual(self.generic.company_id, self.company)
        empty = self._create_backend(name="Empty", provider="generic", webhook_secret="e")
        empty.company_id = company_b
        self.assertEqual(empty.field_map_ids.company_id, company_b)
        self.generic.write({"company_id": self.company.id, "name": "Same company"})
