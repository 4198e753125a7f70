# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A person's right to be forgotten, followed in Odoo without breaking accounting.

When a contact asks the external CRM to forget them (HubSpot's privacy
deletion, a generic ``erase`` item) or a manager asks it in Odoo, the bound
customer's personal data is overwritten: nothing is deleted, so that every
document pointing to it stays whole. What accounting must keep is kept: a
customer with posted invoices or credit notes keeps its name, VAT number
and address (they are on those documents, which the law keeps for years),
and the register says so. Its contact persons are erased as well. The
customer's bindings are archived and the matcher no longer finds it, so
that a later delivery cannot bring the erased data back onto it.

Every erasure is one row of the erasure register, with who asked, through
which backend, what was erased (field names, never values) and what was
kept and why. A request for a customer already erased changes nothing.
"""

from odoo import fields

# what is erased from a customer: its identity, how to reach it, what describes it
PERSONAL_FIELDS = (
    "name",
    "email",
    "phone",
    "mobile",
    "website",
    "function",
    "title",
    "comment",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "country_id",
    "vat",
    "image_1920",
)
# what a customer with posted accounting documents keeps: what is on them
LEGAL_IDENTITY = ("name", "vat", "street", "street2", "zip", "city", "state_id", "country_id")
# the copies an opportunity keeps of its customer's fields (crm.lead stores them)
LEAD_COPIES = {
    "name": ("contact_name", "partner_name"),
    "email": ("email_from",),
    "phone": ("phone",),
    "mobile": ("mobile",),
    "website": ("website",),
    "function": ("function",),
    "title": ("title",),
    "street": ("street",),
    "street2": ("street2",),
    "zip": ("zip",),
    "city": ("city",),
    "state_id": ("state_id",),
    "country_id": ("country_id",),
}


class Eraser:
    """Erases customers' personal data and writes the register (see the module).

    ``env`` is the connector at work (``connector_edit``): the integration
    user processing an event, or a manager's request made through the
    connector; it archives the bindings, which nobody edits by hand.
    """

    def __init__(self, env, backend=None, event=None, requested_by="external_crm"):
        self.env = env
        self.backend = backend
        self.event = event
        self.requested_by = requested_by

    def erase(self, partner, external_id=None):
        """Erase ``partner`` and its contact persons: the register rows written.

        An empty recordset when it was erased already (or is an Odoo user's:
        then one row says why nothing was done).
        """
        # sudo: the erasure is the law's, applied whoever asked (the integration
        # user, a connector manager): it writes fields that belong to accounting
        # (VAT) and messages of the chatter, and the register nobody writes by hand
        partner = partner.sudo().with_context(tracking_disable=True, active_test=False)
        if partner.external_crm_erased_at:
            return self.env["external.crm.erasure"]
        if partner.user_ids:
            return self._register(
                partner,
                external_id,
                erased=(),
                kept=self.env._(
                    "Everything: %(name)s is the contact of an Odoo user; erase it through "
                    "the user's own settings.",
                    name=partner.display_name,
                ),
            )
        rows = self._erase_one(partner, external_id)
        for person in partner.child_ids.filtered(lambda child: not child.is_company):
            if not person.external_crm_erased_at and not person.user_ids:
                rows |= self._erase_one(person, None)
        return rows

    def _erase_one(self, partner, external_id):
        documents = self._posted_documents(partner)
        kept_fields = LEGAL_IDENTITY if documents else ()
        erased = [name for name in PERSONAL_FIELDS if name not in kept_fields and partner[name]]
        values = dict.fromkeys(erased, False)
        if "name" in values:
            values["name"] = self.env._("Erased contact %(id)s", id=partner.id)
        values["external_crm_erased_at"] = fields.Datetime.now()
        partner.write(values)
        # an opportunity may hold what the customer no longer has (typed there)
        self._erase_lead_copies(partner, [f for f in PERSONAL_FIELDS if f not in kept_fields])
        # the chatter keeps who wrote, not the address they wrote from
        messages = self.env["mail.message"].sudo().search([("author_id", "=", partner.id)])
        messages.write({"email_from": False, "reply_to": False})
        if "name" in values:
            # the messages of its own chatter keep its name as their subject
            self.env["mail.message"].sudo().search(
                [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
            ).write({"record_name": values["name"]})
        bindings = (
            self.env["external.crm.binding"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "=", partner.id), ("active", "=", True)])
        )
        bindings.write({"active": False})
        kept = (
            self.env._(
                "Name, VAT number and address: %(count)s posted invoices or credit notes "
                "show them, and accounting must keep them as they are.",
                count=documents,
            )
            if documents
            else ""
        )
        return self._register(partner, external_id, erased, kept, len(bindings))

    def _erase_lead_copies(self, partner, erased):
        """The opportunities of ``partner`` keep copies of its fields: erased too."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False, tracking_disable=True)
        names = [
            lead_field
            for field_name in erased
            for lead_field in LEAD_COPIES.get(field_name, ())
            if lead_field in Lead._fields
        ]
        leads = Lead.search([("partner_id", "=", partner.id)])
        if leads and names:
            leads.write(dict.fromkeys(names, False))

    def _posted_documents(self, partner):
        """How many posted customer documents name ``partner`` (or have it as customer)."""
        return (
            self.env["account.move"]
            .sudo()
            .search_count(
                [
                    ("state", "=", "posted"),
                    "|",
                    ("partner_id", "=", partner.id),
                    ("commercial_partner_id", "=", partner.id),
                ]
            )
        )

    def _register(self, partner, external_id, erased, kept, bindings=0):
        backend = self.backend
        return (
            self.env["external.crm.erasure"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": (backend.company_id if backend else self.env.company).id,
                    "backend_id": backend.id if backend else False,
                    "event_id": self.event.id if self.event else False,
                    "external_id": external_id or False,
                    "requested_by": self.requested_by,
                    "user_id": self.env.uid,
                    "erased_fields": ", ".join(erased),
                    "kept": kept or False,
                    "bindings_archived": bindings,
                }
            )
        )
