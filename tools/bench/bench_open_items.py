#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the cost on the write side of what the bridge keeps by
triggers: the open item summary (issue 20) or the facts of the order-to-cash
report (issue 18).

On the bridge's data set, in one transaction rolled back at the end:

1. the bulk build of the summary from every journal item (or of the facts
   from every order and invoice), as installing the addon on a database
   with history does, and the consistency check
   (``tools/open_items_check.py``'s comparison);
2. posting N customer invoices through the ORM (``action_post``), with and
   without the summary's triggers (``--kept cycle-facts``: the facts'
   triggers; ``--from-orders``: invoices of confirmed orders of won
   opportunities, one each, which the facts follow);
3. registering and reconciling N customer payments on them (Odoo's payment
   wizard, one payment per invoice), with and without the triggers.

With and without take turns batch by batch (the order alternates), so that
changes in load weigh on both alike; each batch is created untimed first,
after one batch posted and paid untimed (``--warmup``).
"Without" disables the triggers inside the transaction (rolled back with
the rest).

    python3 tools/bench/bench_open_items.py                  # N = 10,000
    python3 tools/bench/bench_open_items.py --invoices 2000 --batch 250
    python3 tools/bench/bench_open_items.py --size large --invoices 500 --batch 250
    python3 tools/bench/bench_open_items.py --kept cycle-facts --from-orders --invoices 1000

