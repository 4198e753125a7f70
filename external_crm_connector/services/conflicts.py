# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the policy decided, told to a person, and what it leaves to one.

``ConflictRecorder`` writes the notes of the policy's decisions and builds
every conflict the same way (``_values``): field conflicts (both sides
changed a field), identity conflicts (several customers match, or the one
that matches is bound elsewhere) and merges of two Odoo customers. A person
resolves them on ``external.crm.conflict`` (see ``resolution``).
"""

from .policy import APPLY, CONFLICT, KEEP, LOST


class ConflictRecorder:
    """Creates the conflicts of one backend's events."""

    def __init__(self, backend, coercer):
        self.backend = backend
        self.env = backend.env
        self.coercer = coercer

    def _values(self, event, conflict_type, **values):
        """The one builder of a conflict's values: what every conflict carries, then its own."""
        return {
            "backend_id": self.backend.id,
            "event_id": event.id,
            "conflict_type": conflict_type,
            "object_kind": event.object_kind,
            "external_id": event.external_id,
            **values,
        }

    def update_notes(self, record, lines, decisions, restored, stage):
        """What an update decided, field by field, then for the record."""
        notes = [self._decision_note(record._name, lines[d.field_name], d) for d in decisions]
        notes = [note for note in notes if note]
        if restored:
            notes.append(self.env._("Restored in the external CRM: unarchived."))
        if stage == LOST:
            notes.append(self.env._("Marked lost."))
        elif stage is not None:
            shown = self.coercer.show("crm.lead", "stage_id", stage)
            notes.append(self.env._("Stage: %(stage)s.", stage=shown))
        return notes

    def _decision_note(self, model_name, line, decision):
        """What the policy decided for one field, as the event tells it (or None)."""
        if decision.decision == KEEP and not decision.external_changed:
            return None  # nothing new from outside: Odoo's change stays
        show = self.coercer.show
        shown = {
            "field": line.field_label,
            "current": show(model_name, line.field_name, decision.current),
            "new": show(model_name, line.field_name, decision.value),
        }
        if decision.decision == APPLY:
            return self.env._("%(field)s: %(current)s → %(new)s.", **shown)
        if decision.decision == KEEP:
            return self.env._(
                "%(field)s: Odoo keeps %(current)s, the external CRM has %(new)s "
                "(master: %(master)s).",
                master=line.master_label,
                **shown,
            )
        return self.env._(
            "%(field)s: changed on both sides (Odoo %(current)s, external "
            "%(new)s): waiting for review.",
            **shown,
        )

    def identity_note(self, candidates, rule):
        """Why the event waits for a person to choose its customer."""
        if len(candidates) > 1:
            return self.env._(
                "Matches %(count)s existing customers by %(rule)s (%(names)s): waiting for "
                "a person to choose; nothing was merged.",
                count=len(candidates),
                rule=rule,
                names=", ".join(candidates.mapped("display_name")),
            )
        return self.env._(
            "Matches %(name)s by %(rule)s, which is already linked to another external "
            "record: waiting for a person to choose.",
            name=candidates.display_name,
            rule=rule,
        )

    def identity(self, event, candidates, rule, incoming):
        """The external record matches several customers, or one bound elsewhere."""
        show = self.coercer.show
        return self.env["external.crm.conflict"].create(
            self._values(
                event,
                "identity",
                candidate_ids=[(6, 0, candidates.ids)],
                match_rule=rule,
                incoming_raw=incoming,
                incoming_value="\n".join(
                    f"{name}: {show('res.partner', name, value)}"
                    for name, value in sorted(incoming.items())
                ),
            )
        )

    def merge(self, event, binding, records):
        """The external CRM merged two records that are two customers in Odoo."""
        candidates = records.filtered(lambda r: r._name == "res.partner")
        return self.env["external.crm.conflict"].create(
            self._values(
                event,
                "identity",
                binding_id=binding.id,
                candidate_ids=[(6, 0, candidates.ids)],
                match_rule="merge",
            )
        )

    def fields(self, event, binding, record, decisions, lines):
        """One conflict per field changed on both sides (``policy.FieldDecision``)."""
        show = self.coercer.show
        values = []
        for decision in decisions:
            if decision.decision != CONFLICT:
                continue
            fname, last = decision.field_name, decision.last
            values.append(
                self._values(
                    event,
                    "field",
                    binding_id=binding.id,
                    **{"lead_id" if record._name == "crm.lead" else "partner_id": record.id},
                    field_name=fname,
                    field_label=lines[fname].field_label,
                    odoo_value=show(record._name, fname, decision.current),
                    incoming_value=show(record._name, fname, decision.value),
                    last_applied_value=(
                        show(record._name, fname, last) if last is not None else False
                    ),
                    incoming_raw=decision.value,
                )
            )
        return self.env["external.crm.conflict"].create(values)

    def order(self, event, binding, lead, text):
        """A sale order of a won deal left to a person (``services.orders``)."""
        return self.env["external.crm.conflict"].create(
            self._values(
                event,
                "order",
                binding_id=binding.id,
                lead_id=lead.id,
                partner_id=lead.partner_id.commercial_partner_id.id or False,
                description=text,
            )
        )

    def bound_message(self, binding):
        """Why an external record that has a binding is not linked or created again."""
        if not binding.active:
            return self.env._(
                "The external record %(id)s was merged into another one in the external CRM "
                "(its binding is archived): it is not linked or created again.",
                id=binding.external_id,
            )
        return self.env._(
            "The external record %(id)s is already linked to %(name)s: it is not linked or "
            "created again. If that link is right, close the conflict with Keep Odoo.",
            id=binding.external_id,
            name=binding._record().display_name,
        )
