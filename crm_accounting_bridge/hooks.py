# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .queries import cash_cycle_facts, open_item_summary, owed_totals


def uninstall_hook(env):
    """Drop the open item summary and the kept facts of the order-to-cash
    report, their triggers (on journal items, accounts, entries, orders and
    their lines) and functions, which Odoo does not know as any model's:
    left behind, the triggers would outlive the addon on every posting."""
    env.cr.execute(open_item_summary.uninstall())
    env.cr.execute(owed_totals.uninstall())
    env.cr.execute(cash_cycle_facts.uninstall())
