# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM deals' line items: their accepted quote's, through a fake Zoho CRM."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.items import DealLine

from .deal_lines_common import DealLinesCase, sample_lines
from .test_zoho import ZohoCase

SOLD = "4150868000000250001"
NO_QUOTE = "4150868000000250002"
EURO = "4150868000000250003"
TILES = {
    "name": "Palette de carreaux 60x60",
    "id": "4150868000000300001",
    "Product_Code": "CAR-6060",
}
DELIVERY = {"name": "Livraison Casablanca", "id": "4150868000000300002", "Product_Code": "LIV-CASA"}


def product_line(line_id, product, quantity, price, discount=0, taxes=()):
    """A line of ``Product_Details`` as Zoho's Get Records answers it."""
    total = quantity * price
    return {
        "product": product,
        "quantity": quantity,
        "Discount": discount,
        "total_after_discount": total - discount,
        "net_total": total - discount,
        "book": None,
        "Tax": 0,
        "list_price": price,
        "unit_price": price,
        "quantity_in_stock": 0,
        "total": total,
        "id": line_id,
        "product_description": None,
        "line_tax": [
            {"percentage": tax[1], "name": tax[0], "id": f"tax-{tax[0]}", "value": 0}
            for tax in taxes
        ],
    }


@tagged("post_install", "-at_install")
class TestZohoDealLines(DealLinesCase, ZohoCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lines_backend = cls.zoho

    def setUp(self):
        super().setUp()
        self._quote(
            "4150868000000400001",
            SOLD,
            "Confirmed",
            "MAD",
            [
                product_line("4150868000000410001", TILES, 3, 1200.0, 360.0, [("TVA 20", 20)]),
                product_line("4150868000000410002", DELIVERY, 1, 450.0),
            ],
        )
        # an older quote of the same deal, never accepted: not read
        self._quote(
            "4150868000000400000",
            SOLD,
            "Draft",
            "MAD",
            [
                product_line("4150868000000410000", TILES, 30, 1.0),
            ],
        )
        # a second currency, and the line items of the Quoted_Items subform,
        # whose product lookups carry no code: the products are read
        self.fake.add("product", "4150868000000300009", {"Product_Code": "ZZZ-404"})
        self.fake.add(
            "quote",
            "4150868000000400003",
            {
                "Deal_Name": {"id": EURO, "name": "Madrid"},
                "Quote_Stage": "Closed Won",
                "Currency": "EUR",
                "Quoted_Items": [
                    {
                        "Product_Name": {"name": "Mosaic", "id": "4150868000000300009"},
                        "Quantity": 4,
                        "List_Price": 100.0,
                        "Discount": "5%",
                        "id": "4150868000000410003",
                    }
                ],
            },
        )

    def _quote(self, quote_id, deal_id, stage, currency, lines):
        self.fake.add(
            "quote",
            quote_id,
            {
                "Deal_Name": {"id": deal_id, "name": "Deal"},
                "Quote_Stage": stage,
                "Currency": currency,
                "Product_Details": lines,
            },
        )

    def test_lines_of_the_accepted_quote_of_each_deal(self):
        found = self._read([SOLD, NO_QUOTE, EURO])
        self.assertEqual(
            found,
            {
                SOLD: (
                    "MAD",
                    sample_lines("4150868000000410001", "4150868000000410002", "TVA 20"),
                ),
                NO_QUOTE: (None, []),
                EURO: (
                    "EUR",
                    [DealLine("ZZZ-404", "Mosaic", 4.0, 100.0, 5.0, None, "4150868000000410003")],
                ),
            },
        )
        # the accepted quotes, then those quotes, then the products they lack codes of
        paths = [path for _method, path, _query, _headers, _body in self.fake.requests]
        self.assertEqual(
            [path for path in paths if path.startswith("/crm/v6/")],
            ["/crm/v6/coql", "/crm/v6/Quotes", "/crm/v6/Products"],
        )

    def test_several_accepted_quotes_and_malformed_lines_fail_their_deal(self):
        self._quote("4150868000000400011", NO_QUOTE, "Confirmed", "MAD", [])
        self._quote("4150868000000400012", NO_QUOTE, "Closed Won", "MAD", [])
        self._quote(
            "4150868000000400013",
            "4150868000000250009",
            "Confirmed",
            "MAD",
            [
                product_line("4150868000000410013", TILES, -3, 1200.0),
                product_line("4150868000000410014", TILES, 1, 0.0, 10.0),
            ],
        )
        found = self._read([NO_QUOTE, "4150868000000250009", "Deal-1", SOLD])
        self.assertEqual(len(found[SOLD][1]), 2)
        self.assertEqual(
            str(found[NO_QUOTE]),
            f"The deal {NO_QUOTE} has several accepted quotes (4150868000000400011, "
            "4150868000000400012): leave one accepted, so that its lines make the order.",
        )
        self.assertEqual(
            str(found["4150868000000250009"]),
            "The line items of deal 4150868000000250009 cannot make an order: line 1: the "
            "quantity -3 is negative; line 2: a discount of 10 on a line worth nothing.",
        )
        self.assertEqual(str(found["Deal-1"]), "'Deal-1' is not a Zoho CRM record id")

    def test_fields_the_org_does_not_have_are_left_out(self):
        """One currency (no ``Currency``), line items in the subform only: refused, then
        left out for the rest of the reading."""
        self.fake.unknown_fields = {"Currency", "Product_Details"}
        late = str(4150868000001000059)  # in the second batch of 50 deals
        self.fake.add(
            "quote",
            "4150868000000400059",
            {
                "Deal_Name": {"id": late, "name": "Late"},
                "Quote_Stage": "Confirmed",
                "Quoted_Items": [{"Product_Name": TILES, "Quantity": 1, "List_Price": 5.0}],
            },
        )
        found = self._read([SOLD, EURO, *(str(4150868000001000000 + n) for n in range(60))])
        self.assertEqual(found[SOLD], (None, []))
        self.assertEqual(found[EURO][1][0].reference, "ZZZ-404")
        self.assertEqual(found[late], (None, [DealLine("CAR-6060", TILES["name"], 1, 5.0)]))
        quote_reads = [r for r in self.fake.requests if r[1] == "/crm/v6/Quotes"]
        self.assertEqual(
            [sorted(r[2].split("fields=")[1].split("&")[0].split("%2C")) for r in quote_reads],
            [
                ["Currency", "Deal_Name", "Modified_Time", "Product_Details", "Quoted_Items"],
                ["Deal_Name", "Modified_Time", "Product_Details", "Quoted_Items"],
                ["Deal_Name", "Modified_Time", "Quoted_Items"],
                ["Deal_Name", "Modified_Time", "Quoted_Items"],
            ],
        )

    def test_250_deals_by_50(self):
        for number in range(250):
            deal_id = str(4150868000001000000 + number)
            self._quote(
                str(4150868000002000000 + number),
                deal_id,
                "Confirmed",
                "MAD",
                [
                    product_line(str(4150868000003000000 + number * 2), TILES, 1, 10.0),
                    product_line(str(4150868000003000001 + number * 2), DELIVERY, 1, 5.0),
                ],
            )
        found = self._read([str(4150868000001000000 + number) for number in range(250)])
        self.assertTrue(all(len(value[1]) == 2 for value in found.values()))
        # 5 batches of 50 deals: a query of their quotes and a read of those
        self.assertEqual(len(self.fake.calls("/crm/v6/coql")), 5)
        self.assertEqual(len(self.fake.calls("/crm/v6/Quotes")), 5)
        self.assertEqual(len(self.fake.calls("/crm/v6/Products")), 0)

    def test_rate_limit_and_server_errors(self):
        self._check_rate_limits("/crm/v6/coql", "/crm/v6/Quotes", SOLD, NO_QUOTE)
