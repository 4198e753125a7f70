# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The products of Pipedrive deals (API v2), with their product codes.

A batch of 100 deals costs one call of ``/api/v2/deals/products`` per page
of 500 lines, then one call of ``/api/v2/products`` per 100 products for
their codes (a deal product carries the product's id, not its code). The
currency is the lines' own; a deal without products has none. Lines
disabled on the deal (``is_enabled`` false) count in no total and are left
out.
"""

from ...exceptions import ExternalCrmError
from ..items import DealLine, LineRefused
from ..lines import discount_percent
from .client import PipedriveClient

CHUNK = PipedriveClient.IDS_PER_CALL


def read_chunk(client, deal_ids):
    """``{deal id: (currency, [(deal product, product code)])}`` of every deal asked."""
    found = {}
    wanted = [deal_id for deal_id in deal_ids if deal_id.isdigit()]
    for deal_id in set(deal_ids) - set(wanted):
        found[deal_id] = ExternalCrmError(f"{deal_id!r} is not a Pipedrive deal id")
    rows = client.deal_products(wanted) if wanted else []
    product_ids = {str(row["product_id"]) for row in rows if row.get("product_id")}
    products = client.read_ids("product", product_ids) if product_ids else {}
    by_deal = {deal_id: [] for deal_id in wanted}
    for row in sorted(rows, key=lambda row: (row.get("order_nr") or 0, row["id"])):
        if row.get("is_enabled") is False or str(row["deal_id"]) not in by_deal:
            continue
        code = (products.get(str(row.get("product_id"))) or {}).get("code")
        by_deal[str(row["deal_id"])].append((row, code))
    for deal_id, lines in by_deal.items():
        currencies = sorted({str(row.get("currency")) for row, _code in lines})
        if len(currencies) > 1:
            found[deal_id] = ExternalCrmError(
                f"The products of deal {deal_id} are in several currencies "
                f"({', '.join(currencies)}): one order cannot hold them."
            )
        else:
            found[deal_id] = (lines[0][0].get("currency") if lines else None, lines)
    return found


def to_line(line):
    """A ``DealLine`` from a deal product and the code of its product.

    ``discount`` is a percentage, or an amount off the whole line when
    ``discount_type`` is ``amount``.
    """
    row, code = line
    quantity, price = row.get("quantity"), row.get("item_price")
    discount = row.get("discount")
    if row.get("discount_type") == "amount":
        discount = discount_percent(discount, quantity, price)
    elif row.get("discount_type") not in (None, "percentage"):
        raise LineRefused(f"the discount type {row.get('discount_type')!r} is not known")
    return DealLine(
        reference=code,
        name=row.get("name"),
        quantity=quantity,
        unit_price=price,
        discount=discount,
        external_id=row.get("id"),
    )
