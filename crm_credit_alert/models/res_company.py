# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_compare, format_amount

from .figure_formatter import FigureFormatter

CREDIT_ALERT_LEVELS = [
    ("none", "No alert"),
    ("warning", "Credit warning"),
    ("block", "Credit blocked"),
]
# Severity of each level, to tell an escalation from a relief.
CREDIT_ALERT_SEVERITY = {"none": 0, "warning": 1, "block": 2}
# Largest number of days the policy stores (a PostgreSQL integer column).
MAX_POLICY_DAYS = 2**31 - 1
# Longest validity of a credit override: an exception to the policy, not a
# standing permission.
MAX_OVERRIDE_DAYS = 365


class ResCompany(models.Model):
    """The company's credit policy, and the rule that turns the bridge's
    figures into an alert level.

    Every screen and check of the addon (opportunities, quotations, the
    "Credit warning" and "Credit blocked" filters, the daily activities, the
    blocking of quotations and orders) asks the company, so that they can
    never disagree with each other.
    """

    _inherit = "res.company"

    credit_alert_grace_days = fields.Integer(
        default=0,
        help="Days past the due date before an open invoice counts as overdue for credit alerts.",
    )
    credit_alert_min_overdue_amount = fields.Monetary(
        string="Credit Alert Minimum Overdue Amount",
        currency_field="currency_id",
        default=0.0,
        help="Overdue amount from which the customer is alerted; a smaller "
        "overdue amount does not count.",
    )
    credit_alert_block_days = fields.Integer(
        default=60,
        help="Days overdue of the oldest counted overdue invoice from which the "
        "customer is blocked: no new quotation, no order confirmation.",
    )
    credit_alert_block_on_limit = fields.Boolean(
        string="Block Over Credit Limit",
        default=True,
        help="Block customers over their credit limit, instead of only warning. "
        "Applies when the company uses credit limits.",
    )
    credit_alert_warn_percent = fields.Float(
        string="Credit Alert Warning Percentage",
        digits=(5, 2),
        default=80.0,
        help="Warn when the receivable balance plus confirmed orders not yet "
        "invoiced reaches this percentage of the credit limit; 0 turns this "
        "warning off.",
    )
    credit_alert_override_days = fields.Integer(
        string="Credit Override Validity (days)",
        default=7,
        help="Days during which a credit override can be used, from the moment "
        "it is given; it serves once. Applies to overrides given afterwards.",
    )

    @api.constrains(
        "credit_alert_grace_days",
        "credit_alert_min_overdue_amount",
        "credit_alert_block_days",
        "credit_alert_warn_percent",
        "credit_alert_override_days",
    )
    def _check_credit_alert_policy(self):
        for company in self:
            if not 1 <= company.credit_alert_override_days <= MAX_OVERRIDE_DAYS:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: credit overrides must be valid "
                        "for 1 to %(max)s days (%(value)s given).",
                        company=company.name,
                        max=MAX_OVERRIDE_DAYS,
                        value=company.credit_alert_override_days,
                    )
                )
            if company.credit_alert_grace_days < 0:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: the grace days cannot be "
                        "negative (%(value)s given).",
                        company=company.name,
                        value=company.credit_alert_grace_days,
                    )
                )
            if company.credit_alert_grace_days > MAX_POLICY_DAYS:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: the grace days cannot be "
                        "more than %(max)s (%(value)s given).",
                        company=company.name,
                        max=MAX_POLICY_DAYS,
                        value=company.credit_alert_grace_days,
                    )
                )
            if company.credit_alert_block_days < 0:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: the days overdue from which "
                        "a customer is blocked cannot be negative (%(value)s given).",
                        company=company.name,
                        value=company.credit_alert_block_days,
                    )
                )
            if company.credit_alert_block_days > MAX_POLICY_DAYS:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: the days overdue from which "
                        "a customer is blocked cannot be more than %(max)s "
                        "(%(value)s given).",
                        company=company.name,
                        max=MAX_POLICY_DAYS,
                        value=company.credit_alert_block_days,
                    )
                )
            if company.currency_id.compare_amounts(company.credit_alert_min_overdue_amount, 0) < 0:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: the minimum overdue amount "
                        "cannot be negative (%(value)s given).",
                        company=company.name,
                        value=format_amount(
                            self.env,
                            company.credit_alert_min_overdue_amount,
                            company.currency_id,
                        ),
                    )
                )
            if not 0 <= company.credit_alert_warn_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "Credit alerts of %(company)s: the percentage of the credit "
                        "limit that triggers a warning must be between 0 and 100 "
                        "(%(value)s given).",
                        company=company.name,
                        value=company.credit_alert_warn_percent,
                    )
                )

    def _credit_alert_assessments(self, partners):
        """Return ``{commercial partner id: assessment}`` for ``partners``.

        The figures are the bridge's, for this company: one query of its open
        receivable figures (the policy needs no other part of the snapshot)
        with the policy's grace days and one read of Odoo's credit figures for
        the whole batch, whatever the number of partners or invoices. Empty
        when the company's accounting is not ready: then nobody has a level.
        See ``_credit_alert_assess_partner`` for the keys of an assessment.
        """
        self.ensure_one()
        partner_ids = partners._origin.commercial_partner_id.ids
        if not partner_ids or not self._crm_accounting_ready():
            return {}
        snapshots = (
            self.env["partner.financial.snapshot"]
            .with_company(self)
            ._read_receivable(partner_ids, grace_days=self.credit_alert_grace_days)
        )
        return self._credit_alert_assess(partner_ids, snapshots)

    @api.model
    def _credit_alert_searched_levels(self, operator, value):
        """The levels a search of the credit alert level selects.

        For the searches of opportunities and orders: ``operator`` and
        ``value`` of the condition, as a domain gives them (over RPC too).
        Returns the set of level keys to select; unknown operators and values
        that are not level keys are refused clearly.
        """
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._(
                    "The credit alert cannot be searched with the operator %(operator)s.",
                    operator=operator,
                )
            )
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        # a domain sent over RPC may hold anything: only level keys (or False)
        # are compared, anything else is refused before it reaches a set
        for level in values:
            if level is not False and level is not None and not isinstance(level, str):
                raise UserError(
                    self.env._(
                        "%(value)s is not a credit alert level.",
                        value=repr(level)[:50],
                    )
                )
        values = set(values)
        if operator in ("!=", "not in"):
            values = {level for level, _label in CREDIT_ALERT_LEVELS} - values
        return values

    @api.model
    def _credit_alert_search_domain(self, operator, value, alerted_domain):
        """Domain of a search of the credit alert level (opportunities, orders).

        ``alerted_domain(levels)`` gives the domain of the records whose
        customer is at one of ``levels`` (a non-empty subset of warning and
        block); "none" is what is left.
        """
        values = self._credit_alert_searched_levels(operator, value)
        alerted_levels = {"warning", "block"}
        if "none" in values:
            excluded = alerted_levels - values
            if not excluded:
                return expression.TRUE_DOMAIN
            return ["!", *alerted_domain(excluded)]
        levels = values & alerted_levels
        return alerted_domain(levels) if levels else expression.FALSE_DOMAIN

    def _credit_alert_partner_ids(self, levels):
        """Return the ids of the commercial partners whose level is in ``levels``.

        For the search of the alert level: SQL selects the only partners that
        can be alerted (counted overdue items, or some credit used under a
        credit limit), then the same rule as the screens classifies them in
        batch. Partners without accounting data are never read.
        """
        self.ensure_one()
        levels = set(levels) - {"none"}
        if not levels or not self._crm_accounting_ready():
            return []
        snapshot_model = self.env["partner.financial.snapshot"].with_company(self)
        snapshot_model._flush_snapshot_sources()
        use_credit_limit = self.account_use_credit_limit
        # one statement over all partners: the snapshot cannot be filtered on
        # its aggregates through the ORM
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT snapshot.*
                  FROM (%(snapshot)s) snapshot
                 WHERE snapshot.overdue_amount > 0
                    OR (%(use_credit_limit)s AND snapshot.receivable_balance > 0)
                """,
                snapshot=snapshot_model._receivable_query(grace_days=self.credit_alert_grace_days),
                use_credit_limit=use_credit_limit,
            )
        )
        snapshots = {row.pop("partner_id"): row for row in rows}
        partner_ids = set(snapshots)
        if use_credit_limit:
            partner_ids.update(self._credit_alert_partner_ids_to_invoice())
        assessments = self._credit_alert_assess(sorted(partner_ids), snapshots)
        return [
            partner_id
            for partner_id, assessment in assessments.items()
            if assessment["level"] in levels
        ]

    def _credit_alert_partner_ids_to_invoice(self):
        """Commercial partners with confirmed orders not fully invoiced.

        These are the partners whose Odoo ``credit_to_invoice`` is not zero
        (same order domain); they may be over their limit with no invoice yet.
        """
        self.env["sale.order"].flush_model(["company_id", "partner_invoice_id", "state"])
        self.env["sale.order.line"].flush_model(["order_id", "untaxed_amount_to_invoice"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        # an EXISTS over lines, which the ORM only expresses by reading orders
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT partner.commercial_partner_id
                  FROM sale_order sale
                  JOIN res_partner partner ON partner.id = sale.partner_invoice_id
                 WHERE sale.company_id = %(company_id)s
                   AND sale.state = 'sale'
                   AND EXISTS (
                       SELECT 1 FROM sale_order_line line
                        WHERE line.order_id = sale.id
                          AND line.untaxed_amount_to_invoice > 0
                   )
                """,
                company_id=self.id,
            )
        )
        return [partner_id for (partner_id,) in rows]

    def _credit_alert_assess(self, partner_ids, snapshots):
        """Assess ``partner_ids`` (commercial entities) from their snapshots."""
        self.ensure_one()
        partners = self.env["res.partner"].with_company(self).browse(partner_ids)
        credit_figures = partners._credit_figures(partners)
        empty = self.env["partner.financial.snapshot"]._empty_snapshot()
        # the policy is read once for the batch, not once per customer
        policy = self._credit_alert_policy()
        return {
            partner_id: self._credit_alert_assess_partner(
                dict(empty, **snapshots.get(partner_id, {})),
                *credit_figures.get(partner_id, (0.0, 0.0)),
                policy=policy,
            )
            for partner_id in partner_ids
        }

    def _credit_alert_policy(self):
        """The company's credit policy, as the values ``_credit_alert_assess_partner`` reads."""
        self.ensure_one()
        return {
            "rounding": self.currency_id.rounding,
            "min_overdue_amount": self.credit_alert_min_overdue_amount,
            "block_days": self.credit_alert_block_days,
            "block_on_limit": self.credit_alert_block_on_limit,
            "warn_percent": self.credit_alert_warn_percent,
        }

    def _credit_alert_assess_partner(self, snapshot, credit_limit, to_invoice, policy=None):
        """Apply the policy to one customer's figures.

        Overdue items (more than the grace days past due) count when their
        amount reaches the minimum; they give a warning, or a block once the
        oldest is ``credit_alert_block_days`` overdue. Under a credit limit,
        credit use reaching the warning percentage warns, and a limit exceeded
        blocks (or warns, when blocking on the limit is off). Amounts compare
        at the company currency's precision. ``policy``: the company's
        ``_credit_alert_policy()``, read once by callers that assess a batch.
        Returns a dict: ``level``, ``overdue_counts``, ``overdue_blocks``
        (the overdue invoices alone block), ``overdue_amount``,
        ``overdue_invoice_count``, ``oldest_overdue_days``, ``credit_limit``,
        ``credit_used``, ``credit_available``.
        """
        self.ensure_one()
        policy = policy or self._credit_alert_policy()
        rounding = policy["rounding"]
        overdue_amount = snapshot["overdue_amount"]
        overdue_counts = (
            float_compare(overdue_amount, 0, precision_rounding=rounding) > 0
            and float_compare(
                overdue_amount, policy["min_overdue_amount"], precision_rounding=rounding
            )
            >= 0
        )
        level = "none"
        overdue_blocks = False
        if overdue_counts:
            overdue_blocks = snapshot["oldest_overdue_days"] >= policy["block_days"]
            level = "block" if overdue_blocks else "warning"
        credit_used = credit_available = 0.0
        if credit_limit:
            # the bridge's definition of credit available (Odoo's credit
            # limit and sales to invoice), in the company currency
            credit_used = snapshot["receivable_balance"] + to_invoice
            credit_available = credit_limit - credit_used
            exceeded = float_compare(credit_available, 0, precision_rounding=rounding) < 0
            percent = policy["warn_percent"]
            reached = bool(percent) and (
                float_compare(
                    credit_used, credit_limit * percent / 100, precision_rounding=rounding
                )
                >= 0
            )
            if exceeded and policy["block_on_limit"]:
                level = "block"
            elif level == "none" and (exceeded or reached):
                level = "warning"
        return {
            "level": level,
            "overdue_counts": overdue_counts,
            "overdue_blocks": overdue_blocks,
            "overdue_amount": overdue_amount,
            "overdue_invoice_count": snapshot["overdue_invoice_count"],
            "oldest_overdue_days": snapshot["oldest_overdue_days"],
            "credit_limit": credit_limit,
            "credit_used": credit_used,
            "credit_available": credit_available,
        }

    def _credit_alert_figures(self):
        """The formatter of the messages of a batch (see ``_credit_alert_message``)."""
        self.ensure_one()
        return FigureFormatter(self.env, self.currency_id)

    def _credit_alert_message(self, assessment, figures=None):
        """One plain sentence with the figures of ``assessment``.

        In the user's language and the company currency, for example
        "3 overdue invoices, 12,450.00 MAD, oldest 47 days overdue;
        2,000.00 MAD of credit left". A batch passes the ``figures`` of
        ``_credit_alert_figures`` so that the language is looked up once.
        """
        self.ensure_one()
        env = self.env
        currency = self.currency_id
        figures = figures or self._credit_alert_figures()
        parts = []
        if assessment["overdue_counts"]:
            count = assessment["overdue_invoice_count"]
            days = assessment["oldest_overdue_days"]
            parts.append(
                env._(
                    "%(invoices)s, %(amount)s, %(oldest)s",
                    invoices=(
                        env._("1 overdue invoice")
                        if count == 1
                        else env._(
                            "%(count)s overdue invoices",
                            count=figures.number(count),
                        )
                    ),
                    amount=figures.amount(assessment["overdue_amount"]),
                    oldest=(
                        env._("oldest 1 day overdue")
                        if days == 1
                        else env._(
                            "oldest %(days)s days overdue",
                            days=figures.number(days),
                        )
                    ),
                )
            )
        if assessment["credit_limit"]:
            available = assessment["credit_available"]
            if currency.compare_amounts(available, 0) >= 0:
                parts.append(
                    env._(
                        "%(amount)s of credit left",
                        amount=figures.amount(available),
                    )
                )
            elif assessment.get("order_amount"):
                parts.append(
                    env._(
                        "%(amount)s over the credit limit of %(limit)s with this "
                        "order of %(order)s",
                        amount=figures.amount(-available),
                        limit=figures.amount(assessment["credit_limit"]),
                        order=figures.amount(assessment["order_amount"]),
                    )
                )
            else:
                parts.append(
                    env._(
                        "%(amount)s over the credit limit of %(limit)s",
                        amount=figures.amount(-available),
                        limit=figures.amount(assessment["credit_limit"]),
                    )
                )
        return "; ".join(parts)
