# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The line items of HubSpot deals: v4 associations, then v3 line items.

A batch of deals costs three calls when no deal has more than one page of
line items: the deals (their ``deal_currency_code``, and whether they still
exist), their line item associations, and the line items, 100 per call.
"""

from ...exceptions import ExternalCrmTransientError
from ..items import DealLine
from ..lines import discount_percent
from ..transforms import is_empty
from .client import HubSpotClient
from .records import DEAL_CURRENCY as CURRENCY

CHUNK = HubSpotClient.BATCH_SIZE
LINE_PROPERTIES = (
    "name",
    "hs_sku",
    "quantity",
    "price",
    "hs_discount_percentage",
    "discount",
    "hs_product_id",
    "hs_tax_rate_group_id",
    "hs_position_on_quote",
)
# a line item deleted between two reads: the deal is read again a little later
RETRY_WAIT = 60


def read_chunk(client, deal_ids):
    """``{deal id: (currency, [line item])}`` of the deals that still exist."""
    deals = client.read_batch("deal", deal_ids, [CURRENCY])
    links = client.read_associations("deal", "line_item", list(deals), all_pages=True)
    line_ids = [line_id for deal_id in deals for line_id in links.get(deal_id, [])]
    items = client.read_batch("line_item", line_ids, LINE_PROPERTIES) if line_ids else {}
    found = {}
    for deal_id, deal in deals.items():
        ids = links.get(deal_id, [])
        missing = [line_id for line_id in ids if line_id not in items]
        if missing:
            found[deal_id] = ExternalCrmTransientError(
                f"The line items {', '.join(missing)} of deal {deal_id} were not found: "
                "changed while they were read, the deal is read again later.",
                retry_after=RETRY_WAIT,
            )
            continue
        lines = sorted((items[line_id] for line_id in ids), key=_position)
        found[deal_id] = ((deal.get("properties") or {}).get(CURRENCY), lines)
    return found


def _position(item):
    """Line items in the order of the deal (``hs_position_on_quote``), then by id."""
    position = (item.get("properties") or {}).get("hs_position_on_quote")
    try:
        return (0, float(position), str(item["id"]))
    except (TypeError, ValueError):
        return (1, 0.0, str(item["id"]))


def to_line(item):
    """A ``DealLine`` from a line item.

    ``hs_discount_percentage`` is a percentage; otherwise ``discount`` is
    HubSpot's *unit discount*, an amount off each unit: its percentage of
    the unit price is that of the line (``quantity`` times both).
    """
    values = item.get("properties") or {}
    price = values.get("price")
    discount = values.get("hs_discount_percentage")
    if is_empty(discount):
        discount = discount_percent(values.get("discount"), 1, price)
    return DealLine(
        reference=values.get("hs_sku"),
        name=values.get("name"),
        quantity=values.get("quantity"),
        unit_price=price,
        discount=discount,
        tax_code=values.get("hs_tax_rate_group_id"),
        external_id=item.get("id"),
    )
