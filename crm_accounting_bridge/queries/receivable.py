# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What customers owe: the open receivable items and their figures.

The part of the snapshot that reads open items only: the snapshot joins it
to the payment history (``queries.snapshot``), and callers that need only
what is owed and how late (credit alerts) run it alone.
"""

from odoo.tools import SQL


def receivable(scope, grace_days):
    """The open receivable figures of ``scope``, one row per commercial entity.

    Columns: ``partner_id``, ``receivable_balance``, the ``overdue`` figures
    (an item is overdue more than ``grace_days`` past due) and the ``aging``
    buckets (counted from the due date), never NULL. Partners without open
    receivable items have no row.
    """
    return SQL(
        """
            WITH open_item AS (
                %(open_items)s
            )
            SELECT partner_id,
                   SUM(residual) AS receivable_balance,
                   %(overdue)s,
                   %(aging)s
              FROM open_item
          GROUP BY partner_id
            """,
        open_items=open_items(scope),
        overdue=overdue(grace_days),
        aging=aging(),
    )


def overdue(grace_days):
    """Columns of the ``open_item`` more than ``grace_days`` past due:
    ``overdue_amount``, ``overdue_invoice_count`` and ``oldest_overdue_days``
    (the last two of items still owed, not of credits); and what could settle
    them once accounting reconciles: ``overdue_owed_amount`` (the overdue
    items still owed, without the credits), ``unallocated_credit_amount``
    (positive) and ``unallocated_credit_count``, the credit notes and
    payments not yet allocated, whatever their date."""
    return SQL(
        """COALESCE(SUM(residual) FILTER (WHERE days_late > %(grace_days)s), 0)
                       AS overdue_amount,
                   COUNT(DISTINCT move_id)
                       FILTER (WHERE days_late > %(grace_days)s AND residual > 0)
                       AS overdue_invoice_count,
                   COALESCE(
                       MAX(days_late) FILTER (WHERE days_late > %(grace_days)s AND residual > 0),
                       0
                   ) AS oldest_overdue_days,
                   COALESCE(
                       SUM(residual) FILTER (WHERE days_late > %(grace_days)s AND residual > 0),
                       0
                   ) AS overdue_owed_amount,
                   COALESCE(-SUM(residual) FILTER (WHERE residual < 0), 0)
                       AS unallocated_credit_amount,
                   COUNT(DISTINCT move_id) FILTER (WHERE residual < 0)
                       AS unallocated_credit_count""",
        grace_days=grace_days,
    )


def aging():
    """Columns of the ``open_item`` by days past due: ``aging_not_due``,
    ``aging_1_30``, ``aging_31_60``, ``aging_61_90`` and ``aging_over_90``."""
    return SQL(
        """COALESCE(SUM(residual) FILTER (WHERE days_late <= 0), 0) AS aging_not_due,
                   COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 1 AND 30), 0)
                       AS aging_1_30,
                   COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 31 AND 60), 0)
                       AS aging_31_60,
                   COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 61 AND 90), 0)
                       AS aging_61_90,
                   COALESCE(SUM(residual) FILTER (WHERE days_late > 90), 0) AS aging_over_90"""
    )


def open_items(scope):
    """The open receivable items of ``scope``.

    Open items are invoices and credit notes not fully reconciled, and
    payments not yet allocated. Columns: ``partner_id`` (commercial
    entity), ``move_id``, ``residual`` and ``days_late``. A page of
    customers looks each one up (per partner and receivable account, so
    that an index of open items serves); all customers at once (the
    Customer 360 report, credit alert searches) read the open items in
    one pass, four times faster than 20,000 lookups.
    """
    is_open = SQL(
        """line.parent_state = 'posted'
               AND line.reconciled IS NOT TRUE
               AND line.amount_residual != 0
               AND %s""",
        scope.company(SQL("line.company_id")),
    )
    if scope.partner_ids is None:
        return SQL(
            """
                SELECT %(columns)s
                  FROM account_move_line line
                  JOIN res_partner partner ON partner.id = line.partner_id
                 WHERE line.account_id = ANY(ARRAY(
                           SELECT id FROM account_account
                            WHERE account_type = 'asset_receivable'))
                   AND %(is_open)s
                """,
            columns=_open_item_columns("line", scope.today),
            is_open=is_open,
        )
    return SQL(
        """
            SELECT %(columns)s
              FROM res_partner partner
              JOIN account_account account ON account.account_type = 'asset_receivable'
              -- per partner and receivable account, so that an index of open
              -- items (account_id and partner_id) serves
              CROSS JOIN LATERAL (
                   SELECT line.move_id, line.amount_residual, line.date_maturity, line.date
                     FROM account_move_line line
                    WHERE line.account_id = account.id
                      AND line.partner_id = partner.id
                      AND %(is_open)s) open_line
             WHERE %(partner_partner)s
            """,
        columns=_open_item_columns("open_line", scope.today),
        is_open=is_open,
        partner_partner=scope.partners(SQL("partner.id")),
    )


def _open_item_columns(alias, today):
    """The columns of ``open_items``, read from the journal item ``alias``."""
    return SQL(
        """partner.commercial_partner_id AS partner_id,
                   %(item)s.move_id,
                   %(item)s.amount_residual AS residual,
                   %(today)s - COALESCE(%(item)s.date_maturity, %(item)s.date) AS days_late""",
        item=SQL.identifier(alias),
        today=today,
    )
