#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compare what a database's triggers keep with a full recomputation.

crm_accounting_bridge keeps tables by PostgreSQL triggers: the open item
summary (``crm_open_receivable_item``, from ``account_move_line``), the
customers' owed totals (``crm_open_receivable_owed``, from the summary; the
customers marked as changed since the last fold are not compared, their
totals are never read before the fold) and the facts of the order-to-cash
report (``crm_order_cash_cycle_fact``, from the orders, their lines, their
links to invoice lines and the invoices). This command recomputes each from
its sources and reports each row where the two disagree: ``missing`` (a
source without its row), ``extra`` (a row without its source), ``differs``
(other figures).

    python3 tools/open_items_check.py -c odoo.conf -d DATABASE
    python3 tools/open_items_check.py -c odoo.conf -d DATABASE --repair
    python3 tools/open_items_check.py -d DATABASE --db_host /run/postgresql

Options it does not know are Odoo's (``--db_host``, ``--db_user``...).

Exit status 0 when both are exact, 1 when one differs (after ``--repair``:
0 when the rebuilt tables are exact), 2 when the database cannot be checked.
Reads only, unless ``--repair`` rebuilds what differs from its sources (in
one transaction, committed only when exact).
"""

import argparse
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--limit", type=int, default=20, help="differences shown (20)")
    parser.add_argument("--repair", action="store_true", help="rebuild the summary when it differs")
    args, odoo_args = parser.parse_known_args(argv)
    # imported here to say clearly when Odoo is missing, instead of a traceback
    try:
        import odoo  # noqa: PLC0415
        from odoo.modules.registry import Registry  # noqa: PLC0415
    except ImportError:
        print("Odoo 18.0 is not installed in this python3 (import odoo failed).")
        return 2
    if args.config:
        odoo_args = ["-c", args.config, *odoo_args]
    odoo.tools.config.parse_config([*odoo_args, "-d", args.database])
    try:
        registry = Registry(args.database)
    except Exception as error:
        print(f"Cannot open the database {args.database}: {error}")
        return 2
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if "crm.customer.360" not in env:
            print(f"crm_accounting_bridge is not installed in {args.database}.")
            return 2
        checks = _checks(env)
        differing = []
        for label, differences, rebuild, describe in checks:
            started = time.monotonic()
            count, rows = differences(limit=args.limit)
            print(f"{label}: {count} differences ({time.monotonic() - started:.1f} s)")
            for row in rows:
                print(f"  {row['kind']}: {describe(row)}")
            if count:
                differing.append((label, differences, rebuild))
        if not differing:
            return 0
        if not args.repair:
            return 1
        for label, differences, rebuild in differing:
            rebuild()
            count, _rows = differences(limit=1)
            if count:
                cr.rollback()
                print(f"{label}: still {count} differences once rebuilt; nothing committed.")
                return 1
            print(f"{label}: rebuilt from its sources, 0 differences.")
        cr.commit()
        return 0


def _checks(env):
    """(label, differences, rebuild, describe a row) of each kept table."""
    lines = env["account.move.line"]
    cycles = env["crm.order.cash.cycle"]
    return (
        (
            "open item summary",
            lines._open_item_summary_differences,
            lines._rebuild_open_item_summary,
            lambda row: (
                f"entry {row['move_id']}, partner {row['partner_id']},"
                f" account {row['account_id']}, due {row['due_date']},"
                f" {'owed' if row['owed'] else 'credit'}, company {row['company_id']}:"
                f" kept {row['kept_residual']} ({row['kept_item_count']} items),"
                f" journal items {row['residual']} ({row['item_count']} items)"
            ),
        ),
        (
            "customers' owed totals",
            lines._owed_totals_differences,
            lines._rebuild_owed_totals,
            lambda row: (
                f"customer {row['partner_id']}: kept owed {row['kept_owed']},"
                f" balance {row['kept_balance']}; open items owed {row['owed']},"
                f" balance {row['balance']}"
            ),
        ),
        (
            "order-to-cash facts",
            cycles._cycle_facts_differences,
            cycles._rebuild_cycle_facts,
            lambda row: (
                f"opportunity {row['lead_id']}, company {row['company_id']}:"
                f" kept {row['kept']}, orders and invoices {row['facts']}"
            ),
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
