#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the margin per customer report against Odoo's sale.report.

    python3 tools/bench/bench_margin.py [--lines 1000000] [--customers 200] [--runs 5]
                                        [--reset | --update] [--work DIR] [--stop]

It starts its own PostgreSQL cluster with ``tools/pg-cluster`` (in
``--work``, /tmp/bench_margin by default), creates the database
``bench_margin`` there with ``sale_margin_customer`` installed and no demo
data, then generates sales with bulk SQL: confirmed orders whose lines carry a
cost (sale_margin's ``purchase_price``), posted invoices linked to the order
lines, orders invoiced in two parts, credit notes, down payments, orders and
invoices in a foreign currency, and invoices without order, all balanced and
with the amounts Odoo would store; a sample of them is recomputed with the ORM
to prove it, then refreshes the report's materialized view. The database is
kept for the next run (``--reset`` rebuilds it, ``--update`` updates the addon
in it first).

It then times, in the same run and over the same sales, the report grouped by
customer and month as its pivot view asks for it, and Odoo's sale.report
margin grouped by customer, through ``_read_group`` (the query) and
``read_group`` (the call of the web client, with its labels and domains), and
prints the figures and their ratios side by side; then the live computations
that do not use the materialized view (a customer's margin of 12 months, the
profitability tiers) and the same line query as a plain view. It exits
non-zero when the data is inconsistent or the target is not met.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster

try:
    import odoo
    from odoo import SUPERUSER_ID, Command, api
    from odoo.modules.registry import Registry
    from odoo.tools import SQL
except ImportError:
    sys.exit("python3 cannot import Odoo 18.0: install it first (README.md, Prerequisites)")

ROOT = Path(__file__).resolve().parents[2]
LINE_VIEW = "sale_margin_customer_line"
DATABASE = "bench_margin"
LINES_PER_ORDER = 5
# A distributor delivering a few hundred shops several times a week.
CUSTOMERS = 200
PRODUCTS = 300
SALESPEOPLE = 10
# Share of the product invoice lines that come with no order.
DIRECT_SHARE = 0.08
GENERATED_MARK = "bench_margin.generated"
# Targets of the issue: seconds, and ratio to sale.report by customer.
TARGET_SECONDS = 2.0
TARGET_RATIO = 1.5
# creation and write time of the generated rows
NOW = "now() at time zone 'UTC'"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="product invoice lines")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each measure")
    parser.add_argument("--customers", type=int, default=CUSTOMERS, help="customers buying")
    parser.add_argument("--work", default="/tmp/bench_margin", help="cluster and config folder")
    parser.add_argument("--reset", action="store_true", help="rebuild the database")
    parser.add_argument(
        "--update", action="store_true", help="update sale_margin_customer in the database first"
    )
    parser.add_argument("--stop", action="store_true", help="stop the cluster at the end")
    return parser.parse_args()


def start_cluster(work):
    """Start the private cluster; return its settings (PGHOST, PGPORT, PGUSER)."""
    host, port, user = cluster.start_cluster(work / "pg")
    return {"PGHOST": host, "PGPORT": port, "PGUSER": user}


def write_config(work, settings):
    config = work / "odoo.conf"
    config.write_text(
        "[options]\n"
        f"db_host = {settings['PGHOST']}\ndb_port = {settings['PGPORT']}\n"
        f"db_user = {settings['PGUSER']}\naddons_path = {ROOT}\n"
        f"data_dir = {work / 'data'}\nlist_db = False\nmax_cron_threads = 0\n"
        "http_enable = False\n"
    )
    return config


def update_module(config):
    print("Updating sale_margin_customer...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", "-c", str(config), "-d", DATABASE,
         "-u", "sale_margin_customer", "--stop-after-init", "--log-level=warn"],
        check=True,
    )  # fmt: skip


def create_database(config, settings):
    cluster.drop_database(settings["PGHOST"], DATABASE, settings["PGUSER"])
    print(f"Installing sale_margin_customer in a new database {DATABASE!r}...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", "-c", str(config), "-d", DATABASE,
         "-i", "sale_margin_customer", "--without-demo=all", "--stop-after-init",
         "--log-level=warn"],
        check=True,
    )  # fmt: skip


# --------------------------------------------------------------------------
# Data: a few records with the ORM, then bulk SQL copies of real rows
# --------------------------------------------------------------------------


def _foreign_currency(env, company, today):
    """A foreign currency with a rate per month over 26 months, and a pricelist in it."""
    foreign = env.ref("base.EUR") if company.currency_id.name != "EUR" else env.ref("base.GBP")
    foreign.active = True
    months = []
    month = date(today.year, today.month, 1)
    for index in range(26):
        months.append((month, round(0.90 + 0.02 * (index % 6), 6)))
        month = (month - timedelta(days=1)).replace(day=1)
    env["res.currency.rate"].create(
        [
            {"name": day, "rate": rate, "currency_id": foreign.id, "company_id": company.id}
            for day, rate in months
        ]
    )
    pricelist = env["product.pricelist"].create(
        {"name": f"Bench {foreign.name}", "currency_id": foreign.id}
    )
    return foreign, months, pricelist


