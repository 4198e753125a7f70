# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from ..queries import cash_cycle_facts
from ..queries.cash_cycle import CASH_CYCLE_SOURCES, CycleScope, cash_cycle

# The aggregate of the ``*_median`` fields: Odoo's read_group has none, the
# report adds it (see ``_read_group_select``).
MEDIAN = "median"


def _days_field(steps, help_text, median=False):
    """A day count of a cycle between ``steps``: its mean, or its median
    with ``median``."""
    return fields.Float(
        string=f"{steps} (days, median)" if median else f"{steps} (days)",
        digits=(16, 1),
        readonly=True,
        aggregator=MEDIAN if median else "avg",
        help=help_text,
    )


class CrmOrderCashCycle(models.Model):
    """The order-to-cash cycle of won opportunities, from won to paid.

    One row per opportunity that is active and in a won stage, whether it
    was won in Odoo or arrived won from an external CRM: when it was won,
    when its first order was created and confirmed, when its first invoice
    was posted and when its invoices were fully paid, the days between these
    steps, and the amounts ordered, invoiced, paid and still due. Computed at
    read time from the opportunities, sale orders and posted entries (see
    ``queries.cash_cycle``), so that a payment shows at the next read.

    Each day count has a median twin whose aggregate is computed per group
    in SQL: a median of medians would be no median.
    """

    _name = "crm.order.cash.cycle"
    _description = "Order to Cash Cycle"
    _auto = False
    _rec_name = "opportunity_id"
    _order = "date_won desc, id desc"
    _depends = CASH_CYCLE_SOURCES

    opportunity_id = fields.Many2one("crm.lead", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    source = fields.Char(
        readonly=True,
        help="Where the opportunity was won: Odoo, or the external CRM that sent it.",
    )
    date_won = fields.Date(
        string="Won On",
        readonly=True,
        help="The last time the opportunity reached a won stage (won again after being "
        "reopened: the second time).",
    )
    date_ordered = fields.Date(
        string="First Order On",
        readonly=True,
        help="Creation of its first sale order that is not cancelled.",
    )
    date_confirmed = fields.Date(
        string="Confirmed On", readonly=True, help="Confirmation of its first confirmed order."
    )
    date_invoiced = fields.Date(
        string="First Invoice On",
        readonly=True,
        help="Invoice date of the first posted customer invoice of its orders.",
    )
    date_paid = fields.Date(
        string="Paid On",
        readonly=True,
        help="Date of the last payment matched with its invoices, once something was "
        "invoiced and nothing is due on the invoices and credit notes of its orders. "
        "Empty while the cycle is open.",
    )
    days_to_order = _days_field(
        "Won to Order",
        "Days from won to the first order created; 0 when the quotation came first.",
    )
    days_to_order_median = _days_field(
        "Won to Order", "Median of the days from won to the first order.", median=True
    )
    days_to_confirm = _days_field(
        "Order to Confirmation", "Days from the first order to the first confirmation."
    )
    days_to_confirm_median = _days_field(
        "Order to Confirmation",
        "Median of the days from the first order to the first confirmation.",
        median=True,
    )
    days_to_invoice = _days_field(
        "Confirmation to Invoice", "Days from the first confirmation to the first invoice."
    )
    days_to_invoice_median = _days_field(
        "Confirmation to Invoice",
        "Median of the days from the first confirmation to the first invoice.",
        median=True,
    )
    days_to_pay = _days_field("Invoice to Paid", "Days from the first invoice to the full payment.")
    days_to_pay_median = _days_field(
        "Invoice to Paid",
        "Median of the days from the first invoice to the full payment.",
        median=True,
    )
    days_won_to_paid = _days_field(
        "Won to Paid", "Days from won to the full payment: the whole cycle."
    )
    days_won_to_paid_median = _days_field(
        "Won to Paid", "Median of the days from won to the full payment.", median=True
    )
    days_open = fields.Integer(
        string="Open for (days)",
        readonly=True,
        aggregator="max",
        help="Days since won of a cycle not fully paid yet; grouped: the oldest.",
    )
    amount_ordered = fields.Monetary(
        readonly=True, help="Total of its orders that are not cancelled, taxes included."
    )
    amount_invoiced = fields.Monetary(
        readonly=True, help="Posted invoices of its orders minus their posted credit notes."
    )
    amount_paid = fields.Monetary(
        readonly=True, help="Invoiced minus still due: what the customer settled."
    )
    amount_due = fields.Monetary(
        string="Still Due", readonly=True, help="What remains to be paid on its invoices."
    )

    def init(self):
        """Create the kept facts of orders and invoices and their triggers
        (``queries.cash_cycle_facts``).

        On install, and on the upgrade that brings them to a database with
        history, the table is filled in one statement; afterwards the
        triggers keep it, and upgrades only replace the functions.
        """
        res = super().init()
        cr = self.env.cr
        new = not table_exists(cr, cash_cycle_facts.TABLE)
        cr.execute(cash_cycle_facts.install())
        if new:
            self._flush_cycle_sources()
            cr.execute(cash_cycle_facts.build())
        return res

    @api.model
    def _cycle_facts_differences(self, limit=20):
        """Return ``(count, rows)``: how many kept facts of orders and
        invoices disagree with a full recomputation, and the first ``limit``
        of them (see ``queries.cash_cycle_facts.differences``).

        Zero means the kept facts are exact. The tests check it after every
        scenario; ``tools/open_items_check.py`` checks a database.
        """
        self.env.flush_all()
        rows = self.env.execute_query_dict(cash_cycle_facts.differences(limit))
        return (rows[0]["total"] if rows else 0), rows

    @api.model
    def _rebuild_cycle_facts(self):
        """Fill the kept facts again from the orders and invoices: for a
        database where they were changed by hand; never needed otherwise."""
        self.env.flush_all()
        self.env.cr.execute(cash_cycle_facts.build())

    @property
    def _table_query(self):
        return self._cash_cycle_query()

    @api.model
    def _cash_cycle_query(self, partner_ids=None, convert=True):
        """The report's rows: every won opportunity, or those of the
        commercial entities ``partner_ids`` only.

        Orders and their invoices count in the active companies. Amounts are
        in the company currency, converted into the current company's when
        the active companies have other currencies (Odoo's currency table,
        as ``sale.report`` does), so that totals never add up different
        currencies. Callers that read no amount pass ``convert=False``:
        no currency table is made.
        """
        companies = self.env.companies
        currency = self.env["res.currency"]
        currency_table = None
        if convert and not currency._check_currency_table_monocurrency(companies):
            currency_table = currency._get_simple_currency_table(companies)
        return cash_cycle(
            CycleScope(
                tz=self._cycle_tz(),
                today=fields.Date.context_today(self),
                partner_ids=partner_ids,
                company_ids=companies.ids,
                source=self._source_sql,
                currency_table=currency_table,
                currency_id=self.env.company.currency_id.id,
            )
        )

    @api.model
    def _cycle_tz(self):
        """The time zone in which won, order and confirmation times become
        dates: the user's, as the web client sends it."""
        tz = self.env.context.get("tz") or self.env.user.tz
        return tz if tz in pytz.all_timezones_set else "UTC"

    @api.model
    def _source_sql(self, lead_id):
        """Return the SQL expression naming the source of an opportunity.

        ``lead_id`` is the SQL of the opportunity's id. Opportunities won in
        Odoo say "Odoo"; a connector overrides this hook to name the
        external CRM that sent the opportunity. The expression is
        evaluated once per won opportunity: a lookup by index, not a scan.
        """
        return SQL("CAST(%s AS varchar)", "Odoo")

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Add the ``median`` aggregate: the median of each group, in SQL.

        Odoo's aggregates stop at ``avg``; pivot, graph and grouped lists ask
        ``<field>:<aggregator>`` of the fields' own aggregator, which is
        ``median`` for the ``*_median`` fields. NULL (a step that has not
        happened) is left out, as ``avg`` does.
        """
        if aggregate_spec != "__count":
            fname, property_name, func = parse_read_group_spec(aggregate_spec)
            if func == MEDIAN:
                field = self._fields.get(fname)
                if property_name or not field or field.type not in ("integer", "float"):
                    raise ValueError(f"Invalid aggregate method {func!r} for {aggregate_spec!r}.")
                return SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)",
                    self._field_to_sql(self._table, fname, query),
                )
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        self._disable_jit()
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _fetch_query(self, query, fields):
        self._disable_jit()
        return super()._fetch_query(query, fields)

    @api.model
    def _disable_jit(self):
        """Turn PostgreSQL's JIT compilation off for the rest of the transaction.

        As for the Customer 360 list: the statement aggregates every won
        opportunity's orders and invoices, far above the cost thresholds of
        JIT compilation, which would cost more than it saves. SET LOCAL ends
        with the transaction (a request).
        """
        self.env.cr.execute("SET LOCAL jit = off")

    @api.model
    def _flush_cycle_sources(self):
        """Write pending ORM changes the statement reads (``_depends``, with
        what extensions of ``_source_sql`` read) before running it directly."""
        for model_name, field_names in self._depends.items():
            self.env[model_name].flush_model(field_names)

    @api.model
    def _read_customer_cycles(self, partner_ids, since):
        """Return the cycles of the commercial entities ``partner_ids`` in one query.

        ``{partner id: {"won": count, "paid": count, "median": median days
        won to paid or None, "months": {first day of month: same keys}}}``,
        all time, and per month of won since ``since``. Rows of the active
        companies only (and of opportunities of no company), as the
        report's rule shows them. No amount is read: nothing to convert.

        Raw SQL because the report's rows are its statement: a read_group
        would compute every customer's cycles to keep those few.
        """
        if not partner_ids:
            return {}
        self._flush_cycle_sources()
        rows = self.env.execute_query(
            SQL(
                """
                WITH cycle AS MATERIALIZED (
                    SELECT partner_id, date_won, date_paid, days_won_to_paid
                      FROM (%(cycles)s) cycle
                     WHERE partner_id = ANY(%(partner_ids)s)
                       AND (company_id IS NULL OR company_id = ANY(%(company_ids)s))
                )
                SELECT partner_id, NULL::date, count(*), count(date_paid),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_won_to_paid)
                  FROM cycle
              GROUP BY partner_id
             UNION ALL
                SELECT partner_id, date_trunc('month', date_won)::date, count(*),
                       count(date_paid),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_won_to_paid)
                  FROM cycle
                 WHERE date_won >= %(since)s
              GROUP BY partner_id, date_trunc('month', date_won)
                """,
                cycles=self._cash_cycle_query(partner_ids, convert=False),
                partner_ids=list(partner_ids),
                company_ids=self.env.companies.ids,
                since=since,
            )
        )
        result = {}
        for partner_id, month, won, paid, median in rows:
            figures = {"won": won, "paid": paid, "median": median}
            customer = result.setdefault(partner_id, {"months": {}})
            if month is None:
                customer.update(figures)
            else:
                customer["months"][month] = figures
        return result

    @api.model
    def _cycle_chart_months(self, today):
        """The first days of the last twelve months, the current one last."""
        first = today.replace(day=1)
        return [first - relativedelta(months=back) for back in range(11, -1, -1)]
