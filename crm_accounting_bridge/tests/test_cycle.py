# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time
from statistics import median

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, format_date

from .common import CrmAccountingBridgeCommon

DAY_COUNTS = ("days_to_order", "days_to_confirm", "days_to_invoice", "days_to_pay")


class CashCycleCommon(CrmAccountingBridgeCommon):
    """Won opportunities, their orders, invoices and payments, days relative to today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Cycle Company 2")["company"]
        # the main company only, though the test user has both
        cls.env = cls.env(
            context=dict(cls.env.context, tz="UTC", allowed_company_ids=cls.env.company.ids)
        )
        cls.won_stage = cls.env["crm.stage"].create({"name": "Cycle Won", "is_won": True})
        cls.open_stage = cls.env["crm.stage"].create({"name": "Cycle Open", "sequence": 1})
        cls.service = cls.env["product.product"].create(
            {
                "name": "Cycle Service",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.Cycle = cls.env["crm.order.cash.cycle"]

    @classmethod
    def _noon(cls, offset):
        """Noon (UTC) of today shifted by ``offset`` days."""
        return datetime.combine(cls._day(offset), time(12))

    @classmethod
    def _lead(cls, customer, won=None, user=None, company=None, name="Deal"):
        """An opportunity, won ``won`` days from today (None: left open)."""
        company = company or cls.env.company
        lead = (
            cls.env["crm.lead"]
            .with_company(company)
            .create(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": (user or cls.env.user).id,
                    "company_id": company.id,
                    "stage_id": cls.open_stage.id,
                }
            )
        )
        if won is not None:
            cls._win(lead, won)
        return lead

    @classmethod
    def _win(cls, lead, offset):
        lead.stage_id = cls.won_stage
        # Odoo stamps now; the test says when
        lead.date_closed = cls._noon(offset)

    @classmethod
    def _order(cls, lead, created, qty=10, price=100.0, confirmed=None, pricelist=None):
        """A quotation of ``lead`` created ``created`` days from today,
        confirmed ``confirmed`` days from today unless None."""
        company = lead.company_id
        values = {
            "partner_id": lead.partner_id.id,
            "opportunity_id": lead.id,
            "company_id": company.id,
            "user_id": lead.user_id.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": cls.service.id,
                        "product_uom_qty": qty,
                        "price_unit": price,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }
        if pricelist:
            values["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].with_company(company).create(values)
        order.flush_recordset()
        # the creation time is the database's: the test says when
        cls.env.cr.execute(
            "UPDATE sale_order SET create_date = %s WHERE id = %s", [cls._noon(created), order.id]
        )
        order.invalidate_recordset(["create_date"])
        if confirmed is not None:
            order.action_confirm()
            order.date_order = cls._noon(confirmed)
        return order

    @classmethod
    def _invoice(cls, order, offset, qty=None, post=True):
        """Invoice ``order`` (what is left, or ``qty`` of it) dated ``offset``."""
        invoice = order.with_company(order.company_id)._create_invoices()
        invoice.invoice_date = cls._day(offset)
        if qty is not None:
            invoice.invoice_line_ids.quantity = qty
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, amount, offset, currency=None):
        """A payment of ``amount`` matched with ``invoice``, dated ``offset``."""
        wizard = (
            cls.env["account.payment.register"]
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": cls._day(offset),
                    "currency_id": (currency or invoice.currency_id).id,
                }
            )
        )
        return wizard._create_payments()

    @classmethod
    def _credit_note(cls, invoice, offset, qty):
        """A credit note of ``qty`` units of ``invoice``, matched with it."""
        refund = invoice._reverse_moves(
            [{"invoice_date": cls._day(offset), "date": cls._day(offset)}]
        )
        refund.invoice_line_ids.quantity = qty
        refund.action_post()
        (invoice | refund).line_ids.filtered(
            lambda line: line.display_type == "payment_term" and not line.reconciled
        ).reconcile()
        return refund

    @classmethod
    def _quick_cycle(
        cls, customer, user, won, paid_after, amount=100.0, company=None, pricelist=None, paid=None
    ):
        """A cycle ordered, confirmed and invoiced the day it was won, paid
        (``paid``, by default all) ``paid_after`` days later (None: not paid)."""
        lead = cls._lead(customer, won=won, user=user, company=company)
        order = cls._order(
            lead, created=won, qty=1, price=amount, confirmed=won, pricelist=pricelist
        )
        invoice = cls._invoice(order, won)
        if paid_after is not None:
            cls._pay(invoice, amount if paid is None else paid, won + paid_after)
        return lead

    def _row(self, lead, cycle=None):
        self.env.invalidate_all()
        row = (self.Cycle if cycle is None else cycle).search([("opportunity_id", "=", lead.id)])
        self.assertEqual(len(row), 1, lead.name)
        return row

    def _raw(self, lead, *names, cycle=None):
        """Values of the statement's columns for ``lead``, NULL as None."""
        self.env.flush_all()
        [values] = self.env.execute_query(
            SQL(
                "SELECT %s FROM (%s) cycle WHERE id = %s",
                SQL(", ").join(SQL.identifier(name) for name in names),
                (self.Cycle if cycle is None else cycle)._table_query,
                lead.id,
            )
        )
        return dict(zip(names, values, strict=True))


