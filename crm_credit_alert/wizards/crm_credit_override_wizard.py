# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import clean_context

from ..services.override_cover import OVERRIDE_GROUP


class CrmCreditOverrideWizard(models.TransientModel):
    """Ask a Credit override member for a reason, then run the blocked action.

    The wizard only collects the reason: the override itself
    (``crm.credit.override``) takes the figures on the server and posts them
    in the chatter, and the blocked action checks it again. Opened for an
    opportunity (its New Quotation button), for orders to confirm, or for a
    customer (a quotation created, duplicated or given to that customer
    elsewhere, which the user then saves again).
    """

    _name = "crm.credit.override.wizard"
    _description = "Override a Credit Block"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    order_ids = fields.Many2many("sale.order", string="Sale Orders", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    alert_message = fields.Text(string="Figures", compute="_compute_alert_message")
    reason = fields.Text(
        required=True,
        help="Why the quotation or order goes ahead despite the credit policy; "
        "kept in the chatter and in the accountants' report.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # defaults first: the ids may come from the context (default_*)
        vals_list = [self._add_missing_default_values(vals) for vals in vals_list]
        for vals in vals_list:
            self._check_documents_exist(vals)
        return super().create(vals_list)

    @api.model
    def _check_documents_exist(self, vals):
        """Refuse ids of documents that do not exist (any more).

        RPC callers, or a wizard left open while the document was deleted,
        may send them: the database's foreign-key error would speak of a
        record being deleted, and log the query as an error.
        """
        lead_ids = [vals["lead_id"]] if vals.get("lead_id") else []
        partner_ids = [vals["partner_id"]] if vals.get("partner_id") else []
        company_ids = [vals["company_id"]] if vals.get("company_id") else []
        # the commands the client sends (set, link); Odoo refuses the others
        order_ids = []
        for command in vals.get("order_ids") or ():
            if isinstance(command, (list, tuple)) and len(command) == 3:
                if command[0] == Command.SET and isinstance(command[2], (list, tuple)):
                    order_ids.extend(command[2])
                elif command[0] == Command.LINK:
                    order_ids.append(command[1])
        for model, ids in (
            ("crm.lead", lead_ids),
            ("sale.order", order_ids),
            ("res.partner", partner_ids),
            ("res.company", company_ids),
        ):
            if not all(isinstance(id_, int) and not isinstance(id_, bool) for id_ in ids):
                raise UserError(
                    self.env._(
                        "%(value)s is not a valid document to override: give record ids.",
                        value=repr(ids)[:50],
                    )
                )
            if len(self.env[model].browse(ids).exists()) != len(set(ids)):
                raise UserError(
                    self.env._(
                        "The document to override no longer exists: reload it and try again."
                    )
                )

    @api.depends("lead_id", "order_ids", "partner_id", "company_id")
    def _compute_alert_message(self):
        for wizard in self:
            if wizard.partner_id:
                customer = wizard.partner_id.commercial_partner_id
                company = wizard.company_id or self.env.company
                assessment = company._credit_alert_assessments(customer).get(customer.id)
                lines = []
                if assessment and assessment["level"] == "block":
                    lines.append(
                        self.env._(
                            "%(customer)s: %(figures)s",
                            customer=customer.display_name,
                            figures=company._credit_alert_message(assessment),
                        )
                    )
            elif wizard.lead_id:
                blocks = wizard.lead_id._credit_alert_quotation_blocks()
                company = wizard.lead_id.company_id or self.env.company
                lines = [
                    self.env._(
                        "%(customer)s: %(figures)s",
                        customer=lead.partner_id.commercial_partner_id.display_name,
                        figures=company._credit_alert_message(assessment),
                    )
                    for lead, assessment in blocks.items()
                ]
            else:
                blocks = wizard.order_ids._credit_alert_confirmation_blocks()
                lines = [
                    self.env._(
                        "%(order)s, %(customer)s: %(figures)s",
                        order=order.name,
                        customer=order.partner_id.commercial_partner_id.display_name,
                        figures=order.company_id._credit_alert_message(assessment),
                    )
                    for order, assessment in blocks.items()
                ]
            wizard.alert_message = "\n".join(lines)

    @api.model
    def _action_open(self, lead=None, orders=None, partner=None, company=None):
        """Action opening the wizard for a blocked lead, blocked orders, or
        new quotations of a blocked customer (``partner``) in ``company``."""
        context = {"default_lead_id": lead.id} if lead else {}
        if orders:
            context["default_order_ids"] = [Command.set(orders.ids)]
        if partner:
            context["default_partner_id"] = partner.id
            context["default_company_id"] = (company or self.env.company).id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override the credit block"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": context,
        }

    def action_override(self):
        """Record the override, then run the action the policy blocked."""
        self.ensure_one()
        if not self.env.user.has_group(OVERRIDE_GROUP):
            raise AccessError(
                self.env._("Only members of the Credit override group can override a credit block.")
            )
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for overriding the credit block."))
        # the wizard's default_* keys must not reach the records created next
        env = self.env(context=clean_context(self.env.context))
        overrides = env["crm.credit.override"]
        partner = self.partner_id.with_env(env)
        if partner:
            return self._override_customer(partner, reason)
        lead = self.lead_id.with_env(env)
        if lead:
            return self._override_opportunity(lead, reason)
        orders = self.order_ids.with_env(env)
        blocked = orders._credit_alert_confirmation_blocks()
        if not blocked:
            return orders.action_confirm()
        # an order may be blocked only by the orders of the batch that take
        # the credit before it: those are confirmed first, so that each
        # override is taken, alone, against the credit they left
        fitting = orders.filtered(lambda order: order not in blocked)
        if fitting:
            fitting.action_confirm()
        blocked_orders = orders - fitting
        overrides.create([{"order_id": order.id, "reason": reason} for order in blocked_orders])
        return blocked_orders.action_confirm()

    def _override_customer(self, partner, reason):
        """Record an override of the customer's next quotation; the user saves
        or duplicates the quotation again, which uses it."""
        company = self.company_id or self.env.company
        customer = partner.commercial_partner_id
        assessment = company._credit_alert_assessments(customer).get(customer.id)
        if assessment and assessment["level"] == "block":
            partner.env["crm.credit.override"].create(
                {"partner_id": customer.id, "company_id": company.id, "reason": reason}
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Override recorded for the next quotation of %(customer)s: save or "
                    "duplicate it again.",
                    customer=customer.display_name,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _override_opportunity(self, lead, reason):
        """Record the override, create the opportunity's quotation with it,
        and open that quotation: the override records what it was used for.
        """
        # the block may have cleared since the wizard opened: then there is
        # nothing to override, and the quotation simply opens
        if lead._credit_alert_quotation_blocks():
            lead.env["crm.credit.override"].create({"lead_id": lead.id, "reason": reason})
        action = lead.action_new_quotation()
        if action.get("res_model") != "sale.order":
            return action
        defaults = {
            key: value for key, value in action["context"].items() if key.startswith("default_")
        }
        order = lead.env["sale.order"].with_context(**defaults).create({})
        return dict(action, res_id=order.id, view_mode="form", views=[(False, "form")])
