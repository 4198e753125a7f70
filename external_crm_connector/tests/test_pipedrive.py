# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.external_crm_connector.adapters.pipedrive.client import (
    PipedriveClient,
    api_root,
)
from odoo.addons.external_crm_connector.adapters.pipedrive.records import normalize
from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmApiError,
    ExternalCrmTransientError,
    MalformedDelivery,
)
from odoo.addons.queue_job.exception import RetryableJobError

from .clock import day_text, epoch, iso, moment
from .common import ExternalCrmCase, sample
from .fake_pipedrive import FakePipedrive

TOKEN = "pd-api-token-test"
WEBHOOK_USER = "odoo-hook"
WEBHOOK_PASSWORD = "pipedrive-basic-password"
VAT_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


def basic(user, password):
    """HTTP Basic credentials, encoded here independently of the addon."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def v2(entity, action, entity_id, data=None, previous=None, event_id=None, **meta):
    """A webhooks v2 notification as Pipedrive sends it."""
    return {
        "meta": {
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "id": event_id or f"evt-{entity}-{entity_id}-{action}-{len(json.dumps(data))}",
            "attempt": 1,
            "company_id": "12882925",
            "host": "atlas.pipedrive.com",
            "timestamp": iso(moment(1, 16), ".000Z"),
            "type": "general",
            "version": "2.0",
            "webhook_id": "881",
            **meta,
        },
        "data": data,
        "previous": previous,
    }


def v1(obj, action, object_id, current=None, previous=None, timestamp=None):
    """A webhooks v1 notification as Pipedrive sends it."""
    if timestamp is None:
        timestamp = epoch(moment(1, 16))
    return {
        "v": 1,
        "matches_filters": {"current": []},
        "meta": {
            "v": 1,
            "action": action,
            "object": obj,
            "id": object_id,
            "company_id": 12882925,
            "user_id": 13540546,
            "host": "atlas.pipedrive.com",
            "timestamp": timestamp,
            "timestamp_micro": timestamp * 1000000,
            "webhook_id": "882",
        },
        "current": current,
        "previous": previous,
        "event": f"{action}.{obj}",
        "retry": 0,
    }


class PipedriveCase(ExternalCrmCase):
    """A backend calling a fake Pipedrive, emptied before each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_pipedrive()

    def setUp(self):
        super().setUp()
        # webhook settings are cached: a test's backend changes must show
        self.env.registry.clear_cache()
        self.fake.reset()

    @classmethod
    def _setup_pipedrive(cls):
        cls._setup_connector()
        cls.fake = FakePipedrive(token=TOKEN).start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].set_param("external_crm_connector.api_backoff", "0.01")
        cls.pipedrive = cls._create_backend(
            name="Pipedrive",
            provider="pipedrive",
            webhook_secret=WEBHOOK_PASSWORD,
            pipedrive_webhook_user=WEBHOOK_USER,
            api_token=TOKEN,
            api_base_url=cls.fake.url,
        )


