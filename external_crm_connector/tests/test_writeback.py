# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .clock import EARLIER, epoch_ms
from .common import ExternalCrmCase

TOKEN = "pat-na1-writeback"


@tagged("post_install", "-at_install")
class TestFinancialWriteback(ExternalCrmCase, CrmAccountingBridgeCommon):
    """Credit status, overdue amount and credit available reach the external CRM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the accounting test user sets the connector up as an administrator would
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot(
            TOKEN, name="HubSpot write-back", writeback_enabled=True
        )
        cls.late = cls.customer  # the bridge's customer, given an overdue invoice below
        cls.fine = cls.env["res.partner"].create({"name": "Pays On Time", "is_company": True})
        cls.invoice = cls._create_invoice(cls.late, 1000.0, invoice_offset=-40, due_offset=-10)
        Binding = cls.env["external.crm.binding"]
        for external_id, partner in (("9101", cls.late), ("9102", cls.fine)):
            Binding.create(
                {
                    "backend_id": cls.hubspot.id,
                    "object_kind": "company",
                    "external_id": external_id,
                    "partner_id": partner.id,
                }
            )

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        self.fake.add("company", 9101, {"name": "Bridge Customer"})
        self.fake.add("company", 9102, {"name": "Pays On Time"})

    def _write_back(self):
        """Run the scheduled action and the jobs it queued; return the job count."""
        jobs = self.env["queue.job"]
        domain = [("method_name", "=", "_write_financial_status")]
        before = jobs.search(domain)
        self.env["external.crm.backend"]._cron_write_financial_status()
        queued = jobs.search(domain) - before
        for job in queued:
            Job.load(self.env, job.uuid).perform()
        return len(queued)

    def _written(self):
        return {external_id: values for _kind, external_id, values in self.fake.updates}

    def test_changed_figures_are_written_in_one_batch(self):
        self.assertEqual(self._write_back(), 1)
        written = self._written()
        self.assertIn(written["9101"]["odoo_credit_status"], ("warning", "block"))
        self.assertEqual(written["9101"]["odoo_overdue_amount"], 1000.0)
        self.assertEqual(written["9101"]["odoo_credit_available"], "", "no credit limit")
        self.assertEqual(
            written["9102"],
            {"odoo_credit_status": "none", "odoo_overdue_amount": 0.0, "odoo_credit_available": ""},
        )
        self.assertEqual(len(self.fake.calls("/companies/batch/update")), 1, "one call for both")
        binding = self._binding(self.hubspot, "company", "9101")
        self.assertEqual(binding.financial_values, written["9101"])
        # nothing changed: nothing is queued, nothing is written
        self.fake.updates = []
        self.assertEqual(self._write_back(), 0)
        self.assertFalse(self.fake.updates)
        # the customer pays: only this customer is written again
        self._register_payment(self.invoice, 1000.0)
        self.assertEqual(self._write_back(), 1)
        self.assertEqual(
            self._written(),
            {
                "9101": {
                    "odoo_credit_status": "none",
                    "odoo_overdue_amount": 0.0,
                    "odoo_credit_available": "",
                }
            },
        )

    def test_overdue_covered_by_a_credit_note_not_allocated(self):
        """The amount written beside the level is the one the level judges:
        overdue items covered by a credit note accounting has not matched
        yet give no alert and no overdue amount, as on the badge in Odoo."""
        self._create_invoice(self.late, 1000.0, move_type="out_refund", due_offset=5)
        self._write_back()
        self.assertEqual(
            self._written()["9101"],
            {"odoo_credit_status": "none", "odoo_overdue_amount": 0.0, "odoo_credit_available": ""},
        )

    def test_overdue_partly_covered(self):
        self._create_invoice(self.late, 400.0, move_type="out_refund", due_offset=5)
        self._write_back()
        written = self._written()["9101"]
        self.assertIn(written["odoo_credit_status"], ("warning", "block"))
        self.assertEqual(written["odoo_overdue_amount"], 600.0)

    def test_credit_available_under_a_limit(self):
        self.env.company.account_use_credit_limit = True
        self.fine.credit_limit = 5000.0
        self._write_back()
        self.assertEqual(self._written()["9102"]["odoo_credit_available"], 5000.0)

    def test_our_own_writes_echoed_by_webhooks_are_not_processed(self):
        self._write_back()
        echo = [
            {
                "eventId": 501,
                "subscriptionId": 7,
                "portalId": 62515,
                "occurredAt": epoch_ms(EARLIER),
                "subscriptionType": "company.propertyChange",
                "attemptNumber": 0,
                "objectId": 9101,
                "propertyName": "odoo_credit_status",
                "propertyValue": "block",
                "changeSource": "INTEGRATION",
            }
        ]
        self.fake.requests = []
        events = self._deliver(self.hubspot, json.dumps(echo).encode())
        self.assertEqual(events.state, "ignored", "stored, not processed")
        self.assertFalse(self.fake.calls("/batch/read"), "no read of the record")
        self.fake.updates = []
        self.assertEqual(self._write_back(), 0, "and it triggers no write")

    def test_company_deleted_in_hubspot_does_not_stop_the_others(self):
        """HubSpot refuses a whole batch for one missing company: written one by one."""
        gone = self.env["res.partner"].create({"name": "Deleted in HubSpot", "is_company": True})
        self.env["external.crm.binding"].create(
            {
                "backend_id": self.hubspot.id,
                "object_kind": "company",
                "external_id": "9199",
                "partner_id": gone.id,
            }
        )
        jobs = self.env["queue.job"]
        before = jobs.search([])
        self.hubspot._as_integration_user()._queue_financial_status()
        (job,) = jobs.search([]) - before
        result = Job.load(self.env, job.uuid).perform()
        self.assertEqual(set(self._written()), {"9101", "9102"})
        self.assertIn("2 customers written", result)
        self.assertIn("9199", result)
        self.assertTrue(self._binding(self.hubspot, "company", "9101").financial_values)
        self.assertFalse(
            self._binding(self.hubspot, "company", "9199").financial_values,
            "not written: tried again at the next run",
        )

    def test_rate_limit_retries_the_job_and_records_nothing(self):
        self.fake.fail("/companies/batch/update", 429, 429, 429, 429, retry_after=0)
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            self._write_back()
        self.assertFalse(self._binding(self.hubspot, "company", "9101").financial_values)

    def test_property_names_are_checked(self):
        with self.assertRaises(ValidationError):
            self.hubspot.writeback_overdue_property = "odoo_credit_status"
        with self.assertRaises(ValidationError):
            self.hubspot.write(
                {
                    "writeback_status_property": " ",
                    "writeback_overdue_property": False,
                    "writeback_available_property": False,
                }
            )
