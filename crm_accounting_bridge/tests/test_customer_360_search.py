# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon

LIST_FIELDS = [
    "partner_id",
    "receivable_balance",
    "overdue_amount",
    "overdue_invoice_count",
    "oldest_overdue_days",
    "revenue_ltm",
    "avg_payment_delay_days",
    "last_payment_date",
    "aging_over_90",
]
DEFAULT_ORDER = "overdue_amount desc, receivable_balance desc, partner_id"


@tagged("post_install", "-at_install")
class TestCustomer360Search(CrmAccountingBridgeCommon):
    """The list sorted and filtered by open item figures reads the open item
    summary for every customer, then the page in full: the same rows, order,
    figures and count as the whole snapshot of every customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls.env["res.partner"]
        cls.late = partners.create({"name": "Search Late", "is_company": True})
        cls._create_invoice(cls.late, 300, -50, -40)
        cls.paid = partners.create({"name": "Search Paid", "is_company": True})
        invoice = cls._create_invoice(cls.paid, 800, -30, -20)
        cls._register_payment(invoice, 800, offset=-5)
        cls.credit_only = partners.create({"name": "Search Credit Only", "is_company": True})
        cls._create_unallocated_payment(cls.credit_only, 150)
        cls.archived = partners.create({"name": "Search Archived", "is_company": True})
        cls._create_invoice(cls.archived, 90, -200, -170)
        cls.archived.active = False
        cls.netted = partners.create({"name": "Search Netted", "is_company": True})
        cls._create_invoice(cls.netted, 100, -10, 20)
        cls._create_invoice(cls.netted, 100, -10, 20, move_type="out_refund")
        cls.ours = cls.late | cls.paid | cls.credit_only | cls.archived | cls.netted

    def _search(self, domain, order=DEFAULT_ORDER, full=False):
        report = self.env["crm.customer.360"].with_context(active_test=False)
        if full:
            report = report.with_context(crm_customer_360_full=True)
        domain = [("partner_id", "in", self.ours.ids), *domain]
        self.env.invalidate_all()
        rows = report.search_fetch(domain, LIST_FIELDS, order=order)
        values = [[row[name] for name in LIST_FIELDS] for row in rows]
        return values, report.search_count(domain)

    def test_same_rows_order_figures_and_count(self):
        for domain in (
            [],
            [("receivable_balance", "!=", 0)],
            [("overdue_amount", ">", 0)],
            ["|", ("oldest_overdue_days", ">", 30), ("aging_over_90", "!=", 0)],
            [("revenue_ltm", ">", 0)],
        ):
            for order in (DEFAULT_ORDER, "receivable_balance, partner_id", None):
                with self.subTest(domain=domain, order=order):
                    self.assertEqual(
                        self._search(domain, order), self._search(domain, order, full=True)
                    )

    def test_default_list_searches_open_items_only(self):
        report = self.env["crm.customer.360"]
        columns = report._open_item_search_columns([("receivable_balance", "!=", 0)], DEFAULT_ORDER)
        self.assertEqual(columns, {"receivable_balance", "overdue_amount"})
        self.assertIsNone(report._open_item_search_columns([("revenue_ltm", ">", 0)], None))
        self.assertIsNone(report._open_item_search_columns([], "last_payment_date desc"))
        # the page read after that search has every figure
        values, _count = self._search([("receivable_balance", "!=", 0)])
        paid_rows = [row for row in values if row[0] == self.paid]
        self.assertEqual(paid_rows, [], "no open balance")
        late = next(row for row in values if row[0] == self.late)
        self.assertEqual(late[LIST_FIELDS.index("revenue_ltm")], 300.0)

    def test_rows_of_customers_and_open_items(self):
        """Customers, and partners with open items (active, or archived with
        an open balance), whatever computes them."""
        values, count = self._search([])
        self.assertEqual(count, 5)
        self.assertEqual(
            {row[0] for row in values},
            set(self.ours),
        )

    def test_context_from_a_client_cannot_shorten_figures(self):
        """Only the report's own search asks for open item figures alone: a
        client naming the context key reads every figure."""
        report = self.env["crm.customer.360"].with_context(
            crm_customer_360_search_columns=["overdue_amount"]
        )
        (row,) = report.search_read([("partner_id", "=", self.late.id)], ["revenue_ltm"])
        self.assertEqual(row["revenue_ltm"], 300.0)
        (row,) = report.browse(self.late.id).read(["revenue_ltm"])
        self.assertEqual(row["revenue_ltm"], 300.0)
