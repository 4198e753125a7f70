# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo database: where it is, whether it is built, its modules, the ORM on it."""

import ast
import contextlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql as pgsql

import odoo
from odoo.modules.module import initialize_sys_path
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
# besides the addons of this repository: the charts of accounts of the story
EXTRA_MODULES = ("l10n_ma", "l10n_fr_account")
# ir.config_parameter written once the story is complete
BUILT_KEY = "demo_data.built"
ADMIN_UID = 2  # base.user_admin
# Odoo's options of this process, once configured (Odoo reads them once)
_CONFIGURED = []


def our_addons():
    """Installable addons of this repository, in folder order (as tools/demo)."""
    names = []
    for manifest in sorted(ROOT.glob("*/__manifest__.py")):
        if ast.literal_eval(manifest.read_text()).get("installable", True):
            names.append(manifest.parent.name)
    return names


@dataclass
class DemoDatabase:
    """A database of the demo and the server that holds it."""

    name: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    data_dir: str | None = None

    def odoo_args(self):
        """Command-line options of Odoo for this server (without ``-d``)."""
        args = [f"--addons-path={ROOT}"]
        for option, value in (
            ("db_host", self.host),
            ("db_port", self.port),
            ("db_user", self.user),
            ("db_password", self.password),
            ("data-dir", self.data_dir),
        ):
            if value:
                args.append(f"--{option}={value}")
        return args

    def _connect(self, dbname):
        params = {"dbname": dbname}
        for key, value in (
            ("host", self.host),
            ("port", self.port),
            ("user", self.user),
            ("password", self.password),
        ):
            if value:
                params[key] = value
        return psycopg2.connect(**params)

    @contextlib.contextmanager
    def _admin_cursor(self):
        cnx = self._connect("postgres")
        cnx.autocommit = True
        try:
            with cnx.cursor() as cr:
                yield cr
        finally:
            cnx.close()

    def exists(self):
        with self._admin_cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return bool(cr.fetchone())

    def built(self):
        """What the finished story recorded (dict), or None when it is not complete."""
        if not self.exists():
            return None
        cnx = self._connect(self.name)
        try:
            with cnx.cursor() as cr:
                cr.execute("SELECT to_regclass('ir_config_parameter')")
                if not cr.fetchone()[0]:
                    return None
                cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [BUILT_KEY])
                row = cr.fetchone()
        finally:
            cnx.close()
        return json.loads(row[0]) if row else None

    def drop(self):
        with self._admin_cursor() as cr:
            cr.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    pgsql.Identifier(self.name)
                )
            )

    def install(self, log=None):
        """Create the database with the addons and the charts, without any demo data.

        ``--without-demo=all``: the story is the only data of the database,
        neither Odoo's demo data nor the addons' own. Runs in another
        process: a registry already loaded here would not see the modules.
        """
        modules = ",".join((*our_addons(), *EXTRA_MODULES))
        command = [
            sys.executable,
            "-m",
            "odoo",
            *self.odoo_args(),
            "-d",
            self.name,
            "-i",
            modules,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ]
        if log:
            command.append(f"--logfile={log}")
        subprocess.run(command, check=True, cwd="/tmp")

    def configure_odoo(self):
        """Configure Odoo in this process for this server (once per process)."""
        args = self.odoo_args()
        if _CONFIGURED:
            if args != _CONFIGURED:
                raise RuntimeError(f"Odoo is configured for another server: {_CONFIGURED}")
            return
        _CONFIGURED.extend(args)
        odoo.tools.config.parse_config([*self.odoo_args(), "--log-level=warn"])
        initialize_sys_path()  # odoo.addons.<addon> imports from here on

    @contextlib.contextmanager
    def environment(self, context=None):
        """The administrator's environment, in superuser mode, on a new cursor.

        The caller commits the steps it wants to keep; the rest is rolled
        back when the block ends.
        """
        registry = Registry(self.name)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, ADMIN_UID, dict(context or {}), su=True)
            try:
                yield env
            finally:
                cr.rollback()
