# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SaleMarginCustomerCommon

# Margin of each crafted customer; 10,000 in all. Shares before each one:
# 0 % and 50 % (A: the first two make 80 %), 80 % and 90 % (B, up to 95 %),
# 95 % and 98 % (C).
CRAFTED_MARGINS = (5000, 3000, 1000, 500, 300, 200)
EXPECTED_TIERS = ["A", "A", "B", "B", "C", "C"]


@tagged("post_install", "-at_install")
class TestProfitabilityTier(SaleMarginCustomerCommon):
    """Tiers on a company of its own, with known shares of its margin."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_company = cls.setup_other_company(name="Tier Company")["company"]
        cls.env.user.company_ids += cls.tier_company
        # a unit sold 101 that costs 1 in the tier company: the margin of a
        # unit is 100 (a line without cost has no margin a tier can rank)
        cls.unit = cls._create_margin_product("Margin Unit", price=101.0, cost=0.0)
        cls._cost_unit(cls.tier_company)
        cls.ranked = cls.env["res.partner"].create(
            [{"name": f"Tier customer {margin}", "is_company": True} for margin in CRAFTED_MARGINS]
        )
        for partner, margin in zip(cls.ranked, CRAFTED_MARGINS, strict=True):
            cls._create_product_invoice(
                partner, [(cls.unit, margin / 100, 101)], company=cls.tier_company
            )
        cls.prospect = cls.env["res.partner"].create({"name": "Tier prospect", "is_company": True})
        cls.former = cls.env["res.partner"].create({"name": "Tier former", "is_company": True})
        cls._create_product_invoice(
            cls.former, [(cls.unit, 100, 101)], offset=-400, company=cls.tier_company
        )
        cls.top_contact = cls.env["res.partner"].create(
            {"name": "Tier top contact", "parent_id": cls.ranked[0].id}
        )
        cls.Partner = cls.env["res.partner"].with_company(cls.tier_company)

    @classmethod
    def _cost_unit(cls, company):
        """The unit costs 1 in ``company`` (costs are per company)."""
        cls.unit.with_company(company).standard_price = 1.0

    def _tiers(self, partners, company=None):
        self.env.invalidate_all()
        return partners.with_company(company or self.tier_company).mapped(
            lambda partner: partner.profitability_tier
        )

    def _update(self):
        self.Partner._update_profitability_tiers(self.tier_company)

    def test_tiers_from_known_shares(self):
        # the prospect and the former customer have no sales in 12 months
        self.assertEqual(
            self.Partner._profitability_tiers(self.tier_company),
            dict(zip(self.ranked.ids, EXPECTED_TIERS, strict=True)),
        )
        self._update()
        self.assertEqual(self._tiers(self.ranked), EXPECTED_TIERS)
        self.assertEqual(self._tiers(self.prospect | self.former), [False, False])
        # tiers belong to the company: the main company has none
        self.assertEqual(self._tiers(self.ranked, company=self.env.company), [False] * 6)

    def test_contacts_and_opportunities_follow_the_customer(self):
        self._update()
        self.assertEqual(self._tiers(self.top_contact), ["A"])
        later_contact = self.Partner.create(
            {"name": "Tier later contact", "parent_id": self.ranked[2].id}
        )
        self.assertEqual(self._tiers(later_contact), ["B"])
        Lead = self.env["crm.lead"].with_company(self.tier_company)
        leads = Lead.create(
            [
                {"name": "Upsell top", "type": "opportunity", "partner_id": self.top_contact.id},
                {"name": "Upsell small", "type": "opportunity", "partner_id": self.ranked[5].id},
                {"name": "New prospect", "type": "opportunity", "partner_id": self.prospect.id},
            ]
        )
        self.assertEqual(leads.mapped("profitability_tier"), ["A", "C", False])
        # salespeople rank prospects in the CRM search
        found = Lead.search([("id", "in", leads.ids), ("profitability_tier", "=", "A")])
        self.assertEqual(found, leads[0])
        groups = Lead.read_group(
            [("id", "in", leads.ids)], ["expected_revenue"], ["profitability_tier"]
        )
        self.assertEqual(
            {group["profitability_tier"]: group["profitability_tier_count"] for group in groups},
            {"A": 1, "C": 1, False: 1},
        )
        customers = self.Partner.search(
            [("id", "in", self.ranked.ids), ("profitability_tier", "in", ("A", "B"))]
        )
        self.assertEqual(customers, self.ranked[:4])

    def test_recompute_ranks_again(self):
        self._update()
        # the smallest customer buys for 20,000 more: 20,200 of 30,000 in all;
        # then 5,000 (25,200: A, it crosses 80 %), 3,000 and 1,000 (B, up to
        # 95 %), 500 and 300 (C)
        self._create_product_invoice(
            self.ranked[5], [(self.unit, 200, 101)], company=self.tier_company
        )
        self._update()
        self.assertEqual(self._tiers(self.ranked), ["A", "B", "B", "C", "C", "A"])

    def test_losses_rank_last(self):
        loss = self._create_margin_product("Loss Leader", price=10.0, cost=0.0)
        loss.with_company(self.tier_company).standard_price = 50.0
        self._create_product_invoice(self.prospect, [(loss, 1, 10)], company=self.tier_company)
        tiers = self.Partner._profitability_tiers(self.tier_company)
        self.assertEqual(tiers[self.prospect.id], "C")
        # a company that loses money overall has no A or B customer
        self._create_product_invoice(self.prospect, [(loss, 1000, 10)], company=self.tier_company)
        tiers = self.Partner._profitability_tiers(self.tier_company)
        self.assertEqual(set(tiers.values()), {"C"})

    def test_equal_margins_share_a_tier(self):
        """Five customers with the same margin: none is ranked before another,
        so the fifth is not B while the other four are A because of its id."""
        company = self.setup_other_company(name="Tie Company")["company"]
        self.env.user.company_ids += company
        equals = self.env["res.partner"].create(
            [{"name": f"Tie customer {index}", "is_company": True} for index in range(5)]
        )
        self._cost_unit(company)
        for partner in equals:
            self._create_product_invoice(partner, [(self.unit, 20, 101)], company=company)
        self.assertEqual(set(self.Partner._profitability_tiers(company).values()), {"A"})
        # two equal customers across the line of 95 %: 5,000 and 3,000 (A),
        # 1,000 and 500 (B), then 500 again: 95 % before it, but not ranked
        # after the other 500, so B as well
        company_2 = self.setup_other_company(name="Tie Company 2")["company"]
        self.env.user.company_ids += company_2
        self._cost_unit(company_2)
        for partner, units in zip(equals, (50, 30, 10, 5, 5), strict=True):
            self._create_product_invoice(partner, [(self.unit, units, 101)], company=company_2)
        tiers = self.Partner._profitability_tiers(company_2)
        self.assertEqual([tiers[partner.id] for partner in equals], ["A", "A", "B", "B", "B"])

    def test_lines_without_cost_are_no_margin_to_rank(self):
        """A product without cost shows its revenue as margin, and its credit
        notes as a loss: the tier leaves such lines out, and a customer with
        no line of known cost has no tier (its margin is not known)."""
        free = self._create_margin_product("Uncosted service", price=500.0, cost=0.0)
        uncosted = self.env["res.partner"].create({"name": "Uncosted", "is_company": True})
        self._create_product_invoice(uncosted, [(free, 100, 500)], company=self.tier_company)
        # a credit note of an uncosted line is no loss for the smallest customer
        self._create_product_invoice(
            self.ranked[5], [(free, 10, 500)], move_type="out_refund", company=self.tier_company
        )
        tiers = self.Partner._profitability_tiers(self.tier_company)
        self.assertNotIn(uncosted.id, tiers, "50,000 of revenue at no cost is not tier A")
        self.assertEqual([tiers[partner.id] for partner in self.ranked], EXPECTED_TIERS)
        self._update()
        self.assertEqual(self._tiers(uncosted), [False])
        # the customer's page says so, for a salesperson too
        self.env.invalidate_all()
        as_salesman = uncosted.with_user(self.salesman).with_context(
            allowed_company_ids=self.tier_company.ids
        )
        self.salesman.company_ids += self.tier_company
        self.assertEqual(as_salesman.margin_missing_cost_count, 1)
        self.assertAlmostEqual(as_salesman.margin_ltm, 50000.0)
        smallest = self.ranked[5].with_company(self.tier_company)
        self.assertEqual(smallest.margin_missing_cost_count, 1)
        self.assertEqual(
            self.ranked[0].with_company(self.tier_company).margin_missing_cost_count, 0
        )

    def test_customer_with_only_credit_notes_has_no_tier(self):
        """A credit note for a sale older than 12 months is not a sale: the
        customer has no tier, though the refund lowers the company's margin."""
        self._create_product_invoice(
            self.former, [(self.unit, 1, 101)], move_type="out_refund", company=self.tier_company
        )
        tiers = self.Partner._profitability_tiers(self.tier_company)
        self.assertNotIn(self.former.id, tiers)
        # 9,900 in all: the shares before each customer keep their tiers
        self.assertEqual([tiers[partner.id] for partner in self.ranked], EXPECTED_TIERS)
        self._update()
        self.assertEqual(self._tiers(self.former), [False])
        self.assertAlmostEqual(self.former.with_company(self.tier_company).margin_ltm, -100.0)

    def test_no_tiers_until_accounting_is_ready(self):
        self._update()
        self.tier_company.account_sale_tax_id = False
        self._update()
        self.assertEqual(self._tiers(self.ranked | self.top_contact), [False] * 7)

    def test_on_demand_for_managers_only(self):
        partner = self.ranked[0].with_context(allowed_company_ids=self.tier_company.ids)
        manager = self.sales_manager
        manager.company_ids += self.tier_company
        with self.assertRaises(AccessError):
            partner.with_user(self.salesman).action_update_profitability_tiers()
        action = partner.with_user(manager).action_update_profitability_tiers()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self._tiers(self.ranked), EXPECTED_TIERS)

    def test_server_action_in_partner_list(self):
        action = self.env.ref("sale_margin_customer.res_partner_action_update_profitability_tiers")
        self.assertEqual(action.binding_model_id.model, "res.partner")
        self.sales_manager.company_ids += self.tier_company
        action.with_user(self.sales_manager).with_context(
            allowed_company_ids=self.tier_company.ids,
            active_model="res.partner",
            active_ids=self.ranked.ids,
        ).run()
        self.assertEqual(self._tiers(self.ranked), EXPECTED_TIERS)

    def test_scheduled_action(self):
        cron = self.env.ref("sale_margin_customer.ir_cron_update_profitability_tiers")
        cron.method_direct_trigger()
        self.assertEqual(self._tiers(self.ranked), EXPECTED_TIERS)

    def test_views_show_the_tier(self):
        Lead = self.env["crm.lead"]
        for view_type in ("form", "list", "kanban", "search"):
            arch = Lead.get_view(view_type=view_type)["arch"]
            self.assertIn('name="profitability_tier"', arch, view_type)
        for view_type in ("list", "search"):
            arch = self.env["res.partner"].get_view(view_type=view_type)["arch"]
            self.assertIn("profitability_tier", arch, view_type)
