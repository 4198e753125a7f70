# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM records as remote records: lookups read as ``Field.id``.

A lookup (``Account_Name``) comes as ``{"id", "name"}``: the field map
reads ``Account_Name.id``. An empty lookup removes the link.
"""

from .. import transforms
from ..items import RemoteRecord
from ..lines import record_currency

# the lookup of a contact or deal to its account, as the field map names it
ACCOUNT_ID = "Account_Name.id"


def record_from_object(kind, item, dotted):
    """A ``RemoteRecord`` from a Zoho record (an API answer or a pulled snapshot).

    ``dotted`` are the lookup attributes the field map reads
    (``Account_Name.id``): one whose lookup is empty is set to False.
    """
    values = dict(item)
    for name, value in item.items():
        if isinstance(value, dict) and "." not in name:
            for attribute in ("id", "name"):
                if attribute in value:
                    values[f"{name}.{attribute}"] = value[attribute]
    for name in dotted:
        base = name.partition(".")[0]
        if base in item and not isinstance(item[base], dict):
            values[name] = False  # an empty lookup: the link is removed
    return RemoteRecord(
        kind=kind,
        external_id=str(item["id"]),
        values=values,
        modified_at=transforms.parse_datetime(item.get("Modified_Time")) or None,
        # a multi-currency org's deals have a Currency, when the field map reads it
        currency=record_currency(item.get("Currency")) if kind == "deal" else None,
    )


def snapshot_payload(record):
    """The inbox payload of a pulled record: the record itself, read back as it is."""
    return {"snapshot": {**record.values, "id": record.external_id}}
