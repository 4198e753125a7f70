# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What customers owe: the open receivable items and their figures.

The part of the snapshot that reads open items only: the snapshot joins it
to the payment history (``queries.snapshot``), and callers that need only
what is owed and how late (credit alerts) run it alone.
"""

from odoo.tools import SQL

from .open_item_summary import TABLE


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
