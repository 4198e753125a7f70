# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a provider hands the connector: inbox items and remote records.

An ``InboxItem`` is one item of a delivery as the inbox stores it; a
``RemoteRecord`` is the full state of one external record, as the field map
reads it. Both refuse or clean what PostgreSQL cannot store. Plain Python,
no Odoo: every other module of the adapters builds on these two.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import MalformedDelivery

# ids are indexed: far below what an index row holds (2,700 bytes)
MAX_ID_LENGTH = 255
ID_FIELDS = ("external_event_id", "external_id", "object_kind", "action")
# idempotency keys longer than this are hashed (see InboxItem)
MAX_KEY_LENGTH = 200
# the text fields of an inbox item, as a sender knows them
NUL_CHECKED = (
    ("external_event_id", "the event id"),
    ("external_id", "the record id"),
    ("object_kind", "the object kind"),
    ("action", "the action"),
    ("idempotency_key", "the idempotency key"),
    ("payload", "the item"),
)


@dataclass
class InboxItem:
    """One item of a delivery, as it is stored in the inbox.

    A rejected item (``rejection`` set: why it cannot be read) keeps the raw
    text of what arrived as its payload; it is stored, shown and never
    processed, until *Process Again* reads it anew. ``index`` is its
    position in the delivery, for the answer.
    """

    idempotency_key: str
    object_kind: str | None
    external_id: str | None
    action: str | None = "upsert"
    external_event_id: str | None = None
    external_modified_at: datetime | None = None
    payload: str = ""
    rejection: str | None = None
    index: int | None = None

    def __post_init__(self):
        # What PostgreSQL cannot store is refused as malformed (400) rather
        # than failing on the INSERT (a 500 that the sender would retry
        # forever): NUL, lone surrogates, ids longer than an index row holds
        for name, label in NUL_CHECKED:
            value = getattr(self, name)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                raise MalformedDelivery(f"{label} contains a NUL character (\\u0000)")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise MalformedDelivery(
                    f"{label} contains an invalid character (a lone UTF-16 surrogate)"
                ) from error
            if name in ID_FIELDS and len(value) > MAX_ID_LENGTH:
                raise MalformedDelivery(f"{label} is longer than {MAX_ID_LENGTH} characters")
        # long keys (a provider's key built from several ids) are hashed, not
        # cut: two events that share a prefix must not look like one
        if len(self.idempotency_key) > MAX_KEY_LENGTH:
            digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()
            self.idempotency_key = f"{self.idempotency_key[:100]}#{digest}"


@dataclass
class RemoteRecord:
    """The full state of one external record, ready for the field map."""

    kind: str
    external_id: str
    values: dict = field(default_factory=dict)
    modified_at: datetime | None = None
    missing: bool = False  # deleted on the other side since the event

    def __post_init__(self):
        # PostgreSQL cannot store (nor search) NUL in text, and no CRM means
        # anything by it: removed, so that the rest of the record applies
        self.values = without_nul(self.values)

    def modified_text(self):
        """``modified_at`` as ISO 8601 text in UTC (``...Z``), or None: for snapshots."""
        return self.modified_at.isoformat() + "Z" if self.modified_at else None


def without_nul(value):
    """``value`` with what PostgreSQL cannot store removed from its texts.

    NUL characters are removed and lone UTF-16 surrogates become "?", in
    dicts and lists too.
    """
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value
