# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The erasure register: who asked to forget whom, and what Odoo kept and why.

Written by the connector only (``services/erasure.py``), never changed nor
removed: it proves that a request was followed. It holds the names of the
fields erased, never their values; administrators and External CRM
managers read it.
"""

from odoo import fields, models


class ExternalCrmErasure(models.Model):
    _name = "external.crm.erasure"
    _description = "External CRM Erasure"
    _order = "create_date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index=True,
        ondelete="set null",
        help="The record erased: it is kept, without the personal data.",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    backend_id = fields.Many2one(
        "external.crm.backend", readonly=True, ondelete="set null", help="Empty: asked in Odoo."
    )
    event_id = fields.Many2one("external.crm.event", readonly=True, ondelete="set null")
    external_id = fields.Char(string="External ID", readonly=True)
    requested_by = fields.Selection(
        [("external_crm", "The external CRM"), ("person", "A person in Odoo")],
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Done By", readonly=True, help="The person, or the integration user."
    )
    erased_fields = fields.Char(readonly=True, help="Technical names of the fields erased.")
    kept = fields.Text(string="Kept, and Why", readonly=True)
    bindings_archived = fields.Integer(readonly=True)

    def _summary(self):
        """One line for the event that asked: what was done, never the values."""
        self.ensure_one()
        if not self.erased_fields:
            return self.env._("Nothing erased. Kept: %(kept)s", kept=self.kept or "")
        text = self.env._(
            "Personal data of customer %(id)s erased (%(fields)s); %(count)s bindings archived.",
            id=self.partner_id.id,
            fields=self.erased_fields,
            count=self.bindings_archived,
        )
        if self.kept:
            text += " " + self.env._("Kept: %(kept)s", kept=self.kept)
        return text
