# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from ..models.partner_financial_snapshot import SNAPSHOT_FIELDS, SNAPSHOT_SOURCES


class CrmCustomer360(models.Model):
    """Customer 360 as a list that sorts and filters on the snapshot.

    The partner fields are not stored, so a list of partners cannot sort on
    them; this read-only report computes the same snapshot statement for all
    customers at read time, from the books of the current company's group
    (its root company and every branch).
    """

    _name = "crm.customer.360"
    _description = "Customer 360"
    _auto = False
    _rec_name = "partner_id"
    _order = "overdue_amount desc, receivable_balance desc, partner_id"
    _depends = {
        **SNAPSHOT_SOURCES,
        "res.partner": [
            *SNAPSHOT_SOURCES["res.partner"],
            "active",
            "company_id",
            "country_id",
            "customer_rank",
            "user_id",
        ],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    receivable_balance = fields.Monetary(readonly=True)
    overdue_amount = fields.Monetary(readonly=True)
    overdue_invoice_count = fields.Integer(string="Overdue Invoices", readonly=True)
    oldest_overdue_days = fields.Integer(
        string="Oldest Overdue (days)", readonly=True, aggregator="max"
    )
    revenue_ltm = fields.Monetary(string="Revenue (12 months)", readonly=True)
    avg_payment_delay_days = fields.Float(
        string="Average Payment Delay (days)",
        digits=(16, 1),
        readonly=True,
        aggregator=None,
    )
    late_payment_rate = fields.Float(readonly=True, aggregator=None)
    paid_invoice_count = fields.Integer(string="Invoices Paid (12 months)", readonly=True)
    last_payment_date = fields.Date(readonly=True, aggregator="max")
    aging_not_due = fields.Monetary(string="Not Due", readonly=True)
    aging_1_30 = fields.Monetary(string="1-30 Days", readonly=True)
    aging_31_60 = fields.Monetary(string="31-60 Days", readonly=True)
    aging_61_90 = fields.Monetary(string="61-90 Days", readonly=True)
    aging_over_90 = fields.Monetary(string="Over 90 Days", readonly=True)
    aging_bar = fields.Html(related="partner_id.aging_bar")
    credit_limit_applies = fields.Boolean(related="partner_id.credit_limit_applies")
    credit_available = fields.Monetary(related="partner_id.credit_available")
    cash_cycle_paid_count = fields.Integer(related="partner_id.cash_cycle_paid_count")
    cash_cycle_median_days = fields.Float(related="partner_id.cash_cycle_median_days")
    cash_cycle_chart = fields.Html(related="partner_id.cash_cycle_chart")

    @property
    def _table_query(self):
        # see _search: the rows of known customers only, when only they are read
        return self._customer_360_query(self._customer_360_context_ids())

    @api.model
    def _customer_360_context_ids(self):
        """Return the customer ids that ``_search`` put in the context, or None.

        Any client can send context keys over RPC: anything but a list of
        ids is ignored (all rows), never passed on to the statement. The key
        can only narrow the rows, and the access rules still apply.
        """
        ids = self.env.context.get("crm_customer_360_ids")
        if isinstance(ids, list | tuple) and all(
            isinstance(id_, int) and not isinstance(id_, bool) for id_ in ids
        ):
            return list(ids)
        return None

    @api.model
    def _customer_360_query(self, partner_ids=None):
        """The report's rows: all customers, or those of ``partner_ids`` only."""
        snapshot = self.env["partner.financial.snapshot"]
        company = snapshot._snapshot_company()
        return SQL(
            """
            SELECT partner.id AS id,
                   partner.id AS partner_id,
                   %(company_id)s AS company_id,
                   %(currency_id)s AS currency_id,
                   partner.user_id,
                   partner.country_id,
                   %(snapshot_columns)s
              FROM res_partner partner
         LEFT JOIN (%(snapshot)s) snapshot ON snapshot.partner_id = partner.id
             WHERE partner.id = partner.commercial_partner_id
               AND ((partner.active
                     AND (partner.customer_rank > 0 OR snapshot.partner_id IS NOT NULL))
                    -- archived with an open balance: still in the books' totals
                    OR snapshot.receivable_balance != 0)
               -- the group's customers that the user may open: shared ones
               -- and those of an active company or a parent of one, as
               -- Odoo's rule on partners reads them
               AND (partner.company_id IS NULL
                    OR (%(partner_company)s AND partner.company_id = ANY(%(visible_company_ids)s)))
               AND %(partner_ids)s
            """,
            company_id=company.id,
            currency_id=company.currency_id.id,
            snapshot_columns=SQL(", ").join(
                SQL(
                    "COALESCE(snapshot.%s, %s) AS %s",
                    SQL.identifier(name),
                    None if name == "last_payment_date" else 0,
                    SQL.identifier(name),
                )
                for name in SNAPSHOT_FIELDS
            ),
            snapshot=snapshot._snapshot_query(partner_ids),
            partner_company=snapshot._company_scope(SQL("partner.company_id")),
            # sudo: the parents of the active companies, which the user may
            # not belong to; only their ids are read, as Odoo's partner rule
            visible_company_ids=self.env.companies.sudo().parent_ids.ids,
            partner_ids=(
                SQL("partner.id = ANY(%s)", list(partner_ids))
                if partner_ids is not None
                else SQL("TRUE")
            ),
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """Compute the rows of the customers asked for only, when ids are asked for.

        Reading rows (a page of the list, a form) searches ``[("id", "in",
        ids)]``: the statement then aggregates these customers' journal items
        instead of everyone's, with the same result since each row depends on
        its customer only.
        """
        self._disable_jit()
        report = self
        if (
            len(domain) == 1
            and isinstance(domain[0], list | tuple)
            and tuple(domain[0][:2]) == ("id", "in")
            and isinstance(domain[0][2], list | tuple)
            and all(isinstance(id_, int) for id_ in domain[0][2])
        ):
            report = self.with_context(crm_customer_360_ids=list(domain[0][2]))
        return super(CrmCustomer360, report)._search(
            domain, offset=offset, limit=limit, order=order
        )

    def _fetch_query(self, query, fields):
        self._disable_jit()
        return super()._fetch_query(query, fields)

    @api.model
    def _disable_jit(self):
        """Turn PostgreSQL's JIT compilation off for the rest of the transaction.

        The report's statement aggregates every customer's journal items;
        its estimated cost is far above the thresholds of JIT compilation,
        which then compiles it with optimisation and inlining. On 200,000
        invoices that compilation alone costs seconds on every search, count
        and read of the list, and saves nothing: the statement runs in about
        one second without it. SET LOCAL ends with the transaction (a request).
        """
        self.env.cr.execute("SET LOCAL jit = off")

    def action_view_cash_cycles(self):
        """Open the order-to-cash report on the customer's cycles."""
        self.ensure_one()
        return self.partner_id.action_view_cash_cycles()

    def action_open_partner(self):
        """Open the customer's form, where the Customer 360 page lives."""
        self.ensure_one()
        return self.partner_id.action_open_customer_360()
