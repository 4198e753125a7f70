# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where the connector sends credentials (hardening issue, item 4).

The attacker is an External CRM manager who is not an administrator, or a
provider's answer; "a host of their choice" is a server of the test on
loopback that records everything it receives.
"""

import json
from urllib.parse import parse_qs, urlparse

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.external_crm_connector.adapters.client import RestClient
from odoo.addons.external_crm_connector.exceptions import ExternalCrmApiError

from .common import ExternalCrmCase
from .fake_salesforce import FakeSalesforce
from .fake_server import FakeApiServer
from .fake_zoho import FakeZoho

TOKEN = "pat-na1-destinations-7f3a9c"
ORG = "00D5e000000AbCdEAK"
LOOPBACK = "external_crm_connector.allow_loopback"
EXTRA_HOSTS = "external_crm_connector.extra_allowed_hosts"


class EchoApi(FakeApiServer):
    """A server that keeps every request and echoes it in a refusal.

    As the attacker's host, it shows what reached it; as a provider, it is
    one whose error text repeats the credentials it was sent (some do).
    """

    def __init__(self, status=400):
        super().__init__()
        self.status = status

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        headers = dict(handler.headers)
        with self.lock:
            self.requests.append((method, handler.path, headers, raw))
        echo = f"{headers.get('Authorization', '')} {headers.get('x-api-token', '')} {raw}"
        form = {name: values[0] for name, values in parse_qs(raw).items()}
        return self._send(
            handler,
            self.status,
            {
                "error": form.get("client_secret") or "invalid_client",
                "error_description": echo,
                "message": echo,
                "status": "error",
            },
        )

    def received(self, secret):
        """True when ``secret`` reached this server, in a header or a body."""
        return any(
            secret in json.dumps(headers) or secret in raw
            for _method, _path, headers, raw in self.requests
        )


class AbsoluteNextPageSalesforce(FakeSalesforce):
    """A Salesforce whose ``nextRecordsUrl`` points elsewhere."""

    next_url = None

    def _send(self, handler, status, payload=None, headers=None):
        if self.next_url and isinstance(payload, dict) and payload.get("nextRecordsUrl"):
            payload = {**payload, "nextRecordsUrl": self.next_url + payload["nextRecordsUrl"]}
        return super()._send(handler, status, payload, headers)


class ForeignInstanceSalesforce(FakeSalesforce):
    """A Salesforce token answer naming an instance that is not Salesforce's."""

    instance_url = None

    def _send(self, handler, status, payload=None, headers=None):
        if self.instance_url and isinstance(payload, dict) and "instance_url" in payload:
            payload = {**payload, "instance_url": self.instance_url}
        return super()._send(handler, status, payload, headers)


class ForeignApiDomainZoho(FakeZoho):
    """A Zoho token answer naming an API domain that is not Zoho's."""

    api_domain = None

    def _send(self, handler, status, payload=None, headers=None):
        if self.api_domain and isinstance(payload, dict) and "api_domain" in payload:
            payload = {**payload, "api_domain": self.api_domain}
        return super()._send(handler, status, payload, headers)


