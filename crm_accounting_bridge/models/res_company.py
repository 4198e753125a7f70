# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL


class ResCompany(models.Model):
    _inherit = "res.company"

    def _crm_accounting_readiness(self):
        """Return the accounting setup items the company still misses.

        Accounting comes before CRM: until this list is empty, sales screens
        say so and the addons built on the bridge keep their accounting-based
        features off. Each item is a dict with ``code`` (stable, for
        programs), ``label`` (for people) and ``action`` (an action dict that
        opens the place where an accountant fixes it).
        """
        self.ensure_one()
        # sudo: the checklist reads configuration (accounts, journals, taxes)
        # that salespeople cannot read, but they must know whether it is done.
        company = self.sudo()
        checks = company._crm_accounting_readiness_checks()
        return [
            {
                "code": code,
                "label": label,
                "action": self.env["ir.actions.actions"]._for_xml_id(action_xmlid),
            }
            for code, label, is_done, action_xmlid in checks
            if not is_done()
        ]

    def _crm_accounting_ready(self):
        """Return whether the company's accounting setup is complete."""
        self.ensure_one()
        # sudo: as in _crm_accounting_readiness, the checks read configuration
        # salespeople cannot read; only the answer is returned
        return all(
            is_done() for _c, _l, is_done, _a in self.sudo()._crm_accounting_readiness_checks()
        )

    def _crm_accounting_readiness_checks(self):
        """Return ``(code, label, check, action xml id)`` for every item.

        ``check`` is a callable so that the first missing item does not pay
        for the others when only a boolean is wanted. Extend this list to add
        items of your own.
        """
        self.ensure_one()
        env = self.env
        settings = "account.action_account_config"
        partner = env["res.partner"].with_company(self)
        category = env["product.category"].with_company(self)

        found = {}

        def exists(key):
            # the three searches run together, once, when the first is asked
            if not found:
                found.update(self._crm_accounting_readiness_records())
            return found[key]

        def has_chart():
            return bool(self.chart_template) and exists("account")

        def usable_default(records, field_name):
            # journal items refuse a deprecated account: such a default is none
            account = records._fields[field_name].get_company_dependent_fallback(records)
            return bool(account) and not account.deprecated

        def has_receivable():
            return usable_default(partner, "property_account_receivable_id")

        def has_income():
            return usable_default(category, "property_account_income_categ_id")

        def has_sale_tax():
            # products and invoice lines take it: an archived or a purchase
            # tax there is no sales tax
            tax = self.account_sale_tax_id
            return bool(tax) and tax.active and tax.type_tax_use == "sale"

        return [
            ("chart_of_accounts", env._("Install a chart of accounts"), has_chart, settings),
            (
                "receivable_account",
                env._("Set the default receivable account of customers"),
                has_receivable,
                settings,
            ),
            (
                "income_account",
                env._("Set the default income account of products"),
                has_income,
                settings,
            ),
            (
                "sale_journal",
                env._("Create a sales journal"),
                lambda: exists("sale_journal"),
                "account.action_account_journal_form",
            ),
            (
                "sale_tax",
                env._("Set the default sales tax"),
                has_sale_tax,
                settings,
            ),
            (
                "payment_terms",
                env._("Create payment terms"),
                lambda: exists("payment_term"),
                "account.action_payment_term_form",
            ),
            (
                "fiscal_country",
                env._("Set the fiscal country"),
                lambda: bool(self.account_fiscal_country_id),
                settings,
            ),
            (
                "currency",
                env._("Set an active company currency"),
                lambda: bool(self.currency_id.active),
                settings,
            ),
        ]

    def _crm_accounting_readiness_records(self):
        """Return whether the company has accounts, a sales journal and payment terms.

        One statement for the three searches, with the ORM's domains (active
        records, the company and its parents): the check runs on every read
        of credit alerts, where three round trips cost more than the
        searches themselves.
        """
        self.ensure_one()
        env = self.env
        searches = {
            # a branch keeps the accounts of its parent company
            "account": env["account.account"]._search(
                env["account.account"]._check_company_domain(self), limit=1
            ),
            "sale_journal": env["account.journal"]._search(
                [("type", "=", "sale"), *env["account.journal"]._check_company_domain(self)],
                limit=1,
            ),
            "payment_term": env["account.payment.term"]._search(
                env["account.payment.term"]._check_company_domain(self), limit=1
            ),
        }
        row = env.execute_query(
            SQL(
                "SELECT %s",
                SQL(", ").join(SQL("EXISTS(%s)", query.select()) for query in searches.values()),
            )
        )[0]
        return dict(zip(searches, row, strict=True))
