# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re
from datetime import UTC

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.adapters.salesforce.client import SalesforceClient
from odoo.addons.external_crm_connector.adapters.salesforce.ids import id18, same_organization
from odoo.addons.external_crm_connector.adapters.transforms import parse_datetime
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmApiError,
    ExternalCrmTransientError,
    MalformedDelivery,
)
from odoo.addons.queue_job.exception import RetryableJobError

from .clock import day_text, iso, moment
from .common import ExternalCrmCase, sample
from .fake_salesforce import FakeSalesforce

ORG = "00D5e000000AbCdEAK"
ACCOUNT = "0015e00000AtlsAAAR"
CONTACT = "0035e00000KrmBnAAJ"
DEAL = "0065e00000Dl001AAB"
SOAP_ACK = b"<Ack>true</Ack>"


def sample_values(tag):
    """The values of ``<sf:tag>`` in the sample message, in order.

    The sample is a captured message: its dates are its own, not today's.
    """
    text = sample("salesforce_outbound_message.xml").decode()
    return re.findall(rf"<sf:{tag}>([^<]*)</sf:{tag}>", text)


def notification(notification_id, sobject, fields):
    """One ``Notification`` element as Salesforce writes it (fields in sf:)."""
    lines = []
    for name, value in fields.items():
        if value is None:
            lines.append(f'<sf:{name} xsi:nil="true"/>')
        else:
            lines.append(f"<sf:{name}>{value}</sf:{name}>")
    return (
        f"<Notification><Id>{notification_id}</Id>"
        f'<sObject xsi:type="sf:{sobject}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"{''.join(lines)}</sObject></Notification>"
    )


