# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive: webhooks v2 and v1 with HTTP Basic authentication, API v2 pulls.

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

from ..exceptions import ExternalCrmApiError, MalformedDelivery
from . import credentials, reading, signatures, transforms
from .pipedrive_client import PipedriveClient
from .provider import (
    IMPORT,
    PULL,
    WRITE_BACK,
    InboxItem,
    Provider,
    RemoteRecord,
    body_hash,
    map_lines,
    register,
)

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
ADDRESS_PARTS = (
    "street_number",
    "route",
    "subpremise",
    "locality",
    "postal_code",
    "country",
    "formatted_address",
)
# pseudo-field of deals: "won", "lost", or the id of the open deal's stage
DEAL_STAGE = "stage"
# fields Pipedrive changes along with any edit
SYSTEM_FIELDS = frozenset(("update_time",))


def _id_of(value):
    """An id as text: Pipedrive sends ints, or objects ``{"value": id, ...}`` in v1."""
    if isinstance(value, dict):
        value = value.get("value", value.get("id"))
    if value is None or value == "" or isinstance(value, bool | dict | list):
        return False
    return str(value)


def _primary(entries):
    """The primary value of ``[{"value", "primary", "label"}]`` (or a plain text)."""
    if isinstance(entries, str):
        return entries
    if not isinstance(entries, list):
        return False
    filled = [e for e in entries if isinstance(e, dict) and not transforms.is_empty(e.get("value"))]
    for entry in filled:
        if entry.get("primary") in (True, "true", 1, "1"):
            return entry["value"]
    return filled[0]["value"] if filled else False


def _address(raw, prefix):
    """Street, city, zip and country from a v2 address object or v1 flat keys.

    Returns ``{}`` when the record carries no address at all, so that a
    partial payload leaves the Odoo address as it is.
    """
    block = raw.get(prefix)
    if isinstance(block, dict):
        parts = {part: block.get(part) for part in ADDRESS_PARTS}
        full = block.get("value") or block.get("formatted_address")
    elif prefix in raw or any(f"{prefix}_{part}" in raw for part in ADDRESS_PARTS):
        parts = {part: raw.get(f"{prefix}_{part}") for part in ADDRESS_PARTS}
        full = block if isinstance(block, str) else parts["formatted_address"]
    else:
        return {}
    street = " ".join(
        str(parts[part]).strip() for part in ("street_number", "route") if parts[part]
    )
    if parts["subpremise"] and street:
        street = f"{street}, {str(parts['subpremise']).strip()}"
    if not street and not any(parts[p] for p in ("locality", "postal_code", "country")):
        # not geocoded by Pipedrive: the address as typed, kept whole
        street = full or ""
    return {
        "address_street": street or False,
        "address_locality": parts["locality"] or False,
        "address_postal_code": parts["postal_code"] or False,
        "address_country": parts["country"] or False,
    }


def _custom_value(value):
    """Custom field values: monetary and address fields are objects with a value."""
    if isinstance(value, dict):
        return value.get("value")
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value


