# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive webhook deliveries: HTTP Basic, notifications v2 and v1.

Pipedrive posts one notification per change, carrying the record itself:
webhooks v2 as ``{"meta": {"action": "create|change|delete", "entity",
"entity_id", "id", ...}, "data": ..., "previous": ...}``, webhooks v1 as
``{"meta": {"action": "added|updated|deleted|merged", "object", "id", ...},
"current": ..., "previous": ...}``. Organizations become companies, persons
contacts, deals opportunities; other objects are stored and ignored.

Pipedrive does not sign its webhooks: it sends the user and password given
when the webhook was created as HTTP Basic authentication. The backend keeps
the user (``pipedrive_webhook_user``) and the password (its webhook secret).

A merge in webhooks v2 is a *delete* of the record merged away whose meta
carries ``merged_to_id`` (and a *change* of the survivor carrying
``merged_from_id``). Both become merge events of the surviving record, so that
bindings follow it: the customer of a merged record is never archived.
"""

import base64
import binascii
import json

from ...exceptions import MalformedDelivery
from .. import signatures, transforms
from ..delivery import body_hash, read_time
from ..items import InboxItem
from .records import id_of

ENTITY_KINDS = {"organization": "company", "person": "contact", "deal": "deal"}
# webhooks v2 actions, then webhooks v1 actions
ACTIONS = {
    "create": "upsert",
    "change": "upsert",
    "delete": "delete",
    "added": "upsert",
    "updated": "upsert",
    "deleted": "delete",
    "merged": "merge",
}
# fields Pipedrive changes along with any edit
SYSTEM_FIELDS = frozenset(("update_time",))


def authenticate(secret, request, expected_user):
    """HTTP Basic: the backend's user and webhook secret, in constant time."""
    user, password = "", ""
    scheme, _space, credentials = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        try:
            text = decoded.decode("utf-8")
        except UnicodeDecodeError:
            text = decoded.decode("latin-1")
        user, _colon, password = text.partition(":")
    # both compared every time: the answer's timing tells nothing
    user_ok = signatures.constant_time_equal(expected_user, user)
    password_ok = signatures.constant_time_equal(secret or "", password)
    return bool(expected_user and secret) and user_ok & password_ok


def without_retry(item):
    """The notification without what Pipedrive changes at each retry.

    ``retry``, and the meta's ``attempt``: a repeated notification hashes the
    same.
    """
    if isinstance(item, dict):
        item = {key: value for key, value in item.items() if key != "retry"}
        if isinstance(item.get("meta"), dict):
            item["meta"] = {k: v for k, v in item["meta"].items() if k != "attempt"}
    return item


def parse_item(item, raw, echoed):
    """The inbox item of one notification, as a list.

    ``echoed`` are the custom fields the connector writes itself (financial
    write-back): a change of those alone is the echo of our own write, not
    applied.
    """
    note = Notification(item)
    external_id = note.external_id
    if not external_id:
        raise MalformedDelivery("the surviving id of the merge is missing")
    event_id = note.meta.get("id") if note.v2 else None
    action = note.action or "upsert"
    if action == "upsert" and echoed:
        changed = note.changed_fields
        if changed and changed <= echoed:
            action = "echo"
    return [
        InboxItem(
            idempotency_key=note.idempotency_key(),
            object_kind=note.kind,
            external_id=external_id,
            action=action,
            external_event_id=None if event_id in (None, "") else str(event_id),
            external_modified_at=note.modified_at(),
            payload=raw,
        )
    ]


