# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Command line of the demo data: build the database once, then print how to use it.

``tools/demo`` runs it before it starts the server; run alone::

    python3 tools/demo_data -d crm_accounting_demo --db_host .demo/pg [--lang fr_FR]
"""

import argparse
import os
import sys
import time
from datetime import date

from .database import DemoDatabase
from .plan import MAX_CUSTOMERS, MIN_MONTHS, SEED, make_plan
from .summary import apply_language, summary

LANGS = ("en_US", "fr_FR")


def parser():
    result = argparse.ArgumentParser(
        prog="demo_data",
        description="Build the demo database (a story on a new database without Odoo's "
        "demo data) unless it is built already; then print the logins.",
    )
    result.add_argument("-d", "--database", required=True)
    result.add_argument("--db_host", default=os.environ.get("PGHOST"))
    result.add_argument("--db_port", default=os.environ.get("PGPORT"))
    result.add_argument("--db_user", default=os.environ.get("PGUSER"))
    result.add_argument("--db_password", default=os.environ.get("PGPASSWORD"))
    result.add_argument("--data-dir", help="Odoo's data folder (as the server's --data-dir)")
    result.add_argument("--port", type=int, default=8069, help="HTTP port the server listens on")
    result.add_argument("--reset", action="store_true", help="drop the database first")
    result.add_argument(
        "--lang",
        choices=LANGS,
        help="language of the users (and, for a new database, of the story's texts); "
        "default: English for a new database, unchanged for an existing one",
    )
    result.add_argument(
        "--customers", type=int, default=40, help=f"number of customers (12 to {MAX_CUSTOMERS})"
    )
    result.add_argument(
        "--months", type=int, default=18, help=f"months of history (>= {MIN_MONTHS})"
    )
    result.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    result.add_argument(
        "--install-log", help="log file of the module installation (default: the terminal)"
    )
    return result


def say(text):
    print(text, flush=True)


def main(argv=None):
    arguments = parser()
    args = arguments.parse_args(argv)
    try:
        plan = make_plan(date.today(), args.customers, args.months, args.seed)
    except ValueError as error:
        arguments.error(str(error))
    db = DemoDatabase(
        name=args.database,
        host=args.db_host,
        port=args.db_port,
        user=args.db_user,
        password=args.db_password,
        data_dir=args.data_dir,
    )
    if args.reset and db.exists():
        say(f"Dropping the demo database '{db.name}'")
        db.drop()
    built = db.built()
    if db.exists() and not built:
        say(
            f"The database '{db.name}' exists but holds no complete demo story (made by an "
            "older tools/demo, or its build stopped midway): start again with --reset."
        )
        return 1
    base_url = f"http://localhost:{args.port}"
    if not built:
        lang = args.lang or "en_US"
        started = time.monotonic()
        say(f"Creating the demo database '{db.name}' (a few minutes):")
        say("  installing the addons and the charts of accounts, without any demo data...")
        db.install(log=args.install_log)
        say(f"  installed: {time.monotonic() - started:.0f}s")
        db.configure_odoo()
        # the story imports odoo.addons.<addon>, found once Odoo is configured
        from .generator import build  # noqa: PLC0415

        build(db, plan, lang, base_url, say=say)
    else:
        db.configure_odoo()

    with db.environment() as env:
        env["ir.config_parameter"].set_param("web.base.url", base_url)
        if args.lang:
            apply_language(env, args.lang)
        env.cr.commit()
        say(summary(env, db.name, base_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
