# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Consistency checks of the benchmark data set.

Two kinds: SQL invariants that Odoo's accounting always keeps (balanced
moves, residuals equal to the balance minus the matched amounts, totals of
invoices equal to their journal items, gapless sequences...), and Odoo's own
compute methods run again on samples, whose results must equal what the
generator stored. Each check raises ``DatasetError`` with examples.
"""

import random
import time

from odoo import fields


class DatasetError(Exception):
    """The generated data is not what Odoo would have written."""


def log(message):
    print(f"[dataset {time.strftime('%H:%M:%S')}] {message}", flush=True)


# name -> query returning the offending ids (empty when consistent)
SQL_CHECKS = {
    "moves whose journal items do not balance": """
        SELECT move_id FROM account_move_line
      GROUP BY move_id HAVING sum(balance) <> 0 OR sum(debit) <> sum(credit)
    """,
    "journal items whose balance is not debit - credit": """
        SELECT id FROM account_move_line
         WHERE balance <> debit - credit OR debit < 0 OR credit < 0
            OR (currency_id = company_currency_id AND amount_currency <> balance)
    """,
    "journal items that disagree with their move": """
        SELECT l.id FROM account_move_line l JOIN account_move m ON m.id = l.move_id
         WHERE l.partner_id IS DISTINCT FROM m.commercial_partner_id
            OR l.date <> m.date OR l.parent_state <> m.state OR l.journal_id <> m.journal_id
            OR l.move_name <> m.name OR l.company_id <> m.company_id
            OR l.invoice_date IS DISTINCT FROM m.invoice_date
    """,
    "residuals that are not the balance minus the matched amounts": """
        WITH matched AS (
            SELECT line_id, sum(amount) AS amount
              FROM (SELECT debit_move_id AS line_id, amount FROM account_partial_reconcile
                     UNION ALL
                    SELECT credit_move_id, -amount FROM account_partial_reconcile) x
          GROUP BY line_id)
        SELECT l.id
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
     LEFT JOIN matched m ON m.line_id = l.id
         WHERE l.parent_state = 'posted'
           AND (a.reconcile OR a.account_type IN ('asset_cash', 'liability_credit_card'))
           AND (l.amount_residual <> l.balance - COALESCE(m.amount, 0)
                OR (l.currency_id = l.company_currency_id
                    AND l.amount_residual_currency <> l.amount_residual)
                OR l.reconciled IS DISTINCT FROM (l.amount_residual = 0))
    """,
    "residuals or matchings on accounts that do not reconcile": """
        SELECT l.id
          FROM account_move_line l JOIN account_account a ON a.id = l.account_id
         WHERE NOT a.reconcile AND a.account_type NOT IN ('asset_cash', 'liability_credit_card')
           AND (l.amount_residual <> 0 OR l.reconciled OR l.matching_number IS NOT NULL)
    """,
    "partial reconciles between items that cannot match": """
        SELECT p.id
          FROM account_partial_reconcile p
          JOIN account_move_line d ON d.id = p.debit_move_id
          JOIN account_move_line c ON c.id = p.credit_move_id
         WHERE p.amount <= 0 OR d.balance <= 0 OR c.balance >= 0
            OR p.amount > d.balance OR p.amount > -c.balance
            OR d.account_id <> c.account_id OR d.partner_id IS DISTINCT FROM c.partner_id
            OR d.parent_state <> 'posted' OR c.parent_state <> 'posted'
            OR p.max_date <> greatest(d.date, c.date) OR p.company_id <> d.company_id
            OR p.debit_amount_currency <> p.amount OR p.credit_amount_currency <> p.amount
            OR p.full_reconcile_id IS DISTINCT FROM d.full_reconcile_id
            OR p.full_reconcile_id IS DISTINCT FROM c.full_reconcile_id
    """,
    "full reconciles that do not close their items": """
        SELECT f.id
          FROM account_full_reconcile f
     LEFT JOIN account_move_line l ON l.full_reconcile_id = f.id
      GROUP BY f.id
        HAVING count(l.id) < 2 OR sum(l.balance) <> 0 OR bool_or(l.amount_residual <> 0)
            OR bool_or(NOT l.reconciled) OR bool_or(l.matching_number <> f.id::text)
    """,
    "matching numbers of partly reconciled items": """
        WITH touched AS (
            SELECT line_id, min(id) AS partial_id
              FROM (SELECT debit_move_id AS line_id, id FROM account_partial_reconcile
                     UNION ALL
                    SELECT credit_move_id, id FROM account_partial_reconcile) x
          GROUP BY line_id)
        SELECT l.id
          FROM account_move_line l LEFT JOIN touched t ON t.line_id = l.id
         WHERE l.full_reconcile_id IS NULL
           AND l.matching_number IS DISTINCT FROM 'P' || t.partial_id
    """,
    "customer documents whose totals disagree with their journal items": """
        SELECT m.id
          FROM account_move m
          JOIN (SELECT l.move_id,
                       sum(l.balance) FILTER (WHERE l.display_type = 'payment_term') AS total,
                       sum(l.amount_residual) FILTER (WHERE l.display_type = 'payment_term')
                           AS residual,
                       max(l.date_maturity) FILTER (WHERE l.display_type = 'payment_term')
                           AS due,
                       -sum(l.balance) FILTER (WHERE l.display_type = 'product') AS untaxed,
                       -COALESCE(sum(l.balance) FILTER (WHERE l.display_type = 'tax'), 0)
                           AS tax
                  FROM account_move_line l GROUP BY l.move_id) t ON t.move_id = m.id
         WHERE m.move_type IN ('out_invoice', 'out_refund')
           AND (m.amount_total_signed <> t.total OR m.amount_residual_signed <> t.residual
                OR m.amount_untaxed_signed <> t.untaxed OR m.amount_tax_signed <> t.tax
                OR m.amount_total_in_currency_signed <> t.total
                OR m.amount_untaxed_in_currency_signed <> t.untaxed
                OR m.amount_total <> abs(t.total) OR m.amount_residual <> abs(t.residual)
                OR m.amount_untaxed <> abs(t.untaxed) OR m.amount_tax <> abs(t.tax)
                OR m.invoice_date_due <> t.due
                OR sign(t.total) <> CASE m.move_type WHEN 'out_invoice' THEN 1 ELSE -1 END)
    """,
    "payment states that disagree with residuals": """
        SELECT id FROM account_move
         WHERE move_type IN ('out_invoice', 'out_refund') AND state = 'posted'
           AND NOT ((amount_residual = 0 AND payment_state IN ('paid', 'reversed'))
                    OR (amount_residual = amount_total AND payment_state = 'not_paid')
                    OR (amount_residual > 0 AND amount_residual < amount_total
                        AND payment_state = 'partial'))
    """,
    "move names that disagree with their sequence fields": """
        SELECT id FROM account_move
         WHERE state = 'posted'
           AND (left(name, length(sequence_prefix)) <> sequence_prefix
                OR substr(name, length(sequence_prefix) + 1) !~ '^[0-9]+$'
                OR substr(name, length(sequence_prefix) + 1)::int <> sequence_number)
    """,
    "sequences with gaps or duplicates": """
        SELECT min(id) FROM account_move WHERE state = 'posted'
      GROUP BY journal_id, sequence_prefix
        HAVING min(sequence_number) <> 1 OR max(sequence_number) <> count(*)
            OR count(DISTINCT sequence_number) <> count(*)
    """,
    "sequences out of date order": """
        SELECT id FROM (
            SELECT id, date,
                   lag(date) OVER (PARTITION BY journal_id, sequence_prefix
                                   ORDER BY sequence_number) AS previous_date
              FROM account_move WHERE state = 'posted') x
         WHERE previous_date > date
    """,
    "payments that disagree with their move": """
        SELECT p.id
          FROM account_payment p
     LEFT JOIN account_move m ON m.id = p.move_id
     LEFT JOIN (SELECT l.move_id, sum(l.amount_residual) AS residual
                  FROM account_move_line l JOIN account_account a ON a.id = l.account_id
                 WHERE a.account_type = 'asset_receivable' GROUP BY l.move_id) r
            ON r.move_id = m.id
         WHERE m.id IS NULL OR m.origin_payment_id IS DISTINCT FROM p.id OR m.date <> p.date
            OR m.name <> p.name OR m.partner_id <> p.partner_id
            OR m.amount_total_signed <> p.amount OR m.state <> 'posted'
            OR p.is_reconciled <> (r.residual = 0)
            OR p.state <> CASE WHEN NOT EXISTS (
                                 SELECT 1 FROM account_move__account_payment rel
                                   JOIN account_move i ON i.id = rel.invoice_id
                                  WHERE rel.payment_id = p.id AND i.payment_state <> 'paid')
                               AND EXISTS (SELECT 1 FROM account_move__account_payment rel
                                            WHERE rel.payment_id = p.id)
                          THEN 'paid' ELSE 'in_process' END
    """,
    "registered payments not linked to the invoices they pay": """
        SELECT pm.origin_payment_id
          FROM account_partial_reconcile p
          JOIN account_move_line d ON d.id = p.debit_move_id
          JOIN account_move_line c ON c.id = p.credit_move_id
          JOIN account_move pm ON pm.id = c.move_id AND pm.origin_payment_id IS NOT NULL
     LEFT JOIN account_move__account_payment rel
            ON rel.payment_id = pm.origin_payment_id AND rel.invoice_id = d.move_id
         WHERE rel.payment_id IS NULL
    """,
    "bank statement lines that disagree with their move": """
        SELECT s.id
          FROM account_bank_statement_line s
          JOIN account_move m ON m.id = s.move_id
          JOIN account_move_line c ON c.statement_line_id = s.id
          JOIN account_account a ON a.id = c.account_id AND a.account_type = 'asset_receivable'
         WHERE m.statement_line_id IS DISTINCT FROM s.id OR s.amount <> m.amount_total_signed
            OR s.is_reconciled <> (c.amount_residual = 0)
            OR s.amount_residual <> c.amount_residual::float
            OR s.internal_index <> to_char(m.date, 'YYYYMMDD')
                                   || lpad((2147483647 - s.sequence)::text, 10, '0')
                                   || lpad(s.id::text, 10, '0')
    """,
    "sale orders whose totals are not their lines'": """
        SELECT o.id
          FROM sale_order o JOIN sale_order_line l ON l.order_id = o.id
      GROUP BY o.id
        HAVING o.amount_untaxed <> sum(l.price_subtotal)
            OR o.amount_total <> sum(l.price_total)
    """,
    "order lines whose invoiced quantity is not their posted invoice lines'": """
        SELECT l.id
          FROM sale_order_line l
          JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = l.id
          JOIN account_move_line i ON i.id = rel.invoice_line_id
          JOIN account_move m ON m.id = i.move_id
         WHERE m.state = 'posted'
      GROUP BY l.id
        HAVING l.qty_invoiced <> sum(CASE WHEN m.move_type = 'out_refund'
                                          THEN -i.quantity ELSE i.quantity END)
            OR bool_or(m.commercial_partner_id <> l.order_partner_id)
    """,
    "partners whose commercial entity or name is wrong": """
        SELECT p.id
          FROM res_partner p LEFT JOIN res_partner parent ON parent.id = p.parent_id
         WHERE (p.is_company AND p.commercial_partner_id <> p.id)
            OR (NOT p.is_company AND parent.is_company
                AND (p.commercial_partner_id <> parent.id
                     OR p.complete_name <> parent.name || ', ' || p.name))
    """,
}


def foreign_key_checks(cr, tables):
    """One query per foreign key of ``tables``: rows pointing to nothing."""
    cr.execute(
        """SELECT c.conname, c.conrelid::regclass::text, a.attname,
                  c.confrelid::regclass::text, fa.attname
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
              AND c.conrelid::regclass::text = ANY(%s)
         ORDER BY 1""",
        [list(tables)],
    )
    return {
        f"rows breaking foreign key {name}": f"""
            SELECT t."{column}" FROM "{table}" t
             WHERE t."{column}" IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM "{target}" r WHERE r."{target_column}" = t."{column}")
        """
        for name, table, column, target, target_column in cr.fetchall()
    }


def run_sql_checks(cr, tables):
    """The invariants, and the foreign keys of ``tables`` (loaded without their triggers)."""
    checks = {**SQL_CHECKS, **foreign_key_checks(cr, tables)}
    for label, query in checks.items():
        cr.execute(f"SELECT array_agg(id) FROM ({query}) AS bad(id)")
        bad = cr.fetchone()[0]
        if bad:
            raise DatasetError(f"{label}: {len(bad)} found, e.g. ids {sorted(bad)[:10]}")
    log(f"SQL checks: {len(checks)} invariants hold (foreign keys included)")


def _values(records, names):
    """Comparable values of ``names`` for each record, from the cache."""
    result = {}
    for record in records:
        row = {}
        for name in names:
            value = record[name]
            if hasattr(value, "_name"):
                value = value.id
            elif isinstance(value, float):
                value = round(value, 2)
            row[name] = value or False
        result[record.id] = row
    return result


def recompute_check(env, model, ids, methods, names):
    """Run Odoo's compute ``methods`` on ``ids`` and compare with the stored ``names``.

    The computed values stay in the ORM cache and are dropped afterwards:
    a method that flushes must come before the ones that assign values.
    """
    started = time.time()
    env.invalidate_all()
    records = env[model].browse(ids)
    records.fetch(names)
    stored = _values(records, names)
    # every stored computed field: the methods also assign fields left
    # uncompared, which must not turn into writes
    fields = [field for field in records._fields.values() if field.compute and field.store]
    with env.protecting(fields, records):
        for method in methods:
            getattr(records, method)()
        computed = _values(records, names)
    # forget the computed values (and what they would trigger): nothing of
    # this check may be written
    env.transaction.clear()
    differences = [
        (record_id, name, stored[record_id][name], computed[record_id][name])
        for record_id in ids
        for name in names
        if stored[record_id][name] != computed[record_id][name]
    ]
    if differences:
        raise DatasetError(
            f"{model}: Odoo computes other values than the generated ones "
            f"(id, field, stored, computed): {differences[:10]}"
        )
    log(f"  {model} {', '.join(methods)}: {len(ids)} records, {time.time() - started:.1f} s")
    return len(ids)


def _sample(cr, query, size, rng):
    """``size`` of the ids of ``query`` drawn with ``rng``, in id order.

    The positions are drawn here and the ids fetched by position, so that
    only the sample comes to Python (ten times the default data set has
    9 million journal items).
    """
    cr.execute(f"SELECT count(*) FROM ({query}) AS q")
    total = cr.fetchone()[0]
    positions = rng.sample(range(total), min(size, total))
    # a join, not ``position = ANY(...)``: that would scan the array for every id
    cr.execute(
        f"""SELECT id FROM (SELECT q.id, row_number() OVER (ORDER BY q.id) - 1 AS position
                              FROM ({query}) AS q) AS numbered
              JOIN unnest(%s::bigint[]) AS drawn(position) USING (position)
          ORDER BY id""",
        [positions],
    )
    return [row[0] for row in cr.fetchall()]


INVOICE_AMOUNTS = [
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "amount_untaxed_signed",
    "amount_tax_signed",
    "amount_total_signed",
    "amount_residual_signed",
    "amount_total_in_currency_signed",
    "payment_state",
]
# (model, sample query, sample size, compute methods, fields they must find stored)
ORM_SAMPLES = (
    (
        "account.move.line",
        "SELECT id FROM account_move_line",
        1500,
        ["_compute_amount_residual"],
        ["amount_residual", "amount_residual_currency", "reconciled"],
    ),
    (
        "account.payment",
        "SELECT id FROM account_payment",
        300,
        ["_compute_state", "_compute_reconciliation_status"],
        ["is_reconciled", "is_matched", "state"],
    ),
    (
        "account.bank.statement.line",
        "SELECT id FROM account_bank_statement_line",
        200,
        ["_compute_is_reconciled", "_compute_internal_index"],
        ["is_reconciled", "amount_residual", "internal_index"],
    ),
    (
        "sale.order.line",
        "SELECT id FROM sale_order_line",
        300,
        # quantities first: the amounts to invoice read them
        [
            "_compute_qty_invoiced",
            "_compute_qty_to_invoice",
            "_compute_invoice_status",
            "_compute_amount",
            "_compute_price_reduce_taxexcl",
            "_compute_price_reduce_taxinc",
            "_compute_untaxed_amount_invoiced",
            "_compute_untaxed_amount_to_invoice",
        ],
        [
            "qty_invoiced",
            "qty_to_invoice",
            "invoice_status",
            "price_subtotal",
            "price_tax",
            "price_total",
            "price_reduce_taxexcl",
            "price_reduce_taxinc",
            "untaxed_amount_invoiced",
            "untaxed_amount_to_invoice",
        ],
    ),
    (
        "sale.order",
        "SELECT id FROM sale_order",
        200,
        ["_compute_amounts", "_compute_invoice_status"],
        ["amount_untaxed", "amount_tax", "amount_total", "invoice_status"],
    ),
    (
        "res.partner",
        "SELECT id FROM res_partner WHERE id > 3",
        300,
        [
            "_compute_commercial_partner",
            "_compute_complete_name",
            "_compute_commercial_company_name",
        ],
        ["commercial_partner_id", "complete_name", "commercial_company_name"],
    ),
)


def run_orm_checks(env, seed=42):
    """Odoo's own compute methods agree with the data, on random samples."""
    rng = random.Random(seed)
    cr = env.cr
    checked = 0
    invoices = _sample(
        cr,
        "SELECT id FROM account_move WHERE move_type IN ('out_invoice', 'out_refund')",
        400,
        rng,
    )
    checked += recompute_check(
        env,
        "account.move",
        invoices,
        # payment states first: their compute flushes, and must find nothing
        # to write yet
        ["_compute_payment_state", "_compute_amount"],
        INVOICE_AMOUNTS,
    )
    checked += recompute_check(
        env,
        "account.move",
        invoices[:100],
        ["_compute_invoice_date_due"],
        ["invoice_date_due"],
    )
    # the bridge's stored date of full payment, which the order-to-cash report reads
    checked += recompute_check(
        env, "account.move", invoices, ["_compute_full_payment_date"], ["full_payment_date"]
    )
    # sampled in this order, so that a fixed seed keeps drawing the same records
    for model, query, size, methods, field_names in ORM_SAMPLES:
        ids = _sample(cr, query, size, rng)
        checked += recompute_check(env, model, ids, methods, field_names)
    log(f"ORM checks: Odoo's compute methods agree on {checked} sampled records")