def normalize(kind, raw, vat_field=None):
    """The values a field map reads, from a v2 or v1 record of ``kind``.

    The record's own keys stay; custom fields (``custom_fields`` in v2, top
    level 40-character keys in v1) are flattened, and a few common names are
    derived for both versions: ``email`` and ``phone`` (primary values),
    ``org_id`` and ``owner_id`` (ids as text), ``address_street``,
    ``address_locality``, ``address_postal_code``, ``address_country``, ``vat``
    (from the custom field the backend names) and, for deals, ``stage``.
    A derived name is only set when its source is in the record: a partial
    payload never clears what it does not carry. Normalizing twice gives the
    same values (pulled snapshots are stored normalized).
    """
    values = dict(raw)
    custom = raw.get("custom_fields")
    if isinstance(custom, dict):
        for key, value in custom.items():
            values.setdefault(key, _custom_value(value))
    for plural, singular in (("emails", "email"), ("phones", "phone")):
        if plural in raw:
            values[singular] = _primary(raw[plural])
        elif singular in raw:
            values[singular] = _primary(raw[singular])
    for key in ("org_id", "person_id", "owner_id"):
        if key in raw:
            values[key] = _id_of(raw[key])
    if kind == "deal" and "owner_id" not in raw and "user_id" in raw:
        values["owner_id"] = _id_of(raw["user_id"])  # v1 deals name their owner user_id
    values.update(_address(raw, "postal_address" if kind == "contact" else "address"))
    if kind == "deal" and ("status" in raw or "stage_id" in raw):
        status = raw.get("status")
        if status in ("won", "lost"):
            values[DEAL_STAGE] = status
        else:
            values[DEAL_STAGE] = _id_of(raw.get("stage_id"))
    if vat_field and vat_field in values:
        values["vat"] = values[vat_field]
    return values


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
        if _id_of(object_id) is False:
            raise MalformedDelivery("the object id is missing")
        self.object_id = _id_of(object_id)

    def _meta_or_blocks(self, key):
        """A merge id: in the meta block as documented, else in data or previous."""
        for block in (self.meta, self.previous, self.data):
            if isinstance(block, dict) and _id_of(block.get(key)):
                return _id_of(block.get(key))
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
            if not self.v2 and isinstance(self.data, dict) and _id_of(self.data.get("id")):
                return _id_of(self.data.get("id"))
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
                merged = _id_of(self.data.get("merge_what_id"))
            if not merged and isinstance(self.previous, dict):
                merged = _id_of(self.previous.get("id"))
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
            try:
                return transforms.parse_datetime(value) or None
            except ValueError as error:
                raise MalformedDelivery(f"{value!r}: {error}") from error
        return None

    def idempotency_key(self):
        """v2: the event id (stable across retries); v1: a hash without ``retry``."""
        event_id = self.meta.get("id") if self.v2 else None
        if event_id not in (None, ""):
            key = f"pipedrive:v2:{self.entity}:{self.object_id}:{event_id}"
        else:
            item = {k: v for k, v in self.item.items() if k != "retry"}
            item["meta"] = {k: v for k, v in self.meta.items() if k != "attempt"}
            key = f"pipedrive:{'v2' if self.v2 else 'v1'}:sha256:{body_hash(item)}"
        return key


