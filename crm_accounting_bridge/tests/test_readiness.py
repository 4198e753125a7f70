# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import BARE_MISSING, CrmAccountingBridgeCommon

ALL_CODES = {
    "chart_of_accounts",
    "receivable_account",
    "income_account",
    "sale_journal",
    "sale_tax",
    "payment_terms",
    "fiscal_country",
    "currency",
}


@tagged("post_install", "-at_install")
class TestAccountingReadiness(CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bare_company = cls.env["res.company"].create({"name": "No accounting yet"})

    def _codes(self, company):
        return {item["code"] for item in company._crm_accounting_readiness()}

    def test_company_without_chart_of_accounts(self):
        self.assertEqual(self._codes(self.bare_company), set(BARE_MISSING))
        self.assertFalse(self.bare_company._crm_accounting_ready())
        for item in self.bare_company._crm_accounting_readiness():
            self.assertIn(item["code"], ALL_CODES)
            self.assertTrue(item["label"])
            self.assertEqual(item["action"]["type"], "ir.actions.act_window")

    def test_company_with_generic_chart_is_ready(self):
        self.assertEqual(self._codes(self.env.company), set())
        self.assertTrue(self.env.company._crm_accounting_ready())

    def test_company_with_moroccan_localisation_is_ready(self):
        module = self.env["ir.module.module"]._get("l10n_ma")
        self.assertEqual(
            module.state,
            "installed",
            "l10n_ma must be installed in the test database (tools/test installs it)",
        )
        company = self.env["res.company"].create(
            {
                "name": "Atlas SARL",
                "country_id": self.env.ref("base.ma").id,
                "currency_id": self.env.ref("base.MAD").id,
            }
        )
        self.assertIn("chart_of_accounts", self._codes(company))
        self.env["account.chart.template"].try_loading("ma", company=company, install_demo=False)
        self.assertEqual(company.chart_template, "ma")
        self.assertEqual(self._codes(company), set())
        self.assertTrue(company._crm_accounting_ready())

    def test_each_missing_item_is_reported(self):
        company = self.env.company
        company.account_sale_tax_id = False
        self.assertEqual(self._codes(company), {"sale_tax"})
        self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)]
        ).action_archive()
        self.assertEqual(self._codes(company), {"sale_tax", "sale_journal"})
        self.env["ir.default"].search(
            [
                ("field_id.name", "=", "property_account_receivable_id"),
                ("company_id", "=", company.id),
            ]
        ).unlink()
        self.assertEqual(self._codes(company), {"sale_tax", "sale_journal", "receivable_account"})
        self.assertFalse(company._crm_accounting_ready())

    def test_salesperson_sees_banner_on_opportunity(self):
        salesman = new_test_user(
            self.env,
            login="bare_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=self.bare_company.id,
            company_ids=[Command.set(self.bare_company.ids)],
        )
        lead = (
            self.env["crm.lead"]
            .with_user(salesman)
            .with_company(self.bare_company)
            .create({"name": "Deal before accounting", "type": "opportunity"})
        )
        self.assertFalse(lead.crm_accounting_ready)
        self.assertIn("Accounting is not ready", lead.crm_accounting_readiness_message)
        self.assertIn("Create a sales journal", lead.crm_accounting_readiness_message)
        # the banner does not block the opportunity
        lead.write({"expected_revenue": 1000})

    def test_no_banner_when_ready(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create({"name": "Deal", "type": "opportunity", "partner_id": self.customer.id})
        )
        self.assertTrue(lead.crm_accounting_ready)
        self.assertFalse(lead.crm_accounting_readiness_message)

    def test_unusable_default_sales_tax_is_reported(self):
        """Products take the default sales tax: an archived tax or a purchase
        tax there is no sales tax, and invoices would carry the wrong one."""
        company = self.env.company
        sale_tax = company.account_sale_tax_id
        self.assertNotIn("sale_tax", self._codes(company))
        company.account_sale_tax_id = company.account_purchase_tax_id
        self.assertIn("sale_tax", self._codes(company))
        company.account_sale_tax_id = sale_tax
        sale_tax.active = False
        self.assertIn("sale_tax", self._codes(company))

    def test_branch_reads_the_chart_of_its_parent(self):
        """A branch keeps its parent's accounts: its chart is installed."""
        branch = self.env["res.company"].create(
            {
                "name": "Bridge branch",
                "parent_id": self.env.company.id,
                "country_id": self.env.company.country_id.id,
            }
        )
        self.env["account.chart.template"].try_loading(
            self.env.company.chart_template, branch, install_demo=False
        )
        self.assertEqual(self._codes(branch), set())
        self.assertTrue(branch._crm_accounting_ready())


