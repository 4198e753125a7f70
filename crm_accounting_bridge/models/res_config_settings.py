# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

RECEIVABLE_TYPES = ("asset_receivable",)
INCOME_TYPES = ("income", "income_other")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_accounting_ready = fields.Boolean(
        string="Accounting Ready for CRM",
        compute="_compute_crm_accounting_readiness",
    )
    crm_accounting_missing = fields.Char(
        string="Missing Accounting Items",
        compute="_compute_crm_accounting_readiness",
        help="Codes of the missing items, comma-separated and comma-framed.",
    )
    crm_default_receivable_account_id = fields.Many2one(
        "account.account",
        string="Default Receivable Account",
        domain="[('account_type', '=', 'asset_receivable'), ('deprecated', '=', False), "
        "('company_ids', 'parent_of', company_id)]",
        help="Receivable account of customers that have none of their own.",
    )
    crm_default_income_account_id = fields.Many2one(
        "account.account",
        string="Default Income Account",
        domain="[('account_type', 'in', ('income', 'income_other')), "
        "('deprecated', '=', False), ('company_ids', 'parent_of', company_id)]",
        help="Income account of product categories that have none of their own.",
    )

    @api.depends("company_id")
    def _compute_crm_accounting_readiness(self):
        for settings in self:
            missing = settings.company_id._crm_accounting_readiness()
            settings.crm_accounting_ready = not missing
            codes = ",".join(item["code"] for item in missing)
            settings.crm_accounting_missing = f",{codes}," if codes else False

    @api.constrains("crm_default_receivable_account_id", "crm_default_income_account_id")
    def _check_crm_default_accounts(self):
        for settings in self:
            for account in (
                settings.crm_default_receivable_account_id | settings.crm_default_income_account_id
            ):
                if account.deprecated:
                    raise ValidationError(
                        self.env._(
                            "%(account)s is deprecated: journal items cannot use it, "
                            "so it cannot be a default account.",
                            account=account.display_name,
                        )
                    )
                # the fields' domains bind the form only, not RPC or imports
                if not account.company_ids & settings.company_id.parent_ids:
                    raise ValidationError(
                        self.env._(
                            "%(account)s does not belong to %(company)s, "
                            "so it cannot be its default account.",
                            account=account.display_name,
                            company=settings.company_id.display_name,
                        )
                    )
            receivable = settings.crm_default_receivable_account_id
            if receivable and receivable.account_type not in RECEIVABLE_TYPES:
                raise ValidationError(
                    self.env._(
                        "The default receivable account must be of type Receivable; "
                        "%(account)s is not.",
                        account=receivable.display_name,
                    )
                )
            income = settings.crm_default_income_account_id
            if income and income.account_type not in INCOME_TYPES:
                raise ValidationError(
                    self.env._(
                        "The default income account must be of type Income or "
                        "Other Income; %(account)s is not.",
                        account=income.display_name,
                    )
                )

    @api.model
    def get_values(self):
        res = super().get_values()
        company = self.env.company
        partner = self.env["res.partner"].with_company(company)
        category = self.env["product.category"].with_company(company)
        receivable = partner._fields["property_account_receivable_id"]
        income = category._fields["property_account_income_categ_id"]
        # a default deprecated since shows empty, as the readiness check
        # reports it, so that saving other settings is not refused for it
        res.update(
            crm_default_receivable_account_id=receivable.get_company_dependent_fallback(partner)
            .filtered(lambda account: not account.deprecated)
            .id,
            crm_default_income_account_id=income.get_company_dependent_fallback(category)
            .filtered(lambda account: not account.deprecated)
            .id,
        )
        return res

    def set_values(self):
        result = super().set_values()
        # sudo: as Odoo's own set_values for default_* fields: company-wide
        # defaults, which ir.default's rules keep from users; only these two
        # of this company are written
        defaults = self.env["ir.default"].sudo()
        company = self.company_id
        if self.crm_default_receivable_account_id:
            defaults.set(
                "res.partner",
                "property_account_receivable_id",
                self.crm_default_receivable_account_id.id,
                company_id=company.id,
            )
        if self.crm_default_income_account_id:
            defaults.set(
                "product.category",
                "property_account_income_categ_id",
                self.crm_default_income_account_id.id,
                company_id=company.id,
            )
        return result

    def action_fix_crm_accounting_readiness(self):
        """Open the place that fixes the item named in the context."""
        self.ensure_one()
        code = self.env.context.get("crm_readiness_code")
        for item in self.company_id._crm_accounting_readiness():
            if item["code"] == code:
                return item["action"]
        raise UserError(self.env._("This accounting item is already set up; reload the page."))
