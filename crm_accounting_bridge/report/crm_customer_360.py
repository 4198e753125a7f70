# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL, format_amount, format_date

from ..models.partner_financial_snapshot import (
    RECEIVABLE_FIELDS,
    SNAPSHOT_FIELDS,
    SNAPSHOT_SOURCES,
)
from ..queries import open_item_summary, owed_totals

# Columns of the report a search can sort and filter by from the open item
# summary alone, without the payment history of every customer.
OPEN_ITEM_SEARCH_FIELDS = {
    "id",
    "partner_id",
    "company_id",
    "currency_id",
    "user_id",
    "country_id",
    *(set(RECEIVABLE_FIELDS) & set(SNAPSHOT_FIELDS)),
}


class _OpenItemColumns(frozenset):
    """The figures a search sorts and filters by (see ``_search``).

    A class of its own so that only ``_search`` can ask for a report of
    these columns alone: a context sent over RPC holds lists and strings,
    never this, and cannot make a read return partial figures.

    Equal only to itself: Odoo reuses an environment whose context is equal,
    and two searches of the same names must not share one's kind (below)
    or its customers changed since the fold.
    """

    __eq__ = object.__eq__
    __hash__ = object.__hash__


class _OpenItemColumnsPerCustomer(_OpenItemColumns):
    """The same, computed customer by customer (see ``_search``)."""


