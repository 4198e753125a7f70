# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot: signed batches of thin webhook events, full records read from CRM v3.

Events only say *what* changed (``delivery``); the processing reads the
current record through the REST API (``client``, ``query``), in batches, so
that several events of one record cost one read, and turns it into a
remote record (``records``); an event about a line item, the deals it
belongs to (``LinesOf``).
"""

from ...exceptions import ExternalCrmError, ExternalCrmTransientError
from .. import credentials, reading
from ..items import LinesOf
from ..maps import external_field_parts
from ..provider import DEAL_STATUS, IMPORT, LINES, PULL, WRITE_BACK, Provider, register
from . import delivery, lines, maps, query
from .client import HubSpotClient
from .records import record_from_object


@register
class HubSpotProvider(Provider):
    code = "hubspot"
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK, LINES, DEAL_STATUS))
    default_api_url = "https://api.hubapi.com"
    api_hosts = HubSpotClient.HOSTS
    field_maps = maps.FIELD_MAPS
    stage_values = maps.STAGE_VALUES

    def _client(self):
        backend = self.backend
        return credentials.token_client(
            backend,
            HubSpotClient,
            self.default_api_url,
            backend.env._("The backend %(name)s has no HubSpot access token.", name=backend.name),
        )

    # -- inbound -----------------------------------------------------------
    def authenticate(self, secret, request, body, now):
        return delivery.authenticate(
            secret, request, body, now, self.backend.hubspot_legacy_signatures
        )

    def parse_item(self, item, raw):
        return delivery.parse_item(item, raw, self.webhook_setting("written_properties", ()))

    def rejected_key(self, item, raw):
        if isinstance(item, dict):
            item = delivery.without_attempt(item)
        return super().rejected_key(item, raw)

    # -- processing --------------------------------------------------------
    def properties(self, kind):
        """HubSpot properties to read for ``kind``: those of the field map."""
        return query.properties(kind, external_field_parts(self.backend, kind))

    def fetch(self, events):
        line_events = [event for event in events if event.action == "lines"]
        if line_events and self.backend.order_creation:
            records = self._deals_of_line_items(line_events)
        else:  # nothing follows line items: nothing to read
            records = {event.id: LinesOf() for event in line_events}
        events = [event for event in events if event.action != "lines"]
        found, to_read = reading.split_events(events, record_from_object)
        records.update(found)
        links = {}

        def read(client, kind, ids):
            found, links[kind] = query.read_ids(client, kind, ids, self.properties(kind))
            return found

        return self._read_events(
            records,
            to_read,
            read,
            lambda kind, item: record_from_object(kind, item, links[kind]),
        )

    def _deals_of_line_items(self, events):
        """``{event id: LinesOf}`` of line item events: their deals, by v4 associations.

        An error of the API is every event's (as ``reading.read_events`` does).
        """
        try:
            deals = self._client().read_associations(
                "line_item", "deal", sorted({event.external_id for event in events})
            )
        except (ExternalCrmTransientError, ExternalCrmError) as error:
            return dict.fromkeys((event.id for event in events), error)
        return {event.id: LinesOf(deals.get(event.external_id, [])) for event in events}

    def merged_ids(self, event):
        return delivery.merged_ids(event.payload, event.external_id)

    def dependency_item(self, kind, external_id):
        return reading.dependency_item(kind, external_id, "objectId")

    # -- capabilities ------------------------------------------------------
    def import_page(self, kind, after, limit=100):
        return query.import_page(self._client(), kind, self.properties(kind), after, limit)

    def import_total(self, kind):
        return self._client().count(kind)

    def changed_page(self, kind, since, after, limit=100):
        return query.changed_page(self._client(), kind, self.properties(kind), since, after, limit)

    def write_company_properties(self, updates):
        # an empty text clears a HubSpot property
        return self._client().batch_update("company", updates)

    def write_deal_status(self, updates):
        return self._client().batch_update("deal", updates)

    def read_deal_lines(self, deal_ids):
        """Line items by v4 associations and v3 batch reads, 100 deals a batch (``lines``)."""
        return self._read_lines(deal_ids, lines)
