# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""services/queue_jobs.py reads queue_job's table: checked against queue_job itself."""

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.external_crm_connector.services.queue_jobs import (
    WAITING_JOB_STATES,
    job_waiting,
)

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestQueueJobs(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def _waiting(self, identity_key):
        return self.env.execute_query(SQL("SELECT %s", job_waiting(identity_key)))[0][0]

    def test_the_names_read_are_queue_jobs_own(self):
        states = dict(self.env["queue.job"]._fields["state"].selection)
        self.assertLessEqual(set(WAITING_JOB_STATES), set(states), "states queue_job has")
        # the states of a job that will still run: not started, done, failed or cancelled
        self.assertEqual(
            set(WAITING_JOB_STATES), set(states) - {"started", "done", "cancelled", "failed"}
        )
        columns = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    "queue_job",
                )
            )
        }
        self.assertLessEqual({"identity_key", "state"}, columns)

    def test_a_job_waits_until_it_ran(self):
        identity = self.generic._inbox_identity_key()
        self.assertFalse(self._waiting(identity))
        self.generic._schedule_inbox_processing()
        self.assertTrue(self._waiting(identity))
        job = self.env["queue.job"].search([("identity_key", "=", identity)])
        self.assertEqual(len(job), 1)
        # a second scheduling finds it and adds none
        self.generic._schedule_inbox_processing()
        self.assertEqual(self.env["queue.job"].search_count([("identity_key", "=", identity)]), 1)
        job.button_done()
        self.env.flush_all()
        self.assertFalse(self._waiting(identity))
