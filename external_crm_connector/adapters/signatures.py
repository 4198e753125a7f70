# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhook signatures, computed exactly as each sender documents them.

Pure functions without Odoo, so that they can be checked against the
published test vectors. Every comparison is made in constant time, and a
signature that carries a timestamp is refused outside a five-minute window.
"""

import base64
import hashlib
import hmac
import re

# HubSpot and the generic door both refuse deliveries older than five minutes
MAX_AGE_SECONDS = 5 * 60

# HubSpot signs the URI after decoding these characters (request validation v3)
_HUBSPOT_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_HUBSPOT_DECODE_RE = re.compile("|".join(_HUBSPOT_DECODED), re.IGNORECASE)


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    return (value or "").encode("utf-8", "surrogateescape")


def constant_time_equal(expected, received):
    """Compare two signatures without leaking where they differ."""
    return hmac.compare_digest(_as_bytes(expected), _as_bytes(received))


def hubspot_uri(uri):
    """The URI as HubSpot signs it: a few URL-encoded characters decoded."""
    return _HUBSPOT_DECODE_RE.sub(lambda match: _HUBSPOT_DECODED[match.group(0).upper()], uri)


def hubspot_v1_signature(secret, body):
    """v1: hex SHA-256 of the app secret followed by the body."""
    return hashlib.sha256(_as_bytes(secret) + _as_bytes(body)).hexdigest()


def hubspot_v2_signature(secret, method, uri, body):
    """v2: hex SHA-256 of secret + method + URI + body."""
    return hashlib.sha256(
        _as_bytes(secret) + _as_bytes(method) + _as_bytes(uri) + _as_bytes(body)
    ).hexdigest()


def hubspot_v3_signature(secret, method, uri, body, timestamp):
    """v3: base64 HMAC-SHA256 (key: secret) of method + URI + body + timestamp."""
    message = _as_bytes(method) + _as_bytes(hubspot_uri(uri)) + _as_bytes(body)
    message += _as_bytes(str(timestamp))
    digest = hmac.new(_as_bytes(secret), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_hubspot(secret, headers, method, uri, body, now, allow_legacy=False):
    """Return True when ``headers`` carry a valid HubSpot signature.

    ``now`` is the current time in seconds. v3 is always accepted (when fresh);
    v1 and v2, which carry no timestamp, only when ``allow_legacy``.
    """
    signature_v3 = headers.get("X-HubSpot-Signature-v3")
    if signature_v3:
        timestamp = (headers.get("X-HubSpot-Request-Timestamp") or "").strip()
        fresh = timestamp.isdigit() and abs(now * 1000 - int(timestamp)) <= MAX_AGE_SECONDS * 1000
        # the HMAC is computed even when stale: same work, same timing
        expected = hubspot_v3_signature(secret, method, uri, body, timestamp)
        return constant_time_equal(expected, signature_v3.strip()) and fresh
    signature = headers.get("X-HubSpot-Signature")
    if not signature or not allow_legacy:
        return False
    version = (headers.get("X-HubSpot-Signature-Version") or "v1").lower()
    if version == "v2":
        expected = hubspot_v2_signature(secret, method, uri, body)
    elif version == "v1":
        expected = hubspot_v1_signature(secret, body)
    else:
        return False
    return constant_time_equal(expected, signature.lower())


def generic_signature(secret, timestamp, body):
    """``sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">``."""
    message = _as_bytes(str(timestamp)) + b"." + _as_bytes(body)
    return "sha256=" + hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def verify_generic_hmac(secret, headers, body, now):
    """Check ``X-Signature`` over the body and a fresh ``X-Signature-Timestamp``."""
    timestamp = (headers.get("X-Signature-Timestamp") or "").strip()
    signature = (headers.get("X-Signature") or "").strip()
    valid_time = timestamp.isdigit() and abs(now - int(timestamp)) <= MAX_AGE_SECONDS
    # the HMAC is computed even for a stale timestamp: same work, same timing
    expected = generic_signature(secret, timestamp, body)
    return constant_time_equal(expected, signature.lower()) and valid_time


def verify_bearer(secret, headers):
    """Check ``Authorization: Bearer <secret>``, for senders that cannot sign."""
    scheme, _sep, token = (headers.get("Authorization") or "").strip().partition(" ")
    matches = constant_time_equal(
        hashlib.sha256(_as_bytes(secret)).digest(),
        hashlib.sha256(_as_bytes(token.strip())).digest(),
    )
    return matches and scheme.lower() == "bearer"