@tagged("post_install", "-at_install")
class TestPipedrive(PipedriveCase, TransactionCase):
    """Pipedrive end to end, against a fake Pipedrive API v2 on loopback."""

    def _deliver_all(self, *payloads):
        """Store several notifications, then process them in one batch."""
        events = self.env["external.crm.event"]
        for payload in payloads:
            events |= self._store(self.pipedrive, payload)
        self._process(self.pipedrive)
        return events

    def _client(self, sleeps, token=TOKEN):
        return PipedriveClient(self.fake.url, token, backoff=0.01, sleep=sleeps.append)

    def _org(self, org_id=501, name="Atlas Pipedrive", **values):
        return {
            "id": org_id,
            "name": name,
            "owner_id": 13540546,
            "address": {
                "value": "12 Boulevard Zerktouni, Casablanca",
                "street_number": "12",
                "route": "Boulevard Zerktouni",
                "locality": "Casablanca",
                "postal_code": "20250",
                "country": "MA",
            },
            "custom_fields": {},
            "update_time": iso(moment(1, 16)),
            **values,
        }

    def _person(self, person_id=601, name="Karim Benali", email="karim@atlas.example", **values):
        return {
            "id": person_id,
            "name": name,
            "emails": [{"label": "work", "primary": True, "value": email}],
            "phones": [{"label": "work", "primary": True, "value": "0522-123456"}],
            "org_id": 501,
            "owner_id": 13540546,
            "update_time": iso(moment(1, 16, 5)),
            **values,
        }

    def _deal(self, deal_id=701, **values):
        return {
            "id": deal_id,
            "title": "Supply 2027",
            "value": 120000.5,
            "currency": "MAD",
            "status": "open",
            "stage_id": 1,
            "pipeline_id": 1,
            "org_id": 501,
            "person_id": 601,
            "owner_id": 13540546,
            "expected_close_date": day_text(38),
            "lost_reason": None,
            "update_time": iso(moment(1, 16, 10)),
            **values,
        }

    # -- configuration -------------------------------------------------------------
    def test_default_field_and_stage_maps(self):
        lines = {
            (m.object_kind, m.external_field): (m.field_name, m.transform)
            for m in self.pipedrive.field_map_ids
        }
        self.assertEqual(lines["company", "name"], ("name", "trim"))
        self.assertEqual(lines["company", "vat"], ("vat", "vat"))
        self.assertEqual(lines["company", "address_country"], ("country_id", "country_iso"))
        self.assertEqual(lines["contact", "email"], ("email", "lower_email"))
        self.assertEqual(lines["contact", "phone"], ("phone", "phone_e164"))
        self.assertEqual(lines["contact", "org_id"], ("parent_id", "reference"))
        self.assertEqual(lines["deal", "owner_id"], ("user_id", "value_table"))
        self.assertEqual(lines["deal", "stage"], ("stage_id", "value_table"))
        stages = self.pipedrive.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        table = {v.external_value: v for v in stages.value_ids}
        self.assertTrue(table["won"].stage_id.is_won)
        self.assertTrue(table["lost"].is_lost)
        self.assertEqual(table["1"].stage_id, self.env.ref("crm.stage_lead1"))
        self.assertFalse(self.pipedrive.pipedrive_vat_field, "the VAT custom field starts empty")
        self.assertEqual(
            api_root("https://atlas.pipedrive.com/api/v2/"), "https://atlas.pipedrive.com"
        )
        self.assertEqual(api_root("https://api.pipedrive.com/v1"), "https://api.pipedrive.com")

    def test_settings_are_checked(self):
        with self.assertRaises(Exception) as caught:
            self.pipedrive.pipedrive_webhook_user = "user:with-colon"
        self.assertIn("colon", str(caught.exception))
        with self.assertRaises(Exception) as caught:
            self.pipedrive.pipedrive_vat_field = "Tax number"
        self.assertIn("field key", str(caught.exception))

    def test_normalize_v1_and_v2_alike(self):
        record_v2 = normalize("contact", self._person(postal_address={"value": "Rue 5, Fès"}))
        record_v1 = normalize(
            "contact",
            {
                "id": 601,
                "name": "Karim Benali",
                "email": [{"value": "karim@atlas.example", "primary": True}],
                "phone": [{"value": "", "primary": False}, {"value": "0522-123456"}],
                "org_id": {"value": 501, "name": "Atlas Pipedrive"},
                "owner_id": {"id": 13540546, "value": 13540546},
                "postal_address": "Rue 5, Fès",
                "postal_address_route": None,
            },
        )
        for key in ("email", "phone", "org_id", "owner_id", "address_street"):
            self.assertEqual(record_v2[key], record_v1[key], key)
        self.assertEqual(record_v2["org_id"], "501")
        self.assertEqual(record_v2["address_street"], "Rue 5, Fès")
        partial = normalize("contact", {"id": 601, "job_title": "Buyer"})
        self.assertNotIn("email", partial, "a partial payload clears nothing")
        self.assertNotIn("address_street", partial)
        self.assertEqual(normalize("contact", record_v2), record_v2, "normalizing twice")

    # -- webhook events: companies ----------------------------------------------------
    def test_v2_company_create_update_delete(self):
        events = self._deliver(self.pipedrive, sample("pipedrive_v2_organization_create.json"))
        self.assertEqual(events.state, "done", events.last_error or events.summary)
        self.assertEqual((events.object_kind, events.external_id), ("company", "501"))
        self.assertEqual(events.external_event_id, "7c9f5a2e-0b1d-4c37-8d0e-4f2b9a6c1e01")
        company = events.partner_id
        self.assertTrue(company.is_company)
        self.assertEqual(company.name, "Atlas Pipedrive")
        self.assertEqual(company.street, "12 Boulevard Zerktouni")
        self.assertEqual((company.city, company.zip), ("Casablanca", "20250"))
        self.assertEqual(company.country_id, self.morocco)
        self.assertFalse(company.vat, "no VAT custom field configured: the VAT is not read")
        self.assertFalse(self.fake.requests, "the notification carries the record")
        # the VAT custom field is configured, then the organization changes
        self.pipedrive.pipedrive_vat_field = VAT_KEY
        data = self._org(
            name="Atlas Pipedrive SA",
            custom_fields={VAT_KEY: "MA 001524398000088"},
            update_time=iso(moment(1, 16, 30)),
        )
        event = self._deliver(
            self.pipedrive,
            v2("organization", "change", 501, data, {"name": "Atlas Pipedrive"}, event_id="c1"),
        )
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        self.assertEqual(company.name, "Atlas Pipedrive SA")
        self.assertEqual(company.vat, "MA001524398000088")
        # deleted in Pipedrive: archived, never deleted
        previous = self._org(name="Atlas Pipedrive SA")
        event = self._deliver(
            self.pipedrive,
            v2(
                "organization",
                "delete",
                501,
                None,
                previous,
                event_id="d1",
                timestamp=iso(moment(1, 17), ".000Z"),
            ),
        )
        self.assertEqual(event.state, "done", event.summary)
        self.assertTrue(company.exists())
        self.assertFalse(company.active)
        self.assertTrue(self._binding(self.pipedrive, "company", "501").external_deleted)

    # -- webhook events: contacts -----------------------------------------------------
    def test_v2_contact_create_update_delete(self):
        _org, event = self._deliver_all(
            sample("pipedrive_v2_organization_create.json"),
            sample("pipedrive_v2_person_change.json"),
        )
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        contact = event.partner_id
        self.assertEqual(contact.name, "Karim Benali")
        self.assertEqual(contact.email, "karim@atlas.example", "the primary e-mail, lower case")
        self.assertEqual(contact.phone, "+212522123456")
        self.assertEqual(contact.function, "Buyer")
        self.assertEqual(
            contact.parent_id, self._binding(self.pipedrive, "company", "501").partner_id
        )
        data = self._person(
            email="k.benali@atlas.example",
            job_title="Head of purchasing",
            update_time=iso(moment(1, 16, 40)),
        )
        previous = {"emails": [{"value": "karim@atlas.example", "primary": True}]}
        event = self._deliver(
            self.pipedrive, v2("person", "change", 601, data, previous, event_id="p2")
        )
        self.assertEqual(event.state, "done", event.summary)
        self.assertEqual(contact.email, "k.benali@atlas.example")
        self.assertEqual(contact.function, "Head of purchasing")
        event = self._deliver(
            self.pipedrive,
            v2(
                "person",
                "delete",
                601,
                None,
                data,
                event_id="p3",
                timestamp=iso(moment(1, 16, 50), ".000Z"),
            ),
        )
        self.assertEqual(event.state, "done", event.summary)
        self.assertFalse(contact.active)

    def test_contact_of_an_unknown_organization_imports_it(self):
        self.fake.add("company", 501, self._org())
        event = self._deliver(self.pipedrive, sample("pipedrive_v2_person_change.json"))
        self.assertEqual(event.partner_id.parent_id.name, "Atlas Pipedrive")
        dependency = self.env["external.crm.event"].search(
            [
                ("backend_id", "=", self.pipedrive.id),
                ("idempotency_key", "=", "dependency:company:501"),
            ]
        )
        self.assertEqual(dependency.state, "done")
        calls = self.fake.calls("/api/v2/organizations")
        self.assertEqual([c[2].get("ids") for c in calls], ["501"])

    # -- webhook events: deals --------------------------------------------------------
    def test_v2_deal_stages_won_and_lost(self):
        salesperson = new_test_user(self.env, login="pd_owner", name="Salma Pipedrive")
        owner_line = self.pipedrive.field_map_ids.filtered(
            lambda m: m.object_kind == "deal" and m.field_name == "user_id"
        )
        owner_line.value_ids = [
            (0, 0, {"external_value": "13540546", "odoo_value": "Salma Pipedrive"})
        ]
        self._deliver(self.pipedrive, sample("pipedrive_v2_organization_create.json"))
        event = self._deliver(
            self.pipedrive, v2("deal", "create", 701, self._deal(), event_id="d701")
        )
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        lead = event.lead_id
        self.assertEqual(lead.name, "Supply 2027")
        self.assertEqual(lead.expected_revenue, 120000.5)
        self.assertEqual(lead.stage_id, self.env.ref("crm.stage_lead1"))
        self.assertEqual(lead.partner_id.name, "Atlas Pipedrive")
        self.assertEqual(lead.user_id, salesperson)
        self.assertEqual(fields.Date.to_string(lead.date_deadline), day_text(38))
        won = self._deal(status="won", stage_id=5, update_time=iso(moment(1, 17)))
        event = self._deliver(
            self.pipedrive,
            v2("deal", "change", 701, won, {"status": "open", "stage_id": 1}, event_id="d701w"),
        )
        self.assertEqual(event.state, "done", event.summary)
        self.assertTrue(lead.stage_id.is_won)
        self.assertTrue(lead.active)
        lost = self._deal(
            702,
            title="Supply 2028",
            status="lost",
            lost_reason="Too expensive",
            update_time=iso(moment(1, 17, 5)),
        )
        event = self._deliver(self.pipedrive, v2("deal", "create", 702, lost, event_id="d702"))
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        lost_lead = event.lead_id.with_context(active_test=False)
        self.assertFalse(lost_lead.active, "lost in Pipedrive, lost in Odoo")
        self.assertEqual(lost_lead.lost_reason_id, self.env.ref("crm.lost_reason_1"))

    # -- webhooks v1 ------------------------------------------------------------------
    def test_v1_notifications(self):
        org = {
            "id": 801,
            "name": "Souss Dates",
            "address": "5 Avenue Hassan II, Agadir",
            "address_street_number": "5",
            "address_route": "Avenue Hassan II",
            "address_locality": "Agadir",
            "address_postal_code": "80000",
            "address_country": "Morocco",
            "owner_id": 13540546,
            "update_time": iso(moment(1, 10), "", sep=" "),
        }
        person = {
            "id": 802,
            "name": "Nadia Alaoui",
            "email": [{"value": "Nadia@Souss.example", "primary": True, "label": "work"}],
            "phone": [{"value": "+212 661-234567", "primary": True}],
            "org_id": 801,
            "owner_id": 13540546,
            "update_time": iso(moment(1, 10, 1), "", sep=" "),
        }
        event, person_event = self._deliver_all(
            v1("organization", "added", 801, org),
            v1("person", "updated", 802, person, {"name": "Nadia A."}, epoch(moment(1, 16, 1))),
        )
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        company = event.partner_id
        self.assertEqual((company.street, company.city), ("5 Avenue Hassan II", "Agadir"))
        self.assertEqual(company.country_id, self.morocco, "country by name")
        self.assertEqual(event.external_modified_at, moment(1, 10))
        event = person_event
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        contact = event.partner_id
        self.assertEqual(contact.email, "nadia@souss.example")
        self.assertEqual(contact.mobile or contact.phone, "+212661234567")
        self.assertEqual(contact.parent_id, company)
        deal = {
            "id": 803,
            "title": "Dates 2027",
            "value": 5000,
            "status": "won",
            "stage_id": 4,
            "org_id": 801,
            "user_id": 13540546,
            "update_time": iso(moment(1, 10, 2), "", sep=" "),
        }
        event = self._deliver(self.pipedrive, v1("deal", "updated", 803, deal, {"status": "open"}))
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        self.assertTrue(event.lead_id.stage_id.is_won)
        event = self._deliver(
            self.pipedrive, v1("person", "deleted", 802, None, person, epoch(moment(1, 16, 3, 20)))
        )
        self.assertEqual(event.state, "done", event.summary)
        self.assertFalse(contact.active)
        self.assertFalse(self.fake.requests, "v1 notifications carry the records")

    def test_v1_merge_moves_the_binding(self):
        self._deliver(self.pipedrive, sample("pipedrive_v2_organization_create.json"))
        binding = self._binding(self.pipedrive, "company", "501")
        company = binding.partner_id
        event = self._deliver(self.pipedrive, sample("pipedrive_v1_organization_merged.json"))
        self.assertEqual((event.action, event.external_id), ("merge", "502"))
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        self.assertEqual(binding.external_id, "502")
        self.assertTrue(company.active, "a merged customer is never archived")
        self.assertEqual(company.name, "Atlas Group")

    # -- merges in webhooks v2 --------------------------------------------------------
    def test_v2_merge_delete_moves_the_binding(self):
        self._deliver_all(
            sample("pipedrive_v2_organization_create.json"),
            sample("pipedrive_v2_person_change.json"),
        )
        binding = self._binding(self.pipedrive, "contact", "601")
        contact = binding.partner_id
        self.fake.add(
            "contact", 602, self._person(602, name="Karim B.", update_time=iso(moment(1, 17)))
        )
        event = self._deliver(self.pipedrive, sample("pipedrive_v2_person_merge_delete.json"))
        self.assertEqual((event.action, event.external_id), ("merge", "602"))
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        self.assertEqual(binding.external_id, "602")
        self.assertTrue(contact.active, "the delete of a merge archives nothing")
        self.assertFalse(binding.external_deleted)
        self.assertEqual(contact.name, "Karim B.", "the survivor is read from the API")
        # the survivor's own change notification of the same merge changes nothing more
        survivor = self._person(602, name="Karim B.", update_time=iso(moment(1, 17)))
        event = self._deliver(
            self.pipedrive,
            v2("person", "change", 602, survivor, {}, event_id="m2", merged_from_id="601"),
        )
        self.assertEqual(event.action, "merge")
        self.assertIn(event.state, ("done", "duplicate"), event.last_error)
        self.assertTrue(contact.active)
        self.assertEqual(
            self.env["external.crm.binding"].search_count(
                [("backend_id", "=", self.pipedrive.id), ("partner_id", "=", contact.id)]
            ),
            1,
        )

    def test_v2_merge_without_api_token_still_moves_the_binding(self):
        self._deliver_all(
            sample("pipedrive_v2_organization_create.json"),
            sample("pipedrive_v2_person_change.json"),
        )
        binding = self._binding(self.pipedrive, "contact", "601")
        self.pipedrive.api_token = False
        event = self._deliver(self.pipedrive, sample("pipedrive_v2_person_merge_delete.json"))
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        self.assertEqual(binding.external_id, "602")
        self.assertTrue(binding.partner_id.active)
        self.assertFalse(self.fake.requests)

    def test_v2_merge_of_two_bound_customers_waits_for_a_person(self):
        other = self._person(602, name="Karim Benali (2)", email="karim2@atlas.example")
        other["phones"] = []
        self._deliver_all(
            sample("pipedrive_v2_organization_create.json"),
            sample("pipedrive_v2_person_change.json"),
            v2("person", "create", 602, other, event_id="c602"),
        )
        first = self._binding(self.pipedrive, "contact", "601").partner_id
        second = self._binding(self.pipedrive, "contact", "602").partner_id
        self.assertNotEqual(first, second)
        self.fake.add("contact", 602, other)
        event = self._deliver(self.pipedrive, sample("pipedrive_v2_person_merge_delete.json"))
        self.assertEqual(event.state, "conflict", event.summary)
        self.assertTrue(first.active and second.active, "no customer archived or merged")
        conflict = self.env["external.crm.conflict"].search([("event_id", "=", event.id)])
        self.assertEqual(conflict.candidate_ids, first | second)

    def test_v2_change_of_a_merge_survivor_merges_too(self):
        self._deliver(self.pipedrive, sample("pipedrive_v2_organization_create.json"))
        binding = self._binding(self.pipedrive, "company", "501")
        survivor = self._org(510, name="Atlas Holding", update_time=iso(moment(1, 18)))
        event = self._deliver(
            self.pipedrive,
            v2(
                "organization",
                "change",
                510,
                survivor,
                {"name": "Atlas"},
                event_id="m510",
                merged_from_id="501",
            ),
        )
        self.assertEqual(event.state, "done", event.last_error or event.summary)
        self.assertEqual(binding.external_id, "510")
        self.assertEqual(binding.partner_id.name, "Atlas Holding")
        self.assertFalse(self.fake.requests)

    # -- deliveries -------------------------------------------------------------------
    def test_delivery_parsing(self):
        provider = get_provider(self.pipedrive)
        activity = v2("activity", "create", 9, {"id": 9, "subject": "Call"}, event_id="a9")
        (item,) = provider.parse_delivery(json.dumps(activity).encode())
        self.assertFalse(item.object_kind, "other objects are stored, then ignored")
        # a retried notification keeps its key: v2 by event id, v1 without "retry"
        first = v2("person", "change", 601, self._person(), event_id="same")
        again = json.loads(json.dumps(first))
        again["meta"]["attempt"] = 2
        keys = [
            provider.parse_delivery(json.dumps(p).encode())[0].idempotency_key
            for p in (first, again)
        ]
        self.assertEqual(keys[0], keys[1])
        old = v1("person", "updated", 601, {"id": 601, "name": "K"})
        retried = {**old, "retry": 2}
        keys = [
            provider.parse_delivery(json.dumps(p).encode())[0].idempotency_key
            for p in (old, retried)
        ]
        self.assertEqual(keys[0], keys[1])
        other = v1("person", "updated", 601, {"id": 601, "name": "K2"})
        self.assertNotEqual(
            provider.parse_delivery(json.dumps(other).encode())[0].idempotency_key, keys[0]
        )
        for bad, reason in (
            ({"data": {"id": 1}}, "'meta' is missing"),
            ({"meta": {"entity": "person", "entity_id": 1}}, "'meta.action' is missing"),
            ({"meta": {"action": "change", "entity": "person"}, "data": None}, "object id"),
            (
                {
                    "meta": {
                        "action": "change",
                        "entity": "person",
                        "entity_id": 1,
                        "timestamp": "x",
                    },
                    "data": None,
                },
                "'x'",
            ),
        ):
            (item,) = provider.parse_delivery(json.dumps(bad).encode())
            self.assertIn(reason, item.rejection)
            self.assertEqual(item.payload, json.dumps(bad))
        # retried by Pipedrive ("attempt", "retry"): the same rejected item
        broken = v2("person", "change", 601, self._person(), event_id="broken")
        broken["meta"]["action"] = None
        retried = json.loads(json.dumps(broken))
        retried["meta"]["attempt"] = 3
        keys = {
            provider.parse_delivery(json.dumps(p).encode())[0].idempotency_key
            for p in (broken, retried, {**broken, "retry": 1})
        }
        self.assertEqual(len(keys), 1)
        with self.assertRaises(MalformedDelivery):
            provider.parse_delivery(b"{not json")

    # -- REST client ------------------------------------------------------------------
    def test_client_honours_retry_after(self):
        self.fake.add("contact", 601, self._person())
        self.fake.fail("/persons", 429, retry_after=3)
        self.fake.fail("/persons", 429)  # no Retry-After: Pipedrive's x-ratelimit-reset
        sleeps = []
        found = self._client(sleeps).read_ids("contact", ["601"])
        self.assertEqual(found["601"]["name"], "Karim Benali")
        self.assertEqual(sleeps, [3.0, 2.0])
        self.assertEqual(len(self.fake.calls("/persons")), 3)

    def test_client_retries_5xx_then_gives_up(self):
        self.fake.add("company", 501, self._org())
        self.fake.fail("/organizations", 500, 502)
        sleeps = []
        self.assertIn("501", self._client(sleeps).read_ids("company", [501]))
        self.assertEqual(sleeps, [0.01, 0.02])
        self.fake.fail("/organizations", 503, 503, 503, 503)
        with self.assertRaises(ExternalCrmTransientError):
            self._client([]).read_ids("company", [501])
        with self.assertRaises(ExternalCrmApiError):
            self._client([], token="wrong").read_ids("company", [501])
        for _method, _path, query in self.fake.requests:
            self.assertNotIn("api_token", query, "the token travels in a header")

    def test_transient_failure_then_retry_succeeds(self):
        self._deliver_all(
            sample("pipedrive_v2_organization_create.json"),
            sample("pipedrive_v2_person_change.json"),
        )
        self.fake.add("contact", 602, self._person(602, name="Karim B."))
        self.fake.fail("/persons", 500, 500, 500, 500)
        event = self._deliver(self.pipedrive, sample("pipedrive_v2_person_merge_delete.json"))
        self.assertEqual(event.state, "received", "nothing is dropped")
        self.assertIn("HTTP 500", event.last_error)
        self.assertEqual(self._binding(self.pipedrive, "contact", "601").external_id, "601")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
            self._process(self.pipedrive)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.attempts, 2)
        self.assertEqual(
            self._binding(self.pipedrive, "contact", "602").partner_id.name, "Karim B."
        )

    def test_rate_limit_inside_one_job(self):
        self.fake.add("company", 501, self._org())
        self.fake.fail("/organizations", 429, retry_after=0)
        event = self._deliver(self.pipedrive, sample("pipedrive_v2_person_change.json"))
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.parent_id.name, "Atlas Pipedrive")

    # -- pulls ------------------------------------------------------------------------
    def _many(self, persons=250):
        self.fake.add("company", 501, self._org())
        self.fake.add("deal", 701, self._deal(status="won"))
        for index in range(persons):
            self.fake.add(
                "contact",
                1000 + index,
                self._person(
                    1000 + index,
                    name=f"Person {index}",
                    email=f"person{index}@import.example",
                    phones=[],
                ),
            )

    def test_initial_import_pages_with_the_cursor(self):
        self._many(250)
        self.pipedrive.action_start_import()
        self._run_import(self.pipedrive)
        cursors = {c.object_kind: c for c in self.pipedrive.cursor_ids}
        self.assertEqual(cursors["contact"].done_count, 250)
        self.assertEqual(cursors["contact"].page_count, 3)
        self.assertEqual(self.pipedrive.import_state, "done")
        pages = [q for _m, _p, q in self.fake.calls("/api/v2/persons")]
        self.assertEqual([("cursor" in q) for q in pages], [False, True, True])
        self.assertEqual({q["limit"] for q in pages}, {"100"})
        self._process(self.pipedrive)
        self.assertEqual(
            self.env["external.crm.binding"].search_count(
                [("backend_id", "=", self.pipedrive.id), ("object_kind", "=", "contact")]
            ),
            250,
        )
        deal = self._binding(self.pipedrive, "deal", "701").lead_id
        self.assertTrue(deal.stage_id.is_won)
        self.assertEqual(deal.partner_id.name, "Atlas Pipedrive")
        self.assertFalse(
            [q for _m, _p, q in self.fake.requests if "ids" in q], "pages carry the records"
        )

    def test_crash_between_two_pages_resumes(self):
        self._many(250)
        self.pipedrive.action_start_import()
        companies = self.pipedrive.cursor_ids.filtered(lambda c: c.object_kind == "company")
        companies.with_user(self.integration_user)._import_next_page()
        contacts = self.pipedrive.cursor_ids.filtered(lambda c: c.object_kind == "contact")
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual(contacts.done_count, 100)
        stored_cursor = contacts.after
        self.assertTrue(stored_cursor)
        # the worker dies while reading page 2: the job's transaction is rolled back
        self.fake.fail("/api/v2/persons", 503, 503, 503, 503)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            contacts.with_user(self.integration_user)._import_next_page()
        self.env.invalidate_all()
        self.assertEqual((contacts.after, contacts.done_count), (stored_cursor, 100))
        # a permanent error stops the import, visible on the backend
        self.fake.fail("/api/v2/persons", 400)
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual(self.pipedrive.import_state, "failed")
        self.assertIn("400", contacts.last_error)
        # started again, it resumes at the stored cursor
        self.fake.requests = []
        self.pipedrive.action_start_import()
        self._run_import(self.pipedrive)
        persons = [q for _m, _p, q in self.fake.calls("/api/v2/persons")]
        self.assertEqual(persons[0]["cursor"], stored_cursor, "page 1 is not read again")
        self.assertEqual(contacts.done_count, 250)
        self.assertEqual(self.pipedrive.import_state, "done")
        self.assertEqual(
            self.env["external.crm.event"].search_count(
                [("backend_id", "=", self.pipedrive.id), ("object_kind", "=", "contact")]
            ),
            250,
            "each record stored once",
        )

    def test_changed_page_reads_changes_oldest_first(self):
        for index, minute in enumerate((50, 10, 40, 20, 30)):
            self.fake.add(
                "contact",
                900 + index,
                self._person(900 + index, name=f"P{index}", update_time=iso(moment(1, 15, minute))),
            )
        self.fake.add("contact", 899, self._person(899, update_time=iso(moment(1, 14))))
        provider = get_provider(self.pipedrive)
        since = moment(1, 15, 20)
        seen, after = [], None
        for _page in range(5):
            records, after = provider.changed_page("contact", since, after, limit=2)
            seen.extend(records)
            if not after:
                break
        self.assertEqual(
            [r.modified_at.minute for r in seen], [20, 30, 40, 50], "at or after since, in order"
        )
        self.assertEqual(seen[0].values["email"], "karim@atlas.example")
        queries = [q for _m, _p, q in self.fake.calls("/api/v2/persons")]
        self.assertEqual(len(queries), 2)
        self.assertEqual(queries[0]["updated_since"], iso(moment(1, 15, 20)))
        self.assertEqual(
            (queries[0]["sort_by"], queries[0]["sort_direction"]), ("update_time", "asc")
        )
        # a pulled record is stored as a snapshot that rebuilds it without the API
        payload = json.loads(json.dumps(provider.snapshot_payload(seen[0])))
        self.assertEqual(payload["snapshot"]["data"]["name"], "P3")


