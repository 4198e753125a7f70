# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestCustomer360(CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late = cls.env["res.partner"].create({"name": "Late Ltd", "is_company": True})
        cls.later = cls.env["res.partner"].create({"name": "Later Ltd", "is_company": True})
        cls.on_time = cls.env["res.partner"].create({"name": "On Time Ltd", "is_company": True})
        cls._create_invoice(cls.late, 300, -50, -40)
        cls._create_invoice(cls.later, 900, -150, -120)
        cls._create_invoice(cls.on_time, 5000, -5, 25)
        cls.ours = cls.late | cls.later | cls.on_time
        cls.Report = cls.env["crm.customer.360"]

    def _rows(self, domain=(), order=None):
        return self.Report.search([("partner_id", "in", self.ours.ids), *domain], order=order)

    def test_rows_match_partner_snapshot(self):
        for row in self._rows():
            partner = row.partner_id
            for name in (
                "receivable_balance",
                "overdue_amount",
                "oldest_overdue_days",
                "revenue_ltm",
            ):
                self.assertAlmostEqual(row[name], partner[name], places=2, msg=name)

    def test_sort_by_overdue_oldest_and_revenue(self):
        self.assertEqual(
            self._rows(order="overdue_amount desc").partner_id,
            self.later | self.late | self.on_time,
        )
        self.assertEqual(self._rows(order="oldest_overdue_days desc").partner_id[:1], self.later)
        self.assertEqual(self._rows(order="revenue_ltm desc").partner_id[:1], self.on_time)

    def test_filters(self):
        self.assertEqual(
            self._rows([("overdue_amount", ">", 0)]).partner_id, self.late | self.later
        )
        self.assertEqual(self._rows([("oldest_overdue_days", ">", 90)]).partner_id, self.later)
        self.assertEqual(self._rows([("revenue_ltm", ">", 1000)]).partner_id, self.on_time)

    def _jit(self):
        self.env.cr.execute("SHOW jit")
        return self.env.cr.fetchone()[0]

    def test_reads_without_jit_compilation(self):
        """Searches, groups and reads of the report turn JIT compilation off."""
        reads = {
            "search": lambda: self._rows().ids,
            "read_group": lambda: self.Report._read_group([], [], ["overdue_amount:sum"]),
            "read": lambda: self.Report.browse(self.late.id).read(["overdue_amount"]),
        }
        for name, read in reads.items():
            with self.subTest(name):
                self.env.invalidate_all()
                self.env.cr.execute("SET LOCAL jit = on")
                read()
                self.assertEqual(self._jit(), "off")

    def test_reading_rows_computes_those_customers_only(self):
        """Reading rows by id aggregates the journal items of those customers only."""
        restricted = self.Report._search([("id", "in", self.late.ids)]).select()
        self.assertIn(self.late.ids, restricted.params)
        searched = self.Report._search([("overdue_amount", ">", 0)]).select()
        self.assertNotIn(self.late.ids, searched.params)
        row = self.Report.browse(self.late.id)
        self.env.invalidate_all()
        self.assertAlmostEqual(row.overdue_amount, 300.0, places=2)
        self.assertEqual(row.oldest_overdue_days, 40)

    def test_grouped_totals(self):
        groups = self.Report._read_group(
            [("partner_id", "in", self.ours.ids)], [], ["overdue_amount:sum", "revenue_ltm:sum"]
        )
        self.assertEqual(groups, [(1200.0, 6200.0)])

    def test_other_company_rows_stay_there(self):
        company_2 = self.setup_other_company()["company"]
        self._create_invoice(self.on_time, 777, -70, -60, company=company_2)
        row = self._rows([("partner_id", "=", self.on_time.id)])
        self.assertEqual(row.overdue_amount, 0.0)
        user_2 = new_test_user(
            self.env,
            login="c360_company_2",
            groups="sales_team.group_sale_salesman",
            company_id=company_2.id,
            company_ids=[Command.set(company_2.ids)],
        )
        row = self.Report.with_user(user_2).search([("partner_id", "=", self.on_time.id)])
        self.assertEqual(row.company_id, company_2)
        self.assertAlmostEqual(row.overdue_amount, 777.0, places=2)

    def test_customer_of_a_sibling_branch_is_not_listed(self):
        """The figures read the whole group's books, but a customer that
        belongs to another branch is not shown to a user who cannot open it."""
        root = self.env.company
        branches = self.env["res.company"].create(
            [
                {
                    "name": f"Bridge branch {name}",
                    "parent_id": root.id,
                    "country_id": root.country_id.id,
                }
                for name in ("North", "South")
            ]
        )
        for branch in branches:
            self.env["account.chart.template"].try_loading(
                root.chart_template, branch, install_demo=False
            )
        north, south = branches
        southern = self.env["res.partner"].create(
            {"name": "Southern Ltd", "is_company": True, "company_id": south.id}
        )
        self._create_invoice(southern, 100, -20, -10, company=south)
        users = {
            branch: new_test_user(
                self.env,
                login=f"c360_{branch.name}",
                groups="sales_team.group_sale_salesman",
                company_id=branch.id,
                company_ids=[Command.set(branch.ids)],
            )
            for branch in branches
        }
        self.env.invalidate_all()
        rows = self.Report.with_user(users[north]).search([("receivable_balance", "!=", 0)])
        self.assertNotIn(southern, rows.partner_id)
        row = self.Report.with_user(users[south]).search([("partner_id", "=", southern.id)])
        self.assertAlmostEqual(row.overdue_amount, 100.0, places=2)
        # the root company's accountant with every branch active sees it
        row = self.Report.with_context(allowed_company_ids=[root.id, *branches.ids]).search(
            [("partner_id", "=", southern.id)]
        )
        self.assertAlmostEqual(row.overdue_amount, 100.0, places=2)

    def test_archived_customer_still_owing_is_listed(self):
        """An archived customer keeps its row while it owes money, as in
        Odoo's receivable: the list's totals are the books' totals."""
        settled = self.env["res.partner"].create({"name": "Settled Ltd", "is_company": True})
        invoice = self._create_invoice(settled, 100, -20, -10)
        self._register_payment(invoice, 100, -5)
        (self.late | settled).action_archive()
        row = self._rows([("partner_id", "=", self.late.id)])
        self.assertAlmostEqual(row.receivable_balance, 300.0, places=2)
        self.assertAlmostEqual(row.overdue_amount, 300.0, places=2)
        groups = self.Report._read_group(
            [("partner_id", "in", self.ours.ids)], [], ["receivable_balance:sum"]
        )
        self.assertEqual(groups, [(6200.0,)])
        # an archived customer with nothing left to collect stays out
        self.assertFalse(self.Report.search([("partner_id", "=", settled.id)]))

    def test_open_partner(self):
        action = self._rows([("partner_id", "=", self.late.id)]).action_open_partner()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.late.id))

    def test_views_render(self):
        for view_type in ("list", "kanban", "form", "search"):
            self.Report.get_view(view_type=view_type)
        self.assertIn(
            "crm_accounting_readiness",
            str(self.env["res.config.settings"].get_view(view_type="form")["arch"]),
        )
        self.assertIn("customer_360", self.env["res.partner"].get_view(view_type="form")["arch"])
