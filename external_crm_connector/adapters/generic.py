# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Generic JSON door for Zapier, Make, n8n and scripts.

A delivery is one JSON object or a list of them::

    {"event_id": "zap-0001", "object": "company", "id": "ext-C-100",
     "updated_at": "2026-11-20T10:15:00Z", "data": {"name": "...", ...}}

``action`` is optional: ``upsert`` (default), ``delete`` or ``merge`` (with
``merged_ids``). The items carry the full record, so nothing is fetched.
"""

import json

from ..exceptions import MalformedDelivery
from . import signatures, transforms
from .provider import (
    KINDS,
    InboxItem,
    Provider,
    RemoteRecord,
    body_hash,
    map_lines,
    register,
)


@register
class GenericProvider(Provider):
    code = "generic"

    def authenticate(self, secret, request, body, now):
        if self.backend.generic_auth == "bearer":
            return signatures.verify_bearer(secret, request.headers)
        return signatures.verify_generic_hmac(secret, request.headers, body, now)

    def parse_item(self, item, raw):
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
        if action not in ("upsert", "delete", "merge"):
            raise MalformedDelivery(f"unknown action {action!r}")
        if action == "upsert" and not isinstance(item.get("data"), dict):
            raise MalformedDelivery("'data' must be a JSON object")
        if action == "merge" and not isinstance(item.get("merged_ids"), list):
            raise MalformedDelivery("a merge needs a 'merged_ids' list")
        try:
            modified_at = transforms.parse_datetime(item.get("updated_at"))
        except ValueError as error:
            raise MalformedDelivery(f"'updated_at': {error}") from error
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

    def fetch(self, events):
        records = {}
        for event in events:
            item = json.loads(event.payload or "{}")
            records[event.id] = RemoteRecord(
                kind=event.object_kind,
                external_id=event.external_id,
                values=item.get("data") or {},
                modified_at=event.external_modified_at or None,
            )
        return records

    def merged_ids(self, event):
        item = json.loads(event.payload or "{}")
        return [str(merged) for merged in item.get("merged_ids") or []]

    def default_field_maps(self):
        partner_fields = [
            ("email", "email"),
            ("phone", "phone"),
            ("mobile", "mobile"),
            ("street", "street"),
            ("street2", "street2"),
            ("zip", "zip"),
            ("city", "city"),
            ("country", "country_id"),
        ]
        return [
            *map_lines(
                "company",
                [
                    ("name", "name"),
                    ("vat", "vat"),
                    ("company_registry", "company_registry"),
                    ("website", "website"),
                    *partner_fields,
                ],
                # identifiers typed by the accountant win over a form on a website
                masters={"vat": "odoo", "company_registry": "odoo"},
            ),
            *map_lines(
                "contact",
                [
                    ("name", "name"),
                    ("job_title", "function"),
                    ("company_id", "parent_id"),
                    *partner_fields,
                ],
            ),
            *map_lines(
                "deal",
                [
                    ("name", "name"),
                    ("amount", "expected_revenue"),
                    ("stage", "stage_id"),
                    ("company_id", "partner_id"),
                    ("close_date", "date_deadline"),
                    ("lost_reason", "lost_reason_id"),
                ],
            ),
        ]

    def default_stage_values(self):
        return [
            ("new", "crm.stage_lead1"),
            ("qualified", "crm.stage_lead2"),
            ("proposition", "crm.stage_lead3"),
            ("won", "crm.stage_lead4"),
            ("lost", "lost"),
        ]
