# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import threading
import time
from contextlib import contextmanager

import requests
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import HttpCase, tagged

from odoo.addons.external_crm_connector.adapters.provider import get_provider

from .clock import iso, moment
from .common import sign_generic

SECRET = "concurrency-secret"


def _commit(cr):
    """Commit a test cursor: two transactions can only race on committed data."""
    cr.commit()  # pylint: disable=invalid-commit


@contextmanager
def request_replays():
    """Collect the messages of Odoo replaying a request (serialization failures).

    ``assertLogs`` does not see them: the test runner raises the level of
    Odoo's loggers, so the level of this one is lowered for the block.
    """
    logger = logging.getLogger("odoo.service.model")
    messages = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: messages.append(record.getMessage())
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@tagged("post_install", "-at_install")
class TestConcurrency(HttpCase):
    """Real concurrency: real HTTP requests and real cursors, each committing.

    The registry stays out of test mode, so that the server handles the two
    requests in two transactions, as in production. Everything committed is
    removed again at the end of each test.
    """

    registry_test_mode = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's runner holds the registry lock while it runs the tests of a
        # module at install: let the server threads reach the registry, as
        # HttpCase's test mode does, but keep real cursors.
        if Registry._saved_lock is None:
            Registry._saved_lock = Registry._lock
            Registry._lock = DummyRLock()
            cls.addClassCleanup(cls._restore_registry_lock)

    @classmethod
    def _restore_registry_lock(cls):
        Registry._lock = Registry._saved_lock
        Registry._saved_lock = None

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["external.crm.backend"].create(
                {"name": "Concurrency", "provider": "generic", "webhook_secret": SECRET}
            )
            self.backend_id = backend.id
            self.token = backend.webhook_token
            self.company_id = backend.company_id.id
            self.integration_uid = backend.integration_user_id.id
            _commit(cr)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        """Remove what the test committed, once the requests it made are done.

        A request's transaction may still touch the backend's queue jobs
        after its answer reached the test (the check after its commit): the
        removal is tried again if it meets such an update."""
        self._wait_remaining_requests()
        for attempt in range(5):
            try:
                return self._remove_committed()
            except SerializationFailure:
                if attempt == 4:
                    raise
                time.sleep(0.5)

    def _remove_committed(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = (
                env["external.crm.backend"].with_context(active_test=False).browse(self.backend_id)
            )
            bindings = (
                env["external.crm.binding"]
                .with_context(active_test=False)
                .search([("backend_id", "=", self.backend_id)])
            )
            partners = bindings.filtered(lambda b: b.origin == "created").partner_id
            env["queue.job"].search(
                [("identity_key", "=like", f"external_crm_inbox:{self.backend_id}%")]
            ).unlink()
            backend.unlink()
            partners.unlink()
            _commit(cr)
        self.registry.clear_cache()

    def _run_in_threads(self, *targets):
        errors = []

        def guarded(target):
            try:
                target()
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(errors)

    def _count(self, model, domain):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env[model].with_context(active_test=False).search_count(domain)

    def _last_rejection_id(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM external_crm_rejection")
            return cr.fetchone()[0]

    def _refusals(self, since_id):
        """``{(reason, backend id): refusals}`` counted after the row ``since_id``."""
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT reason, backend_id, SUM(count) FROM external_crm_rejection
                    WHERE id > %s GROUP BY reason, backend_id""",
                (since_id,),
            )
            return {(reason, backend_id): total for reason, backend_id, total in cr.fetchall()}

    def _delete_rejections(self, since_id):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM external_crm_rejection WHERE id > %s", (since_id,))
            _commit(cr)

    def _process_event(self, event_id, barrier):
        with self.registry.cursor() as cr:
            env = api.Environment(
                cr, self.integration_uid, {"allowed_company_ids": [self.company_id]}
            )
            event = env["external.crm.event"].browse(event_id)
            # the first query starts the transaction's snapshot before the race
            event.read(["state"])
            barrier.wait(30)
            event._process()
            _commit(cr)

    def _drain(self, attempts=5):
        """Process the inbox now, as its job would.

        A delivery's request may still run its check after its commit once
        its answer reached the test (see ``_cleanup``): the requests end
        first. Retried on a serialization failure too, as queue_job retries
        the job: met once on a loaded machine (CI runs two lanes side by
        side), the drain's UPDATE failing at REPEATABLE READ.
        """
        self._wait_remaining_requests()
        for attempt in range(attempts):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env.cr.execute(
                        "UPDATE external_crm_event SET next_attempt_at = NULL"
                        " WHERE backend_id = %s",
                        (self.backend_id,),
                    )
                    backend = env["external.crm.backend"].browse(self.backend_id)
                    backend._as_integration_user()._process_inbox()
                    _commit(cr)
                return
            except SerializationFailure:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)

    def test_identical_deliveries_at_the_same_time(self):
        item = {
            "event_id": "same-event",
            "object": "company",
            "id": "RACE-1",
            "updated_at": iso(moment(-3, 10)),
            "data": {"name": "Race Condition SARL", "email": "race@ex.example"},
        }
        barrier = threading.Barrier(2)
        statuses = []
        post = self._poster(item, statuses, barrier)
        with request_replays() as replays:
            self._run_in_threads(post, post)
        self.assertEqual(sorted(statuses), [200, 202])
        self.assertFalse(replays, "stored once whatever the interleaving, without a replay")
        self.assertEqual(
            self._count("external.crm.event", [("backend_id", "=", self.backend_id)]), 1
        )
        self._drain()
        self.assertEqual(self._count("res.partner", [("name", "=", "Race Condition SARL")]), 1)

    def _poster(self, item, statuses, barrier=None):
        """A function that posts ``item``, signed, and adds the status to ``statuses``.

        With ``barrier``, the posts of several threads leave together.
        """
        body = json.dumps(item).encode()
        url = f"{self.base_url()}/external_crm/webhook/{self.token}"

        def post():
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "X-Signature-Timestamp": str(timestamp),
                "X-Signature": sign_generic(SECRET, timestamp, body),
            }
            if barrier:
                barrier.wait(30)
            statuses.append(requests.post(url, data=body, headers=headers, timeout=60).status_code)

        return post

    def _post_in_thread(self, item, statuses):
        thread = threading.Thread(target=self._poster(item, statuses))
        thread.start()
        return thread

    def _wait_for_a_lock_wait(self):
        """Wait until a transaction of the server waits for a row of the inbox."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    """SELECT 1 FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'
                          AND query LIKE %s""",
                    ("%INSERT INTO external_crm_event%",),
                )
                if cr.fetchone():
                    return
            time.sleep(0.05)
        self.fail("the delivery never waited for the identical one")

    def test_a_delivery_that_waits_for_an_identical_one_ends_without_a_replay(self):
        """The worst interleaving, forced: another transaction is storing the
        same event when the delivery comes, and commits while the delivery
        waits for it. The delivery answers "duplicate", and is not failed by
        a serialization error and replayed by Odoo (each replay sleeps up to
        2, 4, 8... seconds, and a busy server gives up after five)."""
        item = {
            "event_id": "held-event",
            "object": "company",
            "id": "RACE-3",
            "updated_at": iso(moment(-3, 10)),
            "data": {"name": "Held Trading"},
        }
        statuses = []
        with self.registry.cursor() as held, request_replays() as replays:
            env = api.Environment(held, SUPERUSER_ID, {})
            backend = env["external.crm.backend"].browse(self.backend_id)
            items = get_provider(backend).parse_delivery(json.dumps(item).encode())
            integration = backend._as_integration_user()
            stored = integration.env["external.crm.event"]._store_items(integration, items)
            self.assertEqual(len(stored), 1)
            thread = self._post_in_thread(item, statuses)
            self._wait_for_a_lock_wait()
            _commit(held)
            thread.join(60)
        self.assertEqual(statuses, [200])
        self.assertFalse(replays)
        self.assertEqual(
            self._count("external.crm.event", [("backend_id", "=", self.backend_id)]), 1
        )

    def test_two_events_of_one_new_record_processed_at_once(self):
        """Two events (different ids) for one record not in Odoo yet, in two jobs."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["external.crm.backend"].browse(self.backend_id)
            provider_items = []
            for index in (1, 2):
                provider_items.append(
                    {
                        "event_id": f"parallel-{index}",
                        "object": "company",
                        "id": "RACE-2",
                        "updated_at": iso(moment(-3, 10)),
                        "data": {"name": "Parallel Trading", "city": "Fes"},
                    }
                )
            items = get_provider(backend).parse_delivery(json.dumps(provider_items).encode())
            first, second = env["external.crm.event"]._store_items(backend, items)
            _commit(cr)
        barrier = threading.Barrier(2)
        self._run_in_threads(
            lambda: self._process_event(first, barrier),
            lambda: self._process_event(second, barrier),
        )
        self.assertEqual(self._count("res.partner", [("name", "=", "Parallel Trading")]), 1)
        self.assertEqual(
            self._count(
                "external.crm.binding",
                [("backend_id", "=", self.backend_id), ("external_id", "=", "RACE-2")],
            ),
            1,
        )
        # the job that lost the race rolled its customer back and waits for a retry
        self.assertEqual(
            self._count(
                "external.crm.event",
                [
                    ("backend_id", "=", self.backend_id),
                    ("state", "=", "received"),
                    ("attempts", "=", 1),
                ],
            ),
            1,
        )
        # its retry applies it to the same customer
        self._drain()
        self.assertEqual(
            self._count(
                "external.crm.event",
                [("backend_id", "=", self.backend_id), ("state", "in", ("done", "duplicate"))],
            ),
            2,
        )
        self.assertEqual(self._count("res.partner", [("name", "=", "Parallel Trading")]), 1)

    def test_forty_refusals_at_once(self):
        """Forty refused deliveries at the same moment, as a flood of bad posts does.

        Before, every refusal of a day updated one counter row: concurrent
        refusals failed with serialization errors and Odoo replayed each
        request up to 5 times, sleeping longer each time. Each refusal is now
        a row of its own: every answer comes at once, nothing is replayed,
        and the counts are exact.
        """
        body = json.dumps({"object": "company", "id": "X", "data": {}}).encode()
        since = self._last_rejection_id()
        self.addCleanup(self._delete_rejections, since)
        known = f"{self.base_url()}/external_crm/webhook/{self.token}"
        urls = [known] * 20 + [
            f"{self.base_url()}/external_crm/webhook/unknown-{index}" for index in range(20)
        ]
        # one refusal of each kind first: routing map and caches are built
        for url in (urls[0], urls[-1]):
            requests.post(url, data=body, timeout=60)
        warm = self._last_rejection_id()
        barrier = threading.Barrier(len(urls))
        answers = []

        def post(url):
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "X-Signature-Timestamp": str(timestamp),
                "X-Signature": sign_generic("wrong-secret", timestamp, body),
            }
            barrier.wait(30)
            started = time.perf_counter()
            response = requests.post(url, data=body, headers=headers, timeout=60)
            answers.append((url, response.status_code, time.perf_counter() - started))

        with request_replays() as replays:
            self._run_in_threads(*[lambda url=url: post(url) for url in urls])
        self.assertFalse(replays, "no refusal is replayed after a serialization failure")
        self.assertEqual(len(answers), 40)
        for url, status, elapsed in answers:
            self.assertEqual(status, 404 if "unknown-" in url else 401, url)
            # generous for 40 requests at once on a busy machine: a replayed
            # request sleeps up to 2 s, then 4 s...
            self.assertLess(elapsed, 1.0, f"{url} answered after {elapsed:.3f} s")
        self.assertEqual(
            self._refusals(warm),
            {("bad_signature", self.backend_id): 20, ("unknown_token", None): 20},
        )

    def _contact(self, event_id, record, version):
        return {
            "event_id": event_id,
            "object": "contact",
            "id": record,
            "updated_at": iso(moment(-3, 10, version)),
            "data": {"name": f"{record} v{version}", "email": f"{record.lower()}@ex.example"},
        }

    def _store(self, cr, *items):
        """Store ``items`` in the inbox in ``cr``, as a delivery that found a job waiting."""
        env = api.Environment(cr, SUPERUSER_ID, {})
        integration = env["external.crm.backend"].browse(self.backend_id)._as_integration_user()
        parsed = get_provider(integration).parse_delivery(json.dumps(list(items)).encode())
        return integration.env["external.crm.event"]._store_items(integration, parsed)

    def _integration_env(self, cr):
        return api.Environment(cr, self.integration_uid, {"allowed_company_ids": [self.company_id]})

    def _received(self):
        return self._count(
            "external.crm.event",
            [("backend_id", "=", self.backend_id), ("state", "=", "received")],
        )

    def _waiting_jobs(self):
        return self._count(
            "queue.job",
            [
                ("identity_key", "=like", f"external_crm_inbox:{self.backend_id}%"),
                ("state", "in", ("pending", "enqueued")),
            ],
        )

    def test_a_newer_event_held_by_a_running_job_is_left_to_a_job(self):
        """Two inbox jobs at once: the second finds the older event of a record
        locked by the first, leaves its newer event (the events of a record
        apply in order), and is not full. A job must then still come for the
        newer event, or it waits in the inbox with no job (seen when the job
        runner was killed in a batch of 1,000 events: tools/faults)."""
        with self.registry.cursor() as cr:
            self._store(cr, self._contact("held-1", "HELD-1", 0))
            _commit(cr)
        with self.registry.cursor() as first:
            backend = self._integration_env(first)["external.crm.backend"].browse(self.backend_id)
            batch, _more = backend.env["external.crm.event"]._inbox_batch(backend)
            self.assertEqual(len(batch), 1, "the first job locks the older event")
            with self.registry.cursor() as cr:
                self._store(cr, self._contact("held-2", "HELD-1", 1))
                _commit(cr)
            with self.registry.cursor() as second:
                env = self._integration_env(second)
                result = env["external.crm.backend"].browse(self.backend_id)._process_inbox()
                _commit(second)
            self.assertEqual(result, "nothing to process", "the newer event is left")
            batch._process()
            _commit(first)
        self.assertEqual(self._received(), 1)
        self.assertTrue(self._waiting_jobs(), "a job will apply the newer event")

    def test_a_delivery_committed_after_the_waiting_job_started_is_left_to_a_job(self):
        """A delivery finds a job waiting for the inbox, so queues none; that
        job starts, and takes its snapshot, before the delivery commits (here
        the delivery waits for an identical one stored at the same moment).
        The job cannot see the delivery's events: a job must still come for
        them, or they wait in the inbox with no job."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["external.crm.backend"].browse(self.backend_id)._schedule_inbox_processing()
            _commit(cr)
        self.assertEqual(self._waiting_jobs(), 1)
        first = self._contact("late-1", "LATE-1", 0)
        statuses = []
        with self.registry.cursor() as held:
            self._store(held, first)
            thread = self._post_in_thread([first, self._contact("late-2", "LATE-2", 0)], statuses)
            # the delivery has seen the job waiting, and waits for ``held``
            self._wait_for_a_lock_wait()
            result = self._run_the_waiting_inbox_job()
            self.assertEqual(result, "nothing to process")
            held.rollback()
            thread.join(60)
        self.assertEqual(statuses, [202])
        self.assertEqual(self._received(), 2)
        self.assertTrue(self._waiting_jobs(), "a job will apply the delivery's events")

    def _run_the_waiting_inbox_job(self):
        """Run the waiting inbox job as queue_job does: marked started
        (committed), then run in a new transaction, then marked done."""
        identity = f"external_crm_inbox:{self.backend_id}"
        with self.registry.cursor() as job:
            job.execute(
                "UPDATE queue_job SET state = 'started' WHERE identity_key = %s", (identity,)
            )
            _commit(job)
            env = self._integration_env(job)
            result = env["external.crm.backend"].browse(self.backend_id)._process_inbox()
            job.execute("UPDATE queue_job SET state = 'done' WHERE identity_key = %s", (identity,))
            _commit(job)
        return result

    def test_events_stored_by_a_job_while_the_waiting_job_starts_are_left_to_a_job(self):
        """The same race, for a job that stores events (a page of an initial
        import or of a pull) and finds the inbox job waiting: that job starts
        before the page commits (seen when the job runner was killed in an
        initial import: tools/faults)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["external.crm.backend"].browse(self.backend_id)._schedule_inbox_processing()
            _commit(cr)
        with self.registry.cursor() as page:
            self._store(page, self._contact("page-1", "PAGE-1", 0))
            env = self._integration_env(page)
            env["external.crm.backend"].browse(self.backend_id)._schedule_inbox_processing()
            result = self._run_the_waiting_inbox_job()
            self.assertEqual(result, "nothing to process")
            _commit(page)
        self.assertEqual(self._received(), 1)
        self.assertTrue(self._waiting_jobs(), "a job will apply the page's events")
