# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Deal lines: their values, the LINES capability, and the generic door's lines."""

import json

from odoo.tests import BaseCase, TransactionCase, tagged

from odoo.addons.external_crm_connector.adapters.items import DealLine, LineRefused
from odoo.addons.external_crm_connector.adapters.lines import (
    currency_code,
    deal_lines,
    discount_percent,
    read_deal_lines,
)
from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.external_crm_connector.exceptions import (
    ExternalCrmError,
    ExternalCrmTransientError,
)

from .common import ExternalCrmCase, sample


@tagged("post_install", "-at_install")
class TestDealLineValues(BaseCase):
    """``DealLine`` and the shared reading: plain Python, no database."""

    def test_values_are_normalised(self):
        line = DealLine(" CAR-6060 ", "Palette\x00 60x60", "1 200,50", "1,200.50", None, 20, 31)
        self.assertEqual(
            line, DealLine("CAR-6060", "Palette 60x60", 1200.5, 1200.5, 0.0, "20", "31")
        )
        self.assertEqual(DealLine("SKU", "", 1, -5).name, "SKU", "the code names a line")
        self.assertEqual(DealLine("SKU", None, 0, -5).unit_price, -5.0, "a credit line")

    def test_what_no_order_line_holds_is_refused(self):
        for args, reason in (
            ((None, None, 1, 1), "the line has neither a name nor a product code"),
            (("A", "A", -1, 1), "the quantity -1 is negative"),
            (("A", "A", None, 1), "the quantity is missing"),
            (("A", "A", float("nan"), 1), "the quantity nan is not a finite number"),
            (("A", "A", 1, "Infinity"), "the unit price 'Infinity' is not a finite number"),
            (("A", "A", 1, ""), "the unit price is missing"),
            (("A", "A", 1, True), "the unit price True is not a finite number"),
            (("A", "A", 1, 1, 120), "the discount 120% is not between 0 and 100"),
            (("A", "A", 1, 1, -5), "the discount -5% is not between 0 and 100"),
            ((["A"], "A", 1, 1), "the product code is not a text: ['A']"),
        ):
            with self.subTest(args=args), self.assertRaises(LineRefused) as caught:
                DealLine(*args)
            self.assertEqual(str(caught.exception), reason)

    def test_discount_amounts_and_currencies(self):
        self.assertEqual(discount_percent("360", 3, 1200), 10.0)
        self.assertEqual(discount_percent(None, 3, 1200), 0.0)
        self.assertEqual(discount_percent(0, 0, 0), 0.0)
        with self.assertRaisesRegex(LineRefused, "on a line worth nothing"):
            discount_percent(5, 0, 10)
        self.assertEqual(currency_code(" mad "), "MAD")
        self.assertIsNone(currency_code(""))
        with self.assertRaisesRegex(LineRefused, "'dirham' is not an ISO 4217 code"):
            currency_code("dirham")

    def test_one_malformed_line_fails_its_deal_with_every_reason(self):
        rows = [{"q": 1}, {"q": -1}, "text", {"q": "x"}]

        def to_line(row):
            return DealLine("A", "A", row["q"], 1)

        with self.assertRaises(ExternalCrmError) as caught:
            deal_lines("D1", "usd", rows, to_line)
        self.assertEqual(
            str(caught.exception),
            "The line items of deal D1 cannot make an order: line 2: the quantity -1 is "
            "negative; line 3 not understood (TypeError: string indices must be integers, "
            "not 'str'); line 4: the quantity 'x' is not a finite number.",
        )
        self.assertEqual(deal_lines("D1", "usd", rows[:1], to_line)[0], "USD")

    def test_a_failed_batch_fails_its_deals_only(self):
        def read_chunk(client, ids):
            if "3" in ids:
                raise ExternalCrmTransientError("HTTP 503", retry_after=5)
            if "5" in ids:
                raise KeyError("results")
            return {deal_id: ("MAD", []) for deal_id in ids if deal_id != "1"}

        with self.assertLogs("odoo.addons.external_crm_connector.adapters.reading", "WARNING"):
            found = read_deal_lines([5, 4, 3, 2, 1, 1], lambda: None, 2, read_chunk, None, "t")
        self.assertEqual(list(found), ["1", "2", "3", "4", "5"])
        self.assertIsInstance(found["1"], ExternalCrmError)
        self.assertIn("no longer exists", str(found["1"]))
        self.assertEqual(found["2"], ("MAD", []))
        self.assertIsInstance(found["3"], ExternalCrmTransientError)
        self.assertIs(found["3"], found["4"])
        self.assertIn("did not understand (KeyError: 'results')", str(found["5"]))
        self.assertEqual(read_deal_lines([], None, 2, read_chunk, None, "test"), {})


