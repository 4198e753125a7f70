# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from .clock import iso, moment
from .common import ExternalCrmCase, sample


@tagged("post_install", "-at_install")
class TestProcessing(ExternalCrmCase, TransactionCase):
    """From the inbox to customers and opportunities (generic JSON provider)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_connector()
        cls.Partner = cls.env["res.partner"]

    def _company(self, external_id, updated_at=None, **data):
        return self._item("company", external_id, data, updated_at=updated_at)

    def test_inbox_query_reads_the_waiting_records_once(self):
        """The records waiting for a retry are looked up once per batch.

        Right after a bulk store, outdated statistics led the planner to a
        nested loop that ran that lookup again for every event: half a
        second to a second per batch of 500 in the import benchmark.
        """
        items = [self._item("contact", f"plan-{i}", {"name": f"P {i}"}) for i in range(300)]
        self._store(self.generic, items)
        # the plan those statistics gave: a nested loop, nothing materialized
        for setting in ("enable_hashjoin", "enable_mergejoin", "enable_material"):
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(setting)))
            self.addCleanup(self.env.cr.execute, SQL("RESET %s", SQL.identifier(setting)))
        query = self.env["external.crm.event"]._inbox_query(self.generic, 500)
        self.env.cr.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) %s", query))
        plan = self.env.cr.fetchone()[0][0]["Plan"]
        nodes, aggregates = [plan], []
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            if node["Node Type"] == "Aggregate":
                aggregates.append(node["Actual Loops"])
        self.assertEqual(aggregates, [1], "one lookup for the whole batch")

    # -- end to end ------------------------------------------------------------
    def test_nul_characters_in_values_are_dropped(self):
        """PostgreSQL cannot store NUL: it is removed, the rest is applied.

        Before, the event failed on the INSERT with PostgreSQL's error, and
        every retry failed the same way.
        """
        events = self._store(
            self.generic,
            [
                self._company(
                    "nul-1", name="Atlas\u0000 Nul", city="Fes\u0000", country="M\u0000A"
                ),
                self._item("contact", "nul-2", {"name": "Nadia\u0000 N", "company_id": "nul-1"}),
            ],
        )
        self._process(self.generic)
        self.assertEqual(events.mapped("state"), ["done", "done"], events.mapped("last_error"))
        company, contact = events.partner_id
        self.assertEqual(company.name, "Atlas Nul")
        self.assertEqual(company.city, "Fes")
        self.assertEqual(company.country_id, self.morocco)
        self.assertEqual(contact.name, "Nadia N")
        self.assertEqual(contact.parent_id, company)

    def test_numbers_and_dates_out_of_range_are_noted_not_failed(self):
        """JSON's NaN and Infinity, and dates Python cannot hold, skip a field.

        Before, an infinite amount failed the event on PostgreSQL's numeric
        column at every retry, and a year out of range raised OverflowError.
        """
        events = self._store(
            self.generic,
            b'[{"object": "deal", "id": "inf-1", "data": {"name": "Infinite deal",'
            b' "amount": Infinity, "close_date": "0001-01-01T00:00:00+05:00"}},'
            b' {"object": "deal", "id": "nan-1", "data": {"name": "NaN deal",'
            b' "amount": NaN, "close_date": 99999999999999999999}}]',
        )
        self._process(self.generic)
        self.assertEqual(events.mapped("state"), ["done", "done"], events.mapped("last_error"))
        for event in events:
            self.assertFalse(event.lead_id.expected_revenue)
            self.assertFalse(event.lead_id.date_deadline)
            self.assertIn("is not a number", event.summary)
            self.assertIn("is not a date", event.summary)

    def test_a_list_where_a_value_is_expected_skips_the_field(self):
        """A list in a phone field is noted; the batch goes on.

        Before, it raised TypeError while the batch's identities were read,
        before any event was handled: the job failed at every retry and the
        backend's whole inbox waited behind it.
        """
        events = self._store(
            self.generic,
            [
                self._item("contact", "list-1", {"name": "Listed", "phone": ["+212522123456"]}),
                self._item("contact", "list-2", {"name": "Plain", "phone": "+212522654321"}),
            ],
        )
        self._process(self.generic)
        self.assertEqual(events.mapped("state"), ["done", "done"], events.mapped("last_error"))
        listed, plain = events
        self.assertFalse(listed.partner_id.phone)
        self.assertIn("not a single value", listed.summary)
        self.assertEqual(plain.partner_id.phone, "+212522654321")

    def test_sample_batch(self):
        events = self._deliver(self.generic, sample("generic_batch.json"))
        self.assertEqual(events.mapped("state"), ["done"] * 3, events.mapped("last_error"))
        company = events.filtered(lambda e: e.object_kind == "company").partner_id
        self.assertEqual(company.vat, "MA001524398000088")
        self.assertEqual(company.name, "Atlas Distribution SARL")
        self.assertTrue(company.is_company)
        self.assertEqual(company.phone, "+212522123456", "national number, country of the record")
        self.assertEqual(company.country_id, self.morocco)
        self.assertEqual(company.company_id, self.company)
        contact = events.filtered(lambda e: e.object_kind == "contact").partner_id
        self.assertEqual(contact.email, "karim.benali@atlas.example")
        self.assertEqual(contact.parent_id, company)
        self.assertEqual(contact.phone, "+212661234567")
        lead = events.filtered(lambda e: e.object_kind == "deal").lead_id
        self.assertEqual(lead.name, "2027 supply contract")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, company)
        self.assertEqual(lead.expected_revenue, 120000)
        self.assertEqual(lead.stage_id, self.won_stage)
        self.assertEqual(lead.probability, 100)
        self.assertEqual(
            self.env["external.crm.binding"].search_count([("backend_id", "=", self.generic.id)]),
            3,
        )
        # processed by the integration user
        self.assertEqual(company.create_uid, self.integration_user)
        self.assertTrue(all(event.processed_at for event in events))

    def test_won_through_the_bridge(self):
        self._deliver(
            self.generic,
            [
                self._company("C-1", name="Won Customer"),
                self._item("deal", "D-1", {"name": "Deal", "stage": "new", "company_id": "C-1"}),
            ],
        )
        lead = self._binding(self.generic, "deal", "D-1").lead_id
        self.assertEqual(lead.stage_id, self.new_stage)
        term = self.env.ref("account.account_payment_term_30days")
        lead.negotiated_payment_term_id = term
        self._deliver(
            self.generic,
            [
                self._item(
                    "deal",
                    "D-1",
                    {"name": "Deal", "stage": "won", "company_id": "C-1"},
                    updated_at=iso(moment(-2, 10)),
                )
            ],
        )
        self.assertEqual(lead.stage_id, self.won_stage)
        customer = lead.partner_id.with_company(self.company)
        self.assertEqual(customer.property_payment_term_id, term)
        self.assertIn("30 Days", customer.message_ids[0].body)

    def test_lost_with_reason(self):
        reason = self.env["crm.lost.reason"].create({"name": "Chose a competitor"})
        events = self._deliver(
            self.generic,
            [
                self._item(
                    "deal",
                    "D-2",
                    {"name": "Lost one", "stage": "lost", "lost_reason": "chose a competitor"},
                ),
                self._item(
                    "deal",
                    "D-3",
                    {"name": "Lost two", "stage": "lost", "lost_reason": "No budget this year"},
                ),
            ],
        )
        self.assertEqual(events.mapped("state"), ["done", "done"], events.mapped("last_error"))
        first = self._binding(self.generic, "deal", "D-2").lead_id
        second = self._binding(self.generic, "deal", "D-3").lead_id
        self.assertFalse(first.active)
        self.assertEqual(first.lost_reason_id, reason)
        self.assertFalse(second.active)
        self.assertEqual(
            second.lost_reason_id, self.env.ref("external_crm_connector.lost_reason_external")
        )

    # -- matching ----------------------------------------------------------------
    def test_match_by_vat_registry_email_phone_and_name(self):
        by_vat = self.Partner.create({"name": "Vat Co", "is_company": True, "vat": "MA 00152 4398"})
        by_registry = self.Partner.create(
            {"name": "Registry Co", "is_company": True, "company_registry": "RC-77.451"}
        )
        by_email = self.Partner.create(
            {"name": "Mail Co", "is_company": True, "email": "Sales@Mail.Example"}
        )
        by_phone = self.Partner.create(
            {
                "name": "Phone Co",
                "is_company": True,
                "phone": "0522 99 88 77",
                "country_id": self.morocco.id,
            }
        )
        by_name = self.Partner.create({"name": "  Blue   Harbour Foods ", "is_company": True})
        before = self.Partner.search_count([])
        events = self._deliver(
            self.generic,
            [
                self._company("M-1", name="Other name", vat="ma0015-24398"),
                self._company("M-2", name="Other name 2", company_registry="rc77451"),
                self._company("M-3", name="Other name 3", email="sales@mail.example"),
                self._company("M-4", name="Other name 4", phone="+212 522-998877"),
                self._company("M-5", name="blue harbour foods"),
            ],
        )
        self.assertEqual(events.mapped("state"), ["done"] * 5, events.mapped("summary"))
        self.assertEqual(self.Partner.search_count([]), before, "nothing created")
        expected = {
            "M-1": by_vat,
            "M-2": by_registry,
            "M-3": by_email,
            "M-4": by_phone,
            "M-5": by_name,
        }
        for external_id, partner in expected.items():
            binding = self._binding(self.generic, "company", external_id)
            self.assertEqual(binding.partner_id, partner, external_id)
            self.assertEqual(binding.origin, "matched")

    def test_matching_order_vat_before_email(self):
        vat_partner = self.Partner.create({"name": "A", "is_company": True, "vat": "FR123"})
        self.Partner.create({"name": "B", "is_company": True, "email": "b@ex.example"})
        self._deliver(
            self.generic, [self._company("O-1", name="X", vat="FR 123", email="b@ex.example")]
        )
        self.assertEqual(self._binding(self.generic, "company", "O-1").partner_id, vat_partner)

    def test_contacts_match_people_not_companies(self):
        company = self.Partner.create(
            {"name": "Corp", "is_company": True, "email": "info@corp.example"}
        )
        person = self.Partner.create(
            {"name": "Ann", "parent_id": company.id, "email": "ann@corp.example"}
        )
        self._deliver(
            self.generic,
            [
                self._item("contact", "P-1", {"name": "Ann B.", "email": "ANN@corp.example"}),
                self._item("contact", "P-2", {"name": "Info desk", "email": "info@corp.example"}),
            ],
        )
        self.assertEqual(self._binding(self.generic, "contact", "P-1").partner_id, person)
        created = self._binding(self.generic, "contact", "P-2").partner_id
        self.assertNotEqual(created, company)
        self.assertEqual(created.name, "Info desk")

    def test_several_candidates_is_a_conflict_then_linked(self):
        first = self.Partner.create({"name": "Twin 1", "is_company": True, "email": "t@ex.example"})
        second = self.Partner.create(
            {"name": "Twin 2", "is_company": True, "email": "t@ex.example"}
        )
        before = self.Partner.search_count([])
        event = self._deliver(
            self.generic, [self._company("T-1", name="Twin", email="t@ex.example", city="Fes")]
        )
        self.assertEqual(event.state, "conflict")
        self.assertEqual(self.Partner.search_count([]), before, "nothing merged or created")
        conflict = event.conflict_ids
        self.assertEqual(conflict.conflict_type, "identity")
        self.assertEqual(conflict.candidate_ids, first | second)
        self.assertEqual(conflict.match_rule, "email")
        conflict.with_user(self.manager).link_partner_id = second
        conflict.with_user(self.manager).action_link()
        self.assertEqual(conflict.state, "resolved")
        self.assertEqual(conflict.resolution, "linked")
        binding = self._binding(self.generic, "company", "T-1")
        self.assertEqual(binding.partner_id, second)
        self.assertEqual(binding.origin, "linked")
        self.assertEqual(event.state, "done")
        self.assertEqual(second.city, "Fes")

    def test_identity_conflict_take_incoming_creates(self):
        self.Partner.create({"name": "Dup 1", "is_company": True, "phone": "+212600000001"})
        self.Partner.create(
            {
                "name": "Dup 2",
                "is_company": True,
                "phone": "0600000001",
                "country_id": self.morocco.id,
            }
        )
        event = self._deliver(
            self.generic, [self._company("T-2", name="Dup new", phone="06 00 00 00 01")]
        )
        self.assertEqual(event.state, "conflict")
        self.assertEqual(len(event.conflict_ids.candidate_ids), 2)
        event.conflict_ids.with_user(self.manager).action_take_incoming()
        self.assertEqual(self._binding(self.generic, "company", "T-2").partner_id.name, "Dup new")
        self.assertEqual(event.state, "done")

    def test_candidate_already_bound_elsewhere_is_a_conflict(self):
        self._deliver(self.generic, [self._company("B-1", name="Bound", email="x@b.example")])
        event = self._deliver(
            self.generic, [self._company("B-2", name="Other", email="x@b.example")]
        )
        self.assertEqual(event.state, "conflict")
        event.conflict_ids.with_user(self.manager).action_keep_odoo()
        self.assertEqual(event.state, "ignored")
        self.assertFalse(self._binding(self.generic, "company", "B-2"))

    def _twins_conflict(self, external_id, **data):
        """An identity conflict: ``external_id`` matches two customers by e-mail."""
        first = self.Partner.create(
            {"name": "Twin A", "is_company": True, "email": "tw@ex.example"}
        )
        second = self.Partner.create(
            {"name": "Twin B", "is_company": True, "email": "tw@ex.example"}
        )
        data.setdefault("name", "Twin")
        event = self._deliver(
            self.generic, [self._company(external_id, email="tw@ex.example", **data)]
        )
        self.assertEqual(event.state, "conflict", event.summary)
        return event, event.conflict_ids, first, second

    def test_identity_conflict_of_an_event_processed_again_is_stale(self):
        """Process Again decides anew: the earlier conflict can no longer be applied.

        Before, linking it hit the binding's unique constraint (a server
        error), taking the incoming record did nothing yet marked it resolved,
        and keeping Odoo turned the event, bound since, into an ignored one.
        """
        event, conflict, first, second = self._twins_conflict("ST-1")
        # the person fixes the duplicate, then processes the event again
        second.email = "other@ex.example"
        event.with_user(self.manager).action_retry()
        self.assertEqual((conflict.state, conflict.resolution), ("resolved", "superseded"))
        self._process(self.generic)
        self.assertEqual(event.state, "done", event.summary)
        binding = self._binding(self.generic, "company", "ST-1")
        self.assertEqual(binding.partner_id, first)
        conflict = conflict.with_user(self.manager)
        conflict.link_partner_id = second
        for action in ("action_link", "action_take_incoming", "action_keep_odoo"):
            with self.assertRaisesRegex(UserError, "processed again"), self.env.cr.savepoint():
                getattr(conflict, action)()
        # a conflict an earlier version left open is refused the same way
        conflict.sudo().write({"state": "open", "resolution": False})
        for action in ("action_link", "action_take_incoming", "action_keep_odoo"):
            with self.assertRaisesRegex(UserError, "processed again"), self.env.cr.savepoint():
                getattr(conflict, action)()
        self.assertEqual(event.state, "done")
        self.assertEqual(self._binding(self.generic, "company", "ST-1"), binding)
        self.assertEqual(binding.partner_id, first)

    def test_field_conflict_of_an_event_processed_again_is_stale(self):
        """Only the conflict of the latest processing applies.

        Before, the conflict of the earlier processing stayed open next to
        the new one, and either could be applied.
        """
        _binding, partner = self._bound_company(name="Pol", city="Rabat")
        partner.city = "Meknes"
        event = self._update(name="Pol", city="Fes")
        conflict = event.conflict_ids.with_user(self.manager)
        self.assertEqual(conflict.field_name, "city")
        event.with_user(self.manager).action_retry()
        self._process(self.generic)
        self.assertEqual(event.state, "conflict", event.summary)
        latest = event.conflict_ids.filtered(lambda c: c.state == "open")
        self.assertEqual(len(latest), 1)
        self.assertNotEqual(latest, conflict)
        for action in ("action_take_incoming", "action_keep_odoo"):
            with self.assertRaisesRegex(UserError, "processed again"), self.env.cr.savepoint():
                getattr(conflict, action)()
        self.assertEqual(partner.city, "Meknes")
        latest.with_user(self.manager).action_take_incoming()
        self.assertEqual(partner.city, "Fes")

    def test_identity_conflict_of_a_record_bound_since_is_refused(self):
        """A later event bound the external record: it is not linked or created twice.

        Before, linking hit the binding's unique constraint (a server error),
        and taking the incoming record created nothing but was marked resolved.
        """
        _event, conflict, first, second = self._twins_conflict("BS-1")
        second.email = "other@ex.example"
        later = self._deliver(
            self.generic,
            [
                self._company(
                    "BS-1", name="Twin", email="tw@ex.example", updated_at=iso(moment(-2, 10))
                )
            ],
        )
        self.assertEqual(later.state, "done", later.summary)
        binding = self._binding(self.generic, "company", "BS-1")
        self.assertEqual(binding.partner_id, first)
        conflict = conflict.with_user(self.manager)
        conflict.link_partner_id = second
        before = self.Partner.search_count([])
        message = "BS-1 is already linked to Twin"
        for action in ("action_link", "action_take_incoming"):
            with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
                getattr(conflict, action)()
        self.assertEqual(conflict.state, "open")
        self.assertEqual(self.Partner.search_count([]), before)
        self.assertEqual(binding.partner_id, first)
        # keeping Odoo as it is still closes it
        conflict.action_keep_odoo()
        self.assertEqual(conflict.state, "resolved")

    def test_identity_conflict_take_incoming_that_cannot_create_is_refused(self):
        """Nothing created is said, and the conflict stays open.

        Before, the scope "update only" left the event ignored and the
        conflict resolved, and a record without a name raised the
        connector's own error, shown as a server error.
        """
        event, conflict, _first, _second = self._twins_conflict("NC-1")
        before = self.Partner.search_count([])
        self.generic.sync_scope = "update_only"
        with self.assertRaisesRegex(UserError, "update only"), self.env.cr.savepoint():
            conflict.with_user(self.manager).action_take_incoming()
        self.generic.sync_scope = "create_update"
        self.assertEqual((conflict.state, event.state), ("open", "conflict"))
        nameless, nameless_conflict, _first, _second = self._twins_conflict("NC-2", name="")
        with self.assertRaisesRegex(UserError, "no name"), self.env.cr.savepoint():
            nameless_conflict.with_user(self.manager).action_take_incoming()
        self.assertEqual((nameless_conflict.state, nameless.state), ("open", "conflict"))
        self.assertEqual(self.Partner.search_count([]), before + 2, "only the twins")

    def test_identity_conflict_resolved_in_dry_run_mode_applies(self):
        """A person's decision is applied, as a field conflict's is, in dry-run mode too.

        Before, taking the incoming record only described the creation, and
        the conflict was marked resolved with no customer created.
        """
        event, conflict, first, second = self._twins_conflict("DRY-1")
        self.generic.dry_run = True
        conflict.with_user(self.manager).action_take_incoming()
        created = self._binding(self.generic, "company", "DRY-1").partner_id
        self.assertTrue(created)
        self.assertNotIn(created, first | second)
        self.assertEqual((event.state, event.dry_run), ("done", False))

    def test_two_new_records_of_one_batch_with_one_identity_give_one_customer(self):
        before = self.Partner.search_count([])
        events = self._deliver(
            self.generic,
            [
                self._item("contact", "S-1", {"name": "Sam", "email": "sam@ex.example"}),
                self._item("contact", "S-2", {"name": "Sam again", "email": "SAM@ex.example"}),
            ],
        )
        self.assertEqual(self.Partner.search_count([]), before + 1)
        self.assertEqual(events.sorted("id").mapped("state"), ["done", "conflict"])
        self.assertEqual(
            events.conflict_ids.candidate_ids,
            self._binding(self.generic, "contact", "S-1").partner_id,
        )

    # -- scope ---------------------------------------------------------------------
    def test_scope_update_only(self):
        self.generic.sync_scope = "update_only"
        existing = self.Partner.create(
            {"name": "Known", "is_company": True, "email": "k@ex.example"}
        )
        before = self.Partner.search_count([])
        events = self._deliver(
            self.generic,
            [
                self._company("U-1", name="Unknown"),
                self._company("U-2", name="Known", email="k@ex.example", city="Agadir"),
            ],
        )
        self.assertEqual(events.sorted("id").mapped("state"), ["ignored", "done"])
        self.assertEqual(self.Partner.search_count([]), before)
        self.assertEqual(existing.city, "Agadir")

    def test_scope_create_only_new_customers(self):
        self.generic.sync_scope = "create_only"
        existing = self.Partner.create(
            {"name": "Old", "is_company": True, "email": "o@ex.example", "city": "Tangier"}
        )
        self._deliver(
            self.generic,
            [
                self._company("N-1", name="Old", email="o@ex.example", city="Oujda"),
                self._company("N-2", name="Brand new", city="Oujda"),
            ],
        )
        self.assertEqual(existing.city, "Tangier", "existing customers are never changed")
        self.assertEqual(self._binding(self.generic, "company", "N-1").partner_id, existing)
        new = self._binding(self.generic, "company", "N-2").partner_id
        self.assertEqual(new.city, "Oujda")
        self._deliver(
            self.generic,
            [
                self._company("N-1", updated_at=iso(moment(-2, 0)), name="Old", city="Nador"),
                self._company("N-2", updated_at=iso(moment(-2, 0)), name="Brand new", city="Nador"),
            ],
        )
        self.assertEqual(existing.city, "Tangier")
        self.assertEqual(new.city, "Nador", "customers it created are kept up to date")

    # -- master policies -------------------------------------------------------------
    def _bound_company(self, **data):
        """A company created from the external CRM three hours ago."""
        now = self.env.cr.now()
        updated = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._deliver(self.generic, [self._company("P-1", updated_at=updated, **data)])
        binding = self._binding(self.generic, "company", "P-1")
        binding.sync_date = now - timedelta(hours=2)
        return binding, binding.partner_id

    def _update(self, hours=None, **data):
        now = self.env.cr.now()
        updated = (now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ") if hours else None
        item = self._company("P-1", **data)
        if updated:
            item["updated_at"] = updated
        else:
            item.pop("updated_at")
        return self._deliver(self.generic, [item])

    def _master(self, field_name, master):
        self.generic.field_map_ids.filtered(
            lambda m: m.object_kind == "company" and m.field_name == field_name
        ).master = master

    def test_master_external_overwrites_odoo(self):
        self._master("city", "external")
        _binding, partner = self._bound_company(name="Pol", city="Rabat")
        partner.city = "Sale"
        event = self._update(hours=-1, name="Pol", city="Kenitra")
        self.assertEqual(partner.city, "Kenitra", event.summary)

    def test_master_odoo_keeps_and_logs(self):
        _binding, partner = self._bound_company(name="Pol", vat="MA111")
        event = self._update(hours=1, name="Pol", vat="MA222")
        self.assertEqual(partner.vat, "MA111")
        self.assertEqual(event.state, "done")
        self.assertIn("Odoo keeps MA111", event.summary)
        self.assertFalse(event.conflict_ids)

    def test_master_newest_external_change_only(self):
        _binding, partner = self._bound_company(name="Pol", city="Rabat")
        self._update(hours=-1, name="Pol", city="Fes")
        self.assertEqual(partner.city, "Fes")

    def test_master_newest_odoo_change_only(self):
        _binding, partner = self._bound_company(name="Pol", city="Rabat")
        partner.city = "Meknes"
        event = self._update(hours=1, name="Pol", city="Rabat")
        self.assertEqual(partner.city, "Meknes")
        self.assertEqual(event.state, "done")

    def test_master_newest_both_changed_external_newer(self):
        _binding, partner = self._bound_company(name="Pol", city="Rabat", street="1 Old St")
        partner.write({"city": "Meknes", "street": "2 Odoo St"})
        self._update(hours=1, name="Pol", city="Fes", street="1 Old St")
        self.assertEqual(partner.city, "Fes", "the external change is the later one")
        self.assertEqual(partner.street, "2 Odoo St", "changed in Odoo only")

    def test_master_newest_both_changed_odoo_newer(self):
        _binding, partner = self._bound_company(name="Pol", city="Rabat")
        partner.write({"city": "Meknes"})
        event = self._update(hours=-1, name="Pol", city="Fes")
        self.assertEqual(partner.city, "Meknes", "the Odoo change is the later one")
        self.assertEqual(event.state, "done")
        self.assertIn("Odoo keeps Meknes", event.summary)

    def test_master_newest_fills_empty_odoo_values(self):
        partner = self.Partner.create(
            {"name": "Empty", "is_company": True, "email": "e@ex.example"}
        )
        self._deliver(
            self.generic, [self._company("E-1", name="Empty", email="e@ex.example", city="Tetouan")]
        )
        self.assertEqual(partner.city, "Tetouan")

    def test_master_newest_undecidable_is_a_conflict(self):
        binding, partner = self._bound_company(name="Pol", city="Rabat")
        partner.city = "Meknes"
        event = self._update(name="Pol", city="Fes")  # no modification time
        self.assertEqual(event.state, "conflict")
        self.assertEqual(partner.city, "Meknes", "nothing overwritten")
        conflict = event.conflict_ids
        self.assertEqual(conflict.conflict_type, "field")
        self.assertEqual(conflict.field_name, "city")
        self.assertEqual(
            (conflict.odoo_value, conflict.incoming_value, conflict.last_applied_value),
            ("Meknes", "Fes", "Rabat"),
        )
        conflict.with_user(self.manager).action_take_incoming()
        self.assertEqual(partner.city, "Fes")
        self.assertEqual(binding.last_values["city"], "Fes")

    def test_field_conflict_keep_odoo(self):
        binding, partner = self._bound_company(name="Pol", city="Rabat")
        partner.city = "Meknes"
        event = self._update(name="Pol", city="Fes")
        event.conflict_ids.with_user(self.manager).action_keep_odoo()
        self.assertEqual(partner.city, "Meknes")
        self.assertEqual(binding.last_values["city"], "Fes")
        self.assertEqual(event.conflict_ids.state, "resolved")

    def test_event_done_once_a_person_decided_its_field_conflicts(self):
        """The inbox does not keep showing a conflict that a person decided."""
        _binding, partner = self._bound_company(name="Pol", city="Rabat", phone="+212600000001")
        partner.write({"city": "Meknes", "phone": "+212600000002"})
        event = self._update(name="Pol", city="Fes", phone="+212600000003")
        self.assertEqual(event.state, "conflict")
        city, phone = event.conflict_ids.sorted("field_name")
        self.assertEqual((city.field_name, phone.field_name), ("city", "phone"))
        city.with_user(self.manager).action_take_incoming()
        self.assertEqual(event.state, "conflict", "one conflict is still open")
        phone.with_user(self.manager).action_keep_odoo()
        self.assertEqual(event.state, "done")
        self.assertEqual((partner.city, partner.phone), ("Fes", "+212600000002"))

    # -- dry run -------------------------------------------------------------------------
    def test_dry_run_writes_nothing(self):
        self.generic.dry_run = True
        self.Partner.create({"name": "Match Me", "is_company": True, "email": "m@ex.example"})
        counts = {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in (
                "res.partner",
                "crm.lead",
                "external.crm.binding",
                "external.crm.conflict",
            )
        }
        payload = [
            *json.loads(sample("generic_batch.json")),
            self._company("DR-1", name="Matched", email="m@ex.example", city="Rabat"),
        ]
        events = self._deliver(self.generic, payload)
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertTrue(all(events.mapped("dry_run")))
        for model, count in counts.items():
            self.assertEqual(
                self.env[model].with_context(active_test=False).search_count([]), count, model
            )
        company_event = events.filtered(lambda e: e.external_id == "ext-C-100")
        self.assertIn("Atlas Distribution SARL", company_event.summary)
        matched = events.filtered(lambda e: e.external_id == "DR-1")
        self.assertIn("Matched existing customer Match Me", matched.summary)
        self.assertIn("Rabat", matched.summary)
        # turned off, the previewed events are processed for real on demand
        self.generic.dry_run = False
        events.with_user(self.manager).action_retry()
        self._process(self.generic)
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertFalse(any(events.mapped("dry_run")))
        self.assertTrue(events.filtered(lambda e: e.external_id == "ext-C-100").partner_id)

    # -- life of a record -------------------------------------------------------------------
    def test_deletion_archives_then_restore(self):
        self._deliver(self.generic, [self._company("DEL-1", name="Gone")])
        binding = self._binding(self.generic, "company", "DEL-1")
        partner = binding.partner_id
        event = self._deliver(
            self.generic,
            [self._item("company", "DEL-1", action="delete", updated_at=iso(moment(-2, 0)))],
        )
        self.assertEqual(event.state, "done")
        self.assertFalse(partner.active)
        self.assertTrue(partner.exists(), "archived, never deleted")
        self.assertTrue(binding.external_deleted)
        self._deliver(
            self.generic, [self._company("DEL-1", updated_at=iso(moment(-1, 0)), name="Back")]
        )
        self.assertTrue(partner.active)
        self.assertEqual(partner.name, "Back")
        unknown = self._deliver(self.generic, [self._item("company", "NEVER", action="delete")])
        self.assertEqual(unknown.state, "ignored")

    def test_late_deletion_and_late_change_around_a_deletion_are_ignored(self):
        """Deliveries come out of order (retries, at-least-once senders): a
        deletion dated before the change already applied does not archive,
        and a change dated before the deletion applied does not restore."""
        self._deliver(
            self.generic, [self._company("LATE-1", updated_at=iso(moment(-2, 12)), name="Kept")]
        )
        partner = self._binding(self.generic, "company", "LATE-1").partner_id
        late_deletion = self._deliver(
            self.generic,
            [self._item("company", "LATE-1", action="delete", updated_at=iso(moment(-2, 11)))],
        )
        self.assertEqual(late_deletion.state, "ignored")
        self.assertIn("older", late_deletion.summary)
        self.assertTrue(partner.active, "a stale deletion archives nothing")
        self.assertFalse(self._binding(self.generic, "company", "LATE-1").external_deleted)
        deletion = self._deliver(
            self.generic,
            [self._item("company", "LATE-1", action="delete", updated_at=iso(moment(-1, 12)))],
        )
        self.assertEqual(deletion.state, "done")
        self.assertFalse(partner.active)
        late_change = self._deliver(
            self.generic, [self._company("LATE-1", updated_at=iso(moment(-1, 11)), name="Ghost")]
        )
        self.assertEqual(late_change.state, "ignored")
        self.assertFalse(partner.active, "a change older than the deletion restores nothing")
        self.assertEqual(partner.name, "Kept")

    def test_older_change_ignored_same_change_duplicate(self):
        self._deliver(
            self.generic, [self._company("ORD-1", updated_at=iso(moment(-3, 12)), name="Newest")]
        )
        older = self._deliver(
            self.generic, [self._company("ORD-1", updated_at=iso(moment(-3, 11)), name="Older")]
        )
        self.assertEqual(older.state, "ignored")
        same = self._deliver(
            self.generic,
            [
                self._item(
                    "company",
                    "ORD-1",
                    {"name": "Newest"},
                    event_id="resent",
                    updated_at=iso(moment(-3, 12)),
                )
            ],
        )
        self.assertEqual(same.state, "duplicate")
        self.assertEqual(self._binding(self.generic, "company", "ORD-1").partner_id.name, "Newest")

    def test_changes_of_one_record_apply_in_order(self):
        events = self._deliver(
            self.generic,
            [
                self._company("SEQ-1", updated_at=iso(moment(-3, 12)), name="Third", city="C"),
                self._company("SEQ-1", updated_at=iso(moment(-3, 10)), name="First", city="A"),
                self._company("SEQ-1", updated_at=iso(moment(-3, 11)), name="Second"),
            ],
        )
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("summary"))
        partner = self._binding(self.generic, "company", "SEQ-1").partner_id
        self.assertEqual((partner.name, partner.city), ("Third", "C"))

    def test_an_event_waiting_for_a_retry_holds_back_its_record(self):
        first = self._store(self.generic, [self._company("HOLD-1", name="First")])
        first.write({"attempts": 1, "next_attempt_at": fields.Datetime.now() + timedelta(hours=1)})
        later = self._store(
            self.generic,
            [
                self._company("HOLD-1", updated_at=iso(moment(-2, 0)), name="Later"),
                self._company("FREE-1", name="Other record"),
            ],
        )
        integration = self.generic._as_integration_user()
        batch, _more = integration.env["external.crm.event"]._inbox_batch(integration)
        self.assertEqual(batch.mapped("external_id"), ["FREE-1"])
        self.assertNotIn(first, batch)
        self.assertTrue(later.filtered(lambda e: e.external_id == "HOLD-1"))

    def test_contact_before_its_company(self):
        self._deliver(
            self.generic,
            [self._item("contact", "EARLY", {"name": "Early Bird", "company_id": "LATE"})],
        )
        binding = self._binding(self.generic, "contact", "EARLY")
        self.assertFalse(binding.partner_id.parent_id)
        self.assertEqual(binding.pending_reference, "company:LATE")
        self._deliver(self.generic, [self._company("LATE", name="Late Corp")])
        self.assertEqual(binding.partner_id.parent_id.name, "Late Corp")
        self.assertFalse(binding.pending_reference)

    def test_contact_of_a_company_created_by_an_earlier_job(self):
        """The integration user has no accounting rights, yet a new contact
        copies its company's commercial fields (credit limit included)."""
        self._deliver(self.generic, [self._company("OLD-CO", name="Known Corp")])
        self.env.invalidate_all()
        event = self._deliver(
            self.generic,
            [self._item("contact", "NEW-P", {"name": "New Person", "company_id": "OLD-CO"})],
        )
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.parent_id.name, "Known Corp")
        # and a known contact moving to another known company
        self._deliver(self.generic, [self._company("OTHER-CO", name="Other Corp")])
        self.env.invalidate_all()
        event = self._deliver(
            self.generic,
            [
                self._item(
                    "contact",
                    "NEW-P",
                    {"name": "New Person", "company_id": "OTHER-CO"},
                    updated_at=iso(moment(-2, 10)),
                )
            ],
        )
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.parent_id.name, "Other Corp")
        # and a company with contacts changing a field Odoo copies to them
        self.generic.field_map_ids.filtered(
            lambda m: m.object_kind == "company" and m.field_name == "vat"
        ).master = "external"
        self.env.invalidate_all()
        event = self._deliver(
            self.generic,
            [
                self._company(
                    "OTHER-CO",
                    name="Other Corp",
                    vat="MA 99887766",
                    updated_at=iso(moment(-1, 10)),
                )
            ],
        )
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.partner_id.vat, "MA99887766", event.summary)
        self.assertEqual(event.partner_id.child_ids.vat, "MA99887766")

    def test_merge(self):
        # two Odoo customers are never merged silently: a conflict
        event, _conflict, first, second = self._merge_conflict()
        self.assertFalse(second.active)
        self.assertTrue(second.partner_id.active)
        self.assertEqual(event.conflict_ids.candidate_ids, first.partner_id | second.partner_id)
        # merged into a record Odoo does not know: the binding follows
        self._deliver(self.generic, [self._company("MG-3", name="Renamed later")])
        moved = self._binding(self.generic, "company", "MG-3")
        self._deliver(
            self.generic,
            [
                self._item(
                    "company",
                    "MG-4",
                    {"name": "Survivor"},
                    action="merge",
                    merged_ids=["MG-3"],
                    updated_at=iso(moment(-2, 0)),
                )
            ],
        )
        self.assertEqual(moved.external_id, "MG-4")
        self.assertEqual(moved.partner_id.name, "Survivor")

    def test_binding_archived_by_hand_says_how_to_resume(self):
        """Changes of a record whose binding a person archived are ignored,
        with a note that says so, and apply again once it is restored."""
        self._deliver(self.generic, [self._company("AB-1", name="Archived binding")])
        binding = self._binding(self.generic, "company", "AB-1")
        binding.active = False
        event = self._deliver(
            self.generic,
            [self._company("AB-1", name="Renamed", updated_at=iso(moment(-2, 0)))],
        )
        self.assertEqual(event.state, "ignored")
        self.assertIn("binding of this external record is archived", event.summary)
        self.assertIn("Restore", event.summary)
        binding.active = True
        event.with_user(self.manager).action_retry()
        self._process(self.generic)
        self.assertEqual(event.state, "done", event.summary)
        self.assertEqual(binding.partner_id.name, "Renamed")

    def _merge_conflict(self):
        """Two customers in Odoo whose external records were merged: a conflict."""
        self._deliver(
            self.generic,
            [self._company("MC-1", name="Keep"), self._company("MC-2", name="Other")],
        )
        first = self._binding(self.generic, "company", "MC-1")
        second = self._binding(self.generic, "company", "MC-2")
        event = self._deliver(
            self.generic,
            [
                self._item(
                    "company",
                    "MC-1",
                    {"name": "Keep", "city": "Safi"},
                    action="merge",
                    merged_ids=["MC-2"],
                    updated_at=iso(moment(-2, 0)),
                )
            ],
        )
        self.assertEqual(event.state, "conflict", event.summary)
        self.assertEqual(event.conflict_ids.match_rule, "merge")
        return event, event.conflict_ids.with_user(self.manager), first, second

    def test_merge_conflict_take_incoming_is_refused(self):
        """Odoo never merges two customers: taking the merge says so.

        Before, it tried to create a customer for a record already bound,
        which did nothing, and marked the conflict resolved.
        """
        _event, conflict, first, second = self._merge_conflict()
        before = self.Partner.search_count([])
        with self.assertRaisesRegex(UserError, "merge them by hand"), self.env.cr.savepoint():
            conflict.action_take_incoming()
        self.assertEqual(conflict.state, "open")
        self.assertEqual(self.Partner.search_count([]), before)
        self.assertEqual(self._binding(self.generic, "company", "MC-1"), first)
        self.assertFalse(second.active)

    def test_merge_conflict_link_is_refused(self):
        """The surviving record is bound already: linking it again is refused.

        Before, the new binding hit the binding's unique constraint: a
        server error.
        """
        _event, conflict, first, second = self._merge_conflict()
        for partner in (second.partner_id, first.partner_id):
            conflict.link_partner_id = partner
            with (
                self.assertRaisesRegex(UserError, "already linked to Keep"),
                self.env.cr.savepoint(),
            ):
                conflict.action_link()
        self.assertEqual(conflict.state, "open")
        self.assertEqual(first.partner_id.name, "Keep")
        self.assertEqual(
            self.env["external.crm.binding"]
            .with_context(active_test=False)
            .search_count([("backend_id", "=", self.generic.id), ("external_id", "=", "MC-1")]),
            1,
        )

    def test_merge_conflict_keep_odoo_keeps_the_event_outcome(self):
        """The customers stay apart; the event, applied to the survivor, stays so.

        Before, the event was turned into an ignored one, its summary
        replaced, although its changes were applied.
        """
        event, conflict, first, second = self._merge_conflict()
        conflict.action_keep_odoo()
        self.assertEqual((conflict.state, conflict.resolution), ("resolved", "odoo"))
        self.assertEqual(event.state, "conflict")
        self.assertIn("MC-2", event.summary)
        self.assertEqual(first.partner_id.city, "Safi")
        self.assertFalse(second.active)
        self.assertTrue(second.partner_id.active)

    def test_merge_conflict_is_not_superseded_by_process_again(self):
        """A merge conflict is about two bindings: processing again leaves it to review."""
        event, conflict, _first, second = self._merge_conflict()
        event.with_user(self.manager).action_retry()
        self.assertEqual(conflict.state, "open")
        self._process(self.generic)
        self.assertEqual(event.state, "duplicate", event.summary)
        self.assertFalse(second.active)
        conflict.action_keep_odoo()
        self.assertEqual(conflict.resolution, "odoo")

    def test_failure_then_retry_succeeds(self):
        event = self._deliver(
            self.generic, [self._item("company", "NAMELESS", {"title": "Nameless SA"})]
        )
        self.assertEqual(event.state, "failed")
        self.assertIn("no name", event.last_error)
        self.assertEqual(event.attempts, 1)
        # the integrator fixes the map, then retries from the list
        self.generic.field_map_ids.filtered(
            lambda m: m.object_kind == "company" and m.field_name == "name"
        ).external_field = "title"
        event.with_user(self.manager).action_retry()
        self.assertEqual(event.state, "received")
        self._process(self.generic)
        self.assertEqual(event.state, "done", event.last_error)
        self.assertEqual(event.attempts, 2)
        self.assertEqual(event.partner_id.name, "Nameless SA")

    def test_value_table_values_are_trimmed(self):
        """A value typed or imported with stray spaces would never match what
        the external CRM sends, and would escape the check for duplicates."""
        stage_line = self.generic.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        ValueMap = self.env["external.crm.value.map"].with_user(self.manager)
        line = ValueMap.create(
            {
                "field_map_id": stage_line.id,
                "external_value": "  signed \n",
                "stage_id": self.won_stage.id,
            }
        )
        self.assertEqual(line.external_value, "signed")
        line.write({"external_value": " signed-2 "})
        self.assertEqual(line.external_value, "signed-2")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            ValueMap.create({"field_map_id": stage_line.id, "external_value": "won "})

    def test_bad_values_are_skipped_with_a_note(self):
        event = self._deliver(
            self.generic,
            [
                self._company(
                    "BAD-1", name="Bad values", country="Atlantis", phone="12", email="not-an-email"
                )
            ],
        )
        self.assertEqual(event.state, "done")
        partner = event.partner_id
        self.assertFalse(partner.country_id)
        self.assertFalse(partner.email)
        self.assertEqual(partner.phone, "12", "kept as received")
        self.assertIn("Atlantis", event.summary)
        self.assertIn("not-an-email", event.summary)

    # -- field map edits ---------------------------------------------------------
    def _map_line(self, kind, field_name, transform, external_field="ext_field"):
        return (
            self.env["external.crm.field.map"]
            .with_user(self.manager)
            .create(
                {
                    "backend_id": self.generic.id,
                    "object_kind": kind,
                    "external_field": external_field,
                    "field_name": field_name,
                    "transform": transform,
                }
            )
        )

    def test_field_map_transform_must_suit_the_odoo_field(self):
        """A transform whose result the Odoo field cannot hold is refused.

        Before, a country transform on the State field was accepted, and every
        company then got the state whose id was the country's ("FR" gave a
        Brazilian state), with the event done.
        """
        for kind, field_name, transform in (
            ("company", "state_id", "country_iso"),
            ("company", "function", "country_iso"),
            ("company", "user_id", "phone_e164"),
            ("company", "partner_latitude", "date"),
            ("deal", "recurring_revenue", "lower_email"),
            ("deal", "date_conversion", "number"),
            ("deal", "priority", "vat"),
        ):
            with (
                self.subTest(field=field_name, transform=transform),
                self.assertRaisesRegex(ValidationError, "cannot feed"),
                self.env.cr.savepoint(),
            ):
                self._map_line(kind, field_name, transform)
        # what suits the field is accepted
        self._map_line("company", "ref", "number")
        self._map_line("company", "industry_id", "value_table")
        self._map_line("deal", "email_cc", "lower_email")
        self._map_line("deal", "country_id", "country_iso")
        self._map_line("deal", "date_closed", "date")
        line = self.generic.field_map_ids.filtered(lambda m: m.field_name == "country_id")[:1]
        with self.assertRaisesRegex(ValidationError, "cannot feed"), self.env.cr.savepoint():
            line.with_user(self.manager).field_name = "state_id"

    def test_field_map_refuses_computed_fields(self):
        """A field Odoo computes by itself cannot be fed: it was lost in silence.

        Before, a map to the Prorated Revenue of a deal or the Company Name
        Entity of a customer was accepted, and each event was done with a
        summary showing the value, which Odoo then computed over.
        """
        for kind, field_name in (
            ("company", "commercial_company_name"),
            ("deal", "prorated_revenue"),
        ):
            with (
                self.subTest(field=field_name),
                self.assertRaisesRegex(ValidationError, "computed by Odoo"),
                self.env.cr.savepoint(),
            ):
                self._map_line(kind, field_name, "trim")
        choices = dict(
            self.env["external.crm.field.map"]
            ._fields["field_name"]
            ._description_selection(self.env)
        )
        self.assertNotIn("prorated_revenue", choices)
        self.assertNotIn("commercial_company_name", choices)
        self.assertIn("expected_revenue", choices)
        # computed fields that Odoo lets a person edit stay available
        self.assertIn("probability", choices)

    def test_field_map_refuses_fields_the_integration_user_cannot_write(self):
        """A field reserved to groups the integration user lacks is refused.

        Before, a map to the Credit Limit (accounting groups) was accepted:
        customers were created with it, then every later change of every
        customer failed on an AccessError, the other fields not applied. (The
        Credit Limit is now refused first as a field accounting owns: the
        signup type, for user administrators, shows this rule.)
        """
        with self.assertRaisesRegex(ValidationError, "integration user"):
            self._map_line("company", "signup_type", "trim")

    def test_stage_conflict_take_incoming_moves_the_deal_as_processing_does(self):
        """Taking an incoming stage goes through the stage logic: lost, won, reopened.

        Before, Take Incoming wrote the raw "lost" marker into the stage field:
        ValueError (Expected singleton: crm.stage('l', 'o', 's', 't')).
        """
        self.generic.field_map_ids.filtered(lambda m: m.field_name == "stage_id").master = "newest"
        now = self.env.cr.now()
        updated = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._deliver(
            self.generic,
            [self._item("deal", "SC-1", {"name": "Stage", "stage": "new"}, updated_at=updated)],
        )
        binding = self._binding(self.generic, "deal", "SC-1")
        binding.sync_date = now - timedelta(hours=2)
        lead = binding.lead_id
        other = self.env["crm.stage"].create({"name": "Talks", "sequence": 3})
        lead.stage_id = other
        item = self._item("deal", "SC-1", {"name": "Stage", "stage": "lost"})
        item.pop("updated_at")
        event = self._deliver(self.generic, [item])
        self.assertEqual(event.state, "conflict", event.summary)
        conflict = event.conflict_ids
        self.assertEqual(conflict.field_name, "stage_id")
        conflict.with_user(self.manager).action_take_incoming()
        self.assertFalse(lead.active, "marked lost")
        self.assertEqual(lead.lost_reason_id, self.generic.lost_reason_id)
        self.assertEqual(conflict.state, "resolved")
        # the other way: a deal lost in Odoo, won in the external CRM
        binding.last_values = {**binding.last_values, "stage_id": self.new_stage.id}
        item = self._item("deal", "SC-1", {"name": "Stage", "stage": "won"})
        item.pop("updated_at")
        item["event_id"] = "SC-1-won"
        event = self._deliver(self.generic, [item])
        self.assertEqual(event.state, "conflict", event.summary)
        event.conflict_ids.with_user(self.manager).action_take_incoming()
        self.assertTrue(lead.active, "reopened")
        self.assertEqual(lead.stage_id, self.won_stage)

    def test_events_of_an_archived_backend_are_not_sent_back_in_vain(self):
        """Process Again on an archived backend says why nothing will happen.

        Before, the events went back to Received and stayed there: the job of
        an archived backend does nothing, and the inbox sweep skips it.
        """
        event = self._deliver(self.generic, [self._item("company", "ARCH-1", {"title": "x"})])
        self.assertEqual(event.state, "failed")
        self.generic.active = False
        with self.assertRaisesRegex(UserError, "archived"), self.env.cr.savepoint():
            event.with_user(self.manager).action_retry()
        self.assertEqual(event.state, "failed", "left as it was")
        with self.assertRaisesRegex(UserError, "archived"), self.env.cr.savepoint():
            self.generic.with_user(self.manager).action_process_inbox()
        self.generic.active = True
        event.with_user(self.manager).action_retry()
        self.assertEqual(event.state, "received")

    def test_deleting_a_backend_cancels_its_waiting_jobs(self):
        """The jobs of a deleted backend are cancelled, not left to fail.

        Before, its inbox and import jobs stayed pending and, once run, failed
        with a MissingError traceback on the record deleted under them.
        """
        backend = self._create_backend(name="Doomed", provider="generic", webhook_secret="d")
        self._store(backend, [self._item("company", "DOOM-1", {"name": "Doomed SA"})])
        backend._schedule_inbox_processing()
        channel = backend.channel_id.complete_name
        jobs = self.env["queue.job"].search([("channel", "=", channel)])
        self.assertEqual(jobs.mapped("state"), ["pending"])
        backend.unlink()
        self.assertEqual(jobs.mapped("state"), ["cancelled"])
