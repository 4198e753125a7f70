# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Payments and bank statement lines: the plan ``bench_pay``, then copies of the prototypes.

Every invoice settled by a payment gets a registered payment
(``account.payment``) or, for a share of the full payments, a bank
statement line; a number of unallocated payments come on top. Each has a
move of two journal items: liquidity (outstanding receipts or bank) and
receivable. How they are matched with the invoices is in
``reconciliations.py``.
"""

from .bulk import copy_rows, name_format, number_moves, reserve_ids, template_line
from .consistency import DatasetError, log
from .params import SPAN_DAYS

PLAN_PAYMENTS = """
    CREATE TEMP TABLE bench_pay_src AS
    SELECT d.move_id AS doc_move_id, d.term_line_id AS doc_line_id, d.name AS doc_name,
           d.invoice_date AS doc_date, d.partner_id, d.settle_date AS date,
           d.settle_amount AS amount, d.settle_kind AS kind, d.outcome
      FROM bench_doc d WHERE d.settle_kind IN ('payment', 'statement')
     UNION ALL
    SELECT NULL, NULL, NULL, NULL, c.partner_id, u.date, u.amount,
           'unallocated', 'unallocated'
      FROM (SELECT 1 + floor(random() * %(n_cust)s)::int AS num,
                   %(today)s::date - floor(random() * %(span)s)::int AS date,
                   round((50 + random() * 950)::numeric, 2) AS amount
              FROM generate_series(1, %(n_unallocated)s)) u
      JOIN bench_customer c ON c.num = u.num;

    CREATE TEMP TABLE bench_pay AS
    SELECT s.*,
           row_number() OVER (ORDER BY s.date, s.doc_move_id NULLS LAST, s.amount) AS idx,
           replace(CASE WHEN s.kind = 'statement' THEN %(st_fmt)s ELSE %(pay_fmt)s END,
                   '{year}', extract(year FROM s.date)::text) AS prefix,
           CASE WHEN s.kind = 'statement' THEN %(st_digits)s
                ELSE %(pay_digits)s END AS digits
      FROM bench_pay_src s;
    CREATE UNIQUE INDEX ON bench_pay (idx);
    ANALYZE bench_pay;
    ALTER TABLE bench_pay ADD COLUMN move_id int, ADD COLUMN seq int,
        ADD COLUMN name varchar, ADD COLUMN liquidity_line_id int,
        ADD COLUMN counterpart_line_id int, ADD COLUMN payment_id int,
        ADD COLUMN st_line_id int;
"""
PAYMENT_IDS = """
    UPDATE bench_pay SET move_id = %(move_first)s + idx - 1,
           liquidity_line_id = %(line_first)s + 2 * (idx - 1),
           counterpart_line_id = %(line_first)s + 2 * (idx - 1) + 1;
    UPDATE bench_pay b SET payment_id = %(payment_first)s + n.rank - 1
      FROM (SELECT idx, row_number() OVER (ORDER BY idx) AS rank
              FROM bench_pay WHERE kind <> 'statement') n
     WHERE n.idx = b.idx;
    UPDATE bench_pay b SET st_line_id = %(st_first)s + n.rank - 1
      FROM (SELECT idx, row_number() OVER (ORDER BY idx) AS rank
              FROM bench_pay WHERE kind = 'statement') n
     WHERE n.idx = b.idx;
"""
# moves and statement lines point to each other, and so do moves and payments
LINK_MOVES = """
    UPDATE account_move m SET statement_line_id = b.st_line_id
      FROM bench_pay b WHERE b.kind = 'statement' AND m.id = b.move_id;
    UPDATE account_payment p SET move_id = b.move_id
      FROM bench_pay b WHERE b.kind <> 'statement' AND p.id = b.payment_id;
    INSERT INTO account_move__account_payment (invoice_id, payment_id)
    SELECT doc_move_id, payment_id FROM bench_pay WHERE kind = 'payment';
