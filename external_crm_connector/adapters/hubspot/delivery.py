# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot webhook deliveries: signature, events read into inbox items.

A delivery is a JSON list of up to 100 events (creation, propertyChange,
deletion, merge, associationChange, restore) for contacts, companies, deals
and line items, signed with the app's client secret
(``signatures.verify_hubspot``), in the legacy format (``deal.creation``) or
the generic one (``object.creation`` with an ``objectTypeId``). Events only
say *what* changed: the record is read through the API later. A change of a
line item becomes a ``lines`` event: the deals it belongs to are read again.
"""

import json

from ...exceptions import MalformedDelivery
from .. import signatures
from ..delivery import body_hash, read_time
from ..items import InboxItem

OBJECT_KINDS = {"contact": "contact", "company": "company", "deal": "deal"}
# the generic format names the object by its type id
OBJECT_TYPE_IDS = {"0-1": "contact", "0-2": "company", "0-3": "deal", "0-8": "line_item"}
# the changes of a line item that can change its deal's lines (a deletion
# is told by the deal's association change, which names the deal)
LINE_ITEM_CHANGES = ("creation", "propertyChange", "restore")
ACTIONS = {
    "creation": "upsert",
    "propertyChange": "upsert",
    "restore": "upsert",
    "deletion": "delete",
    "privacyDeletion": "erase",
    "merge": "merge",
    "associationChange": "association",
}


def authenticate(secret, request, body, now, allow_legacy):
    """A v3 signature (fresh), or v1/v2 when the backend still ``allow_legacy``."""
    return signatures.verify_hubspot(
        secret,
        request.headers,
        request.method,
        request.url,
        body,
        now,
        allow_legacy=allow_legacy,
    )


def is_object_id(value):
    """True for a HubSpot object id as JSON carries it: a number or a non-empty text."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and bool(value.strip()))


def association_side(item):
    """The (kind, id) of the record holding the link an association changed."""
    association = item.get("associationType")
    if not isinstance(association, str):
        # the generic format: the object type ids of both sides
        sides = (item.get("fromObjectTypeId"), item.get("toObjectTypeId"))
        names = [OBJECT_TYPE_IDS.get(str(type_id), "") for type_id in sides]
        association = "_TO_".join(names) if all(names) else ""
    kinds = association.lower().split("_to_")
    if len(kinds) != 2:
        return None, None
    # "CONTACT_TO_COMPANY_UNLABELED" and the like: the object type is the first word
    kinds = [side.split("_")[0] for side in kinds]
    sides = dict(zip(kinds, (item.get("fromObjectId"), item.get("toObjectId")), strict=True))
    # a deal's line items changed: "LINE_ITEM_TO_DEAL" gives "line" and "deal"
    for holder, other in (("contact", "company"), ("deal", "company"), ("deal", "line")):
        if holder in sides and other in sides:
            return holder, sides[holder]
    return OBJECT_KINDS.get(kinds[0]), sides[kinds[0]]


def without_attempt(item):
    """The event without ``attemptNumber``, which HubSpot raises at each retry."""
    return {key: value for key, value in item.items() if key != "attemptNumber"}


def parse_item(item, raw, echoed):
    """The inbox item of one event, as a list.

    ``echoed`` are the properties the connector writes itself (financial
    write-back): their change events echo our own writes, and are stored but
    not processed.
    """
    subscription = item.get("subscriptionType")
    if not isinstance(subscription, str) or "." not in subscription:
        raise MalformedDelivery("'subscriptionType' is missing")
    object_type, _dot, change = subscription.partition(".")
    if object_type == "object":
        object_type = OBJECT_TYPE_IDS.get(str(item.get("objectTypeId")), object_type)
    kind = OBJECT_KINDS.get(object_type)
    action = ACTIONS.get(change)
    object_id = item.get("objectId")
    if object_type == "line_item" and change in LINE_ITEM_CHANGES:
        kind, action = "deal", "lines"  # the external id stays the line item's
    if action == "association":
        kind, object_id = association_side(item)
    elif action == "merge":
        object_id = item.get("primaryObjectId") or object_id
        merged = item.get("mergedObjectIds")
        # read again at each processing: a value not a list of ids would
        # fail every job of the inbox, or be read one character at a time
        if not isinstance(merged, list) or not all(map(is_object_id, merged)):
            raise MalformedDelivery("'mergedObjectIds' must be a list of object ids")
    elif change == "propertyChange" and item.get("propertyName") in echoed:
        action = "echo"
    if object_id in (None, "") or isinstance(object_id, bool | dict | list):
        raise MalformedDelivery("'objectId' is missing")
    occurred_at = read_time(item.get("occurredAt"), "'occurredAt'")
    event_id = item.get("eventId")
    return [
        InboxItem(
            idempotency_key=idempotency_key(item, event_id, object_id),
            object_kind=kind if action else None,
            external_id=str(object_id),
            action=action or "upsert",
            external_event_id=None if event_id is None else str(event_id),
            external_modified_at=occurred_at or None,
            payload=raw,
        )
    ]


def idempotency_key(item, event_id, object_id):
    """The key of an event across HubSpot's retries.

    HubSpot does not promise unique event ids: the key also holds the
    subscription, the object and the time; the attempt number is left out so
    that a retried delivery is recognised.
    """
    if event_id is None:
        return f"sha256:{body_hash(without_attempt(item))}"
    key_parts = [
        item.get("portalId"),
        event_id,
        item.get("subscriptionId"),
        object_id,
        item.get("occurredAt"),
    ]
    return "hubspot:" + ":".join("" if part is None else str(part) for part in key_parts)


def merged_ids(payload, primary):
    """The merged ids of a stored merge event; none from a value the door would refuse now.

    Events stored before ``mergedObjectIds`` was checked may hold anything.
    """
    item = json.loads(payload or "{}")
    merged = item.get("mergedObjectIds") if isinstance(item, dict) else None
    if not isinstance(merged, list):
        return []
    primary = str(primary)
    return [str(i).strip() for i in merged if is_object_id(i) and str(i).strip() != primary]
