# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot deals' line items and currency, read through a fake HubSpot on loopback."""

import json

from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.items import DealLine
from odoo.addons.external_crm_connector.adapters.provider import LINES, get_provider
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmError,
    ExternalCrmTransientError,
)

from .common import ExternalCrmCase, sample
from .deal_lines_common import DealLinesCase, sample_lines

TOKEN = "pat-na1-lines"
SAMPLE = json.loads(sample("hubspot_deal_line_items.json"))
SAMPLE_DEAL = "14938120231"


@tagged("post_install", "-at_install")
class TestHubSpotDealLines(DealLinesCase, ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.hubspot = cls.lines_backend = cls._setup_fake_hubspot(TOKEN, name="HubSpot lines")

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        self.fake.deal_line_items = {}
        self.fake.association_page = 500
        fake = self.fake
        fake.add("deal", SAMPLE_DEAL, {"dealname": "Showroom Anfa", "deal_currency_code": "MAD"})
        for item in SAMPLE["line_items"]["response"]["results"]:
            fake.add_line_item(SAMPLE_DEAL, item["id"], item["properties"])
        fake.add("deal", 501, {"dealname": "Nothing sold yet", "deal_currency_code": "MAD"})
        fake.add("deal", 502, {"dealname": "Madrid", "deal_currency_code": "eur"})
        # a unit discount (an amount off each unit), and a product code Odoo may not know
        fake.add_line_item(
            502,
            8001,
            {
                "name": "Mosaic",
                "hs_sku": "ZZZ-404",
                "quantity": "4",
                "price": "100.00",
                "discount": "5",
                "hs_tax_rate_group_id": "2148420997",
            },
        )

    def test_lines_and_currency_of_each_deal(self):
        self.assertTrue(get_provider(self.hubspot).can(LINES))
        found = self._read([SAMPLE_DEAL, "501", 502])
        self.assertEqual(
            found,
            {
                SAMPLE_DEAL: (
                    "MAD",
                    sample_lines("7330129711", "7330129712"),
                ),
                "501": ("MAD", []),
                "502": (
                    "EUR",
                    [DealLine("ZZZ-404", "Mosaic", 4.0, 100.0, 5.0, "2148420997", "8001")],
                ),
            },
        )
        # what the sample shows: the deals, their associations, their line items
        self.assertEqual(len(self.fake.calls("/crm/v3/objects/deals/batch/read")), 1)
        self.assertEqual(len(self.fake.calls("/crm/v4/associations/deals/line_items")), 1)
        self.assertEqual(len(self.fake.calls("/crm/v3/objects/line_items/batch/read")), 1)

    def test_a_deleted_deal_and_a_malformed_line_fail_their_deal_only(self):
        self.fake.add("deal", 503, {"dealname": "Typos", "deal_currency_code": "MAD"})
        self.fake.add_line_item(503, 8101, {"name": "Minus", "quantity": "-2", "price": "10"})
        self.fake.add_line_item(503, 8102, {"name": "Not a price", "quantity": "1", "price": "NaN"})
        self.fake.add_line_item(503, 8103, {"name": "Fine", "quantity": "1", "price": "10"})
        found = self._read(["503", "404404", "501"])
        self.assertEqual(found["501"], ("MAD", []))
        self.assertIsInstance(found["404404"], ExternalCrmError)
        self.assertIn("no longer exists", str(found["404404"]))
        self.assertIsInstance(found["503"], ExternalCrmError)
        self.assertEqual(
            str(found["503"]),
            "The line items of deal 503 cannot make an order: line 1: the quantity -2 is "
            "negative; line 2: the unit price 'NaN' is not a finite number.",
        )

    def test_rate_limits_and_server_errors(self):
        self._check_rate_limits(
            "/crm/v4/associations/deals/line_items",
            "/crm/v3/objects/line_items/batch/read",
            SAMPLE_DEAL,
            "502",
        )

    def test_250_deals_in_batches_of_100_and_a_server_error_fails_its_batch(self):
        self._reset_fake_hubspot()
        self.fake.deal_line_items = {}
        for number in range(250):
            deal_id = 100000 + number
            self.fake.add("deal", deal_id, {"deal_currency_code": "MAD"})
            for line in range(2):
                self.fake.add_line_item(
                    deal_id,
                    deal_id * 10 + line,
                    {
                        "name": f"Item {line}",
                        "hs_sku": f"SKU-{line}",
                        "quantity": "1",
                        "price": "10",
                    },
                )
        # the first batch's line items: the server fails at every attempt of the client
        self.fake.fail("/crm/v3/objects/line_items/batch/read", 500, 500, 500, 500)
        found = self._read([100000 + number for number in range(250)])
        failed = [deal for deal, value in found.items() if isinstance(value, Exception)]
        self.assertEqual(failed, [str(100000 + number) for number in range(100)])
        self.assertTrue(all(isinstance(found[deal], ExternalCrmTransientError) for deal in failed))
        self.assertEqual(found["100249"][1][1].reference, "SKU-1")
        # deals: 3 calls of 100; associations: 3; line items: 500 items in 5
        # calls, plus the 3 retries of the failed one
        self.assertEqual(len(self.fake.calls("/crm/v3/objects/deals/batch/read")), 3)
        self.assertEqual(len(self.fake.calls("/crm/v4/associations/deals/line_items")), 3)
        self.assertEqual(len(self.fake.calls("/crm/v3/objects/line_items/batch/read")), 4 + 3)

    def test_all_pages_of_a_deals_line_items(self):
        self.fake.association_page = 1
        found = self._read([SAMPLE_DEAL])
        self.assertEqual(
            [line.reference for line in found[SAMPLE_DEAL][1]], ["CAR-6060", "LIV-CASA"]
        )
        self.assertEqual(len(self.fake.calls("/crm/v4/associations/deals/line_items")), 2)

    def test_the_deal_record_carries_its_currency(self):
        records, _after = get_provider(self.hubspot).import_page("deal", None)
        currencies = {record.external_id: record.currency for record in records}
        self.assertEqual(currencies, {SAMPLE_DEAL: "MAD", "501": "MAD", "502": "EUR"})
        self.assertTrue(all(record.lines is None for record in records))
