# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestCreditLevels(CrmCreditAlertCommon):
    """Levels and messages at each boundary of the policy."""

    def _money(self, amount):
        return format_amount(self.env, amount, self.currency)

    def _level_of(self, partner):
        lead = self._create_opportunity(partner)
        return self._alert(lead)[0]

    def test_customer_without_invoices_has_no_alert(self):
        lead = self._create_opportunity(self.customer)
        self.assertEqual(self._alert(lead), ("none", False))

    def test_grace_days_boundary(self):
        self.company.credit_alert_grace_days = 5
        in_grace = self._create_customer("In grace")
        self._create_invoice(in_grace, 100, -30, -5)
        past_grace = self._create_customer("Past grace")
        self._create_invoice(past_grace, 100, -30, -6)
        self.assertEqual(self._level_of(in_grace), "none")
        lead = self._create_opportunity(past_grace)
        self.assertEqual(
            self._alert(lead),
            ("warning", f"1 overdue invoice, {self._money(100)}, oldest 6 days overdue"),
        )

    def test_minimum_overdue_amount_boundary(self):
        self.company.credit_alert_min_overdue_amount = 500.0
        below = self._create_customer("Below minimum")
        self._create_invoice(below, 499.99, -30, -10)
        at = self._create_customer("At minimum")
        self._create_invoice(at, 500.0, -30, -10)
        self.assertEqual(self._level_of(below), "none")
        self.assertEqual(self._level_of(at), "warning")

    def test_minimum_amount_also_stops_the_block(self):
        self.company.credit_alert_min_overdue_amount = 500.0
        small_but_old = self._create_customer("Small but old")
        self._create_invoice(small_but_old, 100.0, -200, -150)
        self.assertEqual(self._level_of(small_but_old), "none")

    def test_block_days_boundary(self):
        warned = self._create_customer("59 days")
        self._create_invoice(warned, 100, -90, -59)
        blocked = self._create_customer("60 days")
        self._create_invoice(blocked, 100, -90, -60)
        self.assertEqual(self._level_of(warned), "warning")
        self.assertEqual(self._level_of(blocked), "block")
        self.company.credit_alert_block_days = 61
        self.assertEqual(self._level_of(blocked), "warning")

    def test_block_counts_from_the_due_date_not_the_grace(self):
        self.company.credit_alert_grace_days = 10
        late = self._create_customer("Late")
        self._create_invoice(late, 100, -90, -60)
        lead = self._create_opportunity(late)
        self.assertEqual(
            self._alert(lead),
            ("block", f"1 overdue invoice, {self._money(100)}, oldest 60 days overdue"),
        )

    def test_credit_limit_boundary(self):
        at_limit = self._create_customer("At the limit")
        over_limit = self._create_customer("Over the limit")
        self._use_credit_limit(at_limit, over_limit, limit=1000.0)
        self._create_invoice(at_limit, 1000.0, -5, 25)
        self._create_invoice(over_limit, 1000.01, -5, 25)
        at_lead = self._create_opportunity(at_limit)
        over_lead = self._create_opportunity(over_limit)
        # exactly at the limit is not over it, but the warning percentage is reached
        self.assertEqual(self._alert(at_lead), ("warning", f"{self._money(0)} of credit left"))
        self.assertEqual(
            self._alert(over_lead),
            (
                "block",
                f"{self._money(0.01)} over the credit limit of {self._money(1000)}",
            ),
        )
        self.company.credit_alert_block_on_limit = False
        self.assertEqual(self._alert(over_lead)[0], "warning")

    def test_credit_limit_agrees_with_the_bridge(self):
        self._use_credit_limit(self.customer, limit=5000.0)
        self._create_invoice(self.customer, 4200.0, -5, 25)
        self._create_order(self.customer, 300.0, confirm=True)
        lead = self._create_opportunity(self.customer)
        self.env.invalidate_all()
        self.assertAlmostEqual(self.customer.credit_available, 500.0, places=2)
        self.assertEqual(
            self._alert(lead),
            ("warning", f"{self._money(self.customer.credit_available)} of credit left"),
        )

    def test_warning_percentage_boundary(self):
        below = self._create_customer("79.99%")
        at = self._create_customer("80%")
        self._use_credit_limit(below, at, limit=1000.0)
        self._create_invoice(below, 799.99, -5, 25)
        self._create_invoice(at, 800.0, -5, 25)
        self.assertEqual(self._level_of(below), "none")
        self.assertEqual(self._level_of(at), "warning")
        self.company.credit_alert_warn_percent = 0.0  # off
        self.assertEqual(self._level_of(at), "none")
        self.company.credit_alert_warn_percent = 100.0
        self.assertEqual(self._level_of(at), "none")

    def test_confirmed_orders_count_against_the_limit(self):
        """A customer over its limit with orders not yet invoiced, no invoice."""
        self._use_credit_limit(self.customer, limit=1000.0)
        self._create_order(self.customer, 1200.0, confirm=True)
        lead = self._create_opportunity(self.customer)
        self.assertEqual(
            self._alert(lead),
            ("block", f"{self._money(200)} over the credit limit of {self._money(1000)}"),
        )

    def test_no_credit_alert_when_the_company_uses_no_credit_limit(self):
        self._use_credit_limit(self.customer, limit=1000.0)
        self._create_invoice(self.customer, 5000.0, -5, 25)
        self.company.account_use_credit_limit = False
        self.assertEqual(self._level_of(self.customer), "none")

    def test_message_gives_every_figure(self):
        self._use_credit_limit(self.customer, limit=20000.0)
        self._create_invoice(self.customer, 2450.0, -80, -47)
        self._create_invoice(self.customer, 6000.0, -60, -30)
        self._create_invoice(self.customer, 4000.0, -40, -10)
        self._create_invoice(self.customer, 5550.0, -5, 25)  # not due yet
        lead = self._create_opportunity(self.customer)
        self.assertEqual(
            self._alert(lead),
            (
                "warning",
                f"3 overdue invoices, {self._money(12450)}, oldest 47 days overdue; "
                f"{self._money(2000)} of credit left",
            ),
        )

    def test_message_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.salesman.lang = "fr_FR"
        self._create_invoice(self.customer, 12450.0, -80, -47)
        lead = self._create_opportunity(self.customer)
        # the web client sends the user's language in the context
        message = self._alert(lead.with_context(lang="fr_FR"), user=self.salesman)[1]
        amount = format_amount(self.env(context={"lang": "fr_FR"}), 12450.0, self.currency)
        self.assertIn(amount, message)
        self.assertNotEqual(amount, self._money(12450.0))

    def test_contact_shows_the_company_figures(self):
        self._create_invoice(self.customer, 100, -90, -70)
        company_lead = self._create_opportunity(self.customer)
        contact_lead = self._create_opportunity(self.contact)
        self.assertEqual(self._alert(contact_lead), self._alert(company_lead))
        self.assertEqual(self._alert(contact_lead)[0], "block")

    def test_invoice_of_a_contact_counts_for_the_company(self):
        self._create_invoice(self.contact, 100, -90, -70)
        self.assertEqual(self._level_of(self.customer), "block")

    def test_no_partner_no_alert(self):
        lead = self._create_opportunity(self.env["res.partner"])
        self.assertEqual(self._alert(lead), ("none", False))

    def test_won_and_lost_opportunities_are_not_alerted(self):
        self._create_invoice(self.customer, 100, -90, -70)
        won = self._create_opportunity(self.customer)
        won.stage_id = self.won_stage
        lost = self._create_opportunity(self.customer)
        lost.action_set_lost()
        self.assertEqual(self._alert(won), ("none", False))
        self.assertEqual(self._alert(lost), ("none", False))
        # the same customer on an open opportunity is blocked
        self.assertEqual(self._level_of(self.customer), "block")

    def test_accounting_not_ready_gives_no_level_and_says_why(self):
        self._create_invoice(self.customer, 100, -90, -70)
        lead = self._create_opportunity(self.customer)
        self.company.account_sale_tax_id = False
        self.assertEqual(self._alert(lead), ("none", False))
        self.assertFalse(lead.crm_accounting_ready)
        self.assertIn("Set the default sales tax", lead.crm_accounting_readiness_message)

    def test_payment_clears_the_alert_at_the_next_read(self):
        invoice = self._create_invoice(self.customer, 100, -90, -70)
        lead = self._create_opportunity(self.customer)
        self.assertEqual(self._alert(lead)[0], "block")
        self._register_payment(invoice, 60)
        self.assertEqual(
            self._alert(lead),
            ("block", f"1 overdue invoice, {self._money(40)}, oldest 70 days overdue"),
        )
        self._register_payment(invoice, 40)
        self.assertEqual(self._alert(lead), ("none", False))

    def test_unallocated_payment_lowers_the_overdue_amount(self):
        self.company.credit_alert_min_overdue_amount = 50.0
        self._create_invoice(self.customer, 100, -90, -70)
        self._create_unallocated_payment(self.customer, 60, -1)
        self.assertEqual(self._level_of(self.customer), "none")

    def test_quotation_shows_the_customer_alert(self):
        self._create_invoice(self.customer, 100, -90, -70)
        order = self._create_order(self.contact, 50.0)
        self.assertEqual(
            self._alert(order, user=self.salesman),
            ("block", f"1 overdue invoice, {self._money(100)}, oldest 70 days overdue"),
        )
        order.action_cancel()
        self.assertEqual(self._alert(order), ("none", False))


