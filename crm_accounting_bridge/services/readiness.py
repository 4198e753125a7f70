# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Whether each item of a company's accounting readiness is done."""

from odoo.tools import SQL


class ReadinessChecks:
    """The checks of one company's accounting readiness, one method per item,
    named after the item's code.

    ``res.company._crm_accounting_readiness_checks`` lists the items with
    their labels and the actions that fix them, and decides with which
    rights the company is read. Accounts, sales journals and payment terms
    are searched together, once, when the first of them is asked: the
    readiness is checked on every read of credit alerts.
    """

    def __init__(self, company):
        self.company = company
        self._found = {}

    def chart_of_accounts(self):
        return bool(self.company.chart_template) and self._exists("account")

    def receivable_account(self):
        partner = self.company.env["res.partner"].with_company(self.company)
        return _usable_default(partner, "property_account_receivable_id")

    def income_account(self):
        category = self.company.env["product.category"].with_company(self.company)
        return _usable_default(category, "property_account_income_categ_id")

    def sale_journal(self):
        return self._exists("sale_journal")

    def sale_tax(self):
        # products and invoice lines take it: an archived or a purchase tax
        # there is no sales tax
        tax = self.company.account_sale_tax_id
        return bool(tax) and tax.active and tax.type_tax_use == "sale"

    def payment_terms(self):
        return self._exists("payment_term")

    def fiscal_country(self):
        return bool(self.company.account_fiscal_country_id)

    def currency(self):
        return bool(self.company.currency_id.active)

    def _exists(self, key):
        if not self._found:
            self._found.update(self._search_records())
        return self._found[key]

    def _search_records(self):
        """Return whether the company has accounts, a sales journal and payment terms.

        One statement for the three searches, with the ORM's domains (active
        records, the company and its parents): three round trips would cost
        more than the searches themselves.
        """
        company = self.company
        env = company.env
        searches = {
            # a branch keeps the accounts of its parent company
            "account": env["account.account"]._search(
                env["account.account"]._check_company_domain(company), limit=1
            ),
            "sale_journal": env["account.journal"]._search(
                [("type", "=", "sale"), *env["account.journal"]._check_company_domain(company)],
                limit=1,
            ),
            "payment_term": env["account.payment.term"]._search(
                env["account.payment.term"]._check_company_domain(company), limit=1
            ),
        }
        row = env.execute_query(
            SQL(
                "SELECT %s",
                SQL(", ").join(SQL("EXISTS(%s)", query.select()) for query in searches.values()),
            )
        )[0]
        return dict(zip(searches, row, strict=True))


def _usable_default(records, field_name):
    """Whether the default account of ``field_name`` on ``records`` is set
    and usable: journal items refuse a deprecated account, so such a default
    is none."""
    account = records._fields[field_name].get_company_dependent_fallback(records)
    return bool(account) and not account.deprecated
