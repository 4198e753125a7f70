#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the order-to-cash report of crm_accounting_bridge (issue 18).

On the bridge's data set (20,000 customers, 200,000 posted invoices, a won
opportunity for every four invoices of a customer, with its confirmed order
invoiced by them), times through the ORM what the report's views ask:

- the pivot by customer x month of won (``read_group`` not lazy, as the
  pivot sends it) with the mean and the median of the days from won to paid,
  the count and the amount still due: the target;
- the graph by month of won (the median of the days from won to paid);
- the list grouped by salesperson (``web_read_group``, every measure);
- the Customer 360 figures (median days from won to paid and the chart) of
  the 80 busiest customers and of the largest one.

Each figure is the best of N repeats after warm-up (median beside it), with
a cold ORM cache, in one transaction rolled back; the query count is that
of the best run.

    python3 tools/bench/bench_cycle.py              # builds the data set on first run
    python3 tools/bench/bench_cycle.py --explain    # plus EXPLAIN ANALYZE of the pivot

Target (issue 18): grouping by customer x month under 1 s (``_read_group``),
with a number of queries independent of the data size. The pivot's
``read_group`` adds Odoo's formatting of every group for the web client;
Odoo's own invoice analysis grouped the same way, in the same run, says what
that formatting costs any report.
"""

import argparse
import builtins
import contextlib
import functools
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bridge import PAGE_SIZE, customer_page, load_average, timed
from dataset import DEFAULT_DB, DEFAULT_PG_DIR, Params, ensure_dataset

from odoo.tools import SQL

print = functools.partial(builtins.print, flush=True)

TARGET_MS = 1000.0
PIVOT = "pivot: customer x month of won"
PIVOT_ORM = "the same, _read_group (no formatting)"
PEER = "Odoo's invoice analysis: customer x month"
PEER_ORM = "the same, _read_group (no formatting)  "
GRAPH = "graph: month of won"
LIST = "list grouped by salesperson"
C360_PAGE = f"Customer 360: {PAGE_SIZE} busiest customers"
C360_ONE = "Customer 360: largest customer"
DAY_COUNTS = (
    "days_to_order",
    "days_to_confirm",
    "days_to_invoice",
    "days_to_pay",
    "days_won_to_paid",
)
PIVOT_MEASURES = [
    "__count",
    "days_won_to_paid:avg",
    "days_won_to_paid_median:median",
    "amount_due:sum",
]
LIST_MEASURES = [
    *(f"{name}:avg" for name in DAY_COUNTS),
    *(f"{name}_median:median" for name in DAY_COUNTS),
    *(f"{name}:sum" for name in ("amount_ordered", "amount_invoiced", "amount_paid", "amount_due")),
]


def actions(env, ids, groups):
    """The reads to time; each grouped read notes its number of groups in ``groups``."""
    cycle = env["crm.order.cash.cycle"]
    partners = env["res.partner"]
    cash_fields = ["cash_cycle_paid_count", "cash_cycle_median_days", "cash_cycle_chart"]

    def pivot():
        result = cycle.read_group([], PIVOT_MEASURES, ["partner_id", "date_won:month"], lazy=False)
        groups[PIVOT] = len(result)

    def pivot_orm():
        result = cycle._read_group([], ["partner_id", "date_won:month"], PIVOT_MEASURES)
        groups[PIVOT_ORM] = len(result)

    # Odoo's own report grouped the same way, in the same run: what Odoo's
    # formatting of that many groups costs apart from any statement
    invoices = env["account.invoice.report"]

    def peer():
        result = invoices.read_group(
            [], ["__count", "price_subtotal:sum"], ["partner_id", "invoice_date:month"], lazy=False
        )
        groups[PEER] = len(result)

    def peer_orm():
        result = invoices._read_group(
            [], ["partner_id", "invoice_date:month"], ["__count", "price_subtotal:sum"]
        )
        groups[PEER_ORM] = len(result)

    def graph():
        result = cycle.read_group(
            [], ["__count", "days_won_to_paid_median:median"], ["date_won:month"]
        )
        groups[GRAPH] = len(result)

    def grouped_list():
        result = cycle.web_read_group([], LIST_MEASURES, ["user_id"], limit=80)
        groups[LIST] = len(result["groups"])

    return {
        PIVOT: pivot,
        PIVOT_ORM: pivot_orm,
        PEER: peer,
        PEER_ORM: peer_orm,
        GRAPH: graph,
        LIST: grouped_list,
        C360_PAGE: lambda: partners.browse(ids).read(cash_fields),
        C360_ONE: lambda: partners.browse(ids[:1]).read(cash_fields),
    }


def explain_pivot(env):
    """EXPLAIN (ANALYZE, BUFFERS) of the pivot's statement."""
    cycle = env["crm.order.cash.cycle"]
    query = cycle._search([])
    groupby = [cycle._read_group_groupby(spec, query) for spec in ("partner_id", "date_won:month")]
    select = [cycle._read_group_select(spec, query) for spec in PIVOT_MEASURES]
    env.flush_all()
    cycle._disable_jit()
    statement = SQL(
        "EXPLAIN (ANALYZE, BUFFERS) SELECT %s, %s FROM %s WHERE %s GROUP BY %s",
        SQL(", ").join(groupby),
        SQL(", ").join(select),
        query.from_clause,
        query.where_clause or SQL("TRUE"),
        SQL(", ").join(groupby),
    )
    env.cr.execute(statement)
    return "\n".join(row[0] for row in env.cr.fetchall())


