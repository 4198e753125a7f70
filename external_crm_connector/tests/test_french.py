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
        self.assertEqual(missing_french("external_crm_connector"), [], "terms of the .pot")
        self.assertEqual(
            missing_french_now(self.env, "external_crm_connector"),
            [],
            "terms of the addon as installed (regenerate the .pot, then translate them)",
        )

    def test_the_inbox_in_french(self):
        use_french(self.env, ["external_crm_connector"])
        event = self.env["external.crm.event"].with_context(lang="fr_FR")
        state = event.fields_get(["state"], ["string", "selection"])["state"]
        self.assertEqual(state["string"], "État")
        self.assertEqual(
            dict(state["selection"]),
            {
                "received": "Reçu",
                "done": "Terminé",
                "failed": "Échec",
                "conflict": "Conflit",
                "ignored": "Ignoré",
                "duplicate": "Doublon",
                "rejected": "Rejeté",
            },
        )
        for xmlid, name in (
            ("external_crm_connector.external_crm_event_action", "Boîte de réception"),
            ("external_crm_connector.external_crm_conflict_action", "Conflits à examiner"),
            ("external_crm_connector.external_crm_binding_action", "Liaisons"),
        ):
            self.assertEqual(self.env.ref(xmlid).with_context(lang="fr_FR").name, name)
