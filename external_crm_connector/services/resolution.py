# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Identity conflicts a person resolves: link the external record, or create it.

When several customers match an external record (or the one that matches is
bound elsewhere), processing leaves the choice to a person
(``external.crm.conflict``). This applies the choice with the processor's
steps: the record is read again, mapped, then bound to the chosen customer
and updated, or created. It uses the processor; the processor never uses
it.
"""

import time

from odoo.exceptions import UserError

from .outcome import Outcome
from .processor import EventProcessor


def resolve_identity(backend, event, force_create=False, link_partner=None):
    """Apply an event whose identity a person decided; return the new binding.

    A decision that cannot apply (the external record is bound already,
    the scope forbids the creation, the creation failed) raises
    ``UserError``: the conflict must not be marked resolved when nothing
    was linked or created. A person's decision is applied even in dry-run
    mode, as the value of a field conflict is: the preview is for what the
    connector decides.
    """
    env = backend.env
    processor = EventProcessor(backend, event, dry_run=False)
    kind = event.object_kind
    binder, mapper = processor.binder, processor.mapper
    binder.load({(kind, event.external_id)})
    bound = binder.get(kind, event.external_id)
    if bound:
        raise UserError(processor.conflicts.bound_message(bound))
    remote = processor.provider.fetch(event).get(event.id)
    if isinstance(remote, Exception):
        raise remote
    if remote is None or remote.missing:
        raise UserError(
            env._(
                "The external record %(id)s no longer exists: there is nothing to link or create.",
                id=event.external_id,
            )
        )
    binder.load(mapper.references(kind, remote.values))
    outcome = Outcome()
    mapped = mapper.map(kind, remote.values, binder.partners)
    outcome.lines.extend(mapped.notes)
    modified_at = remote.modified_at or event.external_modified_at or None
    if force_create:
        return _create(processor, event, mapped, modified_at, outcome)
    started = time.perf_counter()
    binding = None
    if link_partner:
        binding = binder.bind(kind, event.external_id, link_partner, "linked", mapped.pending)
        outcome.note(env._("Linked by a person to %(name)s.", name=link_partner.display_name))
        processor.update(event, binding, link_partner, mapped, modified_at, outcome)
    processor.outcomes.done(event, outcome, started)
    processor.outcomes.flush()
    return binding


def _create(processor, event, mapped, modified_at, outcome):
    """Create the record a person decided is new; return its binding."""
    env = processor.env
    # no identity keys: the customers it matches must not stop its creation
    result = processor.queue_creation(event, mapped, {}, modified_at, outcome)
    if result is not None:  # not queued for creation: its note says why
        raise UserError("\n".join(result.lines))
    processor.flush_creations()
    processor.outcomes.flush()
    binding = processor.binder.get(event.object_kind, event.external_id)
    if not binding:
        raise UserError(
            env._(
                "The external record %(id)s could not be created: %(error)s",
                id=event.external_id,
                error=event.last_error or env._("unknown error"),
            )
        )
    return binding
