# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order-to-cash cycle of won opportunities: one row per opportunity.

The steps of a cycle come from three places: the opportunity (won), its sale
orders (``sale.order.opportunity_id``: created, confirmed) and the customer
invoices and credit notes of those orders' lines (invoiced, paid). Each part
is one common table expression aggregated per opportunity; the statement
joins them and derives the day counts. See ``crm.order.cash.cycle`` for
what each column means to its readers.

Raw SQL because the ORM cannot say it: aggregates of three documents joined
per opportunity, reached through a many2many of order lines, in one
statement whatever the number of opportunities and invoices.
"""

from odoo.tools import SQL

# Stored fields the statement reads, to flush before running it.
CASH_CYCLE_SOURCES = {
    "crm.lead": [
        "active",
        "company_id",
        "create_date",
        "date_closed",
        "date_last_stage_update",
        "partner_id",
        "stage_id",
        "team_id",
        "user_id",
    ],
    "crm.stage": ["is_won"],
    "sale.order": [
        "amount_total",
        "company_id",
        "create_date",
        "currency_rate",
        "date_order",
        "opportunity_id",
        "state",
    ],
    "sale.order.line": ["invoice_lines", "order_id"],
    "account.move.line": ["move_id", "parent_state"],
    "account.move": [
        "amount_residual",
        "amount_residual_signed",
        "amount_total_signed",
        "full_payment_date",
        "invoice_date",
        "move_type",
        "state",
    ],
    "res.partner": ["commercial_partner_id"],
}

# The steps of a cycle in their order, and the day counts between them:
# (count, from step, to step). Each consecutive pair, then won to paid.
DAY_COUNTS = (
    ("days_to_order", "date_won", "date_ordered"),
    ("days_to_confirm", "date_ordered", "date_confirmed"),
    ("days_to_invoice", "date_confirmed", "date_invoiced"),
    ("days_to_pay", "date_invoiced", "date_paid"),
    ("days_won_to_paid", "date_won", "date_paid"),
)
# Amounts of a cycle, in the company currency of its company.
AMOUNTS = ("amount_ordered", "amount_invoiced", "amount_paid", "amount_due")


class CycleScope:
    """What the statement reads and how it shows it.

    ``tz``: the time zone in which the won, order and confirmation times
    become dates. ``today``: the date open cycles are aged at.
    ``partner_ids``: the commercial entities to compute, None for all.
    ``source``: the SQL expression naming the source of an opportunity,
    given the SQL of its id (``crm.order.cash.cycle._source_sql``).
    ``currency_table``: Odoo's currency table (``account_currency_table``,
    one rate per company) converting each company's amounts into the
    currency ``currency_id`` of the report.
    """

    def __init__(self, tz, today, partner_ids, source, currency_table, currency_id):
        self.tz = tz
        self.today = today
        self.partner_ids = None if partner_ids is None else list(partner_ids)
        self.source = source
        self.currency_table = currency_table
        self.currency_id = currency_id

    def local_date(self, column):
        """The date of the UTC timestamp ``column`` in the scope's time zone."""
        return SQL("((%s AT TIME ZONE 'UTC') AT TIME ZONE %s)::date", column, self.tz)

    def leads(self):
        """Restrict the opportunities ``lead`` to those of the commercial entities."""
        if self.partner_ids is None:
            return SQL("TRUE")
        return SQL(
            "lead.partner_id IN (SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))",
            self.partner_ids,
        )


def days_between(later, earlier):
    """Days from ``earlier`` to ``later``: NULL until both happened (never 0
    in their place), and 0 when ``later`` came first (a quotation made
    before the win). GREATEST alone would turn NULL into 0."""
    return SQL(
        "CASE WHEN %(later)s IS NOT NULL AND %(earlier)s IS NOT NULL "
        "THEN GREATEST(%(later)s - %(earlier)s, 0) END",
        later=later,
        earlier=earlier,
    )


def won(scope):
    """The won opportunities: active and in a won stage, with their company.

    The won date is the last time the opportunity reached a won stage
    (``date_closed``; Odoo clears it when it is reopened and sets it again
    when it is won again). An opportunity created in a won stage has none:
    then the date it entered its stage. The company of an opportunity
    without one is the company of its first order, whose currency its
    amounts are in.
    """
    return SQL(
        """
        SELECT lead.id,
               lead.user_id,
               lead.team_id,
               customer.commercial_partner_id AS partner_id,
               COALESCE(lead.company_id,
                        (SELECT so.company_id
                           FROM sale_order so
                          WHERE so.opportunity_id = lead.id AND so.state != 'cancel'
                       ORDER BY so.id
                          LIMIT 1)) AS company_id,
               %(date_won)s AS date_won,
               %(source)s AS source
          FROM crm_lead lead
          JOIN crm_stage stage ON stage.id = lead.stage_id
     LEFT JOIN res_partner customer ON customer.id = lead.partner_id
         WHERE lead.active AND stage.is_won AND %(leads)s
        """,
        date_won=scope.local_date(
            SQL("COALESCE(lead.date_closed, lead.date_last_stage_update, lead.create_date)")
        ),
        source=scope.source(SQL("lead.id")),
        leads=scope.leads(),
    )


def orders():
    """The orders of each won opportunity that are not cancelled, in its company.

    Amounts in the company currency: an order's ``currency_rate`` is the
    rate of its currency against its company's at the order date, as
    ``sale.report`` converts them.
    """
    return SQL(
        """
        SELECT so.id, so.opportunity_id AS lead_id, so.state, so.create_date,
               so.date_order,
               so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1) AS amount_total
          FROM won
          JOIN sale_order so ON so.opportunity_id = won.id AND so.company_id = won.company_id
         WHERE so.state != 'cancel'
        """
    )


