# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestSnapshotOverRpc(CrmAccountingBridgeCommon, HttpCase):
    """What the web client asks over HTTP, as a salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman.password = "bridge_salesman"
        cls._create_invoice(cls.customer, 700, -80, -50)
        cls._create_invoice(cls.contact, 300, -10, 20)

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_partner_form_fields(self):
        self.authenticate("bridge_salesman", "bridge_salesman")
        [values] = self._call(
            "res.partner",
            "web_read",
            [self.contact.id],
            specification={
                "receivable_balance": {},
                "overdue_amount": {},
                "oldest_overdue_days": {},
                "aging_bar": {},
                "financial_currency_id": {"fields": {"display_name": {}}},
            },
        )
        self.assertEqual(values["receivable_balance"], 1000.0)
        self.assertEqual(values["overdue_amount"], 700.0)
        self.assertEqual(values["oldest_overdue_days"], 50)
        self.assertIn("31-60 Days", values["aging_bar"])

    def test_customer_360_kanban_page(self):
        self.authenticate("bridge_salesman", "bridge_salesman")
        result = self._call(
            "crm.customer.360",
            "web_search_read",
            domain=[("partner_id", "=", self.customer.id)],
            specification={
                "partner_id": {"fields": {"display_name": {}}},
                "overdue_amount": {},
                "revenue_ltm": {},
                "aging_bar": {},
                "credit_available": {},
            },
            order="overdue_amount desc",
            limit=80,
        )
        self.assertEqual(result["length"], 1)
        [record] = result["records"]
        self.assertEqual(record["partner_id"]["id"], self.customer.id)
        self.assertEqual(record["overdue_amount"], 700.0)
        self.assertEqual(record["revenue_ltm"], 1000.0)

    def test_salesperson_cannot_write_the_report(self):
        self.authenticate("bridge_salesman", "bridge_salesman")
        row = self.env["crm.customer.360"].search([("partner_id", "=", self.customer.id)])
        with self.assertLogs("odoo.http", level="WARNING"), self.assertRaises(Exception) as error:
            self._call("crm.customer.360", "write", row.ids, {"overdue_amount": 0})
        self.assertIn("AccessError", str(error.exception))

    def test_customer_360_ignores_a_malformed_ids_key_in_the_context(self):
        """The report's internal context key comes from the client too: a value
        that is not a list of ids must not reach the SQL statement."""
        self.authenticate("bridge_salesman", "bridge_salesman")
        for bad in ("1; SELECT 1", [self.customer.id, "x"], True, {"a": 1}, 7):
            result = self._call(
                "crm.customer.360",
                "web_search_read",
                domain=[("partner_id", "=", self.customer.id)],
                specification={"overdue_amount": {}},
                context={"crm_customer_360_ids": bad},
            )
            self.assertEqual(result["length"], 1, bad)
            self.assertEqual(result["records"][0]["overdue_amount"], 700.0, bad)
