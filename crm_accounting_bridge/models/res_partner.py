# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import float_round, format_amount, format_date

from .partner_financial_snapshot import SNAPSHOT_AMOUNT_FIELDS, SNAPSHOT_FIELDS

# Aging fields, oldest last, with the colour of their part of the aging bar.
AGING_BUCKETS = (
    ("aging_not_due", "bg-success"),
    ("aging_1_30", "bg-info"),
    ("aging_31_60", "bg-warning"),
    ("aging_61_90", "bg-danger"),
    ("aging_over_90", "bg-dark"),
)


def _amount(value, currency):
    return currency.round(float(value or 0.0))


def _same(value, _currency):
    return value


# How each computed snapshot value is stored in the ORM cache.
# Our figures and judgement of a customer are for internal users: a
# customer's portal user reads its own company's partner record.
FIGURE_GROUPS = "base.group_user"
SNAPSHOT_CACHE_FORMAT = {
    **dict.fromkeys(SNAPSHOT_FIELDS, _same),
    **dict.fromkeys((*SNAPSHOT_AMOUNT_FIELDS, "credit_available"), _amount),
    # the field has one decimal, like its value once assigned
    "avg_payment_delay_days": lambda value, _currency: float_round(
        float(value or 0.0), precision_digits=1
    ),
    "late_payment_rate": lambda value, _currency: float(value or 0.0),
    "paid_invoice_count": lambda value, _currency: int(value or 0),
    "overdue_invoice_count": lambda value, _currency: int(value or 0),
    "oldest_overdue_days": lambda value, _currency: int(value or 0),
    "last_payment_date": lambda value, _currency: value or None,
    "financial_currency_id": _same,
    "credit_limit_applies": lambda value, _currency: bool(value),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The snapshot is deliberately not stored: accounting is the source of
    # truth, and a payment must show at the next read. The fields are for
    # internal users (FIGURE_GROUPS), not for accounting groups only, so that
    # salespeople read the aggregates; the documents behind them keep their
    # own access rules.
    financial_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Currency of the current company, in which the snapshot is expressed.",
    )
    receivable_balance = fields.Monetary(
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
        help="Open receivable residual: invoices minus credit notes minus "
        "payments not yet allocated, from posted entries.",
    )
    overdue_amount = fields.Monetary(
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
        help="Open receivable residual of the items whose due date is past.",
    )
    # invoices as the customer sees them: an opening balance or a bounced
    # cheque is an invoice still owed
    overdue_invoice_count = fields.Integer(
        string="Overdue Invoices",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Number of posted entries the customer owes past their due date: "
        "invoices, and other receivable entries such as opening balances or "
        "reversed payments (bounced cheques). Credit notes and payments not "
        "yet allocated do not count.",
    )
    oldest_overdue_days = fields.Integer(
        string="Oldest Overdue (days)",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Days past due of the oldest amount owed past its due date, from "
        "the same entries as the overdue invoices.",
    )
    revenue_ltm = fields.Monetary(
        string="Revenue (12 months)",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
        help="Untaxed amount of the posted invoices of the last 365 days, net of credit notes.",
    )
    avg_payment_delay_days = fields.Float(
        string="Average Payment Delay (days)",
        digits=(16, 1),
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Mean of full payment date minus due date over the invoices fully "
        "paid in the last 365 days; negative when the customer pays early.",
    )
    late_payment_rate = fields.Float(
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Share (0 to 1) of the invoices fully paid in the last 365 days "
        "that were paid after their due date.",
    )
    # the delay and the rate are 0 without any paid invoice: this count says
    # whether they have a value at all
    paid_invoice_count = fields.Integer(
        string="Invoices Paid (12 months)",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Invoices fully paid in the last 365 days, from which the average "
        "payment delay and the late payment rate are computed; without any, "
        "they have no value (no payment yet).",
    )
    last_payment_date = fields.Date(
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="Date of the last payment or bank transaction received; a "
        "payment whose entry was reversed (a bounced cheque) does not count.",
    )
    aging_not_due = fields.Monetary(
        string="Not Due",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
    )
    aging_1_30 = fields.Monetary(
        string="1-30 Days",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
    )
    aging_31_60 = fields.Monetary(
        string="31-60 Days",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
    )
    aging_61_90 = fields.Monetary(
        string="61-90 Days",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
    )
    aging_over_90 = fields.Monetary(
        string="Over 90 Days",
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
    )
    credit_limit_applies = fields.Boolean(
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        help="The company uses credit limits and one applies to this customer.",
    )
    credit_available = fields.Monetary(
        compute="_compute_financial_snapshot",
        groups=FIGURE_GROUPS,
        currency_field="financial_currency_id",
        help="Credit limit minus receivable balance minus confirmed sale orders "
        "not yet invoiced. Meaningful only when a credit limit applies.",
    )
    aging_bar = fields.Html(
        string="Aging",
        compute="_compute_aging_bar",
        groups=FIGURE_GROUPS,
        sanitize=False,
        help="Open receivable split by days past due.",
    )
    customer_payment_count = fields.Integer(
        string="Customer Payments",
        compute="_compute_customer_payment_count",
        groups=FIGURE_GROUPS,
    )
    customer_360_listed = fields.Boolean(
        string="Listed in Customer 360",
        compute="_compute_customer_360_listed",
        groups=FIGURE_GROUPS,
        help="Customer 360 lists the commercial entity (a customer, or a partner "
        "with open items): its dashboard exists.",
    )
    # An aggregate of the customer's won opportunities, for salespeople like
    # the snapshot; the order-to-cash report itself is for managers.
    cash_cycle_paid_count = fields.Integer(
        string="Paid Cycles",
        compute="_compute_cash_cycle",
        groups=FIGURE_GROUPS,
        help="Won opportunities of the customer whose invoices are fully paid.",
    )
    cash_cycle_median_days = fields.Float(
        string="Median Won to Paid (days)",
        digits=(16, 1),
        compute="_compute_cash_cycle",
        groups=FIGURE_GROUPS,
        help="Median of the days from won to fully paid over the customer's paid "
        "opportunities, in the active companies.",
    )
    cash_cycle_chart = fields.Html(
        string="Cycles of the Last 12 Months",
        compute="_compute_cash_cycle",
        groups=FIGURE_GROUPS,
        sanitize=False,
        help="Per month of won: the median days from won to paid, and the cycles still open.",
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_financial_snapshot(self):
        """Fill the snapshot of every partner of the batch with one query.

        A contact shows the figures of its commercial entity.
        """
        snapshot_model = self.env["partner.financial.snapshot"]
        # a customer being edited (an onchange) is a copy of the saved one:
        # it shows the figures of the saved customer
        commercial_partners = self.commercial_partner_id._origin
        snapshots, credit_figures = snapshot_model._read_figures(commercial_partners.ids)
        currency = self.env.company.currency_id
        empty = snapshot_model._empty_snapshot()
        rows = []
        for partner in self:
            commercial_id = partner.commercial_partner_id._origin.id
            values = dict(empty, **snapshots.get(commercial_id, {}))
            limit, to_invoice = credit_figures.get(commercial_id, (0.0, 0.0))
            values.update(
                financial_currency_id=currency.id,
                credit_limit_applies=bool(limit),
                credit_available=(
                    limit - float(values["receivable_balance"]) - to_invoice if limit else 0.0
                ),
            )
            rows.append(values)
        # One cache update per field rather than one assignment per field and
        # partner: assigning 16 fields one by one costs more than the query.
        # The values are already in cache format: amounts rounded to the
        # company currency, many2one as ids.
        for name, convert in SNAPSHOT_CACHE_FORMAT.items():
            self.env.cache.update(
                self,
                self._fields[name],
                [convert(row[name], currency) for row in rows],
            )

    def _credit_figures(self, commercial_partners):
        """Return ``{partner id: (credit limit, sales to invoice)}`` of the
        partners under a credit limit (``partner.financial.snapshot._read_credit``),
        so that the snapshot agrees with the credit warning of sale orders."""
        return self.env["partner.financial.snapshot"]._read_credit(commercial_partners.ids)

    @api.depends(*(bucket for bucket, _css in AGING_BUCKETS))
    @api.depends_context("company", "lang")
    def _compute_aging_bar(self):
        """Render the open receivable as one stacked bar, one part per bucket.

        Credits (unallocated payments, credit notes) are left out of the bar:
        a bar shows what is owed and how late it is.
        """
        qweb = self.env["ir.qweb"]
        for partner in self:
            currency = partner.financial_currency_id
            buckets = [
                (name, css, partner[name])
                for name, css in AGING_BUCKETS
                if currency.compare_amounts(partner[name], 0) > 0
            ]
            total = sum(amount for _name, _css, amount in buckets)
            partner.aging_bar = qweb._render(
                "crm_accounting_bridge.aging_bar",
                {
                    "buckets": [
                        {
                            "css": css,
                            # "Not Due: 1,000.00 DH"; in French, a space before the colon
                            "text": self.env._(
                                "%(bucket)s: %(amount)s",
                                bucket=self._fields[name]._description_string(self.env),
                                amount=format_amount(self.env, amount, currency),
                            ),
                            "width": round(100.0 * amount / total, 2),
                        }
                        for name, css, amount in buckets
                    ],
                },
            )

    @api.depends("commercial_partner_id")
    @api.depends_context("company", "allowed_company_ids", "tz", "lang")
    def _compute_cash_cycle(self):
        """The customer's median won to paid days and its chart, one query per batch.

        The rows of the order-to-cash report (``crm.order.cash.cycle``) of
        the commercial entity, in the active companies.
        """
        cycle_model = self.env["crm.order.cash.cycle"]
        months = cycle_model._cycle_chart_months(fields.Date.context_today(self))
        commercial_partners = self.commercial_partner_id._origin
        # raw SQL over the report's statement: an aggregate for salespeople,
        # like the snapshot; reading the report itself is for managers
        cycles = cycle_model._read_customer_cycles(commercial_partners.ids, months[0])
        labels = {month: format_date(self.env, month, date_format="MMM yy") for month in months}
        for partner in self:
            figures = cycles.get(partner.commercial_partner_id._origin.id, {})
            partner.cash_cycle_paid_count = figures.get("paid", 0)
            partner.cash_cycle_median_days = figures.get("median") or 0.0
            partner.cash_cycle_chart = self._render_cash_cycle_chart(
                labels, figures.get("months", {})
            )

    def _render_cash_cycle_chart(self, labels, figures):
        """One bar per month of won (``labels``: month: its label, in their
        order): the median days from won to paid of the cycles won that month
        and paid, scaled on the longest month, and a mark for the cycles
        still open."""
        longest = max((month["median"] or 0 for month in figures.values()), default=0)
        bars = []
        for month, label in labels.items():
            values = figures.get(month, {"won": 0, "paid": 0, "median": None})
            median = values["median"]
            bars.append(
                {
                    "label": label,
                    "days": "" if median is None else str(round(median)),
                    "height": round(90.0 * median / longest, 2) if median and longest else 0,
                    "open": values["won"] - values["paid"],
                    "title": self.env._(
                        "%(month)s: %(won)s won, %(paid)s paid, %(open)s open",
                        month=label,
                        won=values["won"],
                        paid=values["paid"],
                        open=values["won"] - values["paid"],
                    ),
                }
            )
        return self.env["ir.qweb"]._render(
            "crm_accounting_bridge.cash_cycle_chart",
            {"bars": bars if figures else []},
        )

    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_customer_payment_count(self):
        """Count the payments that ``action_view_customer_payments`` lists.

        Both read ``_customer_payment_domain``.
        """
        # a partner being created has no payments yet
        commercial_partners = self.commercial_partner_id._origin
        # sudo: a count shown on a smart button; the list it opens keeps the
        # payment access rules.
        groups = (
            self.env["account.payment"]
            .sudo()
            ._read_group(
                domain=commercial_partners._customer_payment_domain(),
                groupby=["partner_id"],
                aggregates=["__count"],
            )
        )
        counts = {}
        for partner_sudo, count in groups:
            commercial_id = partner_sudo.commercial_partner_id.id
            counts[commercial_id] = counts.get(commercial_id, 0) + count
        for partner in self:
            partner.customer_payment_count = counts.get(partner.commercial_partner_id._origin.id, 0)

    @api.depends("commercial_partner_id", "customer_rank")
    @api.depends_context("company")
    def _compute_customer_360_listed(self):
        """One search of the report's rows for the batch, by id (see
        ``crm.customer.360._search``: only these customers are computed)."""
        commercial_ids = self.commercial_partner_id._origin.ids
        listed = set(self.env["crm.customer.360"].search([("id", "in", commercial_ids)]).ids)
        for partner in self:
            partner.customer_360_listed = partner.commercial_partner_id._origin.id in listed

    def action_view_overdue_invoices(self):
        """Open the entries that ``overdue_invoice_count`` counts.

        Every type of entry, not only invoices: an opening balance or a
        reversed payment is owed as much as an invoice, and the button must
        not say 2 and list 1.
        """
        self.ensure_one()
        self.env["account.move"].check_access("read")
        action = self.env["ir.actions.actions"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = self._overdue_move_domain()
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        action["display_name"] = self.env._(
            "Overdue receivables of %(partner)s",
            partner=self.commercial_partner_id.display_name,
        )
        return action

    def action_view_customer_payments(self):
        """Open the payments that ``customer_payment_count`` counts."""
        self.ensure_one()
        self.env["account.payment"].check_access("read")
        action = self.env["ir.actions.actions"]._for_xml_id("account.action_account_payments")
        action["domain"] = self._customer_payment_domain()
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_cash_cycles(self):
        """Open the order-to-cash report on the customer's cycles."""
        self.ensure_one()
        self.env["crm.order.cash.cycle"].check_access("read")
        action = self.env["ir.actions.actions"]._for_xml_id(
            "crm_accounting_bridge.crm_order_cash_cycle_action"
        )
        action["context"] = {"search_default_partner_id": self.commercial_partner_id.id}
        action["display_name"] = self.env._(
            "Order to cash of %(partner)s", partner=self.commercial_partner_id.display_name
        )
        return action

    def action_open_customer_360(self):
        """Open the customer's form on its Customer 360 page."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.commercial_partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_customer_360_dashboard(self):
        """Open the Customer 360 dashboard of the commercial entity, or its
        form's Customer 360 page when the dashboard does not list it (a
        prospect without invoices yet)."""
        self.ensure_one()
        customer = self.commercial_partner_id
        if not self.env["crm.customer.360"].search_count([("id", "in", customer.ids)]):
            return self.action_open_customer_360()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.customer.360",
            "res_id": customer.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "name": self.env._("Customer 360"),
        }

    def _overdue_move_domain(self):
        """Domain of the entries counted by ``overdue_invoice_count``.

        The rule of the snapshot's SQL (``_receivable_query`` without grace
        days), for a list: posted entries with an open receivable item of
        the commercial entity, owed (positive residual) and past its due
        date, or its date when it has none, in the companies the snapshot
        reads. The entry's own partner is not used: a miscellaneous entry
        (an opening balance) may have none.
        """
        root = self.env["partner.financial.snapshot"]._snapshot_company().root_id
        today = fields.Date.context_today(self)
        return [
            ("state", "=", "posted"),
            (
                "line_ids",
                "any",
                [
                    ("partner_id.commercial_partner_id", "in", self.commercial_partner_id.ids),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("company_id", "child_of", root.id),
                    ("reconciled", "=", False),
                    ("amount_residual", ">", 0),
                    "|",
                    ("date_maturity", "<", today),
                    "&",
                    ("date_maturity", "=", False),
                    ("date", "<", today),
                ],
            ),
        ]

    def _customer_payment_domain(self):
        """Domain of the payments counted by ``customer_payment_count`` and
        listed by ``action_view_customer_payments``, in one place so that the
        button and its list cannot disagree: confirmed customer payments
        (drafts and cancelled ones are no money received) of the current
        company's group, from any address of the commercial
        entities of ``self``. A subsidiary that is a company of its own is
        its own commercial entity, as in the snapshot: its payments are not
        its parent's.
        """
        return [
            ("partner_type", "=", "customer"),
            ("state", "in", ("in_process", "paid")),
            ("company_id", "child_of", self.env.company.root_id.id),
            ("partner_id.commercial_partner_id", "in", self.commercial_partner_id.ids),
        ]