@tagged("post_install", "-at_install")
class TestReadinessSettings(CrmAccountingBridgeCommon):
    def _settings(self, **values):
        return self.env["res.config.settings"].create(values)

    def test_settings_show_readiness(self):
        settings = self._settings()
        self.assertTrue(settings.crm_accounting_ready)
        self.assertFalse(settings.crm_accounting_missing)
        self.env.company.account_sale_tax_id = False
        settings = self._settings()
        self.assertFalse(settings.crm_accounting_ready)
        self.assertEqual(settings.crm_accounting_missing, ",sale_tax,")

    def test_fix_button_opens_the_place_that_fixes(self):
        self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.env.company.id)]
        ).action_archive()
        action = (
            self._settings()
            .with_context(crm_readiness_code="sale_journal")
            .action_fix_crm_accounting_readiness()
        )
        self.assertEqual(action["res_model"], "account.journal")
        with self.assertRaisesRegex(UserError, "already set up"):
            self._settings().with_context(
                crm_readiness_code="sale_tax"
            ).action_fix_crm_accounting_readiness()

    def test_default_accounts_are_read_and_written(self):
        settings = self._settings()
        receivable = self.company_data["default_account_receivable"]
        self.assertEqual(settings.crm_default_receivable_account_id, receivable)
        new_income = self.copy_account(self.company_data["default_account_revenue"])
        self._settings(crm_default_income_account_id=new_income.id).execute()
        category = self.env["product.category"].with_company(self.env.company)
        fallback = category._fields["property_account_income_categ_id"]
        self.assertEqual(fallback.get_company_dependent_fallback(category), new_income)

    def _assert_defaults_refused(self, receivable, income, receivable_error, income_error):
        """Saving these default accounts is refused, and the defaults stay."""
        default_receivable = self.company_data["default_account_receivable"]
        with self.assertRaisesRegex(ValidationError, receivable_error):
            self._settings(crm_default_receivable_account_id=receivable.id).execute()
        with self.assertRaisesRegex(ValidationError, income_error):
            self._settings(crm_default_income_account_id=income.id).execute()
        partner = self.env["res.partner"].with_company(self.env.company)
        fallback = partner._fields["property_account_receivable_id"]
        self.assertEqual(fallback.get_company_dependent_fallback(partner), default_receivable)

    def test_wrong_account_type_is_refused_and_changes_nothing(self):
        self._assert_defaults_refused(
            self.company_data["default_account_expense"],
            self.company_data["default_account_receivable"],
            "must be of type Receivable",
            "must be of type Income",
        )

    def test_deprecated_account_is_refused_and_changes_nothing(self):
        old_receivable = self.copy_account(self.company_data["default_account_receivable"])
        old_income = self.copy_account(self.company_data["default_account_revenue"])
        (old_receivable | old_income).deprecated = True
        self._assert_defaults_refused(old_receivable, old_income, "deprecated", "deprecated")

    def test_account_of_another_company_is_refused_and_changes_nothing(self):
        """The fields' domains bind only the client: an RPC call or an import
        can send an account the company cannot use."""
        other = self.setup_other_company(name="Bridge other company")
        self._assert_defaults_refused(
            other["default_account_receivable"],
            other["default_account_revenue"],
            "does not belong to",
            "does not belong to",
        )

    def test_deprecated_default_accounts_are_reported(self):
        """Journal items refuse a deprecated account: a default that an
        accountant deprecated later is as good as no default."""
        self.company_data["default_account_receivable"].deprecated = True
        settings = self._settings()
        self.assertEqual(settings.crm_accounting_missing, ",receivable_account,")
        # shown empty, and other settings still save
        self.assertFalse(settings.crm_default_receivable_account_id)
        settings.execute()
        category = self.env["product.category"].with_company(self.env.company)
        income = category._fields["property_account_income_categ_id"]
        income.get_company_dependent_fallback(category).deprecated = True
        self.assertEqual(
            self._settings().crm_accounting_missing, ",receivable_account,income_account,"
        )
