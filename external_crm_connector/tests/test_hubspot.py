# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.external_crm_connector.adapters.hubspot.client import HubSpotClient
from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmApiError,
    ExternalCrmTransientError,
)
from odoo.addons.queue_job.exception import RetryableJobError

from .clock import EARLIER, day_text, epoch_ms, iso, moment
from .common import ExternalCrmCase, sample
from .jobs import trap_jobs

TOKEN = "pat-na1-test"


@tagged("post_install", "-at_install")
class TestHubSpot(ExternalCrmCase, TransactionCase):
    """HubSpot end to end, against a fake HubSpot API on loopback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot(TOKEN, name="HubSpot")

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        fake = self.fake
        fake.add(
            "company",
            9001,
            {
                "name": "Atlas HubSpot",
                "phone": "0522-123456",
                "address": "12 Bd Zerktouni",
                "city": "Casablanca",
                "country": "MA",
                "domain": "atlas.example",
            },
            updated_at=iso(moment(1, 16)),
        )
        fake.add(
            "contact",
            123,
            {
                "firstname": "Karim",
                "lastname": "Benali",
                "email": "Karim@Atlas.example",
                "phone": "+212 522-123456",
                "associatedcompanyid": "9001",
            },
            updated_at=iso(moment(1, 16, 0, 1)),
        )
        fake.add(
            "deal",
            777,
            {
                "dealname": "Supply 2027",
                "amount": "120000.50",
                "dealstage": "closedwon",
                "closedate": iso(moment(38, 0)),
            },
            updated_at=iso(moment(1, 16, 0, 3)),
            company=9001,
        )

    def _client(self, sleeps):
        return HubSpotClient(self.fake.url, TOKEN, backoff=0.01, sleep=sleeps.append)

    def _event(self, subscription, object_id, event_id, occurred=None, **extra):
        return {
            "eventId": event_id,
            "subscriptionId": 1,
            "portalId": 62515,
            "appId": 54321,
            "occurredAt": occurred or epoch_ms(EARLIER),
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": object_id,
            "changeSource": "CRM",
            **extra,
        }

    # -- REST client ---------------------------------------------------------------
    def test_client_honours_retry_after(self):
        self.fake.fail("/batch/read", 429, retry_after=2)
        sleeps = []
        found = self._client(sleeps).read_batch("contact", ["123"], ["email"])
        self.assertEqual(found["123"]["properties"]["email"], "Karim@Atlas.example")
        self.assertEqual(sleeps, [2.0])
        self.assertEqual(len(self.fake.calls("/batch/read")), 2)

    def test_client_retries_5xx_with_backoff(self):
        self.fake.fail("/batch/read", 500, 502)
        sleeps = []
        found = self._client(sleeps).read_batch("company", ["9001"], ["name"])
        self.assertIn("9001", found)
        self.assertEqual(sleeps, [0.01, 0.02])

    def test_client_gives_up_then_permanent_errors(self):
        self.fake.fail("/batch/read", 500, 500, 500, 500)
        with self.assertRaises(ExternalCrmTransientError):
            self._client([]).read_batch("company", ["9001"], ["name"])
        with self.assertRaises(ExternalCrmApiError):
            HubSpotClient(self.fake.url, "wrong-token", sleep=lambda s: None).read_batch(
                "company", ["9001"], ["name"]
            )

    def test_client_url_refused_by_requests_is_a_permanent_error(self):
        """A URL requests cannot call is the connector's error, not retried.

        Before, requests' MissingSchema, InvalidSchema and InvalidURL went up
        as they were: a traceback instead of a message.
        """
        for base_url in ("api.hubapi.com", "ftp://127.0.0.1", "http://", "http://[::1", ""):
            with self.assertRaisesRegex(ExternalCrmApiError, "check the API base URL"):
                HubSpotClient(base_url, TOKEN, sleep=self.fail).read_batch(
                    "company", ["9001"], ["name"]
                )

    def test_api_base_url_must_be_an_http_url(self):
        """Refused when saved, with a message, rather than failing every call later."""
        for value in (
            "api.hubapi.com",
            "ftp://api.hubapi.com",
            "https://",
            "https:///crm",
            "http://:8069",
            "mailto:crm@example.com",
            "https://api.hubapi.com:port",
            "https://api hubapi.com",
            "https://api.hubapi.com ",
        ):
            with self.assertRaisesRegex(ValidationError, "API base URL"), self.env.cr.savepoint():
                self.hubspot.api_base_url = value
        # loopback: the tests allow it (external_crm_connector.allow_loopback)
        for value in (
            "https://api.hubapi.com",
            "http://127.0.0.1:8069",
            "https://api-eu1.hubapi.com/api/",
        ):
            self.hubspot.api_base_url = value
        # empty: the provider's own URL is used
        self.hubspot.api_base_url = False
        self.assertEqual(get_provider(self.hubspot)._client().base_url, "https://api.hubapi.com")
        generic = self._create_backend(name="No API", provider="generic")
        self.assertFalse(generic.api_base_url)

    def test_api_base_url_stored_before_its_check_fails_cleanly(self):
        """The import and the inbox stop with a visible error, not a traceback."""
        self.env.cr.execute(
            SQL(
                "UPDATE external_crm_backend SET api_base_url = %s WHERE id = %s",
                "api.hubapi.com",
                self.hubspot.id,
            )
        )
        self.env.invalidate_all()
        self.hubspot.action_start_import()
        self._run_import(self.hubspot)
        self.assertEqual(self.hubspot.import_state, "failed")
        failed = self.hubspot.cursor_ids.filtered(lambda c: c.state == "failed")
        self.assertIn("check the API base URL", failed.last_error)
        event = self._deliver(self.hubspot, [self._event("company.creation", 9001, 90)])
        self.assertEqual(event.state, "failed")
        self.assertIn("check the API base URL", event.last_error)

    def test_client_paging(self):
        for index in range(5):
            self.fake.add("company", 100 + index, {"name": f"C{index}"})
        client = self._client([])
        results, after = client.list_page("company", ["name"], limit=4)
        self.assertEqual(len(results), 4)
        results, after = client.list_page("company", ["name"], after=after, limit=4)
        self.assertEqual((len(results), after), (2, None))
        self.assertEqual(client.count("company"), 6)

    # -- webhook events -------------------------------------------------------------
    def test_sample_delivery(self):
        self.fake.add(
            "contact",
            124,
            {"firstname": "Merged", "lastname": "Contact", "email": "merged@atlas.example"},
        )
        self.fake.remove("contact", 123)  # merged into 124 since the events were sent
        events = self._deliver(self.hubspot, sample("hubspot_webhook_batch.json"))
        by_id = {e.external_event_id: e for e in events}
        self.assertEqual(by_id["1001"].state, "done", by_id["1001"].last_error)
        company = by_id["1001"].partner_id
        self.assertEqual(company.name, "Atlas HubSpot")
        self.assertEqual(company.phone, "+212522123456")
        self.assertEqual(company.website, "http://atlas.example")
        self.assertEqual(by_id["1002"].state, "ignored", "contact 123 no longer exists")
        self.assertEqual(by_id["1005"].state, "done")
        self.assertEqual(by_id["1005"].partner_id.name, "Merged Contact")
        self.assertEqual(by_id["1006"].state, "ignored", "deleted, never bound")
        deal = by_id["1004"].lead_id
        self.assertEqual(deal.name, "Supply 2027")
        self.assertEqual(deal.partner_id, company)
        self.assertEqual(deal.expected_revenue, 120000.50)
        self.assertTrue(deal.stage_id.is_won)
        self.assertEqual(fields.Date.to_string(deal.date_deadline), day_text(38))
        # one batch read per object type, not one call per event
        self.assertEqual(len(self.fake.calls("/crm/v3/objects/contacts/batch/read")), 1)

    def test_thin_events_of_one_record_are_read_once(self):
        delivery = [
            self._event("company.creation", 9001, 1),
            self._event("contact.creation", 123, 2),
            self._event("contact.propertyChange", 123, 3, propertyName="phone"),
            self._event("contact.propertyChange", 123, 4, propertyName="email"),
        ]
        events = self._deliver(self.hubspot, delivery)
        self.assertEqual(
            events.mapped("state"),
            ["done", "done", "duplicate", "duplicate"],
            events.mapped("summary"),
        )
        contact = events[1].partner_id
        self.assertEqual(contact.name, "Karim Benali")
        self.assertEqual(contact.email, "karim@atlas.example")
        self.assertEqual(contact.parent_id.name, "Atlas HubSpot")
        self.assertEqual(len(self.fake.calls("/contacts/batch/read")), 1)

    def test_related_company_is_imported_first(self):
        events = self._deliver(self.hubspot, [self._event("contact.creation", 123, 10)])
        contact = events.partner_id
        self.assertEqual(contact.parent_id.name, "Atlas HubSpot")
        dependency = self.env["external.crm.event"].search(
            [("idempotency_key", "=", "dependency:company:9001")]
        )
        self.assertEqual(dependency.state, "done")

    def test_transient_failure_then_retry_succeeds(self):
        self.fake.fail("/batch/read", 500, 500, 500, 500)
        with trap_jobs() as trap:
            event = self._deliver(self.hubspot, [self._event("company.creation", 9001, 20)])
        self.assertEqual(event.state, "received", "nothing is dropped")
        self.assertEqual(event.attempts, 1)
        self.assertIn("HTTP 500", event.last_error)
        self.assertTrue(event.next_attempt_at)
        (retry_job,) = (
            job
            for job in trap.enqueued_jobs
            if job.identity_key == f"external_crm_inbox:{self.hubspot.id}:retry"
        )
        self.assertTrue(retry_job.eta)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
            self._process(self.hubspot)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.attempts, 2)
        self.assertEqual(event.partner_id.name, "Atlas HubSpot")

    def test_rate_limit_inside_one_job(self):
        self.fake.fail("/batch/read", 429, retry_after=0)
        event = self._deliver(self.hubspot, [self._event("company.creation", 9001, 21)])
        self.assertEqual(event.state, "done")

    def test_deletion_archives(self):
        self._deliver(self.hubspot, [self._event("company.creation", 9001, 30)])
        partner = self._binding(self.hubspot, "company", "9001").partner_id
        self.fake.remove("company", 9001)
        event = self._deliver(
            self.hubspot,
            [self._event("company.deletion", 9001, 31, occurred=epoch_ms(moment(1, 16, 0, 9)))],
        )
        self.assertEqual(event.state, "done")
        self.assertFalse(partner.active)

    def test_association_change(self):
        self.fake.objects["contact"]["123"]["properties"]["associatedcompanyid"] = None
        self._deliver(
            self.hubspot,
            [self._event("company.creation", 9001, 40), self._event("contact.creation", 123, 41)],
        )
        contact = self._binding(self.hubspot, "contact", "123").partner_id
        self.assertFalse(contact.parent_id)
        item = self.fake.objects["contact"]["123"]
        item["properties"]["associatedcompanyid"] = "9001"
        item["updatedAt"] = iso(moment(1, 17))
        association = self._event(
            "contact.associationChange",
            None,
            42,
            fromObjectId=9001,
            toObjectId=123,
            associationType="COMPANY_TO_CONTACT",
            associationRemoved=False,
        )
        event = self._deliver(self.hubspot, [association])
        self.assertEqual((event.object_kind, event.external_id), ("contact", "123"))
        self.assertEqual(contact.parent_id.name, "Atlas HubSpot")

    def test_merge_moves_the_binding(self):
        self._deliver(self.hubspot, [self._event("contact.creation", 123, 50)])
        binding = self._binding(self.hubspot, "contact", "123")
        partner = binding.partner_id
        self.fake.remove("contact", 123)
        self.fake.add(
            "contact",
            124,
            {"firstname": "Karim", "lastname": "B.", "email": "karim@atlas.example"},
            updated_at=iso(moment(1, 18)),
        )
        merge = self._event(
            "contact.merge",
            124,
            51,
            primaryObjectId=124,
            mergedObjectIds=[123],
            occurred=epoch_ms(moment(1, 16, 1, 40)),
        )
        event = self._deliver(self.hubspot, [merge])
        self.assertEqual(event.state, "done", event.summary)
        self.assertEqual(binding.external_id, "124")
        self.assertEqual(event.partner_id, partner)
        self.assertEqual(partner.name, "Karim B.")

    def test_merge_stored_with_merged_ids_not_a_list(self):
        """A merge stored before its ids were checked at the door is still processed.

        Before, a number failed the whole batch at every try, and a string
        was read as one merged id per character.
        """
        self.fake.add(
            "contact",
            124,
            {"firstname": "Karim", "lastname": "B.", "email": "karim.b@atlas.example"},
            updated_at=iso(moment(1, 18)),
        )
        events = self.env["external.crm.event"]
        for index, merged in enumerate((123, "123", {"123": 1}, [None, {"id": 123}])):
            payload = self._event(
                "contact.merge", 124, 60 + index, primaryObjectId=124, mergedObjectIds=merged
            )
            events |= events.create(
                {
                    "backend_id": self.hubspot.id,
                    "company_id": self.company.id,
                    "idempotency_key": f"legacy-merge-{index}",
                    "object_kind": "contact",
                    "external_id": "124",
                    "action": "merge",
                    "payload": json.dumps(payload),
                }
            )
        other = self._store(self.hubspot, [self._event("contact.creation", 123, 70)])
        self._process(self.hubspot)
        self.assertEqual(other.state, "done", other.last_error)
        self.assertEqual(
            set(events.mapped("state")) - {"done", "duplicate"}, set(), events.mapped("last_error")
        )
        self.assertFalse(self._binding(self.hubspot, "contact", "1"), "no id per character")
        self.assertEqual(self._binding(self.hubspot, "contact", "123").partner_id, other.partner_id)

    # -- initial import ------------------------------------------------------------
    def _many(self, contacts=250):
        for index in range(contacts):
            self.fake.add(
                "contact",
                1000 + index,
                {
                    "firstname": "Person",
                    "lastname": str(index),
                    "email": f"person{index}@import.example",
                },
            )

    def test_initial_import_pages_with_progress(self):
        self._many(250)
        self.hubspot.action_start_import()
        self.assertEqual(self.hubspot.import_state, "running")
        jobs = self.env["queue.job"].search([("method_name", "=", "_import_next_page")])
        self.assertEqual(len(jobs), 1)
        self._run_import(self.hubspot)
        cursors = {c.object_kind: c for c in self.hubspot.cursor_ids}
        self.assertEqual(cursors["contact"].done_count, 251)
        self.assertEqual(cursors["contact"].total_count, 251)
        self.assertEqual(cursors["contact"].page_count, 3)
        self.assertEqual(self.hubspot.import_state, "done")
        self.assertEqual(self.hubspot.import_progress, 100.0)
        queries = [
            q
            for m, _path, q in self.fake.calls("/crm/v3/objects/contacts")
            if m == "GET" and "after" in q
        ]
        self.assertEqual(len(queries), 2, "pages 2 and 3 asked with the after cursor")
        self._process(self.hubspot)
        self.assertEqual(
            self.env["external.crm.binding"].search_count(
                [("backend_id", "=", self.hubspot.id), ("object_kind", "=", "contact")]
            ),
            251,
        )
        deal = self._binding(self.hubspot, "deal", "777").lead_id
        self.assertEqual(deal.partner_id.name, "Atlas HubSpot", "association read while listing")
        self.assertEqual(len(self.fake.calls("/batch/read")), 0, "the pages carry the records")

    def test_crash_during_import_resumes(self):
        self._many(250)
        self.hubspot.action_start_import()
        company_cursor = self.hubspot.cursor_ids.filtered(lambda c: c.object_kind == "company")
        company_cursor.with_user(self.integration_user)._import_next_page()
        contacts = self.hubspot.cursor_ids.filtered(lambda c: c.object_kind == "contact")
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual((contacts.after, contacts.done_count), ("100", 100))
        # the worker dies while reading page 2: HubSpot keeps failing, the job's
        # transaction is rolled back and queue_job will run it again
        self.fake.fail("/crm/v3/objects/contacts", 503, 503, 503, 503)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            contacts.with_user(self.integration_user)._import_next_page()
        self.env.invalidate_all()
        self.assertEqual((contacts.after, contacts.done_count), ("100", 100))
        # a permanent error stops the import, visible on the backend
        self.fake.fail("/crm/v3/objects/contacts", 400)
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual(self.hubspot.import_state, "failed")
        self.assertIn("400", contacts.last_error)
        # started again, it resumes at the stored cursor, not at the beginning
        self.fake.requests = []
        self.hubspot.action_start_import()
        self._run_import(self.hubspot)
        first = [
            q
            for m, _p, q in self.fake.calls("/crm/v3/objects/contacts")
            if m == "GET" and "after" not in q
        ]
        self.assertFalse(first, "page 1 is not read again")
        self.assertEqual(contacts.done_count, 251)
        self.assertEqual(self.hubspot.import_state, "done")
        stored = self.env["external.crm.event"].search_count(
            [("backend_id", "=", self.hubspot.id), ("object_kind", "=", "contact")]
        )
        self.assertEqual(stored, 251, "each record stored once")

    def test_import_of_an_archived_backend_is_refused(self):
        """An archived backend calls no API: its inbox would not be processed.

        Before, Start Import read every record of the external CRM into an
        inbox that nothing processes while the backend is archived.
        """
        self.hubspot.active = False
        with self.assertRaisesRegex(UserError, "archived"), self.env.cr.savepoint():
            self.hubspot.with_user(self.manager).action_start_import()
        self.assertFalse(self.hubspot.cursor_ids)
        self.assertFalse(self.fake.requests, "nothing read")

    def test_import_with_a_wrong_token_fails_visibly(self):
        self.hubspot.api_token = "wrong-token"
        self.hubspot.with_user(self.manager).action_start_import()
        self._run_import(self.hubspot)
        self.assertEqual(self.hubspot.import_state, "failed")
        failed = self.hubspot.cursor_ids.filtered(lambda c: c.state == "failed")
        self.assertIn("401", failed.last_error)
        self.assertFalse(
            self.env["external.crm.event"].search([("backend_id", "=", self.hubspot.id)])
        )

    def test_import_events_are_idempotent(self):
        self.hubspot.action_start_import()
        self._run_import(self.hubspot)
        self._process(self.hubspot)
        events = self.env["external.crm.event"].search_count([("backend_id", "=", self.hubspot.id)])
        # a new import of unchanged records stores nothing new
        self.hubspot.cursor_ids.write({"state": "done"})
        self.hubspot.action_start_import()
        self._run_import(self.hubspot)
        self.assertEqual(
            self.env["external.crm.event"].search_count([("backend_id", "=", self.hubspot.id)]),
            events,
        )
        snapshot = json.loads(
            self.env["external.crm.event"]
            .search([("backend_id", "=", self.hubspot.id), ("object_kind", "=", "company")])
            .payload
        )
        self.assertEqual(snapshot["snapshot"]["properties"]["name"], "Atlas HubSpot")