"""

# the time of the payments' creation: 3 pm on their date
PAYMENT_TIME = "(src.date + time '15:00')"
DATES = {"create_date": PAYMENT_TIME, "write_date": PAYMENT_TIME}
LINE_COMMON = {
    **DATES,
    "move_id": "src.move_id",
    "move_name": "src.name",
    "partner_id": "src.partner_id",
    "date": "src.date",
    "date_maturity": "CASE WHEN tpl.date_maturity IS NOT NULL THEN src.date END",
    "ref": "CASE WHEN tpl.ref IS NOT NULL THEN src.doc_name END",
    "name": "CASE WHEN src.kind = 'statement' THEN %(st_label)s || src.doc_name "
    "WHEN src.doc_name IS NULL THEN %(label)s "
    "ELSE %(label)s || ': ' || src.doc_name END",
    "payment_id": "src.payment_id",
    "statement_line_id": "src.st_line_id",
}


def plan_payments(cr, params, today, prototypes):
    """Temp table ``bench_pay``: one row per payment or statement line, with its ids and name."""
    pay_fmt, pay_digits = name_format(prototypes.payment.move_id)
    st_fmt, st_digits = name_format(prototypes.st_line.move_id)
    cr.execute(
        PLAN_PAYMENTS,
        {
            "n_cust": params.customers,
            "today": today,
            "span": SPAN_DAYS,
            "n_unallocated": params.unallocated_payments,
            "pay_fmt": pay_fmt,
            "pay_digits": pay_digits,
            "st_fmt": st_fmt,
            "st_digits": st_digits,
        },
    )
    cr.execute("SELECT count(*), count(*) FILTER (WHERE kind = 'statement') FROM bench_pay")
    n_pay, n_st = cr.fetchone()
    move_first = reserve_ids(cr, "account_move", n_pay)
    line_first = reserve_ids(cr, "account_move_line", 2 * n_pay)
    payment_first = reserve_ids(cr, "account_payment", n_pay - n_st)
    st_first = reserve_ids(cr, "account_bank_statement_line", n_st)
    cr.execute(
        PAYMENT_IDS,
        {
            "move_first": move_first,
            "line_first": line_first,
            "payment_first": payment_first,
            "st_first": st_first,
        },
    )
    number_moves(cr, "bench_pay", prototypes.bank_journal.id)
    return n_pay, n_st


def by_kind(statement_tpl, payment_tpl):
    """The template of a row of ``bench_pay b``, after its kind."""
    return f"CASE WHEN b.kind = 'statement' THEN %({statement_tpl})s ELSE %({payment_tpl})s END"


def _templates(prototypes):
    """The prototype rows to copy and the labels of the journal items, as SQL parameters."""
    payment, st_line = prototypes.payment, prototypes.st_line
    receivable = prototypes.receivable_account
    pay_liquidity = template_line(payment.move_id, account=payment.outstanding_account_id)
    label = payment.env["account.move.line"].browse(pay_liquidity).name
    memo_suffix = f": {prototypes.invoice.name}"
    if not label.endswith(memo_suffix):
        raise DatasetError(f"unexpected payment label {label!r}")
    return {
        "tpl_payment": payment.id,
        "tpl_pay_move": payment.move_id.id,
        "tpl_st_move": st_line.move_id.id,
        "tpl_st_line": st_line.id,
        "label": label.removesuffix(memo_suffix),
        "st_label": "Transfer ",
        "pay_liquidity": pay_liquidity,
        "pay_counterpart": template_line(payment.move_id, account=receivable),
        "st_liquidity": template_line(
            st_line.move_id, account=st_line.journal_id.default_account_id
        ),
        "st_counterpart": template_line(st_line.move_id, account=receivable),
    }


def _write_payments(cr, templates):
    """The payments, without their move yet (circular foreign keys)."""
    return copy_rows(
        cr,
        "account_payment",
        "(SELECT *, %(tpl_payment)s AS tpl_id FROM bench_pay WHERE kind <> 'statement') src",
        {
            **DATES,
            "id": "src.payment_id",
            "move_id": "NULL",
            "partner_id": "src.partner_id",
            "name": "src.name",
            "memo": "src.doc_name",
            "payment_reference": "NULL",
            "date": "src.date",
            "amount": "src.amount",
            "amount_company_currency_signed": "src.amount",
            # Odoo: 'paid' once every invoice of the payment is paid
            "state": "CASE WHEN src.outcome IN ('late', 'on_time') THEN 'paid' "
            "ELSE 'in_process' END",
            "is_reconciled": "src.kind = 'payment'",
            "is_matched": "FALSE",
            "message_main_attachment_id": "NULL",
        },
        templates,
    )


def _write_moves(cr, templates):
    """The moves of the payments and of the bank statement lines."""
    return copy_rows(
        cr,
        "account_move",
        f"""(SELECT b.*, p.complete_name AS display_name,
                    {by_kind("tpl_st_move", "tpl_pay_move")} AS tpl_id
               FROM bench_pay b JOIN res_partner p ON p.id = b.partner_id) src""",
        {
            **DATES,
            "id": "src.move_id",
            "name": "src.name",
            "sequence_prefix": "src.prefix",
            "sequence_number": "src.seq",
            "partner_id": "src.partner_id",
            "commercial_partner_id": "src.partner_id",
            "invoice_partner_display_name": "src.display_name",
            "date": "src.date",
            "invoice_date_due": "src.date",
            "ref": "CASE WHEN tpl.ref IS NOT NULL THEN src.doc_name END",
            "origin_payment_id": "src.payment_id",
            "statement_line_id": "NULL",
            "amount_total": "src.amount",
            "amount_total_signed": "src.amount",
            "amount_total_in_currency_signed": "src.amount",
            "access_token": "NULL",
            "message_main_attachment_id": "NULL",
        },
        templates,
    )


def _write_statement_lines(cr, templates):
    return copy_rows(
        cr,
        "account_bank_statement_line",
        "(SELECT *, %(tpl_st_line)s AS tpl_id FROM bench_pay WHERE kind = 'statement') src",
        {
            **DATES,
            "id": "src.st_line_id",
            "move_id": "src.move_id",
            "partner_id": "src.partner_id",
            "payment_ref": "%(st_label)s || src.doc_name",
            "internal_index": "to_char(src.date, 'YYYYMMDD') "
            "|| lpad((2147483647 - tpl.sequence)::text, 10, '0') "
            "|| lpad(src.st_line_id::text, 10, '0')",
            "amount": "src.amount",
            "amount_residual": "0",
            "is_reconciled": "TRUE",
        },
        templates,
    )


def _write_liquidity_lines(cr, templates):
    """The journal items on outstanding receipts (payments) or on the bank (statement lines)."""
    return copy_rows(
        cr,
        "account_move_line",
        f"""(SELECT b.*, {by_kind("st_liquidity", "pay_liquidity")} AS tpl_id
               FROM bench_pay b) src""",
        {
            **LINE_COMMON,
            "id": "src.liquidity_line_id",
            "debit": "src.amount",
            "credit": "0",
            "balance": "src.amount",
            "amount_currency": "src.amount",
            "amount_residual": "src.amount",
            "amount_residual_currency": "src.amount",
            "price_subtotal": "src.amount",
            "price_total": "src.amount",
        },
        templates,
    )


def _write_receivable_lines(cr, templates):
    """The receivable journal items, reconciled with the invoices but the unallocated ones."""
    return copy_rows(
        cr,
        "account_move_line",
        f"""(SELECT b.*, m.full_id, m.matching_number,
                    {by_kind("st_counterpart", "pay_counterpart")} AS tpl_id
               FROM bench_pay b LEFT JOIN bench_match m ON m.line_id = b.counterpart_line_id
            ) src""",
        {
            **LINE_COMMON,
            "id": "src.counterpart_line_id",
            "debit": "0",
            "credit": "src.amount",
            "balance": "-src.amount",
            "amount_currency": "-src.amount",
            "amount_residual": "CASE WHEN src.kind = 'unallocated' THEN -src.amount ELSE 0 END",
            "amount_residual_currency": "CASE WHEN src.kind = 'unallocated' "
            "THEN -src.amount ELSE 0 END",
            "reconciled": "src.kind <> 'unallocated'",
            "full_reconcile_id": "src.full_id",
            "matching_number": "src.matching_number",
            "price_subtotal": "-src.amount",
            "price_total": "-src.amount",
        },
        templates,
    )


def write_settlements(cr, prototypes):
    """Copy the prototype payment or statement line for every planned one; return the counts."""
    templates = _templates(prototypes)
    n_payments = _write_payments(cr, templates)
    n_moves = _write_moves(cr, templates)
    n_st = _write_statement_lines(cr, templates)
    cr.execute(LINK_MOVES)
    n_lines = _write_liquidity_lines(cr, templates)
    n_lines += _write_receivable_lines(cr, templates)
    log(
        f"payments: {n_payments}, bank statement lines: {n_st}, "
        f"their moves: {n_moves}, journal items: {n_lines}"
    )
    return {
        "payments": n_payments,
        "statement_lines": n_st,
        "payment_moves": n_moves,
        "payment_lines": n_lines,
    }
