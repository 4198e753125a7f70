# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a salesperson in the external CRM learns of a won deal: its order, invoices, payments.

The figures of each sale order come from accounting: posted customer
invoices and credit notes linked to the order's lines, in the order's
currency (the deal's). They are read for many orders at once, in two SQL
statements; what depends on today (days overdue) is computed against the
``today`` given, so that a frozen clock or another timezone decides it, not
the server's date.

An invoice made for several orders counts, whole, in each of them: the
connector does not split an invoice between orders.
"""

from odoo.tools import SQL

# the figures written, in the order the backend's settings list them: a key
# of the figures, and the backend field naming its property
FIGURES = (
    ("order", "status_order_property"),
    ("order_state", "status_state_property"),
    ("delivery_state", "status_delivery_property"),
    ("invoiced", "status_invoiced_property"),
    ("due", "status_due_property"),
    ("paid", "status_paid_property"),
    ("last_payment_date", "status_payment_date_property"),
    ("paid_in_full", "status_paid_in_full_property"),
    ("days_overdue", "status_overdue_days_property"),
)


def order_figures(env, orders, today):
    """``{order id: {figure: value}}`` of ``orders`` (``sale.order``), on ``today``.

    Figures: ``order`` (its reference), ``order_state`` (draft, sent, sale
    or cancel), ``delivery_state`` (``sale_stock``'s: pending, started,
    partial, full; empty without it), ``invoiced`` (posted invoices less
    credit notes), ``due`` (what remains to be paid), ``paid`` (their
    difference), ``last_payment_date`` (ISO date of the last payment
    reconciled with one of them, or empty), ``paid_in_full`` (something
    invoiced, nothing due) and ``days_overdue`` (days since the oldest due
    date of an invoice not fully paid; 0 when none is late).
    """
    if not orders:
        return {}
    # what the SQL below reads, changed in this transaction and not yet written
    for model in (
        "sale.order.line",
        "account.move",
        "account.move.line",
        "account.partial.reconcile",
    ):
        env[model].flush_model()
    totals = _invoice_totals(env, orders.ids, today)
    payments = _last_payments(env, orders.ids)
    with_delivery = "delivery_status" in orders._fields
    result = {}
    for order in orders:
        currency = order.currency_id
        invoiced, due, days_overdue = totals.get(order.id, (0.0, 0.0, 0))
        invoiced, due = currency.round(float(invoiced)), currency.round(float(due))
        last_payment = payments.get(order.id)
        result[order.id] = {
            "order": order.name,
            "order_state": order.state,
            "delivery_state": (with_delivery and order.delivery_status) or "",
            "invoiced": invoiced,
            "due": due,
            "paid": currency.round(invoiced - due),
            "last_payment_date": last_payment.isoformat() if last_payment else "",
            "paid_in_full": bool(invoiced > 0 and currency.is_zero(due)),
            "days_overdue": days_overdue or 0,
        }
    return result


def _order_invoices(order_ids):
    """The posted customer invoices and credit notes of the orders: one row per pair."""
    return SQL(
        """
        SELECT DISTINCT line.order_id, move.id AS move_id, move.move_type,
               move.amount_total, move.amount_residual, move.invoice_date_due
          FROM sale_order_line line
          JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = line.id
          JOIN account_move_line invoice_line ON invoice_line.id = rel.invoice_line_id
          JOIN account_move move ON move.id = invoice_line.move_id
         WHERE line.order_id = ANY(%(order_ids)s)
           AND move.state = 'posted'
           AND move.move_type IN ('out_invoice', 'out_refund')
        """,
        order_ids=list(order_ids),
    )


def _invoice_totals(env, order_ids, today):
    """``{order id: (invoiced, due, days overdue)}``, credit notes counted negative."""
    env.cr.execute(
        SQL(
            """
            WITH invoices AS (%(invoices)s)
            SELECT order_id,
                   SUM(CASE WHEN move_type = 'out_refund' THEN -amount_total
                            ELSE amount_total END),
                   SUM(CASE WHEN move_type = 'out_refund' THEN -amount_residual
                            ELSE amount_residual END),
                   MAX(CASE WHEN move_type = 'out_invoice' AND amount_residual > 0
                             AND invoice_date_due < %(today)s
                            THEN %(today)s::date - invoice_date_due END)
              FROM invoices
          GROUP BY order_id
            """,
            invoices=_order_invoices(order_ids),
            today=today,
        )
    )
    return {order_id: (invoiced, due, days) for order_id, invoiced, due, days in env.cr.fetchall()}


def _last_payments(env, order_ids):
    """``{order id: date}`` of the last payment reconciled with one of its invoices.

    A payment is a journal entry (not another invoice or credit note)
    reconciled with the receivable line of the invoice.
    """
    env.cr.execute(
        SQL(
            """
            WITH invoices AS (%(invoices)s)
            SELECT invoices.order_id, MAX(counterpart.date)
              FROM invoices
              JOIN account_move_line receivable
                ON receivable.move_id = invoices.move_id
               AND receivable.display_type = 'payment_term'
              JOIN account_partial_reconcile partial
                ON receivable.id IN (partial.debit_move_id, partial.credit_move_id)
              JOIN account_move_line counterpart
                ON counterpart.id = CASE WHEN partial.debit_move_id = receivable.id
                                         THEN partial.credit_move_id
                                         ELSE partial.debit_move_id END
              JOIN account_move payment ON payment.id = counterpart.move_id
             WHERE invoices.move_type = 'out_invoice'
               AND payment.move_type = 'entry'
          GROUP BY invoices.order_id
            """,
            invoices=_order_invoices(order_ids),
        )
    )
    return dict(env.cr.fetchall())


def deal_values(backend, figures):
    """``{property: value}`` of one order's ``figures``, for ``backend``'s properties.

    Only the figures whose property the backend names are written.
    """
    values = {}
    for figure, setting in FIGURES:
        name = (backend[setting] or "").strip()
        if name:
            values[name] = figures[figure]
    return values
