# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading the line items of deals: what every provider shares.

A provider reads the lines of a batch of deals in its own calls and shapes
(``read_chunk``); this module turns what it read into ``DealLine`` objects,
deal by deal: a line that no order line can hold fails its deal with a
message naming every such line, and a failed call fails only the deals of
its batch. Plain Python, no Odoo.
"""

import re

from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from .client import chunks
from .items import LineRefused, line_number
from .reading import not_understood

_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def currency_code(value):
    """An ISO 4217 code in upper case, None when empty; ``LineRefused`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _CURRENCY.match(value.strip()):
        raise LineRefused(f"the currency {value!r} is not an ISO 4217 code")
    return value.strip().upper()


def record_currency(value):
    """The currency of a record as ``RemoteRecord.currency`` holds it: None when unreadable.

    A record is read whatever its currency says; the lines of its order
    check it (``read_deal_lines``).
    """
    try:
        return currency_code(value)
    except LineRefused:
        return None


def discount_percent(amount, quantity, unit_price):
    """A discount amount on the whole line (``quantity * unit_price``) as a percentage."""
    amount = line_number(amount, "the discount amount")
    if not amount:
        return 0.0
    base = line_number(quantity, "the quantity", True) * line_number(
        unit_price, "the unit price", True
    )
    if not base:
        raise LineRefused(f"a discount of {amount:g} on a line worth nothing")
    return round(amount / base * 100, 6)


def deal_lines(deal_id, currency, rows, to_line):
    """``(currency, [DealLine])`` of one deal, or ``ExternalCrmError`` naming what is wrong.

    ``rows`` are the deal's lines as the provider read them and
    ``to_line(row)`` makes a ``DealLine`` of one. Every line is checked, so
    that the message names all that must be corrected in the CRM.
    """
    problems, lines = [], []
    try:
        currency = currency_code(currency)
    except LineRefused as error:
        problems.append(str(error))
    for number, row in enumerate(rows, 1):
        try:
            lines.append(to_line(row))
        except LineRefused as error:
            problems.append(f"line {number}: {error}")
        except Exception as error:  # a line of a shape the adapter does not know
            problems.append(f"line {number} not understood ({error.__class__.__name__}: {error})")
    if problems:
        raise ExternalCrmError(
            f"The line items of deal {deal_id} cannot make an order: {'; '.join(problems)}."
        )
    return currency, lines


def read_deal_lines(deal_ids, make_client, chunk_size, read_chunk, to_line, code):
    """``{deal id: (currency, [DealLine]) or error}``: ``Provider.read_deal_lines``.

    ``make_client()`` gives the API client; ``read_chunk(client, ids)``
    reads at most ``chunk_size`` deals and returns ``{deal id: (currency,
    [row]) or an ExternalCrmError / ExternalCrmTransientError}`` for each
    of them (a deal it does not name no longer exists); ``to_line(row)``
    makes a ``DealLine``. An error of a call (the rate limit still reached
    after the client's waits, a server error, a refusal) fails the deals
    of its chunk only; ``code`` is the provider's, for the log.
    """
    ids = sorted({str(deal_id) for deal_id in deal_ids})
    if not ids:
        return {}
    try:
        client = make_client()
    except (ExternalCrmTransientError, ExternalCrmError) as error:
        return dict.fromkeys(ids, error)
    result = {}
    for chunk in chunks(ids, chunk_size):
        try:
            found = read_chunk(client, chunk)
        except (ExternalCrmTransientError, ExternalCrmError) as error:
            result.update(dict.fromkeys(chunk, error))
            continue
        except Exception as error:  # an answer of a shape the adapter does not know
            error = not_understood(code, "the line items of deals", chunk, error)
            result.update(dict.fromkeys(chunk, error))
            continue
        for deal_id in chunk:
            result[deal_id] = _deal_result(deal_id, found.get(deal_id), to_line)
    return result


def _deal_result(deal_id, read, to_line):
    """What ``read_deal_lines`` gives for one deal from what ``read_chunk`` read."""
    if isinstance(read, ExternalCrmTransientError | ExternalCrmError):
        return read
    if read is None:
        return ExternalCrmError(f"The deal {deal_id} no longer exists in the external CRM.")
    try:
        return deal_lines(deal_id, read[0], read[1], to_line)
    except ExternalCrmError as error:
        return error
