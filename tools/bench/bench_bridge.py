#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of crm_accounting_bridge's partner financial snapshot (issue 2).

Times, through the ORM, reading the full snapshot of one page of 80
customers and of one customer, side by side with Odoo's native ``credit``
field alone and with ``credit`` + ``days_sales_outstanding`` on the same
customers, then the first page of the Customer 360 list. Each figure is the
best of N repeats after warm-up, each repeat with an invalidated ORM cache,
inside one transaction that is rolled back.

    python3 tools/bench/bench_bridge.py             # builds the data set on first run
    python3 tools/bench/bench_bridge.py --explain   # plus EXPLAIN ANALYZE of the snapshot
    python3 tools/bench/bench_bridge.py --size large  # ten times as many customers and invoices

Targets (issue 2): full snapshot for 80 customers under 100 ms, and no slower
than 1.5 times the native credit field alone.
"""

import argparse
import builtins
import contextlib
import functools
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import add_dataset_arguments, ensure_dataset_of

# figures appear as they come, even through a pipe
print = functools.partial(builtins.print, flush=True)

TARGET_PAGE_MS = 100.0
TARGET_RATIO = 1.5
TARGET_LIST_MS = 200.0
PAGE_SIZE = 80
PAGE_BUSIEST = "80 busiest customers"
PAGE_BY_NAME = "80 customers by name"
ONE_LARGEST = "1 customer (largest)"
ONE_TYPICAL = "1 customer (typical)"

NATIVE_CREDIT = ("credit",)
NATIVE_CREDIT_DSO = ("credit", "days_sales_outstanding")
CASES = (
    ("native credit", NATIVE_CREDIT),
    ("native credit + days_sales_outstanding", NATIVE_CREDIT_DSO),
    # None: every field of the snapshot, read from the model (see snapshot_fields)
    ("full snapshot (credit_available included)", None),
)
# what the Customer 360 list view asks for (its visible columns)
CUSTOMER_360_SPEC = {
    "currency_id": {"fields": {"display_name": {}}},
    "partner_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "receivable_balance": {},
    "overdue_amount": {},
    "overdue_invoice_count": {},
    "oldest_overdue_days": {},
    "revenue_ltm": {},
    "avg_payment_delay_days": {},
    "late_payment_rate": {},
    "last_payment_date": {},
}


def snapshot_fields(env):
    """Every field the bridge's snapshot computes, the credit figures included."""
    return tuple(
        name
        for name, field in env["res.partner"]._fields.items()
        if field.compute == "_compute_financial_snapshot"
    )


def timed(env, actions, repeats, warmup):
    """Run every action of ``actions`` warmup + repeats times, on a cold ORM cache.

    The actions take turns (in a rotating order) rather than running all the
    repeats of one and then of the next, so that a change of load on the
    machine weighs on all of them alike and the ratios stay fair.
    Returns ``{key: (best ms, median ms, queries of the best run)}``.
    """
    cr = env.cr
    keys = list(actions)
    runs = {key: [] for key in keys}
    for index in range(warmup + repeats):
        shift = index % len(keys)
        for key in keys[shift:] + keys[:shift]:
            env.invalidate_all()
            queries = cr.sql_log_count
            start = time.perf_counter()
            actions[key]()
            elapsed = (time.perf_counter() - start) * 1000.0
            if index >= warmup:
                runs[key].append((elapsed, cr.sql_log_count - queries))
    result = {}
    for key, key_runs in runs.items():
        best = min(key_runs)
        result[key] = (best[0], statistics.median(run[0] for run in key_runs), best[1])
    return result


def read_fields(env, ids, names):
    """What a list or form does: read ``names`` of the records ``ids``."""

    def action():
        env["res.partner"].browse(ids).read(list(names))

    return action


def customer_page(env):
    """First page of Sales > Customers, sorted as Odoo sorts it there.

    Customers with the most invoices come first (``customer_rank``), so this
    is the heaviest page of the data set.
    """
    partners = (
        env["res.partner"]
        .with_context(res_partner_search_mode="customer")
        .search([("customer_rank", ">", 0)], limit=PAGE_SIZE)
    )
    return partners.ids


def name_page(env):
    """First page of customer companies by name: an ordinary mix of customers."""
    partners = env["res.partner"].search(
        [("customer_rank", ">", 0), ("is_company", "=", True)], limit=PAGE_SIZE, order="name"
    )
    return partners.ids


