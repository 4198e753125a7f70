# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Build the data set once, then reuse it: what the benchmarks call.

A database carries a marker (an ``ir.config_parameter``) with the version of
the generator and the parameters that built it, its counts and its build
times. It is written last, after every check: a database without it (a
build that failed) is built again.
"""

import contextlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import psycopg2

from . import consistency
from .bulk import BULK_TABLES
from .consistency import log
from .database import (
    DEFAULT_DB,
    DEFAULT_PG_DIR,
    BenchDatabase,
    copy_base,
    database_exists,
    start_cluster,
    upgrade_changed_addons,
    vacuum,
)
from .deals import DEAL_TABLES
from .generator import Generator
from .params import Params

# Bump when the generated data changes: a database built by another version
# is rebuilt instead of reused.
DATASET_VERSION = 2
MARKER_KEY = "crm_accounting_bench.dataset"
# no chatter, no followers, no tracking: documents as the bulk copies write them
GENERATION_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
}


def _read_marker(bench_db):
    if not database_exists(bench_db, bench_db.name):
        return None
    with contextlib.closing(psycopg2.connect(**bench_db.dsn())) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_config_parameter')")
        if not cr.fetchone()[0]:
            return None
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [MARKER_KEY])
        row = cr.fetchone()
    return json.loads(row[0]) if row else None


def check_dataset(bench_db):
    """Run every consistency check on the data set (read only)."""
    with bench_db.environment(uid=1) as env:
        consistency.run_sql_checks(env.cr, BULK_TABLES + DEAL_TABLES)
        consistency.run_orm_checks(env)
    with bench_db.environment(uid=1, context={"tracking_disable": True}) as env:
        consistency.run_bridge_checks(env)


def _generate(bench_db, params):
    """Generate the data set in the (new) database; return its counts and its day."""
    with bench_db.environment(uid=1, context=GENERATION_CONTEXT, commit=True) as env:
        generator = Generator(env, params)
        counts = generator.run()
        return counts, generator.today


def _build(bench_db, params, rebuild_base, wanted):
    """Build the data set from the template, check it, mark it; return the marker."""
    started = time.time()
    copy_base(bench_db, rebuild_base)
    base_ready = time.time()
    log(
        f"generating the data set in '{bench_db.name}' "
        f"(database ready in {base_ready - started:.0f} s)"
    )
    counts, today = _generate(bench_db, params)
    generated = time.time()
    # Committed without its marker: should a check fail, the next run builds
    # the data set again. VACUUM first, so that the checks (and then the
    # benchmarks) run with fresh statistics and indexes usable by all.
    vacuum(bench_db)
    log(f"generated in {generated - base_ready:.0f} s; checking it")
    check_dataset(bench_db)
    checked = time.time()
    marker = dict(
        wanted,
        built_on=str(today),
        counts=counts,
        seconds={
            "database": round(base_ready - started),
            "generation": round(generated - base_ready),
            "checks": round(checked - generated),
        },
    )
    with bench_db.environment(uid=1, commit=True) as env:
        env["ir.config_parameter"].set_param(MARKER_KEY, json.dumps(marker))
    log(f"data set ready in {time.time() - started:.0f} s: {counts}")
    return marker


def ensure_dataset(
    pg_dir=DEFAULT_PG_DIR, db=DEFAULT_DB, rebuild=False, rebuild_base=False, params=None
):
    """Return the benchmark database, building it first when needed.

    The database is reused when it was built by this version of the
    generator with the same parameters; ``rebuild`` forces a new one.
    """
    params = params or Params()
    pg_dir = Path(pg_dir).resolve()
    host, port, user = start_cluster(pg_dir)
    bench_db = BenchDatabase(db, pg_dir, host, port, user)
    wanted = {"version": DATASET_VERSION, "params": asdict(params)}
    marker = _read_marker(bench_db)
    if marker and not rebuild and all(marker.get(key) == value for key, value in wanted.items()):
        bench_db.info = marker
        log(f"reusing '{db}' built on {marker['built_on']} ({marker['counts']})")
        upgrade_changed_addons(bench_db)
        return bench_db
    bench_db.info = _build(bench_db, params, rebuild_base, wanted)
    return bench_db
