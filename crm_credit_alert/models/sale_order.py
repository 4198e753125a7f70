# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .crm_credit_override import OVERRIDE_GROUP
from .res_company import CREDIT_ALERT_LEVELS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_alert_level = fields.Selection(
        selection=CREDIT_ALERT_LEVELS,
        string="Credit Alert",
        compute="_compute_credit_alert",
        search="_search_credit_alert_level",
        help="Credit policy of the company applied to the customer, as on its opportunities.",
    )
    credit_alert_message = fields.Char(
        string="Credit Alert Details",
        compute="_compute_credit_alert",
        help="The customer's figures behind the credit alert.",
    )

    @api.depends("partner_id.commercial_partner_id", "company_id", "state")
    @api.depends_context("lang")
    def _compute_credit_alert(self):
        """The customer's alert, as on its opportunities, beside Odoo's own
        credit limit warning; one assessment per company of the batch."""
        alerted = self.filtered(lambda order: order.partner_id and order.state != "cancel")
        (self - alerted).update({"credit_alert_level": "none", "credit_alert_message": False})
        for company, orders in alerted.grouped("company_id").items():
            assessments = company._credit_alert_assessments(orders.partner_id)
            figures = company._credit_alert_figures()
            # one message per customer, however many of its orders the batch has
            messages = {
                partner_id: company._credit_alert_message(assessment, figures)
                for partner_id, assessment in assessments.items()
                if assessment["level"] != "none"
            }
            for order in orders:
                partner_id = order.partner_id.commercial_partner_id._origin.id
                assessment = assessments.get(partner_id)
                order.credit_alert_level = assessment["level"] if assessment else "none"
                order.credit_alert_message = messages.get(partner_id, False)

    def _search_credit_alert_level(self, operator, value):
        """Search the level as on opportunities (see ``crm.lead``): for each
        allowed company, the customers at a level, then their orders in that
        company that are not cancelled."""
        return self.env["res.company"]._credit_alert_search_domain(
            operator, value, self._credit_alert_domain
        )

    def _credit_alert_domain(self, levels):
        """Domain of the orders whose customer is at one of ``levels``."""
        if not levels:
            return expression.FALSE_DOMAIN
        company_domains = [
            [
                ("company_id", "=", company.id),
                ("partner_id.commercial_partner_id", "in", partner_ids),
            ]
            for company in self.env.companies
            if (partner_ids := company._credit_alert_partner_ids(levels))
        ]
        if not company_domains:
            return expression.FALSE_DOMAIN
        return expression.AND([expression.OR(company_domains), [("state", "!=", "cancel")]])

    def action_confirm(self):
        """Refuse to confirm orders of customers blocked by the credit policy.

        Checked on the server, also for calls over RPC. Members of the Credit
        override group get the override wizard instead; once they gave a
        reason, the override lets this call through.
        """
        # superuser flows (the customer signing or paying online, imports)
        # are not a salesperson's decision: the policy stops people
        blocks = {} if self.env.su else self._credit_alert_confirmation_blocks()
        blocked = self.env["crm.credit.override"]._apply_pending("confirmation", blocks)
        if blocked:
            return self._credit_alert_stop(blocked)
        return super().action_confirm()

    def _credit_alert_confirmation_blocks(self):
        """Return ``{order: assessment}`` of the orders the policy blocks.

        An order is blocked when its customer is, or when the company blocks
        over the credit limit and this order would take the customer over it
        (the order total in the company currency, as Odoo's own warning).
        """
        blocks = {}
        for company, orders in (
            self.filtered(lambda order: order.partner_id and order.state in ("draft", "sent"))
            .grouped("company_id")
            .items()
        ):
            # orders of one call count together: each takes what the previous
            # ones of the batch left (in the company currency, per customer),
            # from the credit of its own company only
            taken = defaultdict(float)
            assessments = company._credit_alert_assessments(orders.partner_id)
            for order in orders:
                assessment = assessments.get(order.partner_id.commercial_partner_id.id)
                if not assessment:
                    continue
                if assessment["level"] == "block":
                    blocks[order] = assessment
                    continue
                if not (company.credit_alert_block_on_limit and assessment["credit_limit"]):
                    continue
                customer_id = order.partner_id.commercial_partner_id.id
                order_amount = order.amount_total / (order.currency_rate or 1.0)
                available = assessment["credit_available"] - taken[customer_id] - order_amount
                if company.currency_id.compare_amounts(available, 0) < 0:
                    blocks[order] = dict(
                        assessment,
                        level="block",
                        credit_available=available,
                        credit_used=assessment["credit_used"] + taken[customer_id] + order_amount,
                        order_amount=order_amount,
                    )
                else:
                    taken[customer_id] += order_amount
        return blocks

    def _credit_alert_stop(self, blocked):
        """Open the override wizard for override members, else refuse."""
        if self.env.user.has_group(OVERRIDE_GROUP):
            return self.env["crm.credit.override.wizard"]._action_open(orders=self)
        raise UserError(
            "\n".join(
                self.env._(
                    "Confirmation of %(order)s refused: %(customer)s is blocked by "
                    "the credit policy (%(figures)s). A member of the Credit "
                    "override group can override it, with a reason.",
                    order=order.name,
                    customer=order.partner_id.commercial_partner_id.display_name,
                    figures=order.company_id._credit_alert_message(assessment),
                )
                for order, assessment in blocked.items()
            )
        )
