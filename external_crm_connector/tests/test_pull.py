# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.external_crm_connector.adapters.provider import RemoteRecord, get_provider
from odoo.addons.external_crm_connector.models.external_crm_pull_cursor import pulled_item
from odoo.addons.queue_job.exception import RetryableJobError

from .common import ExternalCrmCase

TOKEN = "pat-na1-pull"


@tagged("post_install", "-at_install")
class TestCatchUpPull(ExternalCrmCase, TransactionCase):
    """The catch-up pull recovers changes whose webhook never came."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot(TOKEN, name="HubSpot pull", pull_enabled=True)

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        # "now" of the external CRM: the backend exists since the test began
        self.start = self.hubspot.create_date.replace(microsecond=0)
        self.fake.add(
            "company", 9001, {"name": "Missed Webhook SA"}, updated_at=self._at(minutes=5)
        )
        self.fake.add("company", 9002, {"name": "Changed Long Ago"}, updated_at=self._at(days=-30))

    def _at(self, **delta):
        return (self.start + timedelta(**delta)).isoformat() + "Z"

    def _cursor(self, kind):
        return self.hubspot.pull_cursor_ids.filtered(lambda c: c.object_kind == kind)

    def _events(self, kind):
        return self.env["external.crm.event"].search(
            [("backend_id", "=", self.hubspot.id), ("object_kind", "=", kind)]
        )

    def test_missed_change_is_recovered(self):
        self.hubspot.action_pull_changes()
        self.assertEqual(set(self.hubspot.pull_cursor_ids.mapped("state")), {"running"})
        self.assertEqual(
            self.env["queue.job"].search_count([("method_name", "=", "_pull_next_page")]), 3
        )
        self._run_pull(self.hubspot)
        companies = self._cursor("company")
        self.assertEqual(companies.state, "idle")
        self.assertEqual(companies.pulled_count, 1, "the change before the backend is not read")
        self.assertEqual(companies.since, self.start + timedelta(minutes=5))
        self._process(self.hubspot)
        binding = self._binding(self.hubspot, "company", "9001")
        self.assertEqual(binding.partner_id.name, "Missed Webhook SA")
        self.assertFalse(self._binding(self.hubspot, "company", "9002"))
        search = self.fake.calls("/crm/v3/objects/companies/search")
        self.assertEqual(len(search), 1)

    def test_next_pull_reads_only_newer_changes(self):
        self.hubspot.action_pull_changes()
        self._run_pull(self.hubspot)
        self._process(self.hubspot)
        self.assertEqual(len(self._events("company")), 1)
        # nothing changed: the newest change is read again and recognised
        self.hubspot.action_pull_changes()
        self._run_pull(self.hubspot)
        self.assertEqual(len(self._events("company")), 1, "no event for an unchanged record")
        # one record changes without a webhook: the next pull brings it
        self.fake.add(
            "company", 9001, {"name": "Missed Webhook Group"}, updated_at=self._at(minutes=20)
        )
        self.hubspot.action_pull_changes()
        self._run_pull(self.hubspot)
        self.assertEqual(len(self._events("company")), 2)
        self._process(self.hubspot)
        partner = self._binding(self.hubspot, "company", "9001").partner_id
        self.assertEqual(partner.name, "Missed Webhook Group")
        self.assertEqual(self._cursor("company").since, self.start + timedelta(minutes=20))

    def test_pages_and_resume_after_a_crash(self):
        for index in range(250):
            self.fake.add(
                "contact",
                1000 + index,
                {"firstname": "Person", "lastname": str(index)},
                updated_at=self._at(minutes=1, seconds=index),
            )
        self.hubspot.action_pull_changes()
        contacts = self._cursor("contact").with_user(self.integration_user)
        contacts._pull_next_page()
        self.assertEqual((contacts.after, contacts.pulled_count), ("100", 100))
        # HubSpot keeps failing on page 2: the job's transaction is rolled
        # back and queue_job runs it again later; the cursor has not moved
        self.fake.fail("/crm/v3/objects/contacts/search", 503, 503, 503, 503)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            contacts._pull_next_page()
        self.env.invalidate_all()
        self.assertEqual((contacts.after, contacts.pulled_count), ("100", 100))
        self.assertEqual(contacts.state, "running")
        self._run_pull(self.hubspot)
        self.assertEqual(contacts.state, "idle")
        self.assertEqual(contacts.pulled_count, 250)
        self.assertEqual(len(self._events("contact")), 250, "each change stored once")
        self.assertEqual(contacts.since, self.start + timedelta(minutes=1, seconds=249))
        bodies = [q for m, p, q in self.fake.calls("/contacts/search") if m == "POST"]
        self.assertEqual(len(bodies), 4 + 3, "three pages, page 2 failed four times first")

    def test_permanent_error_fails_and_the_schedule_resumes(self):
        self.fake.fail("/crm/v3/objects/companies/search", 400)
        self.hubspot.action_pull_changes()
        self._run_pull(self.hubspot)
        companies = self._cursor("company")
        self.assertEqual(companies.state, "failed")
        self.assertIn("400", companies.last_error)
        self.env["queue.job"].search([("method_name", "=", "_pull_next_page")]).unlink()
        self.env["external.crm.backend"]._cron_pull_changes()
        self.assertEqual(companies.state, "running")
        self._run_pull(self.hubspot)
        self.assertEqual(companies.state, "idle")
        self.assertFalse(companies.last_error)

    def test_schedule_follows_the_interval(self):
        self.hubspot.pull_interval = 60
        Backend = self.env["external.crm.backend"]
        Job = self.env["queue.job"]
        Backend._cron_pull_changes()
        self.assertEqual(Job.search_count([("method_name", "=", "_pull_next_page")]), 3)
        self._run_pull(self.hubspot)
        Job.search([("method_name", "=", "_pull_next_page")]).unlink()
        Backend._cron_pull_changes()
        self.assertFalse(Job.search_count([("method_name", "=", "_pull_next_page")]), "not due")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=61)):
            Backend._cron_pull_changes()
        self.assertEqual(Job.search_count([("method_name", "=", "_pull_next_page")]), 3)
        # a backend without the catch-up pull is left alone
        self.hubspot.pull_cursor_ids.write({"state": "idle", "last_pull_date": False})
        Job.search([("method_name", "=", "_pull_next_page")]).unlink()
        self.hubspot.pull_enabled = False
        Backend._cron_pull_changes()
        self.assertFalse(Job.search_count([("method_name", "=", "_pull_next_page")]))

    def test_a_pulled_deletion_archives(self):
        self.hubspot.action_pull_changes()
        self._run_pull(self.hubspot)
        self._process(self.hubspot)
        partner = self._binding(self.hubspot, "company", "9001").partner_id
        provider = get_provider(self.hubspot)
        gone = RemoteRecord(
            kind="company",
            external_id="9001",
            modified_at=self.start + timedelta(minutes=30),
            missing=True,
        )
        item = pulled_item(provider, gone)
        self.assertEqual(item.action, "delete")
        integration = self.hubspot._as_integration_user()
        integration.env["external.crm.event"]._store_items(integration, [item])
        self._process(self.hubspot)
        self.assertFalse(partner.active, "archived, never deleted")

    def test_generic_backend_cannot_pull(self):
        with self.assertRaises(Exception) as caught:
            self.generic.action_pull_changes()
        self.assertIn("cannot read changed records", str(caught.exception))

    @mute_logger("odoo.sql_db")
    def test_interval_must_be_positive(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.hubspot.pull_interval = 0
            self.hubspot.flush_recordset()
