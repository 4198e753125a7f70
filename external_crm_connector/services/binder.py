# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bindings: which Odoo record an external record is, for one backend.

``Binder`` finds the bindings of a batch (one search per kind), records new
ones and what each sync saw on them, and keeps the customer of every active
binding at hand for references. It reads and writes bindings only, never
the customers and opportunities they point to.
"""

import json

from odoo.tools import SQL


def reference_key(kind, external_id):
    """How a binding stores the external record a field waits for."""
    return f"{kind}:{external_id}"


def pending_values(pending):
    """The binding's values for a ``mapping.PendingReference`` (or None)."""
    if not pending:
        return {"pending_field": False, "pending_reference": False}
    return {
        "pending_field": pending.field_name,
        "pending_reference": reference_key(pending.kind, pending.external_id),
    }


class Binder:
    """The bindings of one backend seen by a batch, by ``(kind, external id)``."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.bindings = {}
        # customer id of each active binding that has one: what references resolve to
        self.partners = {}

    def get(self, kind, external_id):
        return self.bindings.get((kind, external_id))

    def _keep(self, key, binding):
        self.bindings[key] = binding
        if binding.active and binding.partner_id:
            self.partners[key] = binding.partner_id.id
        else:
            self.partners.pop(key, None)

    def _drop(self, key):
        self.bindings.pop(key, None)
        self.partners.pop(key, None)

    def snapshot(self):
        """The bindings known now, to go back to when an event fails."""
        return dict(self.bindings), dict(self.partners)

    def restore(self, snapshot):
        bindings, partners = snapshot
        self.bindings, self.partners = dict(bindings), dict(partners)

    def load(self, wanted):
        """Find the bindings of ``wanted`` ``(kind, external id)`` not known yet."""
        Binding = self.env["external.crm.binding"].with_context(active_test=False)
        by_kind = {}
        for kind, external_id in wanted:
            if kind:
                by_kind.setdefault(kind, set()).add(external_id)
        for kind, external_ids in by_kind.items():
            missing = [i for i in external_ids if (kind, i) not in self.bindings]
            if not missing:
                continue
            for binding in Binding.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("object_kind", "=", kind),
                    ("external_id", "in", missing),
                ]
            ):
                self._keep((kind, binding.external_id), binding)

    def bind(self, kind, external_id, record, origin, pending=None):
        """Record that ``record`` is the external record (matched or linked)."""
        values = {
            "backend_id": self.backend.id,
            "object_kind": kind,
            "external_id": external_id,
            "origin": origin,
            "lead_id" if kind == "deal" else "partner_id": record.id,
        }
        if pending:
            values.update(pending_values(pending))
        binding = self.env["external.crm.binding"].create(values)
        self._keep((kind, external_id), binding)
        return binding

    def bind_created(self, kind, rows):
        """The bindings of records just created, in one INSERT.

        ``rows``: ``(external id, record, modified at, values applied,
        pending reference)``. Creating them through the ORM costs about as
        much as creating the customers themselves (defaults, checks, one
        cache entry per field); on this hot path the values are complete and
        known to be valid.
        """
        backend = self.backend
        now = self.env.cr.now()
        uid = self.env.uid
        sql_rows = []
        for external_id, record, modified_at, last_values, pending in rows:
            stored = pending_values(pending)
            sql_rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, TRUE, 'created', %s, %s, %s, %s, %s, FALSE, "
                    "%s, %s, %s, %s)",
                    backend.id,
                    backend.company_id.id,
                    kind,
                    external_id,
                    record.id if kind != "deal" else None,
                    record.id if kind == "deal" else None,
                    modified_at,
                    now,
                    json.dumps(last_values),
                    stored["pending_reference"] or None,
                    stored["pending_field"] or None,
                    uid,
                    now,
                    uid,
                    now,
                )
            )
        ids = self.env.execute_query(
            SQL(
                """INSERT INTO external_crm_binding (
                       backend_id, company_id, object_kind, external_id, partner_id, lead_id,
                       active, origin, external_modified_at, sync_date, last_values,
                       pending_reference, pending_field, external_deleted,
                       create_uid, create_date, write_uid, write_date)
                   VALUES %s
                   RETURNING id""",
                SQL(", ").join(sql_rows),
            )
        )
        bindings = self.env["external.crm.binding"].browse([row[0] for row in ids])
        for (external_id, record, *_rest), binding in zip(rows, bindings, strict=True):
            # known without reading the new rows: active, and the record's
            self.bindings[kind, external_id] = binding
            if kind != "deal":
                self.partners[kind, external_id] = record.id
        return bindings

    def note_sync(self, binding, modified_at, last_values, pending):
        """Record on the binding what a sync saw and applied."""
        values = {
            "last_values": last_values,
            "sync_date": self.env.cr.now(),
            "external_deleted": False,
        }
        if modified_at and (
            not binding.external_modified_at or modified_at > binding.external_modified_at
        ):
            values["external_modified_at"] = modified_at
        if pending and not binding.pending_reference:
            values.update(pending_values(pending))
        binding.write(values)

    def note_seen(self, binding, last_values, modified_at):
        """Record what arrived for a record the sync leaves as it is."""
        binding.write(
            {
                "last_values": last_values,
                "external_modified_at": modified_at,
                "sync_date": self.env.cr.now(),
            }
        )

    def note_deleted(self, binding, modified_at):
        """Record that the external record was deleted (at ``modified_at``)."""
        values = {"external_deleted": True, "sync_date": self.env.cr.now()}
        if modified_at:
            values["external_modified_at"] = modified_at
        binding.write(values)

    def follow(self, binding, kind, external_id):
        """A merged record's binding now binds the surviving ``external_id``."""
        self._drop((kind, binding.external_id))
        binding.external_id = external_id
        self._keep((kind, external_id), binding)

    def archive(self, binding):
        """Archive a binding (the external record was merged away)."""
        binding.active = False
        key = (binding.object_kind, binding.external_id)
        if self.bindings.get(key) == binding:
            self._keep(key, binding)

    def refresh(self, partner):
        """``partner``'s bindings were archived by someone else (an erasure)."""
        for key, binding in list(self.bindings.items()):
            if binding.partner_id == partner:
                self._keep(key, binding)

    def bound_elsewhere(self, kind, external_id, partner):
        """True when ``partner`` is bound to another external record of the backend."""
        return bool(
            self.env["external.crm.binding"].search_count(
                [
                    ("backend_id", "=", self.backend.id),
                    ("partner_id", "=", partner.id),
                    "|",
                    ("object_kind", "!=", kind),
                    ("external_id", "!=", external_id),
                ],
                limit=1,
            )
        )

    def waiting_for(self, company_bindings):
        """``(binding, customer)`` of the records whose field waits for these companies."""
        references = {reference_key("company", b.external_id): b for b in company_bindings}
        waiting = self.env["external.crm.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("pending_reference", "in", list(references)),
            ]
        )
        return [(binding, references[binding.pending_reference].partner_id) for binding in waiting]

    def resolve_pending(self, binding, partner_id):
        """The field a binding waited for is set: the reference no longer waits."""
        values = dict(binding.last_values or {})
        values[binding.pending_field] = partner_id
        binding.write(
            {
                **pending_values(None),
                "last_values": values,
            }
        )
