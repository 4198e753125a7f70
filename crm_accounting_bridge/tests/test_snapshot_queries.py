# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CrmAccountingBridgeCommon

# Fields a Customer 360 card reads: the whole snapshot, credit included.
CARD_FIELDS = (
    "receivable_balance",
    "overdue_amount",
    "overdue_invoice_count",
    "oldest_overdue_days",
    "revenue_ltm",
    "avg_payment_delay_days",
    "late_payment_rate",
    "last_payment_date",
    "aging_not_due",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
    "credit_limit_applies",
    "credit_available",
)
# Upper bound of the queries reading the full snapshot of a batch.
MAX_SNAPSHOT_QUERIES = 6


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
        values = [partner[name] for partner in partners for name in CARD_FIELDS]
        self.assertEqual(len(values), len(partners) * len(CARD_FIELDS))
        return self.env.cr.sql_log_count - start

    def _clone_invoice(self, invoice, copies, batch):
        """Insert ``copies`` posted copies of ``invoice`` with plain SQL.

        Copies keep balanced lines and their residuals, like real invoices;
        the ORM would take many minutes to post this many. ``batch`` keeps
        the copies' names unique.
        """
        self.env.flush_all()
        move_columns = self._column_names("account_move", ("id", "name"))
        line_columns = self._column_names("account_move_line", ("id", "move_id"))
        # two statements, so that statistics can be refreshed in between
        self.env.cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE bulk_move ON COMMIT DROP AS
                  WITH new_move AS (
                    INSERT INTO account_move (name, %(move_columns)s)
                    SELECT 'BULK/' || %(batch)s || '/' || copy_number, %(move_columns)s
                      FROM account_move, generate_series(1, %(copies)s) copy_number
                     WHERE id = %(move_id)s
                 RETURNING id
                ) SELECT id FROM new_move
                """,
                move_columns=SQL(", ").join(map(SQL.identifier, move_columns)),
                batch=batch,
                copies=copies,
                move_id=invoice.id,
            )
        )
        # the foreign key checks of the lines look moves up by id: with stale
        # statistics (a few dozen moves) PostgreSQL would scan the table for
        # each of them
        self.env.cr.execute("ANALYZE account_move")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO account_move_line (move_id, %(line_columns)s)
                SELECT bulk_move.id, %(source_line_columns)s
                  FROM bulk_move, account_move_line line
                 WHERE line.move_id = %(move_id)s;
                DROP TABLE bulk_move
                """,
                line_columns=SQL(", ").join(map(SQL.identifier, line_columns)),
                source_line_columns=SQL(", ").join(
                    SQL.identifier("line", name) for name in line_columns
                ),
                move_id=invoice.id,
            )
        )
        self.env.invalidate_all()

    def _column_names(self, table, excluded):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return [name for (name,) in self.env.cr.fetchall() if name not in excluded]

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
