# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestStatistics(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def _delivery(self, prefix, count, minutes_ago):
        changed = fields.Datetime.now() - timedelta(minutes=minutes_ago)
        return [
            self._item(
                "company",
                f"{prefix}-{index}",
                {
                    "name": f"{prefix} {index}",
                    "email": f"{prefix.lower()}{index}@stat.example" if index % 2 else None,
                    "vat": f"MA{index:06d}" if index == 0 else None,
                    "phone": f"+2125220000{index:02d}" if index < 3 else None,
                    "street": "Street" if index < 1 else None,
                    "city": "City",
                },
                updated_at=changed.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            for index in range(count)
        ]

    def test_daily_figures_and_shares(self):
        self._deliver(
            self.generic,
            [*self._delivery("ST", 4, 10), self._item("company", "NO-NAME", {"city": "x"})],
        )
        row = self.env["external.crm.event.stat"].search([("backend_id", "=", self.generic.id)])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.day, fields.Date.context_today(row))
        self.assertEqual((row.received_count, row.done_count, row.failed_count), (5, 4, 1))
        self.assertAlmostEqual(row.median_delay, 600, delta=120)
        self.assertEqual(row.bound_count, 4)
        self.assertEqual(row.share_vat, 25.0)
        self.assertEqual(row.share_email, 50.0)
        self.assertEqual(row.share_phone, 75.0)
        self.assertEqual(row.share_address, 25.0)
        backend = self.generic
        backend.invalidate_recordset()
        self.assertEqual(
            (backend.share_vat, backend.share_email, backend.share_phone, backend.share_address),
            (25.0, 50.0, 75.0, 25.0),
        )
        self.assertEqual((backend.event_count, backend.failed_event_count), (5, 1))
        chart = str(backend.stat_chart)
        self.assertIn("<svg", chart)
        self.assertEqual(chart.count("<rect"), 14 * 3)
        self.assertIn(">5<", chart.replace(" ", ""))

    def test_processing_queries_do_not_grow_per_record(self):
        """New records of a batch are matched and created together."""
        counts = []
        for prefix, size in (("QA", 10), ("QB", 40)):
            self._store(self.generic, self._delivery(prefix, size, 5))
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.generic._as_integration_user()._process_inbox()
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        small, large = counts
        # four times the records, far less than four times the queries
        self.assertLess(large, small * 2.5, counts)

    def test_days_are_the_users_days(self):
        """Events count on the day the user lives, as the chart's "today" does.

        Before, events were grouped by their day in UTC while the chart ended
        on the user's today: east or west of UTC, part of every day showed
        nothing received today, and the events on the day before (or after).
        """
        now = fields.Datetime.now()
        # a zone where the date is not the UTC date at this hour
        tz = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
        events = self._store(self.generic, self._delivery("TZ", 3, 5))
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE external_crm_event SET received_at = %s WHERE id IN %s", now, events._ids)
        )
        self.env.invalidate_all()
        stats = self.env["external.crm.event.stat"].with_context(tz=tz)
        local_today = fields.Date.context_today(stats)
        self.assertNotEqual(local_today, now.date(), "the test needs a date other than UTC's")
        row = stats.search([("backend_id", "=", self.generic.id)])
        self.assertEqual(row.day, local_today)
        self.assertEqual(row.received_count, 3)
        rows = stats._daily_rows(self.generic)
        self.assertEqual((rows[-1]["day"], rows[-1]["received"]), (local_today, 3))
        self.assertEqual(sum(r["received"] for r in rows), 3)
        # no events at all: fourteen empty days, no error
        other = self._create_backend(name="Quiet", provider="generic", webhook_secret="q")
        self.assertEqual([r["received"] for r in stats._daily_rows(other)], [0] * 14)
        self.assertIn("<svg", str(other.with_context(tz=tz).stat_chart))
