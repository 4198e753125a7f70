# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""New records of a batch, created together under advisory locks.

``CreationQueue`` holds the records a batch will create, and tells whether
an event concerns one of them (it must wait until they exist). ``Creator``
gives a new record its values, then creates a kind's queued records in one
go: it locks their external ids and identity keys, checks that no other job
created them meanwhile, creates them as Odoo's import does and binds them.
It returns what it created; stages, notes and outcomes are the caller's.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from odoo.tools import SQL

from ..adapters.provider import KINDS
from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from .coercion import kind_model
from .matcher import PartnerMatcher, key_items
from .policy import LOST

# fields handled together with the stage of a deal, never on their own
STAGE_COMPANIONS = ("lost_reason_id",)
# defaults computed once per batch of creations (the same for every record;
# account's costs one query per record)
BATCH_DEFAULTS = ("display_invoice_template_pdf_report_id",)


@dataclass
class PendingCreate:
    """A new record waiting to be created with the others of its batch."""

    event: object
    kind: str
    values: dict
    incoming: dict
    keys: dict
    outcome: object
    modified_at: datetime | None
    pending: object
    stage: object = None
    lost_reason: object = None
    started: float = 0.0


@dataclass
class Created:
    """A record created for a queued item, and its binding."""

    item: PendingCreate
    record: object
    binding: object


class CreationQueue:
    """The records a batch will create, by kind."""

    def __init__(self):
        self.items, self.ids, self.keys = [], set(), set()

    def __bool__(self):
        return bool(self.items)

    def add(self, item):
        self.items.append(item)
        self.ids.add((item.kind, item.event.external_id))
        for rule, value in key_items(item.keys):
            self.keys.add((item.kind, rule, value))

    def concerns(self, kind, external_id, references=()):
        """True when a record, or one of the ``(kind, external id)`` it refers to, is queued."""
        return (kind, external_id) in self.ids or any(ref in self.ids for ref in references)

    def shares_identity(self, kind, keys):
        """True when a queued record of ``kind`` has one of these identity keys."""
        return any((kind, rule, value) in self.keys for rule, value in key_items(keys))

    def take(self):
        """Empty the queue: ``[(kind, items)]`` in the order kinds are created."""
        items = self.items
        self.items, self.ids, self.keys = [], set(), set()
        return [
            (kind, [item for item in items if item.kind == kind])
            for kind in KINDS
            if any(item.kind == kind for item in items)
        ]


