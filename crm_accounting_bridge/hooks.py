# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .queries import open_item_summary


def uninstall_hook(env):
    """Drop the open item summary, its triggers on journal items and
    accounts and their functions, which Odoo does not know as any model's:
    left behind, the triggers would outlive the addon on every posting."""
    env.cr.execute(open_item_summary.uninstall())
