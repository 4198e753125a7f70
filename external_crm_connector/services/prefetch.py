# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a batch needs from the database, read before its events in a few queries."""

from ..adapters.items import RemoteRecord

# actions whose record may have to be matched to an existing customer
MATCHED_ACTIONS = ("upsert", "association", "merge")


def prefetch(events, remotes, provider, mapper, binder, matcher, keys_of):
    """Load the bindings and the matching candidates of a whole batch.

    The bindings of the events' records, of the records merged into them and
    of the records they refer to, in one search per kind; then the identity
    candidates of the records not bound yet, one query per rule.
    ``keys_of(event, remote)`` gives a record's identity keys.
    """
    wanted = {(event.object_kind, event.external_id) for event in events}
    for event in events:
        if event.action == "merge":
            wanted.update((event.object_kind, i) for i in provider.merged_ids(event))
        remote = remotes.get(event.id)
        if isinstance(remote, RemoteRecord):
            wanted |= mapper.references(event.object_kind, remote.values)
    binder.load(wanted)
    keys_by_kind = {}
    for event in events:
        remote = remotes.get(event.id)
        if (
            event.object_kind in ("company", "contact")
            and event.action in MATCHED_ACTIONS
            and not binder.get(event.object_kind, event.external_id)
            and isinstance(remote, RemoteRecord)
            and not remote.missing
        ):
            keys_by_kind.setdefault(event.object_kind, []).append(keys_of(event, remote))
    for kind, keys_list in keys_by_kind.items():
        matcher.prefetch(kind, keys_list)
