# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Command line: ``python3 tools/bench/dataset [--rebuild] [--check]`` (``--help``)."""

import argparse
import json

from .build import check_dataset, ensure_dataset
from .database import DEFAULT_DB, DEFAULT_PG_DIR
from .params import Params


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="dataset",
        description="Benchmark data set: a company with many customers and posted invoices.",
    )
    parser.add_argument("--pg-dir", default=str(DEFAULT_PG_DIR), help="private cluster folder")
    parser.add_argument("--db", default=DEFAULT_DB, help="database name")
    parser.add_argument("--rebuild", action="store_true", help="generate the data set again")
    parser.add_argument(
        "--rebuild-base", action="store_true", help="also reinstall the modules from scratch"
    )
    parser.add_argument("--check", action="store_true", help="re-run the consistency checks")
    parser.add_argument("--customers", type=int, default=Params.customers)
    parser.add_argument("--invoices", type=int, default=Params.invoices)
    args = parser.parse_args(argv)
    params = Params(customers=args.customers, invoices=args.invoices)
    bench_db = ensure_dataset(
        args.pg_dir, args.db, args.rebuild or args.rebuild_base, args.rebuild_base, params
    )
    if args.check:
        check_dataset(bench_db)
    dsn = bench_db.dsn()
    print(
        f"database: {dsn['dbname']}  PGHOST={dsn['host']} PGPORT={dsn['port']} PGUSER={dsn['user']}"
    )
    print(f"odoo options: {' '.join(bench_db.odoo_args())} -d {bench_db.name}")
    print(json.dumps(bench_db.info, indent=1))
