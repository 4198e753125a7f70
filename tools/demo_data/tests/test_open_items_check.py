# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``tools/open_items_check.py`` on the demo's database: the whole story,
built through the ORM (invoices, payments, credit notes, reconciliations in
two companies and currencies), leaves the open item summary exact."""

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
    assert result.stdout.startswith("0 differences"), result.stdout


def test_changed_summary_reported_then_repaired(demo):
    """A summary changed behind the triggers' back is found, row by row, and
    ``--repair`` rebuilds it from the journal items."""
    with demo["db"].environment() as env:
        env.cr.execute(
            "UPDATE crm_open_receivable_item SET residual = residual + 1"
            " WHERE move_id = (SELECT MIN(move_id) FROM crm_open_receivable_item)"
        )
        assert env.cr.rowcount >= 1
        env.cr.commit()
    result = _check(demo)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "differs: entry" in result.stdout, result.stdout
    result = _check(demo, "--repair")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "0 differences" in _check(demo).stdout
