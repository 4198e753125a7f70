# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmCreditAlertCommon


class CreditPipelineCase(CrmCreditAlertCommon):
    """Opportunities of customers at every level, archived and won ones too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.blocked = cls._create_blocked_customer("Blocked")
        cls.warned = cls._create_customer("Warned")
        cls._create_invoice(cls.warned, 100, -30, -10)
        cls.fine = cls._create_customer("Fine")
        cls._create_invoice(cls.fine, 100, -5, 25)
        cls.over_limit = cls._create_customer("Over the limit with orders only")
        cls._use_credit_limit(cls.over_limit, cls.fine, limit=1000.0)
        cls._create_order(cls.over_limit, 1500.0, confirm=True)
        cls.blocked_contact = cls.env["res.partner"].create(
            {"name": "Blocked contact", "parent_id": cls.blocked.id}
        )
        cls.lead_blocked = cls._create_opportunity(cls.blocked)
        cls.lead_contact = cls._create_opportunity(cls.blocked_contact)
        cls.lead_warned = cls._create_opportunity(cls.warned)
        cls.lead_fine = cls._create_opportunity(cls.fine)
        cls.lead_over_limit = cls._create_opportunity(cls.over_limit)
        cls.lead_nobody = cls._create_opportunity(cls.env["res.partner"])
        cls.lead_won = cls._create_opportunity(cls.blocked, stage_id=cls.won_stage.id)
        cls.lead_lost = cls._create_opportunity(cls.blocked)
        cls.lead_lost.action_set_lost()
        cls.all_leads = (
            cls.lead_blocked
            | cls.lead_contact
            | cls.lead_warned
            | cls.lead_fine
            | cls.lead_over_limit
            | cls.lead_nobody
            | cls.lead_won
            | cls.lead_lost
        )


@tagged("post_install", "-at_install")
class TestCreditSearch(CreditPipelineCase):
    """The "Credit warning" and "Credit blocked" filters."""

    def _search(self, operator, value, user=None):
        leads = self.env["crm.lead"].with_context(active_test=False)
        if user:
            leads = leads.with_user(user)
        return leads.search(
            [("id", "in", self.all_leads.ids), ("credit_alert_level", operator, value)]
        )

    def test_credit_blocked_filter(self):
        self.assertEqual(
            self._search("=", "block"),
            self.lead_blocked | self.lead_contact | self.lead_over_limit,
        )

    def test_credit_warning_filter(self):
        self.assertEqual(self._search("=", "warning"), self.lead_warned)

    def test_no_alert(self):
        self.assertEqual(
            self._search("=", "none"),
            self.lead_fine | self.lead_nobody | self.lead_won | self.lead_lost,
        )

    def test_other_operators(self):
        alerted = self.lead_blocked | self.lead_contact | self.lead_over_limit | self.lead_warned
        self.assertEqual(self._search("in", ["warning", "block"]), alerted)
        self.assertEqual(self._search("!=", "none"), alerted)
        self.assertEqual(self._search("not in", ["none", "warning"]), self._search("=", "block"))
        self.assertEqual(self._search("in", ["none", "warning", "block"]), self.all_leads)
        self.assertEqual(self._search("=", False), self.env["crm.lead"])
        with self.assertRaisesRegex(UserError, "cannot be searched"):
            self._search("ilike", "block")

    def test_malformed_value_refused_clearly(self):
        """A domain sent over RPC may hold anything: a clear error, no TypeError."""
        for operator, value in (
            ("in", [["block"]]),
            ("=", {"level": "block"}),
            ("not in", [{"x": 1}]),
            ("in", [3]),
        ):
            with self.assertRaisesRegex(UserError, "not a credit alert level", msg=value):
                self._search(operator, value)

    def test_search_agrees_with_the_computed_level(self):
        self.env.invalidate_all()
        for level in ("none", "warning", "block"):
            found = self._search("=", level)
            self.assertEqual(
                found,
                self.all_leads.filtered(lambda lead, level=level: lead.credit_alert_level == level),
            )

    def test_salesperson_filters_too(self):
        self.assertEqual(
            self._search("=", "block", user=self.salesman),
            self.lead_blocked | self.lead_contact | self.lead_over_limit,
        )

    def test_payment_takes_the_customer_out_of_the_filter(self):
        invoice = self.env["account.move"].search(
            [("partner_id", "=", self.blocked.id), ("move_type", "=", "out_invoice")]
        )
        self._register_payment(invoice, 100)
        self.assertEqual(self._search("=", "block"), self.lead_over_limit)

    def test_no_alert_anywhere_when_accounting_is_not_ready(self):
        self.company.account_sale_tax_id = False
        self.assertFalse(self._search("!=", "none"))

    def test_orders_are_searched_by_level_too(self):
        """Before, the order's level could not be searched: Odoo logged an
        error and ignored the condition, so every order matched."""
        orders = {
            "blocked": self._create_order(self.blocked_contact, 10.0),
            "warned": self._create_order(self.warned, 10.0),
            "fine": self._create_order(self.fine, 10.0),
        }
        cancelled = self._create_order(self.blocked, 10.0)
        cancelled._action_cancel()
        all_orders = cancelled.union(*orders.values())
        sale_orders = self.env["sale.order"].with_user(self.salesman)
        self.env.invalidate_all()
        for operator, value in (
            ("=", "block"),
            ("=", "warning"),
            ("=", "none"),
            ("!=", "none"),
            ("in", ["warning", "block"]),
            ("not in", ["block"]),
        ):
            found = sale_orders.search(
                [("id", "in", all_orders.ids), ("credit_alert_level", operator, value)]
            )
            expected = all_orders.filtered_domain([("credit_alert_level", operator, value)])
            self.assertEqual(found, expected, msg=(operator, value))
        self.assertEqual(
            sale_orders.search(
                [("id", "in", all_orders.ids), ("credit_alert_level", "=", "block")]
            ),
            orders["blocked"],
        )
        with self.assertRaisesRegex(UserError, "not a credit alert level"):
            sale_orders.search([("credit_alert_level", "in", [3])])