class Notification:
    """One Pipedrive webhook notification, v1 or v2, read once."""

    def __init__(self, item, index=None):
        meta = item.get("meta")
        if not isinstance(meta, dict):
            raise MalformedDelivery("'meta' is missing")
        self.item = item
        self.meta = meta
        self.v2 = "entity" in meta or str(meta.get("version") or "").startswith("2")
        if self.v2:
            self.entity = meta.get("entity")
            self.data = item.get("data")
            object_id = meta.get("entity_id")
        else:
            self.entity = meta.get("object")
            self.data = item.get("current")
            object_id = meta.get("id")
        self.previous = item.get("previous")
        action = meta.get("action")
        if not isinstance(action, str) or not action:
            raise MalformedDelivery("'meta.action' is missing")
        self.action_name = action
        for block in (self.data, self.previous):
            if object_id in (None, "") and isinstance(block, dict):
                object_id = block.get("id")
        if id_of(object_id) is False:
            raise MalformedDelivery("the object id is missing")
        self.object_id = id_of(object_id)

    def _meta_or_blocks(self, key):
        """A merge id: in the meta block as documented, else in data or previous."""
        for block in (self.meta, self.previous, self.data):
            if isinstance(block, dict) and id_of(block.get(key)):
                return id_of(block.get(key))
        return False

    @property
    def kind(self):
        return ENTITY_KINDS.get(self.entity) if self.action else None

    @property
    def action(self):
        action = ACTIONS.get(self.action_name)
        if self.v2 and action == "delete" and self._meta_or_blocks("merged_to_id"):
            return "merge"
        if self.v2 and action == "upsert" and self._meta_or_blocks("merged_from_id"):
            return "merge"
        return action

    @property
    def external_id(self):
        """The surviving record for merges, else the record notified."""
        if self.action == "merge":
            if self.v2 and ACTIONS.get(self.action_name) == "delete":
                return self._meta_or_blocks("merged_to_id")
            if not self.v2 and isinstance(self.data, dict) and id_of(self.data.get("id")):
                return id_of(self.data.get("id"))
        return self.object_id

    @property
    def merged_ids(self):
        if self.action != "merge":
            return []
        if self.v2:
            if ACTIONS.get(self.action_name) == "delete":
                merged = self.object_id
            else:
                merged = self._meta_or_blocks("merged_from_id")
        else:
            merged = False
            if isinstance(self.data, dict):
                merged = id_of(self.data.get("merge_what_id"))
            if not merged and isinstance(self.previous, dict):
                merged = id_of(self.previous.get("id"))
        return [merged] if merged and merged != self.external_id else []

    @property
    def changed_fields(self):
        """Names of the fields a change notification changed (custom fields by key).

        Webhooks v2 give the previous values of the changed fields only, v1
        the whole previous record: comparing with the current values serves
        both.
        """
        if not isinstance(self.previous, dict) or not isinstance(self.data, dict):
            return set()
        changed = set()
        for name, before in self.previous.items():
            after = self.data.get(name)
            if name == "custom_fields" and isinstance(before, dict):
                after = after if isinstance(after, dict) else {}
                changed |= {key for key, value in before.items() if after.get(key) != value}
            elif after != before:
                changed.add(name)
        return changed - SYSTEM_FIELDS

    @property
    def survivor_data(self):
        """The record's state carried by the notification, if any."""
        if self.action == "delete":
            return None
        if self.action == "merge" and self.v2 and ACTIONS.get(self.action_name) == "delete":
            return None  # only the last state of the record merged away
        return self.data if isinstance(self.data, dict) and self.data else None

    def modified_at(self, index=None):
        """The record's update time, else the time of the notification."""
        candidates = []
        if self.action != "delete" and isinstance(self.data, dict):
            candidates.append(self.data.get("update_time"))
        candidates.append(self.meta.get("timestamp"))
        for value in candidates:
            if transforms.is_empty(value):
                continue
            return read_time(value, repr(value)) or None
        return None

    def idempotency_key(self):
        """v2: the event id (stable across retries); v1: a hash without ``retry``."""
        event_id = self.meta.get("id") if self.v2 else None
        if event_id not in (None, ""):
            return f"pipedrive:v2:{self.entity}:{self.object_id}:{event_id}"
        return f"pipedrive:{'v2' if self.v2 else 'v1'}:sha256:{body_hash(without_retry(self.item))}"


def survivor_data(payload):
    """The record's state a stored notification (a dict) carries, or None."""
    if "meta" not in payload:
        return None
    try:
        return Notification(payload, 0).survivor_data
    except MalformedDelivery:
        return None


def merged_ids(payload):
    """The ids a stored notification (its text) merged away."""
    try:
        item = json.loads(payload or "{}")
        return Notification(item, 0).merged_ids if isinstance(item, dict) else []
    except (ValueError, MalformedDelivery):
        return []
