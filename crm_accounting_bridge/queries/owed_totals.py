# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What each customer owes in all, kept as a bound to rank customers by.

The Customer 360 list opens sorted by overdue amount. Computing that for
every customer reads every open item (at 200,000 customers, 422,223 summary
rows joined to every partner: about a second); the first page needs the 80
largest only. ``crm_open_receivable_owed`` holds, per commercial entity, the
sum of its open items still owed (positive residuals, every company): an
upper bound of its overdue amount whatever today is, since the overdue
amount adds only some of those items and subtracts credits. The search
takes the customers with the largest bounds, computes their exact figures
from the open item summary, and keeps the answer only when the last row of
the page is more overdue than any bound left out (``customer_360_candidates``
and the report's ``_search``); otherwise it computes every customer as before.

Why a bound and not the figure: overdue amounts change as days pass, and a
kept per-customer figure is a row that every posting and payment of that
customer would update. That is the write contention OCA's credit-control
maintainers refused (OCA/credit-control #323): two workers posting for the
same customer would wait on each other and, in Odoo's repeatable read, one
would fail to serialize. Here no writer ever updates a shared row:

- the summary's triggers only *insert* into ``crm_open_receivable_owed_changed``
  the commercial entities whose owed total a statement changed (and the
  partner trigger those whose contacts moved to another commercial entity);
- a scheduled action (``fold``), alone at a time, recomputes the totals of
  the entities marked and removes the marks it saw.

A marked entity is always a candidate, so its bound is never trusted; an
unmarked one's total is exact, because a change made beside the fold keeps
its mark (the fold deletes only the marks its snapshot sees, and computes
the totals from the same snapshot). The job only keeps the search fast:
nothing it has not done yet can make the list wrong.
"""

from odoo.tools import SQL

# imported by open_item_summary, whose table name is read when a statement is built
from . import open_item_summary

TOTALS = "crm_open_receivable_owed"
CHANGED = "crm_open_receivable_owed_changed"
PARTNER_TRIGGER = "crm_open_receivable_owed_partner"
# one fold at a time (pg_try_advisory_xact_lock(namespace, key))
FOLD_LOCK = (18020, 1)
# beyond this many customers changed since the last fold (the scheduled
# action stopped, a bulk import), the searches compute every customer instead
MARKED_LIMIT = 5000


def mark_changed(parts):
    """The statement marking the entities whose totals the summary rows
    ``parts`` change (``open_item_summary._open_lines``, weighted by sign):
    what they owe, their balance, whether they have open items. Parts that
    cancel out mark nothing."""
    return f"""
        INSERT INTO {CHANGED} (partner_id)
        SELECT partner.commercial_partner_id
          FROM ({" UNION ALL ".join(parts)}) delta
          JOIN res_partner partner ON partner.id = delta.partner_id
         -- a partner created in the same flush gets its commercial entity
         -- after: the partner trigger marks it then
         WHERE partner.commercial_partner_id IS NOT NULL
      GROUP BY partner.commercial_partner_id
        HAVING SUM(delta.residual) FILTER (WHERE delta.owed) != 0
            OR SUM(delta.residual) != 0
            OR SUM(delta.item_count) != 0;"""


def mark_account(account_id):
    """The statement marking the entities with open items on the account
    ``account_id`` (an SQL expression), around a rebuild of its rows."""
    return f"""
        INSERT INTO {CHANGED} (partner_id)
        SELECT DISTINCT partner.commercial_partner_id
          FROM {open_item_summary.TABLE} item
          JOIN res_partner partner ON partner.id = item.partner_id
         WHERE item.account_id = {account_id}
           AND partner.commercial_partner_id IS NOT NULL;"""


def _partner_function():
    """Mark both entities of a contact that moved to another commercial
    entity with open items: its items now count for the other one."""
    return f"""
        CREATE OR REPLACE FUNCTION {PARTNER_TRIGGER}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {CHANGED} (partner_id)
            SELECT DISTINCT moved.commercial_partner_id
              FROM old_partner was
              JOIN new_partner now ON now.id = was.id
             CROSS JOIN LATERAL (VALUES (was.commercial_partner_id),
                                        (now.commercial_partner_id)) moved (commercial_partner_id)
             WHERE was.commercial_partner_id IS DISTINCT FROM now.commercial_partner_id
               AND moved.commercial_partner_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM {open_item_summary.TABLE} item
                            WHERE item.partner_id = was.id);
            RETURN NULL;
        END $$;"""


def install():
    """Create the tables, the partner trigger and its function; idempotent.
    The summary's own triggers mark changes (``mark_changed``); ``build``
    fills the totals."""
    return SQL(
        ";\n".join(
            [
                f"""
                CREATE TABLE IF NOT EXISTS {TOTALS} (
                    partner_id integer PRIMARY KEY,
                    owed numeric NOT NULL,
                    balance numeric NOT NULL
                )""",
                f"CREATE INDEX IF NOT EXISTS {TOTALS}_owed_index ON {TOTALS} (owed DESC)",
                # no key: writers only insert, and never wait on each other
                f"CREATE TABLE IF NOT EXISTS {CHANGED} (partner_id integer NOT NULL)",
                _partner_function(),
                f"DROP TRIGGER IF EXISTS {PARTNER_TRIGGER} ON res_partner",
                # every update: a trigger naming its columns cannot have
                # transition tables; the function compares old and new
                f"""
                CREATE TRIGGER {PARTNER_TRIGGER} AFTER UPDATE ON res_partner
                REFERENCING OLD TABLE AS old_partner NEW TABLE AS new_partner
                FOR EACH STATEMENT EXECUTE FUNCTION {PARTNER_TRIGGER}()""",
            ]
        )
    )


def uninstall():
    """Drop the trigger, its function and the tables."""
    return SQL(
        ";\n".join(
            [
                f"DROP TRIGGER IF EXISTS {PARTNER_TRIGGER} ON res_partner",
                f"DROP FUNCTION IF EXISTS {PARTNER_TRIGGER}()",
                f"DROP TABLE IF EXISTS {CHANGED}",
                f"DROP TABLE IF EXISTS {TOTALS}",
            ]
        )
    )


def _recomputed(entities=None):
    """The totals recomputed from the open item summary, of the entities
    ``entities`` (a subquery of ids; all by default): one row per entity
    with open items, what it owes (``owed``) and its ``balance``."""
    where = f"AND partner.commercial_partner_id IN ({entities})" if entities else ""
    return f"""
        SELECT partner.commercial_partner_id AS partner_id,
               COALESCE(SUM(item.residual) FILTER (WHERE item.owed), 0) AS owed,
               SUM(item.residual) AS balance
          FROM {open_item_summary.TABLE} item
          JOIN res_partner partner ON partner.id = item.partner_id
         WHERE partner.commercial_partner_id IS NOT NULL {where}
      GROUP BY partner.commercial_partner_id"""


def build():
    """Fill the totals from the open item summary; no entity stays marked."""
    return SQL(
        f"""
        DELETE FROM {CHANGED};
        DELETE FROM {TOTALS};
        INSERT INTO {TOTALS} (partner_id, owed, balance) {_recomputed()}"""
    )


def fold():
    """Recompute the totals of the marked entities and remove the marks
    seen, in one statement's snapshot (run under ``FOLD_LOCK``). Returns
    how many entities it folded."""
    return SQL(
        f"""
        WITH seen AS (
            DELETE FROM {CHANGED} RETURNING partner_id
        ), entity AS (
            SELECT DISTINCT partner_id FROM seen
        ), recomputed AS (
            {_recomputed("SELECT partner_id FROM entity")}
        ), emptied AS (
            DELETE FROM {TOTALS}
             WHERE partner_id IN (SELECT partner_id FROM entity)
               AND partner_id NOT IN (SELECT partner_id FROM recomputed)
        ), kept AS (
            INSERT INTO {TOTALS} (partner_id, owed, balance)
            SELECT partner_id, owed, balance FROM recomputed
                ON CONFLICT (partner_id)
                DO UPDATE SET owed = EXCLUDED.owed, balance = EXCLUDED.balance
        )
        SELECT COUNT(*) FROM entity"""
    )


def candidates(count):
    """The ``count`` entities of largest owed total, the marked entities
    (``MARKED_LIMIT`` + 1 at most: more tell the caller to compute every
    customer), and the bound of all others: rows ``(partner_id, owed)``,
    where ``owed`` is the total (NULL for a marked entity), and a last row
    ``(NULL, bound)`` (0 when no other entity owes anything)."""
    return SQL(
        f"""
        WITH ranked AS (
            SELECT partner_id, owed, ROW_NUMBER() OVER (ORDER BY owed DESC) AS rank
              FROM (SELECT partner_id, owed FROM {TOTALS} ORDER BY owed DESC LIMIT %s) top
        )
        SELECT partner_id, owed FROM ranked WHERE rank <= %s
         UNION ALL
        (SELECT DISTINCT partner_id, NULL::numeric FROM {CHANGED} LIMIT %s)
         UNION ALL
        SELECT NULL, COALESCE((SELECT owed FROM ranked WHERE rank = %s), 0)""",
        count + 1,
        count,
        MARKED_LIMIT + 1,
        count + 1,
    )


def differences(limit):
    """Unmarked entities whose kept totals differ from a recomputation (at
    most ``limit``) and how many: ``kind`` (missing, extra, differs),
    ``partner_id``, ``kept_owed``, ``owed``,
    ``kept_balance``, ``balance``, ``total``. A marked entity is not
    compared: its totals wait for the fold and are never read meanwhile."""
    return SQL(
        f"""
        WITH difference AS (
            SELECT CASE WHEN kept.partner_id IS NULL THEN 'missing'
                        WHEN recomputed.partner_id IS NULL THEN 'extra'
                        ELSE 'differs' END AS kind,
                   COALESCE(kept.partner_id, recomputed.partner_id) AS partner_id,
                   kept.owed AS kept_owed, recomputed.owed,
                   kept.balance AS kept_balance, recomputed.balance
              FROM {TOTALS} kept
         FULL JOIN ({_recomputed()}) recomputed ON recomputed.partner_id = kept.partner_id
             WHERE kept.owed IS DISTINCT FROM recomputed.owed
                OR kept.balance IS DISTINCT FROM recomputed.balance
        )
        SELECT *, COUNT(*) OVER () AS total
          FROM difference
         WHERE partner_id NOT IN (SELECT partner_id FROM {CHANGED})
      ORDER BY partner_id LIMIT %s""",
        limit,
    )


def marked():
    """The entities marked as changed since the last fold (``MARKED_LIMIT``
    + 1 at most: more tell the caller to compute every customer)."""
    return SQL(f"SELECT DISTINCT partner_id FROM {CHANGED} LIMIT %s", MARKED_LIMIT + 1)


def kept_balances(fresh_ids):
    """``(partner_id, receivable_balance)`` of the entities with open items,
    from the kept totals, but for ``fresh_ids`` (the marked entities, which
    the caller computes from the summary). The balance of every company:
    only for a database whose open items are all in the scope read."""
    return SQL(
        f"SELECT partner_id, balance AS receivable_balance FROM {TOTALS} "
        "WHERE partner_id != ALL(%s)",
        list(fresh_ids),
    )
