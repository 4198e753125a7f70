# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reconciliations: the plan ``bench_rec``, full reconciles, then partial reconciles.

Every payment or statement line of an invoice, and every credit note of a
reversed invoice, is one partial reconcile between the invoice's receivable
item and theirs; those that close the invoice also get a full reconcile.
``bench_match`` gives each reconciled journal item its matching number (the
full reconcile's id, or ``P`` and the partial's id), which the journal items
take when they are written.
"""

from .bulk import copy_rows, reserve_ids
from .consistency import log

PLAN_RECONCILIATIONS = """
    CREATE TEMP TABLE bench_rec AS
    SELECT p.doc_line_id AS debit_line_id, p.counterpart_line_id AS credit_line_id,
           p.amount, greatest(p.doc_date, p.date) AS max_date,
           p.outcome <> 'partial' AS is_full
      FROM bench_pay p WHERE p.kind <> 'unallocated'
     UNION ALL
    SELECT i.term_line_id, r.term_line_id, i.total,
           greatest(i.invoice_date, r.invoice_date), TRUE
      FROM bench_doc r JOIN bench_doc i ON i.move_id = r.reversed_move_id
     WHERE r.outcome = 'reversal';
    ALTER TABLE bench_rec ADD COLUMN partial_id int, ADD COLUMN full_id int;
    CREATE UNIQUE INDEX ON bench_rec (debit_line_id);
    ANALYZE bench_rec;
"""
RECONCILIATION_IDS = """
    UPDATE bench_rec b SET partial_id = %(partial_first)s + n.rank - 1
      FROM (SELECT debit_line_id, row_number() OVER (ORDER BY max_date, debit_line_id)
                   AS rank FROM bench_rec) n
     WHERE n.debit_line_id = b.debit_line_id;
    UPDATE bench_rec b SET full_id = %(full_first)s + n.rank - 1
      FROM (SELECT debit_line_id, row_number() OVER (ORDER BY partial_id) AS rank
              FROM bench_rec WHERE is_full) n
     WHERE n.debit_line_id = b.debit_line_id;
    -- matching number and full reconcile of every reconciled line
    CREATE TEMP TABLE bench_match AS
    SELECT debit_line_id AS line_id, partial_id, full_id,
           COALESCE(full_id::text, 'P' || partial_id) AS matching_number
      FROM bench_rec
     UNION ALL
    SELECT credit_line_id, partial_id, full_id,
           COALESCE(full_id::text, 'P' || partial_id)
      FROM bench_rec;
    CREATE UNIQUE INDEX ON bench_match (line_id);
    ANALYZE bench_match;
    ANALYZE bench_rec;
    ANALYZE bench_pay;
"""


def plan_reconciliations(cr):
    """Temp tables ``bench_rec`` (with the reconciles' ids) and ``bench_match``."""
    cr.execute(PLAN_RECONCILIATIONS)
    cr.execute("SELECT count(*), count(*) FILTER (WHERE is_full) FROM bench_rec")
    n_rec, n_full = cr.fetchone()
    partial_first = reserve_ids(cr, "account_partial_reconcile", n_rec)
    full_first = reserve_ids(cr, "account_full_reconcile", n_full)
    cr.execute(RECONCILIATION_IDS, {"partial_first": partial_first, "full_first": full_first})
    return n_rec, n_full


def write_full_reconciles(cr):
    """Full reconciles, before the journal items that point to them; return their count."""
    cr.execute(
        """INSERT INTO account_full_reconcile
                   (id, create_uid, write_uid, create_date, write_date)
           SELECT full_id, 1, 1, max_date + time '15:00', max_date + time '15:00'
             FROM bench_rec WHERE is_full"""
    )
    return cr.rowcount


def write_partials(cr, prototypes, n_full):
    """Partial reconciles, copies of the prototype payment's; return their count."""
    proto_partial = prototypes.payment.move_id.line_ids.matched_debit_ids
    proto_partial.ensure_one()
    when = "(src.max_date + time '15:00')"
    n_partials = copy_rows(
        cr,
        "account_partial_reconcile",
        "(SELECT *, %(tpl)s AS tpl_id FROM bench_rec) src",
        {
            "id": "src.partial_id",
            "debit_move_id": "src.debit_line_id",
            "credit_move_id": "src.credit_line_id",
            "full_reconcile_id": "src.full_id",
            "max_date": "src.max_date",
            "amount": "src.amount",
            "debit_amount_currency": "src.amount",
            "credit_amount_currency": "src.amount",
            "create_date": when,
            "write_date": when,
        },
        {"tpl": proto_partial.id},
    )
    log(f"reconciliations: {n_partials} partial, {n_full} full")
    return n_partials
