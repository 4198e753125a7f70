# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Opportunities, through the ORM: one for one customer in ten, over the open stages."""

from .consistency import log
from .database import ADMIN_UID


def make_opportunities(env, params):
    """One opportunity for about 2,000 customers (one in ten); return their count."""
    stages = env["crm.stage"].search([("is_won", "=", False)])
    env.cr.execute(
        "SELECT partner_id, name FROM bench_customer WHERE num %% %s = 0 ORDER BY num", [10]
    )
    rows = env.cr.fetchall()[: params.opportunities]
    leads = env["crm.lead"].create(
        [
            {
                "name": f"Opportunity {name}",
                "type": "opportunity",
                "partner_id": partner_id,
                "user_id": ADMIN_UID,
                "expected_revenue": 1000.0 * (1 + i % 50),
                "stage_id": stages[i % len(stages)].id,
            }
            for i, (partner_id, name) in enumerate(rows)
        ]
    )
    log(f"opportunities: {len(leads)}")
    return len(leads)
