# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Generic JSON door for Zapier, Make, n8n and scripts.

The items carry the full record (``delivery``), so nothing is fetched: the
stored item is the record (``records``). No API to read from; the status of
the deals' orders goes out as signed webhooks (``outbound``).
"""

from ...exceptions import ExternalCrmError, ExternalCrmTransientError
from ..provider import DEAL_STATUS, Provider, register
from . import delivery, maps, outbound, records


@register
class GenericProvider(Provider):
    code = "generic"
    field_maps = maps.FIELD_MAPS
    stage_values = maps.STAGE_VALUES
    capabilities = frozenset((DEAL_STATUS,))

    def __init__(self, backend):
        super().__init__(backend)
        # the outbound deliveries attempted (``outbound.Attempt``), for the log
        self.attempts = []

    def authenticate(self, secret, request, body, now):
        return delivery.authenticate(secret, request, body, now, self.backend.generic_auth)

    def parse_item(self, item, raw):
        return delivery.parse_item(item, raw)

    def fetch(self, events):
        return {event.id: records.stored_record(event) for event in events}

    def merged_ids(self, event):
        return records.merged_ids(event.payload)

    def write_deal_status(self, updates):
        """Post the status to the backend's outbound URL, 100 deals a delivery.

        A delivery the receiver refuses (4xx) refuses its deals; one without
        an answer, or answered 408, 429 or 5xx, makes the whole write try
        again later (the deliveries already made are sent again with their
        ``X-Delivery-Id``, which a receiver recognises).
        """
        # sudo: the URL and the signing secret are administrators' settings;
        # they are used to sign and send, never shown
        backend = self.backend.sudo()
        if not backend.outbound_url or not backend.webhook_secret:
            raise ExternalCrmError(
                backend.env._(
                    "The backend %(name)s needs an outbound URL and a signing secret to "
                    "send the status of its deals.",
                    name=backend.name,
                )
            )
        destinations = self.backend._destinations()
        timeout = backend.api_timeout or 30
        refused = {}
        for delivery_id, body, deal_ids in outbound.deliveries(updates):
            attempt = outbound.post(
                backend.outbound_url,
                backend.webhook_secret,
                delivery_id,
                body,
                deal_ids,
                destinations,
                timeout=timeout,
            )
            self.attempts.append(attempt)
            if attempt.transient:
                raise ExternalCrmTransientError(attempt.error, retry_after=attempt.retry_after)
            if attempt.error:
                refused.update(dict.fromkeys(deal_ids, attempt.error))
        return refused