def _salespeople(env):
    """Three sales teams and SALESPEOPLE salespeople spread over them."""
    teams = env["crm.team"].create([{"name": f"Bench team {n}"} for n in range(3)])
    users = env["res.users"].create(
        [
            {
                "name": f"Bench salesperson {n}",
                "login": f"bench_sales_{n}",
                "groups_id": [Command.set(env.ref("sales_team.group_sale_salesman").ids)],
                "sale_team_id": teams[n % 3].id,
            }
            for n in range(SALESPEOPLE)
        ]
    )
    return teams, users


def _customers(env, customer_count, tags):
    """Customer companies over a few industries, countries and tags."""
    industries = env["res.partner.industry"].search([], limit=8)
    countries = env["res.country"].search([], limit=12)
    return env["res.partner"].create(
        [
            {
                "name": f"Bench customer {n:05d}",
                "is_company": True,
                "industry_id": industries[n % len(industries)].id,
                "country_id": countries[n % len(countries)].id,
                "category_id": [Command.set(tags[n % 6 : n % 6 + 1 + n % 2].ids)],
                "customer_rank": 1,
            }
            for n in range(customer_count)
        ]
    )


def _products(env):
    """PRODUCTS products over five categories, each with a cost below its price."""
    categories = env["product.category"].create([{"name": f"Bench category {n}"} for n in range(5)])
    return env["product.product"].create(
        [
            {
                "name": f"Bench product {n:03d}",
                "type": "consu",
                "categ_id": categories[n % 5].id,
                "list_price": 10 + (n * 37) % 990,
                "standard_price": round((10 + (n * 37) % 990) * (0.45 + (n % 7) * 0.05), 2),
                "taxes_id": [Command.clear()],
                "invoice_policy": "order",
            }
            for n in range(PRODUCTS)
        ]
    )


def _invoiced_order(env, customer, user, team, product, today):
    """One confirmed order of one line, invoiced and posted through the ORM."""
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "user_id": user.id,
            "team_id": team.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": 1,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }
    )
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.invoice_date = today
    invoice.action_post()
    return order, invoice


def create_base_records(env, customer_count):
    """Companies' setup, customers, products, salespeople and one real order
    invoiced through the ORM, whose rows the bulk SQL copies."""
    company = env.company
    missing = company._crm_accounting_readiness()
    if missing:
        sys.exit("accounting is not ready: " + ", ".join(item["label"] for item in missing))
    today = date.today()
    foreign, months, pricelist = _foreign_currency(env, company, today)
    tags = env["res.partner.category"].create([{"name": f"Bench tag {n}"} for n in range(6)])
    teams, users = _salespeople(env)
    customers = _customers(env, customer_count, tags)
    products = _products(env)
    order, invoice = _invoiced_order(env, customers[0], users[0], teams[0], products[0], today)
    env.flush_all()
    return {
        "company": company,
        "foreign": foreign,
        "pricelist": pricelist,
        "months": months,
        "users": users,
        "customers": customers,
        "products": products,
        "order": order,
        "invoice": invoice,
    }


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = 'public' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def insert_copies(cr, table, template_id, source, values, params=None):
    """Insert a copy of the template row for every row of ``source``, with
    ``values`` (column: SQL expression) replacing the template's columns."""
    names = columns(cr, table)
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"{table} has no column {sorted(unknown)}")
    expressions = [values.get(name, f"tpl.{name}") for name in names]
    started = time.monotonic()
    cr.execute(
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"SELECT {', '.join(expressions)} FROM {table} tpl, {source} WHERE tpl.id = %(tpl)s",
        {**(params or {}), "tpl": template_id},
    )
    print(f"  {table}: {cr.rowcount:,} rows in {time.monotonic() - started:.0f} s", flush=True)
    return cr.rowcount


def _id_bases(cr):
    """The highest ids of the tables the generation fills: generated ids follow them."""
    bases = []
    for table in ("sale_order", "sale_order_line", "account_move", "account_move_line"):
        cr.execute(f"SELECT MAX(id) FROM {table}")
        bases.append(cr.fetchone()[0])
    return bases


