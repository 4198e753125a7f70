# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Generic JSON door for Zapier, Make, n8n and scripts.

The items carry the full record (``delivery``), so nothing is fetched: the
stored item is the record (``records``). No API, no capability.
"""

from ..provider import Provider, register
from . import delivery, maps, records


@register
class GenericProvider(Provider):
    code = "generic"
    field_maps = maps.FIELD_MAPS
    stage_values = maps.STAGE_VALUES

    def authenticate(self, secret, request, body, now):
        return delivery.authenticate(secret, request, body, now, self.backend.generic_auth)

    def parse_item(self, item, raw):
        return delivery.parse_item(item, raw)

    def fetch(self, events):
        return {event.id: records.stored_record(event) for event in events}

    def merged_ids(self, event):
        return records.merged_ids(event.payload)
