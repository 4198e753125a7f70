# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order-to-cash report names the external CRM a won deal came from."""

from odoo.tests import tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon

from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestCycleSource(ExternalCrmCase, CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the accounting test user sets the connector up as an administrator would
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.generic.write({"order_creation": True})
        cls.env["product.product"].create(
            {
                "name": "Palette de carreaux 60x60",
                "default_code": "CAR-6060",
                "list_price": 999.0,
                "type": "consu",
                "invoice_policy": "order",
            }
        )
        cls.Cycle = cls.env["crm.order.cash.cycle"]

    def setUp(self):
        super().setUp()
        self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )
        line = {"sku": "CAR-6060", "name": "Carreaux", "quantity": 3, "unit_price": 1200}
        deal = {
            "name": "Carrelage showroom Anfa",
            "amount": 3600,
            "currency": self.env.company.currency_id.name,
            "stage": "won",
            "company_id": "ext-C-100",
            "lines": [line],
        }
        self._deliver(self.generic, [self._item("deal", "ext-D-301", deal)])
        self.binding = self._binding(self.generic, "deal", "ext-D-301")
        self.deal = self.binding.lead_id
        self.customer_ext = self.deal.partner_id.commercial_partner_id
        self.in_odoo = self.env["crm.lead"].create(
            {"name": "Won in Odoo", "type": "opportunity", "partner_id": self.customer_ext.id}
        )
        self.in_odoo.stage_id = self.won_stage

    def _source(self, lead):
        self.env.invalidate_all()
        return self.Cycle.search([("opportunity_id", "=", lead.id)]).source

    def test_a_bound_deal_shows_its_backend(self):
        self.assertTrue(self.deal.stage_id.is_won)
        self.assertTrue(self.binding.order_id)
        self.assertEqual(self._source(self.deal), "Zapier")
        self.assertEqual(self._source(self.in_odoo), "Odoo")
        row = self.Cycle.search([("opportunity_id", "=", self.deal.id)])
        self.assertAlmostEqual(row.amount_ordered, self.binding.order_id.amount_total, places=2)

    def test_group_by_source(self):
        groups = self.Cycle._read_group(
            [("partner_id", "=", self.customer_ext.id)], ["source"], ["__count"]
        )
        self.assertEqual(dict(groups), {"Zapier": 1, "Odoo": 1})

    def test_the_backend_is_named_as_it_is_now_and_after_its_binding_is_archived(self):
        self.generic.name = "Zapier EU"
        self.binding.active = False
        self.assertEqual(self._source(self.deal), "Zapier EU")
