# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One document of every kind through the ORM: the rows the bulk SQL copies.

A customer and its contact, a posted invoice paid through the payment
wizard, a posted credit note, and an invoice paid by a reconciled bank
statement line. Whatever the ORM writes on them (accounts, journals,
company, currency, flags) is what every copy holds.
"""

from dataclasses import dataclass
from datetime import timedelta

from odoo import Command

from .consistency import DatasetError, log
from .database import ADMIN_UID
from .params import PAYMENT_TERMS, SPAN_DAYS


@dataclass
class Prototypes:
    """The ORM records that the bulk SQL copies, and the settings they use."""

    sale_journal: object
    bank_journal: object
    tax: object
    terms: list  # [(payment term id, days)] in the order of PAYMENT_TERMS
    product: object
    partner: object
    contact: object
    invoice: object
    refund: object
    payment: object
    st_line: object
    receivable_account: object


def _accounting_settings(env, company):
    """Credit limits on; the company's sale journal, bank journal and sale tax."""
    company.account_use_credit_limit = True
    sale_journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    bank_journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    tax = company.account_sale_tax_id
    if not (sale_journal and bank_journal and tax):
        raise DatasetError("the company has no sale journal, bank journal or sale tax")
    return sale_journal, bank_journal, tax


def _customer(env, company):
    """The prototype customer company and its contact."""
    partner = env["res.partner"].create(
        {
            "name": "Benchmark Prototype Customer",
            "is_company": True,
            "user_id": ADMIN_UID,
            "country_id": company.country_id.id or company.account_fiscal_country_id.id,
        }
    )
    contact = env["res.partner"].create(
        {"name": "Prototype Contact", "parent_id": partner.id, "type": "contact"}
    )
    return partner, contact


def _posted_document(env, move_type, partner, product, term_id, day):
    """A posted invoice or credit note of one line: 2 x 100 of ``product``."""
    move = env["account.move"].create(
        {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": day,
            "invoice_payment_term_id": term_id,
            "invoice_user_id": ADMIN_UID,
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": 2, "price_unit": 100})
            ],
        }
    )
    move.action_post()
    return move


def _registered_payment(env, invoice, day):
    """The payment of ``invoice`` through the wizard of its Register Payment button."""
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"payment_date": day})
    )
    return wizard._create_payments()


def _statement_line_paying(env, invoice, bank_journal, day):
    """A bank statement line reconciled with ``invoice``; returns it and the receivable."""
    receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
    st_line = env["account.bank.statement.line"].create(
        {
            "journal_id": bank_journal.id,
            "partner_id": invoice.partner_id.id,
            "amount": invoice.amount_total,
            "date": day,
            "payment_ref": f"Transfer {invoice.name}",
            "counterpart_account_id": receivable.account_id.id,
        }
    )
    (st_line.move_id.line_ids + receivable).filtered(
        lambda line: line.account_id == receivable.account_id
    ).reconcile()
    return st_line, receivable


def make_prototypes(env, today):
    """One document of every kind through the ORM: the copy templates."""
    company = env.company
    sale_journal, bank_journal, tax = _accounting_settings(env, company)
    terms = [(env.ref(xmlid).id, days) for xmlid, days in PAYMENT_TERMS]
    product = env["product.product"].create(
        {
            "name": "Benchmark Service",
            "type": "service",
            "list_price": 100.0,
            "invoice_policy": "order",
            "taxes_id": [Command.set(tax.ids)],
        }
    )
    partner, contact = _customer(env, company)
    proto_date = today - timedelta(days=SPAN_DAYS + 40)
    invoice = _posted_document(env, "out_invoice", partner, product, terms[2][0], proto_date)
    refund = _posted_document(env, "out_refund", partner, product, terms[0][0], proto_date)
    payment = _registered_payment(env, invoice, proto_date + timedelta(days=10))
    paid_by_bank = _posted_document(env, "out_invoice", partner, product, terms[0][0], proto_date)
    st_line, receivable = _statement_line_paying(
        env, paid_by_bank, bank_journal, proto_date + timedelta(days=3)
    )
    env.flush_all()
    for move in (invoice, paid_by_bank):
        if move.payment_state != "paid":
            raise DatasetError(f"prototype {move.name} is {move.payment_state}, not paid")
    log(f"prototypes: {invoice.name}, {refund.name}, {payment.name}, {st_line.move_id.name}")
    return Prototypes(
        sale_journal=sale_journal,
        bank_journal=bank_journal,
        tax=tax,
        terms=terms,
        product=product,
        partner=partner,
        contact=contact,
        invoice=invoice,
        refund=refund,
        payment=payment,
        st_line=st_line,
        receivable_account=receivable.account_id,
    )