def typical_customer(env):
    """A customer with the median number of invoices."""
    env.cr.execute(
        """SELECT commercial_partner_id FROM account_move
            WHERE move_type = 'out_invoice' AND state = 'posted'
         GROUP BY commercial_partner_id ORDER BY count(*), commercial_partner_id"""
    )
    rows = env.cr.fetchall()
    return rows[len(rows) // 2][0]


def invoice_counts(env, partner_ids):
    env.cr.execute(
        """SELECT count(*) FROM account_move m JOIN res_partner p ON p.id = m.commercial_partner_id
            WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
              AND p.id IN (SELECT commercial_partner_id FROM res_partner WHERE id = ANY(%s))""",
        [list(partner_ids)],
    )
    return env.cr.fetchone()[0]


def explain_snapshot(env, partner_ids):
    """EXPLAIN ANALYZE of the snapshot statement for ``partner_ids``."""
    snapshot = env["partner.financial.snapshot"]
    commercial_ids = env["res.partner"].browse(partner_ids).commercial_partner_id.ids
    query = snapshot._snapshot_query(commercial_ids)
    env.cr.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {query.code}", query.params)
    return "\n".join(row[0] for row in env.cr.fetchall())


def print_table(title, columns, rows):
    print(f"\n{title}")
    head = f"  {'':44}" + "".join(f"{column:>26}" for column in columns)
    print(head)
    for label, cells in rows:
        print(f"  {label:44}" + "".join(f"{cell:>26}" for cell in cells))


def customer_groups(env):
    """The four sets of customers the benchmark reads, and what they weigh."""
    groups = {
        PAGE_BUSIEST: customer_page(env),
        PAGE_BY_NAME: name_page(env),
    }
    groups[ONE_LARGEST] = groups[PAGE_BUSIEST][:1]
    groups[ONE_TYPICAL] = [typical_customer(env)]
    for group, ids in groups.items():
        partners = env["res.partner"].browse(ids).sudo()
        with_limit = sum(1 for partner in partners if partner.credit_limit)
        print(
            f"  {group}: {invoice_counts(env, ids)} posted invoices, "
            f"{with_limit} of {len(ids)} under a credit limit"
        )
    return groups


# what the Customer 360 list opens with: its default filter (with an open
# balance) and the web client's count limit (RelationalModel.DEFAULT_COUNT_LIMIT + 1)
CUSTOMER_360_DOMAIN = [("receivable_balance", "!=", 0)]
WEB_COUNT_LIMIT = 10001
# Odoo's own Customers list, the peer measure of a first page
CUSTOMERS_SPEC = {
    "display_name": {},
    "email": {},
    "phone": {},
    "user_id": {"fields": {"display_name": {}}},
    "country_id": {"fields": {"display_name": {}}},
}


def time_customer_360(env, list_repeats):
    """The first page of the Customer 360 list as the web client reads it,
    beside the first page of Odoo's own Customers list.

    The customers' owed totals are folded first, as the scheduled action
    leaves them (in this transaction, rolled back)."""
    folded = env["account.move.line"]._fold_owed_totals()
    print(f"owed totals: {folded} customers folded before the list")
    customer_360 = env["crm.customer.360"]
    partners = env["res.partner"]

    def read_customer_360():
        customer_360.web_search_read(
            domain=CUSTOMER_360_DOMAIN,
            specification=CUSTOMER_360_SPEC,
            limit=PAGE_SIZE,
            order="overdue_amount desc",
            count_limit=WEB_COUNT_LIMIT,
        )

    def read_customers():
        partners.web_search_read(
            domain=[("customer_rank", ">", 0)],
            specification=CUSTOMERS_SPEC,
            limit=PAGE_SIZE,
            count_limit=WEB_COUNT_LIMIT,
        )

    return timed(
        env,
        {"customer 360": read_customer_360, "odoo customers": read_customers},
        list_repeats,
        1,
    )


def measure(bench_db, repeats, warmup, explain, extra_sql, list_repeats):
    """Time the reads in one transaction, rolled back; return the groups, results, plan."""
    results = {}
    with bench_db.environment() as env:
        env = env(context=dict(env.context, tz="UTC"))
        if extra_sql:
            for statement in extra_sql:
                print(f"applying in this transaction only: {statement}")
                env.cr.execute(statement)
            env.cr.execute("ANALYZE account_move_line, account_move")
        company = env.company
        if not company.account_use_credit_limit:
            raise SystemExit("the company does not use credit limits: rebuild the data set")
        groups = customer_groups(env)
        for group, ids in groups.items():
            actions = {
                (label, group): read_fields(env, ids, names or snapshot_fields(env))
                for label, names in CASES
            }
            results.update(timed(env, actions, repeats, warmup))
        if list_repeats:
            results.update(time_customer_360(env, list_repeats))
        explained = explain_snapshot(env, groups[PAGE_BUSIEST]) if explain else None
        env.cr.rollback()
    return groups, results, explained


def print_results(groups, results, repeats, warmup, list_repeats):
    """The table of times, the ratios, and the Customer 360 list."""
    rows = []
    for label, _names in CASES:
        rows.append(
            (
                label,
                [
                    f"{best:7.1f} ms ({median:6.1f}) {queries:2d} q"
                    for best, median, queries in (results[label, group] for group in groups)
                ],
            )
        )
    print_table(
        f"Best of {repeats} after {warmup} warm-up runs, cold ORM cache each run "
        "(median in brackets, q = SQL queries)",
        list(groups),
        rows,
    )
    ratio_rows = []
    for reference in (CASES[0][0], CASES[1][0]):
        ratio_rows.append(
            (
                f"snapshot / {reference}",
                [
                    f"{results[CASES[2][0], group][0] / results[reference, group][0]:.2f} x"
                    for group in groups
                ],
            )
        )
    print_table("Ratios (best times)", list(groups), ratio_rows)
    if list_repeats:
        best, median, queries = results["customer 360"]
        peer, peer_median, peer_queries = results["odoo customers"]
        print(
            f"\nCustomer 360 list, first page of {PAGE_SIZE} by overdue amount with an "
            f"open balance (web_search_read with its count limited to {WEB_COUNT_LIMIT}, "
            f"best of {list_repeats} after 1 warm-up): "
            f"{best:.1f} ms best, {median:.1f} ms median, {queries} queries"
            f"\nOdoo's Customers list, first page of {PAGE_SIZE} by name, same count limit: "
            f"{peer:.1f} ms best, {peer_median:.1f} ms median, {peer_queries} queries; "
            f"Customer 360 / Odoo's list: {best / peer:.2f} x"
        )


def check_targets(results):
    """Print the targets of the two pages, met or not; return whether all are met."""
    checks = []
    for page in (PAGE_BUSIEST, PAGE_BY_NAME):
        snapshot_ms = results[CASES[2][0], page][0]
        ratio = snapshot_ms / results[CASES[0][0], page][0]
        checks += [
            (
                f"{page}: full snapshot under {TARGET_PAGE_MS:.0f} ms",
                f"{snapshot_ms:.1f} ms",
                snapshot_ms < TARGET_PAGE_MS,
            ),
            (
                f"{page}: no slower than {TARGET_RATIO} x the native credit field alone",
                f"{ratio:.2f} x",
                ratio <= TARGET_RATIO,
            ),
        ]
    if "customer 360" in results:
        list_ms = results["customer 360"][0]
        checks.append(
            (
                f"Customer 360 first page by overdue amount under {TARGET_LIST_MS:.0f} ms"
                " (issue 20)",
                f"{list_ms:.1f} ms",
                list_ms < TARGET_LIST_MS,
            )
        )
    print("\nTargets:")
    for label, value, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label} ({value})")
    return all(ok for _label, _value, ok in checks)


