# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Erasure requests: HubSpot's privacy deletion, the generic ``erase`` item, a manager's action."""

import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon

from .clock import epoch_ms, moment
from .common import ExternalCrmCase

EMAIL = "leila.benali@atlas-distribution.ma"
PHONE = "+212 522 40 40 40"
# a 1x1 PNG: the contact's photo
IMAGE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5e1c6a60000000049454e44ae426082"
    )
)


@tagged("post_install", "-at_install")
class TestErasure(ExternalCrmCase, CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.hubspot = cls._setup_fake_hubspot("pat-erasure", name="HubSpot erasure")
        cls.salesperson = new_test_user(
            cls.env,
            login="erasure_salesperson",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def setUp(self):
        super().setUp()
        self._reset_fake_hubspot()
        self.company_partner = self.env["res.partner"].create(
            {
                "name": "Atlas Distribution",
                "is_company": True,
                "vat": "MA001524398000088",
                "email": "contact@atlas-distribution.ma",
                "phone": "+212 522 30 30 30",
                "street": "12 rue Ibnou Mounir",
                "city": "Casablanca",
                "country_id": self.morocco.id,
            }
        )
        self.person = self.env["res.partner"].create(
            {
                "name": "Leila Benali",
                "parent_id": self.company_partner.id,
                "email": EMAIL,
                "phone": PHONE,
                "mobile": "+212 661 00 00 00",
                "function": "Purchasing manager",
                "comment": "<p>Prefers calls in the morning</p>",
                "street": "5 avenue Hassan II",
                "image_1920": IMAGE,
            }
        )
        self.message = self.company_partner.message_post(
            body="Order confirmed by phone", author_id=self.person.id, email_from=EMAIL
        )

    # -- helpers -------------------------------------------------------------------
    def _bind(self, backend, kind, external_id, partner):
        return self.env["external.crm.binding"].create(
            {
                "backend_id": backend.id,
                "object_kind": kind,
                "external_id": external_id,
                "partner_id": partner.id,
            }
        )

    def _privacy_deletion(self, object_id):
        event = {
            "eventId": 4101,
            "subscriptionId": 7,
            "portalId": 62515,
            "occurredAt": epoch_ms(moment(-1, 9)),
            "subscriptionType": "contact.privacyDeletion",
            "attemptNumber": 0,
            "objectId": object_id,
            "changeSource": "GDPR",
        }
        return self._deliver(self.hubspot, [event])

    def _erase_item(self, kind, external_id, event_id="erase-1"):
        return self._deliver(
            self.generic,
            [{"event_id": event_id, "action": "erase", "object": kind, "id": external_id}],
        )

    def _register(self):
        return self.env["external.crm.erasure"].search([], order="id")

    def _check_person_erased(self, person):
        self.assertEqual(person.name, f"Erased contact {person.id}")
        for field_name in ("email", "phone", "mobile", "function", "comment", "street"):
            self.assertFalse(person[field_name], field_name)
        self.assertFalse(person.image_1920)
        self.assertTrue(person.external_crm_erased_at)
        self.assertTrue(person.exists(), "never deleted")

    # -- the doors ---------------------------------------------------------------------
    def test_hubspot_privacy_deletion_erases_the_contact(self):
        binding = self._bind(self.hubspot, "contact", "501", self.person)
        event = self._privacy_deletion(501)
        self.assertEqual((event.object_kind, event.action), ("contact", "erase"))
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self._check_person_erased(self.person)
        self.assertFalse(binding.active, "its binding is archived")
        self.assertEqual(self.message.author_id, self.person, "the chatter keeps who wrote")
        self.assertFalse(self.message.email_from, "not the address they wrote from")
        (row,) = self._register()
        self.assertEqual(
            (row.requested_by, row.backend_id, row.event_id, row.external_id, row.partner_id),
            ("external_crm", self.hubspot, event, "501", self.person),
        )
        self.assertIn("email", row.erased_fields.split(", "))
        self.assertFalse(row.kept, "no accounting document names her")
        for text in (row.erased_fields, row.kept or "", event.summary, event.payload):
            self.assertNotIn(EMAIL, text, "the register and the event never hold the values")
            self.assertNotIn("Leila", text)
        self.assertFalse(
            self.env["mail.tracking.value"].search(
                ["|", ("old_value_char", "ilike", "Leila"), ("old_value_char", "ilike", EMAIL)]
            ),
            "no tracking value keeps them either",
        )

    def test_her_opportunities_forget_what_they_copied_from_her(self):
        """An opportunity keeps its own copy of the contact's name, e-mail, phones,
        job position and address: erased with hers."""
        lead = self.env["crm.lead"].create(
            {"name": "Showroom Anfa", "type": "opportunity", "partner_id": self.person.id}
        )
        self.assertEqual(lead.contact_name, "Leila Benali")
        self._bind(self.generic, "contact", "ext-P-1", self.person)
        self._erase_item("contact", "ext-P-1")
        for field_name in ("contact_name", "email_from", "phone", "mobile", "function", "street"):
            self.assertFalse(lead[field_name], field_name)
        self.assertEqual(lead.partner_id, self.person, "still her opportunity")
        self.assertEqual(lead.name, "Showroom Anfa")

    def test_a_generic_erase_of_a_company_without_invoices_erases_it_and_its_people(self):
        self._bind(self.generic, "company", "ext-C-100", self.company_partner)
        event = self._erase_item("company", "ext-C-100")
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertEqual(self.company_partner.name, f"Erased contact {self.company_partner.id}")
        self.assertFalse(self.company_partner.vat)
        self.assertFalse(self.company_partner.email)
        self._check_person_erased(self.person)
        self.assertEqual(self._register().partner_id, self.company_partner | self.person)
        # the messages of its own chatter kept a copy of its name as their subject
        self.assertEqual(self.message.record_name, self.company_partner.name)
        self.assertFalse(
            self.env["mail.message"].search(
                [("model", "=", "res.partner"), ("record_name", "ilike", "Atlas")]
            )
        )

    def test_a_customer_with_posted_invoices_keeps_its_legal_identity(self):
        self._create_invoice(self.company_partner, 1200.0)
        self._bind(self.generic, "company", "ext-C-100", self.company_partner)
        self._erase_item("company", "ext-C-100")
        company = self.company_partner
        self.assertEqual(
            (company.name, company.vat, company.street, company.city, company.country_id),
            (
                "Atlas Distribution",
                "MA001524398000088",
                "12 rue Ibnou Mounir",
                "Casablanca",
                self.morocco,
            ),
            "what the posted invoice shows stays",
        )
        self.assertFalse(company.email)
        self.assertFalse(company.phone)
        self._check_person_erased(self.person)
        row = self._register().filtered(lambda r: r.partner_id == company)
        self.assertIn("1 posted invoices or credit notes", row.kept)
        self.assertNotIn("vat", row.erased_fields.split(", "))

    def test_a_company_that_kept_its_vat_is_never_matched_again(self):
        self._create_invoice(self.company_partner, 1200.0)
        self._bind(self.hubspot, "company", "9001", self.company_partner)
        self._erase_item("company", "ext-C-100")  # not bound at the generic door: nothing
        self.assertFalse(self.company_partner.external_crm_erased_at)
        self._bind(self.generic, "company", "ext-C-100", self.company_partner)
        self._erase_item("company", "ext-C-100", event_id="erase-2")
        data = {"name": "Atlas Distribution", "vat": "MA001524398000088", "country": "MA"}
        event = self._deliver(self.generic, [self._item("company", "ext-C-200", data)])
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertNotEqual(event.partner_id, self.company_partner, "not matched by its VAT")
        self.assertEqual(self.company_partner.vat, "MA001524398000088", "kept for accounting")

    def test_a_generic_erase_of_a_deal_is_refused_at_the_door(self):
        event = self._erase_item("deal", "ext-D-1")
        self.assertFalse(event.object_kind)
        self.assertIn(
            "only a contact or a company can be erased", event.last_error or event.summary
        )

    def test_erasing_an_unbound_record_does_nothing(self):
        event = self._erase_item("contact", "ext-P-404")
        self.assertEqual(event.state, "ignored")
        self.assertIn("nothing to erase", event.summary)
        self.assertFalse(self._register())

    def test_a_request_again_changes_nothing(self):
        self._bind(self.hubspot, "contact", "501", self.person)
        self._privacy_deletion(501)
        erased_at = self.person.external_crm_erased_at
        again = self._erase_item("contact", "ext-P-1")  # not bound at the generic door
        self.assertEqual(again.state, "ignored")
        self._bind(self.generic, "contact", "ext-P-1", self.person)
        again = self._erase_item("contact", "ext-P-1", event_id="erase-2")
        self.assertEqual(again.state, "done", again.summary or again.last_error)
        self.assertIn("Already erased", again.summary)
        self.assertEqual(len(self._register()), 1, "one row per erasure")
        self.assertEqual(self.person.external_crm_erased_at, erased_at)

    def test_a_second_backend_cannot_bring_the_data_back(self):
        """Bound through HubSpot and the generic door: both bindings go, and a later
        delivery with the same e-mail creates a new contact rather than match her."""
        hubspot_binding = self._bind(self.hubspot, "contact", "501", self.person)
        generic_binding = self._bind(self.generic, "contact", "ext-P-1", self.person)
        self._privacy_deletion(501)
        self.assertFalse(hubspot_binding.active)
        self.assertFalse(generic_binding.active)
        self.assertEqual(self._register().bindings_archived, 2)
        data = {"name": "Leila Benali", "email": EMAIL, "phone": PHONE}
        changed = self._deliver(self.generic, [self._item("contact", "ext-P-1", data)])
        self.assertNotEqual(changed.partner_id, self.person, changed.summary)
        other = self._deliver(self.generic, [self._item("contact", "ext-P-2", data)])
        self.assertNotEqual(other.partner_id, self.person, "never matched again")
        self._check_person_erased(self.person)

    def test_dry_run_erases_nothing(self):
        self._bind(self.generic, "contact", "ext-P-1", self.person)
        self.generic.dry_run = True
        event = self._erase_item("contact", "ext-P-1")
        self.assertIn("would be erased", event.summary)
        self.assertEqual(self.person.email, EMAIL)
        self.assertFalse(self._register())

    def test_an_odoo_users_contact_is_not_erased_here(self):
        user = new_test_user(self.env, login="erasure_user", groups="base.group_user")
        self._bind(self.generic, "contact", "ext-P-9", user.partner_id)
        self._erase_item("contact", "ext-P-9")
        self.assertNotIn("Erased", user.partner_id.name)
        (row,) = self._register()
        self.assertFalse(row.erased_fields)
        self.assertIn("Odoo user", row.kept)

    # -- a person in Odoo ----------------------------------------------------------------
    def test_a_manager_erases_a_bound_contact(self):
        binding = self._bind(self.generic, "contact", "ext-P-1", self.person)
        binding.with_user(self.manager).action_erase_personal_data()
        self._check_person_erased(self.person)
        (row,) = self._register()
        self.assertEqual((row.requested_by, row.user_id), ("person", self.manager))
        self.assertFalse(binding.active)

    def test_only_managers_erase_and_only_bound_customers(self):
        self._bind(self.generic, "contact", "ext-P-1", self.person)
        with self.assertRaises(AccessError):
            self.person.with_user(self.salesperson).action_external_crm_erase()
        unbound = self.env["res.partner"].create({"name": "Not from the CRM"})
        with self.assertRaises(UserError):
            unbound.with_user(self.manager).action_external_crm_erase()
        self.assertEqual(self.person.email, EMAIL)

    def test_the_register_is_read_by_managers_and_administrators_only(self):
        self._bind(self.generic, "contact", "ext-P-1", self.person)
        self._erase_item("contact", "ext-P-1")
        row = self._register()
        self.assertTrue(row.with_user(self.manager).read(["kept"]))
        admin = new_test_user(self.env, login="erasure_admin", groups="base.group_system")
        self.assertTrue(row.with_user(admin).read(["erased_fields"]))
        for user in (self.salesperson, self.env.ref("base.user_demo", raise_if_not_found=False)):
            if user:
                with self.assertRaises(AccessError):
                    row.with_user(user).read(["kept"])
        for user in (self.manager, admin):
            with self.assertRaises(AccessError):
                row.with_user(user).write({"kept": "nothing"})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()
