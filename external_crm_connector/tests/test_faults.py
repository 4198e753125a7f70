# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Answers the connector does not expect must not stall a backend.

Before, an HTML page, a Retry-After that is not a time, a result without an
id or a JSON shape of another API raised outside the connector's errors:
the job failed, the events stayed received, and the inbox sweep queued the
same first batch again every minute, for ever.
"""

import json
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.external_crm_connector.adapters.hubspot.client import HubSpotClient

from .clock import EARLIER, epoch_ms, iso, moment
from .common import ExternalCrmCase

TOKEN = "pat-na1-faults"
PROXY_PAGE = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


@tagged("post_install", "-at_install")
class TestFaults(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot(TOKEN, name="HubSpot faults")

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        for index in range(1, 6):
            self.fake.add(
                "company", 9100 + index, {"name": f"Company {index}"}, iso(moment(-1, 9, index))
            )

    def _event(self, object_id, event_id):
        return {
            "eventId": event_id,
            "subscriptionId": 1,
            "portalId": 62515,
            "appId": 54321,
            "occurredAt": epoch_ms(EARLIER),
            "subscriptionType": "company.creation",
            "attemptNumber": 0,
            "objectId": object_id,
            "changeSource": "CRM",
        }

    def _companies(self, *indexes):
        return [self._event(9100 + index, 700 + index) for index in indexes]

    def _later(self, minutes=20):
        """Run the inbox once the retries are due."""
        with freeze_time(fields.Datetime.now() + timedelta(minutes=minutes)):
            self._process(self.hubspot)

    def test_an_html_page_instead_of_json_is_retried_later(self):
        """A proxy answering 200 with its own page: a temporary error."""
        self.fake.answer_raw("/batch/read", 200, PROXY_PAGE)
        events = self._store(self.hubspot, self._companies(1, 2))
        self._process(self.hubspot)
        self.assertEqual(set(events.mapped("state")), {"received"}, "nothing is lost")
        self.assertTrue(all(events.mapped("next_attempt_at")))
        self.assertIn("not JSON", events[0].last_error)
        self.assertIn("502 Bad Gateway", events[0].last_error, "what the page said")
        self._later()
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("last_error"))

    def test_an_html_error_page_is_retried_later(self):
        self.fake.answer_raw("/batch/read", 502, PROXY_PAGE, times=4)
        events = self._store(self.hubspot, self._companies(1))
        self._process(self.hubspot)
        self.assertEqual(events.state, "received")
        self.assertIn("HTTP 502", events.last_error)
        self._later()
        self.assertEqual(events.state, "done", events.last_error)

    def test_retry_after_that_is_not_a_time_waits_the_backoff(self):
        self.fake.fail("/batch/read", 429, retry_after="after lunch")
        sleeps = []
        client = HubSpotClient(self.fake.url, TOKEN, backoff=0.01, sleep=sleeps.append)
        found = client.read_batch("company", ["9101"], ["name"])
        self.assertEqual(list(found), ["9101"])
        self.assertEqual(sleeps, [0.01], "the client's own backoff")
        # through the inbox: no failed job, the event is applied
        self.fake.fail("/batch/read", 429, retry_after="Tuesday, soon")
        event = self._deliver(self.hubspot, self._companies(2))
        self.assertEqual(event.state, "done", event.last_error)

    def test_a_result_without_its_id_fails_its_event_alone(self):
        self.fake.without_id.add("9103")
        events = self._store(self.hubspot, self._companies(1, 2, 3, 4, 5))
        with mute_logger("odoo.addons.external_crm_connector.adapters.reading"):
            self._process(self.hubspot)
        by_id = {event.external_id: event for event in events}
        failed = by_id.pop("9103")
        self.assertEqual(failed.state, "failed")
        self.assertIn("did not understand", failed.last_error)
        self.assertIn("id", failed.last_error)
        self.assertEqual({event.state for event in by_id.values()}, {"done"}, "the others proceed")
        self.assertEqual(by_id["9105"].partner_id.name, "Company 5")

    def test_a_json_shape_of_another_api_fails_the_events_with_the_answer(self):
        self.fake.answer_raw(
            "/batch/read", 200, json.dumps({"results": "maintenance"}), "application/json", times=99
        )
        events = self._store(self.hubspot, self._companies(1, 2))
        with mute_logger("odoo.addons.external_crm_connector.adapters.reading"):
            self._process(self.hubspot)
        self.assertEqual(set(events.mapped("state")), {"failed"}, "the inbox moves on")
        self.assertIn("did not understand", events[0].last_error)
        # once HubSpot answers as documented, a person processes them again
        self.fake.raw_answers = []
        events.action_retry()
        self._process(self.hubspot)
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("last_error"))

    def test_a_batch_that_fails_as_a_whole_is_split_until_the_bad_event_is_alone(self):
        """An event the processing cannot read at all (here, a payload that
        is no longer JSON, as after a bad restore) made every job of the
        backend fail on the same first batch."""
        events = self._store(
            self.generic,
            [
                self._item("company", f"SPLIT-{index}", {"name": f"Split {index}"})
                for index in range(6)
            ],
        )
        broken = events.filtered(lambda event: event.external_id == "SPLIT-4")
        self.env.cr.execute(
            SQL("UPDATE external_crm_event SET payload = %s WHERE id = %s", "{not json", broken.id)
        )
        self.env.invalidate_all()
        with mute_logger(
            "odoo.addons.external_crm_connector.services.batch",
            "odoo.addons.external_crm_connector.services.processor",
        ):
            result = self.generic._as_integration_user()._process_inbox()
        self.assertIn("6 events processed", result)
        self.env.invalidate_all()
        self.assertEqual(broken.state, "failed")
        self.assertTrue(broken.last_error)
        others = events - broken
        self.assertEqual(set(others.mapped("state")), {"done"}, others.mapped("last_error"))
        self.assertEqual(len(others.partner_id), 5)
