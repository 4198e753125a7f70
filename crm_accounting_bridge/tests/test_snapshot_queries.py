# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon

# Upper bound of the queries reading the full snapshot of a batch: one
# statement for the figures and the credit figures, the currency, and the
# user's time zone for today's date (the web client sends it in the context).
MAX_SNAPSHOT_QUERIES = 4


@tagged("post_install", "-at_install")
class TestSnapshotQueries(CrmAccountingBridgeCommon):
    """The snapshot costs the same number of queries whatever the data size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.account_use_credit_limit = True
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Query customer {index}", "credit_limit": 1000.0} for index in range(80)]
        )
        cls.big_customer = cls.customers[0]
        cls.template_invoice = cls._create_invoice(cls.big_customer, 100, -40, -10)
        for customer in cls.customers[1:5]:
            invoice = cls._create_invoice(customer, 100, -40, -10)
            cls._register_payment(invoice, 40, -5)

    def _queries_to_read(self, partners):
        """Queries of a second read, once registry caches (ir.default, rates)
        are warm, as in a server that already served a request."""
        self._read_cards(partners)
        return self._read_cards(partners)

    def _read_cards(self, partners):
        self.env.invalidate_all()
        partners = partners.browse(partners.ids)
        partners.fetch(["name", "commercial_partner_id"])  # the list's own read
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        # what a Customer 360 card reads: the whole snapshot, credit included
        card_fields = [
            name
            for name, field in partners._fields.items()
            if field.compute == "_compute_financial_snapshot"
        ]
        self.assertIn("credit_available", card_fields)
        values = [partner[name] for partner in partners for name in card_fields]
        self.assertEqual(len(values), len(partners) * len(card_fields))
        return self.env.cr.sql_log_count - start

    def test_one_or_eighty_partners(self):
        one = self._queries_to_read(self.customers[:1])
        eighty = self._queries_to_read(self.customers)
        self.assertEqual(one, eighty)
        self.assertLessEqual(eighty, MAX_SNAPSHOT_QUERIES)

    def test_ten_or_a_hundred_thousand_invoices(self):
        self._clone_invoice(self.template_invoice, 9, batch=1)
        self.assertEqual(self.big_customer.overdue_invoice_count, 10)
        ten = self._queries_to_read(self.customers)
        self._clone_invoice(self.template_invoice, 100_000 - 10, batch=2)
        self.assertEqual(self.big_customer.overdue_invoice_count, 100_000)
        self.assertAlmostEqual(self.big_customer.receivable_balance, 100 * 100_000, places=2)
        hundred_thousand = self._queries_to_read(self.customers)
        self.assertEqual(ten, hundred_thousand)
        # the partners' own fields (name, commercial entity) cost two more
        with self.assertQueryCount(MAX_SNAPSHOT_QUERIES + 2):
            self.env.invalidate_all()
            self.customers.browse(self.customers.ids).mapped("overdue_amount")