class _KeptBalanceColumns(_OpenItemColumns):
    """The balance alone, from the kept totals but for ``fresh_ids``, the
    customers changed since, computed from the summary (see ``_search``)."""

    fresh_ids = ()


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
    customer_payment_count = fields.Integer(related="partner_id.customer_payment_count")
    # The counts of the stat buttons are the user's: each counts what the
    # list it opens shows, under the same access rules.
    invoice_count = fields.Integer(
        string="Invoices",
        compute="_compute_dashboard_counts",
        help="Posted customer invoices and credit notes you may read.",
    )
    opportunity_count = fields.Integer(
        string="Open Opportunities",
        compute="_compute_dashboard_counts",
        help="Opportunities neither won nor lost that you may read.",
    )
    pipeline_amount = fields.Monetary(
        string="Open Pipeline",
        compute="_compute_dashboard_counts",
        help="Expected revenue of the open opportunities, in the current company's currency.",
    )
    order_count = fields.Integer(
        string="Open Orders",
        compute="_compute_dashboard_counts",
        help="Quotations and confirmed orders not fully invoiced that you may read.",
    )
    revenue_chart = fields.Html(
        string="Revenue by Month",
        compute="_compute_monthly_charts",
        sanitize=False,
        help="Untaxed revenue invoiced per month over the last 12 months, net of credit notes.",
    )
    payment_chart = fields.Html(
        string="Payment Behaviour by Month",
        compute="_compute_monthly_charts",
        sanitize=False,
        help="Per month of full payment: average days paid after the due date "
        "and share of invoices paid late.",
    )

    @property
    def _table_query(self):
        # see _search: the rows of known customers only, when only they are
        # read; the figures a search needs only, when it needs open items only
        columns = self.env.context.get("crm_customer_360_search_columns")
        if not isinstance(columns, _OpenItemColumns):
            columns = None
        return self._customer_360_query(
            self._customer_360_context_ids(),
            search_columns=columns,
            per_customer=isinstance(columns, _OpenItemColumnsPerCustomer),
            fresh_ids=columns.fresh_ids if isinstance(columns, _KeptBalanceColumns) else None,
        )

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
    def _customer_360_query(
        self, partner_ids=None, search_columns=None, per_customer=False, fresh_ids=None
    ):
        """The report's rows: all customers, or those of ``partner_ids`` only.

        With ``search_columns`` (names of ``RECEIVABLE_FIELDS``), the rows
        with those figures only, from the open item summary; the other
        figures are 0. The rows are the same either way: customers
        (``customer_rank``) and partners with open items, active, or
        archived with an open balance. ``per_customer``: the figures of each
        row computed apart (a lateral join), which PostgreSQL can stop after
        the first rows a limit asks for, instead of all customers at once.
        ``fresh_ids``: the balance alone (``search_columns`` has no other
        figure), kept by ``queries.owed_totals`` but for these customers.
        """
        snapshot = self.env["partner.financial.snapshot"]
        if fresh_ids is not None:
            return self._customer_360_kept_query(fresh_ids)
        if search_columns is None:
            figures = snapshot._snapshot_query(partner_ids)
            columns = SNAPSHOT_FIELDS
            # who has open items (the rows' rule), beside the whole snapshot
            open_items = SQL(
                "LEFT JOIN (%s) open_item ON open_item.partner_id = partner.id",
                snapshot._receivable_query(partner_ids, columns=["receivable_balance"]),
            )
            open_item = SQL.identifier("open_item")
        else:
            columns = sorted(search_columns | {"receivable_balance"})
            figures = snapshot._receivable_query(partner_ids, columns=columns)
            # the figures are the open items' already
            open_items, open_item = SQL(), SQL.identifier("snapshot")
        if per_customer:
            # OFFSET 0: kept apart, else PostgreSQL joins it back to every
            # customer's figures computed at once
            joins = SQL(
                """LEFT JOIN LATERAL (SELECT * FROM (%s) figures
                                       WHERE figures.partner_id = partner.id
                                      OFFSET 0) snapshot ON TRUE""",
                figures,
            )
        else:
            joins = SQL("LEFT JOIN (%s) snapshot ON snapshot.partner_id = partner.id", figures)
        return self._customer_360_rows(
            columns,
            SQL("res_partner partner %s %s", joins, open_items),
            SQL(
                """((partner.active
                     AND (partner.customer_rank > 0 OR %(open_item)s.partner_id IS NOT NULL))
                    -- archived with an open balance: still in the books' totals
                    OR %(open_item)s.receivable_balance != 0)""",
                open_item=open_item,
            ),
            partner_ids,
        )

    @api.model
    def _customer_360_kept_query(self, fresh_ids):
        """The report's rows with their balance alone, from the kept totals
        (``queries.owed_totals``) but for ``fresh_ids``, computed from the
        open item summary: the same rows as ``_customer_360_query``.

        Two parts: the customers with open items, read from the totals
        first, and the customers without, whose balance is 0. A count of
        rows with a balance reads the first part only, and stops at the
        web client's limit without reading every customer.
        """
        snapshot = self.env["partner.financial.snapshot"]
        balances = SQL(
            "%s UNION ALL (%s)",
            owed_totals.kept_balances(fresh_ids),
            snapshot._receivable_query(fresh_ids, columns=["receivable_balance"]),
        )
        with_open_items = self._customer_360_rows(
            ["receivable_balance"],
            # from the totals to their partners, one by one: a count stops
            # after its limit instead of reading every partner first
            SQL(
                """(%s) snapshot
                   CROSS JOIN LATERAL (SELECT * FROM res_partner
                                        WHERE id = snapshot.partner_id OFFSET 0) partner""",
                balances,
            ),
            SQL("(partner.active OR snapshot.receivable_balance != 0)"),
        )
        without = self._customer_360_rows(
            ["receivable_balance"],
            # typed as the other part's, so that a condition on the balance
            # reaches both parts (and rules this one out for a balance)
            SQL(
                "res_partner partner CROSS JOIN (SELECT 0::numeric AS receivable_balance) snapshot"
            ),
            SQL(
                """partner.active AND partner.customer_rank > 0
                   AND NOT EXISTS (SELECT 1 FROM (%s) open_item
                                    WHERE open_item.partner_id = partner.id)""",
                balances,
            ),
        )
        return SQL("(%s) UNION ALL (%s)", with_open_items, without)

    @api.model
    def _customer_360_rows(self, columns, source, membership, partner_ids=None):
        """The report's rows from ``source`` (which names the partners
        ``partner`` and their figures ``snapshot``), with the figures of
        ``columns`` (0 for the others), of the partners in ``membership``
        that the user may open, all or those of ``partner_ids``."""
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
              FROM %(source)s
             WHERE partner.id = partner.commercial_partner_id
               AND %(membership)s
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
                if name in columns
                else SQL(
                    "%s AS %s", None if name == "last_payment_date" else 0, SQL.identifier(name)
                )
                for name in SNAPSHOT_FIELDS
            ),
            source=source,
            membership=membership,
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
        """Compute only what the search needs.

        Reading rows (a page of the list, a form) searches ``[("id", "in",
        ids)]``: the statement then aggregates these customers' journal items
        instead of everyone's, with the same result since each row depends on
        its customer only. A search that sorts and filters by open item
        figures alone (the list's default: open balance, by overdue amount)
        computes those figures from the open item summary, and
        ``_fetch_query`` reads the page it selected in full: the first pages
        by overdue amount from the customers who may owe the most
        (``_search_most_overdue``), a count the web client limits (10,000)
        customer by customer until it has enough, anything else for every
        customer at once.
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
        else:
            # no order: a count, or a search that does not sort
            columns = self._open_item_search_columns(domain, order)
            if columns is not None and limit and not order:
                columns = self._counting_columns(columns)
            elif columns is not None and limit and self._ranks_by_overdue(order):
                page = self._search_most_overdue(domain, offset, limit, order, columns)
                if page is not None:
                    return page
            if columns is not None:
                report = self.with_context(crm_customer_360_search_columns=columns)
        query = super(CrmCustomer360, report)._search(
            domain, offset=offset, limit=limit, order=order
        )
        if report is not self and "crm_customer_360_search_columns" in report.env.context:
            query.crm_customer_360_page_only = True
        return query

    @api.model
    def _counting_columns(self, columns):
        """The figures of a limited search without order (the web client's
        count, limited to 10,001): the balance alone from the kept totals
        when no open item is outside the companies the report reads (the
        totals add every company's) and the customers changed since the
        fold are not too many; else each customer's figures apart, until
        the limit is reached."""
        if columns <= {"receivable_balance"} and self._kept_balances_complete():
            # the marks come from the triggers: pending writes first
            self.env["partner.financial.snapshot"]._flush_snapshot_sources()
            fresh_ids = self.env.execute_query(owed_totals.marked())
            if len(fresh_ids) <= owed_totals.MARKED_LIMIT:
                kept = _KeptBalanceColumns(columns)
                kept.fresh_ids = [row[0] for row in fresh_ids]
                return kept
        return _OpenItemColumnsPerCustomer(columns)

    @api.model
    def _kept_balances_complete(self):
        """Whether the kept balances (``queries.owed_totals``), which add
        every company's open items, are the balances of the books this
        report reads: no open item is outside the current company group."""
        snapshot = self.env["partner.financial.snapshot"]
        snapshot._flush_snapshot_sources()
        ((outside,),) = self.env.execute_query(
            open_item_summary.outside_companies(snapshot._company_scope(SQL("company.id")))
        )
        return not outside

    @api.model
    def _ranks_by_overdue(self, order):
        """Whether ``order`` sorts by overdue amount first, largest first."""
        first = (order or "").split(",")[0].split()
        return len(first) >= 2 and first[0] == "overdue_amount" and first[1].lower() == "desc"

    @api.model
    def _search_most_overdue(self, domain, offset, limit, order, columns, candidates=None):
        """The page of a search sorted by overdue amount, largest first, from
        the customers who owe the most in all (``queries.owed_totals``), or
        None when that cannot prove the page (then every customer is computed).

        A customer's overdue amount is at most what it owes in all. The
        candidates are the customers of largest owed totals and every
        customer changed since the totals were last updated; their exact
        figures are computed and sorted. The page is theirs when its last
        row is more overdue than the largest total left out: no other
        customer can rank before it. Two queries whatever the customers.
        ``candidates``: how many of the largest totals to take (by default
        four times the rows asked, at least 400).
        """
        wanted = offset + limit
        if wanted > 1000:
            return None
        self.env["partner.financial.snapshot"]._flush_snapshot_sources()
        rows = self.env.execute_query(owed_totals.candidates(candidates or max(4 * wanted, 400)))
        bound = rows[-1][1]
        if sum(1 for _partner_id, owed in rows[:-1] if owed is None) > owed_totals.MARKED_LIMIT:
            return None
        candidates = [partner_id for partner_id, _owed in rows[:-1]]
        report = self.with_context(
            crm_customer_360_search_columns=columns, crm_customer_360_ids=candidates
        )
        query = super(CrmCustomer360, report)._search(domain, limit=wanted, order=order)
        ranked = self.env.execute_query(
            query.select(
                SQL.identifier(query.table, "id"), SQL.identifier(query.table, "overdue_amount")
            )
        )
        if len(ranked) < wanted or ranked[-1][1] <= max(bound, 0):
            return None
        page = self.browse([id_ for id_, _overdue in ranked[offset:]])._as_query()
        page.crm_customer_360_page_only = True
        return page

    @api.model
    def _open_item_search_columns(self, domain, order):
        """The open item figures ``domain`` and ``order`` use, or None when
        they use anything else (then the search computes every figure)."""
        if self.env.context.get("crm_customer_360_full"):
            return None
        names = {term.split()[0].split(".")[0] for term in (order or "").split(",") if term.strip()}
        for leaf in domain:
            if isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str):
                names.add(leaf[0].split(".")[0])
            elif not isinstance(leaf, str):
                return None
        if not names <= OPEN_ITEM_SEARCH_FIELDS:
            return None
        return _OpenItemColumns(names & set(RECEIVABLE_FIELDS))

    def _fetch_query(self, query, fields):
        """Read the page a search of open item figures selected, in full
        (see ``_search``), in the order that search gave it.

        Every column, whichever were asked: they all come from the same
        statement, which costs as much for one as for all, and a column
        left out would cost the whole statement again when first read (the
        list read the page twice that way).
        """
        self._disable_jit()
        fields = [
            *fields,
            *(
                field
                for field in self._fields.values()
                if field.store and field.column_type and field not in fields
            ),
        ]
        if getattr(query, "crm_customer_360_page_only", False):
            ids = list(query)
            page = super()._fetch_query(self._search([("id", "in", ids)]), fields)
            fetched = set(page._ids)
            return self.browse([id_ for id_ in ids if id_ in fetched])
        return super()._fetch_query(query, fields)

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        """Group with every figure: the groups' totals are of all figures."""
        return super(CrmCustomer360, self.with_context(crm_customer_360_full=True))._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )

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

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_dashboard_counts(self):
        """Count the records each stat button opens, one query per model for the batch.

        Counted as the user, with the domains the buttons open: a salesperson
        who sees their own documents only counts their own.
        """
        partner_ids = self.partner_id.ids
        invoices = self._dashboard_group("account.move", self._invoice_domain(partner_ids))
        leads = self._dashboard_group(
            "crm.lead", self._opportunity_domain(partner_ids), ["expected_revenue:sum"]
        )
        orders = self._dashboard_group("sale.order", self._order_domain(partner_ids))
        for row in self:
            partner_id = row.partner_id.id
            row.invoice_count = invoices.get(partner_id, (0,))[0]
            row.opportunity_count, row.pipeline_amount = leads.get(partner_id, (0, 0.0))
            row.order_count = orders.get(partner_id, (0,))[0]

    def _dashboard_group(self, model_name, domain, aggregates=()):
        """Return ``{commercial partner id: (count, *aggregates)}`` of the
        records of ``model_name`` in ``domain`` that the user may read.

        Amounts are converted from each company's currency into the current
        company's (opportunities' expected revenue is in their company's).
        """
        model = self.env[model_name]
        if not model.has_access("read"):
            return {}
        company = self.env.company
        today = fields.Date.context_today(self)
        totals = {}
        groups = model._read_group(domain, ["partner_id", "company_id"], ["__count", *aggregates])
        for partner, record_company, count, *amounts in groups:
            commercial_id = partner.commercial_partner_id.id
            source_currency = record_company.currency_id or company.currency_id
            amounts = [
                source_currency._convert(amount or 0.0, company.currency_id, company, today)
                for amount in amounts
            ]
            previous = totals.get(commercial_id, (0, *[0.0] * len(amounts)))
            totals[commercial_id] = tuple(
                left + right for left, right in zip(previous, (count, *amounts), strict=True)
            )
        return totals

    @api.model
    def _invoice_domain(self, partner_ids):
        """Posted customer invoices and credit notes of the customers, in
        the current company's group (the snapshot's books)."""
        return [
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("commercial_partner_id", "in", partner_ids),
            ("company_id", "child_of", self.env.company.root_id.id),
        ]

    @api.model
    def _opportunity_domain(self, partner_ids):
        """Open opportunities of the customers: active (not lost) and not in
        a won stage, as Odoo's own pipeline counts them."""
        return [
            ("type", "=", "opportunity"),
            ("partner_id.commercial_partner_id", "in", partner_ids),
            "|",
            ("stage_id", "=", False),
            ("stage_id.is_won", "=", False),
        ]

    @api.model
    def _order_domain(self, partner_ids):
        """Open orders of the customers: quotations and confirmed orders
        not fully invoiced."""
        return [
            ("partner_id.commercial_partner_id", "in", partner_ids),
            ("state", "in", ("draft", "sent", "sale")),
            ("invoice_status", "!=", "invoiced"),
        ]

    @api.depends_context("company", "lang")
    def _compute_monthly_charts(self):
        """Render the revenue and payment charts of the batch from one query."""
        months = self.env["crm.order.cash.cycle"]._cycle_chart_months(
            fields.Date.context_today(self)
        )
        figures = self._customer_360_monthly_figures(self.partner_id.ids, months[0])
        labels = {month: format_date(self.env, month, date_format="MMM yy") for month in months}
        for row in self:
            row_figures = figures.get(row.partner_id.id, {})
            row.revenue_chart = row._render_revenue_chart(labels, row_figures)
            row.payment_chart = row._render_payment_chart(labels, row_figures)

    @api.model
    def _customer_360_monthly_figures(self, partner_ids, first_month):
        """Return ``{partner id: {month: figures}}`` for the charts.

        The snapshot's ``_read_monthly``; an addon adds its own keys to the
        figures (``margin``: sale_margin_customer), which the revenue chart
        shows when any customer of the batch has them.
        """
        return self.env["partner.financial.snapshot"]._read_monthly(partner_ids, first_month)

    def _render_revenue_chart(self, labels, figures):
        """One bar per month (``labels``: month: label) of the revenue, and
        of the margin beside it when the figures have one, scaled on the
        largest amount."""
        currency = self.currency_id or self.env.company.currency_id
        show_margin = any("margin" in month for month in figures.values())
        largest = max(
            (
                abs(month.get(key) or 0.0)
                for month in figures.values()
                for key in ("revenue", "margin")
            ),
            default=0.0,
        )

        def height(amount):
            return round(90.0 * amount / largest, 2) if amount and amount > 0 and largest else 0

        bars = []
        for month, label in labels.items():
            values = figures.get(month, {})
            revenue = values.get("revenue", 0.0)
            margin = values.get("margin", 0.0)
            title = self.env._(
                "%(month)s: revenue %(revenue)s",
                month=label,
                revenue=format_amount(self.env, revenue, currency),
            )
            if show_margin:
                title = self.env._(
                    "%(month)s: revenue %(revenue)s, margin %(margin)s",
                    month=label,
                    revenue=format_amount(self.env, revenue, currency),
                    margin=format_amount(self.env, margin, currency),
                )
            bars.append(
                {
                    "label": label,
                    "title": title,
                    "revenue_height": height(revenue),
                    "margin_height": height(margin),
                }
            )
        total_revenue = sum(month.get("revenue", 0.0) for month in figures.values())
        return self.env["ir.qweb"]._render(
            "crm_accounting_bridge.customer_360_revenue_chart",
            {
                "bars": bars if largest else [],
                "show_margin": show_margin,
                "total_revenue": format_amount(self.env, total_revenue, currency),
                "total_margin": format_amount(
                    self.env, sum(month.get("margin", 0.0) for month in figures.values()), currency
                ),
            },
        )

    def _render_payment_chart(self, labels, figures):
        """One bar per month of full payment (``labels``: month: label): its
        height the share of invoices paid late, above it the average days
        paid after the due date (negative: early)."""
        bars = []
        for month, label in labels.items():
            values = figures.get(month, {})
            paid = values.get("paid_count", 0)
            late_rate = values.get("late_rate", 0.0)
            delay = values.get("avg_delay", 0.0)
            bars.append(
                {
                    "label": label,
                    "paid": paid,
                    "delay": str(round(delay)) if paid else "",
                    "height": round(90.0 * late_rate, 2) if paid else 0,
                    "title": self.env._(
                        "%(month)s: %(paid)s invoices paid in full, %(late)s%% late, "
                        "%(delay)s days after the due date on average",
                        month=label,
                        paid=paid,
                        late=round(100 * late_rate),
                        delay=round(delay, 1),
                    )
                    if paid
                    else self.env._("%(month)s: no invoice paid in full", month=label),
                }
            )
        return self.env["ir.qweb"]._render(
            "crm_accounting_bridge.customer_360_payment_chart",
            {"bars": bars if any(bar["paid"] for bar in bars) else []},
        )

    def _dashboard_action(self, model_name, xml_id, domain, context, title):
        """The action of a stat button: the records it counts, under the
        reader's own access rules (refused clearly without read access)."""
        self.ensure_one()
        self.env[model_name].check_access("read")
        action = self.env["ir.actions.actions"]._for_xml_id(xml_id)
        action.update(domain=domain, context=context, display_name=title)
        return action

    def action_view_invoices(self):
        """Open the invoices and credit notes that ``invoice_count`` counts."""
        return self._dashboard_action(
            "account.move",
            "account.action_move_out_invoice_type",
            self._invoice_domain(self.partner_id.ids),
            {"default_move_type": "out_invoice", "create": False},
            self.env._("Invoices of %(partner)s", partner=self.partner_id.display_name),
        )

    def action_view_overdue_invoices(self):
        """Open the entries that ``overdue_invoice_count`` counts."""
        self.ensure_one()
        return self.partner_id.action_view_overdue_invoices()

    def action_view_customer_payments(self):
        """Open the customer's confirmed payments."""
        self.ensure_one()
        return self.partner_id.action_view_customer_payments()

    def action_view_opportunities(self):
        """Open the opportunities that ``opportunity_count`` counts."""
        return self._dashboard_action(
            "crm.lead",
            "crm.crm_lead_opportunities",
            self._opportunity_domain(self.partner_id.ids),
            {"default_type": "opportunity", "default_partner_id": self.partner_id.id},
            self.env._("Open opportunities of %(partner)s", partner=self.partner_id.display_name),
        )

    def action_view_orders(self):
        """Open the quotations and orders that ``order_count`` counts."""
        return self._dashboard_action(
            "sale.order",
            "sale.action_quotations_with_onboarding",
            self._order_domain(self.partner_id.ids),
            {"default_partner_id": self.partner_id.id},
            self.env._("Open orders of %(partner)s", partner=self.partner_id.display_name),
        )

    def action_view_cash_cycles(self):
        """Open the order-to-cash report on the customer's cycles."""
        self.ensure_one()
        return self.partner_id.action_view_cash_cycles()

    def action_open_partner(self):
        """Open the customer's form, where the Customer 360 page lives."""
        self.ensure_one()
        return self.partner_id.action_open_customer_360()
