# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon
from odoo.addons.crm_accounting_bridge.tests.french import (
    missing_french,
    missing_french_now,
    use_french,
)

from .clock import iso, moment
from .common import ExternalCrmCase


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


@tagged("post_install", "-at_install")
class TestCountsInTheNotes(ExternalCrmCase, CrmAccountingBridgeCommon):
    """A note that counts says one thing in the singular, in English as in
    French (which Odoo's env._, without plural forms, cannot tell apart)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the accounting test user sets the connector up as an administrator would
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.generic.write(
            {
                "order_creation": True,
                "status_enabled": True,
                # never called: the tests stop once the jobs are queued
                "outbound_url": "http://127.0.0.1:9/status",
            }
        )
        for code in ("CAR-6060", "LIV-CASA"):
            cls.env["product.product"].create(
                {"name": code, "default_code": code, "invoice_policy": "order"}
            )
        cls.hubspot = cls._setup_fake_hubspot(
            "pat-na1-french", name="HubSpot Maroc", writeback_enabled=True
        )

    def setUp(self):
        super().setUp()
        self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )

    def _deal(self, skus, stage="won", day=-1):
        """Deliver the customer ext-C-100's deal ext-D-301 of a line per SKU,
        changed ``day`` days from today; return its event."""
        lines = [
            {"sku": sku, "name": sku, "quantity": 1, "unit_price": 100 * (index + 1)}
            for index, sku in enumerate(skus)
        ]
        data = {
            "name": "Carrelage showroom Anfa",
            "stage": stage,
            "company_id": "ext-C-100",
            "currency": self.env.company.currency_id.name,
            "lines": lines,
        }
        item = self._item("deal", "ext-D-301", data, updated_at=iso(moment(day, 9)))
        return self._deliver(self.generic, [item])

    def _dry_run_of_won_deal(self, skus):
        """The deal won while the backend made no orders, then changed again
        in a dry run of the backend making orders: the event of the latter."""
        self.generic.order_creation = False
        self._deal(skus, day=-2)
        self.generic.write({"order_creation": True, "dry_run": True})
        return self._deal(skus)

    def _jobs(self, method_name):
        return self.env["queue.job"].search([("method_name", "=", method_name)])

    def test_a_dry_run_of_a_quotation_of_one_line(self):
        event = self._dry_run_of_won_deal(["CAR-6060"])
        self.assertIn("A quotation of 1 line would be created.", event.summary)
        self.assertEqual(event.state, "done", event.summary)

    def test_a_dry_run_of_a_quotation_of_two_lines(self):
        event = self._dry_run_of_won_deal(["CAR-6060", "LIV-CASA"])
        self.assertIn("A quotation of 2 lines would be created.", event.summary)

    def test_the_status_of_one_deal_is_queued(self):
        event = self._deal(["CAR-6060"])
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        action = self.generic.action_write_deal_status()
        self.assertEqual(
            action["params"]["message"], "The status of 1 deal is queued to be written."
        )
        self.assertEqual(
            self._jobs("_write_deal_status").mapped("name"),
            ["Write the order status of 1 deal to Zapier"],
        )

    def test_the_financial_status_of_one_customer_is_queued(self):
        self._create_invoice(self.customer, 1000.0, invoice_offset=-40, due_offset=-10)
        self.env["external.crm.binding"].create(
            {
                "backend_id": self.hubspot.id,
                "object_kind": "company",
                "external_id": "9101",
                "partner_id": self.customer.id,
            }
        )
        self.assertEqual(self.hubspot._as_integration_user()._queue_financial_status(), 1)
        self.assertEqual(
            self._jobs("_write_financial_status").mapped("name"),
            ["Write the financial status of 1 customer to HubSpot Maroc"],
        )
