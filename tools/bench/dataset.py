#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark data set: a company with many customers and posted invoices.

Builds (or reuses) a database on a private PostgreSQL cluster started with
``tools/pg-cluster``, with crm_accounting_bridge and sale_crm installed
without demo data, then generates customers, posted customer invoices,
payments, bank statement lines, credit notes, reconciliations, opportunities
and confirmed sale orders.

The ORM is used for what is cheap and where Odoo's business rules matter
most (one prototype of every kind of document, opportunities, sale orders,
settings); the bulk of the accounting is copied from those prototypes with
``INSERT ... SELECT``, so that every column the ORM would fill is filled the
same way, and only the values that differ (ids, names, partners, dates,
amounts, residuals, reconciliation links, states) are computed in SQL. The
result is then checked with SQL invariants and with Odoo's own compute
methods, and the build fails loudly when anything disagrees.

Other benchmarks reuse it::

    sys.path.insert(0, "tools/bench")
    from dataset import ensure_dataset

    bench_db = ensure_dataset()  # builds once, then reuses
    with bench_db.environment() as env:
        ...

Command line: ``python3 tools/bench/dataset.py [--rebuild]`` (``--help``).
"""

import argparse
import ast
import contextlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import consistency
import psycopg2
from consistency import DatasetError, log
from psycopg2 import sql as pgsql

import odoo
from odoo import Command, fields
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "tools" / "bench"
DEFAULT_PG_DIR = BENCH_DIR / ".pg"
DEFAULT_DB = "crm_accounting_bench"
MODULES = "crm_accounting_bridge,sale_crm"
# Bump when the generated data changes: a database built by another version
# is rebuilt instead of reused.
DATASET_VERSION = 1
MARKER_KEY = "crm_accounting_bench.dataset"
ADMIN_UID = 2  # base.user_admin
# Tables written in bulk, whose foreign keys the consistency checks verify.
BULK_TABLES = (
    "account_move",
    "account_move_line",
    "account_move_line_account_tax_rel",
    "account_payment",
    "account_move__account_payment",
    "account_bank_statement_line",
    "account_partial_reconcile",
    "account_full_reconcile",
)

# Share of invoices per outcome (the rest stays open). An outcome whose
# settlement date would fall after today leaves the invoice open.
SHARE_PAID_LATE = 0.33
SHARE_PAID_ON_TIME = 0.50
SHARE_PARTIAL = 0.05
SHARE_REVERSED = 0.005
# Share of full payments received as bank statement lines (no account.payment).
SHARE_STATEMENT = 0.2
# History span of invoice dates, in days before today.
SPAN_DAYS = 730
# Payment terms used (xml id, days after the invoice date).
PAYMENT_TERMS = (
    ("account.account_payment_term_immediate", 0),
    ("account.account_payment_term_15days", 15),
    ("account.account_payment_term_30days", 30),
    ("account.account_payment_term_45days", 45),
)
ADJECTIVES = [
    "Atlas",
    "Azure",
    "Blue",
    "Bright",
    "Cedar",
    "Coastal",
    "Crystal",
    "Delta",
    "Eastern",
    "Emerald",
    "Golden",
    "Granite",
    "Harbor",
    "Iron",
    "Jade",
    "Lunar",
    "Maple",
    "Nordic",
    "Oak",
    "Pacific",
    "Royal",
    "Silver",
    "Summit",
    "Urban",
]
NOUNS = [
    "Analytics",
    "Bakery",
    "Builders",
    "Chemicals",
    "Consulting",
    "Dairy",
    "Design",
    "Electric",
    "Engineering",
    "Farms",
    "Foods",
    "Freight",
    "Furniture",
    "Garden",
    "Health",
    "Hotels",
    "Imports",
    "Industries",
    "Labs",
    "Logistics",
    "Media",
    "Motors",
    "Optics",
    "Paper",
    "Pharma",
    "Plastics",
    "Retail",
    "Software",
    "Textiles",
    "Trading",
]
FIRST_NAMES = [
    "Amina",
    "Bruno",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karim",
    "Lea",
]


# Odoo is configured once per process (see BenchDatabase.registry).
_ODOO_ARGS = {}


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


# ---------------------------------------------------------------------------
# Cluster and database
# ---------------------------------------------------------------------------


def start_cluster(pg_dir):
    """Start (creating if needed) the private cluster; return its settings."""
    out = subprocess.run(
        [str(ROOT / "tools" / "pg-cluster"), "start", str(pg_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    settings = dict(line.split("=", 1) for line in out.split() if "=" in line)
    return settings["PGHOST"], int(settings["PGPORT"]), settings["PGUSER"]


def _admin_connection(bench_db):
    cnx = psycopg2.connect(**dict(bench_db.dsn(), dbname="postgres"))
    cnx.autocommit = True
    return cnx


def _database_exists(bench_db, name):
    with contextlib.closing(_admin_connection(bench_db)) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def _drop_database(bench_db, name):
    with contextlib.closing(_admin_connection(bench_db)) as cnx, cnx.cursor() as cr:
        cr.execute(
            pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
        )


def _read_marker(bench_db):
    if not _database_exists(bench_db, bench_db.name):
        return None
    with contextlib.closing(psycopg2.connect(**bench_db.dsn())) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_config_parameter')")
        if not cr.fetchone()[0]:
            return None
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [MARKER_KEY])
        row = cr.fetchone()
    return json.loads(row[0]) if row else None


def install_modules(bench_db, modules=MODULES):
    """Install ``modules`` without demo data, in a separate process.

    On a new database this creates it. A registry already loaded in this
    process does not see the new modules: install before opening it.
    """
    log(f"installing {modules} without demo data in '{bench_db.name}'")
    _run_odoo(bench_db, "-i", modules, "--without-demo=all")


def _run_odoo(bench_db, *options):
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
    _run_odoo(bench_db, "-u", ",".join(changed))
    _vacuum(bench_db)


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


@dataclass
class Params:
    """Size and shape of the data set; a database built with others is rebuilt."""

    customers: int = 20_000
    invoices: int = 200_000
    open_credit_notes: int = 1_000
    unallocated_payments: int = 1_000
    contacts_every: int = 4  # one customer in N has a contact
    opportunities: int = 2_000
    sale_orders: int = 300
    seed: float = 0.42


def _reserve_ids(cr, table, count):
    """Reserve ``count`` consecutive ids of ``table``; return the first."""
    seq = f"{table}_id_seq"
    cr.execute("SELECT nextval(%s)", [seq])
    first = cr.fetchone()[0]
    cr.execute("SELECT setval(%s, %s)", [seq, first + max(count, 1) - 1])
    return first


def _columns(cr, table):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = %s
         ORDER BY ordinal_position""",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def _copy_rows(cr, table, source, overrides, params):
    """INSERT INTO ``table`` one row per row of ``source``, copying template rows.

    ``source`` is a FROM clause exposing ``src`` (its rows, with a column
    ``tpl_id``) joined to the template row ``tpl``; ``overrides`` maps column
    names to SQL expressions. Every other column is copied from ``tpl``, so it
    holds what the ORM wrote on the prototype.
    """
    columns = _columns(cr, table)
    unknown = set(overrides) - set(columns)
    if unknown:
        raise DatasetError(f"{table} has no column {sorted(unknown)}")
    select = ", ".join(overrides.get(col, f'tpl."{col}"') for col in columns)
    names = ", ".join(f'"{col}"' for col in columns)
    query = f"""INSERT INTO {table} ({names})
                SELECT {select}
                  FROM {source} JOIN {table} tpl ON tpl.id = src.tpl_id"""
    cr.execute(query, params)
    return cr.rowcount


