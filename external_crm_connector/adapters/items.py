# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a provider hands the connector: inbox items, remote records, deal lines.

An ``InboxItem`` is one item of a delivery as the inbox stores it; a
``RemoteRecord`` is the full state of one external record, as the field map
reads it; a ``DealLine`` is one line item of a deal, for its sale order. All
refuse or clean what PostgreSQL cannot store. Plain Python, no Odoo: every
other module of the adapters builds on these.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import MalformedDelivery
from . import transforms

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
    """The full state of one external record, ready for the field map.

    A deal may also carry its line items and currency, for its sale order:
    ``lines`` is None when they were not read with the record (ask the
    provider's ``read_deal_lines``), a list of ``DealLine`` (empty: a deal
    without line items), or the ``ExternalCrmError`` that says why the lines
    it came with cannot be read (the record itself is read as usual).
    ``currency`` is the deal's ISO 4217 code, or None when not known.
    """

    kind: str
    external_id: str
    values: dict = field(default_factory=dict)
    modified_at: datetime | None = None
    missing: bool = False  # deleted on the other side since the event
    lines: list | Exception | None = None
    currency: str | None = None

    def __post_init__(self):
        # PostgreSQL cannot store (nor search) NUL in text, and no CRM means
        # anything by it: removed, so that the rest of the record applies
        self.values = without_nul(self.values)

    def modified_text(self):
        """``modified_at`` as ISO 8601 text in UTC (``...Z``), or None: for snapshots."""
        return self.modified_at.isoformat() + "Z" if self.modified_at else None


@dataclass
class LinesOf:
    """What an event about line items comes to: the deals whose lines changed.

    A CRM that notifies changes of line items themselves (HubSpot) says
    which line item, not which deal: the provider reads the deals it
    belongs to, and the processor reads those deals again.
    """

    deal_ids: list = field(default_factory=list)


class LineRefused(ValueError):
    """A line item whose values cannot make an order line: the message says why."""


@dataclass
class DealLine:
    """One line item of a deal, its values normalised.

    ``reference`` is the product code (SKU) the product is matched on, or
    None; ``discount`` a percentage (0 when none); ``tax_code`` the CRM's
    name or id of the line's tax, when it has one; ``external_id`` the id of
    the line in the CRM. Numbers may come as text (``transforms.parse_number``);
    what no order line can hold (a missing, negative, NaN or infinite
    quantity, a price that is not a finite number, a discount outside 0 to
    100, no name and no reference) raises ``LineRefused``.
    """

    reference: str | None
    name: str | None
    quantity: float
    unit_price: float
    discount: float = 0.0
    tax_code: str | None = None
    external_id: str | None = None

    def __post_init__(self):
        self.reference = _text(self.reference, "the product code")
        self.name = _text(self.name, "the name") or self.reference
        if not self.name:
            raise LineRefused("the line has neither a name nor a product code")
        self.tax_code = _text(self.tax_code, "the tax code")
        self.external_id = _text(self.external_id, "the line id")
        self.quantity = line_number(self.quantity, "the quantity", required=True)
        if self.quantity < 0:
            raise LineRefused(f"the quantity {self.quantity:g} is negative")
        self.unit_price = line_number(self.unit_price, "the unit price", required=True)
        self.discount = line_number(self.discount, "the discount")
        if not 0 <= self.discount <= 100:
            raise LineRefused(f"the discount {self.discount:g}% is not between 0 and 100")


def _text(value, label):
    """``value`` as trimmed text without NUL, or None when empty."""
    if isinstance(value, bool | dict | list):
        raise LineRefused(f"{label} is not a text: {value!r}")
    if value is None:
        return None
    value = without_nul(str(value)).strip()
    return value or None


def line_number(value, label, required=False):
    """``value`` as a finite float; empty is 0, or refused when ``required``."""
    if required and transforms.is_empty(value):
        raise LineRefused(f"{label} is missing")
    try:
        return transforms.parse_number(value)
    except ValueError:
        raise LineRefused(f"{label} {value!r} is not a finite number") from None


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