def check_open_item_summary(env):
    """The bridge's open item summary equals a full recomputation from the journal items."""
    started = time.time()
    count, rows = env["account.move.line"]._open_item_summary_differences(limit=10)
    if count:
        examples = [(row["kind"], row["move_id"], row["partner_id"]) for row in rows]
        raise DatasetError(
            f"open item summary: {count} rows differ from the journal items, "
            f"e.g. (kind, entry, partner) {examples}"
        )
    log(f"open item summary: equal to its recomputation ({time.time() - started:.1f} s)")


def run_bridge_checks(env, seed=42):
    """The bridge's open item summary is exact, its receivable balance equals
    Odoo's ``credit``, and ORM sums."""
    check_open_item_summary(env)
    rng = random.Random(seed)
    cr = env.cr
    customers = _sample(
        cr,
        "SELECT id FROM res_partner WHERE is_company AND customer_rank > 0 AND id > 3",
        300,
        rng,
    )
    cr.execute(
        """SELECT commercial_partner_id FROM account_move
            WHERE move_type = 'out_invoice' GROUP BY 1 ORDER BY count(*) DESC LIMIT 5"""
    )
    heavy = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM res_partner WHERE parent_id IS NOT NULL AND id > 3 LIMIT 20")
    contacts = [row[0] for row in cr.fetchall()]
    env.invalidate_all()
    partners = env["res.partner"].browse(sorted(set(customers + heavy + contacts)))
    differences = []
    currency = env.company.currency_id
    for partner in partners:
        commercial = partner.commercial_partner_id
        if currency.compare_amounts(partner.receivable_balance, commercial.credit):
            differences.append((partner.id, partner.receivable_balance, commercial.credit))
        aging = sum(
            partner[name] for name in ("aging_not_due", "aging_1_30", "aging_31_60", "aging_61_90")
        )
        if currency.compare_amounts(aging + partner.aging_over_90, partner.receivable_balance):
            differences.append((partner.id, "aging", aging, partner.receivable_balance))
    if differences:
        raise DatasetError(f"bridge receivable_balance != Odoo credit: {differences[:10]}")
    # an independent ORM computation for a few partners (heaviest included)
    _check_orm_sums(env, env["res.partner"].browse(heavy[:2] + customers[:3]))
    log(
        f"bridge checks: receivable_balance equals Odoo's credit on {len(partners)} partners, "
        "and ORM sums on 5"
    )


def _check_orm_sums(env, partners):
    """The bridge's receivable, overdue amount and count equal ORM sums of open items."""
    currency = env.company.currency_id
    today = fields.Date.context_today(env.user)
    for partner in partners:
        open_items = env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("company_id", "=", env.company.id),
            ]
        )
        overdue = open_items.filtered(lambda line, day=today: line.date_maturity < day)
        expected = {
            "receivable_balance": sum(open_items.mapped("amount_residual")),
            "overdue_amount": sum(overdue.mapped("amount_residual")),
            "overdue_invoice_count": len(
                overdue.filtered(lambda line: line.amount_residual > 0).move_id
            ),
        }
        for name, value in expected.items():
            if currency.compare_amounts(partner[name], value):
                raise DatasetError(
                    f"bridge {name} of partner {partner.id} is {partner[name]}, "
                    f"the ORM sums {value}"
                )