class Generator:
    """Generate the data set in one transaction on ``env``."""

    def __init__(self, env, params):
        self.env = env
        self.cr = env.cr
        self.params = params
        self.today = fields.Date.context_today(env.user)
        self.company = env.company
        self.counts = {}

    # -- prototypes (ORM) --------------------------------------------------

    def make_prototypes(self):
        """One document of every kind through the ORM: the copy templates."""
        env = self.env
        company = self.company
        company.account_use_credit_limit = True
        self.sale_journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        self.bank_journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        self.tax = company.account_sale_tax_id
        if not (self.sale_journal and self.bank_journal and self.tax):
            raise DatasetError("the company has no sale journal, bank journal or sale tax")
        self.terms = [(env.ref(xmlid).id, days) for xmlid, days in PAYMENT_TERMS]
        self.product = env["product.product"].create(
            {
                "name": "Benchmark Service",
                "type": "service",
                "list_price": 100.0,
                "invoice_policy": "order",
                "taxes_id": [Command.set(self.tax.ids)],
            }
        )
        partner = env["res.partner"].create(
            {
                "name": "Benchmark Prototype Customer",
                "is_company": True,
                "user_id": ADMIN_UID,
                "country_id": company.country_id.id or company.account_fiscal_country_id.id,
            }
        )
        contact = env["res.partner"].create(
            {"name": "Prototype Contact", "parent_id": partner.id, "type": "contact"}
        )
        proto_date = self.today - timedelta(days=SPAN_DAYS + 40)

        def invoice(move_type, term_id):
            move = env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": proto_date,
                    "invoice_payment_term_id": term_id,
                    "invoice_user_id": ADMIN_UID,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": self.product.id, "quantity": 2, "price_unit": 100}
                        )
                    ],
                }
            )
            move.action_post()
            return move

        self.proto_invoice = invoice("out_invoice", self.terms[2][0])
        self.proto_refund = invoice("out_refund", self.terms[0][0])
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=self.proto_invoice.ids)
            .create({"payment_date": proto_date + timedelta(days=10)})
        )
        self.proto_payment = wizard._create_payments()
        paid_by_bank = invoice("out_invoice", self.terms[0][0])
        receivable = paid_by_bank.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.proto_st_line = env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "partner_id": partner.id,
                "amount": paid_by_bank.amount_total,
                "date": proto_date + timedelta(days=3),
                "payment_ref": f"Transfer {paid_by_bank.name}",
                "counterpart_account_id": receivable.account_id.id,
            }
        )
        (self.proto_st_line.move_id.line_ids + receivable).filtered(
            lambda line: line.account_id == receivable.account_id
        ).reconcile()
        env.flush_all()
        for move in (self.proto_invoice, paid_by_bank):
            if move.payment_state != "paid":
                raise DatasetError(f"prototype {move.name} is {move.payment_state}, not paid")
        self.proto_partner, self.proto_contact = partner, contact
        self.receivable_account = receivable.account_id
        log(
            "prototypes: "
            + ", ".join(
                (
                    self.proto_invoice.name,
                    self.proto_refund.name,
                    self.proto_payment.name,
                    self.proto_st_line.move_id.name,
                )
            )
        )

    def _template_lines(self, move, **domain):
        """The template line of ``move`` per display type / account."""
        lines = move.line_ids
        if "display_type" in domain:
            lines = lines.filtered(lambda line: line.display_type == domain["display_type"])
        if "account" in domain:
            lines = lines.filtered(lambda line: line.account_id == domain["account"])
        lines.ensure_one()
        return lines.id

    def _name_format(self, move):
        """(prefix pattern with {year}, digits) of the sequence of ``move``."""
        year = str(move.date.year)
        prefix = move.sequence_prefix
        if year not in prefix:
            raise DatasetError(f"unexpected sequence prefix {prefix!r} of {move.name}")
        return prefix.replace(year, "{year}"), len(move.name) - len(prefix)

    # -- customers -----------------------------------------------------------

    def make_customers(self):
        p = self.params
        cr = self.cr
        cr.execute("SELECT setseed(%s)", [p.seed])  # the same data set on every build
        first = _reserve_ids(cr, "res_partner", p.customers)
        cr.execute(
            """CREATE TEMP TABLE bench_customer AS
               SELECT i AS num, %(first)s + i - 1 AS partner_id,
                      ((%(adj)s)::text[])[1 + (i * 7 + i / 24) %% %(n_adj)s] || ' '
                      || ((%(nouns)s)::text[])[1 + (i * 13 + i / 31) %% %(n_nouns)s] || ' '
                      || to_char(i, 'FM00000') AS name,
                      round((random() * 9 + 1)::numeric, 0) AS limit_factor,
                      random() < 0.75 AS has_limit
                 FROM generate_series(1, %(n)s) i""",
            {
                "first": first,
                "n": p.customers,
                "adj": ADJECTIVES,
                "n_adj": len(ADJECTIVES),
                "nouns": NOUNS,
                "n_nouns": len(NOUNS),
            },
        )
        # Volume rank: customer 1 buys most; ranks are shuffled against names.
        cr.execute(
            """ALTER TABLE bench_customer ADD COLUMN volume_rank int;
               UPDATE bench_customer c SET volume_rank = r.rank
                 FROM (SELECT num, row_number() OVER (ORDER BY random()) AS rank
                         FROM bench_customer) r
                WHERE r.num = c.num;
               CREATE UNIQUE INDEX ON bench_customer (volume_rank);
               CREATE UNIQUE INDEX ON bench_customer (num);
               ANALYZE bench_customer;
               ALTER TABLE bench_customer ADD COLUMN contact_id int;
               ALTER TABLE bench_customer ADD COLUMN contact_name text;"""
        )
        n_contacts = p.customers // p.contacts_every
        first_contact = _reserve_ids(cr, "res_partner", n_contacts)
        cr.execute(
            """UPDATE bench_customer
                  SET contact_id = %(first)s + num / %(every)s - 1,
                      contact_name = ((%(names)s)::text[])[1 + num %% %(n_names)s]
                                     || ' ' || to_char(num, 'FM00000')
                WHERE num %% %(every)s = 0""",
            {
                "first": first_contact,
                "every": p.contacts_every,
                "names": FIRST_NAMES,
                "n_names": len(FIRST_NAMES),
            },
        )
        when = "(now() at time zone 'UTC')"
        common = {"create_date": when, "write_date": when, "create_uid": "1", "write_uid": "1"}
        self.counts["customers"] = _copy_rows(
            cr,
            "res_partner",
            "(SELECT *, %(tpl)s AS tpl_id FROM bench_customer) src",
            {
                **common,
                "id": "src.partner_id",
                "name": "src.name",
                "complete_name": "src.name",
                "commercial_partner_id": "src.partner_id",
                "commercial_company_name": "src.name",
            },
            {"tpl": self.proto_partner.id},
        )
        self.counts["contacts"] = _copy_rows(
            cr,
            "res_partner",
            "(SELECT *, %(tpl)s AS tpl_id FROM bench_customer WHERE contact_id IS NOT NULL) src",
            {
                **common,
                "id": "src.contact_id",
                "name": "src.contact_name",
                "complete_name": "src.name || ', ' || src.contact_name",
                "parent_id": "src.partner_id",
                "commercial_partner_id": "src.partner_id",
                "commercial_company_name": "src.name",
            },
            {"tpl": self.proto_contact.id},
        )
        log(f"customers: {self.counts['customers']}, contacts: {self.counts['contacts']}")

    # -- invoices and credit notes -------------------------------------------

    def plan_documents(self):
        """Temp table ``bench_doc``: one row per invoice or credit note to write."""
        p = self.params
        cr = self.cr
        shares = (SHARE_PAID_LATE, SHARE_PAID_ON_TIME, SHARE_PARTIAL, SHARE_REVERSED)
        cr.execute(
            """
            CREATE TEMP TABLE bench_draw AS
            SELECT g AS draw,
                   -- skewed: a few customers buy a lot, most buy a little
                   1 + floor(%(n_cust)s * power(random(), 2.2))::int AS volume_rank,
                   %(today)s::date - floor(random() * %(span)s)::int AS invoice_date,
                   floor(random() * %(n_terms)s)::int + 1 AS term_pick,
                   1 + floor(random() * 10)::int AS qty,
                   round((20 + random() * 480)::numeric, 2) AS price_unit,
                   random() < 0.9 AS taxed,
                   random() AS u_outcome, random() AS u_delay, random() AS u_kind,
                   random() AS u_contact, random() AS u_part
              FROM generate_series(1, %(n_inv)s) g;
            ANALYZE bench_draw;

            CREATE TEMP TABLE bench_invoice AS
            SELECT d.draw, c.partner_id,
                   CASE WHEN c.contact_id IS NOT NULL AND d.u_contact < 0.3
                        THEN c.contact_id ELSE c.partner_id END AS move_partner_id,
                   d.invoice_date, (%(term_ids)s::int[])[d.term_pick] AS term_id,
                   d.invoice_date + (%(term_days)s::int[])[d.term_pick] AS due_date,
                   (%(term_days)s::int[])[d.term_pick] AS term_days,
                   d.qty, d.price_unit, d.taxed,
                   d.qty * d.price_unit AS untaxed,
                   CASE WHEN d.taxed THEN round(d.qty * d.price_unit * %(tax_rate)s, 2)
                        ELSE 0 END AS tax,
                   CASE WHEN d.u_outcome < %(s1)s THEN 'late'
                        WHEN d.u_outcome < %(s2)s THEN 'on_time'
                        WHEN d.u_outcome < %(s3)s THEN 'partial'
                        WHEN d.u_outcome < %(s4)s THEN 'reversed'
                        ELSE 'open' END AS outcome,
                   d.u_delay, d.u_kind, d.u_part
              FROM bench_draw d JOIN bench_customer c ON c.volume_rank = d.volume_rank;
            ANALYZE bench_invoice;

            ALTER TABLE bench_invoice ADD COLUMN settle_date date;
            UPDATE bench_invoice SET settle_date = CASE outcome
                WHEN 'late' THEN due_date + 1 + floor(power(u_delay, 2) * 120)::int
                WHEN 'on_time' THEN invoice_date + floor(u_delay * (term_days + 1))::int
                WHEN 'partial' THEN invoice_date + floor(u_delay * (term_days + 60))::int
                WHEN 'reversed' THEN invoice_date + floor(u_delay * 20)::int
                END;
            -- what would be settled after today is still open today
            UPDATE bench_invoice SET outcome = 'open', settle_date = NULL
             WHERE settle_date > %(today)s;

            CREATE TEMP TABLE bench_open_refund AS
            SELECT r.draw, c.partner_id, r.invoice_date, 1 AS qty, r.price_unit
              FROM (SELECT g AS draw, 1 + floor(random() * %(n_cust)s)::int AS num,
                           %(today)s::date - floor(random() * %(span)s)::int AS invoice_date,
                           round((20 + random() * 300)::numeric, 2) AS price_unit
                      FROM generate_series(1, %(n_refunds)s) g) r
              JOIN bench_customer c ON c.num = r.num;

            CREATE TEMP TABLE bench_doc_src AS
            SELECT draw AS src, 'out_invoice'::varchar AS move_type, partner_id,
                   move_partner_id, invoice_date, term_id, due_date, qty, price_unit, taxed,
                   untaxed, tax, outcome, settle_date,
                   CASE WHEN outcome IN ('late', 'on_time', 'partial') THEN 'payment'
                        WHEN outcome = 'reversed' THEN 'refund' END AS settle_kind,
                   CASE WHEN outcome = 'partial'
                        THEN round((untaxed + tax) * (0.2 + 0.6 * u_part)::numeric, 2)
                        ELSE untaxed + tax END AS settle_amount,
                   u_kind
              FROM bench_invoice
             UNION ALL
            SELECT draw, 'out_refund', partner_id, move_partner_id, settle_date,
                   (%(term_ids)s::int[])[1], settle_date, qty, price_unit, taxed,
                   untaxed, tax, 'reversal', NULL, NULL, untaxed + tax, NULL
              FROM bench_invoice WHERE outcome = 'reversed'
             UNION ALL
            SELECT -draw, 'out_refund', partner_id, partner_id, invoice_date,
                   (%(term_ids)s::int[])[1], invoice_date, qty, price_unit, TRUE,
                   qty * price_unit, round(qty * price_unit * %(tax_rate)s, 2),
                   'open_refund', NULL, NULL, 0, NULL
              FROM bench_open_refund;
            UPDATE bench_doc_src SET settle_kind = 'statement'
             WHERE outcome IN ('late', 'on_time') AND u_kind < %(statement)s;
            ANALYZE bench_doc_src;
            """,
            {
                "today": self.today,
                "span": SPAN_DAYS,
                "n_inv": p.invoices,
                "n_cust": p.customers,
                "term_ids": [term_id for term_id, _days in self.terms],
                "term_days": [days for _term_id, days in self.terms],
                "n_terms": len(self.terms),
                **{f"s{i + 1}": sum(shares[: i + 1]) for i in range(len(shares))},
                "statement": SHARE_STATEMENT,
                "tax_rate": self.tax.amount / 100.0,
                "n_refunds": p.open_credit_notes,
            },
        )
        cr.execute("SELECT count(*) FROM bench_doc_src")
        n_docs = cr.fetchone()[0]
        move_first = _reserve_ids(cr, "account_move", n_docs)
        line_first = _reserve_ids(cr, "account_move_line", 3 * n_docs)
        inv_fmt, inv_digits = self._name_format(self.proto_invoice)
        ref_fmt, ref_digits = self._name_format(self.proto_refund)
        cr.execute(
            """
            CREATE TEMP TABLE bench_doc AS
            SELECT s.*,
                   row_number() OVER (ORDER BY s.invoice_date, s.move_type, s.src) AS idx,
                   s.untaxed + s.tax AS total,
                   CASE WHEN s.move_type = 'out_invoice' THEN 1 ELSE -1 END AS sign,
                   replace(CASE WHEN s.move_type = 'out_invoice' THEN %(inv_fmt)s
                                ELSE %(ref_fmt)s END,
                           '{year}', extract(year FROM s.invoice_date)::text) AS prefix,
                   CASE WHEN s.move_type = 'out_invoice' THEN %(inv_digits)s
                        ELSE %(ref_digits)s END AS digits
              FROM bench_doc_src s;
            CREATE UNIQUE INDEX ON bench_doc (idx);
            ANALYZE bench_doc;
            ALTER TABLE bench_doc ADD COLUMN move_id int, ADD COLUMN seq int,
                ADD COLUMN name varchar, ADD COLUMN residual numeric,
                ADD COLUMN payment_state varchar, ADD COLUMN reversed_move_id int,
                ADD COLUMN reversed_name varchar,
                ADD COLUMN product_line_id int, ADD COLUMN tax_line_id int,
                ADD COLUMN term_line_id int;
            UPDATE bench_doc SET move_id = %(move_first)s + idx - 1,
                   product_line_id = %(line_first)s + 3 * (idx - 1),
                   tax_line_id = %(line_first)s + 3 * (idx - 1) + 1,
                   term_line_id = %(line_first)s + 3 * (idx - 1) + 2,
                   residual = CASE WHEN outcome IN ('open', 'open_refund') THEN total
                                   WHEN outcome = 'partial' THEN total - settle_amount
                                   ELSE 0 END,
                   payment_state = CASE WHEN outcome IN ('late', 'on_time', 'reversal') THEN 'paid'
                                        WHEN outcome = 'partial' THEN 'partial'
                                        WHEN outcome = 'reversed' THEN 'reversed'
                                        ELSE 'not_paid' END;
            """,
            {
                "inv_fmt": inv_fmt,
                "ref_fmt": ref_fmt,
                "inv_digits": inv_digits,
                "ref_digits": ref_digits,
                "move_first": move_first,
                "line_first": line_first,
            },
        )
        self._number("bench_doc", self.sale_journal.id)
        cr.execute(
            """
            CREATE INDEX ON bench_doc (src, move_type);
            CREATE UNIQUE INDEX ON bench_doc (move_id);
            ANALYZE bench_doc;
            UPDATE bench_doc r SET reversed_move_id = i.move_id, reversed_name = i.name
              FROM bench_doc i
             WHERE r.outcome = 'reversal' AND i.src = r.src AND i.move_type = 'out_invoice';
            """
        )
        return n_docs

    def _number(self, table, journal_id):
        """Fill ``seq`` and ``name`` of ``table`` per ``prefix``, in ``idx`` order.

        Numbers continue after what the journal already holds for the prefix,
        without gaps, like Odoo's sequence mixin on posting in date order.
        """
        self.cr.execute(
            f"""
            UPDATE {table} t
               SET seq = n.seq,
                   name = t.prefix || CASE WHEN length(n.seq::text) >= t.digits
                                           THEN n.seq::text
                                           ELSE lpad(n.seq::text, t.digits, '0') END
              FROM (SELECT b.idx,
                           COALESCE(m.last, 0)
                           + row_number() OVER (PARTITION BY b.prefix ORDER BY b.idx) AS seq
                      FROM {table} b
                 LEFT JOIN (SELECT sequence_prefix, max(sequence_number) AS last
                              FROM account_move WHERE journal_id = %(journal)s
                          GROUP BY sequence_prefix) m ON m.sequence_prefix = b.prefix) n
             WHERE n.idx = t.idx
            """,
            {"journal": journal_id},
        )

    # -- payments, statement lines and reconciliations -------------------------

    def plan_settlements(self):
        """Temp tables ``bench_pay`` (payments, statement lines) and ``bench_rec``."""
        p = self.params
        cr = self.cr
        pay_fmt, pay_digits = self._name_format(self.proto_payment.move_id)
        st_fmt, st_digits = self._name_format(self.proto_st_line.move_id)
        cr.execute(
            """
            CREATE TEMP TABLE bench_pay_src AS
            SELECT d.move_id AS doc_move_id, d.term_line_id AS doc_line_id, d.name AS doc_name,
                   d.invoice_date AS doc_date, d.partner_id, d.settle_date AS date,
                   d.settle_amount AS amount, d.settle_kind AS kind, d.outcome
              FROM bench_doc d WHERE d.settle_kind IN ('payment', 'statement')
             UNION ALL
            SELECT NULL, NULL, NULL, NULL, c.partner_id, u.date, u.amount,
                   'unallocated', 'unallocated'
              FROM (SELECT 1 + floor(random() * %(n_cust)s)::int AS num,
                           %(today)s::date - floor(random() * %(span)s)::int AS date,
                           round((50 + random() * 950)::numeric, 2) AS amount
                      FROM generate_series(1, %(n_unallocated)s)) u
              JOIN bench_customer c ON c.num = u.num;

            CREATE TEMP TABLE bench_pay AS
            SELECT s.*,
                   row_number() OVER (ORDER BY s.date, s.doc_move_id NULLS LAST, s.amount) AS idx,
                   replace(CASE WHEN s.kind = 'statement' THEN %(st_fmt)s ELSE %(pay_fmt)s END,
                           '{year}', extract(year FROM s.date)::text) AS prefix,
                   CASE WHEN s.kind = 'statement' THEN %(st_digits)s
                        ELSE %(pay_digits)s END AS digits
              FROM bench_pay_src s;
            CREATE UNIQUE INDEX ON bench_pay (idx);
            ANALYZE bench_pay;
            ALTER TABLE bench_pay ADD COLUMN move_id int, ADD COLUMN seq int,
                ADD COLUMN name varchar, ADD COLUMN liquidity_line_id int,
                ADD COLUMN counterpart_line_id int, ADD COLUMN payment_id int,
                ADD COLUMN st_line_id int;
            """,
            {
                "n_cust": p.customers,
                "today": self.today,
                "span": SPAN_DAYS,
                "n_unallocated": p.unallocated_payments,
                "pay_fmt": pay_fmt,
                "pay_digits": pay_digits,
                "st_fmt": st_fmt,
                "st_digits": st_digits,
            },
        )
        cr.execute("SELECT count(*), count(*) FILTER (WHERE kind = 'statement') FROM bench_pay")
        n_pay, n_st = cr.fetchone()
        move_first = _reserve_ids(cr, "account_move", n_pay)
        line_first = _reserve_ids(cr, "account_move_line", 2 * n_pay)
        payment_first = _reserve_ids(cr, "account_payment", n_pay - n_st)
        st_first = _reserve_ids(cr, "account_bank_statement_line", n_st)
        cr.execute(
            """
            UPDATE bench_pay SET move_id = %(move_first)s + idx - 1,
                   liquidity_line_id = %(line_first)s + 2 * (idx - 1),
                   counterpart_line_id = %(line_first)s + 2 * (idx - 1) + 1;
            UPDATE bench_pay b SET payment_id = %(payment_first)s + n.rank - 1
              FROM (SELECT idx, row_number() OVER (ORDER BY idx) AS rank
                      FROM bench_pay WHERE kind <> 'statement') n
             WHERE n.idx = b.idx;
            UPDATE bench_pay b SET st_line_id = %(st_first)s + n.rank - 1
              FROM (SELECT idx, row_number() OVER (ORDER BY idx) AS rank
                      FROM bench_pay WHERE kind = 'statement') n
             WHERE n.idx = b.idx;
            """,
            {
                "move_first": move_first,
                "line_first": line_first,
                "payment_first": payment_first,
                "st_first": st_first,
            },
        )
        self._number("bench_pay", self.bank_journal.id)
        cr.execute(
            """
            CREATE TEMP TABLE bench_rec AS
            SELECT p.doc_line_id AS debit_line_id, p.counterpart_line_id AS credit_line_id,
                   p.amount, greatest(p.doc_date, p.date) AS max_date,
                   p.outcome <> 'partial' AS is_full
              FROM bench_pay p WHERE p.kind <> 'unallocated'
             UNION ALL
            SELECT i.term_line_id, r.term_line_id, i.total,
                   greatest(i.invoice_date, r.invoice_date), TRUE
              FROM bench_doc r JOIN bench_doc i ON i.move_id = r.reversed_move_id
             WHERE r.outcome = 'reversal';
            ALTER TABLE bench_rec ADD COLUMN partial_id int, ADD COLUMN full_id int;
            CREATE UNIQUE INDEX ON bench_rec (debit_line_id);
            ANALYZE bench_rec;
            """
        )
        cr.execute("SELECT count(*), count(*) FILTER (WHERE is_full) FROM bench_rec")
        n_rec, n_full = cr.fetchone()
        partial_first = _reserve_ids(cr, "account_partial_reconcile", n_rec)
        full_first = _reserve_ids(cr, "account_full_reconcile", n_full)
        cr.execute(
            """
            UPDATE bench_rec b SET partial_id = %(partial_first)s + n.rank - 1
              FROM (SELECT debit_line_id, row_number() OVER (ORDER BY max_date, debit_line_id)
                           AS rank FROM bench_rec) n
             WHERE n.debit_line_id = b.debit_line_id;
            UPDATE bench_rec b SET full_id = %(full_first)s + n.rank - 1
              FROM (SELECT debit_line_id, row_number() OVER (ORDER BY partial_id) AS rank
                      FROM bench_rec WHERE is_full) n
             WHERE n.debit_line_id = b.debit_line_id;
            -- matching number and full reconcile of every reconciled line
            CREATE TEMP TABLE bench_match AS
            SELECT debit_line_id AS line_id, partial_id, full_id,
                   COALESCE(full_id::text, 'P' || partial_id) AS matching_number
              FROM bench_rec
             UNION ALL
            SELECT credit_line_id, partial_id, full_id,
                   COALESCE(full_id::text, 'P' || partial_id)
              FROM bench_rec;
            CREATE UNIQUE INDEX ON bench_match (line_id);
            ANALYZE bench_match;
            ANALYZE bench_rec;
            ANALYZE bench_pay;
            """,
            {"partial_first": partial_first, "full_first": full_first},
        )
        return n_pay, n_st, n_rec, n_full

    # -- writing ---------------------------------------------------------------

    def write_documents(self):
        cr = self.cr
        tpl_inv, tpl_ref = self.proto_invoice, self.proto_refund
        when = "(src.invoice_date + time '09:00')"
        args = {
            "tpl_inv": tpl_inv.id,
            "tpl_ref": tpl_ref.id,
            "reversal_label": "Reversal of: ",
        }
        moves = _copy_rows(
            cr,
            "account_move",
            """(SELECT d.*, p.complete_name AS display_name,
                       CASE WHEN d.move_type = 'out_invoice' THEN %(tpl_inv)s
                            ELSE %(tpl_ref)s END AS tpl_id
                  FROM bench_doc d JOIN res_partner p ON p.id = d.move_partner_id) src""",
            {
                "id": "src.move_id",
                "name": "src.name",
                "sequence_prefix": "src.prefix",
                "sequence_number": "src.seq",
                "partner_id": "src.move_partner_id",
                "commercial_partner_id": "src.partner_id",
                "partner_shipping_id": "src.move_partner_id",
                "invoice_partner_display_name": "src.display_name",
                "date": "src.invoice_date",
                "invoice_date": "src.invoice_date",
                "invoice_date_due": "src.due_date",
                "invoice_payment_term_id": "src.term_id",
                "payment_reference": "CASE WHEN tpl.payment_reference IS NOT NULL "
                "THEN src.name END",
                "ref": "CASE WHEN src.reversed_name IS NOT NULL "
                "THEN %(reversal_label)s || src.reversed_name END",
                "reversed_entry_id": "src.reversed_move_id",
                "payment_state": "src.payment_state",
                "amount_untaxed": "src.untaxed",
                "amount_tax": "src.tax",
                "amount_total": "src.total",
                "amount_residual": "src.residual",
                "amount_untaxed_signed": "src.sign * src.untaxed",
                "amount_untaxed_in_currency_signed": "src.sign * src.untaxed",
                "amount_tax_signed": "src.sign * src.tax",
                "amount_total_signed": "src.sign * src.total",
                "amount_total_in_currency_signed": "src.sign * src.total",
                "amount_residual_signed": "src.sign * src.residual",
                "access_token": "NULL",
                "message_main_attachment_id": "NULL",
                "create_date": when,
                "write_date": when,
            },
            args,
        )
        line_common = {
            "move_id": "src.move_id",
            "move_name": "src.name",
            "partner_id": "src.partner_id",
            "date": "src.invoice_date",
            "invoice_date": "src.invoice_date",
            "create_date": when,
            "write_date": when,
        }

        def amount_columns(amount):
            # ``amount`` is the signed balance of the line
            return {
                "debit": f"greatest({amount}, 0)",
                "credit": f"greatest(-({amount}), 0)",
                "balance": amount,
                "amount_currency": amount,
            }

        line_tpl = """CASE WHEN d.move_type = 'out_invoice' THEN %(tpl_inv_line)s
                           ELSE %(tpl_ref_line)s END AS tpl_id"""
        n_lines = _copy_rows(
            cr,
            "account_move_line",
            f"(SELECT d.*, {line_tpl} FROM bench_doc d) src",
            {
                **line_common,
                **amount_columns("-src.sign * src.untaxed"),
                "id": "src.product_line_id",
                "quantity": "src.qty",
                "price_unit": "src.price_unit",
                "price_subtotal": "src.untaxed",
                "price_total": "src.untaxed + src.tax",
            },
            {
                "tpl_inv_line": self._template_lines(tpl_inv, display_type="product"),
                "tpl_ref_line": self._template_lines(tpl_ref, display_type="product"),
            },
        )
        n_lines += _copy_rows(
            cr,
            "account_move_line",
            f"(SELECT d.*, {line_tpl} FROM bench_doc d WHERE d.taxed) src",
            {
                **line_common,
                **amount_columns("-src.sign * src.tax"),
                "id": "src.tax_line_id",
                "tax_base_amount": "src.untaxed",
            },
            {
                "tpl_inv_line": self._template_lines(tpl_inv, display_type="tax"),
                "tpl_ref_line": self._template_lines(tpl_ref, display_type="tax"),
            },
        )
        n_lines += _copy_rows(
            cr,
            "account_move_line",
            f"""(SELECT d.*, m.full_id, m.matching_number, {line_tpl}
                   FROM bench_doc d LEFT JOIN bench_match m ON m.line_id = d.term_line_id) src""",
            {
                **line_common,
                **amount_columns("src.sign * src.total"),
                "id": "src.term_line_id",
                "name": "CASE WHEN tpl.name IS NOT NULL THEN src.name END",
                "date_maturity": "src.due_date",
                "amount_residual": "src.sign * src.residual",
                "amount_residual_currency": "src.sign * src.residual",
                "reconciled": "src.residual = 0",
                "full_reconcile_id": "src.full_id",
                "matching_number": "src.matching_number",
            },
            {
                "tpl_inv_line": self._template_lines(tpl_inv, display_type="payment_term"),
                "tpl_ref_line": self._template_lines(tpl_ref, display_type="payment_term"),
            },
        )
        cr.execute(
            """INSERT INTO account_move_line_account_tax_rel (account_move_line_id, account_tax_id)
               SELECT product_line_id, %s FROM bench_doc WHERE taxed""",
            [self.tax.id],
        )
        self.counts.update(documents=moves, document_lines=n_lines)
        log(f"invoices and credit notes: {moves} moves, {n_lines} journal items")

    def write_settlements(self):
        cr = self.cr
        payment = self.proto_payment
        st_line = self.proto_st_line
        pay_liquidity = self._template_lines(
            payment.move_id, account=payment.outstanding_account_id
        )
        pay_counterpart = self._template_lines(payment.move_id, account=self.receivable_account)
        st_liquidity = self._template_lines(
            st_line.move_id, account=st_line.journal_id.default_account_id
        )
        st_counterpart = self._template_lines(st_line.move_id, account=self.receivable_account)
        label = self.env["account.move.line"].browse(pay_liquidity).name
        memo_suffix = f": {self.proto_invoice.name}"
        if not label.endswith(memo_suffix):
            raise DatasetError(f"unexpected payment label {label!r}")
        when = "(src.date + time '15:00')"
        args = {
            "tpl_payment": payment.id,
            "tpl_pay_move": payment.move_id.id,
            "tpl_st_move": st_line.move_id.id,
            "tpl_st_line": st_line.id,
            "label": label.removesuffix(memo_suffix),
            "st_label": "Transfer ",
            "pay_liquidity": pay_liquidity,
            "pay_counterpart": pay_counterpart,
            "st_liquidity": st_liquidity,
            "st_counterpart": st_counterpart,
        }
        dates = {"create_date": when, "write_date": when}
        # 1. payments, without their move yet (circular foreign keys)
        n_payments = _copy_rows(
            cr,
            "account_payment",
            "(SELECT *, %(tpl_payment)s AS tpl_id FROM bench_pay WHERE kind <> 'statement') src",
            {
                **dates,
                "id": "src.payment_id",
                "move_id": "NULL",
                "partner_id": "src.partner_id",
                "name": "src.name",
                "memo": "src.doc_name",
                "payment_reference": "NULL",
                "date": "src.date",
                "amount": "src.amount",
                "amount_company_currency_signed": "src.amount",
                # Odoo: 'paid' once every invoice of the payment is paid
                "state": "CASE WHEN src.outcome IN ('late', 'on_time') THEN 'paid' "
                "ELSE 'in_process' END",
                "is_reconciled": "src.kind = 'payment'",
                "is_matched": "FALSE",
                "message_main_attachment_id": "NULL",
            },
            args,
        )
        # 2. their moves, and those of the bank statement lines

        def by_kind(statement_tpl, payment_tpl):
            """The template of a row of ``bench_pay b``, after its kind."""
            return (
                f"CASE WHEN b.kind = 'statement' THEN %({statement_tpl})s "
                f"ELSE %({payment_tpl})s END"
            )

        n_moves = _copy_rows(
            cr,
            "account_move",
            f"""(SELECT b.*, p.complete_name AS display_name,
                        {by_kind("tpl_st_move", "tpl_pay_move")} AS tpl_id
                   FROM bench_pay b JOIN res_partner p ON p.id = b.partner_id) src""",
            {
                **dates,
                "id": "src.move_id",
                "name": "src.name",
                "sequence_prefix": "src.prefix",
                "sequence_number": "src.seq",
                "partner_id": "src.partner_id",
                "commercial_partner_id": "src.partner_id",
                "invoice_partner_display_name": "src.display_name",
                "date": "src.date",
                "invoice_date_due": "src.date",
                "ref": "CASE WHEN tpl.ref IS NOT NULL THEN src.doc_name END",
                "origin_payment_id": "src.payment_id",
                "statement_line_id": "NULL",
                "amount_total": "src.amount",
                "amount_total_signed": "src.amount",
                "amount_total_in_currency_signed": "src.amount",
                "access_token": "NULL",
                "message_main_attachment_id": "NULL",
            },
            args,
        )
        # 3. bank statement lines, then the links back to them
        n_st = _copy_rows(
            cr,
            "account_bank_statement_line",
            "(SELECT *, %(tpl_st_line)s AS tpl_id FROM bench_pay WHERE kind = 'statement') src",
            {
                **dates,
                "id": "src.st_line_id",
                "move_id": "src.move_id",
                "partner_id": "src.partner_id",
                "payment_ref": "%(st_label)s || src.doc_name",
                "internal_index": "to_char(src.date, 'YYYYMMDD') "
                "|| lpad((2147483647 - tpl.sequence)::text, 10, '0') "
                "|| lpad(src.st_line_id::text, 10, '0')",
                "amount": "src.amount",
                "amount_residual": "0",
                "is_reconciled": "TRUE",
            },
            args,
        )
        cr.execute(
            """UPDATE account_move m SET statement_line_id = b.st_line_id
                 FROM bench_pay b WHERE b.kind = 'statement' AND m.id = b.move_id;
               UPDATE account_payment p SET move_id = b.move_id
                 FROM bench_pay b WHERE b.kind <> 'statement' AND p.id = b.payment_id;
               INSERT INTO account_move__account_payment (invoice_id, payment_id)
               SELECT doc_move_id, payment_id FROM bench_pay WHERE kind = 'payment';"""
        )
        # 4. journal items: liquidity (outstanding receipts or bank) and receivable
        line_common = {
            **dates,
            "move_id": "src.move_id",
            "move_name": "src.name",
            "partner_id": "src.partner_id",
            "date": "src.date",
            "date_maturity": "CASE WHEN tpl.date_maturity IS NOT NULL THEN src.date END",
            "ref": "CASE WHEN tpl.ref IS NOT NULL THEN src.doc_name END",
            "name": "CASE WHEN src.kind = 'statement' THEN %(st_label)s || src.doc_name "
            "WHEN src.doc_name IS NULL THEN %(label)s "
            "ELSE %(label)s || ': ' || src.doc_name END",
            "payment_id": "src.payment_id",
            "statement_line_id": "src.st_line_id",
        }
        n_lines = _copy_rows(
            cr,
            "account_move_line",
            f"""(SELECT b.*, {by_kind("st_liquidity", "pay_liquidity")} AS tpl_id
                   FROM bench_pay b) src""",
            {
                **line_common,
                "id": "src.liquidity_line_id",
                "debit": "src.amount",
                "credit": "0",
                "balance": "src.amount",
                "amount_currency": "src.amount",
                "amount_residual": "src.amount",
                "amount_residual_currency": "src.amount",
                "price_subtotal": "src.amount",
                "price_total": "src.amount",
            },
            args,
        )
        n_lines += _copy_rows(
            cr,
            "account_move_line",
            f"""(SELECT b.*, m.full_id, m.matching_number,
                        {by_kind("st_counterpart", "pay_counterpart")} AS tpl_id
                   FROM bench_pay b LEFT JOIN bench_match m ON m.line_id = b.counterpart_line_id
                ) src""",
            {
                **line_common,
                "id": "src.counterpart_line_id",
                "debit": "0",
                "credit": "src.amount",
                "balance": "-src.amount",
                "amount_currency": "-src.amount",
                "amount_residual": "CASE WHEN src.kind = 'unallocated' THEN -src.amount ELSE 0 END",
                "amount_residual_currency": "CASE WHEN src.kind = 'unallocated' "
                "THEN -src.amount ELSE 0 END",
                "reconciled": "src.kind <> 'unallocated'",
                "full_reconcile_id": "src.full_id",
                "matching_number": "src.matching_number",
                "price_subtotal": "-src.amount",
                "price_total": "-src.amount",
            },
            args,
        )
        self.counts.update(
            payments=n_payments, statement_lines=n_st, payment_moves=n_moves, payment_lines=n_lines
        )
        log(
            f"payments: {n_payments}, bank statement lines: {n_st}, "
            f"their moves: {n_moves}, journal items: {n_lines}"
        )

    def write_reconciliations(self):
        """Full reconciles first (journal items point to them), then partials."""
        cr = self.cr
        cr.execute(
            """INSERT INTO account_full_reconcile
                       (id, create_uid, write_uid, create_date, write_date)
               SELECT full_id, 1, 1, max_date + time '15:00', max_date + time '15:00'
                 FROM bench_rec WHERE is_full"""
        )
        n_full = cr.rowcount
        proto_partial = self.proto_payment.move_id.line_ids.matched_debit_ids
        proto_partial.ensure_one()
        self._partial_template = proto_partial.id
        return n_full

    def write_partials(self):
        when = "(src.max_date + time '15:00')"
        n_partials = _copy_rows(
            self.cr,
            "account_partial_reconcile",
            "(SELECT *, %(tpl)s AS tpl_id FROM bench_rec) src",
            {
                "id": "src.partial_id",
                "debit_move_id": "src.debit_line_id",
                "credit_move_id": "src.credit_line_id",
                "full_reconcile_id": "src.full_id",
                "max_date": "src.max_date",
                "amount": "src.amount",
                "debit_amount_currency": "src.amount",
                "credit_amount_currency": "src.amount",
                "create_date": when,
                "write_date": when,
            },
            {"tpl": self._partial_template},
        )
        self.counts["partial_reconciles"] = n_partials
        log(f"reconciliations: {n_partials} partial, {self.counts['full_reconciles']} full")

    def finish_partners(self):
        """Customer ranks and credit limits, as posting and the accountant would set them."""
        cr = self.cr
        cr.execute(
            """
            UPDATE res_partner p SET customer_rank = greatest(n.count, 1)
              FROM (SELECT c.partner_id, count(d.idx) AS count
                      FROM bench_customer c
                 LEFT JOIN bench_doc d ON d.partner_id = c.partner_id
                           AND d.move_type = 'out_invoice'
                  GROUP BY c.partner_id) n
             WHERE p.id = n.partner_id;
            -- posting also ranks the contact an invoice is addressed to
            UPDATE res_partner p SET customer_rank = n.count
              FROM (SELECT move_partner_id, count(*) AS count FROM bench_doc
                     WHERE move_type = 'out_invoice' AND move_partner_id <> partner_id
                  GROUP BY move_partner_id) n
             WHERE p.id = n.move_partner_id;
            -- a credit limit for three customers in four, around their usual exposure
            UPDATE res_partner p
               SET credit_limit = jsonb_build_object(
                       %(company)s::text,
                       greatest(1000, round(n.exposure * c.limit_factor / 5 / 1000) * 1000)::float)
              FROM bench_customer c
              JOIN (SELECT partner_id, sum(total) / count(*) * 4 AS exposure
                      FROM bench_doc WHERE move_type = 'out_invoice' GROUP BY partner_id) n
                   ON n.partner_id = c.partner_id
             WHERE p.id = c.partner_id AND c.has_limit;
            """,
            {"company": self.company.id},
        )

    # -- ORM extras --------------------------------------------------------------

    def make_opportunities(self):
        """One opportunity for about 2,000 customers (one in ten)."""
        env = self.env
        stages = env["crm.stage"].search([("is_won", "=", False)])
        self.cr.execute(
            "SELECT partner_id, name FROM bench_customer WHERE num %% %s = 0 ORDER BY num", [10]
        )
        rows = self.cr.fetchall()[: self.params.opportunities]
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"Opportunity {name}",
                    "type": "opportunity",
                    "partner_id": partner_id,
                    "user_id": ADMIN_UID,
                    "expected_revenue": 1000.0 * (1 + i % 50),
                    "stage_id": stages[i % len(stages)].id,
                }
                for i, (partner_id, name) in enumerate(rows)
            ]
        )
        self.counts["opportunities"] = len(leads)
        log(f"opportunities: {len(leads)}")

    def make_sale_orders(self):
        """Confirmed, not invoiced sale orders: ``credit_to_invoice`` has work to do.

        The first customers by name (the benchmark's page) get one, and the
        others are spread over the customer base.
        """
        env = self.env
        count = self.params.sale_orders
        self.cr.execute(
            """(SELECT partner_id FROM bench_customer ORDER BY name LIMIT 20)
               UNION
               (SELECT partner_id FROM bench_customer WHERE num %% %s = 7 LIMIT %s)""",
            [61, max(count - 20, 0)],
        )
        partner_ids = [row[0] for row in self.cr.fetchall()][:count]
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": partner_id,
                    "user_id": ADMIN_UID,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1 + i % 5,
                                "price_unit": 250.0 + 10 * (i % 40),
                            }
                        )
                    ],
                }
                for i, partner_id in enumerate(partner_ids)
            ]
        )
        orders.action_confirm()
        self.counts["sale_orders"] = len(orders)
        log(f"confirmed sale orders: {len(orders)}")

    # -- all -----------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk_load(self, tables):
        """Load ``tables`` like pg_restore does: indexes built after, no FK triggers.

        Foreign keys are not checked row by row (``session_replication_role``
        skips their triggers), so they are checked afterwards, set-based,
        by ``consistency.run_sql_checks``. The secondary indexes are dropped
        and created again with their exact definitions, which also re-checks
        the unique ones (such as the unique move name per journal).
        """
        cr = self.cr
        cr.execute(
            """SELECT i.indexname, i.indexdef
                 FROM pg_indexes i
                WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint c
                       WHERE c.conindid = (quote_ident(i.schemaname) || '.'
                                           || quote_ident(i.indexname))::regclass)""",
            [list(tables)],
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute(f'DROP INDEX "{name}"')
        cr.execute("SET LOCAL session_replication_role = replica")
        yield
        cr.execute("SET LOCAL session_replication_role = origin")
        started = time.time()
        cr.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cr.execute(definition)
        log(f"{len(indexes)} indexes built again in {time.time() - started:.0f} s")

    def run(self):
        self.make_prototypes()
        self.env.flush_all()
        self.make_customers()
        n_docs = self.plan_documents()
        n_pay, n_st, n_rec, n_full = self.plan_settlements()
        log(
            f"planned {n_docs} invoices and credit notes, {n_pay} payments "
            f"({n_st} by bank statement), {n_rec} reconciliations ({n_full} full)"
        )
        with self.bulk_load(BULK_TABLES):
            self.counts["full_reconciles"] = self.write_reconciliations()
            self.write_documents()
            self.write_settlements()
            self.write_partials()
        self.finish_partners()
        # Commit the bulk load: indexes built in a transaction that also
        # updated their table are not used until it ends (pg_index.indcheckxmin),
        # and the ORM steps below would then scan whole tables.
        self.env.flush_all()
        self.cr.commit()
        self.cr.execute("ANALYZE")
        self.env.invalidate_all()
        self.make_opportunities()
        self.make_sale_orders()
        self.env.flush_all()
        self.env.invalidate_all()
        return self.counts


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def _module_version(bench_db, db_name):
    dsn = dict(bench_db.dsn(), dbname=db_name)
    with contextlib.closing(psycopg2.connect(**dsn)) as cnx, cnx.cursor() as cr:
        cr.execute(
            "SELECT latest_version FROM ir_module_module "
            "WHERE name = 'crm_accounting_bridge' AND state = 'installed'"
        )
        row = cr.fetchone()
    return row and row[0]


def _prepare_base(bench_db, rebuild_base):
    """A template database with the modules installed, copied for each build."""
    base = BenchDatabase(f"{bench_db.name}_base", bench_db.pg_dir, bench_db.host, bench_db.port)
    if (
        rebuild_base
        or not _database_exists(bench_db, base.name)
        or not _module_version(bench_db, base.name)
    ):
        _drop_database(bench_db, base.name)
        install_modules(base)
    _drop_database(bench_db, bench_db.name)
    with contextlib.closing(_admin_connection(bench_db)) as cnx, cnx.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{bench_db.name}" TEMPLATE "{base.name}"')
    data_dir = bench_db.data_dir / "filestore"
    if (data_dir / base.name).is_dir():
        shutil.rmtree(data_dir / bench_db.name, ignore_errors=True)
        shutil.copytree(data_dir / base.name, data_dir / bench_db.name)


def _vacuum(bench_db):
    with contextlib.closing(psycopg2.connect(**bench_db.dsn())) as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute("VACUUM ANALYZE")


def check_dataset(bench_db):
    """Run every consistency check on the data set (read only)."""
    with bench_db.environment(uid=1) as env:
        consistency.run_sql_checks(env.cr, BULK_TABLES)
        consistency.run_orm_checks(env)
    with bench_db.environment(uid=1, context={"tracking_disable": True}) as env:
        consistency.run_bridge_checks(env)


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
    started = time.time()
    _prepare_base(bench_db, rebuild_base)
    base_ready = time.time()
    log(f"generating the data set in '{db}' (database ready in {base_ready - started:.0f} s)")
    context = {
        "tracking_disable": True,
        "mail_create_nolog": True,
        "mail_create_nosubscribe": True,
        "mail_notrack": True,
        "mail_auto_subscribe_no_notify": True,
    }
    with bench_db.environment(uid=1, context=context, commit=True) as env:
        generator = Generator(env, params)
        counts = generator.run()
        today = generator.today
    generated = time.time()
    # Committed without its marker: should a check fail, the next run builds
    # the data set again. VACUUM first, so that the checks (and then the
    # benchmarks) run with fresh statistics and indexes usable by all.
    _vacuum(bench_db)
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
    bench_db.info = marker
    return bench_db


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
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


if __name__ == "__main__":
    main()
