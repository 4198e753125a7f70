#!/usr/bin/env python3
# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark of the open item summary's cost on the write side (issue 20).

On the bridge's data set, in one transaction rolled back at the end:

1. the bulk build of the summary from every journal item, as installing the
   addon on a database with history does, and the consistency check
   (``tools/open_items_check.py``'s comparison);
2. posting N customer invoices through the ORM (``action_post``), with and
   without the summary's triggers;
3. registering and reconciling N customer payments on them (Odoo's payment
   wizard, one payment per invoice), with and without the triggers.

With and without take turns batch by batch (the order alternates), so that
changes in load weigh on both alike; each batch is created untimed first,
after one batch posted and paid untimed (``--warmup``).
"Without" disables the summary's triggers on ``account_move_line`` inside
the transaction (rolled back with the rest).

    python3 tools/bench/bench_open_items.py                  # N = 10,000
    python3 tools/bench/bench_open_items.py --invoices 2000 --batch 250
    python3 tools/bench/bench_open_items.py --size large --invoices 500 --batch 250

Target (issue 20): with the summary at most 10 % slower than without.
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


def set_triggers(env, enabled):
    """Enable or disable the summary's triggers on journal items (in the transaction)."""
    env.cr.execute(
        "SELECT tgname FROM pg_trigger"
        " WHERE tgrelid = 'account_move_line'::regclass AND tgname LIKE %s",
        [f"{TABLE}_%"],
    )
    action = "ENABLE" if enabled else "DISABLE"
    for (name,) in env.cr.fetchall():
        env.cr.execute(f'ALTER TABLE account_move_line {action} TRIGGER "{name}"')


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


def measure(env, args):
    totals = {"post": {True: 0.0, False: 0.0}, "pay": {True: 0.0, False: 0.0}}
    company = env.company
    partners = env["res.partner"].search(
        [("customer_rank", ">", 0), ("is_company", "=", True)], limit=2000, order="id"
    )
    income = env["account.account"].search(
        [("account_type", "=", "income"), ("company_ids", "in", company.id)], limit=1
    )
    env.flush_all()
    start = time.perf_counter()
    env["account.move.line"]._rebuild_open_item_summary()
    build = time.perf_counter() - start
    start = time.perf_counter()
    count, _rows = env["account.move.line"]._open_item_summary_differences(limit=1)
    check = time.perf_counter() - start
    env.cr.execute(f"SELECT COUNT(*), SUM(item_count) FROM {TABLE}")
    rows, items = env.cr.fetchone()
    print(
        f"Bulk build of the summary: {build:.1f} s ({rows:,} rows, {items:,} open items); "
        f"consistency check: {check:.1f} s, {count} differences"
    )
    # batches posted and paid untimed first: the first posting of a run pays
    # one-off costs whatever the triggers (2 to 7 s more at ten times the
    # default size), which would fall on the side that goes first
    for index in range(args.warmup):
        warm = draft_invoices(env, partners, income, args.batch, index * args.batch)
        warm.action_post()
        pay(env, warm)
    rounds = max(1, args.invoices // args.batch)
    for index in range(rounds):
        with_first = index % 2 == 0
        batches = {}
        for enabled in (with_first, not with_first):
            batches[enabled] = draft_invoices(env, partners, income, args.batch, index * args.batch)
        for enabled in (with_first, not with_first):
            set_triggers(env, enabled)
            totals["post"][enabled] += timed_call(env, batches[enabled].action_post)
        for enabled in (with_first, not with_first):
            set_triggers(env, enabled)
            invoices = batches[enabled]
            totals["pay"][enabled] += timed_call(env, lambda invoices=invoices: pay(env, invoices))
        set_triggers(env, True)
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
    print(f"\n{count:,} invoices and {count:,} payments on each side")
    for step, label in (("post", "posting invoices"), ("pay", "registering payments")):
        with_, without = totals[step][True], totals[step][False]
        ratio = with_ / without
        missed |= ratio > TARGET_RATIO
        print(
            f"{label:24} with the summary {with_:7.1f} s  without {without:7.1f} s"
            f"  ratio {ratio:.3f} (target <= {TARGET_RATIO:.2f})"
        )
    print("Target met." if not missed else "Target missed (see above).")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