def _plan_references(cr, base):
    """Temp tables of the monthly rates, customers, salespeople and products, numbered."""
    cr.execute("CREATE TEMP TABLE bench_rate (month date PRIMARY KEY, rate numeric)")
    cr.executemany("INSERT INTO bench_rate VALUES (%s, %s)", base["months"])
    cr.execute(
        "CREATE TEMP TABLE bench_customer AS SELECT ROW_NUMBER() OVER (ORDER BY id) AS idx, "
        "id, name FROM res_partner WHERE id = ANY(%s)",
        [base["customers"].ids],
    )
    cr.execute(
        "CREATE TEMP TABLE bench_user AS SELECT ROW_NUMBER() OVER (ORDER BY u.id) AS idx, u.id, "
        "u.sale_team_id AS team_id FROM res_users u WHERE u.id = ANY(%s)",
        [base["users"].ids],
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_product AS
        SELECT ROW_NUMBER() OVER (ORDER BY p.id) AS idx, p.id, t.name->>'en_US' AS name,
               t.list_price AS price, (p.standard_price->>%(company)s)::numeric AS cost
          FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE p.id = ANY(%(ids)s)
        """,
        {"ids": base["products"].ids, "company": str(base["company"].id)},
    )


def _plan_orders(cr, params):
    """Temp tables ``bench_order``, ``bench_order_line`` and ``bench_down_payment``."""
    # orders: who, when, in which currency, and what happens to them
    cr.execute(
        """
        CREATE TEMP TABLE bench_order AS
        SELECT o.*, CASE WHEN o.is_foreign THEN r.rate ELSE 1.0 END AS rate
          FROM (SELECT i, %(o0)s + i AS id, 'S/B/' || lpad(i::text, 7, '0') AS name,
                       c.id AS customer_id, c.name AS customer_name, u.id AS user_id, u.team_id,
                       (%(today)s::date - (5 + (i * 37) %% 720)) AS order_date,
                       (i %% 10 = 4) AS is_foreign,
                       (i %% 10 = 3) AS is_split,
                       (i %% 33 = 5 AND i %% 50 != 7) AS is_credited,
                       (i %% 50 = 7) AS has_down_payment
                  FROM generate_series(1, %(orders)s) i
                  JOIN bench_customer c ON c.idx = (i::bigint * 7919) %% %(nc)s + 1
                  JOIN bench_user u ON u.idx = i %% %(nu)s + 1) o
          LEFT JOIN bench_rate r ON r.month = date_trunc('month', o.order_date)::date
        """,
        params,
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_order_line AS
        SELECT l.*,
               CASE WHEN l.is_split THEN (l.qty + 1) / 2 ELSE l.qty END AS qty_first,
               CASE WHEN l.is_split THEN l.qty / 2 ELSE 0 END AS qty_second
          FROM (SELECT o.i, j, %(l0)s + (o.i - 1) * %(k)s + j AS id, o.id AS order_id,
                       o.is_split, o.is_credited, p.id AS product_id, p.name,
                       2 + ((o.i * 31 + j * 17) %% 9) AS qty,
                       round(p.price * o.rate, 2) AS price_unit,
                       round(p.cost * o.rate, 2) AS purchase_price
                  FROM bench_order o
            CROSS JOIN generate_series(1, %(k)s) j
                  JOIN bench_product p ON p.idx = (o.i * 13 + j * 7) %% %(np)s + 1) l
        """,
        params,
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_down_payment AS
        SELECT o.i, o.id AS order_id, %(l0)s + %(ok)s + o.i AS line_id,
               round(0.3 * SUM(l.qty * l.price_unit), 2) AS amount
          FROM bench_order o JOIN bench_order_line l ON l.order_id = o.id
         WHERE o.has_down_payment
      GROUP BY o.i, o.id
        """,
        params,
    )


def _plan_moves(cr, params):
    """Temp table ``bench_move``: invoices (two for split orders), credit notes,
    down payment invoices and invoices without order."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_move AS
        SELECT m.*, CASE WHEN m.is_foreign THEN r.rate ELSE 1.0 END AS rate,
               CASE WHEN m.is_foreign THEN %(foreign)s ELSE %(company_currency)s END
                   AS currency_id
          FROM (
            SELECT %(m0)s + o.i AS id, 'out_invoice' AS move_type, o.order_date + 3 AS day,
                   o.customer_id, o.customer_name, o.user_id, o.team_id, o.is_foreign,
                   o.name AS origin, NULL::int AS reversed_entry_id
              FROM bench_order o
            UNION ALL
            SELECT %(m0)s + %(orders)s + o.i, 'out_invoice', LEAST(o.order_date + 20, %(today)s),
                   o.customer_id, o.customer_name, o.user_id, o.team_id, o.is_foreign, o.name, NULL
              FROM bench_order o WHERE o.is_split
            UNION ALL
            SELECT %(m0)s + 2 * %(orders)s + o.i, 'out_refund',
                   LEAST(o.order_date + 13, %(today)s), o.customer_id, o.customer_name,
                   o.user_id, o.team_id, o.is_foreign, o.name, %(m0)s + o.i
              FROM bench_order o WHERE o.is_credited
            UNION ALL
            SELECT %(m0)s + 3 * %(orders)s + o.i, 'out_invoice', o.order_date + 1,
                   o.customer_id, o.customer_name, o.user_id, o.team_id, o.is_foreign, o.name, NULL
              FROM bench_order o WHERE o.has_down_payment
            UNION ALL
            SELECT %(m0)s + 4 * %(orders)s + d, 'out_invoice',
                   %(today)s::date - 1 - (d * 53) %% 720, c.id, c.name, u.id, u.team_id,
                   FALSE, NULL, NULL
              FROM generate_series(1, %(direct)s) d
              JOIN bench_customer c ON c.idx = (d::bigint * 104729) %% %(nc)s + 1
              JOIN bench_user u ON u.idx = d %% %(nu)s + 1
          ) m
          LEFT JOIN bench_rate r ON r.month = date_trunc('month', m.day)::date
        """,
        params,
    )
    cr.execute("ALTER TABLE bench_move ADD PRIMARY KEY (id)")


def _plan_move_lines(cr, params):
    """Temp table ``bench_move_line``: the product and down payment lines of ``bench_move``."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_move_line AS
        SELECT l.id, l.move_id, l.order_line_id, l.product_id, l.name, l.quantity,
               l.price_unit, l.posted_unit_cost, l.is_downpayment, l.sequence,
               l.signed * l.quantity * l.price_unit AS amount_currency,
               round(l.signed * l.quantity * l.price_unit / m.rate, 2) AS balance
          FROM (
            SELECT %(a0)s + (l.i - 1) * %(k)s + l.j AS id, %(m0)s + l.i AS move_id,
                   l.id AS order_line_id, l.product_id, l.name, l.qty_first AS quantity,
                   l.price_unit, NULL::numeric AS posted_unit_cost, FALSE AS is_downpayment,
                   l.j AS sequence, -1 AS signed
              FROM bench_order_line l
            UNION ALL
            SELECT %(a0)s + %(ok)s + (l.i - 1) * %(k)s + l.j, %(m0)s + %(orders)s + l.i,
                   l.id, l.product_id, l.name, l.qty_second, l.price_unit, NULL, FALSE, l.j, -1
              FROM bench_order_line l WHERE l.is_split
            UNION ALL
            SELECT %(a0)s + 2 * %(ok)s + (l.i - 1) * %(k)s + l.j, %(m0)s + 2 * %(orders)s + l.i,
                   l.id, l.product_id, l.name, l.qty_first, l.price_unit, NULL, FALSE, l.j, 1
              FROM bench_order_line l WHERE l.is_credited
            UNION ALL
            SELECT %(a0)s + 3 * %(ok)s + (d - 1) * %(k)s + j, %(m0)s + 4 * %(orders)s + d,
                   NULL, p.id, p.name, 1 + (d + j) %% 5, p.price, p.cost, FALSE, j, -1
              FROM generate_series(1, %(direct)s) d
        CROSS JOIN generate_series(1, %(k)s) j
              JOIN bench_product p ON p.idx = (d * 11 + j * 3) %% %(np)s + 1
            UNION ALL
            SELECT %(a0)s + 5 * %(ok)s + dp.i, %(m0)s + 3 * %(orders)s + dp.i, dp.line_id,
                   NULL, 'Down payment', 1, dp.amount, NULL, TRUE, 1, -1
              FROM bench_down_payment dp
            UNION ALL
            SELECT %(a0)s + 6 * %(ok)s + dp.i, %(m0)s + dp.i, dp.line_id,
                   NULL, 'Down payment', -1, dp.amount, NULL, TRUE, 100, -1
              FROM bench_down_payment dp
          ) l
          JOIN bench_move m ON m.id = l.move_id
        """,
        params,
    )


def _copy_orders(cr, order, params):
    insert_copies(
        cr,
        "sale_order",
        order.id,
        "bench_order o",
        {
            "id": "o.id",
            "name": "o.name",
            "partner_id": "o.customer_id",
            "partner_invoice_id": "o.customer_id",
            "partner_shipping_id": "o.customer_id",
            "pricelist_id": "CASE WHEN o.is_foreign THEN %(pricelist)s "
            "ELSE %(company_pricelist)s END",
            "currency_id": "CASE WHEN o.is_foreign THEN %(foreign)s ELSE %(company_currency)s END",
            "currency_rate": "o.rate",
            "user_id": "o.user_id",
            "team_id": "o.team_id",
            "access_token": "NULL",
            "invoice_status": "CASE WHEN o.is_credited THEN 'to invoice' ELSE 'invoiced' END",
            "date_order": "o.order_date::timestamp + interval '9 hours'",
            "create_date": NOW,
            "write_date": NOW,
        },
        params,
    )


ORDER_CURRENCY = (
    "(SELECT id, customer_id, user_id, CASE WHEN is_foreign THEN %(foreign)s "
    "ELSE %(company_currency)s END AS currency_id FROM bench_order) o_currency"
)
ORDER_LINE_COMMON = {
    "order_id": "l.order_id",
    "currency_id": "o_currency.currency_id",
    "order_partner_id": "o_currency.customer_id",
    "salesman_id": "o_currency.user_id",
    "create_date": NOW,
    "write_date": NOW,
}


def _copy_order_lines(cr, order, params):
    insert_copies(
        cr,
        "sale_order_line",
        order.order_line.id,
        f"bench_order_line l JOIN {ORDER_CURRENCY} "
        "ON o_currency.id = l.order_id, LATERAL (SELECT l.qty_first + l.qty_second - CASE WHEN "
        "l.is_credited THEN l.qty_first ELSE 0 END AS invoiced) q",
        {
            **ORDER_LINE_COMMON,
            "id": "l.id",
            "sequence": "10 + l.j",
            "product_id": "l.product_id",
            "name": "l.name",
            "invoice_status": "CASE WHEN q.invoiced < l.qty THEN 'to invoice' ELSE 'invoiced' END",
            "product_uom_qty": "l.qty",
            "price_unit": "l.price_unit",
            "technical_price_unit": "l.price_unit",
            "price_subtotal": "l.qty * l.price_unit",
            "price_total": "l.qty * l.price_unit",
            "price_reduce_taxexcl": "l.price_unit",
            "price_reduce_taxinc": "l.price_unit",
            "price_tax": "0",
            "qty_delivered": "l.qty",
            "qty_invoiced": "q.invoiced",
            "qty_to_invoice": "l.qty - q.invoiced",
            "untaxed_amount_invoiced": "q.invoiced * l.price_unit",
            "untaxed_amount_to_invoice": "(l.qty - q.invoiced) * l.price_unit",
            "purchase_price": "l.purchase_price",
            "margin": "l.qty * (l.price_unit - l.purchase_price)",
            "margin_percent": "CASE WHEN l.price_unit = 0 THEN 0 "
            "ELSE (l.price_unit - l.purchase_price) / l.price_unit END",
        },
        params,
    )


def _copy_down_payment_lines(cr, order, params):
    insert_copies(
        cr,
        "sale_order_line",
        order.order_line.id,
        f"bench_down_payment l JOIN {ORDER_CURRENCY} ON o_currency.id = l.order_id",
        {
            **ORDER_LINE_COMMON,
            "id": "l.line_id",
            "sequence": "100",
            "product_id": "NULL",
            "product_uom": "NULL",
            "name": "'Down Payment'",
            "invoice_status": "'no'",
            "is_downpayment": "TRUE",
            "product_uom_qty": "0",
            "price_unit": "l.amount",
            "technical_price_unit": "l.amount",
            "price_subtotal": "0",
            "price_total": "0",
            "price_reduce_taxexcl": "l.amount",
            "price_reduce_taxinc": "l.amount",
            "price_tax": "0",
            "qty_delivered": "0",
            "qty_invoiced": "0",
            "qty_to_invoice": "0",
            "untaxed_amount_invoiced": "0",
            "untaxed_amount_to_invoice": "0",
            "purchase_price": "0",
            "margin": "0",
            "margin_percent": "0",
        },
        params,
    )


def _copy_invoices(cr, invoice, params):
    insert_copies(
        cr,
        "account_move",
        invoice.id,
        "bench_move m",
        {
            "id": "m.id",
            "name": "CASE WHEN m.move_type = 'out_refund' THEN 'RINV/B/' ELSE 'INV/B/' END "
            "|| (m.id - %(m0)s)",
            "sequence_prefix": "CASE WHEN m.move_type = 'out_refund' THEN 'RINV/B/' "
            "ELSE 'INV/B/' END",
            "sequence_number": "m.id - %(m0)s",
            "payment_reference": "CASE WHEN m.move_type = 'out_refund' THEN 'RINV/B/' "
            "ELSE 'INV/B/' END || (m.id - %(m0)s)",
            "partner_id": "m.customer_id",
            "commercial_partner_id": "m.customer_id",
            "partner_shipping_id": "m.customer_id",
            "invoice_partner_display_name": "m.customer_name",
            "currency_id": "m.currency_id",
            "invoice_currency_rate": "m.rate",
            "reversed_entry_id": "m.reversed_entry_id",
            "invoice_user_id": "m.user_id",
            "team_id": "m.team_id",
            "move_type": "m.move_type",
            "invoice_origin": "m.origin",
            "date": "m.day",
            "invoice_date": "m.day",
            "invoice_date_due": "m.day + 30",
            "access_token": "NULL",
            "inalterable_hash": "NULL",
            "secure_sequence_number": "NULL",
            "create_date": NOW,
            "write_date": NOW,
        },
        params,
    )


INVOICE_LINE_COMMON = {
    "move_id": "l.move_id",
    "currency_id": "m.currency_id",
    "partner_id": "m.customer_id",
    "move_name": "CASE WHEN m.move_type = 'out_refund' THEN 'RINV/B/' ELSE 'INV/B/' END "
    "|| (m.id - %(m0)s)",
    "date": "m.day",
    "invoice_date": "m.day",
    "create_date": NOW,
    "write_date": NOW,
}


def _copy_invoice_lines(cr, product_line, params):
    insert_copies(
        cr,
        "account_move_line",
        product_line.id,
        "bench_move_line l JOIN bench_move m ON m.id = l.move_id",
        {
            **INVOICE_LINE_COMMON,
            "id": "l.id",
            "sequence": "l.sequence",
            "product_id": "l.product_id",
            "product_uom_id": "CASE WHEN l.product_id IS NULL THEN NULL "
            "ELSE tpl.product_uom_id END",
            "name": "l.name",
            "quantity": "l.quantity",
            "price_unit": "l.price_unit",
            "price_subtotal": "l.quantity * l.price_unit",
            "price_total": "l.quantity * l.price_unit",
            "amount_currency": "l.amount_currency",
            "balance": "l.balance",
            "debit": "GREATEST(l.balance, 0)",
            "credit": "GREATEST(-l.balance, 0)",
            "is_downpayment": "l.is_downpayment",
            "posted_unit_cost": "l.posted_unit_cost",
        },
        params,
    )


def _copy_receivable_lines(cr, receivable_line, params):
    insert_copies(
        cr,
        "account_move_line",
        receivable_line.id,
        "(SELECT move_id, -SUM(balance) AS balance, -SUM(amount_currency) AS amount_currency "
        "FROM bench_move_line GROUP BY move_id) l JOIN bench_move m ON m.id = l.move_id",
        {
            **INVOICE_LINE_COMMON,
            "id": "%(a0)s + 4 * %(ok)s + (l.move_id - %(m0)s)",
            "date_maturity": "m.day + 30",
            "amount_currency": "l.amount_currency",
            "balance": "l.balance",
            "debit": "GREATEST(l.balance, 0)",
            "credit": "GREATEST(-l.balance, 0)",
            "amount_residual": "l.balance",
            "amount_residual_currency": "l.amount_currency",
            "name": "CASE WHEN m.move_type = 'out_refund' THEN 'RINV/B/' ELSE 'INV/B/' END "
            "|| (m.id - %(m0)s)",
        },
        params,
    )


def _link_and_total(cr, params):
    """Invoice lines linked to their order lines; the totals Odoo stores; the id sequences."""
    cr.execute(
        "INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id) "
        "SELECT id, order_line_id FROM bench_move_line WHERE order_line_id IS NOT NULL"
    )
    print(f"  sale_order_line_invoice_rel: {cr.rowcount:,} rows", flush=True)
    # the totals Odoo stores on orders and invoices
    cr.execute(
        """
        UPDATE sale_order so
           SET amount_untaxed = s.untaxed, amount_total = s.untaxed, amount_tax = 0,
               margin = s.margin,
               margin_percent = CASE WHEN s.untaxed = 0 THEN 0 ELSE s.margin / s.untaxed END
          FROM (SELECT order_id, SUM(price_subtotal) AS untaxed, SUM(margin) AS margin
                  FROM sale_order_line WHERE order_id > %(o0)s GROUP BY order_id) s
         WHERE so.id = s.order_id
        """,
        params,
    )
    cr.execute(
        """
        UPDATE account_move move
           SET amount_untaxed = t.document, amount_total = t.document,
               amount_residual = t.document, amount_tax = 0, amount_tax_signed = 0,
               amount_untaxed_signed = t.company, amount_total_signed = t.company,
               amount_residual_signed = t.company,
               amount_untaxed_in_currency_signed = t.signed_document,
               amount_total_in_currency_signed = t.signed_document
          FROM (SELECT l.move_id, -SUM(l.balance) AS company,
                       -SUM(l.amount_currency) AS signed_document,
                       ABS(SUM(l.amount_currency)) AS document
                  FROM bench_move_line l GROUP BY l.move_id) t
         WHERE move.id = t.move_id
        """
    )
    for table in ("sale_order", "sale_order_line", "account_move", "account_move_line"):
        cr.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")


def generate(env, lines, customer_count):
    """Generate the sales: about ``lines`` product invoice lines, at least."""
    base = create_base_records(env, customer_count)
    cr = env.cr
    # per order: its lines, 10 % invoiced in two parts, about 3 % credited
    # (counted as 2 % so that there are at least ``lines`` lines), and the
    # invoices without order
    orders = math.ceil(lines / (LINES_PER_ORDER * (1 + 0.10 + 0.02 + DIRECT_SHARE)))
    direct = math.ceil(orders * DIRECT_SHARE)
    order, invoice = base["order"], base["invoice"]
    product_line = invoice.invoice_line_ids
    receivable_line = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
    today = date.today()
    o0, l0, m0, a0 = _id_bases(cr)
    k = LINES_PER_ORDER
    params = {
        "o0": o0, "l0": l0, "m0": m0, "a0": a0, "k": k, "orders": orders, "direct": direct,
        "today": today, "nc": customer_count, "np": PRODUCTS, "nu": SALESPEOPLE,
        "foreign": base["foreign"].id, "company_currency": base["company"].currency_id.id,
        "pricelist": base["pricelist"].id, "company_pricelist": order.pricelist_id.id,
        "ok": orders * k,
    }  # fmt: skip
    print(f"Generating {orders:,} orders and {direct:,} invoices without order...", flush=True)
    _plan_references(cr, base)
    _plan_orders(cr, params)
    _plan_moves(cr, params)
    _plan_move_lines(cr, params)
    print("Copying rows:", flush=True)
    _copy_orders(cr, order, params)
    _copy_order_lines(cr, order, params)
    _copy_down_payment_lines(cr, order, params)
    _copy_invoices(cr, invoice, params)
    _copy_invoice_lines(cr, product_line, params)
    _copy_receivable_lines(cr, receivable_line, params)
    _link_and_total(cr, params)
    env.invalidate_all()
    return base


def check_consistency(env, lines):
    """Balanced moves, enough lines, and the ORM recomputes the same stored
    values on a sample of generated orders and invoices."""
    cr = env.cr
    cr.execute(
        "SELECT COUNT(*) FROM (SELECT move_id FROM account_move_line GROUP BY move_id "
        "HAVING ABS(SUM(balance)) > 0.005) unbalanced"
    )
    unbalanced = cr.fetchone()[0]
    cr.execute(
        "SELECT COUNT(*) FILTER (WHERE l.product_id IS NOT NULL), COUNT(*) "
        "FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
        "WHERE m.move_type IN ('out_invoice', 'out_refund') AND m.state = 'posted' "
        "AND l.display_type = 'product'"
    )
    product_lines, all_lines = cr.fetchone()
    cr.execute("SELECT id FROM account_move WHERE invoice_origin LIKE 'S/B/%' ORDER BY id")
    move_ids = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM sale_order WHERE name LIKE 'S/B/%' ORDER BY id")
    order_ids = [row[0] for row in cr.fetchall()]
    moves = env["account.move"].browse(move_ids[:: max(1, len(move_ids) // 150)])
    orders = env["sale.order"].browse(order_ids[:: max(1, len(order_ids) // 150)])
    checks = [
        (moves, ["amount_untaxed", "amount_total", "amount_total_signed", "amount_residual"]),
        (orders, ["amount_untaxed", "amount_total", "margin", "currency_rate"]),
        (
            orders.order_line,
            ["price_subtotal", "margin", "qty_invoiced", "untaxed_amount_invoiced"],
        ),
        (moves.line_ids, ["price_subtotal", "price_total", "amount_residual"]),
    ]
    mismatches = []
    for records, names in checks:
        stored = {(record.id, name): record[name] for record in records for name in names}
        env.invalidate_all()
        for name in names:
            env.add_to_compute(records._fields[name], records)
        for record in records:
            for name in names:
                value = record[name]
                if abs((value or 0) - (stored[record.id, name] or 0)) > 0.011:
                    mismatches.append((record, name, stored[record.id, name], value))
        # forget the recomputed values: the caller rolls back
        env.transaction.clear()
    print(
        f"Consistency: {product_lines:,} product invoice lines ({all_lines:,} with down "
        f"payments), {unbalanced} unbalanced moves, {len(moves) + len(orders)} sampled "
        f"documents recomputed by the ORM with {len(mismatches)} differences",
        flush=True,
    )
    for record, name, stored, value in mismatches[:10]:
        print(f"  {record} {name}: stored {stored}, ORM {value}")
    return not unbalanced and not mismatches and product_lines >= lines


# --------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------


def timed(function, runs):
    """Median and best wall-clock seconds of ``runs`` calls after a warm-up,
    and the result of the last call."""
    result = function()
    durations = []
    for _run in range(runs):
        started = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), min(durations), result


class Case:
    """One grouping of one report, timed at two levels: ``_read_group`` (the
    database query and its records) and ``read_group``, the call the web
    client's pivot, graph and grouped list make, with its per-group labels
    and domains."""

    def __init__(self, label, model, groupbys, aggregates, domain=()):
        self.label = label
        self.model = model
        self.groupbys = groupbys  # several groupings: the calls of a pivot load
        self.aggregates = aggregates
        self.domain = list(domain)
        self.results = {}

    def orm(self):
        self.model.env.invalidate_all()
        return [
            self.model._read_group(self.domain, groupby, self.aggregates)
            for groupby in self.groupbys
        ]

    def web(self):
        self.model.env.invalidate_all()
        return [
            self.model.read_group(self.domain, self.aggregates, groupby, lazy=False)
            for groupby in self.groupbys
        ]

    def run(self, runs):
        for level in ("orm", "web"):
            self.results[level] = timed(getattr(self, level), runs)
        groups = sum(len(result) for result in self.results["web"][2])
        print(
            f"  {self.label:<44}{groups:>8,}{self.results['orm'][0]:>11.3f}"
            f"{self.results['web'][0]:>11.3f}{self.results['web'][1]:>11.3f}",
            flush=True,
        )

    def seconds(self, level="web"):
        return self.results[level][0]


def measure(env, runs):
    """Time the report and sale.report over the same sales; return the cases."""
    report = env["sale.margin.customer.report"]
    sale_report = env["sale.report"]
    ours = ["revenue:sum", "margin:sum", "margin_percent:avg"]
    odoo = ["price_subtotal:sum", "margin:sum"]
    today = date.today()
    last_12 = [("invoice_date", ">", today - timedelta(days=365)), ("invoice_date", "<=", today)]
    month, order_month = "invoice_date:month", "date:month"
    pivot = [[], ["partner_id"], [month], ["partner_id", month]]
    order_pivot = [[], ["partner_id"], [order_month], ["partner_id", order_month]]
    cases = {
        "cell": Case("margin report: customer x month", report, [["partner_id", month]], ours),
        "customer": Case("margin report: customer", report, [["partner_id"]], ours),
        "pivot": Case("margin report: pivot opening (4 calls)", report, pivot, ours),
        "pivot_12": Case("margin report: pivot, last 12 months", report, pivot, ours, last_12),
        "odoo_customer": Case("sale.report margin: customer", sale_report, [["partner_id"]], odoo),
        "odoo_cell": Case(
            "sale.report margin: customer x month",
            sale_report,
            [["partner_id", order_month]],
            odoo,
        ),
        "odoo_pivot": Case("sale.report: pivot (4 calls)", sale_report, order_pivot, odoo),
    }
    print(f"  {'':<44}{'groups':>8}{'_read_group':>11}{'read_group':>11}{'best':>11}")
    for case in cases.values():
        case.run(runs)
    customer = env["res.partner"].search([("customer_rank", ">", 0)], limit=1)

    def customer_360():
        env.invalidate_all()
        return customer.margin_ltm, customer.margin_percent_ltm

    def tiers():
        return env["res.partner"]._profitability_tiers(env.company)

    def plain_view():
        # the report's own line query, not materialized: what a plain view costs
        env.cr.execute(
            SQL(
                "SELECT lines.partner_id, date_trunc('month', lines.invoice_date), "
                "SUM(lines.revenue), SUM(lines.revenue - lines.cost) "
                "FROM (%s) lines GROUP BY 1, 2",
                report._line_query(),
            )
        )
        return env.cr.fetchall()

    print("  Live, without the materialized view:")
    for label, function, count in (
        ("Customer 360: margin of 12 months of one customer", customer_360, runs),
        ("profitability tiers of the company's customers", tiers, runs),
        ("plain view: customer x month, database only", plain_view, min(runs, 2)),
    ):
        median, best, _result = timed(function, count)
        print(f"  {label:<63}{median:>11.3f}{best:>11.3f}", flush=True)
    return cases


def print_summary(cases, currency):
    ours_rows = cases["customer"].results["web"][2][0]
    odoo_rows = cases["odoo_customer"].results["web"][2][0]
    ours_margin = sum(row["margin"] for row in ours_rows)
    ours_revenue = sum(row["revenue"] for row in ours_rows)
    odoo_margin = sum(row["margin"] for row in odoo_rows)
    odoo_revenue = sum(row["price_subtotal"] for row in odoo_rows)
    print()
    print(f"Same sales, side by side ({currency}):")
    print(f"  {'':<28}{'revenue':>18}{'margin':>18}{'margin %':>10}{'customers':>11}")
    for label, revenue, margin, rows in (
        ("margin report (invoiced)", ours_revenue, ours_margin, ours_rows),
        ("sale.report (ordered)", odoo_revenue, odoo_margin, odoo_rows),
    ):
        print(
            f"  {label:<28}{revenue:>18,.2f}{margin:>18,.2f}"
            f"{100 * margin / revenue:>9.2f}%{len(rows):>11,}"
        )
    print(
        "  They differ by design: the margin report counts what was invoiced (credit notes,\n"
        "  invoices without order, costs at the invoice date's rate), sale.report what was\n"
        "  ordered (order lines, order date's rate)."
    )
    print()
    print("Ratios of medians (read_group, as the web client calls it):")
    ratios = (
        ("customer x month / sale.report by customer", "cell", "odoo_customer"),
        ("by customer / sale.report by customer", "customer", "odoo_customer"),
        ("customer x month / sale.report customer x month", "cell", "odoo_cell"),
        ("pivot opening / sale.report pivot", "pivot", "odoo_pivot"),
    )
    for label, ours, odoo in ratios:
        print(f"  {label:<50}{cases[ours].seconds() / cases[odoo].seconds():6.2f}")
    cell, reference = cases["cell"].seconds(), cases["odoo_customer"].seconds()
    ok = cell < TARGET_SECONDS and cell <= TARGET_RATIO * reference
    print()
    print(
        f"Target: customer x month under {TARGET_SECONDS:.0f} s ({cell:.3f} s) and at most "
        f"{TARGET_RATIO} x sale.report by customer ({cell / reference:.2f} x): "
        f"{'met' if ok else 'NOT met'}"
    )
    return ok


def main():
    args = parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    settings = start_cluster(work)
    config = write_config(work, settings)
    if args.reset or not cluster.database_exists(settings["PGHOST"], DATABASE, settings["PGUSER"]):
        create_database(config, settings)
    elif args.update:
        update_module(config)
    odoo.tools.config.parse_config(["-c", str(config), "--log-level=warn"])
    registry = Registry(DATABASE)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        parameters = env["ir.config_parameter"]
        # generation runs in one transaction: the mark says it committed
        fresh = not parameters.get_param(GENERATED_MARK)
        if fresh:
            started = time.monotonic()
            generate(env, args.lines, args.customers)
            parameters.set_param(GENERATED_MARK, f"{args.lines} lines, {args.customers} customers")
            cr.commit()
            print(f"Generated in {time.monotonic() - started:.0f} s", flush=True)

        def psql(statement):
            cluster.psql(settings["PGHOST"], DATABASE, statement, settings["PGUSER"])

        if fresh:
            psql("VACUUM ANALYZE")
        consistent = check_consistency(env, args.lines if fresh else 1)
        cr.rollback()
        if fresh or args.update:
            started = time.monotonic()
            env["sale.margin.customer.report"]._refresh_lines(force=True)
            cr.commit()
            refresh = time.monotonic() - started
            psql(f"VACUUM ANALYZE {LINE_VIEW}")
            print(f"Materialized view refreshed in {refresh:.1f} s", flush=True)
    with registry.cursor() as cr:
        admin = api.Environment(cr, SUPERUSER_ID, {})["res.users"].browse(2)
        env = api.Environment(cr, admin.id, {"allowed_company_ids": admin.company_id.ids})
        cr.execute("SELECT version()")
        print()
        print(cr.fetchone()[0].split(",")[0], f"- {os.cpu_count()} CPUs, load {os.getloadavg()}")
        cr.execute("SELECT COUNT(*) FROM sale_order_line")
        order_lines = cr.fetchone()[0]
        print(
            f"Seconds as {admin.login}, median of {args.runs} runs after a warm-up; "
            f"{order_lines:,} order lines in sale.report:"
        )
        cases = measure(env, args.runs)
        ok = print_summary(cases, env.company.currency_id.name)
        cr.rollback()
    if args.stop:
        cluster.stop_cluster(work / "pg")
    return 0 if ok and consistent else 1


if __name__ == "__main__":
    sys.exit(main())
