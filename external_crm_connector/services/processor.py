# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From inbox events to customers and opportunities.

``EventProcessor`` handles one batch of events of one backend: it reads the
full records (through the provider), maps their fields, finds the Odoo record
(binding, else identity matching), decides field by field with the master
policies, and writes, or in dry-run mode only describes what it would write.

Each event is applied in its own savepoint: a bad event fails alone, with
its error, and a temporary problem leaves it in the inbox for a later try.
New records of a batch are created together, which is what makes the inbox
as fast as a CSV import.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import psycopg2

from odoo.exceptions import UserError
from odoo.tools import SQL

from ..adapters.provider import KINDS, get_provider
from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from .coercion import Coercer, apply_stage, current_value
from .mapping import REFERENCE_KIND, Mapper
from .matcher import PartnerMatcher, identity_keys
from .outcome import Outcome, OutcomeWriter, error_text
from .policy import LOST, decide, is_older, local_change_time, same

_logger = logging.getLogger(__name__)

KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}
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
    outcome: Outcome
    modified_at: datetime | None
    pending_ref: tuple | None
    stage: object = None
    lost_reason: object = None
    started: float = 0.0


def process_isolating_failures(backend, events):
    """Process a batch; a batch that fails as a whole is split until the failing
    event is alone, and that event fails with its error.

    Each event already fails alone when its own processing raises; this is
    for what fails the whole batch (reading the records, a creation of the
    batch, a bug): without it the job fails, the events stay received, and
    every later job takes the same first batch again. Serialization errors
    are left to queue_job, which runs the job again.
    """
    env = backend.env
    try:
        with env.cr.savepoint():
            EventProcessor(backend, events).run()
        return
    except psycopg2.extensions.TransactionRollbackError:
        raise
    except Exception as error:  # whatever it is, the rest of the inbox must go on
        if len(events) > 1:
            _logger.info(
                "External CRM batch of %s events of backend %s failed (%s): split in two",
                len(events),
                backend.id,
                error.__class__.__name__,
            )
            half = len(events) // 2
            process_isolating_failures(backend, events[:half])
            process_isolating_failures(backend, events[half:])
            return
        _logger.exception("External CRM event %s failed its whole batch", events.id)
        outcomes = OutcomeWriter(env, backend.dry_run)
        outcomes.failed(
            events,
            env._(
                "The processing failed (%(error)s): %(message)s",
                error=error.__class__.__name__,
                message=error_text(error),
            ),
        )
        outcomes.flush()