Target (issues 20 and 18): with the triggers at most 10 % slower than without.
"""

import argparse
import builtins
import functools
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import add_dataset_arguments, ensure_dataset_of

from odoo import Command, fields

print = functools.partial(builtins.print, flush=True)

TARGET_RATIO = 1.10


TABLE = "crm_open_receivable_item"
FACT_TABLE = "crm_order_cash_cycle_fact"
# what each choice of --kept measures: its table, the prefix of its triggers
KEPT = {"open-items": TABLE, "cycle-facts": FACT_TABLE}


def set_triggers(env, prefix, enabled):
    """Enable or disable the triggers named ``prefix``_... (in the transaction)."""
    env.cr.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE %s",
        [f"{prefix}_%"],
    )
    action = "ENABLE" if enabled else "DISABLE"
    for table, name in env.cr.fetchall():
        env.cr.execute(f'ALTER TABLE "{table}" {action} TRIGGER "{name}"')


def ordered_invoices(env, partners, product, count, offset):
    """``count`` draft invoices of confirmed orders of won opportunities,
    one each, for ``partners`` in turn."""
    won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    leads = env["crm.lead"].create(
        [
            {
                "name": f"Bench {offset + index}",
                "type": "opportunity",
                "partner_id": partners[(offset + index) % len(partners)].id,
                "stage_id": won.id,
            }
            for index in range(count)
        ]
    )
    orders = env["sale.order"].create(
        [
            {
                "partner_id": lead.partner_id.id,
                "opportunity_id": lead.id,
                "order_line": [
                    Command.create({"product_id": product.id, "price_unit": 100.0, "tax_id": []})
                ],
            }
            for lead in leads
        ]
    )
    orders.action_confirm()
    invoices = orders._create_invoices()
    invoices.invoice_date = fields.Date.context_today(env.user)
    return invoices


def draft_invoices(env, partners, income, count, offset):
    """``count`` draft invoices of one untaxed line, for ``partners`` in turn."""
    today = fields.Date.context_today(env.user)
    return env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partners[(offset + index) % len(partners)].id,
                "invoice_date": today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Bench",
                            "account_id": income.id,
                            "price_unit": 100.0 + index % 7,
                            "tax_ids": [],
                        }
                    )
                ],
            }
            for index in range(count)
        ]
    )


def timed_call(env, function):
    env.flush_all()
    start = time.perf_counter()
    function()
    env.flush_all()
    return time.perf_counter() - start


def pay(env, invoices):
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoices.ids)
        .create({"payment_date": fields.Date.context_today(env.user), "group_payment": False})
    )
    wizard._create_payments()


def rebuild_and_check(rebuild, differences):
    """Time ``rebuild`` and ``differences``; the number of differences."""
    start = time.perf_counter()
    rebuild()
    build = time.perf_counter() - start
    start = time.perf_counter()
    count, _rows = differences(limit=1)
    return build, time.perf_counter() - start, count


def measure(env, args):
    totals = {"post": {True: 0.0, False: 0.0}, "pay": {True: 0.0, False: 0.0}}
    company = env.company
    partners = env["res.partner"].search(
        [("customer_rank", ">", 0), ("is_company", "=", True)], limit=2000, order="id"
    )
    income = env["account.account"].search(
        [("account_type", "=", "income"), ("company_ids", "in", company.id)], limit=1
    )
    prefix = KEPT[args.kept]
    product = env["product.product"].create(
        {"name": "Bench Service", "type": "service", "invoice_policy": "order"}
    )
    if args.from_orders:
        # new customers: the credit policy blocks new quotations of the
        # data set's customers with overdue invoices, as it should
        customers = env["res.partner"].create(
            [{"name": f"Bench Orders {index}", "is_company": True} for index in range(100)]
        )

        def new_invoices(count, offset):
            return ordered_invoices(env, customers, product, count, offset)

    else:

        def new_invoices(count, offset):
            return draft_invoices(env, partners, income, count, offset)

    env.flush_all()
    if args.kept == "open-items":
        lines = env["account.move.line"]
        build, check, count = rebuild_and_check(
            lines._rebuild_open_item_summary, lines._open_item_summary_differences
        )
        env.cr.execute(f"SELECT COUNT(*), SUM(item_count) FROM {TABLE}")
        rows, items = env.cr.fetchone()
        print(
            f"Bulk build of the summary: {build:.1f} s ({rows:,} rows, {items:,} open items); "
            f"consistency check: {check:.1f} s, {count} differences"
        )
    else:
        cycles = env["crm.order.cash.cycle"]
        build, check, count = rebuild_and_check(
            cycles._rebuild_cycle_facts, cycles._cycle_facts_differences
        )
        env.cr.execute(f"SELECT COUNT(*) FROM {FACT_TABLE}")
        [rows] = env.cr.fetchone()
        print(
            f"Bulk build of the order-to-cash facts: {build:.1f} s ({rows:,} rows); "
            f"consistency check: {check:.1f} s, {count} differences"
        )
    # batches posted and paid untimed first: the first posting of a run pays
    # one-off costs whatever the triggers (2 to 7 s more at ten times the
    # default size), which would fall on the side that goes first
    for index in range(args.warmup):
        warm = new_invoices(args.batch, index * args.batch)
        warm.action_post()
        pay(env, warm)
    rounds = max(1, args.invoices // args.batch)
    for index in range(rounds):
        with_first = index % 2 == 0
        batches = {}
        for enabled in (with_first, not with_first):
            batches[enabled] = new_invoices(args.batch, index * args.batch)
        for enabled in (with_first, not with_first):
            set_triggers(env, prefix, enabled)
            totals["post"][enabled] += timed_call(env, batches[enabled].action_post)
        for enabled in (with_first, not with_first):
            set_triggers(env, prefix, enabled)
            invoices = batches[enabled]
            totals["pay"][enabled] += timed_call(env, lambda invoices=invoices: pay(env, invoices))
        set_triggers(env, prefix, True)
        env.invalidate_all()
        done = (index + 1) * args.batch
        print(
            f"  {done:,} invoices each: post {totals['post'][True]:.1f} s with,"
            f" {totals['post'][False]:.1f} s without; pay {totals['pay'][True]:.1f} s with,"
            f" {totals['pay'][False]:.1f} s without"
        )
    return totals, rounds * args.batch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    add_dataset_arguments(parser)
    parser.add_argument("--invoices", type=int, default=10_000, help="invoices per side")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--warmup", type=int, default=1, help="batches posted and paid untimed first"
    )
    parser.add_argument(
        "--kept", choices=sorted(KEPT), default="open-items", help="whose triggers to measure"
    )
    parser.add_argument(
        "--from-orders", action="store_true", help="invoices of orders of won opportunities"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    bench_db = ensure_dataset_of(args)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    with bench_db.environment() as env:
        totals, count = measure(env, args)
    missed = False
    kind = "invoices of orders" if args.from_orders else "invoices"
    print(f"\n{count:,} {kind} and {count:,} payments on each side, triggers of {args.kept}")
    for step, label in (("post", "posting invoices"), ("pay", "registering payments")):
        with_, without = totals[step][True], totals[step][False]
        ratio = with_ / without
        missed |= ratio > TARGET_RATIO
        print(
            f"{label:24} with the triggers {with_:7.1f} s  without {without:7.1f} s"
            f"  ratio {ratio:.3f} (target <= {TARGET_RATIO:.2f})"
        )
    print("Target met." if not missed else "Target missed (see above).")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
