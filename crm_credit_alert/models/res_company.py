# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_amount

from ..policy import (
    POLICY_LIMIT_FIELDS,
    CreditPolicy,
    FigureFormatter,
    alert_message,
    assess,
    first_violation,
    limit_message,
)


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

    @api.constrains(*POLICY_LIMIT_FIELDS)
    def _check_credit_alert_policy(self):
        """Refuse the values ``POLICY_LIMITS`` does not allow, with its message."""
        for company in self:
            currency = company.currency_id
            values = {
                name: currency.round(company[name])
                if company._fields[name].type == "monetary"
                else company[name]
                for name in POLICY_LIMIT_FIELDS
            }
            limit = first_violation(values)
            if not limit:
                continue
            value = company[limit.field]
            if company._fields[limit.field].type == "monetary":
                value = format_amount(self.env, value, currency)
            raise ValidationError(limit_message(limit, self.env, company.name, value))

    def _credit_alert_assessments(self, partners):
        """Return ``{commercial partner id: assessment}`` for ``partners``.

        The figures are the bridge's, for this company: the books of its
        whole group (root company and every branch), one query of the open
        receivable figures (the policy needs no other part of the snapshot)
        with the policy's grace days and one read of Odoo's credit figures for
        the whole batch, whatever the number of partners or invoices. Empty
        when the company's accounting is not ready: then nobody has a level.
        See ``policy.assess`` for the keys of an assessment.
        """
        self.ensure_one()
        partner_ids = partners._origin.commercial_partner_id.ids
        if not partner_ids or not self._crm_accounting_ready():
            return {}
        # the open receivable figures and the credit figures in one statement
        snapshots, credit_figures = (
            self.env["partner.financial.snapshot"]
            .with_company(self)
            ._read_figures(
                partner_ids, grace_days=self.credit_alert_grace_days, receivable_only=True
            )
        )
        return self._credit_alert_assess(partner_ids, snapshots, credit_figures)

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

    def _credit_alert_assess(self, partner_ids, snapshots, credit_figures=None):
        """Assess ``partner_ids`` (commercial entities) from their snapshots
        and credit figures (read here when not given; see
        ``res.partner._credit_figures``); see ``policy.assess`` for the keys
        of an assessment."""
        self.ensure_one()
        if credit_figures is None:
            partners = self.env["res.partner"].with_company(self).browse(partner_ids)
            credit_figures = partners._credit_figures(partners)
        empty = self.env["partner.financial.snapshot"]._empty_snapshot()
        # the policy is read once for the batch, not once per customer
        policy = self._credit_alert_policy()
        return {
            partner_id: assess(
                dict(empty, **snapshots.get(partner_id, {})),
                *credit_figures.get(partner_id, (0.0, 0.0)),
                policy=policy,
            )
            for partner_id in partner_ids
        }

    def _credit_alert_policy(self):
        """The company's credit policy, as ``policy.assess`` reads it."""
        self.ensure_one()
        return CreditPolicy(
            rounding=self.currency_id.rounding,
            min_overdue_amount=self.credit_alert_min_overdue_amount,
            block_days=self.credit_alert_block_days,
            block_on_limit=self.credit_alert_block_on_limit,
            warn_percent=self.credit_alert_warn_percent,
        )

    def _credit_alert_figures(self):
        """The formatter of the messages of a batch (see ``_credit_alert_message``)."""
        self.ensure_one()
        return FigureFormatter.for_env(self.env, self.currency_id)

    def _credit_alert_message(self, assessment, figures=None):
        """One plain sentence with the figures of ``assessment``
        (``policy.alert_message``), in the user's language and the company
        currency. A batch passes the ``figures`` of ``_credit_alert_figures``
        so that the language is looked up once.
        """
        self.ensure_one()
        return alert_message(assessment, figures or self._credit_alert_figures(), self.env)

    def _crm_accounting_waiting_features(self):
        """Credit alerts and blocks stay off until accounting is ready."""
        return [
            *super()._crm_accounting_waiting_features(),
            self.env._(
                "Credit alerts on opportunities, quotations and orders, and the "
                "blocks of customers over their limits or long overdue."
            ),
        ]
