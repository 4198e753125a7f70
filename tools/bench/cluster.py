# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The private PostgreSQL cluster of the benchmarks, and copies of template databases.

Every benchmark works in a cluster of its own, started with
``tools/pg-cluster`` (a Unix socket in its folder, no TCP port), and most
build a template database once, then work on a fresh copy of it. These are
the few steps they share, with the command-line tools of PostgreSQL, so that
a script that does not load Odoo can use them too.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_CLUSTER = ROOT / "tools" / "pg-cluster"


def start_cluster(pg_dir):
    """Start (creating if needed) the private cluster in ``pg_dir``.

    Returns its settings: ``(PGHOST, PGPORT, PGUSER)``.
    """
    out = subprocess.run(
        [str(PG_CLUSTER), "start", str(pg_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    settings = dict(line.split("=", 1) for line in out.split() if "=" in line)
    return settings["PGHOST"], int(settings["PGPORT"]), settings["PGUSER"]


def stop_cluster(pg_dir):
    """Stop the private cluster in ``pg_dir`` (its data stays)."""
    subprocess.run([str(PG_CLUSTER), "stop", str(pg_dir)], check=True, stdout=subprocess.DEVNULL)


def psql(host, database, statement, user="odoo"):
    """Run one statement with psql; return its output, unaligned, without headers."""
    out = subprocess.run(
        ["psql", "-h", str(host), "-U", user, "-d", database, "-tAXqc", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def database_exists(host, name, user="odoo"):
    """Whether the cluster at ``host`` has a database ``name``."""
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    return psql(host, "postgres", query, user) == "1"


def drop_database(host, name, user="odoo"):
    """Drop the database ``name`` if it exists."""
    subprocess.run(["dropdb", "-h", str(host), "-U", user, "--if-exists", name], check=True)


def copy_template(host, template, name, user="odoo"):
    """A fresh database ``name``, copied from ``template`` (dropped first if it exists)."""
    drop_database(host, name, user)
    subprocess.run(["createdb", "-h", str(host), "-U", user, "-T", template, name], check=True)
