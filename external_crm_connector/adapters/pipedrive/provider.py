# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive: webhooks v2 and v1 with HTTP Basic authentication, API v2 pulls.

A notification carries the record itself (``delivery``): it is applied from
the inbox, normalised (``records``); only the records it does not carry (a
dependency, the survivor of a merge) are read through the API (``client``),
which also pages the pulls with its cursors.
"""

import json

from ...exceptions import ExternalCrmApiError
from .. import credentials, reading
from ..items import RemoteRecord
from ..provider import (
    DEAL_STATUS,
    IMPORT,
    LINES,
    PULL,
    WRITE_BACK,
    Provider,
    null_cleared,
    register,
)
from . import delivery, lines, maps, records
from .client import PipedriveClient


@register
class PipedriveProvider(Provider):
    code = "pipedrive"
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK, LINES, DEAL_STATUS))
    default_api_url = "https://api.pipedrive.com"
    api_hosts = PipedriveClient.HOSTS
    field_maps = maps.FIELD_MAPS
    stage_values = maps.STAGE_VALUES

    @classmethod
    def webhook_extra(cls, backend):
        # the Basic user: every change of a backend clears the cached
        # settings, so a new user applies at the next delivery
        return {"pipedrive_webhook_user": backend.pipedrive_webhook_user or ""}

    def _client(self):
        backend = self.backend
        return credentials.token_client(
            backend,
            PipedriveClient,
            self.default_api_url,
            backend.env._("The backend %(name)s has no Pipedrive API token.", name=backend.name),
        )

    def _has_token(self):
        # sudo: only whether a token is set is read
        return bool(self.backend.sudo().api_token)

    # -- inbound -----------------------------------------------------------
    def authenticate(self, secret, request, body, now):
        """HTTP Basic: the backend's user (cached with the settings) and webhook secret."""
        expected_user = self.webhook_setting("pipedrive_webhook_user") or ""
        return delivery.authenticate(secret, request, expected_user)

    def parse_item(self, item, raw):
        echoed = frozenset(self.webhook_setting("written_properties", ()))
        return delivery.parse_item(item, raw, echoed)

    def rejected_key(self, item, raw):
        # without what Pipedrive changes at each retry, as the idempotency key
        return super().rejected_key(delivery.without_retry(item), raw)

    # -- processing --------------------------------------------------------
    def record(self, kind, raw, external_id=None):
        """A ``RemoteRecord`` from a Pipedrive record (webhook, API or snapshot)."""
        return records.record(kind, raw, self.backend.pipedrive_vat_field or None, external_id)

    def _stored_record(self, event):
        """The record an event's payload gives, or None when the API must read it."""
        kind = event.object_kind
        try:
            payload = json.loads(event.payload or "{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        snapshot = payload.get("snapshot")
        if isinstance(snapshot, dict):
            # initial import or catch-up: the page already held the record
            return self.record(
                kind, snapshot.get("data") or {}, snapshot.get("id") or event.external_id
            )
        if payload.get("dependency"):
            return None
        if event.action == "delete":
            return RemoteRecord(kind=kind, external_id=event.external_id, missing=True)
        data = delivery.survivor_data(payload)
        if data is not None:
            return self.record(kind, data, event.external_id)
        if event.action == "merge" and not self._has_token():
            # the survivor cannot be read: its bindings are merged, nothing
            # else is written (its own change notification carries its data)
            return RemoteRecord(kind=kind, external_id=event.external_id, missing=True)
        return None

    def fetch(self, events):
        found = {}
        to_read = {}
        for event in events:
            if not event.object_kind:
                continue  # not an organization, person or deal: nothing to read
            record = self._stored_record(event)
            if record is None:
                to_read.setdefault(event.object_kind, []).append(event)
            else:
                found[event.id] = record
        return self._read_events(
            found,
            to_read,
            lambda client, kind, ids: client.read_ids(kind, ids),
            self.record,
        )

    def merged_ids(self, event):
        return delivery.merged_ids(event.payload)

    def dependency_item(self, kind, external_id):
        if not self._has_token():
            return None  # nothing could read it: linked when it is notified
        return reading.dependency_item(kind, external_id)

    def snapshot_payload(self, record):
        return records.snapshot_payload(record)

    # -- capabilities ------------------------------------------------------
    def import_page(self, kind, after, limit=100):
        """One page of all ``kind`` records by id: ``([RemoteRecord], next cursor)``."""
        items, next_cursor = self._client().list_page(kind, cursor=after, limit=limit)
        return [self.record(kind, item) for item in items], next_cursor

    def import_total(self, kind):
        """Pipedrive's v2 lists give no totals: unknown (0), progress counts pages."""
        return 0

    def changed_page(self, kind, since, after, limit=100):
        """``after`` is the cursor of the previous page of the same ``since``.

        Pipedrive's cursors belong to one query.
        """
        items, next_cursor = self._client().list_page(
            kind, cursor=after, limit=limit, updated_since=since
        )
        return [self.record(kind, item) for item in items], next_cursor

    def write_company_properties(self, updates):
        """Write the figures to custom fields (their keys) of the organizations."""
        return self._update_each("company", updates, "no such organization")

    def write_deal_status(self, updates):
        """Write the status to custom fields (their keys) of the deals."""
        return self._update_each("deal", updates, "no such deal")

    def _update_each(self, kind, updates, missing):
        """Pipedrive's API has no batch update: one call per record, the
        client waiting as its rate limit says. ``{id: reason}`` of the refused."""
        client = self._client()
        refused = {}
        for record_id, values in sorted(updates.items()):
            try:
                if not client.update_custom_fields(kind, record_id, null_cleared(values)):
                    refused[record_id] = missing
            except ExternalCrmApiError as error:
                refused[record_id] = str(error)
        return refused

    def read_deal_lines(self, deal_ids):
        """Deal products of API v2, 100 deals per call, with their codes (see ``lines``)."""
        return self._read_lines(deal_ids, lines)
