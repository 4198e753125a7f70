# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Confirmed sale orders not invoiced yet, through the ORM.

They give ``credit_to_invoice`` (and the bridge's ``credit_available``)
work to do: the first customers by name (the benchmark's page) get one, and
the others are spread over the customer base.
"""

from odoo import Command

from .consistency import log
from .database import ADMIN_UID


def make_sale_orders(env, params, product):
    """Confirmed, not invoiced sale orders of ``product``; return their count."""
    count = params.sale_orders
    env.cr.execute(
        """(SELECT partner_id FROM bench_customer ORDER BY name LIMIT 20)
           UNION
           (SELECT partner_id FROM bench_customer WHERE num %% %s = 7 LIMIT %s)""",
        [61, max(count - 20, 0)],
    )
    partner_ids = [row[0] for row in env.cr.fetchall()][:count]
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner_id,
                "user_id": ADMIN_UID,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1 + i % 5,
                            "price_unit": 250.0 + 10 * (i % 40),
                        }
                    )
                ],
            }
            for i, partner_id in enumerate(partner_ids)
        ]
    )
    orders.action_confirm()
    log(f"confirmed sale orders: {len(orders)}")
    return len(orders)
