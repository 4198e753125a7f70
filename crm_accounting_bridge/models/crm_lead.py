# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount


class CrmLead(models.Model):
    _inherit = "crm.lead"

    negotiated_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Negotiated Payment Terms",
        check_company=True,
        help="Payment terms agreed with the customer; written on the customer "
        "when the opportunity is won, unless accounting set other terms.",
    )
    negotiated_pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Pricelist agreed with the customer; written on the customer when "
        "the opportunity is won, unless accounting set another one.",
    )
    negotiated_credit_limit = fields.Monetary(
        currency_field="company_currency",
        groups="sales_team.group_sale_manager",
        copy=False,
        help="Credit limit agreed by a sales manager; written on the customer "
        "when the opportunity is won, unless accounting set another limit.",
    )
    # The customer's figures of the opportunity's summary panel: the
    # snapshot of its commercial entity, readable by salespeople like the
    # Customer 360 page (the partner fields' groups).
    customer_financial_currency_id = fields.Many2one(
        related="partner_id.commercial_partner_id.financial_currency_id",
        string="Customer Figures Currency",
    )
    customer_receivable_balance = fields.Monetary(
        related="partner_id.commercial_partner_id.receivable_balance",
        string="Customer Receivable",
        currency_field="customer_financial_currency_id",
    )
    customer_overdue_amount = fields.Monetary(
        related="partner_id.commercial_partner_id.overdue_amount",
        string="Customer Overdue",
        currency_field="customer_financial_currency_id",
    )
    customer_overdue_invoice_count = fields.Integer(
        related="partner_id.commercial_partner_id.overdue_invoice_count",
        string="Customer Overdue Invoices",
    )
    customer_avg_payment_delay_days = fields.Float(
        related="partner_id.commercial_partner_id.avg_payment_delay_days",
        string="Customer Average Payment Delay (days)",
    )
    customer_late_payment_rate = fields.Float(
        related="partner_id.commercial_partner_id.late_payment_rate",
        string="Customer Late Payment Rate",
    )
    customer_paid_invoice_count = fields.Integer(
        related="partner_id.commercial_partner_id.paid_invoice_count",
        string="Customer Paid Invoices",
    )
    crm_accounting_ready = fields.Boolean(
        string="Accounting Ready",
        compute="_compute_crm_accounting_ready",
    )
    crm_accounting_readiness_message = fields.Char(
        string="Accounting Readiness",
        compute="_compute_crm_accounting_ready",
    )

    @api.depends("company_id")
    @api.depends_context("company", "lang")
    def _compute_crm_accounting_ready(self):
        """Tell salespeople when the figures they rely on cannot be trusted yet.

        The check runs once per company of the batch, not once per lead.
        """
        for company, leads in self.grouped(lambda lead: lead.company_id).items():
            missing = (company or self.env.company)._crm_accounting_readiness()
            leads.crm_accounting_ready = not missing
            leads.crm_accounting_readiness_message = (
                self.env._(
                    "Accounting is not ready: customer balances and credit warnings "
                    "stay off until an accountant completes the setup (%(items)s).",
                    items=", ".join(item["label"] for item in missing),
                )
                if missing
                else False
            )

    @api.constrains("negotiated_credit_limit")
    def _check_negotiated_credit_limit(self):
        # sudo: the field is a sales manager's (its groups), and the check
        # runs whoever creates or writes the opportunity
        for lead in self.sudo():
            if lead.negotiated_credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The negotiated credit limit of %(lead)s cannot be negative.",
                        lead=lead.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # field groups are only enforced on write by the ORM: a negotiated
        # credit limit stays a sales manager's decision at creation too
        if any(vals.get("negotiated_credit_limit") for vals in vals_list):
            self.check_field_access_rights("write", ["negotiated_credit_limit"])
        leads = super().create(vals_list)
        # an import or an RPC client may create a deal already won
        leads.filtered(lambda lead: lead.stage_id.is_won)._apply_negotiated_terms()
        return leads

    def write(self, vals):
        reaching_won = self.browse()
        if vals.get("stage_id") and self.env["crm.stage"].browse(vals["stage_id"]).is_won:
            reaching_won = self.filtered(lambda lead: not lead.stage_id.is_won)
        result = super().write(vals)
        if reaching_won:
            reaching_won._apply_negotiated_terms()
        return result

    def action_open_customer_360(self):
        """Open the Customer 360 dashboard of the opportunity's customer, or
        its form's Customer 360 page when the dashboard does not list it (a
        prospect without invoices yet)."""
        self.ensure_one()
        if not self.partner_id:
            raise UserError(self.env._("Set a customer on the opportunity first."))
        return self.partner_id.action_open_customer_360_dashboard()

    def _negotiated_term_fields(self):
        """Return ``(lead field, customer field)`` pairs applied when won.

        The customer fields are company-dependent: the customer's own value
        is the one that differs from the company default.
        """
        return [
            ("negotiated_payment_term_id", "property_payment_term_id"),
            ("negotiated_pricelist_id", "specific_property_product_pricelist"),
            ("negotiated_credit_limit", "credit_limit"),
        ]

    def _apply_negotiated_terms(self):
        """Write the negotiated terms on the customer of each won opportunity.

        A value that accounting already set on the customer wins: it is kept,
        and the difference is logged in the customer's chatter, so that the
        accountant decides and nothing is silently overwritten.
        """
        for lead in self:
            customer = lead.partner_id.commercial_partner_id
            if not customer:
                continue
            company = lead.company_id or self.env.company
            # sudo: the customer's payment terms and credit limit belong to
            # accounting groups; here only the terms a manager approved on the
            # opportunity are written, and only where accounting set none.
            lead_sudo = lead.sudo().with_company(company)
            customer_sudo = customer.sudo().with_company(company)
            applied, kept, archived, values = [], [], [], {}
            for lead_field, customer_field in self._negotiated_term_fields():
                negotiated = lead_sudo[lead_field]
                if not negotiated:
                    continue
                field = customer_sudo._fields[customer_field]
                current = customer_sudo[customer_field]
                fallback = field.get_company_dependent_fallback(customer_sudo)
                label = lead_sudo._fields[lead_field].get_description(self.env)["string"]
                if current == negotiated:
                    continue
                # archived since the negotiation: Odoo would ignore it
                if (
                    isinstance(negotiated, models.BaseModel)
                    and "active" in negotiated._fields
                    and not negotiated.active
                ):
                    archived.append((label, negotiated))
                    continue
                if current and current != fallback:
                    kept.append((label, negotiated, current))
                    continue
                values[customer_field] = negotiated.id if field.type == "many2one" else negotiated
                applied.append((label, negotiated))
            if values:
                customer_sudo.write(values)
            if applied or kept or archived:
                customer_sudo.message_post(
                    body=lead._negotiated_terms_message(applied, kept, company, archived),
                    subtype_xmlid="mail.mt_note",
                )

    def _negotiated_terms_message(self, applied, kept, company, archived=()):
        """Chatter note telling which terms were applied, which were kept and
        which were not applied because they are archived."""
        self.ensure_one()

        def show(value):
            if isinstance(value, models.BaseModel):
                return value.display_name
            return format_amount(self.env, value, company.currency_id)

        lines = (
            [
                self.env._(
                    "%(term)s from won opportunity %(lead)s applied: %(value)s.",
                    term=label,
                    lead=self.display_name,
                    value=show(value),
                )
                for label, value in applied
            ]
            + [
                self.env._(
                    "%(term)s negotiated in opportunity %(lead)s is %(negotiated)s, but "
                    "accounting set %(current)s: the customer keeps %(current)s.",
                    term=label,
                    lead=self.display_name,
                    negotiated=show(negotiated),
                    current=show(current),
                )
                for label, negotiated, current in kept
            ]
            + [
                self.env._(
                    "%(term)s negotiated in opportunity %(lead)s is %(negotiated)s, which "
                    "is archived: it is not applied.",
                    term=label,
                    lead=self.display_name,
                    negotiated=show(negotiated),
                )
                for label, negotiated in archived
            ]
        )
        return Markup("<br/>").join(lines)
