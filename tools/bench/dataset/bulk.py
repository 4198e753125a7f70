# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bulk SQL tools of the generator: copies of prototype rows, ids, numbering, bulk load.

Every document of the data set is an ``INSERT ... SELECT`` copy of a row the
ORM wrote on a prototype (``copy_rows``), with only the values that differ
computed in SQL. Ids are reserved from the tables' sequences beforehand, so
that the plans (temp tables ``bench_*``) can link documents to each other.
"""

import contextlib
import time

from .consistency import DatasetError, log

# Tables written in bulk, whose foreign keys the consistency checks verify.
BULK_TABLES = (
    "account_move",
    "account_move_line",
    "account_move_line_account_tax_rel",
    "account_payment",
    "account_move__account_payment",
    "account_bank_statement_line",
    "account_partial_reconcile",
    "account_full_reconcile",
)


def reserve_ids(cr, table, count):
    """Reserve ``count`` consecutive ids of ``table``; return the first."""
    seq = f"{table}_id_seq"
    cr.execute("SELECT nextval(%s)", [seq])
    first = cr.fetchone()[0]
    cr.execute("SELECT setval(%s, %s)", [seq, first + max(count, 1) - 1])
    return first


def table_columns(cr, table):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = %s
         ORDER BY ordinal_position""",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def copy_rows(cr, table, source, overrides, params):
    """INSERT INTO ``table`` one row per row of ``source``, copying template rows.

    ``source`` is a FROM clause exposing ``src`` (its rows, with a column
    ``tpl_id``) joined to the template row ``tpl``; ``overrides`` maps column
    names to SQL expressions. Every other column is copied from ``tpl``, so it
    holds what the ORM wrote on the prototype.
    """
    columns = table_columns(cr, table)
    unknown = set(overrides) - set(columns)
    if unknown:
        raise DatasetError(f"{table} has no column {sorted(unknown)}")
    select = ", ".join(overrides.get(col, f'tpl."{col}"') for col in columns)
    names = ", ".join(f'"{col}"' for col in columns)
    query = f"""INSERT INTO {table} ({names})
                SELECT {select}
                  FROM {source} JOIN {table} tpl ON tpl.id = src.tpl_id"""
    cr.execute(query, params)
    return cr.rowcount


def amount_columns(amount):
    """Debit, credit, balance and amount in currency of a journal item.

    ``amount`` is the SQL expression of its signed balance.
    """
    return {
        "debit": f"greatest({amount}, 0)",
        "credit": f"greatest(-({amount}), 0)",
        "balance": amount,
        "amount_currency": amount,
    }


def template_line(move, display_type=None, account=None):
    """The id of the one line of ``move`` of this display type and/or account."""
    lines = move.line_ids
    if display_type is not None:
        lines = lines.filtered(lambda line: line.display_type == display_type)
    if account is not None:
        lines = lines.filtered(lambda line: line.account_id == account)
    lines.ensure_one()
    return lines.id


def name_format(move):
    """(prefix pattern with {year}, digits) of the sequence of ``move``."""
    year = str(move.date.year)
    prefix = move.sequence_prefix
    if year not in prefix:
        raise DatasetError(f"unexpected sequence prefix {prefix!r} of {move.name}")
    return prefix.replace(year, "{year}"), len(move.name) - len(prefix)


def number_moves(cr, table, journal_id):
    """Fill ``seq`` and ``name`` of ``table`` per ``prefix``, in ``idx`` order.

    Numbers continue after what the journal already holds for the prefix,
    without gaps, like Odoo's sequence mixin on posting in date order.
    """
    cr.execute(
        f"""
        UPDATE {table} t
           SET seq = n.seq,
               name = t.prefix || CASE WHEN length(n.seq::text) >= t.digits
                                       THEN n.seq::text
                                       ELSE lpad(n.seq::text, t.digits, '0') END
          FROM (SELECT b.idx,
                       COALESCE(m.last, 0)
                       + row_number() OVER (PARTITION BY b.prefix ORDER BY b.idx) AS seq
                  FROM {table} b
             LEFT JOIN (SELECT sequence_prefix, max(sequence_number) AS last
                          FROM account_move WHERE journal_id = %(journal)s
                      GROUP BY sequence_prefix) m ON m.sequence_prefix = b.prefix) n
         WHERE n.idx = t.idx
        """,
        {"journal": journal_id},
    )


@contextlib.contextmanager
def bulk_load(cr, tables):
    """Load ``tables`` like pg_restore does: indexes built after, no FK triggers.

    Foreign keys are not checked row by row (``session_replication_role``
    skips their triggers), so they are checked afterwards, set-based,
    by ``consistency.run_sql_checks``. The secondary indexes are dropped
    and created again with their exact definitions, which also re-checks
    the unique ones (such as the unique move name per journal).
    """
    cr.execute(
        """SELECT i.indexname, i.indexdef
             FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint c
                   WHERE c.conindid = (quote_ident(i.schemaname) || '.'
                                       || quote_ident(i.indexname))::regclass)""",
        [list(tables)],
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(f'DROP INDEX "{name}"')
    cr.execute("SET LOCAL session_replication_role = replica")
    yield
    cr.execute("SET LOCAL session_replication_role = origin")
    started = time.time()
    cr.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cr.execute(definition)
    log(f"{len(indexes)} indexes built again in {time.time() - started:.0f} s")
