# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What arrived, and what the connector derived from it, is read-only
(hardening issue, item 5).

The attacker is an External CRM manager who is not an administrator: what
he could write over RPC, the integration user then applied with its own
rights (Retry, Take Incoming, the next event).
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ExternalCrmCase

TOKEN = "pat-na1-protected"


@tagged("post_install", "-at_install")
class TestProtectedRecords(ExternalCrmCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot(TOKEN, name="HubSpot")
        cls.seller = new_test_user(
            cls.env, login="ecrm_other_seller", groups="sales_team.group_sale_salesman"
        )
        cls.generic.field_map_ids.create(
            {
                "backend_id": cls.generic.id,
                "object_kind": "deal",
                "external_field": "owner",
                "field_name": "user_id",
                "transform": "value_table",
                "value_ids": [
                    Command.create({"external_value": "seller", "odoo_value": cls.seller.name})
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()

    def _deal(self, external_id, **data):
        return self._deliver(self.generic, [self._item("deal", external_id, data)])

    def _field_conflict(self):
        """A field conflict on the city of a bound company, as processing raises it."""
        now = self.env.cr.now()
        updated = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._deliver(
            self.generic, [self._item("company", "P-1", {"name": "Pol", "city": "Rabat"}, updated)]
        )
        binding = self._binding(self.generic, "company", "P-1")
        binding.sync_date = now - timedelta(hours=2)
        binding.partner_id.city = "Meknes"
        item = self._item("company", "P-1", {"name": "Pol", "city": "Fes"})
        item.pop("updated_at")
        event = self._deliver(self.generic, [item])
        self.assertEqual(event.state, "conflict")
        return event.conflict_ids, binding.partner_id

    # -- events --------------------------------------------------------------------
    def test_events_are_read_only_over_rpc(self):
        """Before, a manager rewrote a processed event (payload, record id,
        state), then Process Again applied it as the integration user: here
        another salesperson's opportunity reassigned."""
        theirs = self._deal("D-THEIRS", name="Their deal", owner="seller")
        lead = theirs.lead_id
        self.assertEqual(lead.user_id, self.seller)
        mine = self._deal("D-MINE", name="My deal").with_user(self.manager)
        forged = mine.payload.replace('"name": "My deal"', '"name": "Taken"')
        for values in (
            {"payload": forged},
            {"external_id": "D-THEIRS"},
            {"state": "failed"},
            {"object_kind": "deal", "action": "upsert"},
            {"lead_id": lead.id},
            {"binding_id": theirs.binding_id.id},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                mine.write(values)
        self.assertEqual(lead.name, "Their deal")
        # the integration user, whose jobs write them, cannot either over RPC
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            mine.with_user(self.integration_user).write({"payload": forged})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env["external.crm.event"].with_user(self.integration_user).create(
                {
                    "backend_id": self.generic.id,
                    "company_id": self.company.id,
                    "idempotency_key": "forged",
                    "external_id": "D-THEIRS",
                    "object_kind": "deal",
                    "payload": forged,
                }
            )

    # -- bindings ------------------------------------------------------------------
    def test_binding_target_is_read_only(self):
        """Before, a manager pointed his deal's binding at another salesperson's
        opportunity: the next change of his deal overwrote theirs."""
        theirs = self._deal("D-THEIRS", name="Their deal", owner="seller").lead_id
        self._deal("D-MINE", name="My deal")
        binding = self._binding(self.generic, "deal", "D-MINE").with_user(self.manager)
        for values in (
            {"lead_id": theirs.id},
            {"external_id": "D-OTHER"},
            {"last_values": {}},
            {"origin": "linked"},
            {"pending_reference": "company:C-1", "pending_field": "user_id"},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                binding.write(values)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            binding.create(
                {
                    "backend_id": self.generic.id,
                    "object_kind": "deal",
                    "external_id": "D-NEW",
                    "lead_id": theirs.id,
                }
            )
        self._deal("D-MINE", name="Taken")
        self.assertEqual(theirs.name, "Their deal")
        # archiving and restoring a binding stays a manager's decision
        binding.action_archive()
        self.assertFalse(binding.active)
        binding.action_unarchive()
        self.assertTrue(binding.active)

    # -- conflicts -----------------------------------------------------------------
    def test_conflict_values_are_read_only(self):
        """Before, a manager rewrote a conflict's field and incoming value, and
        Take Incoming wrote them with the integration user's rights."""
        conflict, partner = self._field_conflict()
        conflict = conflict.with_user(self.manager)
        for values in (
            {"field_name": "user_id"},
            {"incoming_raw": self.manager.id},
            {"incoming_value": "Forged"},
            {"partner_id": self.manager.partner_id.id},
            {"state": "open", "resolution": False},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                conflict.write(values)
        conflict.action_take_incoming()
        self.assertEqual(partner.city, "Fes", "the value that arrived, on its field")
        self.assertFalse(partner.user_id)

    def test_take_incoming_writes_a_mapped_field_only(self):
        """The field of the conflict must still be mapped by the backend's map
        when a person takes the incoming value."""
        conflict, partner = self._field_conflict()
        self.generic.field_map_ids.filtered(
            lambda m: m.object_kind == "company" and m.field_name == "city"
        ).unlink()
        with self.assertRaisesRegex(UserError, "no longer maps"):
            conflict.with_user(self.manager).action_take_incoming()
        self.assertEqual(partner.city, "Meknes")
        self.assertEqual(conflict.state, "open")

    # -- cursors -------------------------------------------------------------------
    def test_cursors_are_moved_by_the_connector_only(self):
        """Before, a manager set a cursor's page (a Salesforce ``nextRecordsUrl``
        is a URL the access token is sent to) or its state."""
        backend = self.hubspot.with_user(self.manager)
        backend.action_start_import()
        backend.action_pull_changes()
        import_cursor = self.hubspot.cursor_ids[:1].with_user(self.manager)
        pull_cursor = self.hubspot.pull_cursor_ids[:1].with_user(self.manager)
        for cursor, values in (
            (import_cursor, {"after": '{"next": "https://attacker.example/x"}'}),
            (import_cursor, {"state": "done"}),
            (import_cursor, {"object_kind": "deal"}),
            (pull_cursor, {"after": "4242"}),
            (pull_cursor, {"since": fields.Datetime.now() - timedelta(days=3650)}),
            (pull_cursor, {"state": "idle", "last_error": "ok"}),
        ):
            with (
                self.subTest(model=cursor._name, values=values),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                cursor.write(values)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            backend.write({"cursor_ids": [Command.update(import_cursor.id, {"after": "9999"})]})
        other = self._create_backend(name="Other", provider="hubspot", api_token="t")
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env["external.crm.sync.cursor"].with_user(self.manager).create(
                {"backend_id": other.id, "object_kind": "company", "after": "9999"}
            )

    # -- what managers keep ------------------------------------------------------------
    def test_managers_act_through_the_connector_actions(self):
        """Every button of the inbox, bindings, conflicts and backend still works
        for a manager, and the integration user's jobs still write what they own."""
        conflict, partner = self._field_conflict()
        conflict.with_user(self.manager).action_keep_odoo()
        self.assertEqual(partner.city, "Meknes")
        event = self._store(self.generic, [self._item("contact", "N-1", {})])
        self._process(self.generic)
        self.assertEqual(event.state, "failed", "a contact without a name cannot be created")
        event.with_user(self.manager).action_retry()
        self.assertEqual(event.state, "received")
        self._process(self.generic)
        self.assertEqual(event.state, "failed")
        backend = self.hubspot.with_user(self.manager)
        backend.action_process_inbox()
        backend.action_start_import()
        self._run_import(self.hubspot)
        self.assertEqual(set(self.hubspot.cursor_ids.mapped("state")), {"done"})
        backend.action_pull_changes()
        self._run_pull(self.hubspot)
        self.assertEqual(set(self.hubspot.pull_cursor_ids.mapped("state")), {"idle"})
