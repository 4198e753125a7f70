# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestRejection(ExternalCrmCase, TransactionCase):
    """The counters of refused deliveries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.rejections = cls.env["external.crm.rejection"].sudo()

    def _rows(self, **domain):
        return self.rejections.search(
            [(name, "=", value) for name, value in domain.items()], order="id"
        )

    def test_each_refusal_is_a_row_of_its_own(self):
        """No row is shared by two refusals: concurrent refusals never wait for each other."""
        for _index in range(3):
            self.rejections._count(
                "bad_signature", backend_id=self.generic.id, company_id=self.company.id
            )
        self.rejections._count("unknown_token")
        self.rejections._count("unknown_token")
        rows = self._rows(backend_id=self.generic.id)
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows.mapped("count"), [1, 1, 1])
        self.assertEqual(set(rows.mapped("day")), {fields.Date.today()})
        self.assertEqual(len(self._rows(backend_id=False, reason="unknown_token")), 2)
        self.generic.invalidate_recordset(["rejected_count"])
        self.assertEqual(self.generic.rejected_count, 3)

    def test_rows_of_past_days_are_folded_into_daily_counters(self):
        """The daily task keeps one row per day, backend and reason: the same figures."""
        today = fields.Date.today()
        yesterday = today - timedelta(days=1)
        old = today - timedelta(days=40)
        other = self._create_backend(name="Other", provider="generic", webhook_secret="s")
        values = [
            # a counter kept by an earlier version: one row counting many
            (yesterday, self.generic.id, "bad_signature", 5),
            (yesterday, self.generic.id, "bad_signature", 1),
            (yesterday, self.generic.id, "bad_signature", 1),
            (yesterday, self.generic.id, "too_large", 1),
            (yesterday, other.id, "bad_signature", 1),
            (yesterday, False, "unknown_token", 1),
            (yesterday, False, "unknown_token", 1),
            (old, self.generic.id, "bad_signature", 1),
            (old, self.generic.id, "bad_signature", 1),
            (today, self.generic.id, "bad_signature", 1),
            (today, self.generic.id, "bad_signature", 1),
        ]
        self.rejections.create(
            [
                {
                    "day": day,
                    "backend_id": backend_id,
                    "company_id": self.company.id if backend_id else False,
                    "reason": reason,
                    "count": count,
                }
                for day, backend_id, reason, count in values
            ]
        )
        (self.generic | other).invalidate_recordset(["rejected_count"])
        counts = (self.generic.rejected_count, other.rejected_count)
        self.assertEqual(counts, (10, 1))
        self.rejections._cron_fold_past_days()
        (self.generic | other).invalidate_recordset(["rejected_count"])
        self.assertEqual((self.generic.rejected_count, other.rejected_count), counts)
        folded = {
            (row.day, row.backend_id.id, row.reason): row.count
            for row in self.rejections.search([("day", "<", today)])
        }
        self.assertEqual(
            folded,
            {
                (yesterday, self.generic.id, "bad_signature"): 7,
                (yesterday, self.generic.id, "too_large"): 1,
                (yesterday, other.id, "bad_signature"): 1,
                (yesterday, False, "unknown_token"): 2,
                (old, self.generic.id, "bad_signature"): 2,
            },
        )
        self.assertEqual(len(self.rejections.search([("day", "<", today)])), 5)
        # today is left to the deliveries that are still counting
        self.assertEqual(len(self._rows(backend_id=self.generic.id, day=today)), 2)

    def test_nothing_needs_postgresql_14_or_15(self):
        """The addons install on PostgreSQL 13: no index or constraint says NULLS NOT DISTINCT."""
        rows = self.env.execute_query(
            SQL(
                """SELECT indexname FROM pg_indexes WHERE indexdef ILIKE %(text)s
                    UNION ALL
                   SELECT conname FROM pg_constraint
                    WHERE pg_get_constraintdef(oid) ILIKE %(text)s""",
                text="%NULLS NOT DISTINCT%",
            )
        )
        self.assertFalse(rows)
