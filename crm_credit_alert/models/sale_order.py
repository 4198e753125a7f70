# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..exceptions import CreditBlockRedirect
from ..services.override_cover import OVERRIDE_GROUP


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "crm.credit.alert.mixin"]

    credit_alert_level = fields.Selection(
        help="Credit policy of the company applied to the customer, as on its opportunities.",
    )

    def _credit_alert_depends(self):
        return [*super()._credit_alert_depends(), "state"]

    def _credit_alert_shown(self):
        """The customer's alert, as on its opportunities, beside Odoo's own
        credit limit warning; cancelled orders show none."""
        return super()._credit_alert_shown().filtered(lambda order: order.state != "cancel")

    def _credit_alert_shown_domain(self):
        return [("state", "!=", "cancel")]

    @api.model_create_multi
    def create(self, vals_list):
        """Check new quotations of blocked customers; confirm through ``write``.

        An order asked to be created confirmed (a value or a context default
        of ``state``) is created as a quotation, then confirmed by ``write``,
        where the credit check of every confirmation runs. New quotations of
        a blocked customer are refused to users (see
        ``_credit_alert_check_new_quotations``); code running as superuser
        (an eCommerce cart, a connector) may create them, since nothing is
        sold before the confirmation, which is checked for everyone.
        """
        default_state = self.env.context.get("default_state")
        born_confirmed = [vals.get("state", default_state) == "sale" for vals in vals_list]
        vals_list = [
            dict(vals, state="draft") if confirmed else vals
            for vals, confirmed in zip(vals_list, born_confirmed, strict=True)
        ]
        orders = super().create(vals_list)
        if not self.env.su:
            orders._credit_alert_check_new_quotations()
        to_confirm = self.browse(
            [order.id for order, confirmed in zip(orders, born_confirmed, strict=True) if confirmed]
        )
        if to_confirm:
            to_confirm.write({"state": "sale"})
        return orders

    def write(self, vals):
        """Every confirmation passes the credit check, whatever the door.

        Odoo's ``action_confirm`` writes the state, and so do RPC clients,
        imports, the portal's signature and the payment's post-processing:
        the check runs here, for everyone, superuser included, and only a
        valid override lets a blocked order through (it is used here). A
        quotation given to another customer is a new quotation for that
        customer, and is checked as one.
        """
        if vals.get("state") == "sale":
            to_confirm = self.filtered(lambda order: order.state != "sale")
            other_vals = {key: value for key, value in vals.items() if key != "state"}
            if to_confirm and other_vals:
                # what comes with the state (lines, another customer) is
                # written first: the check sees the order that is confirmed
                self.write(other_vals)
                vals = {"state": "sale"}
            to_confirm._credit_alert_check_confirmation()
        if "partner_id" not in vals or self.env.su:
            return super().write(vals)
        customers = {order: order.partner_id.commercial_partner_id for order in self}
        result = super().write(vals)
        self.filtered(
            lambda order: order.state in ("draft", "sent")
            and order.partner_id.commercial_partner_id != customers[order]
        )._credit_alert_check_new_quotations()
        return result

    def action_confirm(self):
        """Refuse to confirm orders of customers blocked by the credit policy.

        Checked on the server, also for calls over RPC, and for superuser
        flows (see ``write``, which checks again and uses the override).
        Members of the Credit override group get the override wizard instead;
        once they gave a reason, the override lets this call through.
        """
        blocks = self._credit_alert_confirmation_blocks()
        blocked, refusals = self.env["crm.credit.override"]._credit_alert_cover(
            "confirmation", blocks, consume=False
        )
        if blocked:
            return self._credit_alert_stop(blocked, refusals)
        return super().action_confirm()

    def _validate_order(self):
        """Confirm what the customer signed or paid online, except blocked orders.

        The portal's Accept & Sign (and a free eCommerce order) confirm
        through here, as superuser. A blocked order keeps the customer's
        signature, stays a quotation, and its salesperson gets a To Do; the
        portal tells the customer, without any figure, that the order will
        be confirmed shortly.
        """
        held = self._credit_alert_hold()
        return super(SaleOrder, self - held)._validate_order()

    def _credit_alert_amount(self):
        """Total of the order in the company currency, as Odoo's credit warning."""
        self.ensure_one()
        return self.amount_total / (self.currency_rate or 1.0)

    def _credit_alert_unpaid_amount(self):
        """What the order takes on credit, in the company currency.

        The part paid online (confirmed transactions) is not credit: only
        the rest counts against the credit limit.
        """
        self.ensure_one()
        # sudo: the order's payments count whoever confirms it; only their
        # total is used
        transactions_sudo = self.sudo().transaction_ids.filtered(lambda tx: tx.state == "done")
        paid = sum(
            tx.currency_id._convert(
                tx.amount, self.currency_id, self.company_id, fields.Date.context_today(self)
            )
            for tx in transactions_sudo
        )
        return max(self.amount_total - paid, 0.0) / (self.currency_rate or 1.0)

    def _credit_alert_check_confirmation(self):
        """Refuse the confirmation of blocked orders that no override covers."""
        blocks = self._credit_alert_confirmation_blocks()
        blocked, refusals = self.env["crm.credit.override"]._credit_alert_cover(
            "confirmation", blocks
        )
        if blocked:
            raise UserError(self._credit_alert_confirmation_refusal(blocked, refusals))

    def _credit_alert_confirmation_blocks(self):
        """Return ``{order: assessment}`` of the orders the policy blocks.

        An order is blocked when its customer is, or when the company blocks
        over the credit limit and this order would take the customer over it
        (the order total in the company currency, as Odoo's own warning, less
        what was paid online). A customer blocked by overdue invoices is
        blocked whatever was paid; one blocked only by its credit limit is
        not, for an order fully paid online.
        """
        blocks = {}
        to_confirm = self.filtered(lambda order: order.state != "sale")
        for company, orders, assessments in to_confirm._credit_alert_by_company():
            # orders of one call count together: each takes what the previous
            # ones of the batch left (in the company currency, per customer),
            # from the credit of its own company only
            taken = defaultdict(float)
            currency = company.currency_id
            for order in orders:
                assessment = assessments.get(order.partner_id.commercial_partner_id.id)
                if not assessment:
                    continue
                if assessment["level"] == "block":
                    if assessment["overdue_blocks"] or (
                        currency.compare_amounts(order._credit_alert_unpaid_amount(), 0) > 0
                    ):
                        blocks[order] = assessment
                    continue
                if not (company.credit_alert_block_on_limit and assessment["credit_limit"]):
                    continue
                customer_id = order.partner_id.commercial_partner_id.id
                order_amount = order._credit_alert_unpaid_amount()
                available = assessment["credit_available"] - taken[customer_id] - order_amount
                if currency.compare_amounts(available, 0) < 0:
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

    def _credit_alert_check_new_quotations(self):
        """Refuse new quotations of blocked customers, as the opportunity's button.

        Whatever the door (RPC create with or without an opportunity,
        Duplicate, New from the customer's orders, another customer given to
        a quotation), with the same message and figures. Members of the
        Credit override group get a button to the override wizard (in the
        web client; RPC clients get the same refusal); a valid override of
        the customer, or of the quotation's opportunity, lets one through.
        """
        blocks = self._credit_alert_quotation_blocks()
        blocked, refusals = self.env["crm.credit.override"]._credit_alert_cover("quotation", blocks)
        if not blocked:
            return
        Override = self.env["crm.credit.override"]
        message = "\n".join(
            Override._credit_alert_quotation_refusal(
                order.partner_id, order.company_id, assessment, refusals.get(order)
            )
            for order, assessment in blocked.items()
        )
        if not self.env.su and self.env.user.has_group(OVERRIDE_GROUP):
            order = next(iter(blocked))
            raise CreditBlockRedirect(
                message,
                self.env["crm.credit.override.wizard"]._action_open(
                    partner=order.partner_id.commercial_partner_id, company=order.company_id
                ),
                self.env._("Override the credit block"),
            )
        raise UserError(message)

    def _credit_alert_confirmation_refusal(self, blocked, refusals):
        """The refusal of the confirmation of ``blocked`` orders, with the figures."""
        return "\n".join(
            self.env["crm.credit.override"]._credit_alert_refusal_message(
                self.env._(
                    "Confirmation of %(order)s refused: %(customer)s is blocked by "
                    "the credit policy (%(figures)s).",
                    order=order.name,
                    customer=order.partner_id.commercial_partner_id.display_name,
                    figures=order.company_id._credit_alert_message(assessment),
                ),
                refusals.get(order),
            )
            for order, assessment in blocked.items()
        )

    def _credit_alert_stop(self, blocked, refusals=None):
        """Open the override wizard for override members, else refuse."""
        if not self.env.su and self.env.user.has_group(OVERRIDE_GROUP):
            return self.env["crm.credit.override.wizard"]._action_open(orders=self)
        raise UserError(self._credit_alert_confirmation_refusal(blocked, refusals or {}))

    def _credit_alert_hold(self):
        """Keep as quotations the orders the customer accepted online that the
        policy blocks, and give their salesperson a To Do. Returns them.

        An override given beforehand for the order, by any member of the
        Credit override group, lets it through as for a salesperson.
        """
        blocks = self._credit_alert_confirmation_blocks()
        blocked, _refusals = self.env["crm.credit.override"]._credit_alert_cover(
            "confirmation", blocks, consume=False
        )
        for order, assessment in blocked.items():
            order._credit_alert_schedule_review(assessment)
        return self.browse([order.id for order in blocked])

    def _credit_alert_schedule_review(self, assessment):
        """Give the salesperson a To Do to review an order held by the policy.

        One activity per order and salesperson, in the salesperson's
        language: a second signature or payment adds none.
        """
        self.ensure_one()
        user = self.user_id or self.opportunity_id.user_id or self.team_id.user_id
        todo = self.env.ref("mail.mail_activity_data_todo")
        order = self.with_context(lang=user.lang or self.env.lang)
        summary = order.env._("Credit review: %(order)s accepted online", order=self.name)
        note = Markup("<p>%s</p>") % order.env._(
            "The customer signed or paid this quotation online, but %(customer)s is "
            "blocked by the credit policy (%(figures)s). It stays a quotation: "
            "confirm it (a member of the Credit override group can override the "
            "block) or contact the customer.",
            customer=self.partner_id.commercial_partner_id.display_name,
            figures=order.company_id._credit_alert_message(assessment),
        )
        if not user:
            self.message_post(body=note, subtype_xmlid="mail.mt_note")
            return
        if self.activity_ids.filtered(
            lambda activity: activity.activity_type_id == todo
            and activity.user_id == user
            and activity.summary == summary
        ):
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo", user_id=user.id, summary=summary, note=note
        )

    def _credit_alert_awaits_review(self):
        """Whether the customer did their part online (signed, or paid what
        confirms) and the order still waits for its confirmation."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            return False
        signed = self.require_signature and self.signature
        paid = self.require_payment and self._is_confirmation_amount_reached()
        return bool(signed or paid) and not (self._has_to_be_signed() or self._has_to_be_paid())
