# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import format_datetime

from odoo.addons.crm_accounting_bridge.tests.french import (
    NBSP,
    InDirhams,
    as_user,
    missing_french,
    missing_french_now,
    plain,
    use_french,
)

from .common import CrmCreditAlertCommon


@tagged("post_install", "-at_install")
class TestCreditAlertFrench(InDirhams, CrmCreditAlertCommon):
    """French-speaking salespeople of a Moroccan company read the credit
    alerts, refusals and override notes in French, with French figures;
    English-speaking ones still read them in English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        use_french(cls.env, ["crm_accounting_bridge", "crm_credit_alert"])
        # the English reader too (a database created in French has English off)
        cls.env["res.lang"]._activate_lang("en_US")
        (cls.salesman | cls.overrider).lang = "fr_FR"
        cls.english_salesman = new_test_user(
            cls.env,
            login="credit_english_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
            lang="en_US",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # three overdue invoices, 12,450 in all, the oldest 47 days overdue,
        # under a credit limit of 20,000: a warning
        cls._create_invoice(cls.customer, 5000, -77, -47)
        cls._create_invoice(cls.customer, 4450, -50, -20)
        cls._create_invoice(cls.customer, 3000, -40, -10)
        cls._use_credit_limit(cls.customer, limit=20000.0)
        cls.lead = cls._create_opportunity(cls.customer)

    def _read(self, record, user):
        """``(level, message)`` of ``record`` as ``user`` reads it afresh."""
        self.env.invalidate_all()
        record = as_user(record, user)
        return record.credit_alert_level, record.credit_alert_message

    def test_the_credit_alert_in_french_with_french_figures(self):
        level, message = self._read(self.lead, self.salesman)
        self.assertEqual(level, "warning")
        self.assertEqual(
            plain(message),
            "3 factures en retard, 12 450,00 DH, la plus ancienne avec 47 jours de retard ; "
            "7 550,00 DH de crédit disponible",
        )
        self.assertIn(f"12{NBSP}450,00{NBSP}DH", message, "no line break inside an amount")
        # the English salesperson reads the same customer in English
        self.assertEqual(
            plain(self._read(self.lead, self.english_salesman)[1]),
            "3 overdue invoices, 12,450.00 DH, oldest 47 days overdue; 7,550.00 DH of credit left",
        )

    def test_one_invoice_one_day_in_the_singular(self):
        customer = self._create_customer("Client ponctuel")
        self._create_invoice(customer, 500, -31, -1)
        lead = self._create_opportunity(customer)
        self.assertEqual(
            plain(self._read(lead, self.salesman)[1]),
            "1 facture en retard, 500,00 DH, la plus ancienne avec 1 jour de retard",
        )
        self.assertEqual(
            plain(self._read(lead, self.english_salesman)[1]),
            "1 overdue invoice, 500.00 DH, oldest 1 day overdue",
        )

    def _glance(self, record, user):
        """``(level, message, badge, summary)`` of ``record`` as ``user``
        reads it afresh, in plain text."""
        self.env.invalidate_all()
        record = as_user(record, user)
        return (
            record.credit_alert_level,
            plain(record.credit_alert_message or ""),
            plain(record.credit_alert_badge or ""),
            plain(record.credit_alert_summary or ""),
        )

    def test_the_badge_and_the_banner_in_french(self):
        level, message, badge, summary = self._glance(self.lead, self.salesman)
        self.assertEqual(level, "warning")
        self.assertEqual(badge, "En retard 12 450,00 DH")
        self.assertEqual(summary, f"Avertissement de crédit : {message}")
        english = self._glance(self.lead, self.english_salesman)
        self.assertEqual(english[2], "Overdue 12,450.00 DH")
        self.assertTrue(english[3].startswith("Credit warning: 3 overdue invoices, "))

    def test_covered_overdue_invoices_in_french(self):
        covered = self._create_customer("Client remboursé")
        self._create_invoice(covered, 3000, -60, -40)
        self._create_invoice(covered, 3000, 0, 0, move_type="out_refund")
        lead = self._create_opportunity(covered)
        self.assertEqual(
            self._glance(lead, self.salesman)[3],
            "Aucune alerte de crédit : 1 facture en retard, 3 000,00 DH, couverts par 1 avoir "
            "/ paiement non lettré : demandez le lettrage à la comptabilité",
        )
        self.assertEqual(
            self._glance(lead, self.english_salesman)[3],
            "No credit alert: 1 overdue invoice, 3,000.00 DH, covered by 1 unallocated credit "
            "note / payment: ask accounting to reconcile",
        )
        partly = self._create_customer("Client en partie remboursé")
        self._create_invoice(partly, 3000, -60, -40)
        self._create_unallocated_payment(partly, 1000, 0)
        self._create_unallocated_payment(partly, 1000, -1)
        lead = self._create_opportunity(partly)
        level, message, badge, _summary = self._glance(lead, self.salesman)
        self.assertEqual((level, badge), ("warning", "En retard 1 000,00 DH"))
        self.assertEqual(
            message,
            "1 facture en retard, 1 000,00 DH non couverts (3 000,00 DH en retard, 2 000,00 DH "
            "couverts par 2 avoirs / paiements non lettrés : demandez le lettrage à la "
            "comptabilité), la plus ancienne avec 40 jours de retard",
        )

    def test_the_refusal_and_the_override_note_in_french(self):
        customer = self._create_customer("Atlas Négoce")
        self._use_credit_limit(customer, limit=10000.0)
        self._create_invoice(customer, 12450, -10, 20)
        figures = "2 450,00 DH au-delà de la limite de crédit de 10 000,00 DH"
        lead = self._create_opportunity(customer)
        with self.assertRaises(UserError) as refusal:
            as_user(lead, self.salesman).action_new_quotation()
        self.assertEqual(
            plain(str(refusal.exception)),
            f"Nouveau devis refusé : Atlas Négoce est bloqué par la politique de crédit "
            f"({figures}). Un membre du groupe Dérogation de crédit peut y déroger, en donnant "
            "un motif.",
        )
        # the French member of the Credit override group overrides it
        lead = self._create_opportunity(customer, user=self.overrider)
        action = as_user(lead, self.overrider).action_new_quotation()
        self.assertEqual(action["res_model"], "crm.credit.override.wizard")
        wizard = (
            as_user(self.env["crm.credit.override.wizard"], self.overrider)
            .with_context(**action["context"])
            .create({"reason": "Paiement promis pour vendredi par le directeur financier"})
        )
        self.assertEqual(plain(wizard.alert_message), f"Atlas Négoce : {figures}")
        wizard.action_override()
        override = self.env["crm.credit.override"].search([("lead_id", "=", lead.id)])
        french_env = as_user(override, self.overrider).env
        self.assertEqual(
            plain(lead.message_ids[0].body),
            "Dérogation au blocage de crédit accordée par Olivia Override le "
            f"{plain(format_datetime(french_env, override.date))} (Nouveau devis). "
            "Motif : Paiement promis pour vendredi par le directeur financier "
            f"Chiffres à ce moment : {figures} "
            f"Valable jusqu'au {plain(format_datetime(french_env, override.expiry_date))}, "
            "une seule fois.",
        )

    def test_the_banner_and_the_labels_in_french(self):
        lead_model = as_user(self.env["crm.lead"], self.salesman)
        arch = lead_model.get_views([(False, "form")])["views"]["form"]["arch"]
        for text in (
            'title="Avertissement de crédit"',
            "Aucun nouveau devis ni aucune confirmation de commande sans dérogation de crédit.",
            "Créances en retard",
            "Client 360",
        ):
            self.assertIn(text, arch)
        field = lead_model.fields_get(["credit_alert_level"], ["string", "selection"])[
            "credit_alert_level"
        ]
        self.assertEqual(field["string"], "Alerte de crédit")
        self.assertEqual(
            field["selection"],
            [
                ("none", "Aucune alerte"),
                ("warning", "Avertissement de crédit"),
                ("block", "Crédit bloqué"),
            ],
        )


@tagged("post_install", "-at_install")
class TestFrenchTranslation(TransactionCase):
    def test_every_term_has_its_french(self):
        self.assertEqual(missing_french("crm_credit_alert"), [], "terms of the .pot")
        self.assertEqual(
            missing_french_now(self.env, "crm_credit_alert"),
            [],
            "terms of the addon as installed (regenerate the .pot, then translate them)",
        )
