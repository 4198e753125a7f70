# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The open item summary: the open receivable items, kept by PostgreSQL.

``crm_open_receivable_item`` holds one row per journal entry, partner,
receivable account, due date, company and sign of the open receivable
items (posted, not reconciled, with a residual): their residual in company
currency and how many items they are. It is the snapshot's source of what
customers owe: a few rows per customer, whatever the size of the books.

Triggers on ``account_move_line`` keep it in the same transaction as the
journal items it summarises, whichever path changes them: the ORM's flushes
(posting, reconciliation, unreconciliation, payments, reversals, cancellation,
deletion) and raw SQL alike. Triggers rather than an ORM hook because the ORM
is not the only writer: Odoo itself updates residuals with SQL in places,
and so do migrations and integrators' scripts; an ORM hook would have to
follow every one of them, a trigger cannot miss one.

Why this shape:

- per journal entry: the figures count invoices (an invoice with three
  overdue installments is one overdue invoice), and two transactions never
  write the same summary row unless they write the same journal entry, which
  Odoo already serialises. Posting for one customer from two workers does
  not wait on the summary;
- per sign: the figures tell owed amounts from credits not yet allocated;
- per partner of the item, not its commercial entity: the snapshot maps
  partners to commercial entities when it reads, so a contact moved to
  another company is never stale here;
- due dates, not days late: whatever depends on today is computed when read.

