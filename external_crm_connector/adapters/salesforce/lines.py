# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The line items of Salesforce opportunities: OpportunityLineItem by SOQL.

A batch of 200 opportunities costs two queries (and their
``nextRecordsUrl`` pages): the opportunities themselves (whether they still
exist, and their ``CurrencyIsoCode``), then their line items. An org with
one currency has no ``CurrencyIsoCode`` field: Salesforce refuses it
(``INVALID_FIELD``), the query is made again without it, the client
remembers it, and the currency is the organization's
(``Organization.DefaultCurrencyIsoCode``, read once).
"""

from ...exceptions import ExternalCrmApiError, ExternalCrmError
from ..items import DealLine
from .ids import ID_PATTERN, id18
from .query import READ_BATCH, soql_string

LINE_FIELDS = ("Id", "OpportunityId", "ProductCode", "Name", "Quantity", "UnitPrice", "Discount")
CURRENCY = "CurrencyIsoCode"
CHUNK = READ_BATCH


def read_chunk(client, deal_ids):
    """``{deal id: (currency, [OpportunityLineItem])}`` of the opportunities that exist.

    An id that is not a Salesforce id gets its error; the others are read.
    """
    found, wanted = {}, {}
    for deal_id in deal_ids:
        if ID_PATTERN.match(deal_id):
            wanted[id18(deal_id)] = deal_id
        else:
            found[deal_id] = ExternalCrmError(f"{deal_id!r} is not a Salesforce id")
    if not wanted:
        return found
    listed = ", ".join(soql_string(record_id) for record_id in sorted(wanted))
    currencies = _currencies(client, listed)
    lines = {}
    select = f"SELECT {', '.join(LINE_FIELDS)} FROM OpportunityLineItem"
    for item in client.query_all(f"{select} WHERE OpportunityId IN ({listed})"):
        lines.setdefault(id18(item.get("OpportunityId")), []).append(item)
    for record_id, currency in currencies.items():
        found[wanted[record_id]] = (currency, lines.get(record_id, []))
    return found


def _currencies(client, listed):
    """``{opportunity id: currency}`` of the listed opportunities that exist."""
    where = f"FROM Opportunity WHERE Id IN ({listed})"
    if client.multi_currency is not False:
        try:
            records = client.query_all(f"SELECT Id, {CURRENCY} {where}")
        except ExternalCrmApiError as error:
            if "INVALID_FIELD" not in str(error) or CURRENCY not in str(error):
                raise
            client.multi_currency = False
        else:
            client.multi_currency = True
            return {id18(item["Id"]): item.get(CURRENCY) for item in records}
    default = _organization_currency(client)
    return {id18(item["Id"]): default for item in client.query_all(f"SELECT Id {where}")}


def _organization_currency(client):
    """The currency of a single-currency organization, read once per client."""
    if client.organization_currency is None:
        records = client.query_all("SELECT DefaultCurrencyIsoCode FROM Organization")
        client.organization_currency = records[0].get("DefaultCurrencyIsoCode") if records else None
    return client.organization_currency


def to_line(item):
    """A ``DealLine`` from an OpportunityLineItem: ``Discount`` is a percentage."""
    return DealLine(
        reference=item.get("ProductCode"),
        name=item.get("Name"),
        quantity=item.get("Quantity"),
        unit_price=item.get("UnitPrice"),
        discount=item.get("Discount"),
        external_id=id18(item.get("Id")),
    )
