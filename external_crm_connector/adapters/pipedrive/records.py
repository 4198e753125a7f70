# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive records (webhooks v2 and v1, API v2) normalised for the field map.

Both webhook versions and the API give organizations, persons and deals in
slightly different shapes; ``normalize`` gives the field map one set of
names for all of them.
"""

from .. import transforms
from ..items import RemoteRecord
from ..lines import record_currency

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


def id_of(value):
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
            values[key] = id_of(raw[key])
    if kind == "deal" and "owner_id" not in raw and "user_id" in raw:
        values["owner_id"] = id_of(raw["user_id"])  # v1 deals name their owner user_id
    values.update(_address(raw, "postal_address" if kind == "contact" else "address"))
    if kind == "deal" and ("status" in raw or "stage_id" in raw):
        status = raw.get("status")
        if status in ("won", "lost"):
            values[DEAL_STAGE] = status
        else:
            values[DEAL_STAGE] = id_of(raw.get("stage_id"))
    if vat_field and vat_field in values:
        values["vat"] = values[vat_field]
    return values


def record(kind, raw, vat_field=None, external_id=None):
    """A ``RemoteRecord`` from a Pipedrive record (webhook, API or snapshot).

    ``vat_field`` is the custom field the backend reads the VAT number from.
    """
    values = normalize(kind, raw, vat_field)
    try:
        modified_at = transforms.parse_datetime(raw.get("update_time")) or None
    except ValueError:
        modified_at = None
    return RemoteRecord(
        kind=kind,
        external_id=str(external_id or raw.get("id")),
        values=values,
        modified_at=modified_at,
        currency=record_currency(values.get("currency")) if kind == "deal" else None,
    )


def snapshot_payload(record):
    """The inbox payload of a pulled record: normalised values, read back by ``record``."""
    return {
        "snapshot": {
            "id": record.external_id,
            "data": record.values,
            "update_time": record.modified_text(),
        }
    }