def message(*notifications, organization=ORG):
    """An Outbound Message envelope around ``notifications``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body>"
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{organization}</OrganizationId>"
        "<ActionId>04k5e000000XyZaAAK</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://atlas.my.salesforce.com/services/Soap/c/62.0</EnterpriseUrl>"
        "<PartnerUrl>https://atlas.my.salesforce.com/services/Soap/u/62.0</PartnerUrl>"
        f"{''.join(notifications)}"
        "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def notification_id(number):
    return id18(f"04l5e{number:010d}")


class SalesforceCase(ExternalCrmCase):
    @classmethod
    def _setup_salesforce(cls, **values):
        cls._setup_connector()
        return cls._create_backend(
            name="Salesforce",
            provider="salesforce",
            webhook_secret="consumer-secret",
            salesforce_organization_id=ORG,
            **values,
        )

    @classmethod
    def _setup_salesforce_api(cls):
        """Start a fake Salesforce on loopback; return a backend that calls its API."""
        cls.fake = FakeSalesforce(organization_id=ORG).start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].set_param("external_crm_connector.api_backoff", "0.01")
        return cls._setup_salesforce(
            salesforce_login_url=cls.fake.url,
            salesforce_client_id="consumer-key",
            salesforce_refresh_token="refresh-token",
        )


@tagged("post_install", "-at_install")
class TestSalesforceWebhook(SalesforceCase, HttpCase):
    """Outbound Messages through the real controller."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesforce = cls._setup_salesforce()

    def setUp(self):
        super().setUp()
        self.env.registry.clear_cache()

    def _post(self, body, backend=None):
        backend = backend or self.salesforce
        return self.url_open(
            f"/external_crm/webhook/{backend.webhook_token}",
            data=body,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )

    def _events(self, backend=None):
        backend = backend or self.salesforce
        return self.env["external.crm.event"].search([("backend_id", "=", backend.id)])

    def test_outbound_message_is_stored_and_acknowledged(self):
        response = self._post(sample("salesforce_outbound_message.xml"))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/xml"))
        self.assertIn(SOAP_ACK, response.content)
        self.assertIn(b"notificationsResponse", response.content)
        self.assertIn(b"http://schemas.xmlsoap.org/soap/envelope/", response.content)
        events = self._events()
        self.assertEqual(len(events), 3)
        self.assertEqual(sorted(events.mapped("object_kind")), ["company", "contact", "deal"])
        self.assertEqual(set(events.mapped("state")), {"received"})
        company = events.filtered(lambda e: e.object_kind == "company")
        self.assertEqual(company.external_id, ACCOUNT)
        self.assertEqual(company.external_event_id, "04l5e00000A1b2cAAB")
        self.assertEqual(company.idempotency_key, "salesforce:00D5e000000AbCd:04l5e00000A1b2cAAB")
        self.assertEqual(
            company.external_modified_at, parse_datetime(sample_values("LastModifiedDate")[0])
        )
        self.assertEqual(json.loads(company.payload)["fields"]["Name"], "Atlas Salesforce")
        # Salesforce retries until acknowledged: a repeat is acknowledged, stored once
        again = self._post(sample("salesforce_outbound_message.xml"))
        self.assertEqual(again.status_code, 200)
        self.assertIn(SOAP_ACK, again.content)
        self.assertEqual(len(self._events()), 3)

    def test_other_organization_is_refused(self):
        body = sample("salesforce_outbound_message.xml").replace(
            ORG.encode(), b"00D5e000000ZzZzEAK"
        )
        response = self._post(body)
        self.assertEqual(response.status_code, 401)
        self.assertNotIn(SOAP_ACK, response.content)
        self.assertFalse(self._events(), "nothing stored")
        rejection = self.env["external.crm.rejection"].search(
            [("backend_id", "=", self.salesforce.id), ("reason", "=", "bad_signature")]
        )
        self.assertEqual(sum(rejection.mapped("count")), 1)
        # a message without any organization id is refused the same way
        no_org = message(
            notification(notification_id(1), "Account", {"Id": ACCOUNT}), organization=""
        )
        self.assertEqual(self._post(no_org).status_code, 401)
        # nor can a well-formed document that is not an Outbound Message
        empty = (
            b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<soapenv:Body/></soapenv:Envelope>"
        )
        self.assertEqual(self._post(empty).status_code, 401)
        self.assertFalse(self._events())

    def test_one_organization_id_read_once(self):
        """The check and the stored message read the same OrganizationId.

        Before, the check read the first OrganizationId element of the body
        (here one slipped into the SOAP header) and the parser the one of
        the notifications.
        """
        body = message(
            notification(notification_id(7), "Account", {"Id": ACCOUNT}),
            organization="00D5e000000ZzZzEAK",
        ).replace(
            b"<soapenv:Body>",
            b'<soapenv:Header><OrganizationId xmlns="http://soap.sforce.com/2005/09/outbound">'
            + ORG.encode()
            + b"</OrganizationId></soapenv:Header><soapenv:Body>",
        )
        response = self._post(body)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertFalse(self._events(), "nothing stored")

    def test_organization_compared_on_fifteen_characters(self):
        backend = self._create_backend(
            name="Salesforce short id",
            provider="salesforce",
            webhook_secret="secret",
            salesforce_organization_id=ORG[:15],
        )
        body = message(notification(notification_id(2), "Account", {"Id": ACCOUNT}))
        response = self._post(body, backend)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self._events(backend)), 1)
        # the case of the 15 characters matters: another organization
        other = message(
            notification(notification_id(3), "Account", {"Id": ACCOUNT}),
            organization=ORG[:15].lower(),
        )
        self.assertEqual(self._post(other, backend).status_code, 401)

    def test_backend_without_organization_refuses_everything(self):
        self.salesforce.salesforce_organization_id = False
        self.assertEqual(self._post(sample("salesforce_outbound_message.xml")).status_code, 401)
        self.assertFalse(self._events())

    def test_malformed_messages_are_400(self):
        """A message that cannot be read at all is refused whole: nothing is stored."""
        bodies = [
            b"<soapenv:Envelope",  # not well-formed
            b"not xml at all",
            '<?xml version="1.0"?><a>é</a>'.encode("latin-1"),  # not UTF-8
            # entities: refused before any parsing (billion laughs, external files)
            message(notification(notification_id(4), "Account", {"Id": ACCOUNT})).replace(
                b"?>", b'?><!DOCTYPE lolz [<!ENTITY lol "lol">]>', 1
            ),
            b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
            message(),  # no notification
            message(
                *[
                    notification(notification_id(100 + n), "Account", {"Id": ACCOUNT})
                    for n in range(101)
                ]
            ),
        ]
        for body in bodies:
            with self.subTest(body=body[:80]):
                response = self._post(body)
                self.assertEqual(response.status_code, 400, response.text)
        self.assertFalse(self._events(), "nothing stored")

    def test_malformed_notifications_are_kept_and_acknowledged(self):
        """A notification that cannot be read is rejected; the others are stored.

        Salesforce resends a message until it is acknowledged: the message is
        acknowledged, and the rejected notifications wait in the inbox.
        """
        bad = [
            notification("bad id!", "Account", {"Id": ACCOUNT}),
            notification(notification_id(5), "Account", {"Name": "no id"}),
            notification(
                notification_id(6), "Account", {"Id": ACCOUNT, "LastModifiedDate": "yesterday"}
            ),
        ]
        good = notification(notification_id(7), "Account", {"Id": ACCOUNT, "Name": "Good"})
        body = message(bad[0], good, *bad[1:])
        for _attempt in range(2):  # resent: stored once
            response = self._post(body)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertIn(SOAP_ACK, response.content)
        events = self._events()
        self.assertEqual(len(events), 4)
        stored = events.filtered(lambda e: e.state == "received")
        self.assertEqual(stored.external_event_id, notification_id(7))
        rejected = events - stored
        self.assertEqual(set(rejected.mapped("state")), {"rejected"})
        reasons = " ".join(rejected.mapped("last_error"))
        for reason in ("notification Id", "no valid Id", "LastModifiedDate"):
            self.assertIn(reason, reasons)
        # the notification, with the organization it came from
        self.assertTrue(all(ORG in event.payload for event in rejected))
        self.assertTrue(any("bad id!" in event.payload for event in rejected))

    def test_hundred_notifications_in_one_message(self):
        body = message(
            *[
                notification(
                    notification_id(200 + n),
                    "Contact",
                    {"Id": id18(f"0035e{n:010d}"), "LastName": f"Person {n}"},
                )
                for n in range(100)
            ]
        )
        response = self._post(body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self._events()), 100)