def measure(bench_db, repeats, warmup, explain):
    with bench_db.environment() as env:
        env = env(context=dict(env.context, tz="UTC"))
        ids = customer_page(env)
        groups = {}
        results = timed(env, actions(env, ids, groups), repeats, warmup)
        rows = env["crm.order.cash.cycle"].search_count([])
        paid = env["crm.order.cash.cycle"].search_count([("date_paid", "!=", False)])
        plan = explain_pivot(env) if explain else None
        env.cr.rollback()
    return results, groups, rows, paid, plan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--pg-dir", default=str(DEFAULT_PG_DIR), help="private cluster folder")
    parser.add_argument("--db", default=DEFAULT_DB, help="benchmark database")
    parser.add_argument("--rebuild", action="store_true", help="generate the data set again")
    parser.add_argument("--customers", type=int, default=Params.customers)
    parser.add_argument("--invoices", type=int, default=Params.invoices)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    started = time.time()
    params = Params(customers=args.customers, invoices=args.invoices)
    bench_db = ensure_dataset(args.pg_dir, args.db, rebuild=args.rebuild, params=params)
    info = bench_db.info
    print(
        f"\ndata set '{bench_db.name}' built on {info['built_on']}: {info['counts']}\n"
        f"build time: {info['seconds']} s; machine: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with contextlib.closing(bench_db.registry().cursor()) as cr:
        cr.execute("SHOW server_version")
        print(f"PostgreSQL {cr.fetchone()[0]}")
    print(f"load average before: {load_average()}")
    results, groups, rows, paid, plan = measure(bench_db, args.repeats, args.warmup, args.explain)
    print(
        f"\n{rows} won opportunities in the report ({paid} paid). Best of {args.repeats} "
        f"after {args.warmup} warm-up runs, cold ORM cache each run (median in brackets):"
    )
    for key, (best, median, queries) in results.items():
        detail = f", {groups[key]} groups" if key in groups else ""
        print(f"  {key:45s} {best:8.1f} ms ({median:8.1f}) {queries:2d} queries{detail}")
    grouping_ms = results[PIVOT_ORM][0]
    ok = grouping_ms < TARGET_MS
    print(
        f"\nTarget: {'PASS' if ok else 'FAIL'}  grouping customer x month under "
        f"{TARGET_MS:.0f} ms ({grouping_ms:.1f} ms, {results[PIVOT_ORM][2]} queries)"
    )
    for label, formatted, grouped in ((PIVOT, PIVOT, PIVOT_ORM), (PEER, PEER, PEER_ORM)):
        formatting = results[formatted][0] - results[grouped][0]
        print(
            f"  {label}: read_group's formatting {formatting:.0f} ms for {groups[formatted]} "
            f"groups ({1000 * formatting / max(groups[formatted], 1):.1f} ms per 1,000)"
        )
    print(
        f"  pivot as the web client asks it, ours / Odoo's invoice analysis: "
        f"{results[PIVOT][0] / results[PEER][0]:.2f} x"
    )
    if plan:
        print("\nEXPLAIN ANALYZE of the pivot's statement:\n" + plan)
    print(f"\nload average after: {load_average()} (total {time.time() - started:.0f} s)")
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
