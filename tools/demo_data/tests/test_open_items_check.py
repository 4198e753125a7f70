# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``tools/open_items_check.py`` on the demo's database: the whole story,
built through the ORM (invoices, payments, credit notes, reconciliations in
two companies and currencies, orders of won deals), leaves the open item
summary, the customers' owed totals and the order-to-cash facts exact."""

import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "open_items_check.py"


def _check(demo, *options):
    db = demo["db"]
    command = [sys.executable, str(TOOL), "-d", db.name, *db.odoo_args(), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def test_story_summary_exact(demo):
    result = _check(demo)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "open item summary: 0 differences" in result.stdout, result.stdout
    assert "customers' owed totals: 0 differences" in result.stdout, result.stdout
    assert "order-to-cash facts: 0 differences" in result.stdout, result.stdout


def test_story_owed_totals_exact_once_folded(demo):
    """The story's customers are all marked as changed until the scheduled
    action folds them: then every total is compared, and exact."""
    with demo["db"].environment() as env:
        assert env["account.move.line"]._fold_owed_totals()
        env.cr.commit()
    result = _check(demo)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "customers' owed totals: 0 differences" in result.stdout, result.stdout


def _changed_reported_then_repaired(demo, change, reported, exact):
    """Change a kept table behind its triggers' back with the SQL
    ``change``: the check finds the row (``reported``), ``--repair``
    rebuilds the table from its sources (``exact`` once checked again)."""
    with demo["db"].environment() as env:
        env.cr.execute(change)
        assert env.cr.rowcount >= 1
        env.cr.commit()
    result = _check(demo)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert reported in result.stdout, result.stdout
    result = _check(demo, "--repair")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert exact in _check(demo).stdout


def test_changed_summary_reported_then_repaired(demo):
    _changed_reported_then_repaired(
        demo,
        "UPDATE crm_open_receivable_item SET residual = residual + 1"
        " WHERE move_id = (SELECT MIN(move_id) FROM crm_open_receivable_item)",
        "differs: entry",
        "open item summary: 0 differences",
    )


def test_changed_owed_totals_reported_then_repaired(demo):
    with demo["db"].environment() as env:
        env["account.move.line"]._fold_owed_totals()
        env.cr.commit()
    _changed_reported_then_repaired(
        demo,
        "UPDATE crm_open_receivable_owed SET owed = owed + 1"
        " WHERE partner_id = (SELECT MIN(partner_id) FROM crm_open_receivable_owed)",
        "differs: customer",
        "customers' owed totals: 0 differences",
    )


def test_changed_cycle_facts_reported_then_repaired(demo):
    _changed_reported_then_repaired(
        demo,
        "UPDATE crm_order_cash_cycle_fact SET due = COALESCE(due, 0) + 1"
        " WHERE lead_id = (SELECT MIN(lead_id) FROM crm_order_cash_cycle_fact"
        "                   WHERE ordered_at IS NOT NULL)",
        "differs: opportunity",
        "order-to-cash facts: 0 differences",
    )
