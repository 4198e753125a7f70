# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The line items of Zoho CRM deals: the line items of their accepted quote.

A deal's *Products* related list only says which products interest the
customer (no quantity, price or discount of its own): what was sold is the
``Product_Details`` of the quote the customer accepted. A batch of 50 deals
(COQL's limit of values in ``in``) costs one COQL query for their accepted
quotes (``Quote_Stage`` in ``ACCEPTED_STAGES``), one read of those quotes
(their line items and ``Currency``), and, when the quotes' product lookups
do not carry their ``Product_Code``, one read of the products per 100. A
deal without an accepted quote has no lines; two accepted quotes are not
guessed between. The line items are ``Product_Details`` (API v2 to v6), or
the ``Quoted_Items`` subform of newer layouts; an org with one currency has
no ``Currency`` field: a field that Zoho refuses (``INVALID_DATA``) is left
out, the quotes are read again, and the client remembers it.
"""

from ...exceptions import ExternalCrmError
from ..client import chunks
from ..items import DealLine, LineRefused
from ..lines import discount_percent
from .client import MAX_IDS, ZohoApiError

# Zoho's default quote stages that say the customer accepted the quote
ACCEPTED_STAGES = ("Confirmed", "Closed Won")
# COQL (API v6) takes at most 50 values in ``in``, 2,000 records per query
CHUNK = 50
COQL_LIMIT = 2000
CURRENCY = "Currency"
# what is read of a quote; an org without one of the optional fields (one
# currency, or line items in only one of the two shapes) refuses it
OPTIONAL_FIELDS = (CURRENCY, "Product_Details", "Quoted_Items")
QUOTE_FIELDS = ("Deal_Name", *OPTIONAL_FIELDS)


def read_chunk(client, deal_ids):
    """``{deal id: (currency, [(line, product code)])}`` of every deal asked."""
    found = {}
    wanted = [deal_id for deal_id in deal_ids if deal_id.isdigit()]
    for deal_id in set(deal_ids) - set(wanted):
        found[deal_id] = ExternalCrmError(f"{deal_id!r} is not a Zoho CRM record id")
    chosen = {}
    for deal_id, quote_ids in _accepted_quotes(client, wanted).items():
        if len(quote_ids) > 1:
            found[deal_id] = ExternalCrmError(
                f"The deal {deal_id} has several accepted quotes ({', '.join(quote_ids)}): "
                "leave one accepted, so that its lines make the order."
            )
        else:
            chosen[quote_ids[0]] = deal_id
    quotes = _read_quotes(client, list(chosen))
    codes = _product_codes(client, quotes.values())
    for deal_id in wanted:
        found.setdefault(deal_id, (None, []))
    for quote_id, deal_id in chosen.items():
        quote = quotes.get(quote_id) or {}
        lines = [(line, codes.get(str(_product(line).get("id")))) for line in _lines(quote)]
        found[deal_id] = (quote.get(CURRENCY), lines)
    return found


def _accepted_quotes(client, deal_ids):
    """``{deal id: [accepted quote ids]}`` by COQL, every page read."""
    if not deal_ids:
        return {}
    listed = ", ".join(f"'{deal_id}'" for deal_id in deal_ids)
    stages = ", ".join(f"'{stage}'" for stage in ACCEPTED_STAGES)
    quotes, offset = {}, 0
    while True:
        answer = client.query(
            f"select id, Deal_Name, Quote_Stage from Quotes where (Deal_Name in ({listed}) "
            f"and Quote_Stage in ({stages})) limit {COQL_LIMIT} offset {offset}"
        )
        for quote in answer.get("data") or []:
            deal_id = str((quote.get("Deal_Name") or {}).get("id"))
            quotes.setdefault(deal_id, []).append(str(quote["id"]))
        if not (answer.get("info") or {}).get("more_records"):
            return {deal_id: sorted(ids) for deal_id, ids in quotes.items()}
        offset += COQL_LIMIT


def _read_quotes(client, quote_ids):
    """``{quote id: quote}`` with its line items and currency (``QUOTE_FIELDS``)."""
    if not quote_ids:
        return {}
    while True:
        fields = [name for name in QUOTE_FIELDS if name not in client.refused_fields]
        try:
            return client.read_records("quote", quote_ids, fields)
        except ZohoApiError as error:
            details = error.answer.get("details") if isinstance(error.answer, dict) else None
            refused = (details or {}).get("api_name") if isinstance(details, dict) else None
            if error.code != "INVALID_DATA" or refused not in OPTIONAL_FIELDS:
                raise
            if refused in client.refused_fields:
                raise
            client.refused_fields.add(refused)


def _lines(quote):
    """The line items of a quote: ``Product_Details``, or the ``Quoted_Items`` subform."""
    lines = quote.get("Product_Details")
    if lines is None:
        lines = quote.get("Quoted_Items")
    return lines or []


def _product(line):
    """The product lookup of a line item (``product``, or ``Product_Name`` in a subform)."""
    product = line.get("product") or line.get("Product_Name")
    return product if isinstance(product, dict) else {}


def _product_codes(client, quotes):
    """``{product id: code}`` of the quotes' products; read when the lookups lack them."""
    codes, missing = {}, set()
    for quote in quotes:
        for line in _lines(quote):
            product = _product(line)
            if "Product_Code" in product:
                codes[str(product.get("id"))] = product["Product_Code"]
            elif product.get("id"):
                missing.add(str(product["id"]))
    for chunk in chunks(sorted(missing), MAX_IDS):
        for product_id, product in client.read_records("product", chunk, ["Product_Code"]).items():
            codes[product_id] = product.get("Product_Code")
    return codes


def to_line(line):
    """A ``DealLine`` from a quote's line item and its product code.

    Zoho's ``Discount`` is an amount off the whole line (``quantity`` times
    ``list_price``), or a percentage when written ``"10%"``; the taxes of
    the line (``line_tax``) give its tax code, their names.
    """
    item, code = line
    quantity = item.get("quantity", item.get("Quantity"))
    price = item.get("list_price", item.get("List_Price"))
    discount = item.get("Discount")
    if isinstance(discount, str) and discount.strip().endswith("%"):
        discount = discount.strip()[:-1]
    else:
        discount = discount_percent(discount, quantity, price)
    taxes = item.get("line_tax") or []
    if not isinstance(taxes, list):
        raise LineRefused(f"the taxes {taxes!r} are not a list")
    names = [str(tax.get("name")) for tax in taxes if isinstance(tax, dict) and tax.get("name")]
    return DealLine(
        reference=code,
        name=_product(item).get("name") or item.get("product_description"),
        quantity=quantity,
        unit_price=price,
        discount=discount,
        tax_code=", ".join(names) or None,
        external_id=item.get("id"),
    )