@tagged("post_install", "-at_install")
class TestSalesforce(SalesforceCase, TransactionCase):
    """Processing, REST pulls and OAuth against a fake Salesforce on loopback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesforce = cls._setup_salesforce_api()

    def setUp(self):
        super().setUp()
        fake = self.fake
        fake.reset()
        fake.add(
            "Account",
            ACCOUNT,
            {
                "Name": "Atlas Salesforce",
                "Phone": "0522-123456",
                "BillingStreet": "12 Bd Zerktouni",
                "BillingCity": "Casablanca",
                "BillingPostalCode": "20000",
                "BillingCountry": "MA",
                "Website": "atlas.example",
            },
            modified=iso(moment(1, 16)),
        )
        fake.add(
            "Contact",
            CONTACT,
            {
                "FirstName": "Karim",
                "LastName": "Benali",
                "Email": "Karim@Atlas.example",
                "Phone": "+212 522-123456",
                "Title": "Buyer",
                "AccountId": ACCOUNT,
            },
            modified=iso(moment(1, 16, 0, 1)),
        )
        fake.add(
            "Opportunity",
            DEAL,
            {
                "Name": "Supply 2027",
                "Amount": 120000.5,
                "CloseDate": day_text(38),
                "StageName": "Closed Won",
                "AccountId": ACCOUNT,
            },
            modified=iso(moment(1, 16, 0, 3)),
        )

    def _client(self, sleeps, **kwargs):
        return SalesforceClient(
            self.fake.url,
            "consumer-key",
            "consumer-secret",
            "refresh-token",
            organization_id=ORG,
            backoff=0.01,
            sleep=sleeps.append,
            **kwargs,
        )

    def _binding_record(self, kind, external_id):
        binding = self._binding(self.salesforce, kind, external_id)
        return binding.lead_id if kind == "deal" else binding.partner_id

    # -- webhook processing ---------------------------------------------------
    def test_a_notice_is_read_through_the_api_not_applied_as_sent(self):
        """An Outbound Message carries no secret: anyone who has the URL and
        the (not secret) organization id can write one. What it says is
        never applied; the record is read through the authenticated API."""
        forged = message(
            notification(
                notification_id(80),
                "Account",
                {
                    "Id": ACCOUNT,
                    "Name": "Forged Name",
                    "Phone": "0600000000",
                    "Website": "forged.example",
                    "BillingStreet": "1 Forged Street",
                    "BillingCity": "Nowhere",
                    "BillingPostalCode": "00000",
                    "BillingCountry": "FR",
                    "LastModifiedDate": iso(moment(3, 0), ".000Z"),
                },
            )
        )
        event = self._deliver(self.salesforce, forged)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.name, "Atlas Salesforce", "the API's values")
        self.assertEqual(event.partner_id.city, "Casablanca")
        self.assertIn(f"WHERE Id IN ('{ACCOUNT}')", self.fake.soql()[0])

    def test_a_forged_deletion_archives_nothing(self):
        self._deliver(self.salesforce, sample("salesforce_outbound_message.xml"))
        partner = self._binding_record("company", ACCOUNT)
        deletion = message(
            notification(
                notification_id(81),
                "Account",
                {"Id": ACCOUNT, "IsDeleted": "true", "LastModifiedDate": iso(moment(2, 8))},
            )
        )
        event = self._deliver(self.salesforce, deletion)
        self.assertEqual(event.state, "ignored", event.summary)
        self.assertIn("still exists", event.summary)
        self.assertTrue(partner.active, "the account exists in Salesforce: nothing archived")
        self.assertTrue(any("/queryAll" in call[1] for call in self.fake.requests))

    def test_notices_are_applied_from_the_api(self):
        """The sample carries every mapped field: they are read anyway."""
        events = self._deliver(self.salesforce, sample("salesforce_outbound_message.xml"))
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("last_error"))
        company = self._binding_record("company", ACCOUNT)
        self.assertEqual(company.name, "Atlas Salesforce")
        self.assertEqual(company.phone, "+212522123456")
        self.assertEqual(company.city, "Casablanca")
        self.assertEqual(company.zip, "20000")
        self.assertEqual(company.country_id, self.env.ref("base.ma"))
        contact = self._binding_record("contact", CONTACT)
        self.assertEqual(contact.name, "Karim Benali")
        self.assertEqual(contact.email, "karim@atlas.example")
        self.assertEqual(contact.function, "Buyer")
        self.assertEqual(contact.parent_id, company)
        deal = self._binding_record("deal", DEAL)
        self.assertEqual(deal.name, "Supply 2027")
        self.assertEqual(deal.partner_id, company)
        self.assertEqual(deal.expected_revenue, 120000.5)
        self.assertTrue(deal.stage_id.is_won, "Closed Won maps to won")
        self.assertEqual(str(deal.date_deadline), day_text(38), "the API's close date")
        self.assertEqual(len(self.fake.soql()), 3, "one query per object type")

    def test_thin_notification_reads_the_record_by_soql(self):
        body = message(
            notification(notification_id(10), "Account", {"Id": ACCOUNT}),
            notification(notification_id(11), "Contact", {"Id": CONTACT}),
            notification(notification_id(12), "Lead", {"Id": id18("00Q5e00000Lead1")}),
        )
        events = self._deliver(self.salesforce, body)
        by_kind = {event.object_kind: event for event in events}
        self.assertEqual(by_kind["company"].state, "done", by_kind["company"].last_error)
        self.assertEqual(by_kind["contact"].partner_id.parent_id, by_kind["company"].partner_id)
        self.assertEqual(by_kind[False].state, "ignored", "a Lead is not synchronised")
        soql = self.fake.soql()
        self.assertEqual(len(soql), 2, "one query per object type")
        self.assertIn(f"FROM Account WHERE Id IN ('{ACCOUNT}')", soql[0])
        self.assertTrue(soql[0].startswith("SELECT Id, LastModifiedDate, Name, "))
        # the access token came from the refresh token and is kept for later
        self.assertEqual(len(self.fake.calls("/services/oauth2/token")), 1)
        self.assertTrue(self.salesforce.salesforce_access_token.startswith("00D!fake-access"))
        self.assertEqual(self.salesforce.salesforce_instance_url, self.fake.url)

    def test_missing_company_is_read_first(self):
        body = message(
            notification(
                notification_id(20),
                "Contact",
                {
                    "Id": CONTACT,
                    "FirstName": "Karim",
                    "LastName": "Benali",
                    "Email": "karim@atlas.example",
                    "AccountId": ACCOUNT,
                    "LastModifiedDate": iso(moment(1, 16, 0, 1), ".000Z"),
                },
            )
        )
        events = self._deliver(self.salesforce, body)
        self.assertEqual(events.partner_id.parent_id.name, "Atlas Salesforce")
        dependency = self.env["external.crm.event"].search(
            [("idempotency_key", "=", f"dependency:company:{ACCOUNT}")]
        )
        self.assertEqual(dependency.state, "done")

    def test_update_and_out_of_order_delivery(self):
        def salesforce_has(name, modified):
            self.fake.add(
                "Account",
                ACCOUNT,
                {"Name": name, "BillingCity": "Rabat", "BillingCountry": "MA"},
                modified,
            )

        def account(number, name, modified):
            return message(
                notification(
                    notification_id(number),
                    "Account",
                    {
                        "Id": ACCOUNT,
                        "Name": name,
                        "Phone": None,
                        "Website": None,
                        "BillingStreet": None,
                        "BillingCity": "Rabat",
                        "BillingPostalCode": None,
                        "BillingCountry": "MA",
                        "LastModifiedDate": modified,
                    },
                )
            )

        salesforce_has("Atlas", iso(moment(1, 16)))
        self._deliver(self.salesforce, account(30, "Atlas", iso(moment(1, 16), ".000Z")))
        partner = self._binding_record("company", ACCOUNT)
        salesforce_has("Atlas Renamed", iso(moment(1, 17)))
        newer = self._deliver(self.salesforce, account(31, "Atlas Renamed", iso(moment(1, 17))))
        self.assertEqual(newer.state, "done")
        self.assertEqual(partner.name, "Atlas Renamed")
        # Salesforce retried an older message after the newer one: it is read
        # again, and what the API has now was applied already
        older = self._deliver(self.salesforce, account(32, "Atlas Old", iso(moment(1, 16, 30))))
        self.assertEqual(older.state, "duplicate", older.summary)
        self.assertEqual(partner.name, "Atlas Renamed")
        # the same notification again is not even stored
        self.assertFalse(self._store(self.salesforce, account(31, "x", iso(moment(1, 17)))))

    def test_deletions_archive_company_contact_and_deal(self):
        self._deliver(self.salesforce, sample("salesforce_outbound_message.xml"))
        records = {
            kind: self._binding_record(kind, external_id)
            for kind, external_id in (("company", ACCOUNT), ("contact", CONTACT), ("deal", DEAL))
        }
        for sobject, record_id in (
            ("Opportunity", DEAL),
            ("Contact", CONTACT),
            ("Account", ACCOUNT),
        ):
            self.fake.delete(sobject, record_id, iso(moment(2, 8)))
        deleted = [
            notification(
                notification_id(40 + index),
                sobject,
                {"Id": record_id, "IsDeleted": "true", "LastModifiedDate": iso(moment(2, 8))},
            )
            for index, (sobject, record_id) in enumerate(
                (("Opportunity", DEAL), ("Contact", CONTACT), ("Account", ACCOUNT))
            )
        ]
        events = self._deliver(self.salesforce, message(*deleted))
        self.assertEqual(set(events.mapped("action")), {"delete"})
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("summary"))
        for kind, record in records.items():
            self.assertTrue(record.exists(), f"{kind}: archived, never deleted")
            self.assertFalse(record.active, kind)
        self.assertEqual(len(self.fake.calls("/queryAll")), 3, "each deletion confirmed")

    def test_closed_lost_marks_the_opportunity_lost(self):
        self.fake.add(
            "Opportunity",
            DEAL,
            {
                "Name": "Lost deal",
                "Amount": 5000,
                "CloseDate": day_text(8),
                "StageName": "Closed Lost",
                "AccountId": ACCOUNT,
            },
            modified=iso(moment(1, 16)),
        )
        body = message(
            notification(
                notification_id(50),
                "Opportunity",
                {
                    "Id": DEAL,
                    "Name": "Lost deal",
                    "Amount": "5000",
                    "CloseDate": day_text(8),
                    "StageName": "Closed Lost",
                    "AccountId": ACCOUNT,
                    "LastModifiedDate": iso(moment(1, 16), ".000Z"),
                },
            )
        )
        event = self._deliver(self.salesforce, body)
        self.assertEqual(event.state, "done", event.last_error)
        lead = self.env["crm.lead"].with_context(active_test=False).browse(event.lead_id.id)
        self.assertFalse(lead.active)
        self.assertEqual(lead.probability, 0)
        self.assertEqual(lead.lost_reason_id, self.salesforce.lost_reason_id)

    def test_api_errors_keep_the_event_for_later(self):
        self.fake.fail("/query", 500, 500, 500, 500)
        body = message(notification(notification_id(60), "Account", {"Id": ACCOUNT}))
        event = self._deliver(self.salesforce, body)
        self.assertEqual(event.state, "received", "nothing is dropped")
        self.assertIn("HTTP 500", event.last_error)
        # a revoked refresh token: a clear, permanent error
        self.salesforce.write({"salesforce_refresh_token": "revoked"})
        event.write({"state": "received", "next_attempt_at": False})
        self._process(self.salesforce)
        self.assertEqual(event.state, "failed")
        self.assertIn("invalid_grant", event.last_error)

    def test_without_api_credentials_notices_are_kept_not_applied(self):
        backend = self._create_backend(
            name="Salesforce webhook only",
            provider="salesforce",
            webhook_secret="secret",
            salesforce_organization_id=ORG,
        )
        body = message(
            notification(notification_id(70), "Account", {"Id": ACCOUNT, "Name": "Only a name"})
        )
        event = self._deliver(backend, body)
        self.assertEqual(event.state, "failed")
        self.assertIn("set the consumer key", event.last_error)
        self.assertIn("only notices", event.last_error)
        self.assertFalse(event.partner_id, "nothing applied from the notice itself")
        self.assertFalse(self.fake.requests)
        # once the API is set up, a person processes the kept notice again
        backend.write(
            {
                "salesforce_client_id": "consumer-key",
                "webhook_secret": "consumer-secret",
                "salesforce_refresh_token": "refresh-token",
                "salesforce_login_url": self.fake.url,
            }
        )
        event.action_retry()
        self._process(backend)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.name, "Atlas Salesforce", "the API's name")

    # -- REST client -------------------------------------------------------------
    def test_expired_token_is_refreshed_once(self):
        sleeps = []
        client = self._client(sleeps)
        self.assertEqual(client.count("Account"), 1)
        self.assertEqual(client.refreshes, 1)
        first_token = client.token
        self.fake.expire_tokens()
        self.assertEqual(client.count("Contact"), 1)
        self.assertEqual(client.refreshes, 2)
        self.assertNotEqual(client.token, first_token)
        # a token refused again right after its renewal: no loop
        self.fake.fail("/query", 401)
        self.fake.fail("/query", 401)
        with self.assertRaises(ExternalCrmApiError):
            client.count("Account")
        self.assertEqual(client.refreshes, 3)
        self.assertFalse(sleeps)

    def test_token_of_another_organization_is_refused(self):
        client = SalesforceClient(
            self.fake.url,
            "consumer-key",
            "consumer-secret",
            "refresh-token",
            organization_id="00D5e000000ZzZzEAK",
        )
        with self.assertRaisesRegex(ExternalCrmApiError, "belongs to organization"):
            client.count("Account")

    def test_backend_stores_the_renewed_token(self):
        self.salesforce.sudo().write(
            {"salesforce_access_token": "stale", "salesforce_instance_url": self.fake.url}
        )
        provider = get_provider(self.salesforce)
        self.assertEqual(provider.import_total("company"), 1)
        self.assertNotEqual(self.salesforce.salesforce_access_token, "stale")
        self.assertEqual(len(self.fake.calls("/services/oauth2/token")), 1)
        # new credentials: the old token is dropped at once
        self.salesforce.salesforce_refresh_token = "refresh-token"
        self.assertFalse(self.salesforce.salesforce_access_token)

    def test_429_honours_retry_after(self):
        self.fake.fail("/query", 429, retry_after=3)
        sleeps = []
        self.assertEqual(self._client(sleeps).count("Account"), 1)
        self.assertEqual(sleeps, [3.0])

    def test_503_request_limit_honours_retry_after(self):
        self.fake.fail("/query", 503, retry_after=2, code="REQUEST_LIMIT_EXCEEDED")
        sleeps = []
        self.assertEqual(self._client(sleeps).count("Account"), 1)
        self.assertEqual(sleeps, [2.0])

    def test_5xx_retried_with_backoff_then_given_up(self):
        self.fake.fail("/query", 500, 502)
        sleeps = []
        self.assertEqual(self._client(sleeps).count("Account"), 1)
        self.assertEqual(sleeps, [0.01, 0.02])
        self.fake.fail("/query", 500, 500, 500, 500)
        with self.assertRaises(ExternalCrmTransientError):
            self._client([]).count("Account")

    def test_daily_limit_is_transient_without_waiting(self):
        self.fake.fail("/query", 403, code="REQUEST_LIMIT_EXCEEDED")
        sleeps = []
        with self.assertRaises(ExternalCrmTransientError) as caught:
            self._client(sleeps).count("Account")
        self.assertEqual(caught.exception.retry_after, 900.0)
        self.assertFalse(sleeps)

    # -- pulls -------------------------------------------------------------------
    def _many(self, count=250):
        for index in range(count):
            self.fake.add(
                "Contact",
                id18(f"0035e{index:010d}"),
                {"FirstName": "Person", "LastName": str(index), "Email": f"p{index}@sf.example"},
                # several records share a time: the keyset needs the Id too
                modified=iso(moment(-3 + index // 100, 10, index % 60)),
            )

    def _contact_events(self):
        return self.env["external.crm.event"].search(
            [("backend_id", "=", self.salesforce.id), ("object_kind", "=", "contact")]
        )

    def test_initial_import_pages_with_next_records_url(self):
        self._many(250)
        self.fake.page_size = 100
        self.salesforce.action_start_import()
        self._run_import(self.salesforce)
        cursors = {c.object_kind: c for c in self.salesforce.cursor_ids}
        self.assertEqual(cursors["contact"].done_count, 251)
        self.assertEqual(cursors["contact"].total_count, 251)
        self.assertEqual(cursors["contact"].page_count, 3)
        self.assertEqual(self.salesforce.import_state, "done")
        more = [c for c in self.fake.calls("/query/01gFAKE") if c[0] == "GET"]
        self.assertEqual(len(more), 2, "pages 2 and 3 behind nextRecordsUrl")
        contact_soql = [q for q in self.fake.soql() if "FROM Contact" in q and "COUNT" not in q]
        self.assertEqual(len(contact_soql), 1)
        self.assertTrue(contact_soql[0].endswith("FROM Contact ORDER BY LastModifiedDate, Id"))
        self._process(self.salesforce)
        self.assertEqual(
            self.env["external.crm.binding"].search_count(
                [("backend_id", "=", self.salesforce.id), ("object_kind", "=", "contact")]
            ),
            251,
        )
        deal = self._binding_record("deal", DEAL)
        self.assertEqual(deal.partner_id.name, "Atlas Salesforce")
        self.assertTrue(deal.stage_id.is_won)
        self.assertFalse(
            [q for q in self.fake.soql() if "Id IN" in q], "the pages carry the records"
        )

    def test_crash_between_pages_resumes(self):
        self._many(250)
        self.fake.page_size = 100
        self.salesforce.action_start_import()
        company_cursor = self.salesforce.cursor_ids.filtered(lambda c: c.object_kind == "company")
        company_cursor.with_user(self.integration_user)._import_next_page()
        contacts = self.salesforce.cursor_ids.filtered(lambda c: c.object_kind == "contact")
        contacts.with_user(self.integration_user)._import_next_page()
        self.assertEqual(contacts.done_count, 100)
        stored_after = contacts.after
        self.assertTrue(json.loads(stored_after)["next"].startswith("/services/data/v62.0/query/"))
        # the worker dies while reading page 2: the job's transaction is
        # rolled back, the cursor still points at page 2
        self.fake.fail("/query/", 503, 503, 503, 503)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            contacts.with_user(self.integration_user)._import_next_page()
        self.env.invalidate_all()
        self.assertEqual((contacts.after, contacts.done_count), (stored_after, 100))
        # hours later, the query locator has expired: the import goes on by
        # SOQL from the last record stored, without reading page 1 again
        self.fake.expire_locators()
        self.fake.requests = []
        self._run_import(self.salesforce)
        self.assertEqual(contacts.state, "done")
        self.assertEqual(contacts.done_count, 251)
        resumed = [q for q in self.fake.soql() if "FROM Contact" in q]
        self.assertEqual(len(resumed), 1)
        self.assertIn(
            f"(LastModifiedDate > {iso(moment(-3, 10, 59))} OR (LastModifiedDate = "
            f"{iso(moment(-3, 10, 59))} AND Id > '",
            resumed[0],
        )
        self.assertEqual(len(self._contact_events()), 251, "each record stored once")
        self.assertEqual(len(set(self._contact_events().mapped("external_id"))), 251)

    def test_changed_page_reads_changes_in_order_with_deletions(self):
        self._many(250)
        self.fake.page_size = 100
        self.fake.delete("Contact", CONTACT, iso(moment(-1, 23)))
        provider = get_provider(self.salesforce)
        since = moment(-2, 0)
        seen, after, pages = [], None, 0
        while True:
            records, after = provider.changed_page("contact", since, after, limit=100)
            seen.extend(records)
            pages += 1
            if not after:
                break
        self.assertEqual(pages, 2)
        self.assertEqual(len(seen), 151, "records 100 to 249, and the deleted one")
        times = [(r.modified_at, r.external_id) for r in seen]
        self.assertEqual(times, sorted(times), "ascending modification order")
        self.assertTrue(all(r.modified_at >= since for r in seen))
        deleted = [r for r in seen if r.missing]
        self.assertEqual([r.external_id for r in deleted], [CONTACT])
        soql = self.fake.soql()[0]
        self.assertIn("IsDeleted", soql)
        self.assertIn(f"WHERE LastModifiedDate >= {iso(moment(-2, 0))}", soql)
        self.assertTrue(self.fake.calls("/queryAll"))
        # a pulled record is rebuilt from its snapshot without another call
        payload = provider.snapshot_payload(deleted[0])
        rebuilt = provider.record_from_snapshot(
            "contact", json.loads(json.dumps(payload))["snapshot"]
        )
        self.assertTrue(rebuilt.missing)
        self.assertEqual(rebuilt.modified_at, deleted[0].modified_at)

    def test_pulled_merge_moves_the_binding_to_the_surviving_account(self):
        """Salesforce merges by deleting the others with ``MasterRecordId``."""
        loser = id18("0015e00000Dup01")
        customer = self.env["res.partner"].create({"name": "Atlas (duplicate)", "is_company": True})
        self.env["external.crm.binding"].create(
            {
                "backend_id": self.salesforce.id,
                "object_kind": "company",
                "external_id": loser,
                "partner_id": customer.id,
            }
        )
        # nothing else changed since the pull starts: only the merge is read
        for rows in self.fake.records.values():
            for row in rows.values():
                row["LastModifiedDate"] = moment(-22, 0).replace(tzinfo=UTC)
        self.fake.add("Account", loser, {"Name": "Atlas (duplicate)", "MasterRecordId": ACCOUNT})
        self.fake.delete("Account", loser, iso(moment(2, 9)))
        self.salesforce.action_pull_changes()
        self._run_pull(self.salesforce)
        self.assertIn("MasterRecordId", self.fake.soql()[0])
        event = self.env["external.crm.event"].search(
            [("backend_id", "=", self.salesforce.id), ("object_kind", "=", "company")]
        )
        self.assertEqual((event.action, event.external_id), ("merge", ACCOUNT))
        self._process(self.salesforce)
        self.assertEqual(event.state, "done", event.summary)
        binding = self._binding(self.salesforce, "company", ACCOUNT)
        self.assertEqual(binding.partner_id, customer, "the binding follows the survivor")
        self.assertFalse(self._binding(self.salesforce, "company", loser))
        self.assertTrue(customer.active, "a merged account is not a deleted customer")
        self.assertEqual(customer.name, "Atlas Salesforce", "the survivor's values, read by SOQL")

    # -- configuration ----------------------------------------------------------
    def test_default_field_map_and_stage_map(self):
        lines = {
            (line.object_kind, line.external_field): line for line in self.salesforce.field_map_ids
        }
        self.assertEqual(lines["company", "Name"].field_name, "name")
        self.assertEqual(lines["company", "BillingCountry"].transform, "country_iso")
        self.assertEqual(lines["contact", "FirstName+LastName"].field_name, "name")
        self.assertEqual(lines["contact", "AccountId"].transform, "reference")
        self.assertEqual(lines["deal", "AccountId"].field_name, "partner_id")
        self.assertEqual(lines["deal", "Amount"].field_name, "expected_revenue")
        stages = {v.external_value: v for v in lines["deal", "StageName"].value_ids}
        self.assertTrue(stages["Closed Won"].stage_id.is_won)
        self.assertTrue(stages["Closed Lost"].is_lost)
        self.assertEqual(stages["Prospecting"].stage_id, self.env.ref("crm.stage_lead1"))

    def test_settings_are_checked(self):
        for values in (
            {"salesforce_organization_id": "0015e00000AtlsAAAR"},
            {"salesforce_organization_id": "00D123"},
            {"salesforce_login_url": "http://login.salesforce.com"},
            {"salesforce_login_url": "https://login.salesforce.com/services/oauth2/token"},
            {"salesforce_api_version": "v62"},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.salesforce.write(values)
        self.salesforce.write(
            {
                "salesforce_organization_id": " 00D5e000000AbCd ",
                "salesforce_login_url": "https://atlas.my.salesforce.com/",
            }
        )
        self.assertEqual(self.salesforce.salesforce_organization_id, "00D5e000000AbCd")
        self.assertEqual(self.salesforce.salesforce_login_url, "https://atlas.my.salesforce.com")

    def test_field_map_cannot_inject_soql(self):
        line = self.salesforce.field_map_ids.filtered(
            lambda m: m.object_kind == "company" and m.external_field == "Website"
        )
        line.external_field = "Website FROM User --"
        body = message(notification(notification_id(80), "Account", {"Id": ACCOUNT}))
        event = self._deliver(self.salesforce, body)
        self.assertEqual(event.state, "failed")
        self.assertIn("not a Salesforce field name", event.last_error)
        self.assertFalse(self.fake.soql())

    def test_ids_and_organizations(self):
        self.assertEqual(id18("001A0000006Vm9r"), "001A0000006Vm9rIAC")
        self.assertEqual(id18(ACCOUNT), ACCOUNT)
        self.assertTrue(same_organization(ORG, ORG[:15]))
        self.assertFalse(same_organization(ORG, ORG[:15].lower()))
        self.assertFalse(same_organization("", ORG))
        provider = get_provider(self.salesforce)
        short = message(notification(notification_id(90), "Account", {"Id": ACCOUNT[:15]}))
        self.assertEqual(provider.parse_delivery(short)[0].external_id, ACCOUNT)
        with self.assertRaises(MalformedDelivery):
            provider.parse_delivery(b"<a><b></a>")

    def test_backend_form_shows_the_salesforce_settings(self):
        arch = self.env["external.crm.backend"].get_view(view_type="form")["arch"]
        for name in (
            "salesforce_organization_id",
            "salesforce_login_url",
            "salesforce_client_id",
            "salesforce_refresh_token",
        ):
            self.assertIn(f'name="{name}"', arch)
        start = arch[arch.index('name="action_start_import"') :]
        start = start[: start.index(">")]
        self.assertIn("provider == 'generic'", start, "Start Import offered for Salesforce")
        self.assertNotIn('name="salesforce_access_token"', arch, "the token is never shown")
