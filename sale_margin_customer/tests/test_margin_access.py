# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SaleMarginCustomerCommon


@tagged("post_install", "-at_install")
class TestMarginAccess(SaleMarginCustomerCommon):
    """Who sees which lines: sales reporting rules, accounting, companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        own = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.other_salesman = new_test_user(
            cls.env, login="margin_other_salesman", groups="sales_team.group_sale_salesman", **own
        )
        cls.all_salesman = new_test_user(
            cls.env,
            login="margin_all_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
            **own,
        )
        cls.billing = new_test_user(
            cls.env, login="margin_billing", groups="account.group_account_invoice", **own
        )
        cls.employee = new_test_user(
            cls.env, login="margin_employee", groups="base.group_user", **own
        )
        cls.mine = cls._invoice_order(
            cls._create_order(cls.customer, [(cls.widget, 1, 100)], user=cls.salesman)
        )
        cls.theirs = cls._invoice_order(
            cls._create_order(cls.customer, [(cls.widget, 2, 100)], user=cls.other_salesman)
        )
        cls.nobody = cls._create_product_invoice(cls.customer, [(cls.gadget, 1, 50)])
        cls.nobody.invoice_user_id = False
        cls.moves = cls.mine | cls.theirs | cls.nobody

    def _visible(self, user):
        report = self.Report.with_user(user)
        return self._rows([("move_id", "in", self.moves.ids)], report=report).move_id

    def test_own_documents_salesman(self):
        self.assertEqual(self._visible(self.salesman), self.mine | self.nobody)
        self.assertEqual(self._visible(self.other_salesman), self.theirs | self.nobody)
        # the aggregates obey the same rules
        self.assertTotals(
            [("move_id", "in", self.moves.ids)],
            2,
            150,
            70,
            report=self.Report.with_user(self.salesman),
        )

    def test_all_documents_salesman_and_accounting_see_everything(self):
        self.assertEqual(self._visible(self.all_salesman), self.moves)
        self.assertEqual(self._visible(self.billing), self.moves)
        self.assertEqual(self._visible(self.sales_manager), self.moves)

    def test_no_access_without_sales_or_accounting(self):
        with self.assertRaises(AccessError):
            self._rows([], report=self.Report.with_user(self.employee))

    def test_read_only(self):
        row = self._rows([("move_id", "=", self.mine.id)])
        with self.assertRaises(AccessError):
            row.with_user(self.billing).write({"revenue": 1})
        with self.assertRaises(AccessError):
            self.Report.with_user(self.billing).create({"revenue": 1})
        with self.assertRaises(AccessError):
            row.with_user(self.billing).unlink()


@tagged("post_install", "-at_install")
class TestMarginTwoCompanies(SaleMarginCustomerCommon):
    """Each company sees its own lines; together they sum in one currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 unit of the first company's currency = 2 EUR, today
        cls.eur = cls.setup_other_currency("EUR", rates=[(cls._day(-400), 2.0)])
        cls.company_2 = cls.setup_other_company(name="Margin Company 2", currency_id=cls.eur.id)[
            "company"
        ]
        cls.company_1 = cls.env.company
        # rates are per company: the second one says 1 EUR = 0.5 of the first's currency
        cls.env["res.currency.rate"].create(
            {
                "name": cls._day(-400),
                "rate": 0.5,
                "currency_id": cls.company_1.currency_id.id,
                "company_id": cls.company_2.id,
            }
        )
        cls.env.user.company_ids += cls.company_2
        cls.widget.with_company(cls.company_2).standard_price = 120.0
        cls.invoice_1 = cls._create_product_invoice(cls.customer, [(cls.widget, 10, 100)])
        cls.invoice_2 = cls._create_product_invoice(
            cls.customer, [(cls.widget, 10, 200)], company=cls.company_2
        )
        cls.domain = [("move_id", "in", (cls.invoice_1 | cls.invoice_2).ids)]
        cls.salesman_2 = new_test_user(
            cls.env,
            login="margin_salesman_2",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def _report(self, *companies, user=None):
        report = self.Report.with_context(allowed_company_ids=[c.id for c in companies])
        return report.with_user(user) if user else report

    def test_each_company_alone(self):
        self.assertTotals(self.domain, 10, 1000, 600, report=self._report(self.company_1))
        # in the second company's own currency
        self.assertTotals(self.domain, 10, 2000, 1200, report=self._report(self.company_2))
        self.assertEqual(
            self._rows(
                self.domain, report=self._report(self.company_2, user=self.salesman_2)
            ).company_id,
            self.company_2,
        )

    def test_companies_together_in_current_company_currency(self):
        # the second company's 2,000 EUR of revenue and 1,200 of cost at 2 EUR
        self.assertTotals(
            self.domain, 20, 2000, 1200, report=self._report(self.company_1, self.company_2)
        )
        self.assertTotals(
            self.domain, 20, 4000, 2400, report=self._report(self.company_2, self.company_1)
        )

    def test_customer_margin_per_company(self):
        customer_1 = self.customer.with_context(allowed_company_ids=self.company_1.ids)
        customer_2 = self.customer.with_context(allowed_company_ids=self.company_2.ids)
        self.assertAlmostEqual(customer_1.margin_ltm, 400.0)
        self.assertAlmostEqual(customer_2.margin_ltm, 800.0)
        self.assertEqual(customer_2.financial_currency_id, self.eur)
