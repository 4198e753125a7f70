# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payments and credit notes, in the order they happened, as an accountant records them.

Payments are customer payments of the bank journal, posted and matched with
their invoice, as *Register Payment* makes them (see ``Accounting._pay``);
credit notes through *Credit Note* (``account.move.reversal``) and are
matched to their invoice (Odoo does it when it posts a credit note that
reverses an invoice; otherwise as the invoice's *Outstanding credits* widget
does, ``js_assign_outstanding_line``): every figure the addons read (residuals,
payment dates, payment states, matchings) is Odoo's own.
"""

from datetime import timedelta

from odoo import Command

from .sales import BATCH, QUIET


class Accounting:
    def __init__(self, setup, sales):
        self.setup = setup
        self.sales = sales
        self.env = setup.env(context=dict(setup.env.context, **QUIET))
        self.today = setup.plan.today
        self.payments = 0
        self.credit_notes = 0
        self._paid = {}  # invoice id: amount paid by the planned payments so far
        self._credited = {}  # invoice id: amount of its credit notes

    def timeline(self):
        """``(date, order, kind, sale, share)`` of every credit note and payment, by date."""
        yesterday = self.today - timedelta(days=1)
        events = []
        for sale in self.setup.plan.sales:
            invoice = self.sales.invoices.get(sale.key)
            if not invoice:
                continue
            if sale.credit_note:
                when = sale.invoice_date(self.today) + timedelta(days=sale.credit_note.days)
                events.append((min(when, yesterday), 0, "credit_note", sale, None))
            for index, (delay, share) in enumerate(sale.payments):
                when = max(invoice.invoice_date_due + timedelta(days=delay), invoice.invoice_date)
                if sale.settle:
                    when = min(when, yesterday - timedelta(days=len(sale.payments) - 1 - index))
                if when > yesterday:
                    break  # not paid yet, nor what would follow
                events.append((when, 1, "payment", sale, share))
        return sorted(events, key=lambda event: (event[0], event[1], event[3].key))

    def run(self):
        """Credit notes one by one, payments in batches between them, all in date order."""
        batch = []
        for when, _order, kind, sale, share in self.timeline():
            if kind == "credit_note" or len(batch) >= BATCH:
                self._pay(batch)
                batch = []
            if kind == "credit_note":
                self._credit_note(sale, when)
            else:
                batch.append((when, sale, share))
        self._pay(batch)

    def _company_env(self, sale):
        company = self.setup.companies[sale.customer.company]
        return self.env(context=dict(self.env.context, allowed_company_ids=company.ids))

    def _pay(self, batch):
        """Register the payments of ``batch`` and match each with its invoice.

        As *Register Payment* does for one invoice (a customer payment of the
        company's bank journal, posted, its receivable line matched with the
        invoice's), for many payments at once: the wizard costs half a second
        per payment, mostly in what it recomputes for its form.
        """
        if not batch:
            return
        values, invoices = [], []
        for when, sale, share in batch:
            invoice = self.sales.invoices[sale.key].with_env(self._company_env(sale))
            total = invoice.amount_total
            left = total - self._paid.get(invoice.id, 0.0) - self._credited.get(invoice.id, 0.0)
            amount = left if share is None else min(left, total * share)
            amount = invoice.currency_id.round(amount)
            if invoice.currency_id.is_zero(amount):
                continue
            self._paid[invoice.id] = self._paid.get(invoice.id, 0.0) + amount
            values.append(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": invoice.commercial_partner_id.id,
                    "company_id": invoice.company_id.id,
                    "journal_id": self._bank(invoice.company_id).id,
                    "amount": amount,
                    "currency_id": invoice.currency_id.id,
                    "date": when,
                    "memo": invoice.name,
                }
            )
            invoices.append(invoice)
        payments = self.env["account.payment"].create(values)
        payments.action_post()
        for payment, invoice in zip(payments, invoices, strict=True):
            lines = payment.move_id.line_ids | invoice.line_ids
            lines.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            ).reconcile()
        self.payments += len(payments)

    def _bank(self, company):
        return self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )

    def _credit_note(self, sale, when):
        """Credit part of the sale's invoice on ``when``; match the credit note to it.

        The order's quantity is lowered by what was credited, as the
        salesperson does for goods returned: the order has nothing left to
        invoice (Odoo counts what is left to invoice against the credit limit).
        """
        env = self._company_env(sale)
        invoice = self.sales.invoices[sale.key].with_env(env)
        note = sale.credit_note
        action = (
            env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "date": when,
                    "reason": note.reason(self.setup.lang),
                    "journal_id": invoice.journal_id.id,
                }
            )
            .refund_moves()
        )
        credit_note = env["account.move"].browse(action["res_id"])
        commands = []
        for line in credit_note.invoice_line_ids:
            quantity = note.lines.get(line.product_id.default_code)
            if quantity:
                commands.append(Command.update(line.id, {"quantity": quantity}))
            else:
                commands.append(Command.delete(line.id))
        credit_note.write({"invoice_line_ids": commands})
        credit_note.action_post()
        receivable = credit_note.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        # Odoo matches a credit note with the invoice it reverses when it is
        # posted; otherwise it is matched as the accountant would
        if not receivable.reconciled and not receivable.matched_debit_ids:
            invoice.js_assign_outstanding_line(receivable.id)
        self._credited[invoice.id] = self._credited.get(invoice.id, 0.0) + credit_note.amount_total
        for order_line in invoice.invoice_line_ids.sale_line_ids:
            credited = note.lines.get(order_line.product_id.default_code)
            if credited:
                order_line.product_uom_qty -= credited
        self.credit_notes += 1
