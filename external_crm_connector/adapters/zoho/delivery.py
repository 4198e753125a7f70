# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM notification-channel deliveries: the channel token, ids into inbox items.

Zoho's Notification API posts one JSON object per change set: the module
(Accounts, Contacts, Deals), the operation (insert, update, delete) and the
ids of the records, with the ``token`` given when the channel was
subscribed. The token is the proof that Zoho sent the delivery: it must equal
the backend's signing secret. Each id becomes an inbox item; the token is
never stored.
"""

import json

from ...exceptions import MalformedDelivery
from .. import signatures
from ..delivery import body_hash, load_items, read_time, rejected
from ..items import InboxItem

MODULE_KINDS = {"accounts": "company", "contacts": "contact", "deals": "deal"}
OPERATIONS = {"insert": "upsert", "update": "upsert", "restore": "upsert", "delete": "delete"}
# fields Zoho changes along with any edit
SYSTEM_FIELDS = frozenset(("Modified_Time", "Modified_By", "Last_Activity_Time"))


def authenticate(secret, body, max_items):
    """The channel token of every item must equal the backend secret.

    The token travels in the body, so a body that cannot be read cannot be
    authenticated either: it is refused like a bad token.
    """
    if not secret:
        return False
    try:
        pairs = load_items(body, max_items)
    except MalformedDelivery:
        return False
    authentic = True
    for item, _raw in pairs:
        token = item.get("token") if isinstance(item, dict) else None
        # every item is compared, in constant time, whatever the first gave
        same = signatures.constant_time_equal(secret, token if isinstance(token, str) else "")
        authentic = authentic and same
    return authentic


def affected_fields(item):
    """``{record id: [field API names]}`` of an update notification.

    Zoho lists the fields each update changed as ``[{id: [names]}, ...]``;
    ``{}`` when the notification does not say.
    """
    entries = item.get("affected_fields")
    entries = entries if isinstance(entries, list) else [entries]
    found = {}
    for entry in entries:
        if isinstance(entry, dict):
            for record_id, names in entry.items():
                if isinstance(names, list):
                    found[str(record_id)] = [name for name in names if isinstance(name, str)]
    return found


def without_token(item):
    """The notification without the channel token: a secret, never stored."""
    return {key: value for key, value in item.items() if key != "token"}


def rejected_item(item, raw, reason):
    """The rejected item of a notification, kept without its channel token."""
    if isinstance(item, dict) and "token" in item:
        item = without_token(item)
        raw = json.dumps(item)
    return rejected(body_hash(item), raw, reason)


def _checked(item):
    """``(ids, module, operation, server time)`` of a notification, or ``MalformedDelivery``."""
    ids = item.get("ids")
    if not isinstance(ids, list) or not ids:
        raise MalformedDelivery("'ids' must be a non-empty list")
    module = item.get("module")
    if not isinstance(module, str) or not module:
        raise MalformedDelivery("'module' is missing")
    operation = item.get("operation")
    if not isinstance(operation, str) or not operation:
        raise MalformedDelivery("'operation' is missing")
    return ids, module, operation, read_time(item.get("server_time"), "'server_time'")


def parse_item(item, raw, echoed):
    """The inbox items of one notification: one per record id.

    ``echoed`` are the fields the connector writes itself (financial
    write-back): an update of those alone is the echo of our own write,
    stored but not applied. An id that is not one is a rejected item; the
    other ids of the notification are read.
    """
    ids, module, operation, server_time = _checked(item)
    kind = MODULE_KINDS.get(module.lower())
    action = OPERATIONS.get(operation.lower())
    channel = item.get("channel_id")
    changed = affected_fields(item)
    # the stored payload: the delivery without its token (a secret),
    # narrowed to the item's own id (a bulk change sends hundreds)
    stored = without_token(item)
    stored.pop("ids")
    stored.pop("affected_fields", None)
    items = []
    for record_id in ids:
        payload = {**stored, "ids": [record_id]}
        if record_id in (None, "") or isinstance(record_id, bool | dict | list | float):
            reason = f"{record_id!r} is not a record id"
            items.append(rejected_item(payload, json.dumps(payload), reason))
            continue
        key = ":".join(
            "" if part is None else str(part)
            for part in ("zoho", channel, module, record_id, operation, item.get("server_time"))
        )
        fields = changed.get(str(record_id))
        if fields is not None:
            payload["affected_fields"] = [{str(record_id): fields}]
        own = set(fields or ()) - SYSTEM_FIELDS
        echo = operation.lower() == "update" and own and own <= echoed
        items.append(
            InboxItem(
                idempotency_key=key,
                # other modules and operations are stored, then ignored
                object_kind=kind if action else None,
                external_id=str(record_id),
                action="echo" if echo else action or "upsert",
                external_event_id=(
                    None
                    if item.get("server_time") is None
                    else f"{channel}:{item.get('server_time')}"
                ),
                external_modified_at=server_time or None,
                payload=json.dumps(payload),
            )
        )
    return items
