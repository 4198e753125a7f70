# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
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