Statement-level triggers with transition tables: one aggregate per SQL
statement however many lines it changes (the ORM flushes in batches), and
lines whose open-item columns did not change cancel out. The type of a
receivable account is read from ``account_account``; changing it rebuilds
that account's rows (a row trigger on the account).
"""

from odoo.tools import SQL

from . import owed_totals

TABLE = "crm_open_receivable_item"
KEY = ("move_id", "partner_id", "account_id", "due_date", "owed", "company_id")
# the functions and triggers the addon creates, removed when it is uninstalled
LINE_TRIGGERS = {
    "INSERT": "REFERENCING NEW TABLE AS new_line",
    "UPDATE": "REFERENCING OLD TABLE AS old_line NEW TABLE AS new_line",
    "DELETE": "REFERENCING OLD TABLE AS old_line",
}
ACCOUNT_TRIGGER = "crm_open_receivable_item_account"


def _line_trigger(event):
    return f"crm_open_receivable_item_{event.lower()}"


def _open_lines(lines, sign):
    """The open receivable items of the journal items ``lines`` (a table
    name), as summary rows weighted by ``sign`` (1 or -1)."""
    return f"""
        SELECT line.move_id, line.partner_id, line.account_id,
               COALESCE(line.date_maturity, line.date) AS due_date,
               line.amount_residual > 0 AS owed, line.company_id,
               {sign} * line.amount_residual AS residual, {sign} AS item_count
          FROM {lines} line
          JOIN account_account account
            ON account.id = line.account_id AND account.account_type = 'asset_receivable'
         WHERE line.parent_state = 'posted'
           AND line.reconciled IS NOT TRUE
           AND line.amount_residual != 0
           AND line.partner_id IS NOT NULL"""


def _apply(parts, moves):
    """Statements adding the summary rows of ``parts`` (``_open_lines``),
    then removing the rows of the entries ``moves`` left without items, and
    marking the customers whose owed total changed (``owed_totals``)."""
    key = ", ".join(KEY)
    return f"""
        INSERT INTO {TABLE} AS item ({key}, residual, item_count)
        SELECT {key}, SUM(residual), SUM(item_count)
          FROM ({" UNION ALL ".join(parts)}) delta
      GROUP BY {key}
        HAVING SUM(item_count) != 0 OR SUM(residual) != 0
      ORDER BY {key}
            ON CONFLICT ({key}) DO UPDATE
           SET residual = item.residual + EXCLUDED.residual,
               item_count = item.item_count + EXCLUDED.item_count;
        DELETE FROM {TABLE} WHERE item_count = 0 AND move_id IN ({moves});
        {owed_totals.mark_changed(parts)}"""


def _line_function(event):
    """The trigger function of ``event`` on ``account_move_line``."""
    if event == "INSERT":
        body = _apply([_open_lines("new_line", 1)], "SELECT move_id FROM new_line")
    elif event == "UPDATE":
        body = _apply(
            [_open_lines("old_line", -1), _open_lines("new_line", 1)],
            "SELECT move_id FROM old_line UNION SELECT move_id FROM new_line",
        )
    else:
        body = _apply([_open_lines("old_line", -1)], "SELECT move_id FROM old_line")
    return f"""
        CREATE OR REPLACE FUNCTION {_line_trigger(event)}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {body}
            RETURN NULL;
        END $$;"""


def _account_function():
    """The trigger function rebuilding the rows of an account whose type changed."""
    key = ", ".join(KEY)
    return f"""
        CREATE OR REPLACE FUNCTION {ACCOUNT_TRIGGER}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {owed_totals.mark_account("NEW.id")}
            DELETE FROM {TABLE} WHERE account_id = NEW.id;
            INSERT INTO {TABLE} ({key}, residual, item_count)
            SELECT {key}, SUM(residual), SUM(item_count)
              FROM ({_open_lines("account_move_line", 1)} AND line.account_id = NEW.id) item
          GROUP BY {key};
            {owed_totals.mark_account("NEW.id")}
            RETURN NULL;
        END $$;"""


def install():
    """Create the table, its functions and triggers; idempotent. Returns
    the statements as one SQL (the table is filled by ``build``)."""
    key = ", ".join(KEY)
    statements = [
        f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            move_id integer NOT NULL,
            partner_id integer NOT NULL,
            account_id integer NOT NULL,
            due_date date NOT NULL,
            owed boolean NOT NULL,
            company_id integer NOT NULL,
            residual numeric NOT NULL,
            item_count integer NOT NULL,
            PRIMARY KEY ({key})
        )""",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_partner_index ON {TABLE} (partner_id)",
        # which companies have open items: the Customer 360 count reads the
        # customers' owed totals only when all are in the companies it reads
        f"CREATE INDEX IF NOT EXISTS {TABLE}_company_index ON {TABLE} (company_id)",
        _account_function(),
        f"DROP TRIGGER IF EXISTS {ACCOUNT_TRIGGER} ON account_account",
        f"""
        CREATE TRIGGER {ACCOUNT_TRIGGER} AFTER UPDATE OF account_type ON account_account
        FOR EACH ROW WHEN (OLD.account_type IS DISTINCT FROM NEW.account_type)
        EXECUTE FUNCTION {ACCOUNT_TRIGGER}()""",
    ]
    for event, transition in LINE_TRIGGERS.items():
        name = _line_trigger(event)
        statements += [
            _line_function(event),
            f"DROP TRIGGER IF EXISTS {name} ON account_move_line",
            f"""
            CREATE TRIGGER {name} AFTER {event} ON account_move_line
            {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        ]
    return SQL(";\n".join(statements))


def uninstall():
    """Drop the triggers, their functions and the table."""
    statements = [f"DROP TRIGGER IF EXISTS {ACCOUNT_TRIGGER} ON account_account"]
    statements += [
        f"DROP TRIGGER IF EXISTS {_line_trigger(event)} ON account_move_line"
        for event in LINE_TRIGGERS
    ]
    statements += [f"DROP FUNCTION IF EXISTS {ACCOUNT_TRIGGER}()"]
    statements += [f"DROP FUNCTION IF EXISTS {_line_trigger(event)}()" for event in LINE_TRIGGERS]
    statements += [f"DROP TABLE IF EXISTS {TABLE}"]
    return SQL(";\n".join(statements))


def _recomputed():
    """The summary recomputed from every journal item."""
    key = ", ".join(KEY)
    return f"""
        SELECT {key}, SUM(residual) AS residual, SUM(item_count) AS item_count
          FROM ({_open_lines("account_move_line", 1)}) line
      GROUP BY {key}"""


def build():
    """Fill the table from the journal items, in one statement (install, repair)."""
    key = ", ".join(KEY)
    return SQL(
        f"DELETE FROM {TABLE}; INSERT INTO {TABLE} ({key}, residual, item_count) {_recomputed()}"
    )


def outside_companies(scope):
    """Whether any open item is in a company outside ``scope`` (an SQL
    condition on ``company.id``): one index lookup per such company."""
    return SQL(
        """SELECT EXISTS (SELECT 1 FROM res_company company
                           WHERE NOT %s
                             AND EXISTS (SELECT 1 FROM %s item
                                          WHERE item.company_id = company.id))""",
        scope,
        SQL.identifier(TABLE),
    )


def differences(limit):
    """Rows where the table and a full recomputation disagree (at most
    ``limit``), and how many there are: ``kind`` (missing, extra, differs),
    the key, both residuals and counts, ``total``."""
    key = ", ".join(KEY)
    return SQL(
        f"""
        WITH kept AS (
            SELECT {key}, residual, item_count FROM {TABLE}
        ), recomputed AS (
            {_recomputed()}
        ), difference AS (
            SELECT CASE WHEN kept.move_id IS NULL THEN 'missing'
                        WHEN recomputed.move_id IS NULL THEN 'extra'
                        ELSE 'differs' END AS kind,
                   {key},
                   kept.residual AS kept_residual, recomputed.residual AS residual,
                   kept.item_count AS kept_item_count, recomputed.item_count AS item_count
              FROM kept
         FULL JOIN recomputed USING ({key})
             WHERE kept.residual IS DISTINCT FROM recomputed.residual
                OR kept.item_count IS DISTINCT FROM recomputed.item_count
        )
        SELECT *, COUNT(*) OVER () AS total FROM difference ORDER BY move_id LIMIT %s""",
        limit,
    )
