# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order and invoice facts of opportunities, kept by PostgreSQL.

``crm_order_cash_cycle_fact`` holds one row per opportunity and company of
its orders: when its first order was created and confirmed, the total of its
orders, the date of its first invoice, what its invoices and credit notes
total and still leave due, and the date of the last payment matched with
them, in the company's currency. The order-to-cash report (``cash_cycle``)
reads it instead of following every order line to every invoice at each
read: the facts of 57,482 opportunities are 57,482 rows, where their
orders' lines have 200,998 links to invoices.

What depends on the reader stays out of the table and is computed when
read: which opportunities are won (the stage, the won date, the salesperson,
the team, the customer are the opportunity's own columns), the time zone of
the dates (times are kept in UTC), the currency of the report (amounts are
kept in the company's), the companies shown, and today.

Statement-level triggers with transition tables on the tables the facts come
from (orders, order lines, their links to invoice lines, journal items and
entries) recompute the facts of the opportunities a statement touched, in
the same transaction, with the same query as a full rebuild; a write that
touches no fact (most updates of journal entries and lines) recomputes
nothing. Triggers rather than ORM hooks for the reason the open item
summary gives: residuals and payment dates are written by SQL as well as by
the ORM.

Concurrency: a row is the facts of one opportunity, shared by all its orders
and invoices, so a recomputation is serialised per opportunity (a
transaction-level advisory lock, taken in the order of the ids). A
transaction of Odoo (repeatable read) that recomputes an opportunity another
one changed since it started fails with a serialization error, which Odoo
retries; rows are emptied rather than deleted so that this conflict is
always on a row. Two opportunities never wait on each other.
"""

from odoo.tools import SQL

TABLE = "crm_order_cash_cycle_fact"
REFRESH = "crm_order_cash_cycle_fact_refresh"
# the facts of a row: (column, type, aggregate over an opportunity's orders
# and invoices in one company)
FACTS = (
    ("ordered_at", "timestamp", "MIN"),
    ("confirmed_at", "timestamp", "MIN"),
    ("amount_ordered", "numeric", "SUM"),
    ("date_invoiced", "date", "MIN"),
    ("invoiced", "numeric", "SUM"),
    ("due", "numeric", "SUM"),
    ("date_last_paid", "date", "MAX"),
)
FACT_NAMES = ", ".join(name for name, _type, _aggregate in FACTS)
# advisory lock namespace of the recomputation of one opportunity's facts
LOCK_NAMESPACE = 18018

# How each source table's changed rows lead to the opportunities whose facts
# they change: (table, event, transition tables, SQL of the opportunity ids).
# An update counts only when a column the facts read changed.
_ORDER_COLUMNS = (
    "opportunity_id",
    "company_id",
    "state",
    "create_date",
    "date_order",
    "amount_total",
    "currency_rate",
)
_MOVE_COLUMNS = (
    "company_id",
    "move_type",
    "invoice_date",
    "amount_total_signed",
    "amount_residual_signed",
    "full_payment_date",
)
_LINE_COLUMNS = ("move_id", "parent_state", "display_type")


def _changed(columns):
    """The old and new rows (``old_row``, ``new_row``) of an update whose
    ``columns`` changed."""
    old = ", ".join(f"old_row.{column}" for column in columns)
    new = ", ".join(f"new_row.{column}" for column in columns)
    return f"""old_row JOIN new_row ON new_row.id = old_row.id
             WHERE ({old}) IS DISTINCT FROM ({new})"""


def _leads_of_order_lines(order_lines):
    """The opportunities of the orders of the order lines ``order_lines``
    (SQL giving ``order_id``)."""
    return f"""SELECT sale_order.opportunity_id
                 FROM ({order_lines}) order_line
                 JOIN sale_order ON sale_order.id = order_line.order_id"""


def _leads_of_invoice_lines(invoice_lines):
    """The opportunities of the orders that the journal items
    ``invoice_lines`` (SQL giving ``id``) invoice."""
    return _leads_of_order_lines(
        f"""SELECT sale_order_line.order_id
              FROM ({invoice_lines}) invoice_line
              JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = invoice_line.id
              JOIN sale_order_line ON sale_order_line.id = rel.order_line_id"""
    )


TRIGGERS = (
    (
        "sale_order",
        "INSERT",
        "NEW TABLE AS new_row",
        "SELECT opportunity_id FROM new_row",
    ),
    (
        "sale_order",
        "UPDATE",
        "OLD TABLE AS old_row NEW TABLE AS new_row",
        f"""SELECT unnest(ARRAY[old_row.opportunity_id, new_row.opportunity_id])
              FROM {_changed(_ORDER_COLUMNS)}""",
    ),
    (
        "sale_order",
        "DELETE",
        "OLD TABLE AS old_row",
        "SELECT opportunity_id FROM old_row",
    ),
    # an order line moved to another order (SQL only: the ORM forbids it)
    (
        "sale_order_line",
        "UPDATE",
        "OLD TABLE AS old_row NEW TABLE AS new_row",
        _leads_of_order_lines(
            f"""SELECT unnest(ARRAY[old_row.order_id, new_row.order_id]) AS order_id
                  FROM {_changed(("order_id",))}"""
        ),
    ),
    # deleting an order line deletes its links to invoice lines in cascade,
    # which then no longer name their order
    (
        "sale_order_line",
        "DELETE",
        "OLD TABLE AS old_row",
        _leads_of_order_lines("SELECT order_id FROM old_row"),
    ),
    (
        "sale_order_line_invoice_rel",
        "INSERT",
        "NEW TABLE AS new_row",
        _leads_of_order_lines(
            """SELECT sale_order_line.order_id
                 FROM new_row JOIN sale_order_line ON sale_order_line.id = new_row.order_line_id"""
        ),
    ),
    (
        "sale_order_line_invoice_rel",
        "DELETE",
        "OLD TABLE AS old_row",
        _leads_of_order_lines(
            """SELECT sale_order_line.order_id
                 FROM old_row JOIN sale_order_line ON sale_order_line.id = old_row.order_line_id"""
        ),
    ),
    # posting and resetting to draft change the state of the lines; lines
    # are inserted before their links and deleted with them (see above)
    (
        "account_move_line",
        "UPDATE",
        "OLD TABLE AS old_row NEW TABLE AS new_row",
        _leads_of_invoice_lines(f"SELECT new_row.id FROM {_changed(_LINE_COLUMNS)}"),
    ),
    (
        "account_move",
        "UPDATE",
        "OLD TABLE AS old_row NEW TABLE AS new_row",
        _leads_of_invoice_lines(
            f"""SELECT account_move_line.id
                  FROM account_move_line
                 WHERE account_move_line.move_id IN (
                       SELECT new_row.id FROM {_changed(_MOVE_COLUMNS)}
                          AND (old_row.move_type IN ('out_invoice', 'out_refund')
                               OR new_row.move_type IN ('out_invoice', 'out_refund')))"""
        ),
    ),
)


def _trigger_name(table, event):
    return f"crm_order_cash_cycle_fact_{table}_{event.lower()}"


def _facts(leads):
    """The facts of the opportunities selected by the SQL condition
    ``leads`` on ``sale_order`` (the orders of an opportunity), per
    opportunity and company of its orders.

    An opportunity's orders that are not cancelled give its order facts; the
    posted customer invoices and credit notes that invoice their lines
    (through their product lines: sections and notes are linked too), once
    per opportunity however many of its lines they invoice, give its invoice
    facts. An order's total is converted into its company's currency at its
    own rate, as ``sale.report`` does; an invoice's amounts are in its
    company's currency already (an order's invoices are in its company).
    """
    null_orders = "NULL::timestamp, NULL::timestamp, NULL::numeric"
    aggregates = ", ".join(f"{aggregate}({name}) AS {name}" for name, _type, aggregate in FACTS)
    return f"""
        WITH lead_order AS MATERIALIZED (
            SELECT sale_order.id, sale_order.opportunity_id AS lead_id, sale_order.company_id,
                   sale_order.state, sale_order.create_date, sale_order.date_order,
                   sale_order.amount_total, sale_order.currency_rate
              FROM sale_order
             WHERE sale_order.state != 'cancel' AND sale_order.opportunity_id IS NOT NULL
               AND {leads}
        ), document AS (
            SELECT DISTINCT lead_order.lead_id, lead_order.company_id, line.move_id
              FROM lead_order
              JOIN sale_order_line order_line ON order_line.order_id = lead_order.id
              JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = order_line.id
              JOIN account_move_line line ON line.id = rel.invoice_line_id
             WHERE line.parent_state = 'posted' AND line.display_type = 'product'
        )
        SELECT lead_id, company_id, {aggregates}
          FROM (SELECT lead_id, company_id,
                       create_date AS ordered_at,
                       CASE WHEN state = 'sale' THEN date_order END AS confirmed_at,
                       amount_total / COALESCE(NULLIF(currency_rate, 0), 1) AS amount_ordered,
                       NULL::date AS date_invoiced, NULL::numeric AS invoiced,
                       NULL::numeric AS due, NULL::date AS date_last_paid
                  FROM lead_order
             UNION ALL
                SELECT document.lead_id, document.company_id, {null_orders},
                       CASE WHEN move.move_type = 'out_invoice' THEN move.invoice_date END,
                       move.amount_total_signed, move.amount_residual_signed,
                       move.full_payment_date
                  FROM document
                  JOIN account_move move ON move.id = document.move_id
                 WHERE move.move_type IN ('out_invoice', 'out_refund')) fact
      GROUP BY lead_id, company_id"""


def _refresh_function():
    """``crm_order_cash_cycle_fact_refresh(lead_ids)``: recompute the facts
    of these opportunities; rows left without facts are emptied."""
    empty = ", ".join(f"{name} = NULL" for name, _type, _aggregate in FACTS)
    update = ", ".join(f"{name} = EXCLUDED.{name}" for name, _type, _aggregate in FACTS)
    kept = ", ".join(f"fact.{name}" for name, _type, _aggregate in FACTS)
    fresh = ", ".join(f"EXCLUDED.{name}" for name, _type, _aggregate in FACTS)
    return f"""
        CREATE OR REPLACE FUNCTION {REFRESH}(lead_ids integer[]) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            -- one recomputation of an opportunity at a time; in a
            -- statement of its own, so that the next one sees what the
            -- transaction that held the lock committed (read committed)
            PERFORM pg_advisory_xact_lock({LOCK_NAMESPACE}, lead_id)
               FROM (SELECT DISTINCT unnest(lead_ids) AS lead_id ORDER BY 1) lead;
            WITH fresh AS MATERIALIZED (
                {_facts("sale_order.opportunity_id = ANY(lead_ids)")}
            ), emptied AS (
                UPDATE {TABLE} fact SET {empty}
                 WHERE fact.lead_id = ANY(lead_ids)
                   AND ({kept}) IS DISTINCT FROM
                       ({", ".join("NULL" for _fact in FACTS)})
                   AND NOT EXISTS (SELECT FROM fresh
                                    WHERE fresh.lead_id = fact.lead_id
                                      AND fresh.company_id = fact.company_id)
            )
            INSERT INTO {TABLE} AS fact (lead_id, company_id, {FACT_NAMES})
            SELECT * FROM fresh ORDER BY lead_id, company_id
                ON CONFLICT (lead_id, company_id) DO UPDATE SET {update}
             WHERE ({kept}) IS DISTINCT FROM ({fresh});
        END $$"""


def _trigger_function(table, event, leads):
    name = _trigger_name(table, event)
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            lead_ids integer[];
        BEGIN
            SELECT array_agg(DISTINCT lead.opportunity_id) INTO lead_ids
              FROM ({leads}) lead (opportunity_id)
             WHERE lead.opportunity_id IS NOT NULL;
            IF lead_ids IS NOT NULL THEN
                PERFORM {REFRESH}(lead_ids);
            END IF;
            RETURN NULL;
        END $$"""


def install():
    """Create the table, its functions and triggers; idempotent. Returns
    the statements as one SQL (the table is filled by ``build``)."""
    columns = ",\n".join(f"{name} {type_}" for name, type_, _aggregate in FACTS)
    statements = [
        f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            lead_id integer NOT NULL REFERENCES crm_lead (id) ON DELETE CASCADE,
            company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
            {columns},
            PRIMARY KEY (lead_id, company_id)
        )""",
        _refresh_function(),
    ]
    for table, event, transition, leads in TRIGGERS:
        name = _trigger_name(table, event)
        statements += [
            _trigger_function(table, event, leads),
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"""
            CREATE TRIGGER {name} AFTER {event} ON {table}
            REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        ]
    return SQL(";\n".join(statements))


