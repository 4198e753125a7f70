# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Errors of the connector, split by what the inbox does with them."""


class ExternalCrmError(Exception):
    """A permanent problem with one event: it fails, with this message."""


class ExternalCrmApiError(ExternalCrmError):
    """The external CRM refused a call (4xx other than 429): retrying won't help."""


class ExternalCrmTransientError(Exception):
    """A temporary problem (429, 5xx, network, a lock held elsewhere).

    The event stays in the inbox and is tried again later, after
    ``retry_after`` seconds when the other side said how long to wait.
    """

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class MalformedDelivery(ValueError):
    """The body of a delivery cannot be read: answered with HTTP 400."""