@tagged("post_install", "-at_install")
class TestCashCycle(CashCycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[(str(cls._day(-3650)), 2.0)]
        )  # 2 EUR for 1 USD
        cls.eur_pricelist = cls.env["product.pricelist"].create(
            {"name": "Cycle EUR", "currency_id": cls.eur.id}
        )
        cls.team = cls.env["crm.team"].create({"name": "Cycle Team"})
        cls.seller = new_test_user(
            cls.env,
            login="cycle_seller",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.env.company.id,
            company_ids=[Command.set((cls.env.company | cls.company_2).ids)],
        )

        # A: partly invoiced twice, a credit note, partly paid; a cancelled order
        cls.lead_a = cls._lead(cls.contact, won=-100, user=cls.seller, name="A")
        cls.lead_a.team_id = cls.team
        # confirmed before the order that counts, then cancelled: left out
        cancelled = cls._order(cls.lead_a, created=-99, qty=5, confirmed=-97)
        cancelled._action_cancel()
        cls.order_a = cls._order(cls.lead_a, created=-98, confirmed=-95)
        cls.invoice_a1 = cls._invoice(cls.order_a, -90, qty=4)
        cls._pay(cls.invoice_a1, 400, -80)
        cls.invoice_a2 = cls._invoice(cls.order_a, -70)
        cls.refund_a = cls._credit_note(cls.invoice_a2, -65, qty=1)
        cls._pay(cls.invoice_a2, 200, -50)

        # B: won, quoted, reopened, won again; in euros, paid in two parts
        cls.lead_b = cls._lead(cls.customer, won=-60, user=cls.seller, name="B")
        cls.order_b = cls._order(
            cls.lead_b, created=-58, qty=2, price=300.0, pricelist=cls.eur_pricelist
        )
        cls.lead_b.stage_id = cls.open_stage
        cls.reopened_b = cls.lead_b.date_closed
        cls._win(cls.lead_b, -55)
        cls.order_b.action_confirm()
        cls.order_b.date_order = cls._noon(-54)
        cls.invoice_b = cls._invoice(cls.order_b, -50)
        cls._pay(cls.invoice_b, 200, -40)
        cls._pay(cls.invoice_b, 400, -30)

        # C: in the second company
        cls.lead_c = cls._lead(cls.customer, won=-25, company=cls.company_2, name="C")
        order_c = cls._order(cls.lead_c, created=-24, qty=2, confirmed=-23)
        cls._pay(cls._invoice(order_c, -20), 200, -10)

        # D: won, nothing ordered yet
        cls.lead_d = cls._lead(cls.customer, won=-40, user=cls.seller, name="D")

        # not in the report: open, lost (archived), won then archived
        cls.lead_open = cls._lead(cls.customer, name="Open")
        cls._order(cls.lead_open, created=-5, confirmed=-4)
        cls.lead_lost = cls._lead(cls.customer, name="Lost")
        cls.lead_lost.action_set_lost()
        cls.lead_archived = cls._lead(cls.customer, won=-30, name="Archived")
        cls.lead_archived.action_archive()

    def test_partly_invoiced_credited_and_paid(self):
        """Partial invoices, a credit note, partial payments, a cancelled quotation."""
        row = self._row(self.lead_a)
        self.assertEqual(row.partner_id, self.customer)  # the contact's company
        self.assertEqual((row.user_id, row.team_id), (self.seller, self.team))
        self.assertEqual(row.source, "Odoo")
        self.assertEqual(
            (row.date_won, row.date_ordered, row.date_confirmed, row.date_invoiced),
            (self._day(-100), self._day(-98), self._day(-95), self._day(-90)),
        )
        self.assertFalse(row.date_paid)
        # ordered: 10 x 100, not the cancelled 5 x 100; invoiced: 400 + 600 - 100;
        # paid: 400 + 200 (the credit note settles 100, it is no payment)
        self.assertAlmostEqual(row.amount_ordered, 1000.0, places=2)
        self.assertAlmostEqual(row.amount_invoiced, 900.0, places=2)
        self.assertAlmostEqual(row.amount_paid, 600.0, places=2)
        self.assertAlmostEqual(row.amount_due, 300.0, places=2)
        self.assertEqual(
            self._raw(self.lead_a, *DAY_COUNTS, "days_won_to_paid", "days_open"),
            {
                "days_to_order": 2,
                "days_to_confirm": 3,
                "days_to_invoice": 5,
                "days_to_pay": None,  # not paid yet: empty, never 0
                "days_won_to_paid": None,
                "days_open": 100,
            },
        )

    def test_paid_at_the_last_payment(self):
        """The last payment closes the cycle, at the next read."""
        self._pay(self.invoice_a2, 300, -5)
        row = self._row(self.lead_a)
        self.assertEqual(row.date_paid, self._day(-5))
        self.assertEqual(
            self._raw(self.lead_a, "days_to_pay", "days_won_to_paid", "days_open"),
            {"days_to_pay": 85, "days_won_to_paid": 95, "days_open": None},
        )
        self.assertAlmostEqual(row.amount_paid, 900.0, places=2)
        self.assertAlmostEqual(row.amount_due, 0.0, places=2)

    def test_won_twice_in_another_currency(self):
        """Won again after being reopened: the last win counts, and the
        quotation made in between counts 0 days, not negative ones.
        Amounts in euros (2 for 1) are in dollars."""
        self.assertFalse(self.reopened_b)  # reopening cleared the first win
        row = self._row(self.lead_b)
        self.assertEqual(row.date_won, self._day(-55))
        self.assertEqual(row.date_ordered, self._day(-58))
        self.assertEqual(row.date_paid, self._day(-30))
        self.assertEqual(
            self._raw(self.lead_b, *DAY_COUNTS, "days_won_to_paid", "days_open"),
            {
                "days_to_order": 0,
                "days_to_confirm": 4,
                "days_to_invoice": 4,
                "days_to_pay": 20,
                "days_won_to_paid": 25,
                "days_open": None,
            },
        )
        self.assertEqual(row.currency_id, self.env.company.currency_id)
        for name in ("amount_ordered", "amount_invoiced", "amount_paid"):
            self.assertAlmostEqual(row[name], 300.0, places=2, msg=name)
        self.assertAlmostEqual(row.amount_due, 0.0, places=2)

    def test_reopened_is_not_in_the_report(self):
        self.lead_b.stage_id = self.open_stage
        self.env.invalidate_all()
        self.assertFalse(self.Cycle.search([("opportunity_id", "=", self.lead_b.id)]))

    def test_nothing_ordered_yet(self):
        row = self._row(self.lead_d)
        self.assertFalse(row.date_ordered or row.date_confirmed or row.date_paid)
        self.assertEqual(
            self._raw(self.lead_d, *DAY_COUNTS, "days_won_to_paid", "days_open"),
            {
                "days_to_order": None,
                "days_to_confirm": None,
                "days_to_invoice": None,
                "days_to_pay": None,
                "days_won_to_paid": None,
                "days_open": 40,
            },
        )
        self.assertEqual((row.amount_ordered, row.amount_invoiced, row.amount_due), (0, 0, 0))

    def test_only_active_won_opportunities(self):
        rows = self.Cycle.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(rows.opportunity_id, self.lead_a | self.lead_b | self.lead_d)

    def test_companies(self):
        """Each company sees its own cycles; both active, both."""
        both = self.Cycle.with_context(
            allowed_company_ids=[self.env.company.id, self.company_2.id]
        ).search([("partner_id", "=", self.customer.id)])
        self.assertEqual(both.opportunity_id, self.lead_a | self.lead_b | self.lead_c | self.lead_d)
        company_2 = self.Cycle.with_context(allowed_company_ids=self.company_2.ids)
        row = self._row(self.lead_c, company_2)
        self.assertEqual(row.company_id, self.company_2)
        self.assertEqual(
            (row.date_won, row.date_invoiced, row.date_paid),
            (self._day(-25), self._day(-20), self._day(-10)),
        )
        self.assertAlmostEqual(row.amount_invoiced, 200.0, places=2)
        self.assertEqual(
            self._raw(self.lead_c, *DAY_COUNTS, "days_won_to_paid", cycle=company_2),
            {
                "days_to_order": 1,
                "days_to_confirm": 1,
                "days_to_invoice": 3,
                "days_to_pay": 10,
                "days_won_to_paid": 15,
            },
        )

    def test_totals(self):
        """Sums of amounts, means and medians of the counts, by hand."""
        [(count, ordered, invoiced, paid, due, mean, median, to_order, open_days)] = (
            self.Cycle._read_group(
                [("partner_id", "=", self.customer.id)],
                [],
                [
                    "__count",
                    "amount_ordered:sum",
                    "amount_invoiced:sum",
                    "amount_paid:sum",
                    "amount_due:sum",
                    "days_to_invoice:avg",
                    "days_to_invoice_median:median",
                    "days_to_order_median:median",
                    "days_open:max",
                ],
            )
        )
        self.assertEqual(count, 3)  # A, B and D; C is in the other company
        self.assertAlmostEqual(ordered, 1300.0, places=2)
        self.assertAlmostEqual(invoiced, 1200.0, places=2)
        self.assertAlmostEqual(paid, 900.0, places=2)
        self.assertAlmostEqual(due, 300.0, places=2)
        # to invoice: A 5, B 4 (D has none: left out, not 0)
        self.assertAlmostEqual(mean, 4.5)
        self.assertAlmostEqual(median, 4.5)
        # to order: A 2, B 0
        self.assertAlmostEqual(to_order, 1.0)
        self.assertEqual(open_days, 100)

    def test_time_zone_of_the_won_date(self):
        """The won time becomes a date in the user's time zone."""
        self.lead_d.date_closed = datetime.combine(self._day(-40), time(23, 30))
        row = self._row(self.lead_d, self.Cycle.with_context(tz="Europe/Brussels"))
        self.assertEqual(row.date_won, self._day(-39))
        self.assertEqual(self._row(self.lead_d).date_won, self._day(-40))

    def test_created_won_has_a_won_date(self):
        """An opportunity created in a won stage (an import) has no closing
        date: it was won when it entered its stage."""
        lead = self.env["crm.lead"].create(
            {
                "name": "Imported",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "stage_id": self.won_stage.id,
            }
        )
        self.assertFalse(lead.date_closed)
        self.assertEqual(
            self._row(lead).date_won,
            fields.Date.context_today(lead.with_context(tz="UTC"), lead.date_last_stage_update),
        )

    def test_customer_360_median_and_chart(self):
        """The customer's paid cycles in the active company: B only (25 days)."""
        customer = self.customer.with_env(self.env)  # the main company only
        self.env.invalidate_all()
        self.assertEqual(customer.cash_cycle_paid_count, 1)
        self.assertEqual(customer.cash_cycle_median_days, 25.0)
        chart = customer.cash_cycle_chart
        # per month of won: A (open), B (paid), D (open)
        months = {}
        for offset, paid in ((-100, 0), (-55, 1), (-40, 0)):
            label = format_date(self.env, self._day(offset), date_format="MMM yy")
            won_paid = months.setdefault(label, [0, 0])
            won_paid[0] += 1
            won_paid[1] += paid
        for label, (won, paid) in months.items():
            self.assertIn(f"{label}: {won} won, {paid} paid, {won - paid} open", chart)
        # a contact shows its company's figures
        self.assertEqual(self.contact.with_env(self.env).cash_cycle_median_days, 25.0)
        # the report row of Customer 360 shows them too
        row = self.env["crm.customer.360"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(row.cash_cycle_median_days, 25.0)

    def test_customer_without_cycles(self):
        stranger = self.env["res.partner"].create({"name": "No Deal Ltd", "is_company": True})
        self.assertEqual(stranger.cash_cycle_paid_count, 0)
        self.assertIn("No opportunity won in the last 12 months", stranger.cash_cycle_chart)

    def test_link_to_the_report(self):
        action = self.contact.action_view_cash_cycles()
        self.assertEqual(action["res_model"], "crm.order.cash.cycle")
        self.assertEqual(action["context"], {"search_default_partner_id": self.customer.id})

    def test_views(self):
        for view_type in ("pivot", "graph", "list", "search"):
            self.Cycle.get_view(view_type=view_type)
        self.assertIn(
            "cash_cycle_chart", self.env["res.partner"].get_view(view_type="form")["arch"]
        )
        self.assertIn(
            "cash_cycle_chart", self.env["crm.customer.360"].get_view(view_type="form")["arch"]
        )


@tagged("post_install", "-at_install")
class TestCashCycleCurrencies(CashCycleCommon):
    """Companies of other currencies active together: amounts in the current
    company's currency, never added up across currencies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        main_only = cls.env
        # the test user's companies, the new one included, while it is set up
        cls.env = cls.env(
            context={
                key: value for key, value in cls.env.context.items() if key != "allowed_company_ids"
            }
        )
        cls.eur = cls.setup_other_currency("EUR", rates=[(str(cls._day(-3650)), 2.0)])
        cls.company_eur = cls.setup_other_company(name="Cycle Euro", currency_id=cls.eur.id)[
            "company"
        ]
        eur_pricelist = cls.env["product.pricelist"].create(
            {"name": "Cycle Euro", "currency_id": cls.eur.id, "company_id": cls.company_eur.id}
        )
        cls.env = main_only
        cls.buyer = cls.env["res.partner"].create({"name": "Currency Buyer", "is_company": True})
        # 200 EUR invoiced, 50 paid; and 100 USD invoiced and paid
        cls.lead_eur = cls._quick_cycle(
            cls.buyer,
            cls.env.user,
            -30,
            5,
            amount=200.0,
            company=cls.company_eur,
            pricelist=eur_pricelist,
            paid=50.0,
        )
        cls.lead_usd = cls._quick_cycle(cls.buyer, cls.env.user, -20, 5)

    def _amounts(self, company_ids):
        self.env.invalidate_all()
        cycle = self.Cycle.with_context(allowed_company_ids=company_ids)
        rows = cycle.search([("partner_id", "=", self.buyer.id)])
        [totals] = cycle._read_group(
            [("partner_id", "=", self.buyer.id)],
            [],
            [f"{name}:sum" for name in ("amount_ordered", "amount_invoiced", "amount_paid")]
            + ["amount_due:sum"],
        )
        return rows, totals

    def test_own_company_in_its_currency(self):
        rows, totals = self._amounts(self.company_eur.ids)
        self.assertEqual(rows.opportunity_id, self.lead_eur)
        self.assertEqual(rows.currency_id, self.eur)
        for value, expected in zip(totals, (200.0, 200.0, 50.0, 150.0), strict=True):
            self.assertAlmostEqual(value, expected, places=2)

    def test_both_companies_in_the_current_company_currency(self):
        """2 EUR for 1 USD: 200 EUR count 100 USD, beside 100 USD."""
        rows, totals = self._amounts([self.env.company.id, self.company_eur.id])
        self.assertEqual(rows.opportunity_id, self.lead_eur | self.lead_usd)
        self.assertEqual(rows.currency_id, self.env.company.currency_id)
        for value, expected in zip(totals, (200.0, 200.0, 125.0, 75.0), strict=True):
            self.assertAlmostEqual(value, expected, places=2)
        # the cycle is open in its own currency: 150 EUR are due
        self.assertFalse(rows.filtered(lambda row: row.opportunity_id == self.lead_eur).date_paid)


@tagged("post_install", "-at_install")
class TestCashCycleMedian(CashCycleCommon):
    """A median per group computed in SQL, not a mean, nor a median of medians."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create({"name": "Median Buyer", "is_company": True})
        cls.other_buyer = cls.env["res.partner"].create(
            {"name": "Median Other", "is_company": True}
        )
        cls.seller_1 = new_test_user(cls.env, login="median_seller_1")
        cls.seller_2 = new_test_user(cls.env, login="median_seller_2")
        # seller 1: 2, 10 and 30 days from won to paid; seller 2: 40, and one open
        for won, paid_after in ((-60, 2), (-50, 10), (-45, 30)):
            cls._quick_cycle(cls.buyer, cls.seller_1, won, paid_after)
        cls._quick_cycle(cls.other_buyer, cls.seller_2, -70, 40)
        cls._quick_cycle(cls.other_buyer, cls.seller_2, -20, None)
        cls.ours = cls.buyer | cls.other_buyer

    def _by_seller(self, cycle=None):
        groups = (cycle or self.Cycle)._read_group(
            [("partner_id", "in", self.ours.ids)],
            ["user_id"],
            ["__count", "days_won_to_paid:avg", "days_won_to_paid_median:median"],
        )
        return {user: (count, mean, median) for user, count, mean, median in groups}

    def test_median_and_mean_per_salesperson(self):
        by_seller = self._by_seller()
        self.assertEqual(by_seller[self.seller_1][0], 3)
        self.assertAlmostEqual(by_seller[self.seller_1][1], 14.0)  # (2 + 10 + 30) / 3
        self.assertAlmostEqual(by_seller[self.seller_1][2], 10.0)
        # the open cycle is left out of both, not counted as 0
        self.assertEqual(by_seller[self.seller_2], (2, 40.0, 40.0))

    def test_median_of_all_is_not_a_median_of_medians(self):
        [(median, mean)] = self.Cycle._read_group(
            [("partner_id", "in", self.ours.ids)],
            [],
            ["days_won_to_paid_median:median", "days_won_to_paid:avg"],
        )
        # 2, 10, 30, 40: (10 + 30) / 2; the medians of the sellers would give 25
        self.assertAlmostEqual(median, 20.0)
        self.assertAlmostEqual(mean, 20.5)

    def test_public_read_group_as_the_pivot_asks(self):
        """The pivot and graph ask ``<field>:<aggregator>`` of fields_get."""
        aggregators = self.Cycle.fields_get(
            ["days_won_to_paid", "days_won_to_paid_median"], ["aggregator"]
        )
        self.assertEqual(aggregators["days_won_to_paid"]["aggregator"], "avg")
        self.assertEqual(aggregators["days_won_to_paid_median"]["aggregator"], "median")
        groups = self.Cycle.read_group(
            [("partner_id", "in", self.ours.ids)],
            ["days_won_to_paid_median:median", "days_won_to_paid:avg"],
            ["user_id"],
            orderby="days_won_to_paid_median desc",
        )
        self.assertEqual(
            [(group["user_id"][0], group["days_won_to_paid_median"]) for group in groups],
            [(self.seller_2.id, 40.0), (self.seller_1.id, 10.0)],
        )

    def test_query_count_does_not_grow_with_the_data(self):
        """read_group of the report by customer and month: the same queries
        for twice the cycles."""

        def read():
            self.env.invalidate_all()
            self.Cycle._read_group(
                [("partner_id", "in", self.ours.ids)],
                ["partner_id", "date_won:month"],
                ["__count", "days_won_to_paid_median:median", "amount_due:sum"],
            )
            self.env.invalidate_all()
            self.ours._compute_cash_cycle()

        read()
        before = self.env.cr.sql_log_count
        read()
        queries = self.env.cr.sql_log_count - before
        for won, paid_after in ((-35, 4), (-30, 8), (-25, None)):
            self._quick_cycle(self.buyer, self.seller_1, won, paid_after)
            self._quick_cycle(self.other_buyer, self.seller_2, won, paid_after)
        self.env.flush_all()
        read()
        before = self.env.cr.sql_log_count
        read()
        self.assertEqual(self.env.cr.sql_log_count - before, queries)
        self.assertEqual(self._by_seller()[self.seller_1][0], 6)


@tagged("post_install", "-at_install")
class TestCashCycleAccess(CashCycleCommon):
    @classmethod
    def _user(cls, login, groups, company=None):
        """A user of ``groups`` in ``company`` only (the test's company by default)."""
        company = company or cls.env.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._user("cycle_accountant", "account.group_account_readonly")
        cls.invoicing_admin = cls._user("cycle_invoicing_admin", "account.group_account_manager")
        cls.billing = cls._user("cycle_billing", "account.group_account_invoice")
        cls.manager_2 = cls._user(
            "cycle_manager_2", "sales_team.group_sale_manager", company=cls.company_2
        )
        cls.lead = cls._quick_cycle(cls.customer, cls.salesman, -30, 10)
        cls.lead_2 = cls._quick_cycle(cls.customer, cls.manager_2, -20, 5, company=cls.company_2)

    def _leads_seen(self, user):
        self.env.invalidate_all()
        cycle = self.Cycle.with_user(user).with_context(allowed_company_ids=user.company_id.ids)
        rows = cycle.search([("partner_id", "=", self.customer.id)])
        return rows.opportunity_id

    def test_managers_and_accountants_read(self):
        for user in (self.sales_manager, self.accountant, self.invoicing_admin):
            with self.subTest(user=user.login):
                self.assertEqual(self._leads_seen(user), self.lead)

    def test_salesperson_and_billing_do_not(self):
        """The report is for managers: the salesperson of the deal and a
        billing clerk read neither its rows nor its groups."""
        for user in (self.salesman, self.billing):
            with self.subTest(user=user.login):
                cycle = self.Cycle.with_user(user)
                with self.assertRaises(AccessError):
                    cycle.search([])
                with self.assertRaises(AccessError):
                    cycle.read_group([], ["days_won_to_paid_median:median"], ["user_id"])
                with self.assertRaises(AccessError):
                    self.customer.with_user(user).action_view_cash_cycles()

    def test_salesperson_reads_the_customer_median(self):
        """The aggregate on Customer 360 is for salespeople, as the snapshot."""
        self.env.invalidate_all()
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.cash_cycle_median_days, 10.0)

    def test_other_company_user(self):
        """A manager of the second company sees its cycles only, and
        Customer 360 counts them only."""
        self.assertEqual(self._leads_seen(self.manager_2), self.lead_2)
        customer = self.customer.with_user(self.manager_2).with_context(
            allowed_company_ids=self.company_2.ids
        )
        self.assertEqual(customer.cash_cycle_median_days, 5.0)
        with self.assertRaises(AccessError):
            self.Cycle.with_user(self.manager_2).with_context(
                allowed_company_ids=[self.env.company.id]
            ).search([])


