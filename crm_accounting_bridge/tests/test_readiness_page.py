# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import BARE_MISSING, CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestReadinessPage(CrmAccountingBridgeCommon):
    """The accountant's guided page of the readiness checklist."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bare_company = cls.env["res.company"].create({"name": "Readiness page company"})
        cls.accountant = new_test_user(
            cls.env,
            login="readiness_accountant",
            groups="account.group_account_manager,base.group_system",
            company_id=cls.bare_company.id,
            company_ids=[Command.set((cls.bare_company | cls.env.company).ids)],
        )
        cls.open_action = cls.env.ref("crm_accounting_bridge.crm_accounting_readiness_action")

    def _open(self, user, company):
        action = self.open_action.with_user(user).with_company(company).run()
        self.assertEqual(action["res_model"], "crm.accounting.readiness")
        return self.env["crm.accounting.readiness"].with_user(user).browse(action["res_id"])

    def test_progress_and_missing_items(self):
        page = self._open(self.accountant, self.bare_company)
        self.assertEqual(page.company_id, self.bare_company)
        self.assertEqual(page.total_count, 8)
        self.assertEqual(page.done_count, 2)
        self.assertAlmostEqual(page.progress, 25.0)
        self.assertEqual(page.progress_text, "2 of 8 done")
        self.assertEqual(page.display_name, "Accounting Readiness of Readiness page company")
        self.assertFalse(page.ready)
        missing = page.item_ids.filtered(lambda item: not item.done)
        self.assertEqual(missing.mapped("code"), BARE_MISSING)
        # the same items as the checklist the banners read
        self.assertEqual(
            [item.name for item in missing],
            [item["label"] for item in self.bare_company._crm_accounting_readiness()],
        )
        self.assertEqual(page.next_item_id.code, "chart_of_accounts")
        self.assertTrue(all(item.purpose for item in page.item_ids))
        self.assertIn("<li>", page.waiting_features)

    def test_each_button_opens_the_place_that_fixes_it(self):
        page = self._open(self.accountant, self.bare_company)
        expected = {
            code: action
            for code, _label, _check, action in self.bare_company._crm_accounting_readiness_checks()
        }
        for item in page.item_ids:
            with self.subTest(item.code):
                action = item.action_fix()
                reference = self.env["ir.actions.actions"]._for_xml_id(expected[item.code])
                self.assertEqual(action["id"], reference["id"])
                self.assertEqual(action["res_model"], reference["res_model"])
        self.assertEqual(page.action_fix_next()["id"], page.next_item_id.action_fix()["id"])

    def test_a_fixed_item_shows_done_on_return(self):
        page = self._open(self.accountant, self.bare_company)
        fiscal = page.item_ids.filtered(lambda item: item.code == "fiscal_country")
        self.assertFalse(fiscal.done)
        self.bare_company.account_fiscal_country_id = self.env.ref("base.ma")
        self.env.invalidate_all()
        self.assertTrue(fiscal.done)
        self.assertEqual(page.done_count, 3)

    def test_ready_company(self):
        page = self._open(self.accountant, self.env.company)
        self.assertTrue(page.ready)
        self.assertEqual(page.done_count, page.total_count)
        self.assertFalse(page.next_item_id)
        with self.assertRaises(UserError):
            page.action_fix_next()

    def test_page_renders_for_the_accountant(self):
        page = self._open(self.accountant, self.bare_company)
        views = page.get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        for text in ("action_fix_next", "action_fix", "waiting_features", "progressbar"):
            self.assertIn(text, arch)
        spec = {name: {} for name in views["models"]["crm.accounting.readiness"]["fields"]}
        spec["item_ids"] = {
            "fields": {
                name: {} for name in views["models"]["crm.accounting.readiness.item"]["fields"]
            }
        }
        values = page.web_read(spec)[0]
        self.assertEqual(len(values["item_ids"]), 8)
        self.assertEqual(values["done_count"], 2)

    def test_reachable_from_menu_and_settings(self):
        menu = self.env.ref("crm_accounting_bridge.crm_accounting_readiness_menu")
        self.assertEqual(menu.action, self.open_action)
        self.assertIn(
            menu.id,
            self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids(),
        )
        self.assertNotIn(
            menu.id,
            self.env["ir.ui.menu"].with_user(self.salesman)._visible_menu_ids(),
        )
        arch = (
            self.env["res.config.settings"]
            .with_user(self.accountant)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn(f'name="{self.open_action.id}"', arch)

    def test_salesperson_cannot_open_it(self):
        with self.assertRaises(AccessError):
            self.open_action.with_user(self.salesman).run()
        with self.assertRaises(AccessError):
            self.env["crm.accounting.readiness"].with_user(self.salesman).create({})


@tagged("post_install", "-at_install")
class TestReadinessPageTour(HttpCase):
    """The accountant's readiness flow in a browser."""

    def test_accountant_fixes_an_item(self):
        company = self.env["res.company"].create({"name": "Readiness tour company"})
        new_test_user(
            self.env,
            login="readiness_tour_accountant",
            groups="account.group_account_manager,base.group_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        self.start_tour(
            "/odoo/action-crm_accounting_bridge.crm_accounting_readiness_action",
            "crm_accounting_readiness_tour",
            login="readiness_tour_accountant",
        )
