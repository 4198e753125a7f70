# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SaleMarginCustomerCommon

# Upper bound of the queries reading the margin of a batch of partners,
# whatever its size: the partners, the user, company and currency read again
# after the cache is cleared, the readiness checklist (by the partner and by
# the report), the company scope and the report query itself.
MAX_MARGIN_QUERIES = 14


@tagged("post_install", "-at_install")
class TestCustomerMargin(SaleMarginCustomerCommon):
    """Margin of the last 12 months on the customer, and readiness."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        order = cls._create_order(cls.customer, [(cls.widget, 10, 100)])
        cls.invoice = cls._invoice_order(order, offset=-30)
        # partly credited, and an old invoice out of the 12 months
        cls._create_product_invoice(
            cls.customer, [(cls.widget, 2, 100)], offset=-20, move_type="out_refund"
        )
        cls._create_product_invoice(cls.customer, [(cls.gadget, 100, 50)], offset=-400)

    def test_margin_of_last_12_months(self):
        # 800 of revenue and 480 of cost in the last 365 days
        self.assertAlmostEqual(self.customer.margin_ltm, 320.0)
        self.assertAlmostEqual(self.customer.margin_percent_ltm, 0.4)
        self.assertTrue(self.customer.margin_accounting_ready)
        # a contact shows its company's figures
        self.assertAlmostEqual(self.contact.margin_ltm, 320.0)
        # the bridge's revenue of the same period is the same revenue
        self.assertAlmostEqual(self.customer.revenue_ltm, 800.0)

    def test_salesperson_reads_customer_totals(self):
        customer = self.customer.with_user(self.salesman)
        self.assertAlmostEqual(customer.margin_ltm, 320.0)
        self.assertAlmostEqual(customer.margin_percent_ltm, 0.4)

    def test_portal_user_cannot_read_our_margin(self):
        """A customer's portal user reads its own company's partner record:
        our margin on that customer and its tier must not come with it."""
        portal = new_test_user(self.env, login="margin_portal", groups="base.group_portal")
        portal.partner_id.parent_id = self.customer
        customer = self.customer.with_user(portal)
        customer.read(["name"])  # the partner itself stays readable
        for name in ("margin_ltm", "margin_percent_ltm", "profitability_tier"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                customer.read([name])
        self.assertFalse(customer.fields_get(["margin_ltm", "profitability_tier"]))
        # the portal user's own contact still follows its company's tier
        self.customer.profitability_tier = "A"
        # sudo: the portal user cannot read the tier (see above)
        self.assertEqual(portal.partner_id.sudo().profitability_tier, "A")

    def test_customer_without_sales(self):
        prospect = self.env["res.partner"].create({"name": "Prospect"})
        self.assertEqual((prospect.margin_ltm, prospect.margin_percent_ltm), (0.0, 0.0))

    def test_nothing_until_accounting_is_ready(self):
        self.env.company.account_sale_tax_id = False
        self.assertFalse(self.env.company._crm_accounting_ready())
        self.env.invalidate_all()
        self.assertFalse(self.customer.margin_accounting_ready)
        self.assertEqual(self.customer.margin_ltm, 0.0)
        self.assertFalse(self._rows([("move_id", "=", self.invoice.id)]))
        self.assertFalse(self.Report.read_group([], ["margin"], [])[0]["margin"])

    def test_customer_360_page_shows_margins(self):
        arch = etree.fromstring(self.env["res.partner"].get_view(view_type="form")["arch"])
        page = arch.xpath("//page[@name='customer_360']")
        self.assertTrue(page)
        for name in ("margin_ltm", "margin_percent_ltm", "profitability_tier"):
            self.assertTrue(page[0].xpath(f".//field[@name='{name}']"), name)
        self.assertTrue(page[0].xpath(".//button[@name='action_update_profitability_tiers']"))

    def test_queries_do_not_grow_with_partners(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Margin query customer {index}"} for index in range(40)]
        )
        for partner in partners[:5]:
            self._create_product_invoice(partner, [(self.gadget, 1, 50)])
        partners |= self.customer | self.contact
        self._read_margins(partners)  # warm the registry caches
        with self.assertQueryCount(MAX_MARGIN_QUERIES):
            self._read_margins(partners)

    def _read_margins(self, partners):
        self.env.invalidate_all()
        partners = partners.browse(partners.ids)
        partners.fetch(["commercial_partner_id"])
        return [(partner.margin_ltm, partner.margin_percent_ltm) for partner in partners]
