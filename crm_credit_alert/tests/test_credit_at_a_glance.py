# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestCreditAtAGlance(CrmCreditAlertCommon):
    """What a salesperson reads and can act on: the badge's amount, the
    banner's sentence, its links, and overdue invoices that credits not yet
    allocated already cover (a note for accounting, not an alert)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        cls.all_leads_salesman = new_test_user(
            cls.env,
            login="credit_all_leads_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _money(self, amount):
        return format_amount(self.env, amount, self.currency)

    def _read(self, record, user=None):
        """``(level, message, badge, summary)`` read afresh, as ``user``."""
        self.env.invalidate_all()
        record = record.with_user(user or self.salesman)
        return (
            record.credit_alert_level,
            record.credit_alert_message,
            record.credit_alert_badge,
            record.credit_alert_summary,
        )

    def _searched(self, level, lead):
        leads = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .search([("credit_alert_level", "=", level), ("id", "=", lead.id)])
        )
        return bool(leads)

    # badge and banner ---------------------------------------------------

    def test_badge_carries_the_overdue_amount(self):
        customer = self._create_customer("Late payer")
        self._create_invoice(customer, 12450, -60, -30)
        lead = self._create_opportunity(customer)
        level, message, badge, summary = self._read(lead)
        self.assertEqual(level, "warning")
        self.assertEqual(badge, f"Overdue {self._money(12450)}")
        # a space after the colon, the figures after it
        self.assertEqual(summary, f"Credit warning: {message}")
        self.assertEqual(
            summary,
            f"Credit warning: 1 overdue invoice, {self._money(12450)}, oldest 30 days overdue",
        )

    def test_badge_and_banner_of_a_blocked_customer(self):
        customer = self._create_customer("Over the limit")
        self._use_credit_limit(customer, limit=1000.0)
        self._create_invoice(customer, 1500, -5, 25)
        lead = self._create_opportunity(customer)
        level, message, badge, summary = self._read(lead)
        self.assertEqual(level, "block")
        self.assertEqual(badge, f"Over limit {self._money(500)}")
        self.assertEqual(summary, f"Credit blocked: {message}")

    def test_no_alert_no_badge_no_banner(self):
        customer = self._create_customer("Good payer")
        self._create_invoice(customer, 500, -5, 25)
        lead = self._create_opportunity(customer)
        self.assertEqual(self._read(lead), ("none", False, False, False))

    def test_views_show_the_badge_and_the_sentence(self):
        lead_model = self.env["crm.lead"].with_user(self.salesman)
        views = lead_model.get_views([(False, "form"), (False, "kanban"), (False, "list")])
        form = views["views"]["form"]["arch"]
        self.assertIn('name="credit_alert_summary"', form)
        self.assertIn('name="action_credit_alert_overdue_items"', form)
        self.assertIn('name="action_credit_alert_customer_360"', form)
        self.assertNotIn("<strong>Credit warning:</strong>", form)
        self.assertIn('name="credit_alert_badge"', views["views"]["kanban"]["arch"])
        self.assertIn('name="credit_alert_badge"', views["views"]["list"]["arch"])
        order_form = (
            self.env["sale.order"].with_user(self.salesman).get_view(view_type="form")["arch"]
        )
        self.assertIn('name="credit_alert_summary"', order_form)

    # links --------------------------------------------------------------

    def test_salesperson_opens_the_overdue_items(self):
        """A salesperson without accounting rights opens the customer's
        overdue invoices that Odoo lets them read: no access error."""
        customer = self._create_customer("Late payer")
        theirs = self._create_invoice(customer, 700, -60, -30, post=False)
        theirs.invoice_user_id = self.salesman
        theirs.action_post()
        others = self._create_invoice(customer, 300, -50, -20)
        self._create_invoice(customer, 900, -5, 25)  # not due
        lead = self._create_opportunity(customer)
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        action = lead.with_user(self.salesman).action_credit_alert_overdue_items()
        self.assertEqual(action["res_model"], "account.move")
        listed = self.env["account.move"].with_user(self.salesman).search(action["domain"])
        # the salesperson's own invoice; another salesperson's stays theirs
        self.assertEqual(listed, theirs)
        # a salesperson of all documents sees both
        action = lead.with_user(self.all_leads_salesman).action_credit_alert_overdue_items()
        listed = (
            self.env["account.move"].with_user(self.all_leads_salesman).search(action["domain"])
        )
        self.assertEqual(listed, theirs | others)
        # the accountant too
        listed = self.env["account.move"].with_user(self.accountant).search(action["domain"])
        self.assertEqual(listed, theirs | others)

    def test_salesperson_opens_customer_360(self):
        customer = self._create_customer("Late payer")
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        self._create_invoice(customer, 700, -60, -30)
        lead = self._create_opportunity(contact)
        action = lead.with_user(self.salesman).action_credit_alert_customer_360()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", customer.id))
        self.env["res.partner"].with_user(self.salesman).browse(action["res_id"]).read(
            ["overdue_amount"]
        )
        order = self._create_order(customer, 100)
        action = order.with_user(self.salesman).action_credit_alert_customer_360()
        self.assertEqual(action["res_id"], customer.id)

    # credits not yet allocated -------------------------------------------

    def test_fully_covered_by_a_credit_note(self):
        customer = self._create_customer("Refunded")
        self._create_invoice(customer, 1000, -100, -80)
        self._create_invoice(customer, 500, -60, -30)
        # a credit note of today, not matched with either invoice
        self._create_invoice(customer, 1500, 0, 0, move_type="out_refund")
        lead = self._create_opportunity(customer)
        level, message, badge, summary = self._read(lead)
        self.assertEqual(level, "none", "no block, no warning for the gross amount")
        self.assertEqual(
            message,
            f"2 overdue invoices, {self._money(1500)}, covered by 1 unallocated credit "
            "note / payment: ask accounting to reconcile",
        )
        self.assertEqual(summary, f"No credit alert: {message}")
        self.assertFalse(badge)
        self.assertTrue(lead.credit_alert_overdue)
        self.assertTrue(self._searched("none", lead))
        self.assertFalse(self._searched("block", lead))
        # nothing blocks its quotations
        lead.with_user(self.salesman).action_new_quotation()

    def test_fully_covered_by_unallocated_payments(self):
        customer = self._create_customer("Paid, not matched")
        self._create_invoice(customer, 1000, -100, -80)
        self._create_unallocated_payment(customer, 600, 0)
        self._create_unallocated_payment(customer, 400, -1)
        lead = self._create_opportunity(customer)
        level, message, _badge, _summary = self._read(lead)
        self.assertEqual(level, "none")
        self.assertEqual(
            message,
            f"1 overdue invoice, {self._money(1000)}, covered by 2 unallocated credit "
            "notes / payments: ask accounting to reconcile",
        )

    def test_partly_covered_warns_on_the_uncovered_amount(self):
        customer = self._create_customer("Partly refunded")
        self._create_invoice(customer, 3000, -60, -40)
        self._create_unallocated_payment(customer, 2000, 0)
        lead = self._create_opportunity(customer)
        level, message, badge, _summary = self._read(lead)
        self.assertEqual(level, "warning")
        self.assertEqual(
            message,
            f"1 overdue invoice, {self._money(1000)} not covered ({self._money(3000)} overdue, "
            f"{self._money(2000)} covered by 1 unallocated credit note / payment: ask "
            "accounting to reconcile), oldest 40 days overdue",
        )
        self.assertEqual(badge, f"Overdue {self._money(1000)}")
        self.assertTrue(self._searched("warning", lead))

    def test_partly_covered_still_blocks_when_old(self):
        customer = self._create_customer("Old and partly refunded")
        self._create_invoice(customer, 3000, -100, -70)
        self._create_invoice(customer, 1000, 0, 0, move_type="out_refund")
        lead = self._create_opportunity(customer)
        level, _message, badge, _summary = self._read(lead)
        self.assertEqual(level, "block")
        self.assertEqual(badge, f"Overdue {self._money(2000)}")
        self.assertTrue(self._searched("block", lead))

    def test_the_minimum_applies_to_the_uncovered_amount(self):
        self.company.credit_alert_min_overdue_amount = 500.0
        customer = self._create_customer("Small rest")
        self._create_invoice(customer, 1000, -60, -40)
        self._create_invoice(customer, 600, 0, 0, move_type="out_refund")
        lead = self._create_opportunity(customer)
        self.assertEqual(self._read(lead)[:2], ("none", False))

    def test_credit_note_in_another_currency_covers_its_company_value(self):
        """Credits count at their value in the company currency: 2,000 EUR
        at 2 EUR for 1 is 1,000."""
        customer = self._create_customer("Euro refund")
        self._create_invoice(customer, 1500, -60, -40)
        self._create_invoice(customer, 2000, 0, 0, move_type="out_refund", currency=self.eur)
        lead = self._create_opportunity(customer)
        level, _message, badge, _summary = self._read(lead)
        self.assertEqual((level, badge), ("warning", f"Overdue {self._money(500)}"))
        # a euro invoice overdue, covered by a credit note in the company currency
        euro_customer = self._create_customer("Euro invoice")
        self._create_invoice(euro_customer, 3000, -60, -40, currency=self.eur)
        self._create_invoice(euro_customer, 1500, 0, 0, move_type="out_refund")
        lead = self._create_opportunity(euro_customer)
        level, message, _badge, _summary = self._read(lead)
        self.assertEqual(level, "none")
        self.assertIn(f"{self._money(1500)}, covered by 1 unallocated", message)

    def test_reconciling_leaves_nothing_to_say(self):
        customer = self._create_customer("Reconciled")
        invoice = self._create_invoice(customer, 1000, -100, -80)
        refund = self._create_invoice(customer, 1000, 0, 0, move_type="out_refund")
        lead = self._create_opportunity(customer)
        self.assertEqual(self._read(lead)[0], "none")
        self.assertTrue(self._read(lead)[1])
        (invoice | refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self._read(lead), ("none", False, False, False))

    def test_the_customer_does_not_read_our_figures(self):
        """A customer's portal user reads its own orders: the alert (our
        judgement of the customer) and its sentences (its overdue figures,
        its credit limit) stay internal."""
        customer = self._create_customer("Portal customer")
        self._use_credit_limit(customer, limit=1000.0)
        self._create_invoice(customer, 1500, -60, -30)
        portal = new_test_user(self.env, login="credit_glance_portal", groups="base.group_portal")
        portal.partner_id.parent_id = customer
        order = self._create_order(portal.partner_id, 100)
        order.message_subscribe(portal.partner_id.ids)  # as sending the quotation does
        order.with_user(portal).read(["name"])  # the order itself stays readable
        for name in (
            "credit_alert_level",
            "credit_alert_message",
            "credit_alert_badge",
            "credit_alert_summary",
            "credit_alert_overdue",
        ):
            with self.subTest(field=name), self.assertRaises(AccessError):
                order.with_user(portal).read([name])
        # the salesperson reads them
        self.env.invalidate_all()
        self.assertIn("over the credit limit", order.with_user(self.salesman).credit_alert_message)
