# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From inbox events to customers and opportunities: the orchestration.

``EventProcessor`` handles one batch of events of one backend: it reads the
full records (through the provider), maps their fields (``mapping``), finds
the Odoo record (``binder``, else identity matching), decides field by field
with the master policies (``policy``) and writes, or in dry-run mode only
describes what it would write. Its collaborators never call it back: they
return values, records and decisions, and the processor applies them.

Each event is applied in its own savepoint: a bad event fails alone, with
its error, and a temporary problem leaves it in the inbox for a later try.
New records of a batch are created together (``creation``), and the
outcomes of the batch are written together (``outcome``), which is what
makes the inbox as fast as a CSV import.
"""

import logging
import time

from ..adapters.provider import KINDS, LinesOf, RemoteRecord, get_provider
from ..exceptions import ExternalCrmTransientError
from .binder import Binder
from .coercion import Coercer, apply_stage, current_value
from .conflicts import ConflictRecorder
from .creation import STAGE_COMPANIONS, CreationQueue, Creator
from .deletion import Deletion
from .erasure import Eraser
from .mapping import Mapper
from .matcher import PartnerMatcher, identity_keys
from .orders import OrderMaker, deal_records
from .outcome import Outcome, OutcomeWriter
from .policy import APPLY, CONFLICT, LOST, decide_fields, is_older, is_repeat, local_change_time
from .prefetch import prefetch

_logger = logging.getLogger(__name__)

KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def _readable(remote):
    """True for the external record of an event the provider could read."""
    return isinstance(remote, RemoteRecord)


class EventProcessor:
    """Applies one batch of events of one backend (see the module's docstring)."""

    def __init__(self, backend, events, dry_run=None):
        self.backend = backend
        self.env = backend.env
        self.events = events
        self.provider = get_provider(backend)
        self.dry_run = backend.dry_run if dry_run is None else dry_run
        self.country_code = (
            backend.default_country_id.code or backend.company_id.country_id.code or None
        )
        self.matcher = PartnerMatcher(backend, self.country_code)
        self.coercer = Coercer(self.env, backend.lost_reason_id.id)
        self.mapper = Mapper.from_backend(backend, KINDS, self.coercer, self.country_code)
        self.binder = Binder(backend)
        self.conflicts = ConflictRecorder(backend, self.coercer)
        self.creator = Creator(backend, self.binder, self.coercer, self.country_code)
        self.deletion = Deletion(backend, self.provider, self.binder, self.conflicts, self.dry_run)
        self.outcomes = OutcomeWriter(self.env, self.dry_run)
        self.dependencies = []  # inbox items to store (``_finish``), the orders' too
        self.orders = OrderMaker(backend, self.conflicts, self.dry_run, self.dependencies)
        self.queue = CreationQueue()
        self.keys = {}
        self.remotes = {}

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
        prefetch(
            ordered, remotes, self.provider, self.mapper, self.binder, self.matcher, self._keys
        )
        self.remotes = remotes
        self.orders.read_lines(self.provider, deal_records(ordered, remotes), self._stage_of)
        kind = None
        for event in ordered:
            if event.object_kind != kind:
                self.flush_creations()
                kind = event.object_kind
            self._process_event(event, remotes.get(event.id))
        self.flush_creations()
        self.outcomes.flush()
        self._finish()

    def _process_event(self, event, remote):
        started = time.perf_counter()
        if self.queue and self._collides(event, remote):
            self.flush_creations()
        snapshot = self.binder.snapshot()
        try:
            outcome = self._apply(event, remote)
        except Exception as error:  # each event fails alone, a bug included
            self.binder.restore(snapshot)
            self._failed(event, error, started)
            return
        if outcome is not None:  # else it waits in the batch's creations
            self.outcomes.done(event, outcome, started)

    def _apply(self, event, remote):
        if isinstance(remote, Exception):
            raise remote
        if event.action == "echo":
            return Outcome(state="ignored").note(
                self.env._(
                    "The external CRM echoed the financial status that Odoo wrote back: "
                    "nothing to apply."
                )
            )
        if event.action == "erase":
            with self.env.cr.savepoint():
                return self._erase(event)
        if isinstance(remote, LinesOf):
            return self.orders.lines_changed(event, remote)
        if remote is None or not event.object_kind:
            return Outcome(state="ignored").note(
                self.env._("Not a company, contact or deal: nothing to do.")
            )
        if self._is_new(event, remote):
            # a record to create: nothing is written now (the creations of
            # the batch are made together), so no savepoint is needed
            return self.upsert(event, remote, Outcome())
        with self.env.cr.savepoint():
            return self._dispatch(event, remote)

    def _erase(self, event):
        """The person asked the external CRM to forget them (``services/erasure.py``)."""
        binding = self.binder.get(event.object_kind, event.external_id)
        partner = binding.partner_id if binding else None
        if not partner:
            return Outcome(state="ignored").note(
                self.env._("Erasure requested, but no customer is bound to it: nothing to erase.")
            )
        outcome = Outcome(record=partner, binding=binding)
        if self.dry_run:
            return outcome.note(
                self.env._("The personal data of %(name)s would be erased.", name=partner.name)
            )
        rows = Eraser(self.env, self.backend, event).erase(partner, event.external_id)
        self.binder.refresh(partner)
        if not rows:
            return outcome.note(self.env._("Already erased: nothing left to erase."))
        for row in rows:
            outcome.note(row._summary())
        return outcome

    def _failed(self, event, error, started):
        """Record an event's error: it waits for a retry, or fails."""
        if self.outcomes.error(event, error, started).unexpected:
            _logger.exception("External CRM event %s failed", event.id)

    def _is_new(self, event, remote):
        """True when the event can only lead to a creation (or to nothing)."""
        if event.action not in ("upsert", "association") or remote.missing:
            return False
        if self.binder.get(event.object_kind, event.external_id):
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
        kind = event.object_kind
        if not _readable(remote) or remote.missing:
            return self.queue.concerns(kind, event.external_id)
        references = self.mapper.references(kind, remote.values, non_empty=False)
        if self.queue.concerns(kind, event.external_id, references):
            return True
        return kind in ("company", "contact") and self.queue.shares_identity(
            kind, self._keys(event, remote)
        )

    def _dispatch(self, event, remote):
        if event.action == "delete":
            return self.deletion.archive(event, remote)
        outcome = Outcome()
        if event.action == "merge":
            self.deletion.merge(event, outcome)
        if remote.missing:
            gone = self.env._("The record no longer exists in the external CRM: nothing to do.")
            return outcome.note(gone) if outcome.lines else Outcome(state="ignored").note(gone)
        return self.upsert(event, remote, outcome)

    def upsert(self, event, remote, outcome):
        """Apply a created or changed record: update it, bind a match, or queue its creation."""
        kind = event.object_kind
        binding = self.binder.get(kind, event.external_id)
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
        mapped = self._map(kind, remote, outcome)
        if binding:
            outcome = self._update_bound(event, binding, mapped, modified_at, outcome)
            if kind == "deal" and outcome.binding:
                self.orders.apply(event, outcome.binding, remote, outcome)
            return outcome
        if kind == "deal":
            return self.queue_creation(event, mapped, {}, modified_at, outcome)
        keys = self.keys.get(event.id) or identity_keys(kind, mapped.values, self.country_code)
        candidates, rule = self.matcher.match(kind, keys)
        if len(candidates) > 1 or (
            candidates and self.binder.bound_elsewhere(kind, event.external_id, candidates)
        ):
            outcome.state = "conflict"
            outcome.note(self.conflicts.identity_note(candidates, rule))
            if not self.dry_run:
                self.conflicts.identity(event, candidates, rule, mapped.values)
            return outcome
        if candidates:
            return self._bind_match(event, candidates, rule, mapped, modified_at, outcome)
        return self.queue_creation(event, mapped, keys, modified_at, outcome)

    def _map(self, kind, remote, outcome):
        """The event's values through the field map; what it waits for is imported."""
        mapped = self.mapper.map(kind, remote.values, self.binder.partners)
        outcome.lines.extend(mapped.notes)
        pending = mapped.pending
        item = pending and self.provider.dependency_item(pending.kind, pending.external_id)
        if item:
            self.dependencies.append(item)
        return mapped

    def _update_bound(self, event, binding, mapped, modified_at, outcome):
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
        return self.update(event, binding, record, mapped, modified_at, outcome)

    def _bind_match(self, event, partner, rule, mapped, modified_at, outcome):
        outcome.note(
            self.env._(
                "Matched existing customer %(name)s by %(rule)s.",
                name=partner.display_name,
                rule=rule,
            )
        )
        outcome.record = partner
        create_only = self.backend.sync_scope == "create_only"
        if self.dry_run:
            if not create_only:
                self.update(event, None, partner, mapped, modified_at, outcome)
            return outcome
        binding = self.binder.bind(
            event.object_kind, event.external_id, partner, "matched", mapped.pending
        )
        outcome.binding = binding
        if create_only:
            self.binder.note_seen(binding, mapped.values, modified_at)
            return outcome.note(self.env._("Left as it is (scope: create only new customers)."))
        return self.update(event, binding, partner, mapped, modified_at, outcome)

    def update(self, event, binding, record, mapped, modified_at, outcome):
        """Apply the master policy of each field to an existing record.

        ``binding`` is None only in dry-run mode, for a customer matched.
        """
        applied_time = binding.external_modified_at if binding else None
        lines = self.mapper.field_lines(event.object_kind)
        incoming = {f: v for f, v in mapped.values.items() if f not in STAGE_COMPANIONS}
        decisions, last_values = decide_fields(
            incoming,
            {fname: current_value(record, fname) for fname in incoming},
            {fname: lines[fname].master for fname in incoming},
            (binding.last_values or {}) if binding else {},
            binding is None or binding.last_values is None,
            modified_at,
            local_change_time(record.write_date, binding.sync_date if binding else None),
        )
        to_write = {d.field_name: d.value for d in decisions if d.decision == APPLY}
        conflicts = any(d.decision == CONFLICT for d in decisions)
        stage = to_write.pop("stage_id", None)
        restored = bool(binding and binding.external_deleted)
        outcome.lines.extend(self.conflicts.update_notes(record, lines, decisions, restored, stage))
        if not self.dry_run:
            if binding.external_deleted and not record.active:
                record.action_unarchive()
            if to_write:
                record.write(to_write)
            if stage is not None:
                self._apply_stage(record, stage, mapped.values.get("lost_reason_id"))
            if conflicts:
                self.conflicts.fields(event, binding, record, decisions, lines)
            self.binder.note_sync(binding, modified_at, last_values, mapped.pending)
        outcome.record = record
        outcome.binding = binding
        changed = bool(to_write) or stage is not None
        if conflicts:
            outcome.state = "conflict"
        elif outcome.state == "done" and is_repeat(changed, modified_at, applied_time):
            outcome.state = "duplicate"
            outcome.note(self.env._("This change was already applied."))
        elif not outcome.lines:
            outcome.note(self.env._("Nothing changed."))
        return outcome

    def _stage_of(self, remote):
        """The stage the field map gives a deal's record (None when it gives none)."""
        return self.mapper.map("deal", remote.values, self.binder.partners).values.get("stage_id")

    def _apply_stage(self, lead, stage, lost_reason_id):
        apply_stage(lead, stage, lost_reason_id or self.backend.lost_reason_id.id)

    def queue_creation(self, event, mapped, keys, modified_at, outcome):
        """Queue a new record for creation with the others of its kind (None)."""
        if self.backend.sync_scope == "update_only":
            return Outcome(state="ignored").note(
                self.env._("Not in Odoo, and the scope is update only: not created.")
            )
        item = self.creator.prepare(event, mapped, keys, modified_at, outcome)
        outcome.lines.extend(self.creator.describe(item))
        if self.dry_run:
            return outcome
        self.queue.add(item)
        return None

    def flush_creations(self):
        """Create the queued records together; one by one when that fails."""
        for kind, items in self.queue.take():
            if not self._create_together(kind, items):
                for item in items:
                    self._create_together(kind, [item], alone=True)

    def _create_together(self, kind, items, alone=False):
        """Create ``items`` in a savepoint: False when that failed.

        ``alone``: the item's error is its event's; else the caller tries
        each item alone.
        """
        snapshot = self.binder.snapshot()
        try:
            with self.env.cr.savepoint():
                self._create_items(kind, items)
        except Exception as error:  # each event fails alone, a bug included
            self.binder.restore(snapshot)
            if alone:
                self._failed(items[0].event, error, items[0].started)
            else:
                _logger.debug("Batch creation failed, one by one now", exc_info=True)
            return False
        for item in items:
            self.outcomes.done(item.event, item.outcome, item.started, share=len(items))
        return True

    def _create_items(self, kind, items):
        """Create the items, then move the deals to their stage and index the customers."""
        created = self.creator.create_records(kind, items)
        won = []  # the deals whose orders are made together
        staged = {}  # (stage, lost reason): the deals moved to it, in one write
        for new in created:
            item = new.item
            item.outcome.record = new.record
            item.outcome.binding = new.binding
            if item.stage is not None:
                staged.setdefault((item.stage, item.lost_reason), []).append(new)
        for (stage, lost_reason), moved in staged.items():
            leads = self.env["crm.lead"].union(*(new.record for new in moved))
            self._apply_stage(leads, stage, lost_reason)
            for new in moved:
                new.item.outcome.note(
                    self.env._("Marked lost.") if stage == LOST else self.env._("Marked won.")
                )
        for new in created:
            item = new.item
            if kind == "deal":
                won.append((item.event, new.binding, self.remotes.get(item.event.id), item.outcome))
            else:
                self.matcher.add(kind, new.record, item.keys)
        self.orders.apply_all(won)
        if kind == "company":
            self._resolve_pending_references([new.binding for new in created])

    def _resolve_pending_references(self, company_bindings):
        """Link the contacts and deals that were waiting for these companies."""
        for binding, company in self.binder.waiting_for(company_bindings):
            record = binding._record()
            if record and binding.pending_field in record._fields:
                record.write({binding.pending_field: company.id})
                self.binder.resolve_pending(binding, company.id)

    def _finish(self):
        """Store the related records to import and schedule the retries."""
        if self.dependencies and not self.dry_run:
            new = self.env["external.crm.event"]._store_items(self.backend, self.dependencies)
            if new:
                self.backend._schedule_inbox_processing(force=True)
        if self.outcomes.next_attempts:
            self.backend._schedule_inbox_processing(eta=min(self.outcomes.next_attempts))
