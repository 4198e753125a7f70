# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_accounting_bridge.tests.french import (
    missing_french,
    missing_french_now,
    use_french,
)


@tagged("post_install", "-at_install")
class TestFrench(TransactionCase):
    def test_every_term_has_its_french(self):
        self.assertEqual(missing_french("sale_margin_customer"), [], "terms of the .pot")
        self.assertEqual(
            missing_french_now(self.env, "sale_margin_customer"),
            [],
            "terms of the addon as installed (regenerate the .pot, then translate them)",
        )

    def test_the_margin_report_in_french(self):
        use_french(self.env, ["sale_margin_customer"])
        report = self.env["sale.margin.customer.report"].with_context(lang="fr_FR")
        fields = report.fields_get(
            [
                "revenue",
                "cost",
                "margin",
                "margin_percent",
                "customer_count",
                "move_type",
                "missing_cost_count",
            ],
            ["string", "selection"],
        )
        self.assertEqual(
            {name: values["string"] for name, values in fields.items()},
            {
                "revenue": "Chiffre d'affaires",
                "cost": "Coût",
                "margin": "Marge",
                "margin_percent": "Marge (%)",
                "customer_count": "Clients",
                "move_type": "Type",
                "missing_cost_count": "Lignes sans coût",
            },
        )
        self.assertEqual(
            fields["move_type"]["selection"], [("out_invoice", "Facture"), ("out_refund", "Avoir")]
        )
        partner = self.env["res.partner"].with_context(lang="fr_FR")
        tier = partner.fields_get(["profitability_tier"], ["string"])["profitability_tier"]
        self.assertEqual(tier["string"], "Catégorie de rentabilité")
        arch = partner.get_view(view_type="form")["arch"]
        self.assertIn(
            "Des coûts manquent : la marge compte ces lignes sans coût, et la catégorie les "
            "laisse de côté.",
            arch,
        )
        search = report.get_view(view_type="search")["arch"]
        self.assertIn("Coût manquant", search)
        action = self.env.ref("sale_margin_customer.sale_margin_customer_report_action")
        self.assertEqual(action.with_context(lang="fr_FR").name, "Marge par client")