@tagged("post_install", "-at_install")
class TestCreditLevelsSalesperson(CrmCreditAlertCommon):
    """A salesperson sees the alert, never the invoices behind it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(cls.customer, 1200, -90, -65)
        cls.lead = cls._create_opportunity(cls.customer)

    def test_salesperson_reads_level_and_message(self):
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        self.assertFalse(self.salesman.has_group("account.group_account_readonly"))
        self.assertEqual(
            self._alert(self.lead, user=self.salesman),
            (
                "block",
                "1 overdue invoice, "
                f"{format_amount(self.env, 1200, self.currency)}, oldest 65 days overdue",
            ),
        )

    def test_salesperson_cannot_open_the_invoices(self):
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.salesman).read(["amount_total"])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).read(["credit_limit"])


@tagged("post_install", "-at_install")
class TestCreditLevelsMultiCompany(CrmCreditAlertCommon):
    """Each company applies its own policy to its own books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Credit company 2")["company"]
        cls.company_2.credit_alert_block_days = 30
        cls.both_companies = cls.company + cls.company_2
        cls.multi_salesman = new_test_user(
            cls.env,
            login="credit_multi_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.both_companies.ids)],
        )
        # 40 days overdue in company 1 only: a warning there (block at 60)
        cls._create_invoice(cls.customer, 100, -70, -40)
        cls.lead_1 = cls._create_opportunity(cls.customer, user=cls.multi_salesman)
        cls.lead_2 = cls._create_opportunity(
            cls.customer, user=cls.multi_salesman, company=cls.company_2
        )

    def _levels(self, leads, companies):
        self.env.invalidate_all()
        leads = leads.with_user(self.multi_salesman).with_context(allowed_company_ids=companies.ids)
        return {lead.id: lead.credit_alert_level for lead in leads}

    def test_each_lead_reads_the_books_of_its_company(self):
        self.assertEqual(
            self._levels(self.lead_1 + self.lead_2, self.both_companies),
            {self.lead_1.id: "warning", self.lead_2.id: "none"},
        )
        self.assertEqual(
            self._levels(self.lead_2 + self.lead_1, self.company_2 + self.company),
            {self.lead_1.id: "warning", self.lead_2.id: "none"},
        )

    def test_each_company_applies_its_own_policy(self):
        self._create_invoice(self.customer, 100, -70, -40, company=self.company_2)
        self.assertEqual(
            self._levels(self.lead_1 + self.lead_2, self.both_companies),
            {self.lead_1.id: "warning", self.lead_2.id: "block"},
        )

    def test_search_follows_the_company_of_each_lead(self):
        self._create_invoice(self.customer, 100, -70, -40, company=self.company_2)
        leads = (
            self.env["crm.lead"]
            .with_user(self.multi_salesman)
            .with_context(allowed_company_ids=self.both_companies.ids)
        )
        domain = [("id", "in", (self.lead_1 + self.lead_2).ids)]
        self.assertEqual(leads.search([*domain, ("credit_alert_level", "=", "block")]), self.lead_2)
        self.assertEqual(
            leads.search([*domain, ("credit_alert_level", "=", "warning")]), self.lead_1
        )
        only_1 = leads.with_context(allowed_company_ids=self.company.ids)
        self.assertEqual(
            only_1.search([*domain, ("credit_alert_level", "!=", "none")]), self.lead_1
        )
