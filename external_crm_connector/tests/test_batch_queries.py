# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.models import INSERT_BATCH_SIZE
from odoo.tests import TransactionCase, tagged

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestBatchQueries(ExternalCrmCase, TransactionCase):
    """The inbox's hot path: a batch of new records costs the same queries at any size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def _contacts(self, prefix, first, count):
        return [
            self._item(
                "contact",
                f"{prefix}-{index}",
                {
                    "name": f"{prefix} Person {index}",
                    "email": f"{prefix.lower()}.{index}@queries.example",
                    "phone": f"+212661{first + index:06d}",
                    "company_id": "QC-CO",
                },
            )
            for index in range(count)
        ]

    def _queries(self, items):
        """Queries of the job that processes ``items``, stored beforehand."""
        events = self._store(self.generic, items)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.generic._as_integration_user()._process_inbox()
        self.env.flush_all()
        count = self.cr.sql_log_count - before
        self.env.invalidate_all()
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("last_error"))
        return count

    def test_queries_of_new_contacts_do_not_grow_with_the_batch(self):
        self._deliver(self.generic, [self._item("company", "QC-CO", {"name": "Queries SA"})])
        self._queries(self._contacts("QW", 0, 3))  # caches of the registry warmed up
        small = self._queries(self._contacts("QS", 100, 10))
        large = self._queries(self._contacts("QL", 200, 200))
        # the same statements, but for Odoo's own: it inserts the new contacts,
        # then updates their commercial fields, 100 rows per statement
        chunks = -(-200 // INSERT_BATCH_SIZE) - 1
        self.assertEqual(large, small + 2 * chunks, (small, large))
