# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order-to-cash cycle of won opportunities: one row per opportunity.

The steps of a cycle come from two places: the opportunity (won) and the
facts of its sale orders and their invoices (created, confirmed, invoiced,
paid), which PostgreSQL keeps per opportunity and company
(``queries.cash_cycle_facts``). What depends on the reader is applied
here: the won opportunities, the time zone of dates, the companies shown,
the currency of the report and today. See ``crm.order.cash.cycle`` for what
each column means to its readers.

Raw SQL because the ORM cannot say it: the facts of two tables aggregated
per opportunity, in one statement whatever the number of opportunities.
"""

from odoo.tools import SQL

from .cash_cycle_facts import TABLE as FACT_TABLE

# Stored fields the statement and the kept facts read, to flush before
# running it (the facts' triggers see only what was written).
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
    "account.move.line": ["display_type", "move_id", "parent_state"],
    "account.move": [
        "amount_residual_signed",
        "amount_total_signed",
        "company_id",
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
# Amounts of a cycle, in the currency of the report.
AMOUNTS = ("amount_ordered", "amount_invoiced", "amount_paid", "amount_due")


class CycleScope:
    """What the statement reads and how it shows it.

    ``tz``: the time zone in which the won, order and confirmation times
    become dates. ``today``: the date open cycles are aged at.
    ``partner_ids``: the commercial entities to compute, None for all.
    ``company_ids``: the companies whose orders count (the active ones).
    ``source``: the SQL expression naming the source of an opportunity,
    given the SQL of its id (``crm.order.cash.cycle._source_sql``).
    ``currency_table``: Odoo's currency table (``account_currency_table``,
    one rate per company of ``company_ids``) converting each company's
    amounts into the currency ``currency_id`` of the report; None when the
    companies share that currency (nothing to convert).
    """

    def __init__(self, tz, today, partner_ids, company_ids, source, currency_table, currency_id):
        self.tz = tz
        self.today = today
        self.partner_ids = None if partner_ids is None else list(partner_ids)
        self.company_ids = list(company_ids)
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

    def converted(self, amount):
        """``amount`` in the report's currency, in a part that joined the
        currency table on the company of the amount (``join_rate``)."""
        if self.currency_table is None:
            return amount
        return SQL("%s * COALESCE(account_currency_table.rate, 1)", amount)

    def join_rate(self, company_id):
        """Join the currency table's rate of the company ``company_id``."""
        if self.currency_table is None:
            return SQL()
        return SQL(
            "LEFT JOIN %s ON account_currency_table.company_id = %s",
            self.currency_table,
            company_id,
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
    """The won opportunities: active and in a won stage.

    The won date is the last time the opportunity reached a won stage
    (``date_closed``; Odoo clears it when it is reopened and sets it again
    when it is won again). An opportunity created in a won stage has none:
    then the date it entered its stage.
    """
    return SQL(
        """
        SELECT lead.id,
               lead.user_id,
               lead.team_id,
               lead.company_id,
               customer.commercial_partner_id AS partner_id,
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


# The facts of a cycle, each from one part of the statement: (column, type).
FACTS = (
    ("user_id", "int"),
    ("team_id", "int"),
    ("company_id", "int"),
    ("partner_id", "int"),
    ("date_won", "date"),
    ("source", "varchar"),
    ("date_ordered", "date"),
    ("date_confirmed", "date"),
    ("amount_ordered", "numeric"),
    ("date_invoiced", "date"),
    ("invoiced", "numeric"),
    ("due", "numeric"),
    ("amount_invoiced", "numeric"),
    ("amount_due", "numeric"),
    ("date_last_paid", "date"),
)
# How the facts of an opportunity add up: the won part gives one value of
# each of its columns, orders and invoices give many.
FACT_AGGREGATES = {
    "user_id": "MAX",
    "team_id": "MAX",
    "company_id": "MAX",
    "partner_id": "MAX",
    "date_won": "MAX",
    "source": "MAX",
    "date_ordered": "MIN",
    "date_confirmed": "MIN",
    "amount_ordered": "SUM",
    "date_invoiced": "MIN",
    "invoiced": "SUM",
    "due": "SUM",
    "amount_invoiced": "SUM",
    "amount_due": "SUM",
    "date_last_paid": "MAX",
}


def _facts(source, values, where=None, joins=None):
    """One part of the facts: ``values`` (column: SQL) from ``source``, the
    other columns NULL, so that the parts can be put one after the other."""
    columns = SQL(", ").join(
        SQL("%s AS %s", values[name], SQL.identifier(name))
        if name in values
        else SQL("CAST(NULL AS %s) AS %s", SQL(type_), SQL.identifier(name))
        for name, type_ in FACTS
    )
    return SQL(
        "SELECT %s AS lead_id, %s FROM %s %s WHERE %s",
        values["lead_id"],
        columns,
        source,
        joins or SQL(),
        where or SQL("TRUE"),
    )


def won_facts():
    """What the opportunity itself says."""
    return _facts(
        SQL("won"),
        {
            "lead_id": SQL("won.id"),
            **{
                name: SQL.identifier("won", name)
                for name in ("user_id", "team_id", "company_id", "partner_id", "date_won", "source")
            },
        },
    )


def kept_facts(scope):
    """What the orders and invoices of each won opportunity say, in the
    active companies: the kept facts (``queries.cash_cycle_facts``), their
    times as dates of the scope's time zone, their amounts in the currency
    of the report."""
    return _facts(
        SQL("won JOIN %s fact ON fact.lead_id = won.id", SQL.identifier(FACT_TABLE)),
        {
            "lead_id": SQL("fact.lead_id"),
            "date_ordered": scope.local_date(SQL("fact.ordered_at")),
            "date_confirmed": scope.local_date(SQL("fact.confirmed_at")),
            "amount_ordered": scope.converted(SQL("fact.amount_ordered")),
            "date_invoiced": SQL("fact.date_invoiced"),
            "invoiced": SQL("fact.invoiced"),
            "due": SQL("fact.due"),
            "amount_invoiced": scope.converted(SQL("fact.invoiced")),
            "amount_due": scope.converted(SQL("fact.due")),
            "date_last_paid": SQL("fact.date_last_paid"),
        },
        where=SQL("fact.company_id = ANY(%s)", scope.company_ids),
        joins=scope.join_rate(SQL("fact.company_id")),
    )


def cash_cycle(scope):
    """The whole statement: one row per won opportunity of ``scope``.

    Columns: ``id`` and ``opportunity_id`` (the opportunity), ``partner_id``
    (its commercial entity), ``user_id``, ``team_id``, ``company_id``,
    ``currency_id``, ``source``, the dates of the steps (``date_won``,
    ``date_ordered``, ``date_confirmed``, ``date_invoiced``, ``date_paid``),
    every count of ``DAY_COUNTS`` and its ``<count>_median`` twin,
    ``days_open`` (days since won while not paid) and every amount of
    ``AMOUNTS``.

    The facts of the opportunities and the kept facts of their orders and
    invoices (one row per company of their orders) are put one after the
    other and aggregated once per opportunity, rather than aggregated apart
    and joined: PostgreSQL cannot know how many opportunities a few
    customers have (some have thousands), and with too low an estimate it
    joined thousands of opportunities to thousands of aggregates by nested
    loops. The won part is inlined (NOT MATERIALIZED) so that its joins are
    estimated from the tables' statistics.

    A cycle is paid once something was invoiced and nothing is due, in the
    companies' own currencies where it is exact (the rule of the order
    status that the connector writes back on deals); invoiced is net of
    credit notes, still due is the residual of both, paid the difference.
    """
    return SQL(
        """
        WITH won AS NOT MATERIALIZED (
            %(won)s
        ), step AS (
            SELECT lead_id AS id, %(aggregates)s
              FROM (%(won_facts)s
                    UNION ALL
                    %(kept_facts)s) fact
          GROUP BY lead_id
        ), cycle AS (
            SELECT step.*,
                   CASE WHEN step.due = 0 AND step.invoiced > 0
                        THEN step.date_last_paid END AS date_paid
              FROM step
        )
        SELECT cycle.id,
               cycle.id AS opportunity_id,
               cycle.partner_id,
               cycle.user_id,
               cycle.team_id,
               cycle.company_id,
               %(currency_id)s AS currency_id,
               cycle.source,
               cycle.date_won,
               cycle.date_ordered,
               cycle.date_confirmed,
               cycle.date_invoiced,
               cycle.date_paid,
               %(day_counts)s,
               CASE WHEN cycle.date_paid IS NULL
                    THEN GREATEST(%(today)s - cycle.date_won, 0) END AS days_open,
               COALESCE(cycle.amount_ordered, 0) AS amount_ordered,
               COALESCE(cycle.amount_invoiced, 0) AS amount_invoiced,
               COALESCE(cycle.amount_invoiced - cycle.amount_due, 0) AS amount_paid,
               COALESCE(cycle.amount_due, 0) AS amount_due
          FROM cycle
        """,
        won=won(scope),
        aggregates=SQL(", ").join(
            SQL(
                "%s(%s) AS %s",
                SQL(FACT_AGGREGATES[name]),
                SQL.identifier(name),
                SQL.identifier(name),
            )
            for name, _type in FACTS
        ),
        won_facts=won_facts(),
        kept_facts=kept_facts(scope),
        currency_id=scope.currency_id,
        day_counts=SQL(", ").join(
            SQL(
                "%(days)s AS %(name)s, %(days)s AS %(median)s",
                days=days_between(SQL.identifier("cycle", later), SQL.identifier("cycle", earlier)),
                name=SQL.identifier(name),
                median=SQL.identifier(f"{name}_median"),
            )
            for name, earlier, later in DAY_COUNTS
        ),
        today=scope.today,
    )
