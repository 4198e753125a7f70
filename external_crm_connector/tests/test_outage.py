# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An API that is down for minutes or hours must not stop an import for good.

The jobs that call the provider (the pages of the initial import and of the
catch-up pull, the write-backs) are run here as queue_job's runner runs
them, against a fake HubSpot that answers 500 to every call until the
outage is lifted. Before, each run waited the client's own backoff (8
seconds at most) and queue_job gave up after 5 runs: an outage of a minute
failed the import, which waited for someone to start it again.
"""

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import Job

from .common import ExternalCrmCase
from .fake_server import HANG

TOKEN = "pat-na1-outage"
# queue_job's retry pattern of the connector's page and write-back jobs
PATTERN = [10, 10, 60, 60, 300, 300, 300] + [1800] * 12


@tagged("post_install", "-at_install")
class TestProviderOutage(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._own_transactions_in_test()
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot(TOKEN, name="HubSpot outage", pull_enabled=True)

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        self.fake.down = None
        self.fake.log = []
        for index in range(1, 4):
            self.fake.add("company", 9300 + index, {"name": f"Outage Company {index}"})

    def _jobs(self, method):
        return self.env["queue.job"].search(
            [("method_name", "=", method), ("state", "=", "pending")]
        )

    def _outlast(self, job_record, outage):
        """Run the job as the runner does while the API is down for ``outage`` seconds.

        Returns the delays queue_job put between the runs. A job that gives
        up (``FailedJobError``) fails the test.
        """
        delays = []
        self.fake.down = (500, None)
        for _run in range(50):
            if sum(delays) >= outage:
                self.fake.down = None
            job = Job.load(self.env, job_record.uuid)
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.addons.external_crm_connector"):
                    job.perform()
            except RetryableJobError as error:
                delays.append(job._get_retry_seconds(error.seconds))
                job.postpone(result=str(error), seconds=error.seconds)
                job.set_pending(reset_retry=False)
                job.store()
                continue
            except FailedJobError as error:
                self.fail(f"the job gave up after {sum(delays):.0f} s of outage: {error}")
            self.env.invalidate_all()
            return delays
        self.fail("the job never ended")

    def _told(self, job):
        """Run ``job``, which the provider tells to wait: the seconds queue_job will wait.

        No savepoint (``assertRaises`` takes one): the pause the job writes
        in a transaction of its own is written in the test's transaction.
        """
        try:
            job.perform()
        except RetryableJobError as error:
            return error.seconds
        self.fail("the job was not told to wait")

    def _check_backoff(self, delays, outage):
        self.assertGreaterEqual(sum(delays), outage)
        self.assertEqual(delays, PATTERN[: len(delays)], "queue_job's retry pattern, not 8 s")
        calls = [entry for entry in self.fake.log if entry[3] == 500]
        self.assertLessEqual(len(calls), 4 * len(delays), "4 attempts a run at most")

    def test_import_outlasts_an_outage_of_hours(self):
        self.hubspot.with_user(self.manager).action_start_import()
        page = self._jobs("_import_next_page")
        self.assertEqual(len(page), 1)
        delays = self._outlast(page, 3 * 3600)
        self._check_backoff(delays, 3 * 3600)
        companies = self.hubspot.cursor_ids.filtered(lambda c: c.object_kind == "company")
        self.assertEqual((companies.state, companies.done_count), ("done", 3))

    def test_pull_outlasts_an_outage_of_hours(self):
        self.fake.add("company", 9301, {"name": "Changed"}, updated_at=self._later())
        self.hubspot.with_user(self.manager).action_pull_changes()
        page = self._jobs("_pull_next_page")[:1]
        delays = self._outlast(page, 3 * 3600)
        self._check_backoff(delays, 3 * 3600)
        cursor = Job.load(self.env, page.uuid).recordset.with_env(self.env)
        self.assertEqual(cursor.state, "idle")

    def test_write_back_outlasts_an_outage_of_hours(self):
        self.hubspot.with_user(self.manager).action_start_import()
        self._run_import(self.hubspot)
        self._process(self.hubspot)
        self.hubspot.writeback_enabled = True
        self.env["external.crm.backend"]._cron_write_financial_status()
        job = self._jobs("_write_financial_status")
        self.assertEqual(len(job), 1)
        delays = self._outlast(job, 3 * 3600)
        self._check_backoff(delays, 3 * 3600)
        self.assertEqual(
            sorted(external_id for _kind, external_id, _values in self.fake.updates),
            ["9301", "9302", "9303"],
        )

    def test_retry_after_is_waited_as_told(self):
        """Guard: a Retry-After longer than a call waits delays the job by as much."""
        self.fake.down = (429, 3600)
        self.hubspot.with_user(self.manager).action_start_import()
        job = Job.load(self.env, self._jobs("_import_next_page").uuid)
        with self.assertRaises(RetryableJobError) as caught, self.env.cr.savepoint():
            job.perform()
        self.assertEqual(caught.exception.seconds, 3600)
        self.assertEqual(len(self.fake.log), 1, "no second call before the hour is over")

    def test_retry_after_holds_every_job_of_the_backend(self):
        """HubSpot's rate limits are the account's: a Retry-After holds every call of the backend.

        Before, only the job that got the 429 waited: the next job of the
        backend (another page, a write-back) called HubSpot at once.
        """
        self.fake.down = (429, 600)
        self.hubspot.with_user(self.manager).action_start_import()
        self.hubspot.with_user(self.manager).action_pull_changes()
        page = Job.load(self.env, self._jobs("_import_next_page").uuid)
        self.assertEqual(self._told(page), 600)
        self.fake.down = None
        for record in self._jobs("_pull_next_page"):
            job = Job.load(self.env, record.uuid)
            with self.assertRaises(RetryableJobError) as held, self.env.cr.savepoint():
                job.perform()
            self.assertGreater(held.exception.seconds, 590)
            self.assertLessEqual(held.exception.seconds, 600)
        self.assertEqual(len(self.fake.log), 1, "no call before the 10 minutes are over")
        self.assertTrue(self.hubspot.api_paused_until)

    def test_a_short_retry_after_is_waited_by_the_next_job(self):
        """A Retry-After shorter than a call's patience: the next job waits, then calls."""
        self.fake.down = (429, 1)
        self.hubspot.with_user(self.manager).action_start_import()
        self.hubspot.with_user(self.manager).action_pull_changes()
        page = Job.load(self.env, self._jobs("_import_next_page").uuid)
        self._told(page)
        told = self.fake.log[-1][0]
        self.fake.down = None
        job = Job.load(self.env, self._jobs("_pull_next_page")[:1].uuid)
        job.perform()
        self.assertGreaterEqual(self.fake.log[-1][0] - told, 1.0, "called once the second passed")

    def test_a_call_left_without_answer_times_out(self):
        """Guard: a provider that accepts and never answers ends in a retry, not a stuck job."""
        self.hubspot.api_timeout = 1
        self.fake.down = (HANG, None)
        self.hubspot.with_user(self.manager).action_start_import()
        job = Job.load(self.env, self._jobs("_import_next_page").uuid)
        with (
            self.assertRaises(RetryableJobError),
            self.env.cr.savepoint(),
            mute_logger("odoo.addons.external_crm_connector"),
        ):
            job.perform()
        self.assertEqual(len([e for e in self.fake.log if e[3] == HANG]), 4)

    def _later(self):
        return (self.hubspot.create_date.replace(microsecond=0)).isoformat() + "Z"
