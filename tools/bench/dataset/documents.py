# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Invoices and credit notes: the plan ``bench_doc``, then copies of the prototypes.

The plan draws the invoices (customer skewed towards the busiest, date,
payment term, quantity, price, tax, outcome: paid late, paid on time, partly
paid, reversed or open), adds the credit notes of the reversed ones and the
open credit notes, then gives every document its move id, its three journal
item ids (product, tax, receivable), its name (gapless per journal prefix,
in date order), its residual and its payment state.

Writing copies the prototype invoice or credit note and its three journal
items for every planned document.
"""

from .bulk import amount_columns, copy_rows, name_format, number_moves, reserve_ids, template_line
from .consistency import log
from .params import (
    SHARE_PAID_LATE,
    SHARE_PAID_ON_TIME,
    SHARE_PARTIAL,
    SHARE_REVERSED,
    SHARE_STATEMENT,
    SPAN_DAYS,
)

DRAW_INVOICES = """
    CREATE TEMP TABLE bench_draw AS
    SELECT g AS draw,
           -- skewed: a few customers buy a lot, most buy a little
           1 + floor(%(n_cust)s * power(random(), 2.2))::int AS volume_rank,
           %(today)s::date - floor(random() * %(span)s)::int AS invoice_date,
           floor(random() * %(n_terms)s)::int + 1 AS term_pick,
           1 + floor(random() * 10)::int AS qty,
           round((20 + random() * 480)::numeric, 2) AS price_unit,
           random() < 0.9 AS taxed,
           random() AS u_outcome, random() AS u_delay, random() AS u_kind,
           random() AS u_contact, random() AS u_part
      FROM generate_series(1, %(n_inv)s) g;
    ANALYZE bench_draw;
"""
PLAN_INVOICES = """
    CREATE TEMP TABLE bench_invoice AS
    SELECT d.draw, c.partner_id,
           CASE WHEN c.contact_id IS NOT NULL AND d.u_contact < 0.3
                THEN c.contact_id ELSE c.partner_id END AS move_partner_id,
           d.invoice_date, (%(term_ids)s::int[])[d.term_pick] AS term_id,
           d.invoice_date + (%(term_days)s::int[])[d.term_pick] AS due_date,
           (%(term_days)s::int[])[d.term_pick] AS term_days,
           d.qty, d.price_unit, d.taxed,
           d.qty * d.price_unit AS untaxed,
           CASE WHEN d.taxed THEN round(d.qty * d.price_unit * %(tax_rate)s, 2)
                ELSE 0 END AS tax,
           CASE WHEN d.u_outcome < %(s1)s THEN 'late'
                WHEN d.u_outcome < %(s2)s THEN 'on_time'
                WHEN d.u_outcome < %(s3)s THEN 'partial'
                WHEN d.u_outcome < %(s4)s THEN 'reversed'
                ELSE 'open' END AS outcome,
           d.u_delay, d.u_kind, d.u_part
      FROM bench_draw d JOIN bench_customer c ON c.volume_rank = d.volume_rank;
    ANALYZE bench_invoice;
"""
SETTLEMENT_DATES = """
    ALTER TABLE bench_invoice ADD COLUMN settle_date date;
    UPDATE bench_invoice SET settle_date = CASE outcome
        WHEN 'late' THEN due_date + 1 + floor(power(u_delay, 2) * 120)::int
        WHEN 'on_time' THEN invoice_date + floor(u_delay * (term_days + 1))::int
        WHEN 'partial' THEN invoice_date + floor(u_delay * (term_days + 60))::int
        WHEN 'reversed' THEN invoice_date + floor(u_delay * 20)::int
        END;
    -- what would be settled after today is still open today
    UPDATE bench_invoice SET outcome = 'open', settle_date = NULL
     WHERE settle_date > %(today)s;
"""
DRAW_OPEN_REFUNDS = """
    CREATE TEMP TABLE bench_open_refund AS
    SELECT r.draw, c.partner_id, r.invoice_date, 1 AS qty, r.price_unit
      FROM (SELECT g AS draw, 1 + floor(random() * %(n_cust)s)::int AS num,
                   %(today)s::date - floor(random() * %(span)s)::int AS invoice_date,
                   round((20 + random() * 300)::numeric, 2) AS price_unit
              FROM generate_series(1, %(n_refunds)s) g) r
      JOIN bench_customer c ON c.num = r.num;
