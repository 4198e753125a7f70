# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Won opportunities, their confirmed sale orders and the invoices of those orders.

Every customer's invoices, in date order, are grouped ``invoices_per_deal``
at a time: each group is one opportunity won before its first invoice, with
one confirmed sale order holding one line per invoice (same quantity, price
and tax), linked to that invoice's product line and, for a reversed invoice,
to its credit note's. The order-to-cash report then has a cycle for every
invoice of the data set: open, partly paid, paid on time or late, credited.

The ORM makes one won opportunity and one confirmed order (the prototypes);
bulk SQL copies them, as for the invoices. The steps of each cycle are
spread without random numbers (from the cycle's number), so that the rest
of the build draws the same numbers as before:

- confirmed 0 to 14 days before the first invoice;
- the quotation created 0 to 9 days before the confirmation;
- won 3 days after to 21 days before the quotation (a quotation made
  before the win, as happens);
- the opportunity created 10 to 59 days before it was won.
"""

from odoo import Command

from .bulk import copy_rows, reserve_ids
from .consistency import log
from .database import ADMIN_UID

# Tables written in bulk here, whose foreign keys the consistency checks verify.
DEAL_TABLES = (
    "crm_lead",
    "sale_order",
    "sale_order_line",
    "sale_order_line_invoice_rel",
    "account_tax_sale_order_line_rel",
)

PLAN_DEALS = """
    CREATE TEMP TABLE bench_deal_line AS
    SELECT d.move_id, d.product_line_id, d.partner_id, d.invoice_date, d.qty,
           d.price_unit, d.taxed, d.untaxed, d.tax, d.outcome, d.src, d.idx,
           (row_number() OVER (PARTITION BY d.partner_id ORDER BY d.invoice_date, d.idx) - 1)
               / %(per_deal)s AS chunk
      FROM bench_doc d
     WHERE d.move_type = 'out_invoice';
    CREATE TEMP TABLE bench_deal AS
    SELECT row_number() OVER (ORDER BY min(invoice_date), partner_id, chunk)::int AS num,
           partner_id, chunk, min(invoice_date) AS first_invoice,
           sum(untaxed) AS untaxed, sum(tax) AS tax,
           bool_or(outcome = 'reversed') AS to_invoice
      FROM bench_deal_line
  GROUP BY partner_id, chunk;
    ALTER TABLE bench_deal ADD COLUMN lead_id int, ADD COLUMN order_id int,
        ADD COLUMN confirmed date, ADD COLUMN created date, ADD COLUMN won date,
        ADD COLUMN lead_created date;
    UPDATE bench_deal SET lead_id = %(lead_first)s + num - 1,
           order_id = %(order_first)s + num - 1,
           confirmed = first_invoice - num %% 15;
    UPDATE bench_deal SET created = confirmed - (num * 7) %% 10;
    UPDATE bench_deal SET won = created - ((num * 13) %% 25 - 3);
    UPDATE bench_deal SET lead_created = won - 10 - (num * 11) %% 50;
    CREATE UNIQUE INDEX ON bench_deal (partner_id, chunk);
    ANALYZE bench_deal;
    ALTER TABLE bench_deal_line ADD COLUMN order_id int, ADD COLUMN line_id int,
        ADD COLUMN sequence int, ADD COLUMN refund_line_id int;
    UPDATE bench_deal_line l SET order_id = p.order_id, line_id = p.line_id,
           sequence = p.sequence
      FROM (SELECT l2.move_id, d.order_id,
                   %(line_first)s - 1
                   + row_number() OVER (ORDER BY d.num, l2.invoice_date, l2.idx) AS line_id,
                   10 * row_number() OVER (PARTITION BY d.num
                                               ORDER BY l2.invoice_date, l2.idx) AS sequence
              FROM bench_deal_line l2
              JOIN bench_deal d ON d.partner_id = l2.partner_id AND d.chunk = l2.chunk) p
     WHERE p.move_id = l.move_id;
    -- the credit note of a reversed invoice credits the same order line
    UPDATE bench_deal_line l SET refund_line_id = r.product_line_id
      FROM bench_doc r
     WHERE l.outcome = 'reversed' AND r.src = l.src AND r.move_type = 'out_refund';
    ANALYZE bench_deal_line;
"""

# the time of day of each step
WON_TIME = "time '10:00'"
ORDER_TIME = "time '11:00'"


def _prototypes(env, prototypes):
    """A won opportunity and its confirmed order of one line: the copy templates."""
    partner = prototypes.partner
    lead = env["crm.lead"].create(
        {
            "name": "Prototype Won Deal",
            "type": "opportunity",
            "partner_id": partner.id,
            "user_id": ADMIN_UID,
            "expected_revenue": 230.0,
        }
    )
    lead.action_set_won()
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "opportunity_id": lead.id,
            "user_id": ADMIN_UID,
            "order_line": [
                Command.create(
                    {"product_id": prototypes.product.id, "product_uom_qty": 2, "price_unit": 100}
                )
            ],
        }
    )
    order.action_confirm()
    env.flush_all()
    return lead, order


def _write_leads(cr, lead):
    return copy_rows(
        cr,
        "crm_lead",
        """(SELECT d.*, p.name AS partner_name, %(tpl)s AS tpl_id
              FROM bench_deal d JOIN res_partner p ON p.id = d.partner_id) src""",
        {
            "id": "src.lead_id",
            "name": "'Deal ' || src.partner_name || ' ' || (src.chunk + 1)",
            "partner_id": "src.partner_id",
            "partner_name": "src.partner_name",
            "expected_revenue": "src.untaxed",
            "prorated_revenue": "src.untaxed",
            "create_date": f"(src.lead_created + {WON_TIME})",
            "write_date": f"(src.won + {WON_TIME})",
            "date_open": f"(src.lead_created + {WON_TIME})",
            "date_last_stage_update": f"(src.won + {WON_TIME})",
            "date_closed": f"(src.won + {WON_TIME})",
            "day_open": "0",
            "day_close": "src.won - src.lead_created",
        },
        {"tpl": lead.id},
    )


def _write_orders(cr, order):
    return copy_rows(
        cr,
        "sale_order",
        "(SELECT d.*, %(tpl)s AS tpl_id FROM bench_deal d) src",
        {
            "id": "src.order_id",
            # six digits, more past 999,999 orders (lpad would cut them)
            "name": "'BS' || lpad(src.num::text, greatest(6, length(src.num::text)), '0')",
            "partner_id": "src.partner_id",
            "partner_invoice_id": "src.partner_id",
            "partner_shipping_id": "src.partner_id",
            "opportunity_id": "src.lead_id",
            "access_token": "NULL",
            "create_date": f"(src.created + {ORDER_TIME})",
            "write_date": f"(src.confirmed + {ORDER_TIME})",
            "date_order": f"(src.confirmed + {ORDER_TIME})",
            "amount_untaxed": "src.untaxed",
            "amount_tax": "src.tax",
            "amount_total": "src.untaxed + src.tax",
            "invoice_status": "CASE WHEN src.to_invoice THEN 'to invoice' ELSE 'invoiced' END",
        },
        {"tpl": order.id},
    )


def _write_order_lines(cr, order):
    # a reversed invoice is credited: its line has everything left to invoice
    invoiced = "CASE WHEN src.outcome = 'reversed' THEN 0 ELSE src.qty END"
    to_invoice = "CASE WHEN src.outcome = 'reversed' THEN src.qty ELSE 0 END"
    return copy_rows(
        cr,
        "sale_order_line",
        """(SELECT l.*, d.confirmed, %(tpl)s AS tpl_id
              FROM bench_deal_line l
              JOIN bench_deal d ON d.order_id = l.order_id) src""",
        {
            "id": "src.line_id",
            "order_id": "src.order_id",
            "sequence": "src.sequence",
            "order_partner_id": "src.partner_id",
            "product_uom_qty": "src.qty",
            "price_unit": "src.price_unit",
            "technical_price_unit": "src.price_unit",
            "price_subtotal": "src.untaxed",
            "price_tax": "src.tax",
            "price_total": "src.untaxed + src.tax",
            "price_reduce_taxexcl": "round(src.untaxed / src.qty, 2)",
            "price_reduce_taxinc": "round((src.untaxed + src.tax) / src.qty, 2)",
            "qty_invoiced": invoiced,
            "qty_to_invoice": to_invoice,
            "invoice_status": (
                "CASE WHEN src.outcome = 'reversed' THEN 'to invoice' ELSE 'invoiced' END"
            ),
            "untaxed_amount_invoiced": (
                "CASE WHEN src.outcome = 'reversed' THEN 0 ELSE src.untaxed END"
            ),
            "untaxed_amount_to_invoice": (
                "CASE WHEN src.outcome = 'reversed' THEN src.untaxed ELSE 0 END"
            ),
            "create_date": f"(src.confirmed + {ORDER_TIME})",
            "write_date": f"(src.confirmed + {ORDER_TIME})",
        },
        {"tpl": order.order_line.id},
    )


def plan_won_deals(env, params, prototypes):
    """The prototypes (ORM) and the plan of the won deals (temp tables
    ``bench_deal`` and ``bench_deal_line``); return the prototypes."""
    cr = env.cr
    lead, order = _prototypes(env, prototypes)
    cr.execute("SELECT count(*) FROM bench_doc WHERE move_type = 'out_invoice'")
    n_lines = cr.fetchone()[0]
    # at most one deal per invoice: reserve that many ids, the plan uses fewer
    lead_first = reserve_ids(cr, "crm_lead", n_lines)
    order_first = reserve_ids(cr, "sale_order", n_lines)
    line_first = reserve_ids(cr, "sale_order_line", n_lines)
    cr.execute(
        PLAN_DEALS,
        {
            "per_deal": params.invoices_per_deal,
            "lead_first": lead_first,
            "order_first": order_first,
            "line_first": line_first,
        },
    )
    return lead, order


def write_won_deals(env, lead, order, tax):
    """Copy the prototypes for every planned deal, link the invoices to the
    order lines; return the counts. Runs inside ``bulk_load(DEAL_TABLES)``."""
    cr = env.cr
    counts = {
        "won_opportunities": _write_leads(cr, lead),
        "won_orders": _write_orders(cr, order),
        "won_order_lines": _write_order_lines(cr, order),
    }
    cr.execute(
        """INSERT INTO sale_order_line_invoice_rel (order_line_id, invoice_line_id)
           SELECT line_id, product_line_id FROM bench_deal_line
            UNION ALL
           SELECT line_id, refund_line_id FROM bench_deal_line WHERE refund_line_id IS NOT NULL"""
    )
    counts["invoice_links"] = cr.rowcount
    cr.execute(
        """INSERT INTO account_tax_sale_order_line_rel (sale_order_line_id, account_tax_id)
           SELECT line_id, %s FROM bench_deal_line WHERE taxed""",
        [tax.id],
    )
    log(
        f"won opportunities: {counts['won_opportunities']}, with as many confirmed orders "
        f"({counts['won_order_lines']} lines, {counts['invoice_links']} invoice links)"
    )
    return counts