@register
class PipedriveProvider(Provider):
    code = "pipedrive"
    default_api_url = "https://api.pipedrive.com"
    api_hosts = PipedriveClient.HOSTS
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK))

    @classmethod
    def webhook_extra(cls, backend):
        # the Basic user: every change of a backend clears the cached
        # settings, so a new user applies at the next delivery
        return {"pipedrive_webhook_user": backend.pipedrive_webhook_user or ""}

    # -- inbound -----------------------------------------------------------
    def _webhook_user(self):
        """The Basic user expected by this backend (cached with the settings)."""
        return self.webhook_setting("pipedrive_webhook_user") or ""

    def authenticate(self, secret, request, body, now):
        """HTTP Basic: the backend's user and webhook secret, in constant time."""
        expected_user = self._webhook_user()
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

    def parse_item(self, item, raw):
        # custom fields the connector writes itself (financial write-back): a
        # change of those alone is the echo of our own write, not applied
        echoed = frozenset(self.webhook_setting("written_properties", ()))
        note = Notification(item)
        kind = note.kind
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
                object_kind=kind,
                external_id=external_id,
                action=action,
                external_event_id=None if event_id in (None, "") else str(event_id),
                external_modified_at=note.modified_at(),
                payload=raw,
            )
        ]

    def rejected_key(self, item, raw):
        # without what Pipedrive changes at each retry, as ``idempotency_key``
        if isinstance(item, dict):
            item = {key: value for key, value in item.items() if key != "retry"}
            if isinstance(item.get("meta"), dict):
                item["meta"] = {k: v for k, v in item["meta"].items() if k != "attempt"}
        return super().rejected_key(item, raw)

    # -- processing --------------------------------------------------------
    def _client(self):
        backend = self.backend
        return credentials.token_client(
            backend,
            PipedriveClient,
            self.default_api_url,
            backend.env._("The backend %(name)s has no Pipedrive API token.", name=backend.name),
        )

    def _has_token(self):
        # sudo: only whether a token is set is read
        return bool(self.backend.sudo().api_token)

    def record(self, kind, raw, external_id=None):
        """A ``RemoteRecord`` from a Pipedrive record (webhook, API or snapshot)."""
        values = normalize(kind, raw, self.backend.pipedrive_vat_field or None)
        try:
            modified_at = transforms.parse_datetime(raw.get("update_time")) or None
        except ValueError:
            modified_at = None
        return RemoteRecord(
            kind=kind,
            external_id=str(external_id or raw.get("id")),
            values=values,
            modified_at=modified_at,
        )

    def _stored_record(self, event):
        """The record an event's payload gives, or None when the API must read it."""
        kind = event.object_kind
        try:
            payload = json.loads(event.payload or "{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        snapshot = payload.get("snapshot")
        if isinstance(snapshot, dict):
            # initial import or catch-up: the page already held the record
            return self.record(
                kind, snapshot.get("data") or {}, snapshot.get("id") or event.external_id
            )
        if payload.get("dependency"):
            return None
        if event.action == "delete":
            return RemoteRecord(kind=kind, external_id=event.external_id, missing=True)
        data = None
        if "meta" in payload:
            try:
                data = Notification(payload, 0).survivor_data
            except MalformedDelivery:
                data = None
        if data is not None:
            return self.record(kind, data, event.external_id)
        if event.action == "merge" and not self._has_token():
            # the survivor cannot be read: its bindings are merged, nothing
            # else is written (its own change notification carries its data)
            return RemoteRecord(kind=kind, external_id=event.external_id, missing=True)
        return None

    def fetch(self, events):
        records = {}
        to_read = {}
        for event in events:
            if not event.object_kind:
                continue  # not an organization, person or deal: nothing to read
            record = self._stored_record(event)
            if record is None:
                to_read.setdefault(event.object_kind, []).append(event)
            else:
                records[event.id] = record
        return self._read_events(
            records,
            to_read,
            lambda client, kind, ids: client.read_ids(kind, ids),
            self.record,
        )

    def merged_ids(self, event):
        try:
            payload = json.loads(event.payload or "{}")
            return Notification(payload, 0).merged_ids if isinstance(payload, dict) else []
        except (ValueError, MalformedDelivery):
            return []

    def dependency_item(self, kind, external_id):
        if not self._has_token():
            return None  # nothing could read it: linked when it is notified
        return reading.dependency_item(kind, external_id)

    # -- financial write-back ------------------------------------------------
    def write_company_properties(self, updates):
        """Write the figures to custom fields (their keys) of the organizations.

        Pipedrive's API has no batch update: one call per organization, the
        client waiting as its rate limit says.
        """
        client = self._client()
        refused = {}
        for org_id, values in sorted(updates.items()):
            values = {key: None if value == "" else value for key, value in values.items()}
            try:
                if not client.update_custom_fields("company", org_id, values):
                    refused[org_id] = "no such organization"
            except ExternalCrmApiError as error:
                refused[org_id] = str(error)
        return refused

    # -- pulls -------------------------------------------------------------
    def snapshot_payload(self, record):
        return {
            "snapshot": {
                "id": record.external_id,
                "data": record.values,
                "update_time": record.modified_text(),
            }
        }

    def import_page(self, kind, after, limit=100):
        """One page of all ``kind`` records by id: ``([RemoteRecord], next cursor)``."""
        items, next_cursor = self._client().list_page(kind, cursor=after, limit=limit)
        return [self.record(kind, item) for item in items], next_cursor

    def import_total(self, kind):
        """Pipedrive's v2 lists give no totals: unknown (0), progress counts pages."""
        return 0

    def changed_page(self, kind, since, after, limit=100):
        """Records changed at or after ``since`` (naive UTC), oldest change first.

        ``after`` is the cursor returned by the previous page of the same
        ``since``: Pipedrive's cursors belong to one query.
        """
        items, next_cursor = self._client().list_page(
            kind, cursor=after, limit=limit, updated_since=since
        )
        return [self.record(kind, item) for item in items], next_cursor

    # -- configuration ---------------------------------------------------
    def default_field_maps(self):
        address = [
            ("address_street", "street"),
            ("address_locality", "city"),
            ("address_postal_code", "zip"),
            ("address_country", "country_id"),
        ]
        return [
            *map_lines(
                "company", [("name", "name"), ("vat", "vat"), ("owner_id", "user_id"), *address]
            ),
            *map_lines(
                "contact",
                [
                    ("name", "name"),
                    ("email", "email"),
                    ("phone", "phone"),
                    ("job_title", "function"),
                    ("org_id", "parent_id"),
                    ("owner_id", "user_id"),
                    *address,
                ],
            ),
            *map_lines(
                "deal",
                [
                    ("title", "name"),
                    ("value", "expected_revenue"),
                    (DEAL_STAGE, "stage_id"),
                    ("expected_close_date", "date_deadline"),
                    ("org_id", "partner_id"),
                    ("lost_reason", "lost_reason_id"),
                    ("owner_id", "user_id"),
                ],
            ),
        ]

    def default_stage_values(self):
        # stage ids 1 to 5: the default pipeline of a new Pipedrive company
        return [
            ("1", "crm.stage_lead1"),
            ("2", "crm.stage_lead2"),
            ("3", "crm.stage_lead2"),
            ("4", "crm.stage_lead3"),
            ("5", "crm.stage_lead3"),
            ("won", "crm.stage_lead4"),
            ("lost", "lost"),
        ]