@tagged("post_install", "-at_install")
class TestCashCycleWebClient(CashCycleCommon, HttpCase):
    """What the pivot, graph and grouped list ask over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_manager.password = "bridge_sales_manager"
        cls.buyer = cls.env["res.partner"].create({"name": "Web Buyer", "is_company": True})
        for won, paid_after in ((-60, 2), (-50, 10), (-45, 30)):
            cls._quick_cycle(cls.buyer, cls.sales_manager, won, paid_after)

    def _call(self, method, *args, **kwargs):
        model = "crm.order.cash.cycle"
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_pivot_and_graph_measures(self):
        self.authenticate("bridge_sales_manager", "bridge_sales_manager")
        fields_info = self._call("fields_get", attributes=["aggregator", "type"])
        spec = [
            f"{name}:{fields_info[name]['aggregator']}"
            for name in ("days_won_to_paid", "days_won_to_paid_median")
        ]
        self.assertEqual(spec, ["days_won_to_paid:avg", "days_won_to_paid_median:median"])
        domain = [("partner_id", "=", self.buyer.id)]
        # the pivot: read_group, lazy=False, by salesperson
        [group] = self._call("read_group", domain, ["__count", *spec], ["user_id"], lazy=False)
        self.assertEqual(group["__count"], 3)
        self.assertAlmostEqual(group["days_won_to_paid"], 14.0)
        self.assertAlmostEqual(group["days_won_to_paid_median"], 10.0)
        # the graph and the grouped list: web_read_group by month of won
        result = self._call(
            "web_read_group",
            domain,
            ["days_won_to_paid_median:median"],
            ["date_won:month"],
            lazy=True,
        )
        by_month = {}
        for won, paid_after in ((-60, 2), (-50, 10), (-45, 30)):
            by_month.setdefault(self._day(won).replace(day=1), []).append(paid_after)
        self.assertEqual(
            {
                fields.Date.to_date(group["__range"]["date_won:month"]["from"]): group[
                    "days_won_to_paid_median"
                ]
                for group in result["groups"]
            },
            {month: float(median(days)) for month, days in by_month.items()},
        )
