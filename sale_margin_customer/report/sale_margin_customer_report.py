# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from typing import NamedTuple

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.models import parse_read_group_spec
from odoo.osv import expression
from odoo.tools import SQL

from ..queries.margin_lines import LINE_SOURCES, margin_lines
from ..services.margin_line_view import (  # noqa: F401 (REFRESHED_AT_KEY: tests import it from here)
    LINE_VIEW,
    REFRESHED_AT_KEY,
    MarginLineView,
)


class CustomerMargin(NamedTuple):
    """The margin figures of one customer (``_margin_by_customer``)."""

    revenue: float
    margin: float
    invoiced: bool
    missing_cost_count: int = 0
    costed_margin: float = 0.0
    costed_invoiced: bool = False


# Groups allowed to refresh the report on demand.
REFRESH_GROUPS = ("sales_team.group_sale_manager", "account.group_account_invoice")
# Measures whose group value is not an aggregate of the column: a ratio of
# sums, or a count of distinct customers.
RATIO_MEASURES = ("margin_percent", "customer_count")


class SaleMarginCustomerReport(models.Model):
    """Margin of every posted customer invoice and credit note line.

    One row per invoice line that carries a product (no down payment, section
    or note), in the currency of the current company. Revenue is what was
    invoiced, untaxed; cost is the cost of the originating sale order line
    for the invoiced quantity, or the product's cost when the line has no
    order. Credit notes count negatively.

    The invoice line figures come from a materialized view (a plain view
    cannot group a million invoice lines by customer and month fast enough);
    customer, product and company attributes are joined live. The view is
    refreshed by a scheduled action when invoices changed, every night and on
    demand (``_refresh_lines``). Customer margins and tiers do not read it:
    they run the same line query live, for the customers they need.
    """

    _name = "sale.margin.customer.report"
    _description = "Sales Margin per Customer"
    _auto = False
    _rec_name = "partner_id"
    _order = "invoice_date desc, id desc"
    _depends = {
        "res.partner": ["country_id", "industry_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    invoice_date = fields.Date(readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")],
        string="Type",
        readonly=True,
    )
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    country_id = fields.Many2one("res.country", string="Customer Country", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", string="Customer Industry", readonly=True)
    partner_category_ids = fields.Many2many(
        related="partner_id.category_id", string="Customer Tags"
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        help="Invoiced quantity in the product's unit of measure; negative on credit notes.",
    )
    revenue = fields.Monetary(
        readonly=True,
        help="Untaxed invoiced amount; negative on credit notes.",
    )
    cost = fields.Monetary(
        readonly=True,
        help="Cost of the sale order line for the invoiced quantity, or the "
        "product's cost for lines without an order; negative on credit notes.",
    )
    margin = fields.Monetary(readonly=True)
    missing_cost_count = fields.Integer(
        string="Lines Without Cost",
        readonly=True,
        help="Invoice lines whose product had no cost: their cost counts as 0, "
        "so their margin is their whole revenue (a loss on credit notes). Set the "
        "product's cost, or the order line's.",
    )
    margin_percent = fields.Float(
        string="Margin (%)",
        readonly=True,
        aggregator="avg",
        help="Margin divided by revenue. On a group of lines: total margin "
        "divided by total revenue, never an average of percentages.",
    )
    customer_count = fields.Integer(
        string="Customers",
        readonly=True,
        help="Number of distinct customers of the group.",
    )

    @property
    def _table_query(self):
        companies = self._reporting_companies()
        return SQL(
            """
            SELECT line.id,
                   line.partner_id,
                   line.company_id,
                   line.invoice_date,
                   line.move_id,
                   line.move_type,
                   line.product_id,
                   template.categ_id AS product_categ_id,
                   line.user_id,
                   line.team_id,
                   customer.country_id,
                   customer.industry_id,
                   %(currency_id)s AS currency_id,
                   1 AS customer_count,
                   line.quantity,
                   line.revenue * account_currency_table.rate AS revenue,
                   line.cost * account_currency_table.rate AS cost,
                   (line.revenue - line.cost) * account_currency_table.rate AS margin,
                   (line.revenue - line.cost) / NULLIF(line.revenue, 0) AS margin_percent,
                   line.cost_missing::int AS missing_cost_count
              FROM %(line_view)s line
         LEFT JOIN res_partner customer ON customer.id = line.partner_id
         LEFT JOIN product_product product ON product.id = line.product_id
         LEFT JOIN product_template template ON template.id = product.product_tmpl_id
              JOIN %(currency_table)s ON account_currency_table.company_id = line.company_id
             WHERE line.company_id = ANY(%(company_ids)s)
            """,
            currency_id=self.env.company.currency_id.id,
            line_view=SQL.identifier(LINE_VIEW),
            currency_table=self.env["res.currency"]._get_simple_currency_table(
                companies or self.env.company
            ),
            company_ids=companies.ids,
        )

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """List only the lines of invoices that are still posted.

        The view lags behind by up to 15 minutes: an invoice reset to draft,
        cancelled or deleted since the last refresh would still be listed,
        and a deleted one cannot be displayed. Grouped figures (pivot, graph)
        do not pay for this check and follow at the next refresh.
        """
        # sudo: the report's own rules already decide which lines are seen
        posted = self.env["account.move"].sudo()._search([("state", "=", "posted")])
        domain = expression.AND([domain, [("move_id", "in", posted)]])
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    def init(self):
        """(Re)build the materialized view of invoice lines at install and
        update, so that its definition always matches the code."""
        MarginLineView(self.env).build(self._line_query())

    @api.model
    def _reporting_companies(self):
        """Companies whose margins the report shows: the selected companies
        whose accounting is ready. Until an accountant completes the setup,
        margins stay off, like every accounting figure built on the bridge."""
        return self.env.companies.filtered(lambda company: company._crm_accounting_ready())

    @api.model
    def _line_query(self, where=None):
        """Return the SQL of the margin of invoice lines, in company currency
        (see ``queries.margin_lines.margin_lines`` for its columns).
        ``where`` adds a condition on ``line`` and ``move``."""
        return margin_lines(where)

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Aggregate the margin percentage as total margin over total revenue,
        and count distinct customers, in pivot, graph and grouped lists."""
        fname, __, func = parse_read_group_spec(aggregate_spec)
        if fname in RATIO_MEASURES and func in ("avg", "sum"):
            if fname == "margin_percent":
                # revenue is a float sum: one that cancels out to 1e-17 is
                # zero at the currency's precision, and has no ratio
                return SQL(
                    "SUM(%s) / NULLIF(ROUND(SUM(%s)::numeric, %s), 0)",
                    self._field_to_sql(self._table, "margin", query),
                    self._field_to_sql(self._table, "revenue", query),
                    self.env.company.currency_id.decimal_places,
                )
            return SQL("COUNT(DISTINCT %s)", self._field_to_sql(self._table, "partner_id", query))
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _flush_line_sources(self):
        """Write pending ORM changes the invoice line query reads."""
        for model_name, field_names in LINE_SOURCES.items():
            self.env[model_name].flush_model(field_names)

    @api.model
    def _refresh_lines(self, force=False):
        """Refresh the materialized view of invoice lines, without ``force``
        only when invoices changed (see ``MarginLineView.refresh``). Return
        whether it was refreshed."""
        return MarginLineView(self.env).refresh(force=force)

    @api.model
    def _cron_refresh_lines(self):
        """Scheduled action: refresh the report when invoices changed, and
        at least once a day (see ``MarginLineView.daily_refresh_due``)."""
        self._refresh_lines(force=MarginLineView(self.env).daily_refresh_due())

    @api.model
    def action_refresh(self):
        """Refresh the report now (Action menu of the report's list)."""
        if not any(self.env.user.has_group(group) for group in REFRESH_GROUPS):
            raise AccessError(
                self.env._("Only sales managers and accountants can refresh the margins.")
            )
        self._refresh_lines(force=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Margins are up to date."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _margin_by_customer(self, partner_ids, date_after, date_to):
        """Return ``{commercial partner id: CustomerMargin}`` of the lines
        invoiced after ``date_after`` and up to ``date_to`` included, live:
        ``revenue``, ``margin``, ``invoiced`` (any of them is an invoice, not
        only credit notes), ``missing_cost_count`` (lines whose cost is
        unknown, see ``queries.margin_lines.line_cost_missing``), and the
        ``costed_margin`` and ``costed_invoiced`` of the lines whose cost is
        known. ``partner_ids`` None means every customer.

        Figures of the current company's group (the scope of the
        bridge's snapshot, all in the company's currency), whatever the user
        may read in the report: these are customer totals, like the revenue
        of the Customer 360 page. Callers check that the company's accounting
        is ready.
        """
        company = self.env.company
        self._flush_line_sources()
        snapshot = self.env["partner.financial.snapshot"].with_company(company)
        conditions = [
            snapshot._company_scope(SQL("line.company_id")),
            SQL("move.invoice_date > %s AND move.invoice_date <= %s", date_after, date_to),
        ]
        if partner_ids is not None:
            conditions.append(SQL("move.commercial_partner_id = ANY(%s)", list(partner_ids)))
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lines.partner_id, SUM(lines.revenue), SUM(lines.revenue - lines.cost),
                       BOOL_OR(lines.move_type = 'out_invoice'),
                       COUNT(*) FILTER (WHERE lines.cost_missing),
                       COALESCE(SUM(lines.revenue - lines.cost)
                                FILTER (WHERE NOT lines.cost_missing), 0),
                       COALESCE(BOOL_OR(lines.move_type = 'out_invoice')
                                FILTER (WHERE NOT lines.cost_missing), FALSE)
                  FROM (%s) lines
              GROUP BY lines.partner_id
                """,
                self._line_query(SQL(" AND ").join(conditions)),
            )
        )
        return {partner_id: CustomerMargin(*figures) for partner_id, *figures in rows}

    @api.model
    def _margin_by_customer_month(self, partner_ids, first_month, date_to):
        """Return ``{commercial partner id: {first day of month: margin}}`` of
        the lines invoiced from ``first_month`` up to ``date_to`` included,
        live, with the scope and rules of ``_margin_by_customer``."""
        company = self.env.company
        self._flush_line_sources()
        snapshot = self.env["partner.financial.snapshot"].with_company(company)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lines.partner_id, date_trunc('month', lines.invoice_date)::date,
                       SUM(lines.revenue - lines.cost)
                  FROM (%s) lines
              GROUP BY lines.partner_id, date_trunc('month', lines.invoice_date)
                """,
                self._line_query(
                    SQL(
                        "%s AND move.invoice_date >= %s AND move.invoice_date <= %s "
                        "AND move.commercial_partner_id = ANY(%s)",
                        snapshot._company_scope(SQL("line.company_id")),
                        first_month,
                        date_to,
                        list(partner_ids),
                    )
                ),
            )
        )
        margins = {}
        for partner_id, month, margin in rows:
            margins.setdefault(partner_id, {})[month] = margin
        return margins
