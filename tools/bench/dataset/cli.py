# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Command line: ``python3 tools/bench/dataset [--size large] [--rebuild] [--check]``
(``--help``), and the options of the data set that every benchmark shares."""

import argparse
import json
from dataclasses import replace

from .build import check_dataset, ensure_dataset
from .database import DEFAULT_DB, DEFAULT_PG_DIR
from .params import params_of_size, size_factor


def _size(value):
    """``--size``: checked here, so that argparse says what is wrong."""
    try:
        size_factor(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return value


def default_db(size):
    """The database of a size: each size has its own, so that asking for
    one never rebuilds another in the same cluster."""
    return DEFAULT_DB if size_factor(size) == 1 else f"{DEFAULT_DB}_{size}"


def add_dataset_arguments(parser):
    """``--pg-dir``, ``--db`` and ``--size``: which data set to use (or build)."""
    parser.add_argument("--pg-dir", default=str(DEFAULT_PG_DIR), help="private cluster folder")
    parser.add_argument(
        "--size",
        type=_size,
        default="default",
        help="default (20,000 customers, 200,000 invoices), large (ten times as "
        "many: 200,000 and 2,000,000) or Nx (N times the default); every count "
        "grows in proportion",
    )
    parser.add_argument(
        "--db",
        help=f"database name (default: {DEFAULT_DB}, or {DEFAULT_DB}_<size> for another size)",
    )


def ensure_dataset_of(args, rebuild=False, rebuild_base=False, params=None):
    """``ensure_dataset`` for the options of ``add_dataset_arguments``."""
    return ensure_dataset(
        args.pg_dir,
        args.db or default_db(args.size),
        rebuild,
        rebuild_base,
        params or params_of_size(args.size),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="dataset",
        description="Benchmark data set: a company with many customers and posted invoices.",
    )
    add_dataset_arguments(parser)
    parser.add_argument("--rebuild", action="store_true", help="generate the data set again")
    parser.add_argument(
        "--rebuild-base", action="store_true", help="also reinstall the modules from scratch"
    )
    parser.add_argument("--check", action="store_true", help="re-run the consistency checks")
    parser.add_argument("--customers", type=int, help="instead of the size's number")
    parser.add_argument("--invoices", type=int, help="instead of the size's number")
    args = parser.parse_args(argv)
    params = params_of_size(args.size)
    if args.customers is not None:
        params = replace(params, customers=args.customers)
    if args.invoices is not None:
        params = replace(params, invoices=args.invoices)
    bench_db = ensure_dataset_of(args, args.rebuild or args.rebuild_base, args.rebuild_base, params)
    if args.check:
        check_dataset(bench_db)
    dsn = bench_db.dsn()
    print(
        f"database: {dsn['dbname']}  PGHOST={dsn['host']} PGPORT={dsn['port']} PGUSER={dsn['user']}"
    )
    print(f"odoo options: {' '.join(bench_db.odoo_args())} -d {bench_db.name}")
    print(json.dumps(bench_db.info, indent=1))
