# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The line items a generic deal item carries: ``data.lines`` and ``data.currency``.

Nothing is read through an API: the lines come in the delivery, and are
read with the record (``RemoteRecord.lines``), for instance::

    "data": {"name": "...", "currency": "MAD", "lines": [
        {"sku": "CAR-6060", "name": "Palette", "quantity": 3, "unit_price": 1200,
         "discount": 10, "tax_code": "TVA 20", "id": "line-1"}]}

``discount`` is a percentage (0 when left out); ``sku``, ``tax_code`` and
``id`` are optional.
"""

from ...exceptions import ExternalCrmError
from ..items import DealLine, LineRefused
from ..lines import deal_lines, record_currency


def deal_order(deal_id, data):
    """``(currency, lines)`` of a deal item's ``data`` for its ``RemoteRecord``.

    ``lines`` is None when the item has no ``lines``, the list of
    ``DealLine``, or the ``ExternalCrmError`` naming the lines (or the
    currency) that no order can hold: the record itself is read as usual.
    """
    currency, rows = data.get("currency"), data.get("lines")
    if rows is None:
        return record_currency(currency), None
    if not isinstance(rows, list):
        error = ExternalCrmError(f"The 'lines' of deal {deal_id} must be a list of JSON objects.")
        return record_currency(currency), error
    try:
        return deal_lines(deal_id, currency, rows, to_line)
    except ExternalCrmError as error:
        return record_currency(currency), error


def to_line(row):
    """A ``DealLine`` from one object of ``lines``."""
    if not isinstance(row, dict):
        raise LineRefused(f"{row!r} is not a JSON object")
    return DealLine(
        reference=row.get("sku"),
        name=row.get("name"),
        quantity=row.get("quantity"),
        unit_price=row.get("unit_price"),
        discount=row.get("discount"),
        tax_code=row.get("tax_code"),
        external_id=row.get("id"),
    )
