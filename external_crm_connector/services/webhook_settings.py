# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the webhook needs of a backend, without the ORM: it is cached per worker."""

import hashlib
from collections import namedtuple

DEFAULT_MAX_PAYLOAD = 1024 * 1024
# no body above this size is even read, whatever a backend allows
MAX_PAYLOAD_LIMIT = 64 * 1024 * 1024

WebhookSettings = namedtuple(
    "WebhookSettings",
    "id token secret provider max_payload_size integration_user_id company_id "
    "generic_auth hubspot_legacy_signatures extra",
)


def token_hash(token):
    """Hash under which a webhook token is looked up (the token itself is not indexed)."""
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()
