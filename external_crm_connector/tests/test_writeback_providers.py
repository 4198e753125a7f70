# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The financial write-back through Salesforce, Zoho CRM and Pipedrive.

Each fake API is a real HTTP server on loopback that writes what it is sent
and refuses records it does not hold (deleted there), as the real one does.
"""

import json

from odoo.tests import tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon
from odoo.addons.external_crm_connector.adapters.salesforce.ids import id18
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .clock import epoch, iso, moment
from .common import ExternalCrmCase
from .fake_pipedrive import FakePipedrive
from .fake_salesforce import FakeSalesforce
from .fake_zoho import FakeZoho
from .test_pipedrive import TOKEN as PIPEDRIVE_TOKEN
from .test_pipedrive import WEBHOOK_PASSWORD, WEBHOOK_USER, v1, v2
from .test_salesforce import ORG, message, notification, notification_id
from .test_zoho import CHANNEL_TOKEN

# Salesforce and Zoho name fields by API name, Pipedrive by a 40-character key
SF_FIELDS = ("Odoo_Credit_Status__c", "Odoo_Overdue_Amount__c", "Odoo_Credit_Available__c")
ZOHO_FIELDS = ("Odoo_Credit_Status", "Odoo_Overdue_Amount", "Odoo_Credit_Available")
PD_FIELDS = (
    "5b1e7c2d9a0f4e6b8c3d1a2f7e9b0c4d6a8e1f3b",
    "0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d",
    "f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e",
)
SF_LATE, SF_FINE, SF_GONE = (id18(f"0015e00000Wb00{n}") for n in (1, 2, 3))


@tagged("post_install", "-at_install")
class TestProviderWriteback(ExternalCrmCase, CrmAccountingBridgeCommon):
    """Figures written per provider; refused records and echoes handled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.env["ir.config_parameter"].set_param("external_crm_connector.api_backoff", "0.01")
        cls.sf_fake = FakeSalesforce().start()
        cls.zoho_fake = FakeZoho().start()
        cls.pd_fake = FakePipedrive(token=PIPEDRIVE_TOKEN).start()
        for fake in (cls.sf_fake, cls.zoho_fake, cls.pd_fake):
            cls.addClassCleanup(fake.stop)
        cls.salesforce = cls._create_backend(
            name="Salesforce write-back",
            provider="salesforce",
            webhook_secret=cls.sf_fake.client_secret,
            salesforce_organization_id=ORG,
            salesforce_login_url=cls.sf_fake.url,
            salesforce_client_id=cls.sf_fake.client_id,
            salesforce_refresh_token=cls.sf_fake.refresh_token,
            **cls._property_names(SF_FIELDS),
        )
        cls.zoho = cls._create_backend(
            name="Zoho write-back",
            provider="zoho",
            webhook_secret=CHANNEL_TOKEN,
            zoho_accounts_url=cls.zoho_fake.url,
            zoho_client_id=cls.zoho_fake.client_id,
            zoho_client_secret=cls.zoho_fake.client_secret,
            zoho_refresh_token=cls.zoho_fake.refresh_token,
            api_base_url=cls.zoho_fake.url,
            **cls._property_names(ZOHO_FIELDS),
        )
        cls.pipedrive = cls._create_backend(
            name="Pipedrive write-back",
            provider="pipedrive",
            webhook_secret=WEBHOOK_PASSWORD,
            pipedrive_webhook_user=WEBHOOK_USER,
            api_token=PIPEDRIVE_TOKEN,
            api_base_url=cls.pd_fake.url,
            **cls._property_names(PD_FIELDS),
        )
        cls.late = cls.customer  # the bridge's customer, given an overdue invoice below
        cls.fine = cls.env["res.partner"].create({"name": "Pays On Time", "is_company": True})
        cls.gone = cls.env["res.partner"].create({"name": "Deleted Over There", "is_company": True})
        cls._create_invoice(cls.late, 1000.0, invoice_offset=-40, due_offset=-10)
        cls.external_ids = {
            cls.salesforce: (SF_LATE, SF_FINE, SF_GONE),
            cls.zoho: ("4150868000000900001", "4150868000000900002", "4150868000000900003"),
            cls.pipedrive: ("9501", "9502", "9503"),
        }
        for backend, ids in cls.external_ids.items():
            for external_id, partner in zip(ids, (cls.late, cls.fine, cls.gone), strict=True):
                cls.env["external.crm.binding"].create(
                    {
                        "backend_id": backend.id,
                        "object_kind": "company",
                        "external_id": external_id,
                        "partner_id": partner.id,
                    }
                )

    @staticmethod
    def _property_names(names):
        return {
            "writeback_enabled": True,
            "writeback_status_property": names[0],
            "writeback_overdue_property": names[1],
            "writeback_available_property": names[2],
        }

    def setUp(self):
        super().setUp()
        self.sf_fake.reset()
        self.zoho_fake.reset()
        self.pd_fake.reset()
        late, fine, _gone = self.external_ids[self.salesforce]
        self.sf_fake.add("Account", late, {"Name": "Bridge Customer"})
        self.sf_fake.add("Account", fine, {"Name": "Pays On Time"})
        late, fine, _gone = self.external_ids[self.zoho]
        self.zoho_fake.add("company", late, {"Account_Name": "Bridge Customer"})
        self.zoho_fake.add("company", fine, {"Account_Name": "Pays On Time"})
        late, fine, _gone = self.external_ids[self.pipedrive]
        self.pd_fake.add("company", late, {"name": "Bridge Customer"})
        self.pd_fake.add("company", fine, {"name": "Pays On Time"})

    def _write_back(self, backend):
        """Queue the backend's write and run its jobs; return their results."""
        jobs = self.env["queue.job"]
        domain = [("method_name", "=", "_write_financial_status")]
        before = jobs.search(domain)
        backend._as_integration_user()._queue_financial_status()
        return [Job.load(self.env, job.uuid).perform() for job in jobs.search(domain) - before]

    def _bindings(self, backend):
        late, fine, gone = self.external_ids[backend]
        return [
            self._binding(backend, "company", external_id) for external_id in (late, fine, gone)
        ]

    def _assert_recorded(self, backend, names):
        late, fine, gone = self._bindings(backend)
        status, overdue, available = names
        self.assertIn(late.financial_values[status], ("warning", "block"))
        self.assertEqual(late.financial_values[overdue], 1000.0)
        self.assertEqual(fine.financial_values, {status: "none", overdue: 0.0, available: ""})
        self.assertFalse(gone.financial_values, "refused over there: tried again next time")

    # -- Salesforce ----------------------------------------------------------
    def test_salesforce_accounts_written_in_one_collection_call(self):
        (result,) = self._write_back(self.salesforce)
        calls = self.sf_fake.calls("/composite/sobjects")
        self.assertEqual(len(calls), 1, "three accounts, one sObject Collections call")
        written = {record_id: values for _s, record_id, values, _all in self.sf_fake.updates}
        status, overdue, available = SF_FIELDS
        self.assertEqual(written[SF_LATE][overdue], 1000.0)
        self.assertIsNone(written[SF_LATE][available], "no credit limit: the field is cleared")
        self.assertEqual(written[SF_FINE], {status: "none", overdue: 0.0, available: None})
        self.assertEqual({row[0] for row in self.sf_fake.updates}, {"Account"})
        self.assertEqual({row[3] for row in self.sf_fake.updates}, {False}, "allOrNone off")
        self._assert_recorded(self.salesforce, SF_FIELDS)
        self.assertIn("2 customers written", result)
        self.assertIn(f"{SF_GONE}: ENTITY_IS_DELETED", result)
        # the refused account is written again at the next run, alone
        self.sf_fake.updates = []
        self._write_back(self.salesforce)
        self.assertEqual([row[1] for row in self.sf_fake.updates], [], "deleted: refused again")
        self.assertEqual(len(self.sf_fake.calls("/composite/sobjects")), 2)

    def test_salesforce_echo_is_stored_not_applied(self):
        self._write_back(self.salesforce)
        connector_user = self.salesforce.salesforce_user_id
        self.assertEqual(connector_user, self.sf_fake.user_id, "learnt from the token answer")
        echo = notification(
            notification_id(901),
            "Account",
            {
                "Id": SF_LATE,
                "Name": "Renamed Here Meanwhile",
                SF_FIELDS[0]: "warning",
                "LastModifiedById": connector_user,
                "LastModifiedDate": iso(moment(1, 17), ".000Z"),
            },
        )
        human = notification(
            notification_id(902),
            "Account",
            {
                "Id": SF_FINE,
                "Name": "Pays On Time Ltd",
                "LastModifiedById": id18("0055e000009Hman"),
                "LastModifiedDate": iso(moment(1, 17), ".000Z"),
            },
        )
        self.sf_fake.requests = []
        events = self._store(self.salesforce, message(echo, human))
        self.assertEqual(events.mapped("action"), ["echo", "upsert"])
        self._process(self.salesforce)
        self.assertEqual(events[0].state, "ignored")
        self.assertIn("echoed", events[0].summary)
        self.assertEqual(self.late.name, "Bridge Customer", "the echo changed nothing")
        self.assertNotEqual(events[1].state, "ignored", "a person's change is applied")

    # -- Zoho CRM ------------------------------------------------------------
    def test_zoho_accounts_written_without_workflows(self):
        (result,) = self._write_back(self.zoho)
        late, fine, gone = self.external_ids[self.zoho]
        self.assertEqual(len(self.zoho_fake.calls("/crm/v6/Accounts")), 1)
        written = {record_id: values for _k, record_id, values, _t in self.zoho_fake.updates}
        status, overdue, available = ZOHO_FIELDS
        self.assertEqual(written[late][overdue], 1000.0)
        self.assertIsNone(written[late][available])
        self.assertEqual(written[fine], {status: "none", overdue: 0.0, available: None})
        self.assertEqual({str(row[3]) for row in self.zoho_fake.updates}, {"[]"}, "no workflow")
        self._assert_recorded(self.zoho, ZOHO_FIELDS)
        self.assertIn(f"{gone}: INVALID_DATA", result)

    def test_zoho_every_record_refused_is_reported_not_raised(self):
        late, fine, _gone = self.external_ids[self.zoho]
        self.zoho_fake.remove("company", late)
        self.zoho_fake.remove("company", fine)
        (result,) = self._write_back(self.zoho)
        self.assertIn("0 customers written", result)
        self.assertFalse(any(b.financial_values for b in self._bindings(self.zoho)))

    def _zoho_update(self, record_id, fields, server_time):
        return {
            "server_time": server_time,
            "query_params": {},
            "module": "Accounts",
            "resource_uri": "https://www.zohoapis.eu/crm/v6/Accounts",
            "ids": [record_id],
            "affected_fields": [{record_id: fields}],
            "operation": "update",
            "channel_id": "1000000068001",
            "token": CHANNEL_TOKEN,
        }

    def test_zoho_echo_is_stored_not_applied(self):
        late, fine, _gone = self.external_ids[self.zoho]
        echo = self._zoho_update(late, [ZOHO_FIELDS[0], ZOHO_FIELDS[1], "Modified_Time"], 1)
        human = self._zoho_update(fine, [ZOHO_FIELDS[0], "Phone"], 2)
        events = self._store(self.zoho, echo) | self._store(self.zoho, human)
        self.assertEqual(events.mapped("action"), ["echo", "upsert"])
        self.assertEqual(
            json.loads(events[0].payload)["affected_fields"],
            [{late: [ZOHO_FIELDS[0], ZOHO_FIELDS[1], "Modified_Time"]}],
        )
        self.zoho_fake.requests = []
        self._process(self.zoho)
        self.assertEqual(events[0].state, "ignored")
        read_ids = [r[2] for r in self.zoho_fake.calls("/crm/v6/Accounts") if r[0] == "GET"]
        self.assertTrue(read_ids and all(late not in query for query in read_ids), read_ids)

    # -- Pipedrive -----------------------------------------------------------
    def test_pipedrive_custom_fields_written_one_organization_per_call(self):
        (result,) = self._write_back(self.pipedrive)
        late, fine, gone = self.external_ids[self.pipedrive]
        self.assertEqual(len(self.pd_fake.calls("/api/v2/organizations/", "PATCH")), 3)
        written = {record_id: values for _k, record_id, values in self.pd_fake.updates}
        status, overdue, available = PD_FIELDS
        self.assertEqual(written[late][overdue], 1000.0)
        self.assertEqual(written[fine], {status: "none", overdue: 0.0, available: None})
        self.assertEqual(self.pd_fake.records["company"][late]["custom_fields"][overdue], 1000.0)
        self._assert_recorded(self.pipedrive, PD_FIELDS)
        self.assertIn(f"{gone}: no such organization", result)

    def test_pipedrive_rate_limit_retries_the_job_and_records_nothing(self):
        self.pd_fake.fail("/organizations/", 429, 429, 429, 429, retry_after=0)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            self._write_back(self.pipedrive)
        self.assertFalse(any(b.financial_values for b in self._bindings(self.pipedrive)))

    def test_pipedrive_echo_is_stored_not_applied(self):
        late, fine, _gone = self.external_ids[self.pipedrive]
        status = PD_FIELDS[0]
        echo_v2 = v2(
            "organization",
            "change",
            late,
            data={
                "id": int(late),
                "name": "Bridge Customer",
                "custom_fields": {status: {"type": "varchar", "value": "warning"}},
                "update_time": iso(moment(1, 17)),
            },
            previous={
                "custom_fields": {status: {"type": "varchar", "value": None}},
                "update_time": iso(moment(1, 16)),
            },
        )
        current = {
            "id": int(fine),
            "name": "Pays On Time",
            status: "none",
            "update_time": iso(moment(1, 17), "", sep=" "),
        }
        previous = {**current, status: None, "update_time": iso(moment(1, 16), "", sep=" ")}
        echo_v1 = v1("organization", "updated", int(fine), current, previous)
        renamed = v1(
            "organization",
            "updated",
            int(fine),
            {**current, "name": "Pays On Time Ltd"},
            previous,
            timestamp=epoch(moment(1, 16, 1)),
        )
        events = (
            self._store(self.pipedrive, echo_v2)
            | self._store(self.pipedrive, echo_v1)
            | self._store(self.pipedrive, renamed)
        )
        self.assertEqual(events.mapped("action"), ["echo", "echo", "upsert"])
        self._process(self.pipedrive)
        self.assertEqual(events[:2].mapped("state"), ["ignored", "ignored"])
        self.assertFalse(self.pd_fake.calls("/api/v2/organizations"), "nothing read")
