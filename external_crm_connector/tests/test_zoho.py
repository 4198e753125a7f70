# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.adapters.zoho.client import ZohoClient
from odoo.addons.external_crm_connector.adapters.zoho.oauth import (
    ZohoTokenError,
    refresh_access_token,
)
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmApiError,
    ExternalCrmTransientError,
    MalformedDelivery,
)
from odoo.addons.queue_job.exception import RetryableJobError

from .clock import LATER, day_text, epoch_ms, iso, moment
from .common import ExternalCrmCase, sample
from .fake_zoho import FakeZoho

CHANNEL_TOKEN = "zoho-channel-token"
ACCOUNT = "4150868000000224003"
CONTACT = "4150868000000230001"
DEAL = "4150868000000240001"
LOGGER = "odoo.addons.external_crm_connector.models.external_crm_backend_zoho"


class ZohoCase(ExternalCrmCase):
    """A backend calling a fake Zoho, emptied before each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_zoho()

    def setUp(self):
        super().setUp()
        # webhook settings are cached: a test's backend changes must show
        self.env.registry.clear_cache()
        self._reset_fake()

    @classmethod
    def _setup_zoho(cls):
        cls._setup_connector()
        cls.fake = FakeZoho().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].set_param("external_crm_connector.api_backoff", "0.01")
        cls.zoho = cls._create_backend(
            name="Zoho",
            provider="zoho",
            webhook_secret=CHANNEL_TOKEN,
            zoho_data_centre="eu",
            zoho_accounts_url=cls.fake.url,
            zoho_client_id=cls.fake.client_id,
            zoho_client_secret=cls.fake.client_secret,
            zoho_refresh_token=cls.fake.refresh_token,
            api_base_url=cls.fake.url,
        )

    def _reset_fake(self):
        fake = self.fake
        fake.reset()
        fake.add(
            "company",
            ACCOUNT,
            {
                "Account_Name": "Atlas Zoho",
                "Phone": "0522-123456",
                "Website": "atlas-zoho.example",
                "Billing_Street": "12 Bd Zerktouni",
                "Billing_City": "Casablanca",
                "Billing_Code": "20000",
                "Billing_Country": "Morocco",
            },
            modified=iso(moment(1, 16), "+01:00", 1),
        )
        fake.add(
            "contact",
            CONTACT,
            {
                "First_Name": "Salma",
                "Last_Name": "Idrissi",
                "Email": "Salma@Atlas-Zoho.example",
                "Phone": "+212 522-654321",
                "Account_Name": {"name": "Atlas Zoho", "id": ACCOUNT},
            },
            modified=iso(moment(1, 16, 0, 1), "+00:00"),
        )
        fake.add(
            "deal",
            DEAL,
            {
                "Deal_Name": "Zoho Supply 2027",
                "Amount": 98000.5,
                "Closing_Date": day_text(38),
                "Stage": "Closed Won",
                "Account_Name": {"name": "Atlas Zoho", "id": ACCOUNT},
            },
            modified=iso(moment(1, 16, 0, 3), "+00:00"),
        )

    @staticmethod
    def _notification(module, operation, ids, server_time=None, token=CHANNEL_TOKEN):
        return {
            "server_time": server_time or epoch_ms(LATER),
            "query_params": {},
            "module": module,
            "resource_uri": f"https://www.zohoapis.com/crm/v6/{module}",
            "ids": ids,
            "affected_fields": [],
            "operation": operation,
            "channel_id": "1000000068001",
            "token": token,
        }


@tagged("post_install", "-at_install")
class TestZoho(ZohoCase, TransactionCase):
    """Zoho CRM end to end, against a fake Zoho (accounts server and API) on loopback."""

    def _client(self, sleeps):
        def renew():
            return refresh_access_token(
                self.fake.url, self.fake.client_id, self.fake.client_secret, "1000.r"
            )[0]

        return ZohoClient(self.fake.url, None, renew=renew, backoff=0.01, sleep=sleeps.append)

    # -- configuration -------------------------------------------------------------
    def test_default_field_map_and_stage_map(self):
        maps = {(m.object_kind, m.external_field): m for m in self.zoho.field_map_ids}
        self.assertEqual(maps[("company", "Account_Name")].field_name, "name")
        self.assertEqual(maps[("company", "Billing_Country")].transform, "country_iso")
        self.assertEqual(maps[("contact", "First_Name+Last_Name")].field_name, "name")
        self.assertEqual(maps[("contact", "Account_Name.id")].field_name, "parent_id")
        self.assertEqual(maps[("deal", "Account_Name.id")].field_name, "partner_id")
        self.assertEqual(maps[("deal", "Closing_Date")].field_name, "date_deadline")
        stages = {v.external_value: v for v in maps[("deal", "Stage")].value_ids}
        self.assertTrue(stages["Closed Won"].stage_id.is_won)
        self.assertTrue(stages["Closed Lost"].is_lost)
        self.assertTrue(stages["Closed-Lost to Competition"].is_lost)
        self.assertFalse(stages["Qualification"].is_lost)

    def test_data_centre_chooses_the_servers(self):
        backend = self._create_backend(name="Zoho IN", provider="zoho", zoho_data_centre="in")
        self.assertEqual(backend.zoho_accounts_url, "https://accounts.zoho.in")
        self.assertEqual(backend.api_base_url, "https://www.zohoapis.in")
        backend.write({"zoho_data_centre": "ca"})
        self.assertEqual(backend.zoho_accounts_url, "https://accounts.zohocloud.ca")
        self.assertEqual(backend.api_base_url, "https://www.zohoapis.ca")
        backend.zoho_data_centre = "com.au"
        self.assertEqual(backend.zoho_accounts_url, "https://accounts.zoho.com.au")

    def test_credentials_are_for_administrators(self):
        backend = self.zoho.with_user(self.manager)
        self.assertEqual(backend.name, "Zoho")
        for fname in ("zoho_client_secret", "zoho_refresh_token", "zoho_access_token"):
            self.assertEqual(self.zoho._fields[fname].groups, "base.group_system")
        with self.assertRaises(AccessError):
            backend.read(["zoho_refresh_token"])

    def test_channel_token_is_at_most_50_characters(self):
        with self.assertRaises(ValidationError):
            self.zoho.webhook_secret = "x" * 51
        self.zoho.webhook_secret = "y" * 50

    # -- deliveries ---------------------------------------------------------------
    def test_authentication(self):
        provider = get_provider(self.zoho)
        body = sample("zoho_notification.json")
        self.assertTrue(provider.authenticate(CHANNEL_TOKEN, None, body, 0))
        self.assertFalse(provider.authenticate("other-token", None, body, 0))
        self.assertFalse(provider.authenticate("", None, body, 0))
        no_token = json.dumps({**json.loads(body), "token": None}).encode()
        self.assertFalse(provider.authenticate(CHANNEL_TOKEN, None, no_token, 0))
        self.assertFalse(provider.authenticate(CHANNEL_TOKEN, None, b"{not json", 0))
        # a list: every item must carry the token
        mixed = json.dumps([json.loads(body), {**json.loads(body), "token": "x"}]).encode()
        self.assertFalse(provider.authenticate(CHANNEL_TOKEN, None, mixed, 0))

    def test_parse_delivery(self):
        items = get_provider(self.zoho).parse_delivery(sample("zoho_notification.json"))
        self.assertEqual([i.external_id for i in items], [ACCOUNT, "4150868000000224005"])
        first = items[0]
        self.assertEqual((first.object_kind, first.action), ("company", "upsert"))
        self.assertEqual(
            first.idempotency_key, f"zoho:1000000068001:Accounts:{ACCOUNT}:update:1764000000000"
        )
        self.assertEqual(
            first.external_modified_at, datetime.fromtimestamp(1764000000, UTC).replace(tzinfo=None)
        )
        payload = json.loads(first.payload)
        self.assertNotIn("token", payload, "the channel token is a secret")
        self.assertEqual(payload["ids"], [ACCOUNT])
        deleted = get_provider(self.zoho).parse_delivery(
            json.dumps(self._notification("Deals", "delete", [DEAL])).encode()
        )
        self.assertEqual((deleted[0].object_kind, deleted[0].action), ("deal", "delete"))
        leads = get_provider(self.zoho).parse_delivery(
            json.dumps(self._notification("Leads", "insert", ["1"])).encode()
        )
        self.assertFalse(leads[0].object_kind, "other modules are stored, then ignored")

    def test_malformed_deliveries(self):
        """A malformed notification is a rejected item, without the channel token."""
        provider = get_provider(self.zoho)
        for broken, reason in (
            ({**self._notification("Accounts", "insert", [ACCOUNT]), "ids": []}, "'ids'"),
            ({**self._notification("Accounts", "insert", [ACCOUNT]), "ids": "1"}, "'ids'"),
            ({**self._notification("Accounts", "insert", [ACCOUNT]), "module": None}, "module"),
            ({**self._notification("Accounts", "insert", [ACCOUNT]), "operation": ""}, "operation"),
            ({**self._notification("Accounts", "insert", [{"id": 1}])}, "not a record id"),
            (
                {**self._notification("Accounts", "insert", [ACCOUNT]), "server_time": "soon"},
                "server_time",
            ),
        ):
            (item,) = provider.parse_delivery(json.dumps(broken).encode())
            self.assertIn(reason, item.rejection)
            self.assertNotIn(CHANNEL_TOKEN, item.payload, "the channel token is a secret")
            self.assertTrue(item.idempotency_key.startswith("rejected:"))
        # one bad id among good ones: only that id is rejected
        items = provider.parse_delivery(
            json.dumps(
                self._notification("Accounts", "update", [ACCOUNT, 1.5, "4150868000000224005"])
            ).encode()
        )
        self.assertEqual(
            [(item.external_id, bool(item.rejection)) for item in items],
            [(ACCOUNT, False), (None, True), ("4150868000000224005", False)],
        )
        self.assertEqual(json.loads(items[1].payload)["ids"], [1.5])
        with self.assertRaises(MalformedDelivery):
            provider.parse_delivery(b"[]")

    def test_company_created_updated_deleted(self):
        events = self._deliver(self.zoho, sample("zoho_notification.json"))
        self.assertEqual(events[0].state, "done", events[0].last_error)
        self.assertEqual(events[1].state, "ignored", "not in Zoho: nothing to import")
        company = events[0].partner_id
        self.assertEqual(company.name, "Atlas Zoho")
        self.assertEqual(company.phone, "+212522123456")
        self.assertEqual(company.website, "http://atlas-zoho.example")
        self.assertEqual(
            (company.street, company.city, company.zip), ("12 Bd Zerktouni", "Casablanca", "20000")
        )
        self.assertEqual(company.country_id, self.morocco)
        self.assertTrue(company.is_company)
        binding = self._binding(self.zoho, "company", ACCOUNT)
        self.assertEqual(binding.external_modified_at, moment(1, 16))
        # one read for the two ids, with the Zoho token header
        reads = self.fake.calls("/crm/v6/Accounts", method="GET")
        self.assertEqual(len(reads), 1)
        self.assertIn("ids=", reads[0][2])
        self.assertTrue(reads[0][3]["Authorization"].startswith("Zoho-oauthtoken 1000.access."))
        # update
        self.fake.add(
            "company",
            ACCOUNT,
            {"Account_Name": "Atlas Zoho SA", "Phone": "0522-999999", "Billing_City": "Rabat"},
            modified=iso(moment(2, 9), "+00:00"),
        )
        update = self._deliver(
            self.zoho, self._notification("Accounts", "update", [ACCOUNT], epoch_ms(moment(2, 9)))
        )
        self.assertEqual(update.state, "done", update.last_error)
        self.assertEqual(company.name, "Atlas Zoho SA")
        self.assertEqual(company.phone, "+212522999999")
        self.assertEqual(company.city, "Rabat")
        # delete: archived, never deleted
        self.fake.remove("company", ACCOUNT)
        deletion = self._deliver(
            self.zoho, self._notification("Accounts", "delete", [ACCOUNT], epoch_ms(moment(2, 10)))
        )
        self.assertEqual(deletion.state, "done", deletion.last_error)
        self.assertTrue(company.exists())
        self.assertFalse(company.active)

    def test_contact_created_with_its_account_then_deleted(self):
        events = self._deliver(self.zoho, self._notification("Contacts", "insert", [CONTACT]))
        self.assertEqual(events.state, "done", events.last_error)
        contact = events.partner_id
        self.assertEqual(contact.name, "Salma Idrissi")
        self.assertEqual(contact.email, "salma@atlas-zoho.example")
        self.assertEqual(contact.phone, "+212522654321")
        self.assertEqual(contact.parent_id.name, "Atlas Zoho", "the account is imported first")
        dependency = self.env["external.crm.event"].search(
            [
                ("backend_id", "=", self.zoho.id),
                ("idempotency_key", "=", f"dependency:company:{ACCOUNT}"),
            ]
        )
        self.assertEqual(dependency.state, "done")
        # the contact leaves its account in Zoho
        self.fake.records["contact"][CONTACT].update(
            Account_Name=None, Modified_Time=iso(moment(2, 10), "+00:00")
        )
        self._deliver(
            self.zoho, self._notification("Contacts", "update", [CONTACT], epoch_ms(moment(2, 10)))
        )
        self.assertFalse(contact.parent_id)
        self.fake.remove("contact", CONTACT)
        self._deliver(
            self.zoho, self._notification("Contacts", "delete", [CONTACT], epoch_ms(moment(2, 11)))
        )
        self.assertFalse(contact.active)

    def test_deal_won_then_lost_then_deleted(self):
        self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        event = self._deliver(self.zoho, self._notification("Deals", "insert", [DEAL]))
        self.assertEqual(event.state, "done", event.last_error)
        deal = event.lead_id
        self.assertEqual(deal.name, "Zoho Supply 2027")
        self.assertEqual(deal.expected_revenue, 98000.5)
        self.assertEqual(fields.Date.to_string(deal.date_deadline), day_text(38))
        self.assertEqual(deal.partner_id.name, "Atlas Zoho")
        self.assertTrue(deal.stage_id.is_won, "Closed Won marks the opportunity won")
        self.fake.records["deal"][DEAL].update(
            Stage="Closed-Lost to Competition", Modified_Time=iso(moment(2, 10), "+00:00")
        )
        lost = self._deliver(
            self.zoho, self._notification("Deals", "update", [DEAL], epoch_ms(moment(2, 10)))
        )
        self.assertEqual(lost.state, "done", lost.last_error)
        self.assertFalse(deal.active, "lost to competition marks it lost")
        self.assertEqual(deal.lost_reason_id, self.zoho.lost_reason_id)
        self.fake.remove("deal", DEAL)
        self._deliver(
            self.zoho, self._notification("Deals", "delete", [DEAL], epoch_ms(moment(2, 11)))
        )
        self.assertTrue(deal.exists())

    def test_closed_lost_stage(self):
        self.fake.records["deal"][DEAL]["Stage"] = "Closed Lost"
        self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        event = self._deliver(self.zoho, self._notification("Deals", "insert", [DEAL]))
        self.assertEqual(event.state, "done", event.last_error)
        self.assertFalse(event.lead_id.active)
        self.assertEqual(event.lead_id.probability, 0)

    def test_repeated_delivery_is_stored_once(self):
        body = sample("zoho_notification.json")
        self.assertEqual(len(self._store(self.zoho, body)), 2)
        self.assertFalse(self._store(self.zoho, body))

    # -- OAuth ----------------------------------------------------------------------
    def test_token_refreshed_on_401_once(self):
        self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        self.assertEqual(self.fake.issued, 1, "no token yet: one asked before the first call")
        first = self.zoho.zoho_access_token
        self.assertEqual(first, "1000.access.1")
        self.assertEqual(self.zoho.api_base_url, self.fake.url, "the api_domain of the answer")
        # the stored token is used while it is valid
        self._deliver(self.zoho, self._notification("Contacts", "insert", [CONTACT]))
        self.assertEqual(self.fake.issued, 1)
        # Zoho revokes it: 401 INVALID_TOKEN, renewed once, the call made again
        self.fake.expire_token()
        self.fake.add("deal", DEAL, {"Deal_Name": "Renewed", "Stage": "Qualification"})
        event = self._deliver(self.zoho, self._notification("Deals", "insert", [DEAL]))
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(self.fake.issued, 2)
        self.assertEqual(self.zoho.zoho_access_token, "1000.access.2")
        statuses = [r for r in self.fake.calls("/crm/v6/Deals")]
        self.assertEqual(len(statuses), 2, "the refused call, then the same call again")

    def test_token_renewed_only_once_per_call(self):
        sleeps = []
        client = self._client(sleeps)
        renewals = []

        def bad_renew():
            renewals.append(1)
            return "1000.still-wrong"

        client.renew = bad_renew
        with self.assertRaises(ExternalCrmApiError):
            client.read_records("company", [ACCOUNT], ["Account_Name"])
        self.assertEqual(len(renewals), 2, "one before the call (no token), one on the 401")
        self.assertEqual(len(self.fake.calls("/crm/v6/Accounts")), 2, "refused, then once more")

    def test_refused_refresh_token_fails_the_event(self):
        self.zoho.zoho_refresh_token = "1000.revoked"
        event = self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        self.assertEqual(event.state, "failed")
        self.assertIn("invalid_code", event.last_error)
        with self.assertRaises(ZohoTokenError):
            refresh_access_token(self.fake.url, "1000.CLIENT", "wrong", "1000.r")

    def test_new_credentials_drop_the_access_token(self):
        self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        self.assertTrue(self.zoho.zoho_access_token)
        self.zoho.zoho_client_secret = self.fake.client_secret
        self.assertFalse(self.zoho.zoho_access_token)

    # -- REST client ---------------------------------------------------------------
    def test_client_honours_retry_after(self):
        self.fake.fail("/crm/v6/Accounts", 429, retry_after=3)
        sleeps = []
        found = self._client(sleeps).read_records("company", [ACCOUNT], ["Account_Name"])
        self.assertEqual(found[ACCOUNT]["Account_Name"], "Atlas Zoho")
        self.assertEqual(sleeps, [3.0])
        self.assertEqual(len(self.fake.calls("/crm/v6/Accounts")), 2)

    def test_client_retries_5xx_with_backoff(self):
        self.fake.fail("/crm/v6/Contacts", 500, 503)
        sleeps = []
        found = self._client(sleeps).read_records("contact", [CONTACT], ["Email"])
        self.assertEqual(found[CONTACT]["Email"], "Salma@Atlas-Zoho.example")
        self.assertEqual(sleeps, [0.01, 0.02])

    def test_client_gives_up_on_lasting_5xx(self):
        self.fake.fail("/crm/v6/Accounts", 500, 500, 500, 500)
        with self.assertRaises(ExternalCrmTransientError):
            self._client([]).read_records("company", [ACCOUNT], ["Account_Name"])

    def test_rate_limit_inside_one_job(self):
        self.fake.fail("/crm/v6/Accounts", 429, retry_after=0)
        event = self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        self.assertEqual(event.state, "done", event.last_error)

    def test_transient_failure_then_retry_succeeds(self):
        self._deliver(self.zoho, self._notification("Contacts", "insert", ["1"]))  # a token
        self.fake.fail("/crm/v6/Accounts", 500, 500, 500, 500)
        event = self._deliver(self.zoho, self._notification("Accounts", "insert", [ACCOUNT]))
        self.assertEqual(event.state, "received", "nothing is dropped")
        self.assertIn("HTTP 500", event.last_error)
        self.assertTrue(event.next_attempt_at)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
            self._process(self.zoho)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.name, "Atlas Zoho")

    # -- initial import -------------------------------------------------------------
    def _many(self, contacts=250):
        for index in range(contacts):
            self.fake.add(
                "contact",
                5000 + index,
                {
                    "First_Name": "Person",
                    "Last_Name": str(index),
                    "Email": f"person{index}@zoho-import.example",
                    "Account_Name": None,
                },
                modified=iso(moment(-3 + index % 3, 10, 0, index % 60), "+00:00"),
            )

    def _contact_pages(self, with_token):
        return [
            q
            for m, _path, q, _headers, _body in self.fake.calls("/crm/v6/Contacts")
            if m == "GET"
            and "ids=" not in q
            and ("page_token" in q) == with_token
            and "actions" not in _path
        ]

    def test_initial_import_pages_with_progress(self):
        self._many(250)
        self.zoho.action_start_import()
        self._run_import(self.zoho)
        cursors = {c.object_kind: c for c in self.zoho.cursor_ids}
        self.assertEqual(cursors["contact"].done_count, 251)
        self.assertEqual(cursors["contact"].total_count, 251)
        self.assertEqual(cursors["contact"].page_count, 3)
        self.assertEqual(self.zoho.import_state, "done")
        self.assertEqual(self.zoho.import_progress, 100.0)
        self.assertEqual(len(self._contact_pages(with_token=True)), 2, "pages 2, 3: page_token")
        self._process(self.zoho)
        bound = self.env["external.crm.binding"].search_count(
            [("backend_id", "=", self.zoho.id), ("object_kind", "=", "contact")]
        )
        self.assertEqual(bound, 251)
        deal = self._binding(self.zoho, "deal", DEAL).lead_id
        self.assertEqual(deal.partner_id.name, "Atlas Zoho")
        self.assertTrue(deal.stage_id.is_won)
        reads = [c for c in self.fake.calls("/crm/v6/") if "ids=" in c[2]]
        self.assertFalse(reads, "the pages carry the records: no read by ids")

    def test_crash_during_import_resumes(self):
        self._many(250)
        self.zoho.action_start_import()
        companies = self.zoho.cursor_ids.filtered(lambda c: c.object_kind == "company")
        companies.with_user(self.integration_user)._import_next_page()
        contacts = self.zoho.cursor_ids.filtered(lambda c: c.object_kind == "contact")
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual(contacts.done_count, 100)
        stored_after = contacts.after
        self.assertTrue(stored_after.startswith("token:"))
        # the worker dies while reading page 2: the transaction is rolled back
        self.fake.fail("/crm/v6/Contacts", 503, 503, 503, 503)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            contacts.with_user(self.integration_user)._import_next_page()
        self.env.invalidate_all()
        self.assertEqual((contacts.after, contacts.done_count), (stored_after, 100))
        # a permanent error stops the import, visible on the backend
        self.fake.fail("/crm/v6/Contacts", 403)  # NO_PERMISSION: the scope was removed
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual(self.zoho.import_state, "failed")
        self.assertIn("403", contacts.last_error)
        # started again, it resumes at the stored cursor
        self.fake.requests = []
        self.zoho.action_start_import()
        self._run_import(self.zoho)
        self.assertFalse(self._contact_pages(with_token=False), "page 1 is not read again")
        self.assertEqual(contacts.done_count, 251)
        self.assertEqual(self.zoho.import_state, "done")
        stored = self.env["external.crm.event"].search_count(
            [("backend_id", "=", self.zoho.id), ("object_kind", "=", "contact")]
        )
        self.assertEqual(stored, 251, "each record stored once")

    def test_import_resumed_after_the_page_token_expired(self):
        self._many(250)
        self.zoho.action_start_import()
        self._run_import_pages(self.zoho, 2)  # the company page, then contacts page 1
        contacts = self.zoho.cursor_ids.filtered(lambda c: c.object_kind == "contact")
        self.assertEqual(contacts.done_count, 100)
        self.fake.tokens.clear()  # a day later, Zoho has forgotten the page token
        self._run_import(self.zoho)
        self.assertEqual(self.zoho.import_state, "done")
        pages = [q for q in self._contact_pages(with_token=False) if "page=2" in q]
        self.assertEqual(len(pages), 1, "page 2 read by its number instead")
        stored = self.env["external.crm.event"].search_count(
            [("backend_id", "=", self.zoho.id), ("object_kind", "=", "contact")]
        )
        self.assertEqual(stored, 251, "nothing lost, nothing stored twice")

    def _run_import_pages(self, backend, count):
        for _round in range(count):
            cursor = backend.cursor_ids.filtered(lambda c: c.state in ("waiting", "running"))[:1]
            cursor.with_user(self.integration_user)._import_next_page()

    def test_snapshot_is_read_back_without_api_call(self):
        provider = get_provider(self.zoho)
        records, _after = provider.import_page("contact", None, limit=10)
        self.fake.requests = []
        payload = provider.snapshot_payload(records[0])
        events = self.env["external.crm.event"].new(
            {
                "object_kind": "contact",
                "external_id": records[0].external_id,
                "payload": json.dumps(payload),
                "action": "upsert",
            }
        )
        again = provider.fetch(events)[events.id]
        self.assertEqual(again.values, records[0].values)
        self.assertEqual(again.modified_at, records[0].modified_at)
        self.assertEqual(again.values["Account_Name.id"], ACCOUNT)
        self.assertFalse(self.fake.requests)

    # -- catch-up pull -------------------------------------------------------------
    def test_changed_page_since_in_modification_order(self):
        self._many(250)
        self.fake.add("contact", 9999, {"Last_Name": "Exact"}, iso(moment(-2, 10, 0, 30), "+00:00"))
        provider = get_provider(self.zoho)
        since = moment(-2, 10, 0, 30)
        seen, after, pages = [], None, 0
        while True:
            records, after = provider.changed_page("contact", since, after, limit=40)
            seen.extend(records)
            pages += 1
            if not after:
                break
        expected = [
            r
            for r in self.fake.records["contact"].values()
            if datetime.fromisoformat(r["Modified_Time"]).replace(tzinfo=None) >= since
        ]
        self.assertEqual(len(seen), len(expected))
        self.assertGreater(pages, 2)
        moments = [r.modified_at for r in seen]
        self.assertEqual(moments, sorted(moments), "ascending modification order")
        self.assertEqual(min(moments), since, "changed at `since` exactly is included")
        headers = [h for _m, _p, q, h, _b in self.fake.calls("/crm/v6/Contacts")]
        self.assertTrue(
            all(h.get("If-Modified-Since") == iso(moment(-2, 10, 0, 29), "+00:00") for h in headers)
        )

    def test_catch_up_pull_recovers_a_missed_change(self):
        self.zoho.action_pull_changes()
        self._run_pull(self.zoho)
        self._process(self.zoho)
        contact = self._binding(self.zoho, "contact", CONTACT).partner_id
        self.assertEqual(contact.parent_id.name, "Atlas Zoho")
        self.assertTrue(self._binding(self.zoho, "deal", DEAL).lead_id.stage_id.is_won)
        # a change whose notification was lost is read by the next pull
        self.fake.records["contact"][CONTACT].update(
            Email="salma.new@atlas-zoho.example", Modified_Time=iso(moment(3, 8), "+00:00")
        )
        self.zoho.pull_cursor_ids.write({"last_pull_date": False})
        self.zoho.action_pull_changes()
        self._run_pull(self.zoho)
        self._process(self.zoho)
        self.assertEqual(contact.email, "salma.new@atlas-zoho.example")
        since = [h.get("If-Modified-Since") for _m, p, _q, h, _b in self.fake.calls("/Contacts")]
        self.assertIn(iso(moment(1, 16), "+00:00"), since, "from the newest change stored")

    def test_changed_page_nothing_changed(self):
        records, after = get_provider(self.zoho).changed_page(
            "company", moment(39, 0), None, limit=100
        )
        self.assertEqual((records, after), ([], None))

    # -- notification channel ------------------------------------------------------
    def test_subscribe_then_renew(self):
        self.zoho.action_zoho_subscribe()
        channel_id = self.zoho.zoho_channel_id
        self.assertTrue(channel_id.isdigit())
        channel = self.fake.channels[channel_id]
        self.assertEqual(channel["events"], ["Accounts.all", "Contacts.all", "Deals.all"])
        self.assertEqual(channel["notify_url"], self.zoho.webhook_url)
        self.assertEqual(channel["token"], CHANNEL_TOKEN)
        expiry = self.zoho.zoho_watch_expiry
        self.assertLessEqual(expiry, fields.Datetime.now() + timedelta(days=7))
        self.assertGreater(expiry, fields.Datetime.now() + timedelta(days=6))
        self.assertEqual(len(self.fake.calls("/actions/watch", method="POST")), 1)
        # a second subscription extends the same channel
        with freeze_time(fields.Datetime.now() + timedelta(days=3)):
            self.zoho.action_zoho_subscribe()
        self.assertEqual(self.zoho.zoho_channel_id, channel_id)
        self.assertEqual(len(self.fake.calls("/actions/watch", method="PATCH")), 1)
        self.assertGreater(self.zoho.zoho_watch_expiry, expiry)

    def test_subscribe_gives_a_secret_to_a_backend_without_one(self):
        backend = self._create_backend(
            name="Zoho new",
            provider="zoho",
            zoho_accounts_url=self.fake.url,
            zoho_client_id=self.fake.client_id,
            zoho_client_secret=self.fake.client_secret,
            zoho_refresh_token=self.fake.refresh_token,
            api_base_url=self.fake.url,
        )
        backend.action_zoho_subscribe()
        self.assertEqual(len(backend.webhook_secret), 43)
        self.assertEqual(
            self.fake.channels[backend.zoho_channel_id]["token"], backend.webhook_secret
        )

    def test_subscribe_failure_is_a_clear_error(self):
        self.zoho.zoho_refresh_token = "1000.revoked"
        with self.assertRaisesRegex(UserError, "invalid_code"):
            self.zoho.action_zoho_subscribe()
        with self.assertRaises(UserError):
            self.generic.action_zoho_subscribe()

    def test_cron_renews_channels_that_expire_soon(self):
        self.zoho.action_zoho_subscribe()
        other = self._create_backend(
            name="Zoho fresh", provider="zoho", webhook_secret="t", zoho_channel_id="1234567890123"
        )
        other.zoho_watch_expiry = fields.Datetime.now() + timedelta(days=10)
        self.fake.requests = []
        # five days later, the first channel expires within two days
        with freeze_time(fields.Datetime.now() + timedelta(days=5, hours=1)):
            renewed = self.env["external.crm.backend"]._cron_zoho_renew_channels()
        self.assertEqual(renewed, 1, "the other channel still has four days")
        self.assertEqual(len(self.fake.calls("/actions/watch", method="PATCH")), 1)
        self.assertGreater(self.zoho.zoho_watch_expiry, fields.Datetime.now() + timedelta(days=11))

    def test_cron_subscribes_an_expired_channel_again(self):
        self.zoho.action_zoho_subscribe()
        self.fake.channels.clear()  # Zoho dropped it
        self.fake.requests = []
        with freeze_time(fields.Datetime.now() + timedelta(days=8)):
            self.env["external.crm.backend"]._cron_zoho_renew_channels()
        self.assertEqual(len(self.fake.calls("/actions/watch", method="POST")), 1)
        self.assertIn(self.zoho.zoho_channel_id, self.fake.channels)

    def test_cron_keeps_the_error_and_goes_on(self):
        self.zoho.action_zoho_subscribe()
        self.fake.fail("/actions/watch", 500, 500, 500, 500)
        with (
            freeze_time(fields.Datetime.now() + timedelta(days=6)),
            self.assertLogs(LOGGER, "WARNING"),
        ):
            self.env["external.crm.backend"]._cron_zoho_renew_channels()
        self.assertIn("HTTP 500", self.zoho.zoho_watch_error)
        self.zoho.action_zoho_subscribe()
        self.assertFalse(self.zoho.zoho_watch_error)

    def test_new_webhook_url_moves_the_channel(self):
        self.zoho.action_zoho_subscribe()
        self.zoho.action_regenerate_token()
        channel = self.fake.channels[self.zoho.zoho_channel_id]
        self.assertEqual(channel["notify_url"], self.zoho.webhook_url)
        self.assertIn(self.zoho.webhook_token, channel["notify_url"])


@tagged("post_install", "-at_install")
class TestZohoWebhook(ZohoCase, HttpCase):
    """Zoho deliveries through the real controller."""

    def _post(self, body):
        return self.url_open(
            f"/external_crm/webhook/{self.zoho.webhook_token}",
            data=body,
            headers={"Content-Type": "application/json"},
        )

    def _events(self):
        return self.env["external.crm.event"].search([("backend_id", "=", self.zoho.id)])

    def test_accepted_then_repeated(self):
        body = sample("zoho_notification.json")
        response = self._post(body)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["accepted"], 2)
        events = self._events()
        self.assertEqual(set(events.mapped("external_id")), {ACCOUNT, "4150868000000224005"})
        self.assertNotIn(CHANNEL_TOKEN, "".join(events.mapped("payload")))
        again = self._post(body)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(len(self._events()), 2)

    def test_refused(self):
        notification = self._notification("Accounts", "insert", [ACCOUNT])
        for body in (
            json.dumps({**notification, "token": "wrong"}).encode(),
            json.dumps({k: v for k, v in notification.items() if k != "token"}).encode(),
            b"{broken",
        ):
            response = self._post(body)
            self.assertEqual(response.status_code, 401, response.text)
        self.assertFalse(self._events(), "nothing is stored")

    def test_malformed_but_authentic(self):
        body = json.dumps({**self._notification("Accounts", "insert", [ACCOUNT]), "ids": []})
        response = self._post(body.encode())
        self.assertEqual(response.status_code, 422)
        self.assertIn("ids", response.json()["error"])
        event = self._events()
        self.assertEqual(event.state, "rejected")
        self.assertIn("'ids'", event.last_error)
        self.assertNotIn(CHANNEL_TOKEN, event.payload)

    def test_one_bad_record_id_keeps_the_others(self):
        notification = self._notification("Accounts", "update", [ACCOUNT, {"id": 7}])
        response = self._post(json.dumps(notification).encode())
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["accepted"], 1)
        self.assertEqual(answer["rejected"][0]["index"], 0)
        self.assertIn("not a record id", answer["rejected"][0]["reason"])
        events = self._events()
        self.assertEqual(
            sorted(events.mapped("state")), ["received", "rejected"], events.mapped("last_error")
        )
        self.assertNotIn(CHANNEL_TOKEN, "".join(events.mapped("payload")))
