# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from ..models.partner_financial_snapshot import RECEIVABLE_FIELDS
from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestFinancialSnapshot(CrmAccountingBridgeCommon):
    """Snapshot figures on a scenario whose every amount is known by hand.

    Company currency USD; EUR at 2 EUR for 1 USD. Offsets are days from today.

    open items:
      A  1,000 invoiced -100, due -70, 400 paid at -60  -> 600 open, 70 days late
      B    500 invoiced -50, due -20, to the contact    -> 500 open, 20 days late
      C    800 EUR invoiced -5, due +25                 -> 400 open, not due
      D    150 credit note at -3, due today             -> -150 open, not due
      E    200 unallocated payment at -2                -> -200 open, 2 days "late"
    fully paid:
      F    700 invoiced -60, due -30, paid at -25       -> 5 days late
      G    250 invoiced -40, due -10, paid at -12       -> 2 days early
      H    300 invoiced -400, due -380, paid at -370    -> outside 12 months
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        invoice_a = cls._create_invoice(cls.customer, 1000, -100, -70)
        cls._register_payment(invoice_a, 400, -60)
        cls._create_invoice(cls.contact, 500, -50, -20)
        cls._create_invoice(cls.customer, 800, -5, 25, currency=cls.eur)
        cls._create_invoice(cls.customer, 150, -3, 0, move_type="out_refund")
        cls._create_unallocated_payment(cls.customer, 200, -2)
        invoice_f = cls._create_invoice(cls.customer, 700, -60, -30)
        cls._register_payment(invoice_f, 700, -25)
        invoice_g = cls._create_invoice(cls.customer, 250, -40, -10)
        cls._register_payment(invoice_g, 250, -12)
        invoice_h = cls._create_invoice(cls.customer, 300, -400, -380)
        cls._register_payment(invoice_h, 300, -370)
        cls.expected = {
            "receivable_balance": 1150.0,
            "overdue_amount": 900.0,
            "overdue_invoice_count": 2,
            "oldest_overdue_days": 70,
            "aging_not_due": 250.0,
            "aging_1_30": 300.0,
            "aging_31_60": 0.0,
            "aging_61_90": 600.0,
            "aging_over_90": 0.0,
            "revenue_ltm": 2700.0,
            "avg_payment_delay_days": 1.5,
            "late_payment_rate": 0.5,
            "paid_invoice_count": 2,
            "last_payment_date": cls._day(-2),
        }

    def assertSnapshot(self, partner, expected):
        actual = self._snapshot(partner, *expected)
        for name, value in expected.items():
            if isinstance(value, float):
                self.assertAlmostEqual(actual[name], value, places=2, msg=name)
            else:
                self.assertEqual(actual[name], value, name)

    def test_company_figures(self):
        self.assertSnapshot(self.customer, self.expected)

    def test_aging_sums_to_balance(self):
        values = self._snapshot(
            self.customer,
            "receivable_balance",
            "aging_not_due",
            "aging_1_30",
            "aging_31_60",
            "aging_61_90",
            "aging_over_90",
        )
        balance = values.pop("receivable_balance")
        self.assertAlmostEqual(sum(values.values()), balance, places=2)

    def test_balance_matches_odoo_total_receivable(self):
        """Our balance is Odoo's own ``credit`` of the commercial entity."""
        self.env.invalidate_all()
        self.assertAlmostEqual(self.customer.receivable_balance, self.customer.credit, places=2)

    def test_contact_shows_company_figures(self):
        self.assertSnapshot(self.contact, self.expected)

    def test_customer_being_edited_keeps_its_figures(self):
        """The form computes the figures of the customer being edited on a
        copy of it (an onchange): the copy shows the customer's figures."""
        self.env.company.account_use_credit_limit = True
        self.customer.with_company(self.env.company).credit_limit = 5000.0
        self.env.invalidate_all()
        edited = self.customer.new({"name": "Renamed", "is_company": True}, origin=self.customer)
        self.assertAlmostEqual(edited.receivable_balance, 1150.0, places=2)
        self.assertEqual(edited.overdue_invoice_count, 2)
        self.assertEqual(edited.last_payment_date, self._day(-2))
        self.assertTrue(edited.credit_limit_applies)
        self.assertAlmostEqual(edited.credit_available, 5000.0 - 1150.0, places=2)
        self.assertIn("61-90", edited.aging_bar)

    def test_batch_of_mixed_partners(self):
        stranger = self.env["res.partner"].create({"name": "No accounting"})
        partners = self.customer | self.contact | stranger
        self.env.invalidate_all()
        self.assertEqual(partners.mapped("overdue_invoice_count"), [2, 2, 0])
        self.assertEqual(partners.mapped("receivable_balance"), [1150.0, 1150.0, 0.0])

    def test_partner_without_accounting_data_shows_zeros(self):
        stranger = self.env["res.partner"].create({"name": "No accounting"})
        values = self._snapshot(
            stranger,
            *self.expected,
            "credit_limit_applies",
            "credit_available",
            "aging_bar",
        )
        self.assertFalse(values.pop("last_payment_date"))
        self.assertFalse(values.pop("credit_limit_applies"))
        self.assertIn("No open receivable", values.pop("aging_bar"))
        self.assertFalse(any(values.values()), values)

    def test_no_paid_invoice_no_payment_habits(self):
        """A customer whose invoices are all still open has no payment delay
        and no late rate: the count of paid invoices says so (0), where the
        delay and the rate alone would read as "pays on time"."""
        unpaid = self.env["res.partner"].create({"name": "Never paid", "is_company": True})
        self._create_invoice(unpaid, 400, -50, -20)
        self._register_payment(self._create_invoice(unpaid, 100, -30, -15), 40, -5)
        as_salesman = unpaid.with_user(self.salesman)
        self.env.invalidate_all()
        self.assertEqual(as_salesman.paid_invoice_count, 0)
        self.assertEqual(as_salesman.revenue_ltm, 500.0)
        row = (
            self.env["crm.customer.360"]
            .with_user(self.salesman)
            .search([("partner_id", "=", unpaid.id)])
        )
        self.assertEqual(row.paid_invoice_count, 0)
        self.assertEqual(self.customer.with_user(self.salesman).paid_invoice_count, 2)
        # the forms and the list hide the figures and say why
        for model in ("res.partner", "crm.customer.360"):
            arch = self.env[model].with_user(self.salesman).get_view(view_type="form")["arch"]
            self.assertIn("No payment yet", arch, model)
        for model, view_type in (
            ("res.partner", "form"),
            ("crm.customer.360", "form"),
            ("crm.customer.360", "list"),
        ):
            arch = self.env[model].get_view(view_type=view_type)["arch"]
            for name in ("avg_payment_delay_days", "late_payment_rate"):
                self.assertRegex(
                    arch,
                    rf'name="{name}"[^>]*invisible="not paid_invoice_count"',
                    f"{model} {view_type} {name}",
                )

    def test_unallocated_credits_beside_the_overdue(self):
        """What the open credit notes and payments could settle once
        reconciled, beside the overdue items still owed."""
        receivable = self.env["partner.financial.snapshot"]._read_receivable([self.customer.id])
        figures = receivable[self.customer.id]
        # A (600) and B (500) are owed past due; D (150) and E (200) are
        # credits not yet allocated, of any date
        self.assertAlmostEqual(figures["overdue_owed_amount"], 1100.0, places=2)
        self.assertAlmostEqual(figures["unallocated_credit_amount"], 350.0, places=2)
        self.assertEqual(figures["unallocated_credit_count"], 2)
        # the overdue amount itself keeps its meaning: E is past its date
        self.assertAlmostEqual(figures["overdue_amount"], 900.0, places=2)

    def test_other_company_is_separate(self):
        company_2 = self.setup_other_company()["company"]
        self._create_invoice(self.customer, 5000, -40, -35, company=company_2)
        self.assertSnapshot(self.customer, self.expected)
        in_company_2 = self.customer.with_company(company_2)
        self.assertSnapshot(
            in_company_2,
            {
                "receivable_balance": 5000.0,
                "overdue_amount": 5000.0,
                "overdue_invoice_count": 1,
                "oldest_overdue_days": 35,
                "revenue_ltm": 5000.0,
                "last_payment_date": False,
            },
        )
        self.assertEqual(in_company_2.financial_currency_id, company_2.currency_id)

    def test_draft_and_cancelled_entries_do_not_count(self):
        self._create_invoice(self.customer, 9999, -90, -80, post=False)
        cancelled = self._create_invoice(self.customer, 8888, -90, -80)
        cancelled.button_draft()
        cancelled.button_cancel()
        self.assertSnapshot(self.customer, self.expected)

    def test_reversed_payment_is_not_the_last_payment(self):
        """A payment whose entry was reversed (a bounced cheque) is no money
        received: the last payment is the one before it."""
        payer = self.env["res.partner"].create({"name": "Bounced cheque customer"})
        invoice = self._create_invoice(payer, 500, -30, -20)
        self._register_payment(invoice, 200, -15)
        bounced = self._register_payment(invoice, 300, -5)
        self.assertEqual(
            self._snapshot(payer, "last_payment_date")["last_payment_date"], self._day(-5)
        )
        self._reverse_payment(bounced, -3)
        self.assertEqual(
            self._snapshot(payer, "last_payment_date")["last_payment_date"], self._day(-15)
        )

    def test_only_reversed_payments_give_no_last_payment(self):
        payer = self.env["res.partner"].create({"name": "Bounced cheque customer"})
        self._reverse_payment(self._create_unallocated_payment(payer, 300, -5), -3)
        self._reverse_payment(
            self._register_payment(self._create_invoice(payer, 100, -30, -20), 100, -10), -8
        )
        values = self._snapshot(payer, "last_payment_date", "receivable_balance")
        self.assertFalse(values["last_payment_date"])
        # the bounced payment of the invoice is owed again
        self.assertAlmostEqual(values["receivable_balance"], 100.0, places=2)

    def test_full_payment_clears_overdue_at_next_read(self):
        overdue = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.customer.id),
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", self.today),
            ]
        )
        self.assertEqual(len(overdue), 2)
        self.assertEqual(self.customer.overdue_invoice_count, 2)
        for invoice in overdue:
            self._register_payment(invoice, invoice.amount_residual, 0)
        values = self._snapshot(
            self.customer, "overdue_invoice_count", "oldest_overdue_days", "overdue_amount"
        )
        # only the unallocated payment of two days ago remains past its date
        self.assertEqual(values["overdue_invoice_count"], 0)
        self.assertEqual(values["oldest_overdue_days"], 0)
        self.assertAlmostEqual(values["overdue_amount"], -200.0, places=2)

    def test_aging_bar_shows_owed_buckets(self):
        bar = self._snapshot(self.customer, "aging_bar")["aging_bar"]
        self.assertIn("61-90 Days", bar)
        self.assertIn("1-30 Days", bar)
        self.assertNotIn("Over 90 Days", bar)

    def test_credit_available_under_a_credit_limit(self):
        self.env.company.account_use_credit_limit = True
        self.customer.credit_limit = 5000.0
        product = self._create_product(name="Service to invoice", lst_price=1000.0, taxes_id=False)
        # credit policies of other addons stay out: crm_credit_alert, when
        # installed, blocks this overdue customer's quotations and orders for
        # every user, superuser included
        if "credit_alert_block_days" in self.env.company._fields:
            self.env.company.credit_alert_block_days = 1000
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": 1, "price_unit": 1000.0}
                    )
                ],
            }
        )
        order.action_confirm()
        values = self._snapshot(self.contact, "credit_limit_applies", "credit_available")
        self.assertTrue(values["credit_limit_applies"])
        self.assertAlmostEqual(values["credit_available"], 5000.0 - 1150.0 - 1000.0, places=2)

    def test_no_credit_limit_applies(self):
        self.env.company.account_use_credit_limit = True
        values = self._snapshot(self.customer, "credit_limit_applies", "credit_available")
        self.assertFalse(values["credit_limit_applies"])
        self.assertEqual(values["credit_available"], 0.0)
        self.customer.credit_limit = 5000.0
        self.env.company.account_use_credit_limit = False
        values = self._snapshot(self.customer, "credit_limit_applies")
        self.assertFalse(values["credit_limit_applies"])

    def test_company_default_credit_limit(self):
        self.env.company.account_use_credit_limit = True
        # the company default of Settings is an ir.default of the partner field
        self.env["ir.default"].set(
            "res.partner", "credit_limit", 2000.0, company_id=self.env.company.id
        )
        values = self._snapshot(self.customer, "credit_limit_applies", "credit_available")
        self.assertTrue(values["credit_limit_applies"])
        self.assertAlmostEqual(values["credit_available"], 2000.0 - 1150.0, places=2)

    def test_grace_days_for_policies(self):
        """Items count as overdue only past the grace days; aging is unchanged."""
        snapshot = self.env["partner.financial.snapshot"]._read_snapshot(
            [self.customer.id], grace_days=30
        )[self.customer.id]
        self.assertAlmostEqual(snapshot["overdue_amount"], 600.0, places=2)
        self.assertEqual(snapshot["overdue_invoice_count"], 1)
        self.assertEqual(snapshot["oldest_overdue_days"], 70)
        self.assertAlmostEqual(snapshot["aging_1_30"], 300.0, places=2)

    def test_receivable_figures_alone(self):
        """The open receivable part of the snapshot, read alone (as credit
        policies do), gives the snapshot's own figures."""
        snapshot_model = self.env["partner.financial.snapshot"]
        no_open_item = self.env["res.partner"].create({"name": "Settled customer"})
        invoice = self._create_invoice(no_open_item, 100, -20, -10)
        self._register_payment(invoice, 100, -5)
        partner_ids = [self.customer.id, no_open_item.id]
        for grace_days in (0, 30):
            snapshots = snapshot_model._read_snapshot(partner_ids, grace_days=grace_days)
            receivables = snapshot_model._read_receivable(partner_ids, grace_days=grace_days)
            # a customer with nothing open has a snapshot (revenue) but no
            # receivable row: callers show zeros, as the snapshot does
            self.assertEqual(list(receivables), [self.customer.id])
            self.assertEqual(snapshots[no_open_item.id]["receivable_balance"], 0)
            receivable = receivables[self.customer.id]
            self.assertEqual(set(receivable), set(RECEIVABLE_FIELDS))
            for name in RECEIVABLE_FIELDS:
                self.assertAlmostEqual(
                    receivable[name], snapshots[self.customer.id][name], places=2, msg=name
                )
