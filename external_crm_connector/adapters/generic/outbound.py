# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed outbound webhooks of the generic door: deals' status for Zapier, Make, n8n.

The generic door has no API to write to: the status of the deals' orders,
invoices and payments is posted to a URL of the backend, signed as the
inbound door's deliveries are, so that a receiver checks it the same way::

    X-Signature-Timestamp: <Unix time of sending>
    X-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">
    X-Delivery-Id: <the same for every attempt of one delivery>

    {"event": "deal.status", "delivery_id": "...", "items": [
        {"object": "deal", "id": "<the deal's id>", "status": {"odoo_order": "S00042", ...}}]}

A delivery that gets no 2xx answer is sent again, whole, with the same
``X-Delivery-Id`` (at least once: a receiver that has seen the id ignores
the repeat). Plain Python, no Odoo: the backend logs each attempt
(``external.crm.outbound.delivery``).
"""

import time
from dataclasses import dataclass, field

import requests

from ..client import REFUSED_URL_ERRORS, RestClient
from ..delivery import body_hash, canonical_json
from ..destinations import DestinationRefused, scrub
from ..signatures import generic_signature

# deals per delivery: a receiver (a Zapier step) reads one body at once
DELIVERY_SIZE = 100
# answers worth sending again later: the receiver is busy or down
TRANSIENT_STATUSES = (408, 425, 429, 500, 502, 503, 504)
# how much of a refusing answer the log keeps
ANSWER_EXCERPT = 300


@dataclass
class Attempt:
    """One POST of one delivery, as the delivery log keeps it."""

    delivery_id: str
    deal_ids: list
    status_code: int = 0  # 0: no answer (timeout, connection refused, URL refused)
    error: str = ""
    transient: bool = False
    retry_after: float | None = None
    duration_ms: int = 0
    sent_at: float = field(default_factory=time.time)

    @property
    def delivered(self):
        return not self.error


def deliveries(updates, size=DELIVERY_SIZE):
    """``[(delivery id, body text, deal ids)]`` of ``{deal id: {property: value}}``.

    The id is the hash of the delivery's items: the retry of a delivery
    carries the same id, a changed status a new one.
    """
    items = [
        {"object": "deal", "id": deal_id, "status": values}
        for deal_id, values in sorted(updates.items())
    ]
    result = []
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        delivery_id = body_hash(chunk)[:32]
        body = canonical_json({"event": "deal.status", "delivery_id": delivery_id, "items": chunk})
        result.append((delivery_id, body, [item["id"] for item in chunk]))
    return result


def post(url, secret, delivery_id, body, deal_ids, destinations, timeout=30, session=None):
    """Send one delivery to ``url``, signed with ``secret``: its ``Attempt``.

    Never raises for what the receiver answers: a timeout, a refused
    connection, 408, 429 and 5xx are transient (try again later), any other
    non-2xx answer is a refusal. ``destinations`` (``Destinations``) must
    allow ``url``.
    """
    attempt = Attempt(delivery_id, list(deal_ids))
    try:
        destinations.check(url, None, "the outbound URL of the backend")
    except DestinationRefused as error:
        attempt.error = str(error)
        return attempt
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "odoo-external-crm-connector",
        "X-Delivery-Id": delivery_id,
        "X-Signature-Timestamp": timestamp,
        "X-Signature": generic_signature(secret, timestamp, body),
    }
    started = time.perf_counter()
    try:
        response = (session or requests).post(
            url, data=body.encode(), headers=headers, timeout=timeout, allow_redirects=False
        )
    except REFUSED_URL_ERRORS as error:
        attempt.error = scrub(f"the outbound URL cannot be called: {error}", [secret])
    except requests.RequestException as error:
        attempt.error = scrub(f"no answer: {type(error).__name__}", [secret])
        attempt.transient = True
    else:
        attempt.status_code = response.status_code
        if not 200 <= response.status_code < 300:
            excerpt = scrub((response.text or "")[:ANSWER_EXCERPT], [secret])
            attempt.error = f"HTTP {response.status_code}: {excerpt}".strip()
            attempt.transient = response.status_code in TRANSIENT_STATUSES
            attempt.retry_after = RestClient._retry_after(response)
    attempt.duration_ms = int((time.perf_counter() - started) * 1000)
    return attempt
