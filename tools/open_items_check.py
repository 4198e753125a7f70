#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compare a database's open item summary with its journal items.

crm_accounting_bridge keeps the open receivable items in a summary table
(``crm_open_receivable_item``) with triggers on ``account_move_line``. This
command recomputes the summary from every journal item and reports each row
where the two disagree: ``missing`` (items without their row), ``extra``
(a row without items), ``differs`` (another residual or count).

    python3 tools/open_items_check.py -c odoo.conf -d DATABASE
    python3 tools/open_items_check.py -c odoo.conf -d DATABASE --repair
    python3 tools/open_items_check.py -d DATABASE --db_host /run/postgresql

Options it does not know are Odoo's (``--db_host``, ``--db_user``...).

Exit status 0 when the summary is exact, 1 when it differs (after
``--repair``: 0 when the rebuilt summary is exact), 2 when the database
cannot be checked. Reads only, unless ``--repair`` rebuilds the summary from
the journal items (in one transaction, committed only when exact).
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
        lines = env["account.move.line"]
        started = time.monotonic()
        count, rows = lines._open_item_summary_differences(limit=args.limit)
        elapsed = time.monotonic() - started
        print(f"{count} differences ({elapsed:.1f} s)")
        for row in rows:
            print(
                f"  {row['kind']}: entry {row['move_id']}, partner {row['partner_id']},"
                f" account {row['account_id']}, due {row['due_date']},"
                f" {'owed' if row['owed'] else 'credit'}, company {row['company_id']}:"
                f" kept {row['kept_residual']} ({row['kept_item_count']} items),"
                f" journal items {row['residual']} ({row['item_count']} items)"
            )
        if not count:
            return 0
        if not args.repair:
            return 1
        lines._rebuild_open_item_summary()
        count, _rows = lines._open_item_summary_differences(limit=1)
        if count:
            cr.rollback()
            print(f"The rebuilt summary still has {count} differences: not committed.")
            return 1
        cr.commit()
        print("Rebuilt from the journal items: 0 differences.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
