# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce opportunities' line items and currency, through a fake Salesforce."""

import json

from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.items import DealLine
from odoo.addons.external_crm_connector.adapters.salesforce.ids import id18

from .common import sample
from .deal_lines_common import DealLinesCase, sample_lines
from .test_salesforce import ORG, SalesforceCase

SAMPLE = json.loads(sample("salesforce_opportunity_line_items.json"))["response"]
SAMPLE_DEAL = "0065g00000XyZabAAB"
EMPTY_DEAL = "0065e00000Dl002AAB"
EURO_DEAL = "0065e00000Dl003AAB"


def opportunity_id(number):
    return id18(f"0065e{number:010d}")


@tagged("post_install", "-at_install")
class TestSalesforceDealLines(DealLinesCase, SalesforceCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lines_backend = cls._setup_salesforce_api()

    def setUp(self):
        super().setUp()
        fake = self.fake
        fake.reset()
        fake.add("Organization", ORG, {"DefaultCurrencyIsoCode": "MAD"})
        fake.add("Opportunity", SAMPLE_DEAL, {"Name": "Showroom Anfa", "CurrencyIsoCode": "MAD"})
        for record in SAMPLE["records"]:
            fields = {k: v for k, v in record.items() if k not in ("attributes", "Id")}
            fake.add("OpportunityLineItem", record["Id"], fields)
        fake.add("Opportunity", EMPTY_DEAL, {"Name": "Nothing sold yet", "CurrencyIsoCode": "MAD"})
        fake.add("Opportunity", EURO_DEAL, {"Name": "Madrid", "CurrencyIsoCode": "EUR"})
        fake.add(
            "OpportunityLineItem",
            "00k5e00000AbCdZAAV",
            {
                "OpportunityId": EURO_DEAL,
                "ProductCode": "ZZZ-404",
                "Name": "Mosaic",
                "Quantity": 4.0,
                "UnitPrice": 100.0,
                "Discount": 5.0,
            },
        )

    def test_lines_and_currency_of_each_opportunity(self):
        found = self._read([SAMPLE_DEAL, EMPTY_DEAL, EURO_DEAL[:15]])
        self.assertEqual(
            found,
            {
                SAMPLE_DEAL: (
                    "MAD",
                    sample_lines("00k5g00000AbCdEAAV", "00k5g00000AbCdFAAV"),
                ),
                EMPTY_DEAL: ("MAD", []),
                # an id in its 15-character form is answered under that id
                EURO_DEAL[:15]: (
                    "EUR",
                    [DealLine("ZZZ-404", "Mosaic", 4.0, 100.0, 5.0, None, "00k5e00000AbCdZAAV")],
                ),
            },
        )
        self.assertEqual(
            [soql.split(" WHERE ")[0] for soql in self.fake.soql()],
            [
                "SELECT Id, CurrencyIsoCode FROM Opportunity",
                "SELECT Id, OpportunityId, ProductCode, Name, Quantity, UnitPrice, Discount "
                "FROM OpportunityLineItem",
            ],
        )

    def test_a_single_currency_org_gives_its_own_currency(self):
        self.fake.multi_currency = False
        ids = [opportunity_id(number) for number in range(250)]
        for deal_id in ids:
            self.fake.add("Opportunity", deal_id, {"Name": deal_id})
        found = self._read([SAMPLE_DEAL, *ids])
        self.assertEqual(found[SAMPLE_DEAL][0], "MAD")
        self.assertEqual(found[ids[-1]], ("MAD", []))
        # refused once, then remembered: the organization's currency is read once
        self.assertEqual(
            [soql.split(" WHERE ")[0] for soql in self.fake.soql()],
            [
                "SELECT Id, CurrencyIsoCode FROM Opportunity",
                "SELECT DefaultCurrencyIsoCode FROM Organization",
                "SELECT Id FROM Opportunity",
                "SELECT Id, OpportunityId, ProductCode, Name, Quantity, UnitPrice, Discount "
                "FROM OpportunityLineItem",
                "SELECT Id FROM Opportunity",
                "SELECT Id, OpportunityId, ProductCode, Name, Quantity, UnitPrice, Discount "
                "FROM OpportunityLineItem",
            ],
        )

    def test_250_opportunities_in_batches_of_200_with_their_pages(self):
        ids = [opportunity_id(number) for number in range(250)]
        for number, deal_id in enumerate(ids):
            self.fake.add("Opportunity", deal_id, {"Name": deal_id, "CurrencyIsoCode": "MAD"})
            for line in range(2):
                self.fake.add(
                    "OpportunityLineItem",
                    id18(f"00k5e{number * 10 + line:010d}"),
                    {
                        "OpportunityId": deal_id,
                        "ProductCode": f"SKU-{line}",
                        "Name": "Item",
                        "Quantity": 1.0,
                        "UnitPrice": 10.0,
                        "Discount": None,
                    },
                )
        self.fake.page_size = 150
        found = self._read(ids)
        self.assertEqual(len(found), 250)
        self.assertTrue(all(len(value[1]) == 2 for value in found.values()))
        # 200 and 50 opportunities: 2 queries of opportunities and 2 of line
        # items; pages of 150 records: 200 opportunities on 2, 400 lines on 3
        self.assertEqual(len(self.fake.soql()), 4)
        self.assertEqual(len(self.fake.calls("/query/")), 1 + 2)

    def test_errors_fail_the_opportunities_concerned(self):
        self.fake.add("Opportunity", opportunity_id(7), {"Name": "Typos", "CurrencyIsoCode": "MAD"})
        self.fake.add(
            "OpportunityLineItem",
            "00k5e00000AbCe1AAV",
            {
                "OpportunityId": opportunity_id(7),
                "ProductCode": "X",
                "Name": "Minus",
                "Quantity": -1.0,
                "UnitPrice": None,
            },
        )
        found = self._read([opportunity_id(7), opportunity_id(8), "not-an-id", EMPTY_DEAL])
        self.assertEqual(found[EMPTY_DEAL], ("MAD", []))
        self.assertEqual(
            str(found[opportunity_id(7)]),
            f"The line items of deal {opportunity_id(7)} cannot make an order: line 1: the "
            "quantity -1 is negative.",
        )
        self.assertIn("no longer exists", str(found[opportunity_id(8)]))
        self.assertEqual(str(found["not-an-id"]), "'not-an-id' is not a Salesforce id")

    def test_rate_limits_and_server_errors(self):
        self._check_rate_limits("/query", "/query", SAMPLE_DEAL, EMPTY_DEAL, status=503)
