# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from ..services.coercion import Coercer, apply_stage
from ..services.policy import LOST
from ..services.resolution import resolve_identity
from .external_crm_field_map import OBJECT_KINDS, check_parent_access


class ExternalCrmConflict(models.Model):
    """A decision the connector leaves to a person.

    Field conflicts: both sides changed a field since the last sync and the
    master policy cannot tell which change is the latest. Identity conflicts:
    an external record matches several Odoo customers (or one already linked
    to another external record), and nothing is merged silently.
    """

    _name = "external.crm.conflict"
    _inherit = "external.crm.protected.mixin"
    _description = "External CRM Conflict"
    _order = "state desc, id desc"
    _check_company_auto = True
    # the customer a person chooses before Link to Customer
    _editable_fields = ("link_partner_id",)

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    event_id = fields.Many2one("external.crm.event", ondelete="cascade", readonly=True, index=True)
    binding_id = fields.Many2one("external.crm.binding", ondelete="cascade", readonly=True)
    conflict_type = fields.Selection(
        [("field", "Field"), ("identity", "Identity"), ("order", "Sale order")],
        required=True,
        readonly=True,
    )
    description = fields.Text(
        string="To Review",
        readonly=True,
        help="Sale orders: what the connector did not do without a person, and why.",
    )
    object_kind = fields.Selection(OBJECT_KINDS, readonly=True)
    external_id = fields.Char(string="External ID", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, check_company=True
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True, check_company=True)
    field_name = fields.Char(string="Technical Field", readonly=True)
    field_label = fields.Char(string="Field", readonly=True)
    odoo_value = fields.Text(readonly=True)
    incoming_value = fields.Text(readonly=True)
    last_applied_value = fields.Text(string="Value Last Applied", readonly=True)
    incoming_raw = fields.Json(readonly=True)
    candidate_ids = fields.Many2many(
        "res.partner", string="Candidates", readonly=True, help="Customers the record matches."
    )
    match_rule = fields.Char(readonly=True)
    link_partner_id = fields.Many2one(
        "res.partner",
        string="Link To",
        check_company=True,
        help="The existing customer to link the external record to.",
    )
    state = fields.Selection(
        [("open", "To review"), ("resolved", "Resolved")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    resolution = fields.Selection(
        [
            ("incoming", "Took the incoming value"),
            ("odoo", "Kept the Odoo value"),
            ("linked", "Linked to an existing customer"),
            ("superseded", "Stale: the event was processed again"),
        ],
        readonly=True,
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)

    def write(self, vals):
        check_parent_access(self, vals, "backend_id")
        return super().write(vals)

    def _is_merge(self):
        """True for the conflict of a merge: two bindings, not an event's values."""
        self.ensure_one()
        return self.conflict_type == "identity" and self.match_rule == "merge"

    def _check_open(self):
        """Refuse a conflict already closed, or one its event's new processing replaced.

        Processing an event again decides its record anew, and raises new
        conflicts if need be: a decision on a conflict of an earlier
        processing would apply an outdated state of the record.
        """
        for conflict in self:
            if conflict.resolution == "superseded":
                raise UserError(
                    self.env._(
                        "This conflict is stale: its event was processed again, which "
                        "decides anew. Review the event's latest outcome and conflicts instead."
                    )
                )
            if conflict.state != "open":
                raise UserError(self.env._("This conflict is already resolved."))
            event = conflict.event_id
            # a merge conflict stays true whatever the event became
            if event and not conflict._is_merge() and event.state != "conflict":
                if event.state == "received":
                    raise UserError(
                        self.env._(
                            "This conflict is stale: its event was sent to be processed "
                            "again. Review its new outcome and conflicts once it is processed."
                        )
                    )
                raise UserError(
                    self.env._(
                        "This conflict is stale: its event was processed again since (it is "
                        "now %(state)s). Review the event's latest outcome and conflicts instead.",
                        state=dict(event._fields["state"]._description_selection(self.env))[
                            event.state
                        ],
                    )
                )
        self.check_access("write")

    def _resolve(self, resolution):
        # sudo: the outcome fields are set by the resolution, not edited by hand
        self.sudo().write(
            {
                "state": "resolved",
                "resolution": resolution,
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )
        self._close_decided_events()

    def _close_decided_events(self):
        """An event whose field conflicts were all decided is done.

        The rest of the event was applied when it was processed; only its
        conflicting fields waited for a person. Left in "Conflict", the
        event would still count as waiting in the inbox and its statistics.
        Identity conflicts set their event's outcome themselves (processed
        again, or kept apart).
        """
        events = self.filtered(lambda c: c.conflict_type == "field").event_id
        decided = events.filtered(
            lambda e: e.state == "conflict" and all(c.state == "resolved" for c in e.conflict_ids)
        )
        # sudo: an event's outcome is the connector's, not a hand edit
        decided.sudo().write({"state": "done"})

    def _supersede(self):
        """Close the open conflicts that a new processing of their event replaces.

        A merge conflict is left open: it is about two bindings, which a new
        processing of the event does not look at again.
        """
        self.filtered(lambda c: c.state == "open" and not c._is_merge())._resolve("superseded")

    def action_take_incoming(self):
        """Apply the incoming value (field) or create a new customer (identity).

        A merge conflict has no incoming customer to take: Odoo never merges
        two customers by itself (accounting may hold entries on both).
        """
        self._check_open()
        for conflict in self:
            if conflict.conflict_type == "order":
                raise UserError(
                    self.env._(
                        "A sale order item has no incoming value to take: fix what it names, "
                        "then process its event again, or close it with Keep Odoo."
                    )
                )
            if conflict.conflict_type == "field":
                conflict._apply_incoming_value()
            elif conflict._is_merge():
                raise UserError(
                    self.env._(
                        "The external CRM merged %(old)s into %(new)s, but in Odoo they are two "
                        "customers (%(names)s), and Odoo never merges customers by itself: "
                        "merge them by hand if they are the same, then close this conflict "
                        "with Keep Odoo.",
                        old=conflict.binding_id.external_id,
                        new=conflict.external_id,
                        names=", ".join(conflict.candidate_ids.mapped("display_name")),
                    )
                )
            else:
                conflict._reprocess(force_create=True)
        self._resolve("incoming")
        return True

    def action_keep_odoo(self):
        """Keep Odoo as it is; the incoming value counts as seen.

        A merge conflict keeps both customers apart (the merged record's
        binding stays archived); its event keeps its outcome, since its
        changes were applied to the surviving record.
        """
        self._check_open()
        for conflict in self.filtered(lambda c: c.conflict_type == "field"):
            binding = conflict.binding_id
            values = dict(binding.last_values or {})
            values[conflict.field_name] = conflict.incoming_raw
            # sudo: the integration state of the binding is technical
            binding.sudo().last_values = values
        identity = self.filtered(lambda c: c.conflict_type == "identity" and not c._is_merge())
        if identity.event_id:
            identity.event_id.sudo().write(
                {"state": "ignored", "summary": self.env._("Kept apart by a person.")}
            )
        self._resolve("odoo")
        return True

    def action_link(self):
        """Link the external record to the chosen customer, then apply it."""
        self._check_open()
        for conflict in self:
            if conflict.conflict_type != "identity":
                raise UserError(self.env._("Only identity conflicts link to a customer."))
            if not conflict.link_partner_id:
                raise UserError(self.env._("Choose the customer to link to first."))
            conflict._reprocess(link_partner=conflict.link_partner_id)
        self._resolve("linked")
        return True

    def _apply_incoming_value(self):
        """Write the value that arrived, on a field the backend's map still maps.

        The conflict's field and value cannot be changed by hand; the field
        map can, since: a field it no longer maps, or that accounting owns,
        is refused, and a relation is resolved again with the integration
        user's rights (its record rules may hide the record now).
        """
        self.ensure_one()
        # written by the integration user, like every change from the external CRM
        backend = self.backend_id._as_integration_user()
        coercer = Coercer(backend.env, backend.lost_reason_id.id)
        record = (self.lead_id or self.partner_id).with_env(backend.env)
        field_name = self.field_name
        label = self.field_label or field_name
        mapped = self.backend_id.field_map_ids.filtered(
            lambda m: m.object_kind == self.object_kind and m.field_name == field_name
        )
        if not mapped or field_name not in record._fields:
            raise UserError(
                self.env._(
                    "The field map of %(backend)s no longer maps %(field)s: the incoming value "
                    "is not applied. Map the field again first, or close the conflict with "
                    "Keep Odoo.",
                    backend=self.backend_id.display_name,
                    field=label,
                )
            )
        if coercer.owned_by_accounting(record._name, field_name):
            raise UserError(
                self.env._(
                    "%(field)s belongs to accounting: the external CRM never writes it. Close "
                    "the conflict with Keep Odoo.",
                    field=label,
                )
            )
        binding = self.binding_id
        if binding and binding._record() != record:
            raise UserError(
                self.env._("This conflict's record is no longer the one its binding points to.")
            )
        value = self.incoming_raw
        odoo_field = record._fields[field_name]
        if odoo_field.type == "many2one" and value not in (LOST, False, None):
            try:
                value = coercer.fit(odoo_field, value)
            except ValueError as error:
                raise UserError(
                    self.env._(
                        "%(field)s: %(error)s; the incoming value is not applied.",
                        field=label,
                        error=str(error),
                    )
                ) from error
        if field_name == "stage_id" and record._name == "crm.lead":
            # the stage of a deal is "lost" or a stage: marked lost, or moved
            # (and reopened), as the processing does
            apply_stage(record, value, backend.lost_reason_id.id)
        else:
            record.write({field_name: value})
        values = dict(binding.last_values or {})
        values[field_name] = self.incoming_raw
        # sudo: the integration state of the binding is technical
        binding.sudo().write({"last_values": values, "sync_date": self.env.cr.now()})

    def _reprocess(self, force_create=False, link_partner=None):
        self.ensure_one()
        # applied by the integration user, like every change from the external CRM
        backend = self.backend_id._as_integration_user()
        try:
            resolve_identity(
                backend,
                self.event_id.with_env(backend.env),
                force_create,
                link_partner.with_env(backend.env) if link_partner else None,
            )
        except ExternalCrmTransientError as error:
            raise UserError(
                self.env._(
                    "The external CRM cannot be reached now (%(error)s): try again later.",
                    error=str(error),
                )
            ) from error
        except ExternalCrmError as error:
            # the connector's errors are the inbox's; a person is shown a message
            raise UserError(str(error)) from error