class Creator:
    """Creates the new records of one backend's batches."""

    def __init__(self, backend, binder, coercer, country_code):
        self.backend = backend
        self.env = backend.env
        self.binder = binder
        self.coercer = coercer
        self.country_code = country_code

    def prepare(self, event, mapped, keys, modified_at, outcome):
        """The queue item of a new record (``mapping.Mapped``: its values)."""
        incoming = mapped.values
        values, stage = self.values_for(event.object_kind, event.external_id, incoming)
        return PendingCreate(
            event=event,
            kind=event.object_kind,
            values=values,
            incoming=incoming,
            keys=keys,
            outcome=outcome,
            modified_at=modified_at,
            pending=mapped.pending,
            stage=stage,
            lost_reason=incoming.get("lost_reason_id"),
            started=time.perf_counter(),
        )

    def describe(self, item):
        """The notes of a new record: its values, and its stage once created."""
        model = kind_model(self.env, item.kind)
        show = self.coercer.show
        values = ", ".join(
            f"{self.coercer.label(model, f)} = {show(model._name, f, v)}"
            for f, v in sorted(item.values.items())
            if f in item.incoming and v not in (False, None, "")
        )
        notes = [self.env._("New %(model)s: %(values)s.", model=model._description, values=values)]
        if item.stage is not None:
            notes.append(
                self.env._("Stage: %(stage)s.", stage=show("crm.lead", "stage_id", item.stage))
            )
        return notes

    def values_for(self, kind, external_id, incoming):
        """``(values, stage)`` of a new record; ``stage``: set once it exists.

        A deal's stage is written at creation, unless it is won (through the
        accounting bridge) or lost (with its reason): those are actions.
        """
        backend = self.backend
        values = {f: v for f, v in incoming.items() if f not in STAGE_COMPANIONS}
        stage = values.pop("stage_id", None) if kind == "deal" else None
        if kind == "deal":
            defaults = {"type": "opportunity", "company_id": backend.company_id.id}
            if backend.user_id:
                defaults["user_id"] = backend.user_id.id
            if backend.team_id:
                defaults["team_id"] = backend.team_id.id
            defaults["name"] = self.env._("Deal %(id)s", id=external_id)
            values = {**defaults, **values}
            if stage not in (None, LOST) and not self.env["crm.stage"].browse(stage).is_won:
                values["stage_id"] = stage
                stage = None
            return values, stage
        values.setdefault("company_id", backend.company_id.id)
        values["is_company"] = kind == "company"
        if not values.get("name"):
            raise ExternalCrmError(
                self.env._("The external %(kind)s has no name: it cannot be created.", kind=kind)
            )
        return values, stage

    def create_records(self, kind, items):
        """Create and bind the queued ``items`` of ``kind``; return ``[Created]``."""
        # a creation is not a change to track (as the import screen does)
        model = kind_model(self.env, kind).with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
        )
        # records that may not exist yet: the first job to hold the lock
        # creates, a concurrent one waits and then finds the binding
        self._lock(kind, items)
        # defaults that are the same for every record of the batch, costly to
        # compute once per record (a query each)
        defaults = model.default_get([f for f in BATCH_DEFAULTS if f in model._fields])
        if model._name == "res.partner":
            self._cache_commercial_fields(
                model.browse(
                    {item.values["parent_id"] for item in items if item.values.get("parent_id")}
                )
            )
        # private, on purpose: create() syncs each new contact with its
        # company on its own, a query per contact (236 queries instead of 35
        # for 200 contacts); the bulk creation of Odoo's import (load) syncs
        # the commercial and address fields of a whole batch together
        records = model._load_records_create([{**defaults, **item.values} for item in items])
        bindings = self.binder.bind_created(
            kind,
            [
                (item.event.external_id, record, item.modified_at, item.incoming, item.pending)
                for item, record in zip(items, records, strict=True)
            ],
        )
        return [
            Created(item, record, binding)
            for item, record, binding in zip(items, records, bindings, strict=True)
        ]

    def _lock(self, kind, items):
        """Lock the records about to be created, and check nobody created them.

        Transaction locks on their external ids and identity keys, taken in
        sorted order (two jobs never wait for each other). A concurrent job
        may have committed the same record (or a customer with the same
        identity) after this transaction's snapshot: a fresh snapshot is
        looked at too, and the creation waits for a retry, which will bind or
        match instead of creating a duplicate.
        """
        backend_id = self.backend.id
        external_ids = [item.event.external_id for item in items]
        keys = {f"external_crm:{backend_id}:{kind}:{i}" for i in external_ids}
        company = self.backend.company_id.id
        for item in items:
            for rule, value in key_items(item.keys):
                keys.add(f"external_crm_identity:{company}:{kind}:{rule}:{value}")
        self.env.execute_query(
            SQL(
                "SELECT pg_advisory_xact_lock(hashtext(key)) FROM unnest(%s::text[]) AS key",
                sorted(keys),
            )
        )
        self.env["external.crm.binding"].flush_model()
        query = SQL(
            "SELECT 1 FROM external_crm_binding WHERE backend_id = %s AND object_kind = %s "
            "AND external_id = ANY(%s) LIMIT 1",
            backend_id,
            kind,
            external_ids,
        )
        if self.env.execute_query(query) or self._taken_meanwhile(kind, items, query):
            raise ExternalCrmTransientError(
                self.env._("Created by another job at the same time: applied at the next try."),
                retry_after=1,
            )

    def _taken_meanwhile(self, kind, items, query):
        """True when a transaction committed since ours began created them."""
        with self.env.registry.cursor() as probe:
            # a backend that no other transaction can see yet (created in
            # this one) has no concurrent job: nothing more to look at
            probe.execute(SQL("SELECT 1 FROM external_crm_backend WHERE id = %s", self.backend.id))
            if not probe.fetchall():
                return False
            probe.execute(query)
            if probe.fetchall():
                return True
            if kind == "deal":
                return False
            fresh = PartnerMatcher(self.backend.with_env(self.env(cr=probe)), self.country_code)
            fresh.prefetch(kind, [item.keys for item in items])
            return any(fresh.match(kind, item.keys)[0] for item in items)

    def _cache_commercial_fields(self, partners):
        """Read the commercial fields of ``partners``' companies into the cache.

        Odoo's bulk creation of contacts copies them from their company,
        accounting fields such as ``credit_limit`` included, which the
        integration user may not read; with the values in the cache, the
        copy reads nothing.
        """
        companies = partners.commercial_partner_id
        if companies:
            # sudo: read only, so that Odoo's commercial sync can pass the
            # values on; nothing of them is shown or returned
            companies.sudo().fetch(companies._commercial_fields())