"""
# invoices, credit notes of the reversed ones, open credit notes: one list
GATHER_DOCUMENTS = """
    CREATE TEMP TABLE bench_doc_src AS
    SELECT draw AS src, 'out_invoice'::varchar AS move_type, partner_id,
           move_partner_id, invoice_date, term_id, due_date, qty, price_unit, taxed,
           untaxed, tax, outcome, settle_date,
           CASE WHEN outcome IN ('late', 'on_time', 'partial') THEN 'payment'
                WHEN outcome = 'reversed' THEN 'refund' END AS settle_kind,
           CASE WHEN outcome = 'partial'
                THEN round((untaxed + tax) * (0.2 + 0.6 * u_part)::numeric, 2)
                ELSE untaxed + tax END AS settle_amount,
           u_kind
      FROM bench_invoice
     UNION ALL
    SELECT draw, 'out_refund', partner_id, move_partner_id, settle_date,
           (%(term_ids)s::int[])[1], settle_date, qty, price_unit, taxed,
           untaxed, tax, 'reversal', NULL, NULL, untaxed + tax, NULL
      FROM bench_invoice WHERE outcome = 'reversed'
     UNION ALL
    SELECT -draw, 'out_refund', partner_id, partner_id, invoice_date,
           (%(term_ids)s::int[])[1], invoice_date, qty, price_unit, TRUE,
           qty * price_unit, round(qty * price_unit * %(tax_rate)s, 2),
           'open_refund', NULL, NULL, 0, NULL
      FROM bench_open_refund;
    UPDATE bench_doc_src SET settle_kind = 'statement'
     WHERE outcome IN ('late', 'on_time') AND u_kind < %(statement)s;
    ANALYZE bench_doc_src;
"""
# ids, amounts and states of every document, in date order
PLAN_DOCUMENTS = """
    CREATE TEMP TABLE bench_doc AS
    SELECT s.*,
           row_number() OVER (ORDER BY s.invoice_date, s.move_type, s.src) AS idx,
           s.untaxed + s.tax AS total,
           CASE WHEN s.move_type = 'out_invoice' THEN 1 ELSE -1 END AS sign,
           replace(CASE WHEN s.move_type = 'out_invoice' THEN %(inv_fmt)s
                        ELSE %(ref_fmt)s END,
                   '{year}', extract(year FROM s.invoice_date)::text) AS prefix,
           CASE WHEN s.move_type = 'out_invoice' THEN %(inv_digits)s
                ELSE %(ref_digits)s END AS digits
      FROM bench_doc_src s;
    CREATE UNIQUE INDEX ON bench_doc (idx);
    ANALYZE bench_doc;
    ALTER TABLE bench_doc ADD COLUMN move_id int, ADD COLUMN seq int,
        ADD COLUMN name varchar, ADD COLUMN residual numeric,
        ADD COLUMN payment_state varchar, ADD COLUMN reversed_move_id int,
        ADD COLUMN reversed_name varchar,
        ADD COLUMN product_line_id int, ADD COLUMN tax_line_id int,
        ADD COLUMN term_line_id int;
    UPDATE bench_doc SET move_id = %(move_first)s + idx - 1,
           product_line_id = %(line_first)s + 3 * (idx - 1),
           tax_line_id = %(line_first)s + 3 * (idx - 1) + 1,
           term_line_id = %(line_first)s + 3 * (idx - 1) + 2,
           residual = CASE WHEN outcome IN ('open', 'open_refund') THEN total
                           WHEN outcome = 'partial' THEN total - settle_amount
                           ELSE 0 END,
           payment_state = CASE WHEN outcome IN ('late', 'on_time', 'reversal') THEN 'paid'
                                WHEN outcome = 'partial' THEN 'partial'
                                WHEN outcome = 'reversed' THEN 'reversed'
                                ELSE 'not_paid' END;
