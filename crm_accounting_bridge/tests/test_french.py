# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import CrmAccountingBridgeCommon
from .french import NBSP, InDirhams, as_user, missing_french, missing_french_now, plain, use_french


@tagged("post_install", "-at_install")
class TestFrench(InDirhams, CrmAccountingBridgeCommon):
    """A French-speaking salesperson of a Moroccan company reads the bridge in
    French, with French figures; an English-speaking one still in English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        use_french(cls.env, ["crm_accounting_bridge"])
        # the English reader too (a database created in French has English off)
        cls.env["res.lang"]._activate_lang("en_US")
        # the salesperson and the sales manager switch to French
        (cls.salesman | cls.sales_manager).lang = "fr_FR"
        cls.english_salesman = new_test_user(
            cls.env,
            login="bridge_english_salesman",
            groups="sales_team.group_sale_salesman",
            lang="en_US",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.bare_company = cls.env["res.company"].create({"name": "Sans comptabilité"})

    def test_the_readiness_checklist_in_french(self):
        items = self.bare_company.with_context(lang="fr_FR")._crm_accounting_readiness()
        self.assertEqual(
            [item["label"] for item in items],
            [
                "Installer un plan comptable",
                "Définir le compte client par défaut",
                "Définir le compte de revenus par défaut des produits",
                "Créer un journal de ventes",
                "Définir la taxe de vente par défaut",
                "Définir le pays d'imposition",
            ],
        )
        arch = (
            self.env["res.config.settings"]
            .with_context(lang="fr_FR")
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        for text in (
            "Préparation de la comptabilité pour le CRM",
            "La comptabilité avant le CRM",
            "Installer un plan comptable",
            "Définir le compte client par défaut",
            "La comptabilité est prête pour les ventes et le CRM.",
            "Corriger",
        ):
            self.assertIn(text, arch)

    def test_the_readiness_banner_in_the_readers_language(self):
        users = {}
        for lang in ("en_US", "fr_FR"):
            users[lang] = new_test_user(
                self.env,
                login=f"bare_salesman_{lang}",
                groups="sales_team.group_sale_salesman",
                lang=lang,
                company_id=self.bare_company.id,
                company_ids=[Command.set(self.bare_company.ids)],
            )
        lead = (
            as_user(self.env["crm.lead"], users["en_US"])
            .with_company(self.bare_company)
            .create({"name": "Deal before accounting", "type": "opportunity"})
        )
        self.assertEqual(
            lead.crm_accounting_readiness_message,
            "Accounting is not ready: customer balances and credit warnings stay off until an "
            "accountant completes the setup (Install a chart of accounts, Set the default "
            "receivable account of customers, Set the default income account of products, "
            "Create a sales journal, Set the default sales tax, Set the fiscal country).",
        )
        # the French salesperson opens the same opportunity in the same
        # transaction: French, not the English just computed
        self.assertEqual(
            as_user(lead, users["fr_FR"]).crm_accounting_readiness_message,
            "La comptabilité n'est pas prête : les encours clients et les alertes de crédit "
            "restent désactivés tant qu'un comptable n'a pas terminé la configuration "
            "(Installer un plan comptable, Définir le compte client par défaut, "
            "Définir le compte de revenus par défaut des produits, Créer un journal de ventes, "
            "Définir la taxe de vente par défaut, Définir le pays d'imposition).",
        )

    def test_customer_360_labels_in_french(self):
        report = as_user(self.env["crm.customer.360"], self.salesman)
        labels = report.fields_get(
            [
                "partner_id",
                "user_id",
                "receivable_balance",
                "overdue_amount",
                "overdue_invoice_count",
                "oldest_overdue_days",
                "revenue_ltm",
                "avg_payment_delay_days",
                "late_payment_rate",
                "aging_not_due",
                "aging_1_30",
                "aging_over_90",
                "credit_available",
            ],
            ["string"],
        )
        self.assertEqual(
            {name: values["string"] for name, values in labels.items()},
            {
                "partner_id": "Client",
                "user_id": "Vendeur",
                "receivable_balance": "Encours client",
                "overdue_amount": "Montant en souffrance",
                "overdue_invoice_count": "Factures en retard",
                "oldest_overdue_days": "Plus ancien retard (jours)",
                "revenue_ltm": "Chiffre d'affaires (12 mois)",
                "avg_payment_delay_days": "Retard de paiement moyen (jours)",
                "late_payment_rate": "Taux de paiements en retard",
                "aging_not_due": "Non échu",
                "aging_1_30": "1-30 jours",
                "aging_over_90": "Plus de 90 jours",
                "credit_available": "Crédit disponible",
            },
        )
        views = report.get_views([(False, "kanban"), (False, "form"), (False, "search")])["views"]
        for view_type, texts in {
            "kanban": [
                "<span>Encours</span>",
                "En retard (",
                "jours)",
                "Chiffre d'affaires 12 mois",
            ],
            "form": [
                "Balance âgée de l'encours",
                "Comportement de paiement",
                "Pipeline et commandes",
                "Créances",
            ],
            "search": ["Mes clients", "En retard de plus de 90 jours"],
        }.items():
            for text in texts:
                self.assertIn(text, views[view_type]["arch"], view_type)
        action = self.env.ref("crm_accounting_bridge.crm_customer_360_action")
        action = action.with_context(lang="fr_FR")
        self.assertEqual(action.name, "Client 360")
        self.assertIn("Aucun client avec des données comptables pour l'instant", action.help)
        partner_form = as_user(self.env["res.partner"], self.salesman).get_views([(False, "form")])
        self.assertIn("Client 360", partner_form["views"]["form"]["arch"])

    def test_no_payment_yet_in_french(self):
        report = as_user(self.env["crm.customer.360"], self.salesman)
        self.assertEqual(
            report.fields_get(["paid_invoice_count"], ["string"])["paid_invoice_count"]["string"],
            "Factures payées (12 mois)",
        )
        for model in (report, as_user(self.env["res.partner"], self.salesman)):
            arch = model.get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn(
                "Aucun paiement pour l'instant : ni retard de paiement ni taux de paiements "
                "en retard.",
                arch,
            )

    def test_the_aging_bar_in_the_readers_language(self):
        self._create_invoice(self.customer, 12450, invoice_offset=-40, due_offset=-10)
        self._create_invoice(self.customer, 1000, invoice_offset=-5, due_offset=25)
        english = plain(as_user(self.customer, self.english_salesman).aging_bar)
        self.assertIn("Not Due: 1,000.00 DH", english)
        self.assertIn("1-30 Days: 12,450.00 DH", english)
        # the French reader, in the same transaction: French labels and figures
        bar = as_user(self.customer, self.salesman).aging_bar
        self.assertIn(f"12{NBSP}450,00{NBSP}DH", bar, "no line break inside an amount")
        french = plain(bar)
        # French typography: a space before the colon
        self.assertIn("Non échu : 1 000,00 DH", french)
        self.assertIn("1-30 jours : 12 450,00 DH", french)
        other = self.env["res.partner"].create({"name": "Sans encours", "is_company": True})
        self.assertIn("Aucun encours", as_user(other, self.salesman).aging_bar)

    def test_the_negotiated_terms_note_in_french(self):
        lead = as_user(self.env["crm.lead"], self.sales_manager).create(
            {
                "name": "Carrelage Anfa",
                "type": "opportunity",
                "partner_id": self.contact.id,
                "negotiated_credit_limit": 12450.0,
            }
        )
        lead.action_set_won()
        self.assertEqual(
            plain(self.customer.message_ids[:1].body),
            "Limite de crédit négociée de l'opportunité gagnée Carrelage Anfa : valeur "
            "appliquée 12 450,00 DH.",
        )


@tagged("post_install", "-at_install")
class TestFrenchTranslation(TransactionCase):
    def test_every_term_has_its_french(self):
        self.assertEqual(missing_french("crm_accounting_bridge"), [], "terms of the .pot")
        self.assertEqual(
            missing_french_now(self.env, "crm_accounting_bridge"),
            [],
            "terms of the addon as installed (regenerate the .pot, then translate them)",
        )
