#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Won deals into sale orders through the connector, beside the same orders by the ORM.

N won deals of 5 lines each (the generic door's format) are stored in the
inbox as the webhook stores them, then processed into opportunities and
their quotations; in the same run, a script creates the same opportunities
(won) and quotations through the ORM, in batches. Each path runs in a
worker process of its own, on a fresh copy of a template database holding
the customers (bound to the backend) and 50 products.

    python3 tools/bench/bench_orders.py                 # 2,000 deals, 2 rounds
    python3 tools/bench/bench_orders.py --deals 500     # quicker

Target (order-to-cash issue): the connector at least 0.8 times the orders
per second of the ORM path.
"""

import argparse
import builtins
import functools
import importlib
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster
from dataset import DEFAULT_PG_DIR, BenchDatabase, install_modules, start_cluster

print = functools.partial(builtins.print, flush=True)

TEMPLATE = "bench_orders_tmpl"
WORKER_DB = "bench_orders_run"
TARGET_RATIO = 0.8
CUSTOMERS = 200
PRODUCTS = 50
LINES = 5
STORE_BATCH = 100
ORM_BATCH = 100
# the deals' last change: an hour ago, whatever day the benchmark runs
UPDATED_AT = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deal_item(index):
    """A won deal of the generic door with its five lines, for customer ``index % CUSTOMERS``."""
    return {
        "event_id": f"bench-deal-{index}",
        "object": "deal",
        "id": f"D-{index}",
        "updated_at": UPDATED_AT,
        "data": {
            "name": f"Deal {index:06d}",
            "stage": "won",
            "company_id": f"C-{index % CUSTOMERS}",
            "lines": deal_lines(index),
        },
    }


def deal_lines(index):
    return [
        {
            "sku": f"BENCH-{(index + line) % PRODUCTS:03d}",
            "name": f"Article {(index + line) % PRODUCTS}",
            "quantity": 1 + line,
            "unit_price": 100.0 + line,
            "discount": 5 * line,
        }
        for line in range(LINES)
    ]


# -- template ------------------------------------------------------------------


def fill_template(bench_db):
    """50 products, a generic backend making orders, customers bound to it."""
    with bench_db.environment(uid=1, commit=True) as env:
        env = env(context=dict(env.context, tracking_disable=True))
        env["product.product"].create(
            [
                {"name": f"Article {i}", "default_code": f"BENCH-{i:03d}", "list_price": 90.0}
                for i in range(PRODUCTS)
            ]
        )
        backend = env["external.crm.backend"].create(
            {
                "name": "Bench orders",
                "provider": "generic",
                "webhook_secret": "bench",
                "order_creation": True,
                "default_country_id": env.ref("base.ma").id,
            }
        )
        won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
        stage_line = backend.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        stage_line.value_ids.filtered(lambda v: v.external_value == "won").stage_id = won
        partners = env["res.partner"].create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(CUSTOMERS)]
        )
        connector_edit = importlib.import_module(
            "odoo.addons.external_crm_connector.models.external_crm_protected_mixin"
        ).connector_edit
        connector_edit(env["external.crm.binding"]).create(
            [
                {
                    "backend_id": backend.id,
                    "object_kind": "company",
                    "external_id": f"C-{i}",
                    "partner_id": partner.id,
                }
                for i, partner in enumerate(partners)
            ]
        )
        env.cr.commit()


# -- worker (one process per path) -------------------------------------------------


def connector_path(env, count):
    """Store the deals as the webhook does, then process the inbox: seconds."""
    backend = env["external.crm.backend"].search([("name", "=", "Bench orders")])
    integration = backend._as_integration_user()
    get_provider = importlib.import_module(
        "odoo.addons.external_crm_connector.adapters.provider"
    ).get_provider
    provider = get_provider(backend)
    inbox = integration.env["external.crm.event"]
    started = time.perf_counter()
    for start in range(0, count, STORE_BATCH):
        items = [deal_item(i) for i in range(start, min(start + STORE_BATCH, count))]
        inbox._store_items(integration, provider.parse_delivery(json.dumps(items).encode()))
        env.cr.commit()
    while inbox._inbox_batch(integration)[0]:
        integration._process_inbox()
        env.cr.commit()
        env.invalidate_all()
    return time.perf_counter() - started


def orm_path(env, count):
    """The same won opportunities and quotations created by a script: seconds."""
    won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    partners = env["res.partner"].search([("name", "=like", "Customer %")], order="id")
    products = {
        p.default_code: p
        for p in env["product.product"].search([("default_code", "=like", "BENCH-%")])
    }
    started = time.perf_counter()
    for start in range(0, count, ORM_BATCH):
        indexes = range(start, min(start + ORM_BATCH, count))
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"Deal {i:06d}",
                    "type": "opportunity",
                    "partner_id": partners[i % CUSTOMERS].id,
                    "stage_id": won.id,
                }
                for i in indexes
            ]
        )
        env["sale.order"].create(
            [
                {
                    "partner_id": lead.partner_id.id,
                    "opportunity_id": lead.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": products[line["sku"]].id,
                                "name": line["name"],
                                "product_uom_qty": line["quantity"],
                                "price_unit": line["unit_price"],
                                "discount": line["discount"],
                            },
                        )
                        for line in deal_lines(i)
                    ],
                }
                for i, lead in zip(indexes, leads, strict=True)
            ]
        )
        env.cr.commit()
        env.invalidate_all()
    return time.perf_counter() - started


def worker(args):
    """Run one path on the worker database; print one JSON line of figures."""
    pg_dir = Path(args.pg_dir)
    host, port, user = start_cluster(pg_dir)
    if args.worker == "template":
        return fill_template(BenchDatabase(TEMPLATE, pg_dir, host, port, user))
    bench_db = BenchDatabase(WORKER_DB, pg_dir, host, port, user)
    with bench_db.environment(uid=1, commit=True) as env:
        env = env(context=dict(env.context, tracking_disable=True))
        queries = env.cr.sql_log_count
        seconds = (connector_path if args.worker == "connector" else orm_path)(env, args.count)
        orders = env["sale.order"].search_count([("opportunity_id", "!=", False)])
        lines = env["sale.order.line"].search_count([])
        queries = env.cr.sql_log_count - queries
        figures = {"seconds": seconds, "orders": orders, "lines": lines, "queries": queries}
        if args.worker == "connector":
            figures.update(compare_status(env))
    print(json.dumps(figures))


def compare_status(env):
    """The order status of every deal compared with what was written (none): seconds, queries."""
    backend = env["external.crm.backend"].search([("name", "=", "Bench orders")])
    backend.write({"status_enabled": True, "outbound_url": "https://hooks.example.com/bench"})
    integration = backend._as_integration_user()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    queued = integration._queue_deal_status()
    return {
        "compare_seconds": time.perf_counter() - started,
        "compare_queries": env.cr.sql_log_count - queries,
        "compared": queued,
    }


# -- parent ------------------------------------------------------------------------


def run_worker(bench_db, path, count=0):
    """Run ``path`` in a process of its own (on a fresh copy of the template)."""
    if path != "template":
        cluster.copy_template(bench_db.host, TEMPLATE, WORKER_DB, bench_db.user)
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            *("--worker", path, "--count", str(count), "--pg-dir", str(bench_db.pg_dir)),
        ],
        capture_output=True,
        text=True,
        cwd="/tmp",
    )
    if out.returncode:
        sys.exit(f"the {path} worker failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]) if path != "template" else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pg-dir", default=str(DEFAULT_PG_DIR))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    pg_dir = Path(args.pg_dir)
    host, port, user = start_cluster(pg_dir)
    bench_db = BenchDatabase(TEMPLATE, pg_dir, host, port, user)
    if args.rebuild or not cluster.database_exists(host, TEMPLATE, user):
        cluster.drop_database(host, TEMPLATE, user)
        install_modules(bench_db, "external_crm_connector,sale_crm")
        run_worker(bench_db, "template")
    rates = {"connector": [], "orm": []}
    for round_number in range(args.rounds):
        for path in ("orm", "connector") if round_number % 2 else ("connector", "orm"):
            figures = run_worker(bench_db, path, args.deals)
            rate = figures["orders"] / figures["seconds"]
            rates[path].append(rate)
            if "compared" in figures:
                compare = figures["compare_seconds"]
                print(
                    f"round {round_number + 1} status   : {figures['compared']} deals compared "
                    f"and queued in {compare:.2f} s ({figures['compare_queries']} queries)"
                )
            print(
                f"round {round_number + 1} {path:9}: {figures['orders']} orders, "
                f"{figures['lines']} lines in {figures['seconds']:.1f} s = {rate:.1f} orders/s "
                f"({figures['queries']} queries)"
            )
    connector, orm = statistics.median(rates["connector"]), statistics.median(rates["orm"])
    ratio = connector / orm
    verdict = "met" if ratio >= TARGET_RATIO else "missed"
    print(
        f"median: connector {connector:.1f} orders/s, ORM {orm:.1f} orders/s, "
        f"ratio {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