def uninstall():
    """Drop the triggers, their functions and the table."""
    statements = [
        f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)} ON {table}"
        for table, event, _transition, _leads in TRIGGERS
    ]
    statements += [
        f"DROP FUNCTION IF EXISTS {_trigger_name(table, event)}()"
        for table, event, _transition, _leads in TRIGGERS
    ]
    statements += [f"DROP FUNCTION IF EXISTS {REFRESH}(integer[])", f"DROP TABLE IF EXISTS {TABLE}"]
    return SQL(";\n".join(statements))


def build():
    """Fill the table from the orders and invoices, in one statement
    (install, repair)."""
    return SQL(
        f"DELETE FROM {TABLE}; INSERT INTO {TABLE} (lead_id, company_id, {FACT_NAMES}) "
        f"{_facts('TRUE')}"
    )


def differences(limit):
    """Rows where the table and a full recomputation disagree (at most
    ``limit``), and how many there are: ``kind`` (missing, extra, differs),
    ``lead_id``, ``company_id``, ``kept`` and ``facts`` (the facts of both
    as text), ``total``. Emptied rows count as absent."""
    names = [name for name, _type, _aggregate in FACTS]
    kept = ", ".join(f"kept.{name}" for name in names)
    recomputed = ", ".join(f"recomputed.{name}" for name in names)
    return SQL(
        f"""
        WITH kept AS (
            SELECT * FROM {TABLE}
             WHERE ({FACT_NAMES}) IS DISTINCT FROM ({", ".join("NULL" for _name in names)})
        ), recomputed AS (
            {_facts("TRUE")}
        ), difference AS (
            SELECT CASE WHEN kept.lead_id IS NULL THEN 'missing'
                        WHEN recomputed.lead_id IS NULL THEN 'extra'
                        ELSE 'differs' END AS kind,
                   lead_id, company_id,
                   ROW({kept})::text AS kept, ROW({recomputed})::text AS facts
              FROM kept
         FULL JOIN recomputed USING (lead_id, company_id)
             WHERE ({kept}) IS DISTINCT FROM ({recomputed})
        )
        SELECT *, COUNT(*) OVER () AS total FROM difference ORDER BY lead_id LIMIT %s""",
        limit,
    )