def run(bench_db, repeats, warmup, explain, extra_sql, list_repeats):
    groups, results, explained = measure(
        bench_db, repeats, warmup, explain, extra_sql, list_repeats
    )
    print_results(groups, results, repeats, warmup, list_repeats)
    ok = check_targets(results)
    if explained:
        print("\nEXPLAIN ANALYZE of the snapshot statement for the page:\n" + explained)
    return ok


def load_average():
    """The machine is shared: its load says how much the figures can be trusted."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    add_dataset_arguments(parser)
    parser.add_argument("--rebuild", action="store_true", help="generate the data set again")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--list-repeats",
        type=int,
        default=1,
        help="repeats of the Customer 360 list (slow: it reads every customer); 0 skips it",
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        help="SQL run first in the benchmark transaction, then rolled back "
        "(e.g. a CREATE INDEX to measure)",
    )
    parser.add_argument(
        "--addons-path",
        help="folder with a changed copy of crm_accounting_bridge, to measure that change",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    started = time.time()
    bench_db = ensure_dataset_of(args, rebuild=args.rebuild)
    info = bench_db.info
    if args.addons_path:
        bench_db.addons_path = str(Path(args.addons_path).resolve())
        print(f"crm_accounting_bridge code from {bench_db.addons_path}")
    print(
        f"\ndata set '{bench_db.name}' built on {info['built_on']}: {info['counts']}\n"
        f"build time: {info['seconds']} s; machine: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with contextlib.closing(bench_db.registry().cursor()) as cr:
        cr.execute("SHOW server_version")
        print(f"PostgreSQL {cr.fetchone()[0]}")
    print(f"load average before: {load_average()}")
    ok = run(bench_db, args.repeats, args.warmup, args.explain, args.sql, args.list_repeats)
    print(f"\nload average after: {load_average()} (total {time.time() - started:.0f} s)")
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
