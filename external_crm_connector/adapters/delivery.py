# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading a delivery: the JSON items of a body, and the items it rejects.

Shared by the providers' ``delivery`` modules. A body that cannot be read
at all raises ``MalformedDelivery`` (nothing is stored, the sender gets 400);
an item that cannot be read becomes a *rejected* inbox item (``read_item``),
so that the other items of the delivery are stored and processed.
"""

import hashlib
import json
import logging
import re

from ..exceptions import MalformedDelivery
from . import transforms
from .items import InboxItem

_logger = logging.getLogger(__name__)


def canonical_json(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def body_hash(data):
    # surrogatepass: a lone surrogate is refused later, with a clear message
    return hashlib.sha256(canonical_json(data).encode("utf-8", "surrogatepass")).hexdigest()


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def load_items(body, max_items):
    """Decode a delivery: ``[(item, raw text of the item)]``.

    The body is one JSON object or a list. Each item keeps its raw text
    exactly as it was sent, so that the inbox stores what arrived; an item of
    the list that is not an object is the provider's to reject. Raises
    ``MalformedDelivery`` with the reason when the body cannot be read at
    all.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise MalformedDelivery(f"the body is not UTF-8: {error}") from error
    try:
        start = _WHITESPACE.match(text, 0).end()
        if text[start : start + 1] != "[":
            item, end = _DECODER.raw_decode(text, start)
            if text[_WHITESPACE.match(text, end).end() :]:
                raise ValueError("extra data after the JSON value")
            pairs = [(item, text[start:end])]
        else:
            pairs = []
            position = _WHITESPACE.match(text, start + 1).end()
            if text[position : position + 1] == "]":
                position += 1
            else:
                while True:
                    item, end = _DECODER.raw_decode(text, position)
                    pairs.append((item, text[position:end]))
                    if len(pairs) > max_items:
                        raise MalformedDelivery(f"a delivery holds at most {max_items} items")
                    position = _WHITESPACE.match(text, end).end()
                    separator = text[position : position + 1]
                    position = _WHITESPACE.match(text, position + 1).end()
                    if separator == "]":
                        break
                    if separator != ",":
                        raise ValueError(f"expected ',' or ']' at character {position}")
            if text[position:].strip():
                raise ValueError("extra data after the JSON list")
    except ValueError as error:
        if isinstance(error, MalformedDelivery):
            raise
        raise MalformedDelivery(f"the body is not valid JSON: {error}") from error
    except RecursionError as error:
        # deeper than Python's decoder goes: no CRM sends that
        raise MalformedDelivery("the body is not valid JSON: nested too deeply") from error
    if not pairs or (text[start : start + 1] != "[" and not isinstance(pairs[0][0], dict)):
        raise MalformedDelivery("the body must be a JSON object or a non-empty list of objects")
    return pairs


def load_raw_item(raw):
    """The item of a raw JSON text kept by a rejected event."""
    try:
        return json.loads(raw)
    except ValueError as error:
        raise MalformedDelivery(f"the item is not valid JSON: {error}") from error
    except RecursionError as error:
        raise MalformedDelivery("the item is not valid JSON: nested too deeply") from error


def read_time(value, name):
    """``transforms.parse_datetime(value)``; a time that cannot be read is malformed.

    ``name`` says what was read (a field name), in the reason.
    """
    try:
        return transforms.parse_datetime(value)
    except ValueError as error:
        raise MalformedDelivery(f"{name}: {error}") from error


def read_item(index, item, raw, parse_item, rejected_item, code):
    """The inbox items of one item of a delivery, a malformed item rejected rather than raised.

    ``parse_item(item, raw)`` is the provider's parser and ``rejected_item(item,
    raw, reason)`` builds the rejected item of ``item``; ``index`` is the item's
    position in the delivery (kept on rejected items, for the answer) and
    ``code`` the provider's, for the log.
    """
    try:
        if not isinstance(item, dict):
            raise MalformedDelivery("the item is not a JSON object")
        items = parse_item(item, raw)
    except MalformedDelivery as error:
        items = [rejected_item(item, raw, str(error))]
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
        # a shape the parser did not expect (a list where it reads a
        # text...): that item is kept, to be read again by a fixed parser,
        # rather than the whole delivery failing
        _logger.debug("Unexpected item of a %s delivery", code, exc_info=True)
        reason = f"the item cannot be read: {type(error).__name__}: {error}"
        items = [rejected_item(item, raw, reason)]
    for parsed in items:
        if parsed.rejection:
            parsed.index = index
    return items


def rejected(key, raw, reason):
    """The rejected inbox item keyed ``key``: its raw text kept, refused for ``reason``."""
    return InboxItem(
        idempotency_key=f"rejected:{key}",
        object_kind=None,
        external_id=None,
        action=None,
        payload=raw,
        rejection=reason,
    )


def rejected_text(raw, reason):
    """A rejected item of a raw text that cannot be read as an item at all."""
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return rejected(digest, raw, reason)
