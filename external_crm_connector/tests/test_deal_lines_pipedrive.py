# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive deals' products and currency, through a fake Pipedrive API v2."""

import json

from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.items import DealLine
from odoo.addons.external_crm_connector.adapters.provider import get_provider

from .common import sample
from .deal_lines_common import DealLinesCase, sample_lines
from .test_pipedrive import PipedriveCase

SAMPLE = json.loads(sample("pipedrive_deal_products.json"))["response"]


@tagged("post_install", "-at_install")
class TestPipedriveDealLines(DealLinesCase, PipedriveCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lines_backend = cls.pipedrive

    def setUp(self):
        super().setUp()
        fake = self.fake
        fake.add("product", 88, {"name": "Palette de carreaux 60x60", "code": "CAR-6060"})
        fake.add("product", 91, {"name": "Livraison Casablanca", "code": "LIV-CASA"})
        fake.add("product", 77, {"name": "Mosaic", "code": "ZZZ-404"})
        for row in SAMPLE["data"]:
            fake.add_deal_product(row["deal_id"], row["id"], row)
        # a second currency; a discount as an amount off the line; a product
        # deleted since (no code); a line disabled on the deal
        fake.add_deal_product(
            1209,
            41,
            {
                "product_id": 77,
                "name": "Mosaic",
                "item_price": 100,
                "quantity": 4,
                "discount": 40,
                "discount_type": "amount",
                "currency": "EUR",
            },
        )
        fake.add_deal_product(
            1209,
            42,
            {
                "product_id": 99,
                "name": "Old tile",
                "item_price": 10,
                "quantity": 1,
                "currency": "EUR",
            },
        )
        fake.add_deal_product(
            1209,
            43,
            {
                "product_id": 77,
                "name": "Not sold",
                "item_price": 10,
                "quantity": 1,
                "currency": "EUR",
                "is_enabled": False,
            },
        )

    def test_products_and_currency_of_each_deal(self):
        found = self._read([1207, 1208, "1209"])
        self.assertEqual(
            found,
            {
                "1207": (
                    "MAD",
                    sample_lines("31", "32"),
                ),
                "1208": (None, []),
                "1209": (
                    "EUR",
                    [
                        DealLine("ZZZ-404", "Mosaic", 4.0, 100.0, 10.0, None, "41"),
                        DealLine(None, "Old tile", 1.0, 10.0, 0.0, None, "42"),
                    ],
                ),
            },
        )
        self.assertEqual(len(self.fake.calls("/api/v2/deals/products")), 1)
        self.assertEqual(len(self.fake.calls("/api/v2/products")), 1)
        products = self.fake.calls("/api/v2/products")[0][2]
        self.assertEqual(sorted(products["ids"].split(",")), ["77", "88", "91", "99"])

    def test_malformed_lines_and_mixed_currencies_fail_their_deal(self):
        self.fake.add_deal_product(
            1210,
            51,
            {
                "product_id": 88,
                "name": "Minus",
                "item_price": 10,
                "quantity": -1,
                "currency": "MAD",
            },
        )
        self.fake.add_deal_product(
            1210,
            52,
            {
                "product_id": 88,
                "name": "Odd",
                "item_price": 10,
                "quantity": 1,
                "discount": 1,
                "discount_type": "coupon",
                "currency": "MAD",
            },
        )
        self.fake.add_deal_product(
            1211,
            53,
            {"product_id": 88, "name": "A", "item_price": 1, "quantity": 1, "currency": "MAD"},
        )
        self.fake.add_deal_product(
            1211,
            54,
            {"product_id": 88, "name": "B", "item_price": 1, "quantity": 1, "currency": "EUR"},
        )
        found = self._read([1210, 1211, 1208, "D-1"])
        self.assertEqual(found["1208"], (None, []))
        self.assertEqual(
            str(found["1210"]),
            "The line items of deal 1210 cannot make an order: line 1: the quantity -1 is "
            "negative; line 2: the discount type 'coupon' is not known.",
        )
        self.assertIn("several currencies (EUR, MAD)", str(found["1211"]))
        self.assertEqual(str(found["D-1"]), "'D-1' is not a Pipedrive deal id")

    def test_250_deals_by_100_with_cursor_pages(self):
        self.fake.records["deal_product"].clear()
        for deal in range(250):
            for line in range(6):
                self.fake.add_deal_product(
                    5000 + deal,
                    10000 + deal * 10 + line,
                    {
                        "product_id": 88 if line % 2 else 91,
                        "name": f"Line {line}",
                        "item_price": 1,
                        "quantity": 1,
                        "currency": "MAD",
                    },
                )
        found = self._read([5000 + deal for deal in range(250)])
        self.assertTrue(all(len(lines) == 6 for _currency, lines in found.values()))
        self.assertEqual(found["5249"][1][1].reference, "CAR-6060")
        # 600 products for each 100 deals: 2 pages of 500; 300 for the last 50
        self.assertEqual(len(self.fake.calls("/api/v2/deals/products")), 2 + 2 + 1)
        self.assertEqual(len(self.fake.calls("/api/v2/products")), 3)

    def test_rate_limit_and_server_errors(self):
        self._check_rate_limits("/api/v2/deals/products", "/api/v2/products", "1207", "1208")

    def test_the_deal_record_carries_its_currency(self):
        self.fake.add("deal", 1207, {"title": "Showroom Anfa", "currency": "MAD"})
        records, _cursor = get_provider(self.pipedrive).import_page("deal", None)
        self.assertEqual(
            [(r.external_id, r.currency, r.lines) for r in records], [("1207", "MAD", None)]
        )
