# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho's accounts server limits token renewals: its Retry-After holds the backend.

Zoho answers too many renewals of a refresh token with 429 and a
Retry-After. The wait is the backend's, as for any call of its API: every
job of the backend waits it instead of asking again at once.
"""

from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.exceptions import ExternalCrmTransientError

from .test_zoho import ZohoCase


@tagged("post_install", "-at_install")
class TestZohoTokenPause(ZohoCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._own_transactions_in_test()

    def _renew_refused(self):
        """Renew, and return the error it raised. Not in ``assertRaises``,
        whose savepoint would also undo the pause (written in the test's
        transaction here, in a transaction of its own in production)."""
        try:
            self.zoho.sudo()._zoho_renew_access_token()
        except ExternalCrmTransientError as error:
            return error
        self.fail("the renewal was not refused")

    def test_retry_after_of_the_token_endpoint_holds_the_backend(self):
        self.fake.failures.append(("/oauth/v2/token", 429, 300))
        self.assertEqual(self._renew_refused().retry_after, 300)
        self.zoho.invalidate_recordset(["api_paused_until"])  # written in SQL
        self.assertTrue(self.zoho.api_paused_until, "the wait is the backend's")
        asked = len(self.fake.calls("/oauth/v2/token"))
        # another job of the backend: no new renewal before the 5 minutes are over
        waited = self._renew_refused().retry_after
        self.assertGreater(waited, 290)
        self.assertLessEqual(waited, 300)
        self.assertEqual(len(self.fake.calls("/oauth/v2/token")), asked)

    def test_renewal_without_pause(self):
        token, _domain = self.zoho.sudo()._zoho_renew_access_token()
        self.assertEqual(token, self.zoho.zoho_access_token)
