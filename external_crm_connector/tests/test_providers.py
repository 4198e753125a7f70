# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The provider interface: capabilities are declared, and the connector asks them."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.generic import GenericProvider
from odoo.addons.external_crm_connector.adapters.provider import (
    CAPABILITY_METHODS,
    DEAL_STATUS,
    IMPORT,
    LINES,
    PROVIDERS,
    PULL,
    SUBSCRIPTION,
    WRITE_BACK,
    Provider,
    capability_mismatches,
)

from .common import ExternalCrmCase


class UndeclaredProvider(GenericProvider):
    """A generic provider that has every capability's methods and declares none."""

    def import_page(self, kind, after, limit=100):
        return [], None

    def import_total(self, kind):
        return 0

    def changed_page(self, kind, since, after, limit=100):
        return [], None

    def write_company_properties(self, updates):
        return {}

    def watch(self, channel_id, notify_url, token, expiry, renew=False):
        return expiry


@tagged("post_install", "-at_install")
class TestProviderInterface(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def test_each_provider_declares_exactly_what_it_implements(self):
        self.assertEqual(set(PROVIDERS), {"generic", "hubspot", "salesforce", "zoho", "pipedrive"})
        for code, provider_class in PROVIDERS.items():
            with self.subTest(provider=code):
                self.assertEqual(capability_mismatches(provider_class), {})
                self.assertLessEqual(set(provider_class.capabilities), set(CAPABILITY_METHODS))

    def test_what_each_provider_can_do(self):
        expected = {
            "generic": {DEAL_STATUS},
            "hubspot": {IMPORT, PULL, WRITE_BACK, LINES, DEAL_STATUS},
            "salesforce": {IMPORT, PULL, WRITE_BACK, LINES, DEAL_STATUS},
            "pipedrive": {IMPORT, PULL, WRITE_BACK, LINES, DEAL_STATUS},
            "zoho": {IMPORT, PULL, WRITE_BACK, SUBSCRIPTION, LINES, DEAL_STATUS},
        }
        self.assertEqual(
            {code: set(provider_class.capabilities) for code, provider_class in PROVIDERS.items()},
            expected,
        )

    def test_a_declaration_that_disagrees_with_the_methods_is_named(self):
        class Overclaiming(Provider):
            capabilities = frozenset((IMPORT, PULL))

            def import_page(self, kind, after, limit=100):
                return [], None

        self.assertEqual(
            capability_mismatches(Overclaiming),
            {IMPORT: "declared, without import_total", PULL: "declared, without changed_page"},
        )
        self.assertEqual(
            capability_mismatches(UndeclaredProvider),
            {
                IMPORT: "not declared, with import_page, import_total",
                PULL: "not declared, with changed_page",
                WRITE_BACK: "not declared, with write_company_properties",
                SUBSCRIPTION: "not declared, with watch",
            },
        )

    def test_the_connector_asks_the_declaration_not_the_methods(self):
        """Methods alone give a backend nothing: import, pull, write-back and
        the notification channel are refused as for any provider without them."""
        backend = self.generic.with_user(self.manager)
        with patch.dict(PROVIDERS, {"generic": UndeclaredProvider}):
            self.assertFalse(backend._can_pull())
            self.assertFalse(backend._can_write_back())
            with self.assertRaisesRegex(UserError, "cannot import by itself"):
                backend.action_start_import()
            with self.assertRaisesRegex(UserError, "cannot read changed records by itself"):
                backend.action_pull_changes()
            with self.assertRaisesRegex(UserError, "Only Zoho CRM backends have notification"):
                self.generic.action_zoho_subscribe()
        self.assertFalse(self.generic.cursor_ids, "no import started")
        self.assertFalse(self.generic.pull_cursor_ids, "no pull started")

    def test_a_declared_capability_is_used(self):
        class Declared(UndeclaredProvider):
            capabilities = frozenset((IMPORT, PULL, WRITE_BACK))

        with patch.dict(PROVIDERS, {"generic": Declared}):
            self.assertTrue(self.generic._can_pull())
            self.assertTrue(self.generic._can_write_back())