def order_steps(scope):
    """Per opportunity: the first order created, the first confirmed, the amount ordered."""
    return SQL(
        """
        SELECT lead_id,
               MIN(%(created)s) AS date_ordered,
               MIN(%(confirmed)s) FILTER (WHERE state = 'sale') AS date_confirmed,
               SUM(amount_total) AS amount_ordered
          FROM won_order
      GROUP BY lead_id
        """,
        created=scope.local_date(SQL("create_date")),
        confirmed=scope.local_date(SQL("date_order")),
    )


def documents():
    """The posted entries invoicing the lines of each opportunity's orders,
    once per opportunity even when they invoice several of its lines."""
    return SQL(
        """
        SELECT DISTINCT won_order.lead_id, line.move_id
          FROM won_order
          JOIN sale_order_line order_line ON order_line.order_id = won_order.id
          JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = order_line.id
          JOIN account_move_line line ON line.id = rel.invoice_line_id
         WHERE line.parent_state = 'posted'
        """
    )


def invoice_steps():
    """Per opportunity: the first invoice, the amounts, and the payment date.

    Invoiced is net of credit notes; still due is the residual of both;
    paid is the difference. The cycle is paid once something was invoiced
    and nothing is due (the rule of the order status that the connector
    writes back on deals): then on the date of the last payment matched
    with its invoices, the latest ``full_payment_date`` (the ``max_date`` of
    the last partial reconciliation of a paid invoice's receivable items),
    stored by the bridge so that no reconciliation is read here.
    """
    return SQL(
        """
        SELECT document.lead_id,
               MIN(move.invoice_date) FILTER (WHERE move.move_type = 'out_invoice')
                   AS date_invoiced,
               SUM(move.amount_total_signed) AS amount_invoiced,
               SUM(move.amount_residual_signed) AS amount_due,
               MAX(move.full_payment_date) AS date_last_paid
          FROM document
          JOIN account_move move ON move.id = document.move_id
         WHERE move.move_type IN ('out_invoice', 'out_refund')
      GROUP BY document.lead_id
        """
    )


def cash_cycle(scope):
    """The whole statement: one row per won opportunity of ``scope``.

    Columns: ``id`` and ``opportunity_id`` (the opportunity), ``partner_id``
    (its commercial entity), ``user_id``, ``team_id``, ``company_id``,
    ``currency_id``, ``source``, the dates of the steps (``date_won``,
    ``date_ordered``, ``date_confirmed``, ``date_invoiced``, ``date_paid``),
    every count of ``DAY_COUNTS`` and its ``<count>_median`` twin,
    ``days_open`` (days since won while not paid) and every amount of
    ``AMOUNTS``, converted by the currency table.
    """
    return SQL(
        """
        WITH won AS (
            %(won)s
        ), won_order AS (
            %(orders)s
        ), document AS (
            %(documents)s
        ), step AS (
            SELECT won.*,
                   order_step.date_ordered,
                   order_step.date_confirmed,
                   invoice_step.date_invoiced,
                   CASE WHEN invoice_step.amount_due = 0 AND invoice_step.amount_invoiced > 0
                        THEN invoice_step.date_last_paid END AS date_paid,
                   COALESCE(order_step.amount_ordered, 0) AS amount_ordered,
                   COALESCE(invoice_step.amount_invoiced, 0) AS amount_invoiced,
                   COALESCE(invoice_step.amount_due, 0) AS amount_due
              FROM won
         LEFT JOIN (%(order_steps)s) order_step ON order_step.lead_id = won.id
         LEFT JOIN (%(invoice_steps)s) invoice_step ON invoice_step.lead_id = won.id
        )
        SELECT step.id,
               step.id AS opportunity_id,
               step.partner_id,
               step.user_id,
               step.team_id,
               step.company_id,
               %(currency_id)s AS currency_id,
               step.source,
               step.date_won,
               step.date_ordered,
               step.date_confirmed,
               step.date_invoiced,
               step.date_paid,
               %(day_counts)s,
               CASE WHEN step.date_paid IS NULL
                    THEN GREATEST(%(today)s - step.date_won, 0) END AS days_open,
               %(amounts)s
          FROM step
     LEFT JOIN %(currency_table)s ON account_currency_table.company_id = step.company_id
        """,
        won=won(scope),
        orders=orders(),
        documents=documents(),
        order_steps=order_steps(scope),
        invoice_steps=invoice_steps(),
        currency_id=scope.currency_id,
        day_counts=SQL(", ").join(
            SQL(
                "%(days)s AS %(name)s, %(days)s AS %(median)s",
                days=days_between(SQL.identifier("step", later), SQL.identifier("step", earlier)),
                name=SQL.identifier(name),
                median=SQL.identifier(f"{name}_median"),
            )
            for name, earlier, later in DAY_COUNTS
        ),
        today=scope.today,
        amounts=SQL(", ").join(
            SQL(
                "%(amount)s * COALESCE(account_currency_table.rate, 1) AS %(name)s",
                amount=amount,
                name=SQL.identifier(name),
            )
            for name, amount in (
                ("amount_ordered", SQL("step.amount_ordered")),
                ("amount_invoiced", SQL("step.amount_invoiced")),
                ("amount_paid", SQL("(step.amount_invoiced - step.amount_due)")),
                ("amount_due", SQL("step.amount_due")),
            )
        ),
        currency_table=scope.currency_table,
    )
