# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The partner financial snapshot: what is owed, joined to the payment history.

Each part is one common table expression of the snapshot: the open
receivable figures (``queries.receivable``), the revenue of the last twelve
months, the payment habits and the last payment. The snapshot joins them,
one row per commercial entity. See ``partner.financial.snapshot`` for what
each figure means to its readers.

Raw SQL because the ORM cannot say it: four aggregates of different tables
joined per commercial entity, and per-partner lateral lookups that an index
serves, in one statement whatever the number of partners.
"""

from odoo.tools import SQL

# Stored fields the snapshot statement reads, to flush before running it.
SNAPSHOT_SOURCES = {
    "account.move.line": [
        "account_id",
        "amount_residual",
        "balance",
        "company_id",
        "date",
        "date_maturity",
        "display_type",
        "move_id",
        "parent_state",
        "partner_id",
        "reconciled",
    ],
    "account.move": [
        "amount_untaxed_signed",
        "commercial_partner_id",
        "company_id",
        "full_payment_date",
        "invoice_date",
        "invoice_date_due",
        "move_type",
        "origin_payment_id",
        "partner_id",
        "payment_state",
        "reversed_entry_id",
        "state",
        "statement_line_id",
    ],
    "account.account": ["account_type"],
    "res.partner": ["commercial_partner_id"],
    "res.company": ["parent_path"],
}


def snapshot(scope, receivable, since):
    """The whole snapshot of ``scope``: ``receivable`` (the part built by
    ``queries.receivable.receivable``, or an extension of it) joined to the
    revenue and payment habits since ``since`` and to the last payment, one
    row per commercial entity that has any of them, missing figures as 0.

    For a page of partners, the rows are those of its list of entities:
    PostgreSQL estimates the union of the four parts joined to each of them
    at millions of rows on the busiest customers, and JIT-compiles a
    statement estimated that costly before running it (55 of its 100 ms for
    the 80 busiest customers of 200,000).
    """
    if scope.partner_ids is None:
        entities = SQL(
            """SELECT partner_id FROM receivable
                 UNION SELECT partner_id FROM revenue
                 UNION SELECT partner_id FROM payment_habit
                 UNION SELECT partner_id FROM last_payment"""
        )
    else:
        entities = SQL(
            """SELECT entity.id AS partner_id
                  FROM unnest(%s::int[]) AS entity(id)
                 WHERE entity.id IN (SELECT partner_id FROM receivable)
                    OR entity.id IN (SELECT partner_id FROM revenue)
                    OR entity.id IN (SELECT partner_id FROM payment_habit)
                    OR entity.id IN (SELECT partner_id FROM last_payment)""",
            scope.partner_ids,
        )
    return SQL(
        """
            WITH receivable AS (
                %(receivable)s
            ), revenue AS (
                %(revenue)s
            ), payment_habit AS (
                %(payment_habit)s
            ), last_payment AS (
                %(last_payment)s
            ), snapshot_partner AS (
                %(entities)s
            )
            SELECT snapshot_partner.partner_id,
                   COALESCE(receivable.receivable_balance, 0) AS receivable_balance,
                   COALESCE(receivable.overdue_amount, 0) AS overdue_amount,
                   COALESCE(receivable.overdue_invoice_count, 0) AS overdue_invoice_count,
                   COALESCE(receivable.oldest_overdue_days, 0) AS oldest_overdue_days,
                   COALESCE(receivable.overdue_owed_amount, 0) AS overdue_owed_amount,
                   COALESCE(receivable.unallocated_credit_amount, 0)
                       AS unallocated_credit_amount,
                   COALESCE(receivable.unallocated_credit_count, 0)
                       AS unallocated_credit_count,
                   COALESCE(receivable.aging_not_due, 0) AS aging_not_due,
                   COALESCE(receivable.aging_1_30, 0) AS aging_1_30,
                   COALESCE(receivable.aging_31_60, 0) AS aging_31_60,
                   COALESCE(receivable.aging_61_90, 0) AS aging_61_90,
                   COALESCE(receivable.aging_over_90, 0) AS aging_over_90,
                   COALESCE(revenue.revenue_ltm, 0) AS revenue_ltm,
                   COALESCE(payment_habit.avg_payment_delay_days, 0)
                       AS avg_payment_delay_days,
                   COALESCE(payment_habit.late_payment_rate, 0) AS late_payment_rate,
                   COALESCE(payment_habit.paid_invoice_count, 0) AS paid_invoice_count,
                   last_payment.last_payment_date
              FROM snapshot_partner
         LEFT JOIN receivable ON receivable.partner_id = snapshot_partner.partner_id
         LEFT JOIN revenue ON revenue.partner_id = snapshot_partner.partner_id
         LEFT JOIN payment_habit ON payment_habit.partner_id = snapshot_partner.partner_id
         LEFT JOIN last_payment ON last_payment.partner_id = snapshot_partner.partner_id
            """,
        receivable=receivable,
        entities=entities,
        revenue=revenue(scope, since),
        payment_habit=payment_habits(scope, since),
        last_payment=last_payment(scope),
    )


def revenue(scope, since):
    """Untaxed revenue invoiced after ``since`` up to today, credit notes
    deducted: ``partner_id``, ``revenue_ltm``."""
    return SQL(
        """SELECT move.commercial_partner_id AS partner_id,
                       SUM(move.amount_untaxed_signed) AS revenue_ltm
                  FROM account_move move
                 WHERE move.move_type IN ('out_invoice', 'out_refund')
                   AND move.state = 'posted'
                   AND move.invoice_date > %(ltm_start)s
                   AND move.invoice_date <= %(today)s
                   AND %(move_company)s
                   AND %(move_commercial)s
              GROUP BY move.commercial_partner_id""",
        ltm_start=since,
        today=scope.today,
        move_company=scope.company(SQL("move.company_id")),
        move_commercial=scope.moves(),
    )


def payment_habits(scope, since):
    """How late the invoices paid in full after ``since`` were paid:
    ``partner_id``, ``avg_payment_delay_days``, ``late_payment_rate``, and
    how many they are, ``paid_invoice_count`` (without any, the delay and
    the rate have no value)."""
    return SQL(
        """SELECT move.commercial_partner_id AS partner_id,
                       AVG(move.full_payment_date - move.invoice_date_due)
                           AS avg_payment_delay_days,
                       AVG(CASE WHEN move.full_payment_date > move.invoice_date_due
                                THEN 1.0 ELSE 0.0 END) AS late_payment_rate,
                       COUNT(*) AS paid_invoice_count
                  FROM account_move move
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN ('paid', 'in_payment')
                   AND move.full_payment_date > %(ltm_start)s
                   AND %(move_company)s
                   AND %(move_commercial)s
              GROUP BY move.commercial_partner_id""",
        ltm_start=since,
        move_company=scope.company(SQL("move.company_id")),
        move_commercial=scope.moves(),
    )


def last_payment(scope):
    """The date of the latest money received: ``partner_id``,
    ``last_payment_date``."""
    return SQL(
        """-- money received: receivable credits of payments and bank
                -- statement lines, allocated or not, unless a posted entry
                -- reverses them (a bounced cheque); the latest per partner,
                -- walking its journal items backwards by date
                SELECT partner.commercial_partner_id AS partner_id,
                       MAX(latest.date) AS last_payment_date
                  FROM res_partner partner
                  CROSS JOIN LATERAL (
                       SELECT line.date
                         FROM account_move_line line
                         JOIN account_move move ON move.id = line.move_id
                        WHERE line.partner_id = partner.id
                          -- a filter, not a join: the newest credit comes first
                          AND line.account_id = ANY(ARRAY(
                              SELECT id FROM account_account
                               WHERE account_type = 'asset_receivable'))
                          AND line.parent_state = 'posted'
                          AND line.balance < 0
                          AND (move.origin_payment_id IS NOT NULL
                               OR move.statement_line_id IS NOT NULL)
                          -- reversed_entry_id is indexed: one lookup per credit looked at
                          AND NOT EXISTS (
                              SELECT FROM account_move reversal
                               WHERE reversal.reversed_entry_id = move.id
                                 AND reversal.state = 'posted')
                          AND %(line_company)s
                     ORDER BY line.date DESC
                        LIMIT 1) latest
                 WHERE %(partner_partner)s
              GROUP BY partner.commercial_partner_id""",
        line_company=scope.company(SQL("line.company_id")),
        partner_partner=scope.commercial(SQL("partner.commercial_partner_id")),
    )
