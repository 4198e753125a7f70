# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.crm_accounting_bridge.queries import owed_totals
from odoo.addons.crm_accounting_bridge.report.crm_customer_360 import (
    _KeptBalanceColumns,
    _OpenItemColumns,
    _OpenItemColumnsPerCustomer,
)

from .common import CrmAccountingBridgeCommon

ORDER = "overdue_amount desc, receivable_balance desc, partner_id"


@tagged("post_install", "-at_install")
class TestOwedTotals(CrmAccountingBridgeCommon):
    """The customers' owed totals rank the Customer 360 list's first pages.

    Whatever the totals hold (folded, waiting for the fold, loose after a
    payment), the first page by overdue amount and the limited count are
    the ones every customer's figures give; the fold makes the totals exact
    again (each test also ends with ``KeptFiguresChecked``).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls.env["res.partner"]
        cls.customers = partners
        # overdue amounts 500, 400, ... 100; the largest also owes 1,000 not due
        for index, amount in enumerate((500, 400, 300, 200, 100)):
            customer = partners.create({"name": f"Owed {index}", "is_company": True})
            cls._create_invoice(customer, amount, -60, -30)
            cls.customers |= customer
        cls._create_invoice(cls.customers[0], 1000, -5, 25)
        cls.not_due = partners.create({"name": "Owed Not Due", "is_company": True})
        cls._create_invoice(cls.not_due, 5000, -5, 25)
        cls.credit = partners.create({"name": "Owed Credit", "is_company": True})
        cls._create_unallocated_payment(cls.credit, 70)
        cls.no_items = partners.create({"name": "Owed Nothing", "customer_rank": 1})
        cls.ours = cls.customers | cls.not_due | cls.credit | cls.no_items

    def _marked(self):
        self.env.flush_all()
        return {row[0] for row in self.env.execute_query(owed_totals.marked())}

    def _kept(self, partners):
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, owed, balance FROM %s WHERE partner_id = ANY(%s)",
                SQL.identifier(owed_totals.TOTALS),
                partners.ids,
            )
        )
        return {partner: (float(owed), float(balance)) for partner, owed, balance in rows}

    def _fold(self):
        return self.env["account.move.line"]._fold_owed_totals()

    def _books(self, complete):
        """Whether open items are outside the company group read, as the
        count sees it: the database's own data (demo invoices of another
        company) must not decide which path a test covers."""
        return patch.object(
            type(self.env["crm.customer.360"]), "_kept_balances_complete", lambda _self: complete
        )

    def _page(self, limit, domain=(), full=False):
        report = self.env["crm.customer.360"].with_context(active_test=False)
        if full:
            report = report.with_context(crm_customer_360_full=True)
        self.env.invalidate_all()
        domain = [("partner_id", "in", self.ours.ids), *domain]
        return report.search(domain, limit=limit, order=ORDER).partner_id

    def _assert_pages_exact(self):
        for limit in (1, 3, 5, 7, 9):
            for domain in ([], [("receivable_balance", "!=", 0)], [("overdue_amount", ">", 150)]):
                with self.subTest(limit=limit, domain=domain):
                    self.assertEqual(
                        self._page(limit, domain), self._page(limit, domain, full=True)
                    )

    def test_fold_makes_the_totals_exact(self):
        """Posting marks the customer; the fold computes its totals, every
        company and every item owed, due or not."""
        self.assertTrue(set(self.customers.ids) <= self._marked())
        self.assertGreaterEqual(self._fold(), 7)
        self.assertFalse(self._marked() & set(self.ours.ids))
        self.assertEqual(
            self._kept(self.customers[0] | self.credit | self.no_items),
            {self.customers[0].id: (1500.0, 1500.0), self.credit.id: (0.0, -70.0)},
        )
        invoice = self._create_invoice(self.customers[1], 50, -40, -10)
        self._register_payment(invoice, 20)
        self.assertIn(self.customers[1].id, self._marked())
        self.assertNotIn(self.customers[2].id, self._marked())
        self._fold()
        self.assertEqual(self._kept(self.customers[1]), {self.customers[1].id: (430.0, 430.0)})

    def test_a_change_that_cancels_out_marks_nothing(self):
        self._fold()
        invoice = self.customers[2].invoice_ids
        invoice.ref = "a reference"
        invoice.line_ids.flush_recordset()
        self.assertNotIn(self.customers[2].id, self._marked())

    def test_contact_moving_to_another_company_marks_both(self):
        """Items of a contact count for its commercial entity: moving it
        marks the one it leaves and the one it joins."""
        contact = self.env["res.partner"].create(
            {"name": "Owed Contact", "parent_id": self.customers[3].id}
        )
        self._create_unallocated_payment(contact, 30)
        self._fold()
        self.assertEqual(self._kept(self.customers[3]), {self.customers[3].id: (200.0, 170.0)})
        contact.parent_id = self.not_due
        self.assertTrue({self.customers[3].id, self.not_due.id} <= self._marked())
        self._assert_pages_exact()
        self._fold()
        self.assertEqual(
            self._kept(self.customers[3] | self.not_due),
            {self.customers[3].id: (200.0, 200.0), self.not_due.id: (5000.0, 4970.0)},
        )

    def test_first_pages_exact_before_and_after_the_fold(self):
        self._assert_pages_exact()
        self._fold()
        self._assert_pages_exact()
        # a loose total: the largest debtor pays, and is marked until folded
        self._register_payment(self.customers[0].invoice_ids, 1500)
        self._assert_pages_exact()
        self._fold()
        self._assert_pages_exact()
        self.assertNotIn(self.customers[0], self._page(5))

    def test_first_page_proven_from_the_totals(self):
        """After a fold, the first page comes from the customers owing the
        most: two queries, whatever the number of customers; a page the
        totals cannot prove (fewer overdue customers than rows asked) is
        computed for every customer."""
        self._fold()
        report = self.env["crm.customer.360"]
        domain = [("partner_id", "in", self.ours.ids)]
        report._search_most_overdue(domain, 0, 3, ORDER, frozenset({"overdue_amount"}))
        with self.assertQueryCount(2):
            page = report._search_most_overdue(domain, 0, 3, ORDER, frozenset({"overdue_amount"}))
        self.assertEqual(report.browse(list(page)).partner_id, self.customers[:3])
        self.assertIsNone(
            report._search_most_overdue(domain, 0, 6, ORDER, frozenset({"overdue_amount"}))
        )
        self.assertEqual(self._page(6), self._page(6, full=True))
        # the totals rank by what is owed: the customer owing most, not
        # overdue, is a candidate that the exact figures put last
        self.assertEqual(self._page(6)[-1], self.not_due)

    def test_customer_changed_since_the_fold_is_a_candidate(self):
        """A customer owing more since the fold ranks by its exact figures,
        even when its kept total is too small to be among the largest."""
        self._fold()
        self._create_invoice(self.customers[4], 2000, -60, -30)
        self.env.flush_all()
        rows = self.env.execute_query(owed_totals.candidates(2))
        self.assertIn((self.customers[4].id, None), rows)
        report = self.env["crm.customer.360"]
        domain = [("partner_id", "in", self.ours.ids)]
        page = report._search_most_overdue(
            domain, 0, 1, ORDER, frozenset({"overdue_amount"}), candidates=2
        )
        # proven (or not, when the database owes more elsewhere), never wrong
        if page is not None:
            self.assertEqual(report.browse(list(page)).partner_id, self.customers[4])

    def test_limited_count(self):
        """The web client's count (limited) equals the full count, capped."""
        with self._books(True):
            self._check_limited_counts()

    def test_limited_count_customer_by_customer(self):
        """The same, counted customer by customer (open items outside the
        company group read)."""
        with self._books(False):
            self._check_limited_counts()

    def _check_limited_counts(self):
        report = self.env["crm.customer.360"].with_context(active_test=False)
        for step in ("marked", "folded", "changed since"):
            if step == "folded":
                self._fold()
            elif step == "changed since":
                # one customer pays all it owes, one part of it
                self._register_payment(self.customers[1].invoice_ids, 400)
                self._register_payment(self.customers[2].invoice_ids, 100)
                self.assertTrue({self.customers[1].id, self.customers[2].id} <= self._marked())
            for domain in ([], [("receivable_balance", "!=", 0)], [("overdue_amount", ">", 0)]):
                domain = [("partner_id", "in", self.ours.ids), *domain]
                full = report.search_count(domain)
                for limit in (1, 4, 100):
                    with self.subTest(step=step, domain=domain, limit=limit):
                        self.assertEqual(report.search_count(domain, limit=limit), min(full, limit))
        self.assertEqual(report.search_count([("partner_id", "in", self.ours.ids)]), 8)

    def test_archived_customer_owing_is_counted(self):
        self.customers[4].active = False
        self._fold()
        report = self.env["crm.customer.360"].with_context(active_test=False)
        domain = [("partner_id", "in", self.ours.ids), ("receivable_balance", "!=", 0)]
        self.assertEqual(report.search_count(domain, limit=100), report.search_count(domain))
        self.assertIn(self.customers[4], self._page(9, [("receivable_balance", "!=", 0)]))

    def test_list_as_the_web_client_opens_it_for_a_salesperson(self):
        """The list's first page and its limited count, as the web client
        asks for them, for a salesperson: what every customer's figures
        give under the same rights."""
        self._fold()
        salesman = new_test_user(
            self.env, login="owed_salesman", groups="sales_team.group_sale_salesman"
        )
        report = self.env["crm.customer.360"].with_user(salesman)
        domain = [("partner_id", "in", self.ours.ids), ("receivable_balance", "!=", 0)]
        specification = {"partner_id": {"fields": {"display_name": {}}}, "overdue_amount": {}}

        def first_page(full):
            self.env.invalidate_all()
            result = report.with_context(crm_customer_360_full=full).web_search_read(
                domain, specification, limit=3, order=ORDER, count_limit=10001
            )
            return [row["partner_id"]["id"] for row in result["records"]], result["length"]

        self.assertEqual(first_page(False), first_page(True))
        self.assertEqual(first_page(False), (self.customers[:3].ids, 7))

    def test_count_reads_kept_balances_only_when_they_are_the_books_read(self):
        """The kept balances add every company's open items: the count reads
        them only while no open item is outside the company group read, and
        counts customer by customer otherwise, with the same result."""
        report = self.env["crm.customer.360"].with_context(active_test=False)
        balance = frozenset({"receivable_balance"})
        self.env.flush_all()
        ((outside,),) = self.env.execute_query(
            SQL(
                "SELECT EXISTS (SELECT 1 FROM crm_open_receivable_item item"
                " JOIN res_company company ON company.id = item.company_id"
                " WHERE company.parent_path NOT LIKE %s)",
                f"{self.env.company.root_id.parent_path}%",
            )
        )
        self.assertEqual(report._kept_balances_complete(), not outside)
        with self._books(True):
            self.assertIsInstance(report._counting_columns(balance), _KeptBalanceColumns)
        company_2 = self.setup_other_company()["company"]
        self._create_invoice(self.customers[4], 900, -70, -60, company=company_2)
        self._create_invoice(self.no_items, 900, -70, -60, company=company_2)
        self._fold()
        self.assertFalse(report._kept_balances_complete())
        self.assertIsInstance(report._counting_columns(balance), _OpenItemColumnsPerCustomer)
        domain = [("partner_id", "in", self.ours.ids), ("receivable_balance", "!=", 0)]
        self.assertEqual(report.search_count(domain, limit=100), 7)
        self.assertEqual(report.search_count(domain), 7)
        # in the other company, its own books only
        report_2 = report.with_company(company_2)
        self.assertFalse(report_2._kept_balances_complete())
        self.assertIsInstance(report_2._counting_columns(balance), _OpenItemColumnsPerCustomer)
        self.assertEqual(report_2.search_count(domain, limit=100), 2)
        self.assertEqual(report_2.search_count(domain), 2)

    def test_second_count_sees_customers_changed_after_the_first(self):
        """Each count reads the customers changed since the fold anew, even
        when Odoo reuses the environment of an earlier, equal search."""
        report = self.env["crm.customer.360"].with_context(active_test=False)
        domain = [("partner_id", "in", self.ours.ids), ("receivable_balance", "!=", 0)]
        self._fold()
        with self._books(True):
            self.assertEqual(report.search_count(domain, limit=100), 7)
            # all it owes settled by a payment not yet matched: a balance of 0
            self._create_unallocated_payment(self.customers[1], 400)
            self.assertEqual(report.search_count(domain, limit=100), 6)
        self.assertEqual(report.search_count(domain), 6)
        # what makes it so: searches of the same figures never share an
        # environment (Odoo reuses one whose context is equal)
        balance = frozenset({"receivable_balance"})
        kept = report.with_context(crm_customer_360_search_columns=_KeptBalanceColumns(balance))
        again = report.with_context(crm_customer_360_search_columns=_KeptBalanceColumns(balance))
        every = report.with_context(crm_customer_360_search_columns=_OpenItemColumns(balance))
        self.assertIsNot(kept.env, again.env)
        self.assertIsNot(kept.env, every.env)

    def test_too_many_changed_customers_compute_every_customer(self):
        """Past ``MARKED_LIMIT`` customers changed since the fold (the
        scheduled action stopped), the searches compute every customer:
        slower, and the same rows."""
        report = self.env["crm.customer.360"].with_context(active_test=False)
        domain = [("partner_id", "in", self.ours.ids)]
        balance = frozenset({"receivable_balance"})
        self.assertGreater(len(self._marked()), 2)
        with patch.object(owed_totals, "MARKED_LIMIT", 2):
            self.assertIsNone(
                report._search_most_overdue(domain, 0, 3, ORDER, frozenset({"overdue_amount"}))
            )
            with self._books(True):
                self.assertIsInstance(
                    report._counting_columns(balance), _OpenItemColumnsPerCustomer
                )
            self.assertEqual(self._page(3), self.customers[:3])
            self.assertEqual(report.search_count(domain, limit=100), 8)
            self._fold()
            self.assertIsNotNone(
                report._search_most_overdue(domain, 0, 3, ORDER, frozenset({"overdue_amount"}))
            )
            with self._books(True):
                self.assertIsInstance(report._counting_columns(balance), _KeptBalanceColumns)
