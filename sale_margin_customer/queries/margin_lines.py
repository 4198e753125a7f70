# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The margin of invoice lines, in company currency, in named parts.

The lines (``margin_lines``), the cost of a line (``line_cost``), the rate
that converts an order's cost into company currency (``order_rate``) and the
rate of a currency at the invoice date (``currency_rate``). The report's
materialized view stores ``margin_lines()``; customer margins run it live
for the customers they need.

Raw SQL because the cost of a line reads its order line, units and rates
at the invoice date, for a million lines at once, which the ORM can only do
by loading them.
"""

from odoo.tools import SQL

# Stored fields the invoice line query reads, flushed before it runs.
LINE_SOURCES = {
    "account.move": [
        "commercial_partner_id",
        "currency_id",
        "invoice_currency_rate",
        "invoice_date",
        "invoice_user_id",
        "move_type",
        "state",
        "team_id",
    ],
    "account.move.line": [
        "balance",
        "company_currency_id",
        "company_id",
        "display_type",
        "is_downpayment",
        "move_id",
        "posted_unit_cost",
        "product_id",
        "product_uom_id",
        "quantity",
        "sale_line_ids",
    ],
    "sale.order.line": ["currency_id", "is_downpayment", "product_uom", "purchase_price"],
    "product.product": ["product_tmpl_id", "standard_price"],
    "product.template": ["categ_id", "uom_id"],
    "uom.uom": ["factor"],
    "res.currency.rate": ["company_id", "currency_id", "name", "rate"],
    "res.company": ["parent_path"],
}


def margin_lines(where=None):
    """The margin of posted customer invoice and credit note lines.

    Columns: ``id`` (the invoice line), ``move_id``, ``partner_id`` (the
    commercial entity), ``company_id``, ``invoice_date``, ``move_type``,
    ``product_id``, ``user_id``, ``team_id``, ``quantity`` (in the
    product's unit), ``revenue`` and ``cost``, signed (credit notes
    negative), and ``cost_missing``: the line's cost is unknown (see
    ``line_cost_missing``), so its cost of 0 is no margin to trust. ``where``
    adds a condition on ``line`` and ``move``.

    Amounts are double precision, like the margin of Odoo's invoice
    analysis: summing a million of them is a third faster than numeric,
    for errors far below a cent.
    """
    sign = SQL("(CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END)")
    return SQL(
        """
            SELECT line.id,
                   line.move_id,
                   move.commercial_partner_id AS partner_id,
                   line.company_id,
                   move.invoice_date,
                   move.move_type,
                   line.product_id,
                   move.invoice_user_id AS user_id,
                   move.team_id,
                   (%(sign)s * line.quantity
                       * COALESCE(template_uom.factor / NULLIF(line_uom.factor, 0), 1)
                   )::float8 AS quantity,
                   (-line.balance)::float8 AS revenue,
                   (%(sign)s * %(cost)s)::float8 AS cost,
                   %(cost_missing)s AS cost_missing
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
         LEFT JOIN product_product product ON product.id = line.product_id
         LEFT JOIN product_template template ON template.id = product.product_tmpl_id
         LEFT JOIN uom_uom line_uom ON line_uom.id = line.product_uom_id
         LEFT JOIN uom_uom template_uom ON template_uom.id = template.uom_id
         -- an invoice line comes from one order line (the first if several)
         LEFT JOIN LATERAL (
                SELECT link.order_line_id
                  FROM sale_order_line_invoice_rel link
                 WHERE link.invoice_line_id = line.id
              ORDER BY link.order_line_id
                 LIMIT 1
              ) order_link ON TRUE
         LEFT JOIN sale_order_line order_line ON order_line.id = order_link.order_line_id
         LEFT JOIN uom_uom order_uom ON order_uom.id = order_line.product_uom
             WHERE move.move_type IN ('out_invoice', 'out_refund')
               AND move.state = 'posted'
               AND line.display_type = 'product'
               AND line.product_id IS NOT NULL
               AND line.is_downpayment IS NOT TRUE
               AND order_line.is_downpayment IS NOT TRUE
               AND %(where)s
            """,
        sign=sign,
        cost=line_cost(),
        cost_missing=line_cost_missing(),
        where=where or SQL("TRUE"),
    )


def line_cost():
    """Unsigned cost of the invoiced quantity, in company currency.

    A line invoiced from a sale order costs the order line's cost
    (``purchase_price``, per unit of the order line, in the order's
    currency) for the invoiced quantity, converted at the invoice date.
    A line without an order costs the product's cost when it was posted.
    """
    return SQL(
        """
            (CASE
                WHEN order_line.id IS NOT NULL THEN
                    order_line.purchase_price * line.quantity
                    * COALESCE(order_uom.factor / NULLIF(line_uom.factor, 0), 1)
                    * %(order_rate)s
                ELSE
                    COALESCE(
                        line.posted_unit_cost,
                        (product.standard_price ->> line.company_id::text)::numeric,
                        0
                    ) * line.quantity
                    * COALESCE(template_uom.factor / NULLIF(line_uom.factor, 0), 1)
            END)
            """,
        order_rate=order_rate(),
    )


def line_cost_missing():
    """Whether the cost of the line is unknown: the unit cost that
    ``line_cost`` reads (the order line's, else the one at posting, else the
    product's) is empty or zero. A product without cost (a service nobody
    costed, a product whose cost was never set) would otherwise show its
    whole revenue as margin, and its credit notes as a loss."""
    return SQL(
        """
            (CASE
                WHEN order_line.id IS NOT NULL THEN
                    COALESCE(order_line.purchase_price, 0) = 0
                ELSE
                    COALESCE(
                        line.posted_unit_cost,
                        (product.standard_price ->> line.company_id::text)::numeric,
                        0
                    ) = 0
            END)
            """
    )


def order_rate():
    """Factor converting the order's currency into company currency at the
    invoice date.

    An invoice made from an order is in the order's currency and stores
    the rate of its date: the cost uses that very rate, like the revenue.
    Otherwise (the invoice currency was changed), the rate is looked up
    as Odoo does, company rates first; this rare case runs a subquery.
    """
    return SQL(
        """
            (CASE
                WHEN order_line.currency_id = line.company_currency_id THEN 1.0
                WHEN order_line.currency_id = move.currency_id
                     AND move.invoice_currency_rate > 0
                    THEN 1.0 / move.invoice_currency_rate
                ELSE %(company_rate)s / %(order_rate)s
            END)
            """,
        company_rate=currency_rate(SQL("line.company_currency_id")),
        order_rate=currency_rate(SQL("order_line.currency_id")),
    )


def currency_rate(currency):
    """Rate of ``currency`` at the invoice date for the line's company:
    the last one on or before that date, else the first one, else 1."""
    company_rates = SQL(
        """
            rate.currency_id = %(currency)s
            AND (rate.company_id IS NULL OR rate.company_id = (
                SELECT split_part(company.parent_path, '/', 1)::int
                  FROM res_company company
                 WHERE company.id = line.company_id))
            """,
        currency=currency,
    )
    return SQL(
        """
            COALESCE(
                (SELECT rate.rate FROM res_currency_rate rate
                  WHERE %(company_rates)s AND rate.name <= move.invoice_date
               ORDER BY rate.company_id, rate.name DESC LIMIT 1),
                (SELECT rate.rate FROM res_currency_rate rate
                  WHERE %(company_rates)s
               ORDER BY rate.company_id, rate.name LIMIT 1),
                1.0
            )
            """,
        company_rates=company_rates,
    )