@tagged("post_install", "-at_install")
class TestDestinations(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.attacker = EchoApi().start()
        cls.addClassCleanup(cls.attacker.stop)
        cls.hubspot = cls._setup_fake_hubspot(TOKEN, name="HubSpot")
        cls.admin = new_test_user(
            cls.env,
            login="ecrm_admin",
            groups="base.group_system,external_crm_connector.group_external_crm_manager",
        )
        cls.salesforce = cls._create_backend(
            name="Salesforce",
            provider="salesforce",
            webhook_secret="sf-consumer-secret-51d0",
            salesforce_organization_id=ORG,
            salesforce_client_id="sf-consumer-key",
            salesforce_refresh_token="sf-refresh-token-8e2b",
        )
        cls.zoho = cls._create_backend(
            name="Zoho",
            provider="zoho",
            webhook_secret="zoho-channel-token",
            zoho_data_centre="eu",
            zoho_client_id="1000.CLIENT",
            zoho_client_secret="zoho-client-secret-c4f1",
            zoho_refresh_token="1000.zoho-refresh-9a7d",
        )

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        self.attacker.requests = []
        self.fake.add("company", 9001, {"name": "Atlas HubSpot"})

    def _set_raw(self, backend, field_name, value):
        """A value stored before today's checks existed (an old database)."""
        self.env.cr.execute(
            SQL(
                "UPDATE external_crm_backend SET %s = %s WHERE id = %s",
                SQL.identifier(field_name),
                value,
                backend.id,
            )
        )
        self.env.invalidate_all()

    # -- who sets destinations ---------------------------------------------------
    def test_manager_cannot_send_the_api_token_elsewhere(self):
        """Before, a manager pointed the API base URL at his own server (over
        RPC, whatever the form shows) and the next pull sent the HubSpot
        token there."""
        backend = self.hubspot.with_user(self.manager)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            backend.write({"api_base_url": self.attacker.url})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            backend.create(
                {"name": "Mine", "provider": "hubspot", "api_base_url": self.attacker.url}
            )
        backend.action_pull_changes()
        self._run_pull(self.hubspot)
        self.assertFalse(self.attacker.requests, "nothing reached the manager's server")
        self.assertTrue(self.fake.requests, "the pull went to HubSpot")
        # what a manager may still do: create a backend with the provider's own URL
        created = backend.create({"name": "Own URL", "provider": "hubspot"})
        self.assertEqual(created.api_base_url, "https://api.hubapi.com")
        backend.write({"name": "Renamed", "api_timeout": 20})

    def test_manager_cannot_move_the_salesforce_login_or_instance(self):
        """The consumer secret and refresh token go to the login URL, the
        access token to the instance URL: a manager sets neither."""
        backend = self.salesforce.with_user(self.manager)
        for field_name in ("salesforce_login_url", "salesforce_instance_url"):
            with (
                self.subTest(field=field_name),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                backend.write({field_name: self.attacker.url})
        # derived from Salesforce's answers: nobody writes them by hand
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            backend.write({"salesforce_user_id": "0055e000001ZzZzAAK"})
        self.assertEqual(self.salesforce.salesforce_login_url, "https://login.salesforce.com")

    def test_manager_cannot_move_zoho(self):
        """The Zoho client secret and refresh token go to the accounts URL; the
        webhook URL and signing secret (subscribed as superuser) to the API."""
        backend = self.zoho.with_user(self.manager)
        for values in (
            {"zoho_accounts_url": self.attacker.url},
            {"api_base_url": self.attacker.url},
            {"zoho_data_centre": "in"},
            {"zoho_channel_id": "1000000000000042"},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                backend.write(values)
        self.assertEqual(self.zoho.zoho_accounts_url, "https://accounts.zoho.eu")
        self.assertEqual(self.zoho.api_base_url, "https://www.zohoapis.eu")

    # -- which destinations -------------------------------------------------------
    def test_destinations_are_https_hosts_of_the_provider(self):
        """Even an administrator gives https, and the provider's own hosts
        unless an extra host is allowed by a system parameter."""
        hubspot = self.hubspot.with_user(self.admin)
        salesforce = self.salesforce.with_user(self.admin)
        zoho = self.zoho.with_user(self.admin)
        refused = [
            (hubspot, "api_base_url", "http://api.hubapi.com"),
            (hubspot, "api_base_url", "https://crm.attacker.example"),
            (hubspot, "api_base_url", "https://api.hubapi.com@crm.attacker.example"),
            (hubspot, "api_base_url", "https://api.hubapi.com.attacker.example"),
            (salesforce, "salesforce_login_url", "http://login.salesforce.com"),
            (salesforce, "salesforce_login_url", "https://login.salesforce.com.attacker.example"),
            (salesforce, "salesforce_login_url", "https://sso.attacker.example"),
            (salesforce, "salesforce_login_url", "https://10.0.0.5"),
            (zoho, "zoho_accounts_url", "https://accounts.zoho.eu.attacker.example"),
            (zoho, "zoho_accounts_url", "http://accounts.zoho.eu"),
            (zoho, "api_base_url", "https://www.zohoapis.attacker.example"),
        ]
        for backend, field_name, value in refused:
            with (
                self.subTest(field=field_name, value=value),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                backend.write({field_name: value})
        for backend, field_name, value in (
            (hubspot, "api_base_url", "https://api.hubapi.com"),
            (salesforce, "salesforce_login_url", "https://test.salesforce.com"),
            (salesforce, "salesforce_login_url", "https://acme.my.salesforce.com"),
            (salesforce, "salesforce_login_url", "https://acme--uat.sandbox.my.salesforce.com"),
            (zoho, "zoho_accounts_url", "https://accounts.zoho.in"),
            (zoho, "api_base_url", "https://www.zohoapis.in"),
        ):
            backend.write({field_name: value})
        # another host, when an administrator allows it
        self.env["ir.config_parameter"].set_param(EXTRA_HOSTS, "sso.example.org, *.proxy.example")
        salesforce.write({"salesforce_login_url": "https://sso.example.org"})
        hubspot.write({"api_base_url": "https://hubspot.proxy.example"})
        # plain http to loopback only while the local-fakes parameter is set
        self.env["ir.config_parameter"].set_param(LOOPBACK, False)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            hubspot.write({"api_base_url": self.fake.url})

    def test_stored_destination_is_checked_before_each_call(self):
        """A URL saved before these checks is refused when used, not called."""
        self._set_raw(self.hubspot, "api_base_url", self.attacker.url)
        self.env["ir.config_parameter"].set_param(LOOPBACK, False)
        self.hubspot.action_start_import()
        self._run_import(self.hubspot)
        self.assertFalse(self.attacker.requests)
        failed = self.hubspot.cursor_ids.filtered(lambda c: c.state == "failed")
        self.assertIn("check the API base URL", failed.last_error)

    # -- paging -------------------------------------------------------------------
    def test_paging_url_stays_on_the_api_host(self):
        """Before, an absolute URL given as the next page (Salesforce's
        ``nextRecordsUrl``, or a path smuggling a host) was called with the
        access token."""
        fake = AbsoluteNextPageSalesforce(organization_id=ORG).start()
        self.addCleanup(fake.stop)
        fake.next_url = self.attacker.url
        fake.page_size = 1
        for index in range(3):
            fake.add("Account", f"0015e00000Atls{index:03d}A", {"Name": f"Account {index}"})
        backend = self._create_backend(
            name="Salesforce paging",
            provider="salesforce",
            webhook_secret=fake.client_secret,
            salesforce_organization_id=ORG,
            salesforce_login_url=fake.url,
            salesforce_client_id=fake.client_id,
            salesforce_refresh_token=fake.refresh_token,
        )
        backend.action_start_import()
        self._run_import(backend)
        self.assertFalse(self.attacker.requests, "the access token stayed on Salesforce")
        failed = backend.cursor_ids.filtered(lambda c: c.state == "failed")
        self.assertIn("not on the API host", failed.last_error)

        client = RestClient(self.fake.url, TOKEN, max_attempts=1)
        attacker = urlparse(self.attacker.url).netloc
        for path in (
            f"{self.attacker.url}/steal",
            f"//{attacker}/steal",
            f"@{attacker}/steal",
            f"\\\\{attacker}/steal",
        ):
            with self.subTest(path=path), self.assertRaises(ExternalCrmApiError):
                client.request("GET", path)
        self.assertFalse(self.attacker.requests)
        # relative paths and absolute URLs of the API host are followed
        self.assertIsNone(client.request("GET", "/crm/v3/objects/companies/404"))
        self.assertIsNone(client.request("GET", f"{self.fake.url}/crm/v3/objects/companies/404"))

    def test_provider_answers_cannot_move_the_api(self):
        """The instance URL and API domain of token answers are checked too."""
        zoho_fake = ForeignApiDomainZoho().start()
        self.addCleanup(zoho_fake.stop)
        zoho_fake.api_domain = "https://www.zohoapis.attacker.example"
        zoho = self._create_backend(
            name="Zoho answers",
            provider="zoho",
            webhook_secret="zoho-channel-token",
            zoho_accounts_url=zoho_fake.url,
            zoho_client_id=zoho_fake.client_id,
            zoho_client_secret=zoho_fake.client_secret,
            zoho_refresh_token=zoho_fake.refresh_token,
            api_base_url=zoho_fake.url,
        )
        zoho.action_start_import()
        self._run_import(zoho)
        self.assertEqual(zoho.api_base_url, zoho_fake.url, "the API domain was not taken")
        failed = zoho.cursor_ids.filtered(lambda c: c.state == "failed")
        self.assertIn("www.zohoapis.attacker.example", failed.last_error)

        sf_fake = ForeignInstanceSalesforce(organization_id=ORG).start()
        self.addCleanup(sf_fake.stop)
        sf_fake.instance_url = "https://eu42.salesforce.com.attacker.example"
        salesforce = self._create_backend(
            name="Salesforce answers",
            provider="salesforce",
            webhook_secret=sf_fake.client_secret,
            salesforce_organization_id=ORG,
            salesforce_login_url=sf_fake.url,
            salesforce_client_id=sf_fake.client_id,
            salesforce_refresh_token=sf_fake.refresh_token,
        )
        salesforce.action_start_import()
        self._run_import(salesforce)
        self.assertFalse(salesforce.salesforce_instance_url, "the instance URL was not taken")
        failed = salesforce.cursor_ids.filtered(lambda c: c.state == "failed")
        self.assertIn("salesforce.com.attacker.example", failed.last_error)

    # -- credentials in errors ----------------------------------------------------
    @mute_logger("odoo.addons.external_crm_connector.adapters.client")
    def test_credentials_never_reach_last_error(self):
        """A provider repeating what it received in its error text: the stored
        error (read by every manager) holds no token, secret or refresh token."""
        echo = EchoApi().start()
        self.addCleanup(echo.stop)
        self._set_raw(self.hubspot, "api_base_url", echo.url)
        self._set_raw(self.salesforce, "salesforce_login_url", echo.url)
        self._set_raw(self.zoho, "zoho_accounts_url", echo.url)
        secrets = {
            self.hubspot: [TOKEN],
            self.salesforce: ["sf-consumer-secret-51d0", "sf-refresh-token-8e2b"],
            self.zoho: ["zoho-client-secret-c4f1", "1000.zoho-refresh-9a7d"],
        }
        for backend, values in secrets.items():
            with self.subTest(provider=backend.provider):
                backend.action_start_import()
                self._run_import(backend)
                self.assertTrue(echo.received(values[0]), "the provider was called")
                failed = backend.cursor_ids.filtered(lambda c: c.state == "failed")
                self.assertTrue(failed.last_error)
                for secret in values:
                    self.assertNotIn(secret, failed.last_error)
