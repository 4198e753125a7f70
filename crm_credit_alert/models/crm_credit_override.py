# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from .res_company import CREDIT_ALERT_LEVELS

OVERRIDE_GROUP = "crm_credit_alert.group_crm_credit_alert_override"


class CrmCreditOverride(models.Model):
    """An audited exception to the credit policy.

    A member of the "Credit override" group creates one (through the
    wizard, or over RPC) to continue a quotation or confirm an order of a
    blocked customer. Whatever the door, the figures are taken on the server
    at that moment, the override is posted in the chatter of the opportunity
    or the order, and it lets the blocked action run once, for that user.
    Nobody edits or deletes an override: it is the accountants' audit trail.
    """

    _name = "crm.credit.override"
    _description = "Credit Block Override"
    _order = "date desc, id desc"
    _check_company_auto = True

    date = fields.Datetime(
        required=True,
        readonly=True,
        default=fields.Datetime.now,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Overridden By",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    operation = fields.Selection(
        selection=[
            ("quotation", "New quotation"),
            ("confirmation", "Order confirmation"),
        ],
        required=True,
        readonly=True,
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        readonly=True,
        ondelete="set null",
        check_company=True,
        index="btree_not_null",
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Sale Order",
        readonly=True,
        ondelete="set null",
        check_company=True,
        index="btree_not_null",
    )
    document_name = fields.Char(
        string="Document",
        readonly=True,
        help="Name of the opportunity or order when it was overridden.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    reason = fields.Text(required=True, readonly=True)
    level = fields.Selection(selection=CREDIT_ALERT_LEVELS, string="Alert Level", readonly=True)
    alert_message = fields.Char(string="Figures", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    overdue_amount = fields.Monetary(readonly=True)
    overdue_invoice_count = fields.Integer(string="Overdue Invoices", readonly=True)
    oldest_overdue_days = fields.Integer(
        string="Oldest Overdue (days)", readonly=True, aggregator="max"
    )
    credit_limit = fields.Monetary(readonly=True, aggregator=None)
    credit_available = fields.Monetary(readonly=True, aggregator=None)
    order_amount = fields.Monetary(
        readonly=True,
        help="Total of the confirmed order, in the company currency.",
    )
    used = fields.Boolean(
        string="Applied",
        readonly=True,
        help="The overridden action ran: an override serves once.",
    )

    @api.depends("document_name", "operation")
    def _compute_display_name(self):
        labels = dict(self._fields["operation"]._description_selection(self.env))
        for override in self:
            override.display_name = self.env._(
                "%(document)s (%(operation)s)",
                document=override.document_name or "",
                operation=labels.get(override.operation, ""),
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and not self.env.user.has_group(OVERRIDE_GROUP):
            raise AccessError(
                self.env._("Only members of the Credit override group can override a credit block.")
            )
        for vals in vals_list:
            vals.update(self._prepare_override_vals(vals))
        overrides = super().create(vals_list)
        for override in overrides:
            override._post_override_message()
        return overrides

    @api.model
    def _prepare_override_vals(self, vals):
        """Values of an override, taken on the server whatever was sent.

        Only the document and the reason come from the caller; the customer,
        the figures, the user and the date are read here, so that the audit
        trail cannot be written by hand.
        """
        reason = vals.get("reason") or ""
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            raise UserError(self.env._("Give the reason for overriding the credit block."))
        for field_name in ("order_id", "lead_id"):
            value = vals.get(field_name)
            # one record id, as the web client sends; anything else would
            # reach the database or select several documents
            if value and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise UserError(
                    self.env._(
                        "%(value)s is not a valid %(field)s: give the id of one record.",
                        value=repr(value)[:50],
                        field=self._fields[field_name].get_description(self.env)["string"],
                    )
                )
        if vals.get("order_id"):
            document = self.env["sale.order"].browse(vals["order_id"]).exists()
            blocks = document._credit_alert_confirmation_blocks() if document else {}
            operation, lead = "confirmation", document.opportunity_id
            company = document.company_id
        elif vals.get("lead_id"):
            document = self.env["crm.lead"].browse(vals["lead_id"]).exists()
            blocks = document._credit_alert_quotation_blocks() if document else {}
            operation, lead = "quotation", document
            company = document.company_id or self.env.company
        else:
            raise UserError(
                self.env._("A credit override concerns an opportunity or a sale order.")
            )
        if not document:
            raise UserError(self.env._("The document to override no longer exists."))
        document.check_access("read")
        assessment = blocks.get(document)
        if not assessment:
            raise UserError(
                self.env._(
                    "%(document)s is not blocked by the credit policy: no override is needed.",
                    document=document.display_name,
                )
            )
        return {
            "reason": reason,
            "operation": operation,
            "lead_id": lead.id,
            "order_id": document.id if operation == "confirmation" else False,
            "document_name": document.display_name,
            "partner_id": document.partner_id.commercial_partner_id.id,
            "company_id": company.id,
            "user_id": self.env.uid,
            "date": fields.Datetime.now(),
            "level": assessment["level"],
            "alert_message": company._credit_alert_message(assessment),
            "currency_id": company.currency_id.id,
            "overdue_amount": assessment["overdue_amount"],
            "overdue_invoice_count": assessment["overdue_invoice_count"],
            "oldest_overdue_days": assessment["oldest_overdue_days"],
            "credit_limit": assessment["credit_limit"],
            "credit_available": assessment["credit_available"],
            "order_amount": assessment.get("order_amount", 0.0),
            "used": False,
        }

    def _post_override_message(self):
        """Post who, when, why and the figures in the document's chatter."""
        self.ensure_one()
        document = self.order_id if self.operation == "confirmation" else self.lead_id
        operation = dict(self._fields["operation"]._description_selection(self.env))[self.operation]
        body = Markup("<br/>").join(
            [
                self.env._(
                    "Credit block overridden by %(user)s on %(date)s (%(operation)s).",
                    user=self.user_id.name,
                    date=format_datetime(self.env, self.date),
                    operation=operation,
                ),
                self.env._("Reason: %(reason)s", reason=self.reason),
                self.env._("Figures at that moment: %(figures)s", figures=self.alert_message),
            ]
        )
        document.message_post(body=body, subtype_xmlid="mail.mt_note")

    @api.model
    def _apply_pending(self, operation, blocks):
        """Let the action run if the user overrode every blocked document.

        ``blocks`` maps the blocked documents to their assessment. Returns the
        part of it that no pending override of the user covers; when nothing
        is left, the overrides used are marked as applied. An override serves
        its author only, once, and only while the author is in the group.
        """
        if not blocks or not self.env.user.has_group(OVERRIDE_GROUP):
            return blocks
        field_name = "order_id" if operation == "confirmation" else "lead_id"
        # sudo: the user's own overrides, looked up whatever the record rules
        # of the accountants' report; nothing of them is returned to the user
        overrides_sudo = self.sudo().search(
            [
                ("operation", "=", operation),
                (field_name, "in", [document.id for document in blocks]),
                ("user_id", "=", self.env.uid),
                ("used", "=", False),
            ]
        )
        covered_ids = set(overrides_sudo[field_name].ids)
        remaining = {
            document: assessment
            for document, assessment in blocks.items()
            if document.id not in covered_ids
        }
        if not remaining:
            overrides_sudo.used = True
        return remaining
