# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from ..policy import LEVELS
from ..services.override_cover import OVERRIDE_GROUP, OverrideCover


class CrmCreditOverride(models.Model):
    """An audited exception to the credit policy.

    A member of the "Credit override" group creates one (through the
    wizard, or over RPC) to create a quotation (from an opportunity, or for a
    customer) or confirm an order of a blocked customer. Whatever the door,
    the figures are taken on the server at that moment, and the override is
    posted in the chatter of the opportunity, the order or the customer.

    It lets the blocked action run once: for its author (or, when the
    customer signs or pays online, for whoever author it has), for that
    customer, for an order up to the amount it was given for, while the
    customer's figures are not worse than shown, and until it expires (the
    company's validity, 7 days by default). What it was used for is recorded
    on it. Nobody edits or deletes an override: it is the accountants' audit
    trail.
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
    level = fields.Selection(selection=LEVELS, string="Alert Level", readonly=True)
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
        help="Total of the order to confirm when the override was given, in the "
        "company currency: the override covers no larger order.",
    )
    expiry_date = fields.Datetime(
        string="Valid Until",
        required=True,
        readonly=True,
        index=True,
        help="The override lets nothing through after this moment (the "
        "company's validity of credit overrides when it was given).",
    )
    used = fields.Boolean(
        string="Applied",
        readonly=True,
        help="The overridden action ran: an override serves once.",
    )
    used_order_id = fields.Many2one(
        "sale.order",
        string="Used For",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="The quotation created, or the order confirmed, with this override.",
    )
    used_document_name = fields.Char(
        string="Used For (Name)",
        readonly=True,
        help="Name of that quotation or order when the override was used.",
    )
    used_date = fields.Datetime(string="Used On", readonly=True)
    used_amount = fields.Monetary(
        string="Amount Used For",
        readonly=True,
        aggregator=None,
        help="Total of that quotation or order when the override was used, in "
        "the company currency.",
    )
    used_user_id = fields.Many2one(
        "res.users",
        string="Used By",
        readonly=True,
        help="Who created or confirmed the document: the salesperson, or the "
        "public or portal user when the customer signed or paid online.",
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

        Only the document (an order to confirm, an opportunity, or a customer
        and its company for a quotation of that customer) and the reason come
        from the caller; the customer, the figures, the amount, the user, the
        date and the expiry are read here, so that the audit trail cannot be
        written by hand.
        """
        reason = self._credit_alert_checked_reason(vals)
        operation, document, lead, order, company = self._credit_alert_document(vals)
        blocks = self._credit_alert_document_blocks(document, company)
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
        customer = document.commercial_partner_id if document._name == "res.partner" else None
        customer = customer or document.partner_id.commercial_partner_id
        now = fields.Datetime.now()
        return {
            "reason": reason,
            "operation": operation,
            "lead_id": lead.id,
            "order_id": order.id,
            "document_name": document.display_name,
            "partner_id": customer.id,
            "company_id": company.id,
            "user_id": self.env.uid,
            "date": now,
            "expiry_date": now + timedelta(days=company.credit_alert_override_days),
            "level": assessment["level"],
            "alert_message": company._credit_alert_message(assessment),
            "currency_id": company.currency_id.id,
            "overdue_amount": assessment["overdue_amount"],
            "overdue_invoice_count": assessment["overdue_invoice_count"],
            "oldest_overdue_days": assessment["oldest_overdue_days"],
            "credit_limit": assessment["credit_limit"],
            "credit_available": assessment["credit_available"],
            "order_amount": order._credit_alert_amount() if order else 0.0,
            "used": False,
            "used_order_id": False,
            "used_document_name": False,
            "used_date": False,
            "used_amount": 0.0,
            "used_user_id": False,
        }

    @api.model
    def _credit_alert_checked_reason(self, vals):
        """The reason given, stripped; refuse an empty one, and document ids
        that are not one record id each."""
        reason = vals.get("reason") or ""
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            raise UserError(self.env._("Give the reason for overriding the credit block."))
        for field_name in ("order_id", "lead_id", "partner_id", "company_id"):
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
        return reason

    @api.model
    def _credit_alert_document(self, vals):
        """``(operation, document, lead, order, company)`` of the override
        asked for in ``vals``: an order to confirm, an opportunity, or a
        customer (in a company of the user) for a new quotation. The
        document may no longer exist (an empty recordset)."""
        order = self.env["sale.order"]
        lead = self.env["crm.lead"]
        if vals.get("order_id"):
            document = order = order.browse(vals["order_id"]).exists()
            return "confirmation", document, document.opportunity_id, order, document.company_id
        if vals.get("lead_id"):
            document = lead = lead.browse(vals["lead_id"]).exists()
            company = document.company_id or self.env.company
            return "quotation", document, lead, order, company
        if vals.get("partner_id"):
            document = self.env["res.partner"].browse(vals["partner_id"]).exists()
            company = self._credit_alert_allowed_company(vals.get("company_id"))
            return "quotation", document, lead, order, company
        raise UserError(
            self.env._("A credit override concerns an opportunity, a sale order or a customer.")
        )

    @api.model
    def _credit_alert_document_blocks(self, document, company):
        """``{document: assessment}`` when the policy blocks ``document``
        (in ``company``, for a customer), else empty."""
        if not document:
            return {}
        if document._name == "sale.order":
            return document._credit_alert_confirmation_blocks()
        if document._name == "crm.lead":
            return document._credit_alert_quotation_blocks()
        customer = document.commercial_partner_id
        assessment = company._credit_alert_assessments(customer).get(customer.id)
        if assessment and assessment["level"] == "block":
            return {document: assessment}
        return {}

    @api.model
    def _credit_alert_allowed_company(self, company_id):
        """The company of an override for a customer: one the user works in."""
        if not company_id:
            return self.env.company
        company = self.env["res.company"].browse(company_id)
        if company not in self.env.user.company_ids:
            raise UserError(
                self.env._("You can only override credit blocks in your own companies.")
            )
        return company

    def _post_override_message(self):
        """Post who, when, why and the figures in the document's chatter."""
        self.ensure_one()
        if self.operation == "confirmation":
            document = self.order_id
        else:
            # sudo: posting the audit note on the customer needs no right to
            # edit the customer; the override's author stays its author
            document = self.lead_id or self.partner_id.sudo()
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
                self.env._(
                    "Valid until %(date)s, once.",
                    date=format_datetime(self.env, self.expiry_date),
                ),
            ]
        )
        document.message_post(
            body=body, subtype_xmlid="mail.mt_note", author_id=self.user_id.partner_id.id
        )

    @api.model
    def _credit_alert_refusal_message(self, refusal, reasons=None):
        """``refusal`` (one sentence with the figures), then why the
        overrides found do not apply, then who can override."""
        return " ".join(
            [
                refusal,
                *(reasons or []),
                self.env._("A member of the Credit override group can override it, with a reason."),
            ]
        )

    @api.model
    def _credit_alert_quotation_refusal(self, partner, company, assessment, reasons=None):
        """The refusal of a new quotation of ``partner``'s blocked customer,
        the same from the opportunity's button and from any other door."""
        return self._credit_alert_refusal_message(
            self.env._(
                "New quotation refused: %(customer)s is blocked by the credit policy "
                "(%(figures)s).",
                customer=partner.commercial_partner_id.display_name,
                figures=company._credit_alert_message(assessment),
            ),
            reasons,
        )

    @api.model
    def _credit_alert_cover(self, operation, blocks, consume=True):
        """Let the blocked documents through that valid overrides cover.

        ``blocks`` maps the blocked documents to their assessment: sale
        orders to confirm ("confirmation"), new quotations or opportunities
        asking for one ("quotation"). Returns ``(remaining, refusals)``: the
        part of ``blocks`` no valid override covers, and for those documents
        why the overrides found do not apply (sentences); see
        ``services.override_cover`` for when an override applies. With
        ``consume`` and nothing remaining, the overrides used are marked
        with what they were used for.
        """
        if not blocks:
            return {}, {}
        if not self.env.su and not self.env.user.has_group(OVERRIDE_GROUP):
            return blocks, {}
        cover = OverrideCover(self.env, operation)
        remaining, refusals, covering = cover.match(blocks)
        if consume and not remaining:
            cover.use(covering)
        return remaining, refusals
