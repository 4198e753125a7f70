# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce REST records and pulled snapshots as remote records.

Related records come as ``Account.Name``; ids always in their 18-character
form. A record read with ``queryAll`` may be deleted (``IsDeleted``), and a
deletion by a merge names the surviving record (``MasterRecordId``).
"""

import json

from .. import transforms
from ..items import RemoteRecord
from ..lines import record_currency
from .ids import ID_PATTERN, id18


def flatten(record, prefix=""):
    """REST record values, related records as ``Account.Name``; no ``attributes``."""
    values = {}
    for name, value in record.items():
        if name == "attributes":
            continue
        if isinstance(value, dict):
            values.update(flatten(value, f"{prefix}{name}."))
        else:
            values[f"{prefix}{name}"] = value
    return values


def record_from_rest(kind, item):
    """A ``RemoteRecord`` from a record of a SOQL answer."""
    values = flatten(item)
    record_id = id18(values.get("Id"))
    values["Id"] = record_id
    return RemoteRecord(
        kind=kind,
        external_id=record_id,
        values=values,
        modified_at=transforms.parse_datetime(values.get("LastModifiedDate")) or None,
        missing=bool(values.get("IsDeleted")),
        currency=deal_currency(kind, values),
    )


def deal_currency(kind, values):
    """An opportunity's ``CurrencyIsoCode``, when the field map reads it (multi-currency orgs)."""
    return record_currency(values.get("CurrencyIsoCode")) if kind == "deal" else None


def snapshot_payload(record):
    """The inbox payload of a pulled record, read back by ``record_from_snapshot``."""
    return {
        "snapshot": {
            "Id": record.external_id,
            "fields": record.values,
            "LastModifiedDate": record.modified_text(),
            "IsDeleted": record.missing,
        }
    }


def record_from_snapshot(kind, snapshot):
    """The ``RemoteRecord`` of a pulled snapshot (``snapshot_payload``)."""
    return RemoteRecord(
        kind=kind,
        external_id=str(snapshot["Id"]),
        values=dict(snapshot.get("fields") or {}),
        modified_at=transforms.parse_datetime(snapshot.get("LastModifiedDate")) or None,
        missing=bool(snapshot.get("IsDeleted")),
        currency=deal_currency(kind, snapshot.get("fields") or {}),
    )


def merge_survivor(record):
    """The id of the record that a deleted ``record`` was merged into, or None.

    Salesforce merges accounts and contacts by deleting the others, each
    with ``MasterRecordId``.
    """
    master = record.values.get("MasterRecordId") if record.missing else None
    if master and ID_PATTERN.match(master):
        return id18(master)
    return None


def stored_snapshot(event):
    """The snapshot a pulled event stored, or None for a notice."""
    payload = json.loads(event.payload or "{}")
    snapshot = payload.get("snapshot") if isinstance(payload, dict) else None
    return snapshot if isinstance(snapshot, dict) else None
