# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CrmAccountingBridgeCommon

# Queries of the dashboard's own figures for a batch of rows, whatever its
# size: the counts of the three linked models, the customers and currencies
# they group by, the monthly figures; and, with sale_margin_customer
# installed, the readiness check and the monthly margins.
MAX_DASHBOARD_QUERIES = 12


@tagged("post_install", "-at_install")
class TestCustomer360Dashboard(CrmAccountingBridgeCommon):
    """The Customer 360 page as a dashboard: the snapshot's figures, the
    monthly charts, and links that open what they count."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="c360_accountant",
            groups="account.group_account_invoice,sales_team.group_sale_salesman_all_leads",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )
        # an invoice of the salesperson, one of nobody's, one overdue and paid late
        cls.mine = cls._create_invoice(cls.customer, 1000, -3, 27)
        cls.mine.invoice_user_id = cls.salesman
        cls.overdue = cls._create_invoice(cls.customer, 400, -50, -40)
        cls.overdue.invoice_user_id = False
        cls.paid_late = cls._create_invoice(cls.customer, 300, -20, -10)
        cls.paid_late.invoice_user_id = cls.accountant
        cls._register_payment(cls.paid_late, 300, 0)
        cls.other = cls.env["res.partner"].create({"name": "Other Ltd", "is_company": True})
        cls._create_invoice(cls.other, 50, -3, 27)
        stages = cls.env["crm.stage"].search([], order="sequence")
        won = stages.filtered("is_won")[:1] or cls.env["crm.stage"].create(
            {"name": "Won", "is_won": True}
        )
        open_stage = stages.filtered(lambda stage: not stage.is_won)[:1]
        cls.open_leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Open deal {index}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "stage_id": open_stage.id,
                    "expected_revenue": 1000.0 * (index + 1),
                    "user_id": cls.salesman.id,
                }
                for index, partner in enumerate((cls.customer, cls.contact))
            ]
        )
        cls.env["crm.lead"].create(
            {
                "name": "Won deal",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "stage_id": won.id,
                "expected_revenue": 9999.0,
            }
        )
        lost = cls.env["crm.lead"].create(
            {"name": "Lost deal", "type": "opportunity", "partner_id": cls.customer.id}
        )
        lost.action_set_lost()
        cls.quotation = cls.env["sale.order"].create(
            {
                "partner_id": cls.contact.id,
                "user_id": cls.salesman.id,
                "order_line": [Command.create({"product_id": cls.product_a.id})],
            }
        )
        cancelled = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [Command.create({"product_id": cls.product_a.id})],
            }
        )
        cancelled.action_cancel()
        cls.Report = cls.env["crm.customer.360"]

    def _row(self, user=None, partner=None):
        self.env.invalidate_all()
        report = self.Report.with_user(user) if user else self.Report
        return report.browse((partner or self.customer).id)

    def test_figures_are_the_snapshot(self):
        row = self._row()
        customer = self.customer
        for name in (
            "receivable_balance",
            "overdue_amount",
            "overdue_invoice_count",
            "revenue_ltm",
            "avg_payment_delay_days",
            "late_payment_rate",
        ):
            self.assertAlmostEqual(row[name], customer[name], places=2, msg=name)
        self.assertAlmostEqual(row.overdue_amount, 400.0, places=2)
        self.assertEqual(row.opportunity_count, 2)
        self.assertAlmostEqual(row.pipeline_amount, 3000.0, places=2)
        self.assertEqual(row.order_count, 1)
        self.assertEqual(row.invoice_count, 3)

    def test_monthly_figures_add_up_to_the_snapshot(self):
        """The months of the charts hold the revenue of the last 12 months
        and the payment habits of the snapshot."""
        row = self._row()
        months = self.env["crm.order.cash.cycle"]._cycle_chart_months(self.today)
        figures = self.Report._customer_360_monthly_figures(row.partner_id.ids, months[0])[
            self.customer.id
        ]
        self.assertTrue(set(figures) <= set(months))
        self.assertAlmostEqual(
            sum(month.get("revenue", 0.0) for month in figures.values()), row.revenue_ltm, places=2
        )
        (paid_month,) = [month for month in figures.values() if month.get("paid_count")]
        self.assertEqual(paid_month["paid_count"], 1)
        self.assertAlmostEqual(paid_month["avg_delay"], row.avg_payment_delay_days, places=1)
        self.assertAlmostEqual(paid_month["late_rate"], row.late_payment_rate, places=2)
        self.assertAlmostEqual(paid_month["avg_delay"], 10.0, places=1)
        self.assertIn("o_crm_accounting_revenue_chart", row.revenue_chart)
        self.assertIn("bg-primary", row.revenue_chart)
        self.assertIn("bg-danger", row.payment_chart)
        empty = self._row(
            partner=self.env["res.partner"].create({"name": "New Ltd", "customer_rank": 1})
        )
        self.assertIn("No revenue in the last 12 months", empty.revenue_chart)
        self.assertIn("No invoice paid in full", empty.payment_chart)

    def test_links_open_what_they_count(self):
        row = self._row()
        cases = {
            "action_view_invoices": ("account.move", row.invoice_count),
            "action_view_overdue_invoices": ("account.move", row.overdue_invoice_count),
            "action_view_customer_payments": ("account.payment", row.customer_payment_count),
            "action_view_opportunities": ("crm.lead", row.opportunity_count),
            "action_view_orders": ("sale.order", row.order_count),
        }
        for method, (model, count) in cases.items():
            with self.subTest(method):
                action = getattr(row, method)()
                self.assertEqual(action["res_model"], model)
                self.assertEqual(self.env[model].search_count(action["domain"]), count)
                self.assertTrue(count)
        action = row.action_view_opportunities()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), self.open_leads)
        action = row.action_view_orders()
        self.assertEqual(self.env["sale.order"].search(action["domain"]), self.quotation)

    def test_salesperson_opens_the_dashboard(self):
        """A salesperson without accounting rights reads every figure of the
        page; the counts are theirs (own invoices), and so are the lists."""
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        views = self.Report.with_user(self.salesman).get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        self.assertIn("action_view_invoices", arch)
        self.assertIn("action_view_opportunities", arch)
        self.assertNotIn("action_view_overdue_invoices", arch)
        self.assertNotIn("action_view_customer_payments", arch)
        field_names = list(views["models"]["crm.customer.360"]["fields"])
        row = self._row(self.salesman)
        values = row.web_read({name: {} for name in field_names})[0]
        self.assertAlmostEqual(values["overdue_amount"], 400.0, places=2)
        self.assertIn("o_crm_accounting_aging", values["aging_bar"])
        # the salesperson's own invoice and the one of nobody's
        self.assertEqual(values["invoice_count"], 2)
        action = row.action_view_invoices()
        invoices = self.env["account.move"].with_user(self.salesman).search(action["domain"])
        self.assertEqual(invoices, self.mine | self.overdue)
        self.assertEqual(values["opportunity_count"], 2)
        self.assertEqual(values["order_count"], 1)

    def test_accountant_opens_the_dashboard(self):
        views = self.Report.with_user(self.accountant).get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        self.assertIn("action_view_overdue_invoices", arch)
        self.assertIn("action_view_customer_payments", arch)
        row = self._row(self.accountant)
        field_names = list(views["models"]["crm.customer.360"]["fields"])
        values = row.web_read({name: {} for name in field_names})[0]
        self.assertEqual(values["invoice_count"], 3)
        action = row.action_view_overdue_invoices()
        self.assertEqual(
            self.env["account.move"].with_user(self.accountant).search(action["domain"]),
            self.overdue,
        )

    def test_constant_query_count(self):
        """One row or three: the same queries for the dashboard's figures."""
        third = self.env["res.partner"].create({"name": "Third Ltd", "is_company": True})
        self._create_invoice(third, 70, -30, -5)
        dashboard_fields = [
            "invoice_count",
            "opportunity_count",
            "pipeline_amount",
            "order_count",
            "revenue_chart",
            "payment_chart",
        ]

        def queries(partners):
            self._row().mapped("id")  # warm registry caches
            self.env.invalidate_all()
            rows = self.Report.browse(partners.ids)
            rows.partner_id.mapped("commercial_partner_id")
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            values = [row[name] for row in rows for name in dashboard_fields]
            self.assertEqual(len(values), len(rows) * len(dashboard_fields))
            return self.env.cr.sql_log_count - start

        queries(self.customer)
        one = queries(self.customer)
        three = queries(self.customer | self.other | third)
        self.assertEqual(one, three)
        self.assertLessEqual(three, MAX_DASHBOARD_QUERIES)
