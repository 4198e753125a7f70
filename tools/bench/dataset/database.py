# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where the data set lives: the private cluster, the template database, Odoo's options.

The modules are installed once in a template database (``<name>_base``);
every build starts from a copy of it, so that a rebuild does not install
the modules again.
"""

import ast
import contextlib
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cluster
import psycopg2
from psycopg2 import sql as pgsql

import odoo
from odoo.modules.registry import Registry

from .consistency import log

ROOT = cluster.ROOT
BENCH_DIR = ROOT / "tools" / "bench"
DEFAULT_PG_DIR = BENCH_DIR / ".pg"
DEFAULT_DB = "crm_accounting_bench"
MODULES = "crm_accounting_bridge,sale_crm"
ADMIN_UID = 2  # base.user_admin

# Odoo is configured once per process (see BenchDatabase.registry).
_ODOO_ARGS = {}

start_cluster = cluster.start_cluster


@dataclass
class BenchDatabase:
    """Where the benchmark database lives, and how to open it with the ORM."""

    name: str
    pg_dir: Path
    host: str
    port: int = 5432
    user: str = "odoo"
    info: dict = field(default_factory=dict)
    # where Odoo finds the addons; another folder holding a changed copy of
    # crm_accounting_bridge measures that change on the same data
    addons_path: str = str(ROOT)

    def odoo_args(self):
        """Command-line options of Odoo for this database."""
        return [
            f"--db_host={self.host}",
            f"--db_port={self.port}",
            f"--db_user={self.user}",
            f"--addons-path={self.addons_path}",
            f"--data-dir={self.data_dir}",
            "--log-level=warn",
        ]

    @property
    def data_dir(self):
        """Odoo's data folder (filestore) of the cluster's databases."""
        return self.pg_dir.parent / f"{self.pg_dir.name}-odoo-data"

    def dsn(self):
        """libpq settings, e.g. for psql or psycopg2."""
        return {"host": self.host, "port": self.port, "user": self.user, "dbname": self.name}

    def registry(self):
        """The Odoo registry of the database (configures Odoo on first call)."""
        args = self.odoo_args()
        if "args" not in _ODOO_ARGS:
            odoo.tools.config.parse_config(args)
            _ODOO_ARGS["args"] = args
        elif _ODOO_ARGS["args"] != args:
            # addons imported from one folder stay imported from it
            raise RuntimeError(f"Odoo is already configured in this process: {_ODOO_ARGS}")
        return Registry(self.name)

    @contextlib.contextmanager
    def environment(self, uid=ADMIN_UID, context=None, commit=False):
        """An ``odoo.api.Environment`` on a new cursor, rolled back unless ``commit``."""
        with self.registry().cursor() as cr:
            env = odoo.api.Environment(cr, uid, dict(context or {}))
            try:
                yield env
            finally:
                if commit:
                    cr.commit()
                else:
                    cr.rollback()


def admin_connection(bench_db):
    """An autocommit connection to the cluster's ``postgres`` database."""
    cnx = psycopg2.connect(**dict(bench_db.dsn(), dbname="postgres"))
    cnx.autocommit = True
    return cnx


def database_exists(bench_db, name):
    with contextlib.closing(admin_connection(bench_db)) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def drop_database(bench_db, name):
    with contextlib.closing(admin_connection(bench_db)) as cnx, cnx.cursor() as cr:
        cr.execute(
            pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
        )


def install_modules(bench_db, modules=MODULES):
    """Install ``modules`` without demo data, in a separate process.

    On a new database this creates it. A registry already loaded in this
    process does not see the new modules: install before opening it.
    """
    log(f"installing {modules} without demo data in '{bench_db.name}'")
    run_odoo(bench_db, "-i", modules, "--without-demo=all")


def run_odoo(bench_db, *options):
    """Run Odoo on the benchmark database with ``options``, then stop."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *bench_db.odoo_args(),
            "-d",
            bench_db.name,
            *options,
            "--stop-after-init",
        ],
        check=True,
        cwd="/tmp",
    )


def upgrade_changed_addons(bench_db):
    """Upgrade the addons of this repository whose version changed since install.

    A new version may bring what the benchmarks measure (an index made by
    ``init``, a stored column): without the upgrade a reused data set would
    measure the old schema with the new code.
    """
    with contextlib.closing(psycopg2.connect(**bench_db.dsn())) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT name, latest_version FROM ir_module_module WHERE state = 'installed'")
        installed = dict(cr.fetchall())
    changed = []
    for manifest in sorted(ROOT.glob("*/__manifest__.py")):
        name = manifest.parent.name
        if name in installed:
            version = ast.literal_eval(manifest.read_text())["version"]
            if installed[name] != version:
                changed.append(name)
    if not changed:
        return
    log(f"upgrading {changed} in '{bench_db.name}': their version changed")
    run_odoo(bench_db, "-u", ",".join(changed))
    vacuum(bench_db)


def _module_version(bench_db, db_name):
    dsn = dict(bench_db.dsn(), dbname=db_name)
    with contextlib.closing(psycopg2.connect(**dsn)) as cnx, cnx.cursor() as cr:
        cr.execute(
            "SELECT latest_version FROM ir_module_module "
            "WHERE name = 'crm_accounting_bridge' AND state = 'installed'"
        )
        row = cr.fetchone()
    return row and row[0]


def copy_base(bench_db, rebuild_base):
    """A new, empty data set database: a copy of the template with the modules installed.

    The template (``<name>_base``) is built first when it is missing or when
    ``rebuild_base`` asks for it.
    """
    base = BenchDatabase(f"{bench_db.name}_base", bench_db.pg_dir, bench_db.host, bench_db.port)
    if (
        rebuild_base
        or not database_exists(bench_db, base.name)
        or not _module_version(bench_db, base.name)
    ):
        drop_database(bench_db, base.name)
        install_modules(base)
    drop_database(bench_db, bench_db.name)
    with contextlib.closing(admin_connection(bench_db)) as cnx, cnx.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{bench_db.name}" TEMPLATE "{base.name}"')
    data_dir = bench_db.data_dir / "filestore"
    if (data_dir / base.name).is_dir():
        shutil.rmtree(data_dir / bench_db.name, ignore_errors=True)
        shutil.copytree(data_dir / base.name, data_dir / bench_db.name)


def vacuum(bench_db):
    """VACUUM ANALYZE the database: fresh statistics, indexes usable by all."""
    with contextlib.closing(psycopg2.connect(**bench_db.dsn())) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute("VACUUM ANALYZE")