"""
LINK_REVERSALS = """
    CREATE INDEX ON bench_doc (src, move_type);
    CREATE UNIQUE INDEX ON bench_doc (move_id);
    ANALYZE bench_doc;
    UPDATE bench_doc r SET reversed_move_id = i.move_id, reversed_name = i.name
      FROM bench_doc i
     WHERE r.outcome = 'reversal' AND i.src = r.src AND i.move_type = 'out_invoice';
"""

# the time of the documents' creation: 9 o'clock on their date
DOCUMENT_TIME = "(src.invoice_date + time '09:00')"
# the prototype line of a row ``d`` of bench_doc, after its kind
LINE_TEMPLATE = """CASE WHEN d.move_type = 'out_invoice' THEN %(tpl_inv_line)s
                           ELSE %(tpl_ref_line)s END AS tpl_id"""
LINE_COMMON = {
    "move_id": "src.move_id",
    "move_name": "src.name",
    "partner_id": "src.partner_id",
    "date": "src.invoice_date",
    "invoice_date": "src.invoice_date",
    "create_date": DOCUMENT_TIME,
    "write_date": DOCUMENT_TIME,
}


def _draw_documents(cr, params, today, prototypes):
    """Temp table ``bench_doc_src``: every document to write, with its figures and outcome."""
    shares = (SHARE_PAID_LATE, SHARE_PAID_ON_TIME, SHARE_PARTIAL, SHARE_REVERSED)
    values = {
        "today": today,
        "span": SPAN_DAYS,
        "n_inv": params.invoices,
        "n_cust": params.customers,
        "term_ids": [term_id for term_id, _days in prototypes.terms],
        "term_days": [days for _term_id, days in prototypes.terms],
        "n_terms": len(prototypes.terms),
        **{f"s{i + 1}": sum(shares[: i + 1]) for i in range(len(shares))},
        "statement": SHARE_STATEMENT,
        "tax_rate": prototypes.tax.amount / 100.0,
        "n_refunds": params.open_credit_notes,
    }
    # in this order: each step draws its random numbers after the one before
    for statement in (
        DRAW_INVOICES,
        PLAN_INVOICES,
        SETTLEMENT_DATES,
        DRAW_OPEN_REFUNDS,
        GATHER_DOCUMENTS,
    ):
        cr.execute(statement, values)


def plan_documents(cr, params, today, prototypes):
    """Temp table ``bench_doc``: one row per invoice or credit note to write."""
    _draw_documents(cr, params, today, prototypes)
    cr.execute("SELECT count(*) FROM bench_doc_src")
    n_docs = cr.fetchone()[0]
    move_first = reserve_ids(cr, "account_move", n_docs)
    line_first = reserve_ids(cr, "account_move_line", 3 * n_docs)
    inv_fmt, inv_digits = name_format(prototypes.invoice)
    ref_fmt, ref_digits = name_format(prototypes.refund)
    cr.execute(
        PLAN_DOCUMENTS,
        {
            "inv_fmt": inv_fmt,
            "ref_fmt": ref_fmt,
            "inv_digits": inv_digits,
            "ref_digits": ref_digits,
            "move_first": move_first,
            "line_first": line_first,
        },
    )
    number_moves(cr, "bench_doc", prototypes.sale_journal.id)
    cr.execute(LINK_REVERSALS)
    return n_docs


def _write_moves(cr, prototypes):
    """The invoices and credit notes themselves (``account_move``)."""
    return copy_rows(
        cr,
        "account_move",
        """(SELECT d.*, p.complete_name AS display_name,
                   CASE WHEN d.move_type = 'out_invoice' THEN %(tpl_inv)s
                        ELSE %(tpl_ref)s END AS tpl_id
              FROM bench_doc d JOIN res_partner p ON p.id = d.move_partner_id) src""",
        {
            "id": "src.move_id",
            "name": "src.name",
            "sequence_prefix": "src.prefix",
            "sequence_number": "src.seq",
            "partner_id": "src.move_partner_id",
            "commercial_partner_id": "src.partner_id",
            "partner_shipping_id": "src.move_partner_id",
            "invoice_partner_display_name": "src.display_name",
            "date": "src.invoice_date",
            "invoice_date": "src.invoice_date",
            "invoice_date_due": "src.due_date",
            "invoice_payment_term_id": "src.term_id",
            "payment_reference": "CASE WHEN tpl.payment_reference IS NOT NULL THEN src.name END",
            "ref": "CASE WHEN src.reversed_name IS NOT NULL "
            "THEN %(reversal_label)s || src.reversed_name END",
            "reversed_entry_id": "src.reversed_move_id",
            "payment_state": "src.payment_state",
            "amount_untaxed": "src.untaxed",
            "amount_tax": "src.tax",
            "amount_total": "src.total",
            "amount_residual": "src.residual",
            "amount_untaxed_signed": "src.sign * src.untaxed",
            "amount_untaxed_in_currency_signed": "src.sign * src.untaxed",
            "amount_tax_signed": "src.sign * src.tax",
            "amount_total_signed": "src.sign * src.total",
            "amount_total_in_currency_signed": "src.sign * src.total",
            "amount_residual_signed": "src.sign * src.residual",
            "access_token": "NULL",
            "message_main_attachment_id": "NULL",
            # the bridge's date of full payment: filled from the
            # reconciliations once they are written (generator.py)
            "full_payment_date": "NULL",
            "create_date": DOCUMENT_TIME,
            "write_date": DOCUMENT_TIME,
        },
        {
            "tpl_inv": prototypes.invoice.id,
            "tpl_ref": prototypes.refund.id,
            "reversal_label": "Reversal of: ",
        },
    )


def _line_templates(prototypes, display_type):
    """The prototype lines of this display type, for LINE_TEMPLATE."""
    return {
        "tpl_inv_line": template_line(prototypes.invoice, display_type=display_type),
        "tpl_ref_line": template_line(prototypes.refund, display_type=display_type),
    }


def _write_product_lines(cr, prototypes):
    return copy_rows(
        cr,
        "account_move_line",
        f"(SELECT d.*, {LINE_TEMPLATE} FROM bench_doc d) src",
        {
            **LINE_COMMON,
            **amount_columns("-src.sign * src.untaxed"),
            "id": "src.product_line_id",
            "quantity": "src.qty",
            "price_unit": "src.price_unit",
            "price_subtotal": "src.untaxed",
            "price_total": "src.untaxed + src.tax",
        },
        _line_templates(prototypes, "product"),
    )


def _write_tax_lines(cr, prototypes):
    return copy_rows(
        cr,
        "account_move_line",
        f"(SELECT d.*, {LINE_TEMPLATE} FROM bench_doc d WHERE d.taxed) src",
        {
            **LINE_COMMON,
            **amount_columns("-src.sign * src.tax"),
            "id": "src.tax_line_id",
            "tax_base_amount": "src.untaxed",
        },
        _line_templates(prototypes, "tax"),
    )


def _write_receivable_lines(cr, prototypes):
    """The receivable items, with their residuals and reconciliation marks."""
    return copy_rows(
        cr,
        "account_move_line",
        f"""(SELECT d.*, m.full_id, m.matching_number, {LINE_TEMPLATE}
               FROM bench_doc d LEFT JOIN bench_match m ON m.line_id = d.term_line_id) src""",
        {
            **LINE_COMMON,
            **amount_columns("src.sign * src.total"),
            "id": "src.term_line_id",
            "name": "CASE WHEN tpl.name IS NOT NULL THEN src.name END",
            "date_maturity": "src.due_date",
            "amount_residual": "src.sign * src.residual",
            "amount_residual_currency": "src.sign * src.residual",
            "reconciled": "src.residual = 0",
            "full_reconcile_id": "src.full_id",
            "matching_number": "src.matching_number",
        },
        _line_templates(prototypes, "payment_term"),
    )


def write_documents(cr, prototypes):
    """Copy the prototype invoice or credit note for every planned one; return the counts."""
    moves = _write_moves(cr, prototypes)
    n_lines = _write_product_lines(cr, prototypes)
    n_lines += _write_tax_lines(cr, prototypes)
    n_lines += _write_receivable_lines(cr, prototypes)
    cr.execute(
        """INSERT INTO account_move_line_account_tax_rel (account_move_line_id, account_tax_id)
           SELECT product_line_id, %s FROM bench_doc WHERE taxed""",
        [prototypes.tax.id],
    )
    log(f"invoices and credit notes: {moves} moves, {n_lines} journal items")
    return {"documents": moves, "document_lines": n_lines}
