# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Records the external CRM deleted, or merged into another one.

A deletion archives the Odoo record (accounting may hold entries on it),
once confirmed and unless a newer change was applied. A merge moves the
merged records' bindings to the surviving record; two Odoo customers are
never merged automatically: that is a conflict for a person.
"""

from .outcome import Outcome
from .policy import is_older


class Deletion:
    """Applies the deletions and merges of one backend's events."""

    def __init__(self, backend, provider, binder, conflicts, dry_run):
        self.env = backend.env
        self.provider = provider
        self.binder = binder
        self.conflicts = conflicts
        self.dry_run = dry_run

    def archive(self, event, remote):
        """Archive the record of a deletion, unless a newer change was applied.

        Deliveries come out of order: a deletion dated before the change
        already applied is stale, as an older update is. The deletion's time
        is kept on the binding, so that a change older than the deletion
        arriving after it does not restore the record either.
        """
        binding = self.binder.get(event.object_kind, event.external_id)
        if not binding:
            return Outcome(state="ignored").note(
                self.env._("Deleted in the external CRM, but never bound in Odoo: nothing to do.")
            )
        record = binding._record()
        ignored = Outcome(state="ignored", record=record, binding=binding)
        if self.provider.confirms_deletions and not remote.missing:
            return ignored.note(
                self.env._(
                    "The record still exists in the external CRM: this deletion is not "
                    "confirmed, %(record)s is not archived.",
                    record=record.display_name,
                )
            )
        action, survivor = self.provider.pulled_action(remote)
        if action == "merge":
            return ignored.note(
                self.env._(
                    "Merged into %(survivor)s in the external CRM, not deleted: %(record)s is "
                    "not archived; the catch-up pull moves its binding to the survivor.",
                    survivor=survivor,
                    record=record.display_name,
                )
            )
        modified_at = remote.modified_at or event.external_modified_at or None
        if is_older(modified_at, binding.external_modified_at):
            return ignored.note(
                self.env._(
                    "A deletion older (%(time)s) than the change already applied "
                    "(%(applied)s): not applied, %(record)s stays as it is.",
                    time=modified_at,
                    applied=binding.external_modified_at,
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
            self.binder.note_deleted(binding, modified_at)
        return outcome

    def merge(self, event, outcome):
        """The external CRM merged records into ``event.external_id``; noted on ``outcome``."""
        kind = event.object_kind
        primary = self.binder.get(kind, event.external_id)
        for merged_id in self.provider.merged_ids(event):
            binding = self.binder.get(kind, merged_id)
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
                    self.binder.follow(binding, kind, event.external_id)
                primary = binding
                continue
            if binding._record() == primary._record():
                outcome.note(
                    self.env._("Merged record %(old)s was bound to the same record.", old=merged_id)
                )
                if not self.dry_run:
                    self.binder.archive(binding)
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
                self.binder.archive(binding)
                self.conflicts.merge(event, binding, primary._record() | binding._record())
