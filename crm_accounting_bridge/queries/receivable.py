# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What customers owe: the open receivable items and their figures.

The part of the snapshot that reads open items only: the snapshot joins it
to the payment history (``queries.snapshot``), and callers that need only
what is owed and how late (credit alerts) run it alone.
"""

from odoo.tools import SQL

from .open_item_summary import TABLE


def receivable(scope, grace_days, columns=None):
    """The open receivable figures of ``scope``, one row per commercial entity.

    Columns: ``partner_id``, ``receivable_balance``, the overdue figures
    (an item is overdue more than ``grace_days`` past due) and the aging
    buckets (counted from the due date), never NULL; only the names of
    ``columns`` when given (a list sorted or filtered by a few of them).
    Partners without open receivable items have no row.
    """
    figures = receivable_columns(grace_days)
    return SQL(
        """
            WITH open_item AS (
                %(open_items)s
            )
            SELECT partner_id, %(columns)s
              FROM open_item
          GROUP BY partner_id
            """,
        open_items=open_items(scope),
        columns=SQL(", ").join(
            SQL("%s AS %s", figures[name], SQL.identifier(name))
            for name in (columns if columns is not None else figures)
        ),
    )


def receivable_columns(grace_days):
    """``{column: aggregate}`` of ``receivable`` over ``open_item``.

    Overdue: ``overdue_amount``, ``overdue_invoice_count`` and
    ``oldest_overdue_days`` (the last two of items still owed, not of
    credits), and what could settle them once accounting reconciles:
    ``overdue_owed_amount`` (the overdue items still owed, without the
    credits), ``unallocated_credit_amount`` (positive) and
    ``unallocated_credit_count``, the credit notes and payments not yet
    allocated, whatever their date. Aging by days past due: ``aging_not_due``,
    ``aging_1_30``, ``aging_31_60``, ``aging_61_90`` and ``aging_over_90``.
    """
    overdue = SQL("days_late > %s", grace_days)
    owed_overdue = SQL("days_late > %s AND residual > 0", grace_days)
    return {
        "receivable_balance": SQL("SUM(residual)"),
        "overdue_amount": SQL("COALESCE(SUM(residual) FILTER (WHERE %s), 0)", overdue),
        "overdue_invoice_count": SQL("COUNT(DISTINCT move_id) FILTER (WHERE %s)", owed_overdue),
        "oldest_overdue_days": SQL("COALESCE(MAX(days_late) FILTER (WHERE %s), 0)", owed_overdue),
        "overdue_owed_amount": SQL("COALESCE(SUM(residual) FILTER (WHERE %s), 0)", owed_overdue),
        "unallocated_credit_amount": SQL("COALESCE(-SUM(residual) FILTER (WHERE residual < 0), 0)"),
        "unallocated_credit_count": SQL("COUNT(DISTINCT move_id) FILTER (WHERE residual < 0)"),
        "aging_not_due": SQL("COALESCE(SUM(residual) FILTER (WHERE days_late <= 0), 0)"),
        "aging_1_30": SQL("COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 1 AND 30), 0)"),
        "aging_31_60": SQL("COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 31 AND 60), 0)"),
        "aging_61_90": SQL("COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 61 AND 90), 0)"),
        "aging_over_90": SQL("COALESCE(SUM(residual) FILTER (WHERE days_late > 90), 0)"),
    }


def open_items(scope):
    """The open receivable items of ``scope``, from the open item summary.

    Open items are invoices and credit notes not fully reconciled, and
    payments not yet allocated: ``queries.open_item_summary`` keeps them,
    a few rows per customer, in the same transaction as the journal items.
    Columns: ``partner_id`` (commercial entity), ``move_id``, ``residual``
    and ``days_late``, counted from today at read time so that nothing goes
    stale as days pass. A row holds the items of one entry, due date and
    sign: an entry is counted once, and owed amounts (``residual > 0``) are
    told from credits exactly as per item.
    """
    return SQL(
        """
            SELECT partner.commercial_partner_id AS partner_id,
                   item.move_id,
                   item.residual,
                   %(today)s - item.due_date AS days_late
              FROM %(summary)s item
              JOIN res_partner partner ON partner.id = item.partner_id
             WHERE %(company)s
               AND %(partners)s
            """,
        summary=SQL.identifier(TABLE),
        today=scope.today,
        company=scope.company(SQL("item.company_id")),
        partners=scope.partners(SQL("item.partner_id")),
    )
