# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The records of the generic door: the items carry them whole, nothing is read."""

import json

from ..items import RemoteRecord
from .lines import deal_order


def stored_record(event):
    """The ``RemoteRecord`` an inbox event's stored item holds (its ``data``).

    A deal also gets the line items and currency it came with (``lines``).
    """
    item = json.loads(event.payload or "{}")
    record = RemoteRecord(
        kind=event.object_kind,
        external_id=event.external_id,
        values=item.get("data") or {},
        modified_at=event.external_modified_at or None,
    )
    if record.kind == "deal" and isinstance(record.values, dict):
        record.currency, record.lines = deal_order(record.external_id, record.values)
    return record


def merged_ids(payload):
    """The ``merged_ids`` of a stored merge item, as texts."""
    item = json.loads(payload or "{}")
    return [str(merged) for merged in item.get("merged_ids") or []]
