# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo built once for the tests, small, in a new database; dropped afterwards.

The PostgreSQL server is the one of ``PGHOST`` (``tools/run_tests.py``
passes its cluster); without it, a private cluster in a temporary folder
(``tools/pg-cluster``), stopped and removed at the end.
"""

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from odoo.modules.registry import Registry

TOOLS = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOOLS))

from demo_data import cli  # noqa: E402
from demo_data.database import DemoDatabase  # noqa: E402

# small, so that the test stays quick; the story needs every customer of
# the cast and six months
SIZE = ["--customers", "14", "--months", "6"]
PORT = 18999


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """pytest-odoo's fixture of this name opens the registry of ``--odoo-database``
    before any test: these tests make their own database (this fixture
    replaces it in this folder)."""
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    """pytest-odoo's fixture of this name runs Odoo in test mode: the demo is
    built as ``tools/demo`` builds it (this fixture replaces it in this folder)."""
    yield


class Problems(logging.Handler):
    """Warnings and errors Odoo logs in this process."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="session")
def server():
    """``(host, port, user)`` of a PostgreSQL server for the test database."""
    if os.environ.get("PGHOST"):
        yield os.environ["PGHOST"], os.environ.get("PGPORT", "5432"), os.environ.get("PGUSER")
        return
    folder = Path(tempfile.mkdtemp(prefix="demo-story-test."))
    folder.chmod(0o755)  # the cluster runs as "postgres" when we are root
    pg = folder / "pg"
    cluster = TOOLS / "pg-cluster"
    subprocess.run([str(cluster), "start", str(pg)], check=True, stdout=subprocess.DEVNULL)
    try:
        yield str(pg), "5432", "odoo"
    finally:
        subprocess.run([str(cluster), "stop", str(pg)], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def demo(server, tmp_path_factory):
    """The demo database, built by the command ``tools/demo`` runs; its log and output."""
    host, port, user = server
    work = tmp_path_factory.mktemp("demo")
    # DEMO_TEST_DATABASE: check a demo database built already, and keep it
    existing = os.environ.get("DEMO_TEST_DATABASE")
    db = DemoDatabase(
        name=existing or f"demo_story_test_{os.getpid()}",
        host=host,
        port=port,
        user=user,
        data_dir=str(work / "data"),
    )
    args = [
        "-d",
        db.name,
        "--db_host",
        host,
        "--db_port",
        port,
        "--data-dir",
        db.data_dir,
        "--port",
        str(PORT),
        "--install-log",
        str(work / "install.log"),
        *SIZE,
    ]
    if user:
        args += ["--db_user", user]
    if not existing:
        db.drop()
    (work / "install.log").touch()
    problems = Problems()
    logging.getLogger("odoo").addHandler(problems)
    try:
        assert cli.main(args) == 0
        yield {
            "db": db,
            "args": args,
            "build_problems": list(problems.records),
            "install_log": work / "install.log",
        }
    finally:
        logging.getLogger("odoo").removeHandler(problems)
        if not existing:
            Registry.delete(db.name)
            db.drop()


@pytest.fixture
def env(demo):
    """The administrator's environment on the demo database, rolled back afterwards."""
    with demo["db"].environment() as environment:
        yield environment