@tagged("post_install", "-at_install")
class TestPipedriveWebhook(PipedriveCase, HttpCase):
    """HTTP Basic authentication of Pipedrive's notifications, through the controller."""

    def _post(self, body, authorization=None, backend=None):
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        backend = backend or self.pipedrive
        return self.url_open(
            f"/external_crm/webhook/{backend.webhook_token}", data=body, headers=headers
        )

    def _events(self):
        return self.env["external.crm.event"].search([("backend_id", "=", self.pipedrive.id)])

    def test_basic_authentication_accepted(self):
        body = sample("pipedrive_v2_organization_create.json")
        response = self._post(body, basic(WEBHOOK_USER, WEBHOOK_PASSWORD))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["accepted"], 1)
        event = self._events()
        self.assertEqual((event.object_kind, event.external_id), ("company", "501"))
        self.assertEqual(event.payload, body.decode().strip())
        # Pipedrive retries after a timeout: the repeat is not stored twice
        response = self._post(body, basic(WEBHOOK_USER, WEBHOOK_PASSWORD))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self._events()), 1)

    def test_basic_authentication_refused(self):
        body = sample("pipedrive_v2_person_change.json")
        for authorization in (
            None,
            basic(WEBHOOK_USER, "wrong-password"),
            basic("someone-else", WEBHOOK_PASSWORD),
            basic(WEBHOOK_USER, WEBHOOK_PASSWORD + "x"),
            f"Bearer {WEBHOOK_PASSWORD}",
            "Basic not-base64!",
            "Basic " + base64.b64encode(WEBHOOK_PASSWORD.encode()).decode(),
        ):
            response = self._post(body, authorization)
            self.assertEqual(response.status_code, 401, authorization)
        self.assertFalse(self._events(), "nothing stored")
        rejected = self.env["external.crm.rejection"].search(
            [("backend_id", "=", self.pipedrive.id), ("reason", "=", "bad_signature")]
        )
        self.assertEqual(sum(rejected.mapped("count")), 7)

    def test_backend_without_webhook_user_refuses_everything(self):
        self.pipedrive.pipedrive_webhook_user = False
        body = sample("pipedrive_v2_person_change.json")
        for authorization in (basic("", WEBHOOK_PASSWORD), basic(WEBHOOK_USER, WEBHOOK_PASSWORD)):
            self.assertEqual(self._post(body, authorization).status_code, 401)
        # a new user applies at the next delivery (the settings cache is cleared)
        self.pipedrive.pipedrive_webhook_user = "new-user"
        self.assertEqual(self._post(body, basic("new-user", WEBHOOK_PASSWORD)).status_code, 202)

    def test_malformed_notification(self):
        response = self._post(
            b'{"meta": {"entity": "person"}}', basic(WEBHOOK_USER, WEBHOOK_PASSWORD)
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("meta.action", response.json()["error"])
        event = self._events()
        self.assertEqual(
            (event.state, event.payload), ("rejected", '{"meta": {"entity": "person"}}')
        )
        self.assertIn("meta.action", event.last_error)
        # Pipedrive retries: kept once
        self._post(b'{"meta": {"entity": "person"}}', basic(WEBHOOK_USER, WEBHOOK_PASSWORD))
        self.assertEqual(len(self._events()), 1)
