# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import SaleMarginCustomerCommon


@tagged("post_install", "-at_install")
class TestMarginAggregates(SaleMarginCustomerCommon):
    """Margin % of a group is its margin over its revenue, in every view."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.small = cls.env["res.partner"].create({"name": "Small Margin Co", "is_company": True})
        cls.premium = cls._create_margin_product("Premium", price=100.0, cost=50.0)
        cls.commodity = cls._create_margin_product("Commodity", price=900.0, cost=810.0)
        cls.industry = cls.env["res.partner.industry"].create({"name": "Margin Industry"})
        cls.tag_red, cls.tag_blue = cls.env["res.partner.category"].create(
            [{"name": "Margin Red"}, {"name": "Margin Blue"}]
        )
        cls.customer.write(
            {
                "industry_id": cls.industry.id,
                "category_id": [(6, 0, (cls.tag_red | cls.tag_blue).ids)],
            }
        )
        cls.small.category_id = cls.tag_red
        # customer: 50 % on 100 of revenue; small: 10 % on 900 of revenue
        cls.invoices = cls._create_product_invoice(
            cls.customer, [(cls.premium, 1, 100)], offset=-40
        ) | cls._create_product_invoice(cls.small, [(cls.commodity, 1, 900)], offset=-10)
        cls.domain = [("move_id", "in", cls.invoices.ids)]
        cls.Report._refresh_lines(force=True)

    def test_read_group_weighs_by_revenue(self):
        groups = self.Report.read_group(
            self.domain, ["revenue", "margin", "margin_percent"], ["partner_id"]
        )
        by_partner = {group["partner_id"][0]: group["margin_percent"] for group in groups}
        self.assertAlmostEqual(by_partner[self.customer.id], 0.5)
        self.assertAlmostEqual(by_partner[self.small.id], 0.1)
        # (50 + 90) / 1000, where an average of percentages would say 30 %
        [total] = self.Report.read_group(self.domain, ["margin_percent"], [])
        self.assertAlmostEqual(total["margin_percent"], 0.14)
        [(ratio,)] = self.Report._read_group(self.domain, aggregates=["margin_percent:sum"])
        self.assertAlmostEqual(ratio, 0.14)

    def test_pivot_customers_by_months(self):
        groups = self.Report.read_group(
            self.domain,
            ["revenue:sum", "margin:sum", "margin_percent:avg"],
            ["partner_id", "invoice_date:month"],
            lazy=False,
        )
        self.assertEqual(len(groups), 2)
        self.assertEqual(sorted(round(group["margin_percent"], 6) for group in groups), [0.1, 0.5])

    def test_list_grouped_rows(self):
        result = self.Report.web_read_group(
            self.domain, ["margin_percent:avg", "revenue:sum"], ["industry_id"]
        )
        by_industry = {
            group["industry_id"] and group["industry_id"][0]: group["margin_percent"]
            for group in result["groups"]
        }
        self.assertAlmostEqual(by_industry[self.industry.id], 0.5)
        self.assertAlmostEqual(by_industry[False], 0.1)

    def test_order_groups_by_margin_percent(self):
        groups = self.Report.read_group(
            self.domain, ["margin_percent"], ["partner_id"], orderby="margin_percent desc"
        )
        self.assertEqual(
            [group["partner_id"][0] for group in groups], [self.customer.id, self.small.id]
        )

    def test_group_without_revenue_has_no_ratio(self):
        credit_note = self._refund(self.invoices[0])
        self._refresh()
        [group] = self.Report.read_group(
            [("move_id", "in", (self.invoices[0] | credit_note).ids)], ["margin_percent"], []
        )
        self.assertFalse(group["margin_percent"])

    def test_segments_by_tags_count_each_customer_once(self):
        groups = self.Report.read_group(
            self.domain,
            ["revenue:sum", "margin_percent:avg", "customer_count:sum"],
            ["partner_category_ids"],
        )
        by_tag = {group["partner_category_ids"][0]: group for group in groups}
        self.assertAlmostEqual(by_tag[self.tag_red.id]["revenue"], 1000.0)
        self.assertAlmostEqual(by_tag[self.tag_red.id]["margin_percent"], 0.14)
        self.assertEqual(by_tag[self.tag_red.id]["customer_count"], 2)
        self.assertAlmostEqual(by_tag[self.tag_blue.id]["revenue"], 100.0)
        self.assertEqual(by_tag[self.tag_blue.id]["customer_count"], 1)
        [total] = self.Report.read_group(self.domain, ["customer_count", "revenue"], [])
        self.assertEqual(total["customer_count"], 2)
        self.assertAlmostEqual(total["revenue"], 1000.0)

    def test_segments_by_country_and_team(self):
        # customer attributes are read live, without waiting for a refresh
        self.customer.country_id = self.env.ref("base.be")
        for groupby in ("country_id", "team_id", "industry_id", "product_categ_id", "user_id"):
            groups = self.Report.read_group(self.domain, ["margin", "margin_percent"], [groupby])
            self.assertAlmostEqual(sum(group["margin"] for group in groups), 140.0, msg=groupby)
        groups = self.Report.read_group(self.domain, ["margin"], ["country_id"])
        by_country = {
            group["country_id"] and group["country_id"][0]: group["margin"] for group in groups
        }
        self.assertAlmostEqual(by_country[self.env.ref("base.be").id], 50.0)

    def test_measures_offered_to_pivot_and_graph(self):
        fields = self.Report.fields_get(
            ["margin_percent", "customer_count", "partner_category_ids"],
            ["aggregator", "groupable"],
        )
        self.assertEqual(fields["margin_percent"]["aggregator"], "avg")
        self.assertTrue(fields["customer_count"]["aggregator"])
        self.assertTrue(fields["partner_category_ids"]["groupable"])

    def test_revenue_that_cancels_out_has_no_ratio(self):
        """0.10 + 0.20 - 0.30 is not exactly zero in floating point: the ratio
        of such a group would be a margin over 1e-17, a meaningless figure."""
        cancelled = self.env["res.partner"].create({"name": "Cancelled Out Co"})
        moves = (
            self._create_product_invoice(cancelled, [(self.premium, 1, 0.1)])
            | self._create_product_invoice(cancelled, [(self.premium, 1, 0.2)])
            | self._create_product_invoice(
                cancelled, [(self.premium, 1, 0.3)], move_type="out_refund"
            )
        )
        self._refresh()
        [group] = self.Report.read_group(
            [("move_id", "in", moves.ids)], ["revenue", "margin", "margin_percent"], []
        )
        self.assertAlmostEqual(group["revenue"], 0.0)
        self.assertFalse(group["margin_percent"])
        self.assertEqual(cancelled.margin_percent_ltm, 0.0)
        self.assertAlmostEqual(cancelled.margin_ltm, -50.0)
