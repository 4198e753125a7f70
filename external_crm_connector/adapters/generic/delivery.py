# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The generic JSON door: authentication and items read into inbox items.

A delivery is one JSON object or a list of them::

    {"event_id": "zap-0001", "object": "company", "id": "ext-C-100",
     "updated_at": "2026-11-20T10:15:00Z", "data": {"name": "...", ...}}

``action`` is optional: ``upsert`` (default), ``delete``, ``merge`` (with
``merged_ids``) or ``erase`` (the person asked to be forgotten). It is
signed with an HMAC over the body and a timestamp, or carries the secret as
a bearer token (for senders that cannot sign).
"""

from ...exceptions import MalformedDelivery
from .. import signatures
from ..delivery import body_hash, read_time
from ..items import InboxItem
from ..provider import KINDS


def authenticate(secret, request, body, now, auth):
    """``auth`` is the backend's choice: ``bearer``, else the signed HMAC."""
    if auth == "bearer":
        return signatures.verify_bearer(secret, request.headers)
    return signatures.verify_generic_hmac(secret, request.headers, body, now)


def parse_item(item, raw):
    """The inbox item of one JSON item, as a list; ``MalformedDelivery`` says what is wrong."""
    kind = item.get("object")
    if kind not in KINDS:
        raise MalformedDelivery(f"'object' must be one of {', '.join(KINDS)}, not {kind!r}")
    external_id = item.get("id")
    if isinstance(external_id, bool) or not isinstance(external_id, str | int):
        raise MalformedDelivery("'id' must be a string or a number")
    external_id = str(external_id).strip()
    if not external_id:
        raise MalformedDelivery("'id' is empty")
    action = item.get("action") or ("delete" if item.get("deleted") else "upsert")
    if action not in ("upsert", "delete", "merge", "erase"):
        raise MalformedDelivery(f"unknown action {action!r}")
    if action == "erase" and kind == "deal":
        raise MalformedDelivery("only a contact or a company can be erased")
    if action == "upsert" and not isinstance(item.get("data"), dict):
        raise MalformedDelivery("'data' must be a JSON object")
    if action == "merge" and not isinstance(item.get("merged_ids"), list):
        raise MalformedDelivery("a merge needs a 'merged_ids' list")
    modified_at = read_time(item.get("updated_at"), "'updated_at'")
    event_id = item.get("event_id")
    event_id = str(event_id).strip() if event_id not in (None, "") else None
    return [
        InboxItem(
            idempotency_key=f"event:{event_id}" if event_id else f"sha256:{body_hash(item)}",
            object_kind=kind,
            external_id=external_id,
            action=action,
            external_event_id=event_id,
            external_modified_at=modified_at or None,
            payload=raw,
        )
    ]