class EventProcessor:
    def __init__(self, backend, events, dry_run=None):
        self.backend = backend
        self.env = backend.env
        self.events = events
        self.provider = get_provider(backend)
        self.dry_run = backend.dry_run if dry_run is None else dry_run
        self.outcomes = OutcomeWriter(self.env, self.dry_run)
        self.country_code = (
            backend.default_country_id.code or backend.company_id.country_id.code or None
        )
        self.matcher = PartnerMatcher(backend, self.country_code)
        self.coercer = Coercer(self.env, backend.lost_reason_id.id)
        self.mapper = Mapper.from_backend(backend, KINDS, self.coercer, self.country_code)
        self.bindings = {}
        self.pending = []
        self.pending_ids = set()
        self.pending_keys = set()
        self.dependencies = []
        self.keys = {}

    # ------------------------------------------------------------------
    # batch
    # ------------------------------------------------------------------
    def run(self):
        """Process the batch and write each event's outcome."""
        events = self.events
        # our own write-back echoed: nothing to read, nothing to apply
        to_fetch = events.filtered(lambda event: event.action != "echo")
        try:
            remotes = self.provider.fetch(to_fetch) if to_fetch else {}
        except ExternalCrmTransientError as error:
            remotes = dict.fromkeys(to_fetch.ids, error)
        ordered = sorted(
            events,
            key=lambda e: (
                KIND_RANK.get(e.object_kind, 9),
                e.external_modified_at or e.received_at,
                e.id,
            ),
        )
        self._prefetch(ordered, remotes)
        kind = None
        for event in ordered:
            if event.object_kind != kind:
                self._flush_creates()
                kind = event.object_kind
            self._process_event(event, remotes.get(event.id))
        self._flush_creates()
        self.outcomes.flush()
        self._finish()

    def _prefetch(self, events, remotes):
        """Load the bindings and matching candidates of the whole batch."""
        wanted = {(event.object_kind, event.external_id) for event in events}
        for event in events:
            if event.action == "merge":
                for merged in self.provider.merged_ids(event):
                    wanted.add((event.object_kind, merged))
            remote = remotes.get(event.id)
            if not isinstance(remote, Exception) and remote is not None:
                wanted |= self.mapper.references(event.object_kind, remote.values)
        self._load_bindings(wanted)
        keys_by_kind = {}
        for event in events:
            remote = remotes.get(event.id)
            if (
                event.object_kind in ("company", "contact")
                and event.action in ("upsert", "association", "merge")
                and (event.object_kind, event.external_id) not in self.bindings
                and remote is not None
                and not isinstance(remote, Exception)
                and not remote.missing
            ):
                keys = self._keys(event, remote)
                keys_by_kind.setdefault(event.object_kind, []).append(keys)
        for kind, keys_list in keys_by_kind.items():
            self.matcher.prefetch(kind, keys_list)

    def _load_bindings(self, wanted):
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
                self.bindings[kind, binding.external_id] = binding

    def _process_event(self, event, remote):
        started = time.perf_counter()
        if self.pending and self._collides(event, remote):
            self._flush_creates()
        added = []
        saved = dict(self.bindings)
        try:
            if isinstance(remote, Exception):
                raise remote
            if event.action == "echo":
                outcome = Outcome(state="ignored").note(
                    self.env._(
                        "The external CRM echoed the financial status that Odoo wrote back: "
                        "nothing to apply."
                    )
                )
            elif remote is None or not event.object_kind:
                outcome = Outcome(state="ignored").note(
                    self.env._("Not a company, contact or deal: nothing to do.")
                )
            elif self._is_new(event, remote):
                # a record to create: nothing is written now (the creations of
                # the batch are made together), so no savepoint is needed
                outcome = self._upsert(event, remote, Outcome(), added)
            else:
                with self.env.cr.savepoint():
                    outcome = self._dispatch(event, remote, added)
        except Exception as error:  # each event fails alone, a bug included
            self._forget(added, saved)
            self._failed(event, error, started)
            return
        if outcome is None:  # waits in the batch's creations
            return
        self.outcomes.done(event, outcome, started)

    def _failed(self, event, error, started):
        """Record an event's error: it waits for a retry, or fails."""
        if self.outcomes.error(event, error, started).unexpected:
            _logger.exception("External CRM event %s failed", event.id)

    def _is_new(self, event, remote):
        """True when the event can only lead to a creation (or to nothing)."""
        if event.action not in ("upsert", "association") or remote.missing:
            return False
        if (event.object_kind, event.external_id) in self.bindings:
            return False
        if event.object_kind == "deal":
            return True
        candidates, _rule = self.matcher.match(event.object_kind, self._keys(event, remote))
        return not candidates

    def _keys(self, event, remote):
        """Identity keys of an event's record, computed once per batch."""
        if event.id not in self.keys:
            values = self.mapper.identity_values(event.object_kind, remote.values)
            self.keys[event.id] = identity_keys(event.object_kind, values, self.country_code)
        return self.keys[event.id]

    def _collides(self, event, remote):
        """True when ``event`` concerns a record queued for creation."""
        if (event.object_kind, event.external_id) in self.pending_ids:
            return True
        if isinstance(remote, Exception) or remote is None or remote.missing:
            return False
        references = self.mapper.references(event.object_kind, remote.values, non_empty=False)
        if any(reference in self.pending_ids for reference in references):
            return True
        if event.object_kind in ("company", "contact"):
            for rule, key in self._keys(event, remote).items():
                for value in key if rule == "phone" else (key,):
                    if (event.object_kind, rule, value) in self.pending_keys:
                        return True
        return False

    def _forget(self, added, saved=None):
        if saved is not None:
            self.bindings = saved
        for key in added:
            self.bindings.pop(key, None)

    def _dispatch(self, event, remote, added):
        if event.action == "delete":
            return self._archive(event, remote)
        outcome = Outcome()
        if event.action == "merge":
            self._merge(event, outcome, added)
        if remote.missing:
            return (
                outcome.note(
                    self.env._("The record no longer exists in the external CRM: nothing to do.")
                )
                if outcome.lines
                else Outcome(state="ignored").note(
                    self.env._("The record no longer exists in the external CRM: nothing to do.")
                )
            )
        return self._upsert(event, remote, outcome, added)

    # ------------------------------------------------------------------
    # mapping
    # ------------------------------------------------------------------
    def _incoming(self, kind, remote, outcome):
        """Map the external values: ``(values, pending reference)``."""
        bound = {
            key: binding.partner_id.id
            for key, binding in self.bindings.items()
            if binding.active and binding.partner_id
        }
        mapped = self.mapper.map(kind, remote.values, bound)
        outcome.lines.extend(mapped.notes)
        pending = mapped.pending
        return mapped.values, pending and (pending.field_name, pending.kind, pending.external_id)

    def _upsert(self, event, remote, outcome, added):
        kind = event.object_kind
        binding = self.bindings.get((kind, event.external_id))
        modified_at = remote.modified_at or event.external_modified_at or None
        if modified_at and event.external_modified_at:
            outcome.sync_delay = (self.env.cr.now() - event.external_modified_at).total_seconds()
        if binding and not binding.active:
            return Outcome(state="ignored").note(
                self.env._(
                    "The binding of this external record is archived (merged into another "
                    "one, or archived by hand): not applied. Restore the binding, then "
                    "process the event again, to apply it."
                )
            )
        if binding and is_older(modified_at, binding.external_modified_at):
            return Outcome(state="ignored").note(
                self.env._(
                    "An older change (%(time)s) than the one already applied (%(applied)s): "
                    "not applied.",
                    time=modified_at,
                    applied=binding.external_modified_at,
                )
            )
        incoming, pending_ref = self._incoming(kind, remote, outcome)
        if pending_ref and self.provider.dependency_item(pending_ref[1], pending_ref[2]):
            self.dependencies.append(self.provider.dependency_item(pending_ref[1], pending_ref[2]))
        if binding:
            record = binding._record()
            if not record.exists():
                return Outcome(state="ignored").note(
                    self.env._("The bound Odoo record was deleted: nothing to update.")
                )
            if self.backend.sync_scope == "create_only" and binding.origin != "created":
                outcome.binding = binding
                outcome.record = record
                return outcome.note(
                    self.env._(
                        "%(record)s existed before the connector: left as it is (scope: "
                        "create only new customers).",
                        record=record.display_name,
                    )
                )
            return self._update(event, binding, record, incoming, modified_at, outcome, pending_ref)
        if kind == "deal":
            return self._create(event, kind, incoming, {}, modified_at, outcome, pending_ref)
        keys = self.keys.get(event.id) or identity_keys(kind, incoming, self.country_code)
        candidates, rule = self.matcher.match(kind, keys)
        if len(candidates) > 1:
            return self._identity_conflict(event, incoming, candidates, rule, outcome)
        if candidates:
            other = self.env["external.crm.binding"].search_count(
                [
                    ("backend_id", "=", self.backend.id),
                    ("partner_id", "=", candidates.id),
                    "|",
                    ("object_kind", "!=", kind),
                    ("external_id", "!=", event.external_id),
                ],
                limit=1,
            )
            if other:
                return self._identity_conflict(event, incoming, candidates, rule, outcome)
            return self._bind_match(
                event, candidates, rule, incoming, modified_at, outcome, pending_ref, added
            )
        return self._create(event, kind, incoming, keys, modified_at, outcome, pending_ref)

    def _identity_conflict(self, event, incoming, candidates, rule, outcome):
        outcome.state = "conflict"
        outcome.note(
            self.env._(
                "Matches %(count)s existing customers by %(rule)s (%(names)s): waiting for "
                "a person to choose; nothing was merged.",
                count=len(candidates),
                rule=rule,
                names=", ".join(candidates.mapped("display_name")),
            )
            if len(candidates) > 1
            else self.env._(
                "Matches %(name)s by %(rule)s, which is already linked to another external "
                "record: waiting for a person to choose.",
                name=candidates.display_name,
                rule=rule,
            )
        )
        if not self.dry_run:
            self.env["external.crm.conflict"].create(
                {
                    "backend_id": self.backend.id,
                    "event_id": event.id,
                    "conflict_type": "identity",
                    "object_kind": event.object_kind,
                    "external_id": event.external_id,
                    "candidate_ids": [(6, 0, candidates.ids)],
                    "match_rule": rule,
                    "incoming_raw": incoming,
                    "incoming_value": "\n".join(
                        f"{name}: {self.coercer.show('res.partner', name, value)}"
                        for name, value in sorted(incoming.items())
                    ),
                }
            )
        return outcome

    def _bind_match(self, event, partner, rule, incoming, modified_at, outcome, pending_ref, added):
        kind = event.object_kind
        outcome.note(
            self.env._(
                "Matched existing customer %(name)s by %(rule)s.",
                name=partner.display_name,
                rule=rule,
            )
        )
        outcome.record = partner
        if self.dry_run:
            if self.backend.sync_scope != "create_only":
                self._update(event, None, partner, incoming, modified_at, outcome, pending_ref)
            return outcome
        binding = self._new_binding(kind, event.external_id, partner, "matched", pending_ref)
        added.append((kind, event.external_id))
        outcome.binding = binding
        if self.backend.sync_scope == "create_only":
            binding.write(
                {
                    "last_values": incoming,
                    "external_modified_at": modified_at,
                    "sync_date": self.env.cr.now(),
                }
            )
            return outcome.note(self.env._("Left as it is (scope: create only new customers)."))
        return self._update(event, binding, partner, incoming, modified_at, outcome, pending_ref)

    def _new_binding(self, kind, external_id, record, origin, pending_ref):
        values = {
            "backend_id": self.backend.id,
            "object_kind": kind,
            "external_id": external_id,
            "origin": origin,
            "lead_id" if kind == "deal" else "partner_id": record.id,
        }
        if pending_ref:
            values["pending_field"], ref_kind, ref_id = pending_ref
            values["pending_reference"] = f"{ref_kind}:{ref_id}"
        binding = self.env["external.crm.binding"].create(values)
        self.bindings[kind, external_id] = binding
        return binding

    def _update(self, event, binding, record, incoming, modified_at, outcome, pending_ref):
        """Apply the master policy of each field to an existing record."""
        applied_time = binding.external_modified_at if binding else None
        to_write, conflicts, last_values = self._field_decisions(
            event, binding, record, incoming, modified_at, outcome
        )
        stage = to_write.pop("stage_id", None)
        if binding and binding.external_deleted:
            outcome.note(self.env._("Restored in the external CRM: unarchived."))
        if stage == LOST:
            outcome.note(self.env._("Marked lost."))
        elif stage is not None:
            outcome.note(
                self.env._(
                    "Stage: %(stage)s.", stage=self.coercer.show("crm.lead", "stage_id", stage)
                )
            )
        if not self.dry_run:
            self._write_update(
                event, binding, record, to_write, stage, incoming, last_values, conflicts
            )
            self._note_binding(binding, modified_at, last_values, pending_ref)
        outcome.record = record
        outcome.binding = binding
        if conflicts:
            outcome.state = "conflict"
        elif (
            not to_write
            and stage is None
            and binding
            and modified_at
            and applied_time == modified_at
            and outcome.state == "done"
        ):
            outcome.state = "duplicate"
            outcome.note(self.env._("This change was already applied."))
        elif not outcome.lines:
            outcome.note(self.env._("Nothing changed."))
        return outcome

    def _field_decisions(self, event, binding, record, incoming, modified_at, outcome):
        """``(values to write, conflicts, values last seen)`` for one record."""
        last_values = dict(binding.last_values or {}) if binding else {}
        first_sync = binding is None or binding.last_values is None
        local_time = local_change_time(record.write_date, binding.sync_date if binding else None)
        lines = self.mapper.field_lines(event.object_kind)
        to_write = {}
        conflicts = []
        for fname, value in incoming.items():
            if fname in STAGE_COMPANIONS:
                continue
            current = current_value(record, fname)
            if same(current, value):
                last_values[fname] = value
                continue
            line = lines[fname]
            last = last_values.get(fname, None)
            external_changed = first_sync or fname not in last_values or not same(value, last)
            odoo_changed = first_sync or (fname in last_values and not same(current, last))
            decision = decide(
                line.master, external_changed, odoo_changed, modified_at, local_time, current
            )
            shown = {
                "field": line.field_label,
                "current": self.coercer.show(record._name, fname, current),
                "new": self.coercer.show(record._name, fname, value),
            }
            if decision == "apply":
                to_write[fname] = value
                last_values[fname] = value
                outcome.note(self.env._("%(field)s: %(current)s → %(new)s.", **shown))
            elif decision == "keep":
                last_values[fname] = value
                if external_changed:  # else nothing new from outside: Odoo's change stays
                    outcome.note(
                        self.env._(
                            "%(field)s: Odoo keeps %(current)s, the external CRM has %(new)s "
                            "(master: %(master)s).",
                            master=line.master_label,
                            **shown,
                        )
                    )
            else:
                conflicts.append((line, current, value, last))
                outcome.note(
                    self.env._(
                        "%(field)s: changed on both sides (Odoo %(current)s, external "
                        "%(new)s): waiting for review.",
                        **shown,
                    )
                )
        return to_write, conflicts, last_values

    def _write_update(
        self, event, binding, record, to_write, stage, incoming, last_values, conflicts
    ):
        if binding.external_deleted and not record.active:
            record.action_unarchive()
        if to_write:
            record.write(to_write)
        if stage is not None:
            self._apply_stage(record, stage, incoming.get("lost_reason_id"))
        for line, current, value, last in conflicts:
            self.env["external.crm.conflict"].create(
                {
                    "backend_id": self.backend.id,
                    "event_id": event.id,
                    "binding_id": binding.id,
                    "conflict_type": "field",
                    "object_kind": event.object_kind,
                    "external_id": event.external_id,
                    "lead_id" if record._name == "crm.lead" else "partner_id": record.id,
                    "field_name": line.field_name,
                    "field_label": line.field_label,
                    "odoo_value": self.coercer.show(record._name, line.field_name, current),
                    "incoming_value": self.coercer.show(record._name, line.field_name, value),
                    "last_applied_value": (
                        self.coercer.show(record._name, line.field_name, last)
                        if last is not None
                        else False
                    ),
                    "incoming_raw": value,
                }
            )

    def _note_binding(self, binding, modified_at, last_values, pending_ref):
        """Record on the binding what was seen and applied."""
        values = {
            "last_values": last_values,
            "sync_date": self.env.cr.now(),
            "external_deleted": False,
        }
        if modified_at and (
            not binding.external_modified_at or modified_at > binding.external_modified_at
        ):
            values["external_modified_at"] = modified_at
        if pending_ref and not binding.pending_reference:
            values["pending_field"], ref_kind, ref_id = pending_ref
            values["pending_reference"] = f"{ref_kind}:{ref_id}"
        binding.write(values)

    def _apply_stage(self, lead, stage, lost_reason_id):
        apply_stage(lead, stage, lost_reason_id or self.backend.lost_reason_id.id)

    # ------------------------------------------------------------------
    # creation, in batches
    # ------------------------------------------------------------------
    def _create(self, event, kind, incoming, keys, modified_at, outcome, pending_ref):
        if self.backend.sync_scope == "update_only":
            return Outcome(state="ignored").note(
                self.env._("Not in Odoo, and the scope is update only: not created.")
            )
        values = {
            fname: value for fname, value in incoming.items() if fname not in STAGE_COMPANIONS
        }
        stage = values.pop("stage_id", None) if kind == "deal" else None
        if kind == "deal":
            values = {**self._deal_defaults(event), **values}
            if stage not in (None, LOST) and not self.env["crm.stage"].browse(stage).is_won:
                values["stage_id"] = stage
                stage = None
        else:
            values.setdefault("company_id", self.backend.company_id.id)
            values["is_company"] = kind == "company"
            if not values.get("name"):
                raise ExternalCrmError(
                    self.env._(
                        "The external %(kind)s has no name: it cannot be created.", kind=kind
                    )
                )
        model = self.coercer.model(kind)
        outcome.note(
            self.env._(
                "New %(model)s: %(values)s.",
                model=model._description,
                values=", ".join(
                    f"{self.coercer.label(model, f)} = {self.coercer.show(model._name, f, v)}"
                    for f, v in sorted(values.items())
                    if f in incoming and v not in (False, None, "")
                ),
            )
        )
        if stage is not None:
            outcome.note(
                self.env._(
                    "Stage: %(stage)s.", stage=self.coercer.show("crm.lead", "stage_id", stage)
                )
            )
        if self.dry_run:
            return outcome
        self.pending.append(
            PendingCreate(
                event=event,
                kind=kind,
                values=values,
                incoming=incoming,
                keys=keys,
                outcome=outcome,
                modified_at=modified_at,
                pending_ref=pending_ref,
                stage=stage,
                lost_reason=incoming.get("lost_reason_id"),
                started=time.perf_counter(),
            )
        )
        self.pending_ids.add((kind, event.external_id))
        for rule, key in keys.items():
            for value in key if rule == "phone" else (key,):
                self.pending_keys.add((kind, rule, value))
        return None

    def _deal_defaults(self, event):
        backend = self.backend
        values = {"type": "opportunity", "company_id": backend.company_id.id}
        if backend.user_id:
            values["user_id"] = backend.user_id.id
        if backend.team_id:
            values["team_id"] = backend.team_id.id
        values["name"] = self.env._("Deal %(id)s", id=event.external_id)
        return values

    def _flush_creates(self):
        """Create the queued records together; one by one when that fails."""
        pending, self.pending, self.pending_ids = self.pending, [], set()
        self.pending_keys = set()
        for kind in KINDS:
            items = [item for item in pending if item.kind == kind]
            if not items:
                continue
            try:
                with self.env.cr.savepoint():
                    self._create_items(kind, items)
            except Exception:
                _logger.debug("Batch creation failed, one by one now", exc_info=True)
                for item in items:
                    self._retry_create(kind, item)
                continue
            for item in items:
                self.outcomes.done(item.event, item.outcome, item.started, share=len(items))

    def _retry_create(self, kind, item):
        added = []
        try:
            with self.env.cr.savepoint():
                self._create_items(kind, [item], added)
        except Exception as error:  # each event fails alone, a bug included
            self._forget(added)
            self._failed(item.event, error, item.started)
        else:
            self.outcomes.done(item.event, item.outcome, item.started)

    def _create_items(self, kind, items, added=None):
        added = [] if added is None else added
        # a creation is not a change to track (as the import screen does)
        model = self.coercer.model(kind).with_context(
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
        # the bulk creation of Odoo's own import (load): for customers it
        # syncs the commercial and address fields of a batch together
        records = model._load_records_create([{**defaults, **item.values} for item in items])
        bindings = self._insert_bindings(kind, items, records)
        for item, record, binding in zip(items, records, bindings, strict=True):
            self.bindings[kind, item.event.external_id] = binding
            added.append((kind, item.event.external_id))
            item.outcome.record = record
            item.outcome.binding = binding
            if item.stage is not None:
                self._apply_stage(record, item.stage, item.lost_reason)
                item.outcome.note(
                    self.env._("Marked lost.") if item.stage == LOST else self.env._("Marked won.")
                )
            if kind != "deal":
                self.matcher.add(kind, record, item.keys)
        if kind == "company":
            self._resolve_pending_references(bindings)

    def _insert_bindings(self, kind, items, records):
        """The bindings of records just created, in one INSERT.

        Creating them through the ORM costs about as much as creating the
        customers themselves (defaults, checks, one cache entry per field);
        on this hot path the values are complete and known to be valid.
        """
        now = self.env.cr.now()
        uid = self.env.uid
        rows = []
        for item, record in zip(items, records, strict=True):
            pending_field = pending_reference = None
            if item.pending_ref:
                pending_field, ref_kind, ref_id = item.pending_ref
                pending_reference = f"{ref_kind}:{ref_id}"
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, TRUE, 'created', %s, %s, %s, %s, %s, FALSE, "
                    "%s, %s, %s, %s)",
                    self.backend.id,
                    self.backend.company_id.id,
                    kind,
                    item.event.external_id,
                    record.id if kind != "deal" else None,
                    record.id if kind == "deal" else None,
                    item.modified_at,
                    now,
                    json.dumps(item.incoming),
                    pending_reference,
                    pending_field,
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
                SQL(", ").join(rows),
            )
        )
        return self.env["external.crm.binding"].browse([row[0] for row in ids])

    def _lock(self, kind, items):
        """Lock the records about to be created, and check nobody created them.

        Transaction locks on their external ids and identity keys, taken in
        sorted order (two jobs never wait for each other). A concurrent job
        may have committed the same record (or a customer with the same
        identity) after this transaction's snapshot: a fresh snapshot is
        looked at too, and the creation waits for a retry, which will bind or
        match instead of creating a duplicate.
        """
        external_ids = [item.event.external_id for item in items]
        keys = {f"external_crm:{self.backend.id}:{kind}:{i}" for i in external_ids}
        company = self.backend.company_id.id
        for item in items:
            for rule, key in item.keys.items():
                for value in key if rule == "phone" else (key,):
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
            self.backend.id,
            kind,
            external_ids,
        )
        taken = bool(self.env.execute_query(query))
        if not taken:
            with self.env.registry.cursor() as probe:
                # a backend that no other transaction can see yet (created in
                # this one) has no concurrent job: nothing more to look at
                probe.execute(
                    SQL("SELECT 1 FROM external_crm_backend WHERE id = %s", self.backend.id)
                )
                visible = bool(probe.fetchall())
                if visible:
                    probe.execute(query)
                    taken = bool(probe.fetchall())
                if visible and not taken and kind != "deal":
                    fresh = PartnerMatcher(
                        self.backend.with_env(self.env(cr=probe)), self.country_code
                    )
                    fresh.prefetch(kind, [item.keys for item in items])
                    taken = any(fresh.match(kind, item.keys)[0] for item in items)
        if taken:
            raise ExternalCrmTransientError(
                self.env._("Created by another job at the same time: applied at the next try."),
                retry_after=1,
            )

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

    def _resolve_pending_references(self, company_bindings):
        """Link the contacts and deals that were waiting for these companies."""
        references = {f"{REFERENCE_KIND}:{b.external_id}": b for b in company_bindings}
        waiting = self.env["external.crm.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("pending_reference", "in", list(references)),
            ]
        )
        for binding in waiting:
            company = references[binding.pending_reference].partner_id
            record = binding._record()
            if record and binding.pending_field in record._fields:
                record.write({binding.pending_field: company.id})
                values = dict(binding.last_values or {})
                values[binding.pending_field] = company.id
                binding.write(
                    {"pending_reference": False, "pending_field": False, "last_values": values}
                )

    # ------------------------------------------------------------------
    # deletion, merge
    # ------------------------------------------------------------------
    def _archive(self, event, remote):
        """Archive the record of a deletion, unless a newer change was applied.

        Deliveries come out of order: a deletion dated before the change
        already applied is stale, as an older update is. The deletion's time
        is kept on the binding, so that a change older than the deletion
        arriving after it does not restore the record either.
        """
        binding = self.bindings.get((event.object_kind, event.external_id))
        if not binding:
            return Outcome(state="ignored").note(
                self.env._("Deleted in the external CRM, but never bound in Odoo: nothing to do.")
            )
        record = binding._record()
        if self.provider.confirms_deletions and not remote.missing:
            return Outcome(state="ignored", record=record, binding=binding).note(
                self.env._(
                    "The record still exists in the external CRM: this deletion is not "
                    "confirmed, %(record)s is not archived.",
                    record=record.display_name,
                )
            )
        action, survivor = self.provider.pulled_action(remote)
        if action == "merge":
            return Outcome(state="ignored", record=record, binding=binding).note(
                self.env._(
                    "Merged into %(survivor)s in the external CRM, not deleted: %(record)s is "
                    "not archived; the catch-up pull moves its binding to the survivor.",
                    survivor=survivor,
                    record=record.display_name,
                )
            )
        modified_at = remote.modified_at or event.external_modified_at or None
        applied_at = binding.external_modified_at
        if is_older(modified_at, applied_at):
            return Outcome(state="ignored", record=record, binding=binding).note(
                self.env._(
                    "A deletion older (%(time)s) than the change already applied "
                    "(%(applied)s): not applied, %(record)s stays as it is.",
                    time=modified_at,
                    applied=applied_at,
                    record=record.display_name,
                )
            )
        outcome = Outcome(record=record, binding=binding)
        outcome.note(
            self.env._(
                "Deleted in the external CRM: %(record)s archived, not deleted.",
                record=record.display_name,
            )
        )
        if not self.dry_run:
            if record.active:
                record.action_archive()
            values = {"external_deleted": True, "sync_date": self.env.cr.now()}
            if modified_at:
                values["external_modified_at"] = modified_at
            binding.write(values)
        return outcome

    def _merge(self, event, outcome, added):
        """The external CRM merged records into ``event.external_id``.

        Bindings of the merged records follow the surviving one; two Odoo
        customers are never merged automatically (accounting may hold entries
        on both): that becomes an identity conflict for a person.
        """
        kind = event.object_kind
        primary = self.bindings.get((kind, event.external_id))
        for merged_id in self.provider.merged_ids(event):
            binding = self.bindings.get((kind, merged_id))
            if not binding or not binding.active:
                continue
            if not primary:
                outcome.note(
                    self.env._(
                        "Merged record %(old)s: its binding now follows %(new)s.",
                        old=merged_id,
                        new=event.external_id,
                    )
                )
                if not self.dry_run:
                    binding.external_id = event.external_id
                    self.bindings.pop((kind, merged_id), None)
                    self.bindings[kind, event.external_id] = binding
                primary = binding
                continue
            if binding._record() == primary._record():
                outcome.note(
                    self.env._("Merged record %(old)s was bound to the same record.", old=merged_id)
                )
                if not self.dry_run:
                    binding.active = False
                continue
            outcome.state = "conflict"
            outcome.note(
                self.env._(
                    "The external CRM merged %(old)s into %(new)s, but in Odoo they are two "
                    "records (%(first)s, %(second)s): merge them by hand if they are the same.",
                    old=merged_id,
                    new=event.external_id,
                    first=primary._record().display_name,
                    second=binding._record().display_name,
                )
            )
            if not self.dry_run:
                binding.active = False
                candidates = (primary._record() | binding._record()).filtered(
                    lambda r: r._name == "res.partner"
                )
                self.env["external.crm.conflict"].create(
                    {
                        "backend_id": self.backend.id,
                        "event_id": event.id,
                        "binding_id": binding.id,
                        "conflict_type": "identity",
                        "object_kind": kind,
                        "external_id": event.external_id,
                        "candidate_ids": [(6, 0, candidates.ids)],
                        "match_rule": "merge",
                    }
                )

    # ------------------------------------------------------------------
    # outcomes
    # ------------------------------------------------------------------
    def _finish(self):
        """Store the related records to import and schedule the retries."""
        if self.dependencies and not self.dry_run:
            new = self.env["external.crm.event"]._store_items(self.backend, self.dependencies)
            if new:
                self.backend._schedule_inbox_processing(force=True)
        if self.outcomes.next_attempts:
            self.backend._schedule_inbox_processing(eta=min(self.outcomes.next_attempts))

    # ------------------------------------------------------------------
    # conflicts resolved by a person
    # ------------------------------------------------------------------
    def resolve_identity(self, event, force_create=False, link_partner=None):
        """Apply an event whose identity a person decided; return the new binding.

        A decision that cannot apply (the external record is bound already,
        the scope forbids the creation, the creation failed) raises
        ``UserError``: the conflict must not be marked resolved when nothing
        was linked or created.
        """
        kind = event.object_kind
        self._load_bindings({(kind, event.external_id)})
        bound = self.bindings.get((kind, event.external_id))
        if bound:
            raise UserError(self._bound_message(bound))
        remotes = self.provider.fetch(event)
        remote = remotes.get(event.id)
        if isinstance(remote, Exception):
            raise remote
        if remote is None or remote.missing:
            raise UserError(
                self.env._(
                    "The external record %(id)s no longer exists: there is nothing to link "
                    "or create.",
                    id=event.external_id,
                )
            )
        self._load_bindings(self.mapper.references(kind, remote.values))
        outcome = Outcome()
        incoming, pending_ref = self._incoming(kind, remote, outcome)
        modified_at = remote.modified_at or event.external_modified_at or None
        started = time.perf_counter()
        binding = None
        if link_partner:
            binding = self._new_binding(
                kind, event.external_id, link_partner, "linked", pending_ref
            )
            outcome.note(
                self.env._("Linked by a person to %(name)s.", name=link_partner.display_name)
            )
            self._update(event, binding, link_partner, incoming, modified_at, outcome, pending_ref)
        elif force_create:
            result = self._create(event, kind, incoming, {}, modified_at, outcome, pending_ref)
            if result is not None:  # not queued for creation: its note says why
                raise UserError("\n".join(result.lines))
            self._flush_creates()
            self.outcomes.flush()
            binding = self.bindings.get((kind, event.external_id))
            if not binding:
                raise UserError(
                    self.env._(
                        "The external record %(id)s could not be created: %(error)s",
                        id=event.external_id,
                        error=event.last_error or self.env._("unknown error"),
                    )
                )
            return binding
        self.outcomes.done(event, outcome, started)
        self.outcomes.flush()
        return binding

    def _bound_message(self, binding):
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
