# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM: notification-channel deliveries, records read through REST API v6.

A delivery names the records that changed (``delivery``); the processing
reads the current records through the REST API (``client``, ``query``), 100
ids per call, with the OAuth tokens the backend keeps (``credentials``,
``oauth``). The connector subscribes the notification channel itself
(``SUBSCRIPTION``) and renews it before it expires.
"""

from .. import reading, transforms
from ..maps import external_field_parts
from ..provider import (
    DEAL_STATUS,
    IMPORT,
    LINES,
    PULL,
    SUBSCRIPTION,
    WRITE_BACK,
    Provider,
    null_cleared,
    register,
)
from . import delivery, lines, maps, query, records
from .credentials import api_client
from .data_centres import API_HOSTS, API_URLS

WATCH_EVENTS = ("Accounts.all", "Contacts.all", "Deals.all")


@register
class ZohoProvider(Provider):
    code = "zoho"
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK, SUBSCRIPTION, LINES, DEAL_STATUS))
    default_api_url = API_URLS["com"]
    api_hosts = API_HOSTS
    # Zoho sends one object per delivery; a list is accepted for scripts
    max_items = 100
    field_maps = maps.FIELD_MAPS
    stage_values = maps.STAGE_VALUES

    def __init__(self, backend):
        super().__init__(backend)
        self._dotted = {}

    def _client(self):
        return api_client(self.backend)

    # -- inbound -----------------------------------------------------------
    def authenticate(self, secret, request, body, now):
        return delivery.authenticate(secret, body, self.max_items)

    def parse_item(self, item, raw):
        echoed = frozenset(self.webhook_setting("written_properties", ()))
        return delivery.parse_item(item, raw, echoed)

    def rejected_item(self, item, raw, reason):
        # the raw text would hold the channel token: the item is kept without it
        return delivery.rejected_item(item, raw, reason)

    # -- processing --------------------------------------------------------
    def fields(self, kind):
        """Zoho fields to read for ``kind``: those of the field map."""
        return query.fields(kind, external_field_parts(self.backend, kind))

    def _dotted_names(self, kind):
        """Map names of a lookup's attribute (``Account_Name.id``), per kind."""
        if kind not in self._dotted:
            self._dotted[kind] = query.dotted_names(kind, external_field_parts(self.backend, kind))
        return self._dotted[kind]

    def record_from_object(self, kind, item):
        """A ``RemoteRecord`` from a Zoho record; lookups give ``Field.id``."""
        return records.record_from_object(kind, item, self._dotted_names(kind))

    def fetch(self, events):
        found, to_read = reading.split_events(events, self.record_from_object)
        return self._read_events(
            found,
            to_read,
            lambda client, kind, ids: client.read_records(kind, ids, self.fields(kind)),
            self.record_from_object,
        )

    def dependency_item(self, kind, external_id):
        return reading.dependency_item(kind, external_id)

    def snapshot_payload(self, record):
        return records.snapshot_payload(record)

    # -- capabilities ------------------------------------------------------
    def import_page(self, kind, after, limit=100):
        return query.list_records(
            self._client(), kind, self.fields(kind), self._dotted_names(kind), after, limit
        )

    def import_total(self, kind):
        return self._client().count(kind)

    def changed_page(self, kind, since, after, limit=100):
        return query.list_records(
            self._client(), kind, self.fields(kind), self._dotted_names(kind), after, limit, since
        )

    def write_company_properties(self, updates):
        """Write the figures to fields of the Accounts (API names)."""
        values = {account_id: null_cleared(names) for account_id, names in updates.items()}
        return self._client().update_records("company", values)

    def write_deal_status(self, updates):
        """Write the status to fields of the Deals (API names)."""
        values = {deal_id: null_cleared(names) for deal_id, names in updates.items()}
        return self._client().update_records("deal", values)

    def watch(self, channel_id, notify_url, token, expiry, renew=False):
        """Subscribe or extend the channel; return the expiry Zoho confirmed."""
        expiries = self._client().watch(
            channel_id, WATCH_EVENTS, notify_url, token, expiry, renew=renew
        )
        confirmed = [transforms.parse_datetime(value) for value in expiries]
        confirmed = [moment for moment in confirmed if moment]
        return min(confirmed) if confirmed else expiry.replace(microsecond=0)

    def read_deal_lines(self, deal_ids):
        """The line items of the deals' accepted quotes, 50 deals per query (see ``lines``)."""
        return self._read_lines(deal_ids, lines)
