# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The snapshot's revenue and payment habits, month by month.

The same rules as ``queries.snapshot.revenue`` and
``queries.snapshot.payment_habits``, grouped by month as well as by
commercial entity, for the charts of Customer 360. Raw SQL for the same
reason: averages of date differences per customer and month, in one
statement whatever the number of customers.
"""

from odoo.tools import SQL


def monthly(scope, first_month):
    """Per commercial entity and month since ``first_month`` (a first day of
    month, at most 365 days before ``scope.today``): ``partner_id``,
    ``month`` (its first day), ``kind`` ('revenue' or 'payment'),
    ``revenue`` (untaxed, credit notes deducted, by month of invoice date),
    and by month of full payment ``avg_delay`` (days after the due date),
    ``late_rate`` (0 to 1) and ``paid_count`` of the invoices paid in full."""
    return SQL(
        """
        SELECT move.commercial_partner_id AS partner_id,
               date_trunc('month', move.invoice_date)::date AS month,
               'revenue' AS kind,
               SUM(move.amount_untaxed_signed) AS revenue,
               NULL::numeric AS avg_delay,
               NULL::numeric AS late_rate,
               0 AS paid_count
          FROM account_move move
         WHERE move.move_type IN ('out_invoice', 'out_refund')
           AND move.state = 'posted'
           AND move.invoice_date >= %(first_month)s
           AND move.invoice_date <= %(today)s
           AND %(move_company)s
           AND %(move_commercial)s
      GROUP BY move.commercial_partner_id, date_trunc('month', move.invoice_date)
     UNION ALL
        SELECT move.commercial_partner_id,
               date_trunc('month', move.full_payment_date)::date,
               'payment',
               0,
               AVG(move.full_payment_date - move.invoice_date_due),
               AVG(CASE WHEN move.full_payment_date > move.invoice_date_due
                        THEN 1.0 ELSE 0.0 END),
               COUNT(*)
          FROM account_move move
         WHERE move.move_type = 'out_invoice'
           AND move.state = 'posted'
           AND move.payment_state IN ('paid', 'in_payment')
           AND move.full_payment_date >= %(first_month)s
           AND %(move_company)s
           AND %(move_commercial)s
      GROUP BY move.commercial_partner_id, date_trunc('month', move.full_payment_date)
        """,
        first_month=first_month,
        today=scope.today,
        move_company=scope.company(SQL("move.company_id")),
        move_commercial=scope.moves(),
    )
