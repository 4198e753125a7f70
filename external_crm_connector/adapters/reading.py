# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading the records behind inbox events through a provider's API.

Shared by the providers whose deliveries are notices (HubSpot, Salesforce,
Zoho, Pipedrive's dependencies): what the inbox already holds is used as
it is, the rest is read in as few calls as the API allows, and an error
fails only the events it concerns.
"""

import json
import logging

from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from .items import InboxItem, RemoteRecord

_logger = logging.getLogger(__name__)


def split_events(events, from_snapshot):
    """``(records, to_read)``: what the inbox already says, and what to read.

    A pulled record carries its full state (``{"snapshot": ...}``, turned
    into a record by ``from_snapshot(kind, snapshot)``) and a deletion
    needs no read; the other events are returned by kind, for
    ``read_events``.
    """
    records, to_read = {}, {}
    for event in events:
        if not event.object_kind:
            continue  # not a company, contact or deal: nothing to read
        payload = json.loads(event.payload or "{}")
        if isinstance(payload, dict) and isinstance(payload.get("snapshot"), dict):
            records[event.id] = from_snapshot(event.object_kind, payload["snapshot"])
        elif event.action in ("delete", "erase"):
            records[event.id] = RemoteRecord(
                kind=event.object_kind, external_id=event.external_id, missing=True
            )
        else:
            to_read.setdefault(event.object_kind, []).append(event)
    return records, to_read


def read_events(records, to_read, make_client, read, to_record, code):
    """Read through the API the records of the events ``to_read``.

    ``to_read`` is ``{kind: [events]}``; ``make_client()`` gives the API
    client (only when there is something to read), ``read(client, kind,
    ids)`` returns ``{id: raw object}`` in as few calls as the API allows,
    and ``to_record(kind, raw)`` a ``RemoteRecord``. An error fails the
    events of its kind only; an id the API no longer knows is a record
    deleted since the event. Fills and returns ``records`` (``{event id:
    RemoteRecord or exception}``, as ``Provider.fetch`` does); ``code`` is
    the provider's, for the log.
    """
    if not to_read:
        return records
    try:
        client = make_client()
    except (ExternalCrmTransientError, ExternalCrmError) as error:
        records.update({event.id: error for group in to_read.values() for event in group})
        return records
    for kind, kind_events in to_read.items():
        _read_kind(client, kind, kind_events, read, to_record, records, code)
    return records


def _read_kind(client, kind, events, read, to_record, records, code):
    """Read the records of ``events`` (one kind) into ``records``.

    An answer the adapter does not understand (a result without an id, a
    shape of another API) fails only the records it concerns: the ids are
    read again in halves until the record behind it is alone, and that
    event fails with what was answered, while the others proceed.
    """
    ids = sorted({event.external_id for event in events})
    try:
        found = read(client, kind, ids)
    except (ExternalCrmTransientError, ExternalCrmError) as error:
        records.update({event.id: error for event in events})
        return
    except Exception as error:  # an answer of a shape the adapter does not know
        if len(ids) > 1:
            first = set(ids[: len(ids) // 2])
            halves = (
                [event for event in events if event.external_id in first],
                [event for event in events if event.external_id not in first],
            )
            for half in halves:
                _read_kind(client, kind, half, read, to_record, records, code)
            return
        records.update({event.id: not_understood(code, kind, ids, error) for event in events})
        return
    for event in events:
        raw = found.get(event.external_id)
        try:
            records[event.id] = (
                RemoteRecord(kind=kind, external_id=event.external_id, missing=True)
                if raw is None
                else to_record(kind, raw)
            )
        except Exception as error:  # one record of a shape the adapter does not know
            records[event.id] = not_understood(code, kind, [event.external_id], error)


def not_understood(code, kind, ids, error):
    """The permanent error of a record whose answer the adapter cannot read."""
    _logger.warning("%s answer for %s %s not understood", code, kind, ", ".join(ids), exc_info=True)
    return ExternalCrmError(
        f"The external CRM answered for {kind} {', '.join(ids)} in a way the connector "
        f"did not understand ({error.__class__.__name__}: {error}); process the event "
        "again once the answer is fixed."
    )


def dependency_item(kind, external_id, id_key="id"):
    """An inbox item that reads a missing related record through the API.

    Its payload only says which record to read (``{"dependency": true,
    <id_key>: id}``), like a notified change; the key makes two requests of
    one record a single inbox item.
    """
    return InboxItem(
        idempotency_key=f"dependency:{kind}:{external_id}",
        object_kind=kind,
        external_id=str(external_id),
        action="upsert",
        payload=json.dumps({"dependency": True, id_key: str(external_id)}),
    )