@tagged("post_install", "-at_install")
class TestGenericDealLines(ExternalCrmCase, TransactionCase):
    """The generic door's deals come with their lines: nothing to read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()

    def _record(self, data):
        event = self._store(self.generic, self._item("deal", "ext-D-9", data))
        return get_provider(self.generic).fetch(event)[event.id]

    def test_the_sample_deal_comes_with_its_lines(self):
        events = self._store(self.generic, sample("generic_won_deal_with_lines.json"))
        record = get_provider(self.generic).fetch(events)[events.id]
        self.assertEqual(record.currency, "MAD")
        self.assertEqual(
            record.lines,
            [
                DealLine("CAR-6060", "Palette de carreaux 60x60", 3.0, 1200.0, 10.0),
                DealLine("LIV-CASA", "Livraison Casablanca", 1.0, 450.0, 0.0),
            ],
        )
        self.assertEqual(record.values["name"], "Carrelage showroom Anfa")
        self.assertEqual(json.loads(events.payload)["data"]["lines"][1]["unit_price"], 450)

    def test_lines_tax_code_and_line_id(self):
        record = self._record(
            {
                "name": "D",
                "currency": "eur",
                "lines": [
                    {
                        "sku": "A",
                        "name": "A",
                        "quantity": "2",
                        "unit_price": "9,50",
                        "discount": "5",
                        "tax_code": "TVA 20",
                        "id": "L1",
                    }
                ],
            }
        )
        self.assertEqual(
            (record.currency, record.lines),
            ("EUR", [DealLine("A", "A", 2.0, 9.5, 5.0, "TVA 20", "L1")]),
        )

    def test_a_deal_without_lines_and_an_empty_list(self):
        record = self._record({"name": "D", "currency": "MAD"})
        self.assertEqual((record.currency, record.lines), ("MAD", None))
        self.assertEqual(self._record({"name": "D", "lines": []}).lines, [])
        company = self._store(self.generic, self._item("company", "C-1", {"name": "C"}))
        self.assertIsNone(get_provider(self.generic).fetch(company)[company.id].lines)

    def test_malformed_lines_are_the_deals_error_and_the_deal_is_read(self):
        record = self._record(
            {
                "name": "Typos",
                "currency": "dirham",
                "lines": [
                    {"sku": "A", "quantity": 1, "unit_price": 1},
                    {"sku": "B", "quantity": -2, "unit_price": 1},
                    ["not", "an", "object"],
                    {"name": "No price", "quantity": 1},
                ],
            }
        )
        self.assertEqual(record.values["name"], "Typos")
        self.assertIsNone(record.currency)
        self.assertIsInstance(record.lines, ExternalCrmError)
        self.assertEqual(
            str(record.lines),
            "The line items of deal ext-D-9 cannot make an order: the currency 'dirham' is "
            "not an ISO 4217 code; line 2: the quantity -2 is negative; line 3: ['not', "
            "'an', 'object'] is not a JSON object; line 4: the unit price is missing.",
        )
        record = self._record({"name": "D", "lines": {"sku": "A"}})
        self.assertEqual(
            str(record.lines), "The 'lines' of deal ext-D-9 must be a list of JSON objects."
        )

    def test_a_deal_with_lines_is_processed_as_before(self):
        events = self._deliver(self.generic, sample("generic_won_deal_with_lines.json"))
        self.assertEqual(events.state, "done", events.last_error)
        self.assertEqual(events.lead_id.name, "Carrelage showroom Anfa")
        self.assertEqual(events.lead_id.stage_id, self.won_stage)
