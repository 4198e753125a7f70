# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.crm_accounting_bridge.models.partner_financial_snapshot import LTM_DAYS

# Cumulative shares of the company's margin that close tiers A and B.
TIER_A_SHARE = 0.80
TIER_B_SHARE = 0.95
PROFITABILITY_TIERS = [("A", "A"), ("B", "B"), ("C", "C")]
# Margins and tiers are ours to know, not the customer's: a portal user
# reads its own company's partner record.
MARGIN_GROUPS = "base.group_user"
# Groups allowed to recompute the tiers on demand.
TIER_MANAGER_GROUPS = ("sales_team.group_sale_manager", "account.group_account_invoice")


class ResPartner(models.Model):
    _inherit = "res.partner"

    margin_ltm = fields.Monetary(
        string="Margin (12 months)",
        compute="_compute_margin_ltm",
        currency_field="financial_currency_id",
        groups=MARGIN_GROUPS,
        help="Revenue minus cost of the posted invoices of the last 365 days, "
        "net of credit notes, in the current company's currency.",
    )
    margin_percent_ltm = fields.Float(
        string="Margin % (12 months)",
        compute="_compute_margin_ltm",
        groups=MARGIN_GROUPS,
        help="Margin of the last 365 days divided by the revenue of the same invoices.",
    )
    margin_missing_cost_count = fields.Integer(
        string="Lines Without Cost (12 months)",
        compute="_compute_margin_ltm",
        groups=MARGIN_GROUPS,
        help="Invoice and credit note lines of the last 365 days whose product had "
        "no cost: the margin counts them at no cost (all profit, or all loss on "
        "credit notes), and the profitability tier leaves them out.",
    )
    margin_accounting_ready = fields.Boolean(
        compute="_compute_margin_ltm",
        help="The current company's accounting is set up, so margins are shown.",
    )
    profitability_tier = fields.Selection(
        PROFITABILITY_TIERS,
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=MARGIN_GROUPS,
        help="A: the customers that together make the top 80 % of the company's "
        "margin over the last 12 months; B: the next 15 %; C: the others. Empty "
        "for customers without invoices in the last 12 months. Lines of products "
        "without cost are left out (empty when no line has a cost). Recomputed "
        "every night and on demand.",
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_margin_ltm(self):
        """Margin of the last 12 months of each partner's commercial entity,
        for the whole batch in one query; nothing until accounting is ready."""
        ready = self.env.company._crm_accounting_ready()
        figures = {}
        if ready and self.commercial_partner_id:
            today = fields.Date.context_today(self)
            figures = self.env["sale.margin.customer.report"]._margin_by_customer(
                self.commercial_partner_id.ids, today - timedelta(days=LTM_DAYS), today
            )
        currency = self.env.company.currency_id
        for partner in self:
            customer = figures.get(partner.commercial_partner_id.id)
            revenue, margin = (customer.revenue, customer.margin) if customer else (0.0, 0.0)
            partner.margin_accounting_ready = ready
            partner.margin_ltm = margin
            partner.margin_missing_cost_count = customer.missing_cost_count if customer else 0
            # float sums: a revenue that cancels out is zero at the currency's precision
            partner.margin_percent_ltm = 0.0 if currency.is_zero(revenue) else margin / revenue

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "profitability_tier"]

    def action_update_profitability_tiers(self):
        """Recompute the profitability tiers of the selected companies now."""
        if not any(self.env.user.has_group(group) for group in TIER_MANAGER_GROUPS):
            raise AccessError(
                self.env._("Only sales managers and accountants can recompute profitability tiers.")
            )
        companies = self.env.companies
        self._update_profitability_tiers(companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Profitability tiers recomputed for %(companies)s.",
                    companies=", ".join(companies.mapped("name")),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_update_profitability_tiers(self):
        """Scheduled action: recompute the tiers of every company."""
        self._update_profitability_tiers(self.env["res.company"].search([("active", "=", True)]))

    @api.model
    def _update_profitability_tiers(self, companies):
        """Write the tier of every customer of each company.

        Only changed tiers are written. A company whose accounting is not
        ready gets no tiers at all. Contacts follow their commercial entity
        (``profitability_tier`` is a commercial field).
        """
        for company in companies:
            tiers = self._profitability_tiers(company) if company._crm_accounting_ready() else {}
            # sudo: tiers derive from accounting totals and are written on
            # every customer, whoever asked for the update.
            partners_sudo = self.sudo().with_company(company).with_context(active_test=False)
            tiered = partners_sudo.search([("profitability_tier", "!=", False)])
            current = {partner.id: partner.profitability_tier for partner in tiered}
            changes = defaultdict(list)
            for partner_id, tier in tiers.items():
                if current.get(partner_id) != tier:
                    changes[tier].append(partner_id)
            for partner in tiered:
                if partner.id not in tiers and partner.commercial_partner_id == partner:
                    changes[False].append(partner.id)
            for tier, partner_ids in changes.items():
                partners_sudo.browse(partner_ids).write({"profitability_tier": tier})

    @api.model
    def _profitability_tiers(self, company):
        """Return ``{commercial partner id: tier}`` for the company.

        Customers are ranked by margin over the last 12 months. Those that
        together make the first 80 % of the company's total margin are A (the
        customer that crosses 80 % included), up to 95 % B, the rest C, as
        are customers with no or negative margin. When the company's total
        margin is not positive, no customer is A or B. Customers with equal
        margins are not ranked one before the other: they share a tier.
        Customers with only credit notes have no tier, but their credit notes
        lower the company's total.

        Lines whose cost is unknown (a product without cost) are left out:
        their margin would be their whole revenue, or a loss on a credit
        note. A customer with no invoice line of known cost has no tier, as
        one without sales: its margin is not known.
        """
        today = fields.Date.context_today(self)
        figures = (
            self.env["sale.margin.customer.report"]
            .with_company(company)
            ._margin_by_customer(None, today - timedelta(days=LTM_DAYS), today)
        )
        currency = company.currency_id
        total = sum(customer.costed_margin for customer in figures.values())
        ranked = sorted(
            (
                (partner_id, customer.costed_margin)
                for partner_id, customer in figures.items()
                if customer.costed_invoiced
            ),
            key=lambda item: (-item[1], item[0]),
        )
        tiers = {}
        cumulative = 0.0
        previous = None  # (margin, tier) of the customer ranked just before
        for partner_id, margin in ranked:
            profitable = (
                currency.compare_amounts(total, 0) > 0 and currency.compare_amounts(margin, 0) > 0
            )
            if previous and currency.compare_amounts(margin, previous[0]) == 0:
                # an equal margin is not ranked after: same tier, whatever the ids
                tier = previous[1]
            elif profitable and currency.compare_amounts(cumulative, TIER_A_SHARE * total) < 0:
                tier = "A"
            elif profitable and currency.compare_amounts(cumulative, TIER_B_SHARE * total) < 0:
                tier = "B"
            else:
                tier = "C"
            tiers[partner_id] = tier
            previous = (margin, tier)
            cumulative += margin
        return tiers
