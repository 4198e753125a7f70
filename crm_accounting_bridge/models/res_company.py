# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..services.readiness import ReadinessChecks


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

    def _crm_accounting_readiness_item_checks(self):
        """Return ``{code: (label, check, action xml id)}`` of every item, in
        the checklist's order, for the readiness page."""
        self.ensure_one()
        # sudo: as in _crm_accounting_readiness, the checks read configuration
        # (accounts, journals, taxes); the page shows only labels and answers
        return {
            code: (label, is_done, action)
            for code, label, is_done, action in self.sudo()._crm_accounting_readiness_checks()
        }

    def _crm_accounting_readiness_purposes(self):
        """Return ``{code: what waits for the item}``, shown beside each item
        of the readiness page. Extend it with the items you add."""
        env = self.env
        return {
            "chart_of_accounts": env._("Every accounting figure: invoices need accounts."),
            "receivable_account": env._(
                "Customer balances, overdue amounts and credit alerts: they read "
                "the receivable account."
            ),
            "income_account": env._("Invoicing sale orders; revenue and margins of customers."),
            "sale_journal": env._("Invoicing sale orders."),
            "sale_tax": env._("Quotations and invoices with the right sales tax."),
            "payment_terms": env._("Due dates: overdue amounts and payment delays."),
            "fiscal_country": env._("Taxes and fiscal positions of the country."),
            "currency": env._("The amounts of every figure."),
        }

    def _crm_accounting_waiting_features(self):
        """Return the labels of the sales features that stay off until every
        readiness item is done. Addons add their own."""
        return [
            self.env._(
                "The customer summary on opportunities (receivable, overdue, "
                "payment behaviour); a banner says what is missing instead."
            ),
        ]

    def _crm_accounting_readiness_checks(self):
        """Return ``(code, label, check, action xml id)`` for every item.

        ``check`` is a callable so that the first missing item does not pay
        for the others when only a boolean is wanted (see
        ``services.readiness``). Extend this list to add items of your own.
        """
        self.ensure_one()
        env = self.env
        checks = ReadinessChecks(self)
        settings = "account.action_account_config"
        journals = "account.action_account_journal_form"
        payment_terms = "account.action_payment_term_form"
        return [
            (
                "chart_of_accounts",
                env._("Install a chart of accounts"),
                checks.chart_of_accounts,
                settings,
            ),
            (
                "receivable_account",
                env._("Set the default receivable account of customers"),
                checks.receivable_account,
                settings,
            ),
            (
                "income_account",
                env._("Set the default income account of products"),
                checks.income_account,
                settings,
            ),
            ("sale_journal", env._("Create a sales journal"), checks.sale_journal, journals),
            ("sale_tax", env._("Set the default sales tax"), checks.sale_tax, settings),
            (
                "payment_terms",
                env._("Create payment terms"),
                checks.payment_terms,
                payment_terms,
            ),
            ("fiscal_country", env._("Set the fiscal country"), checks.fiscal_country, settings),
            ("currency", env._("Set an active company currency"), checks.currency, settings),
        ]
