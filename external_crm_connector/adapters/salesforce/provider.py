# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce: Outbound Messages (SOAP) in, REST API and SOQL for the rest.

An Outbound Message is not signed (``delivery``): it is a notice of which
record changed. The record is read through the authenticated REST API with
SOQL (``query``, ``client``), in batches, before anything is applied, and a
deletion is confirmed there (``queryAll``) before anything is archived; a
backend without API credentials (``credentials``) keeps the notices and says
it cannot apply them. Pulls run SOQL ordered by ``LastModifiedDate, Id``.
"""

from datetime import datetime

from ...exceptions import ExternalCrmError
from .. import reading, transforms
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
from .client import INSTANCE_HOSTS
from .credentials import api_client
from .ids import SOBJECTS
from .query import SoqlReader


@register
class SalesforceProvider(Provider):
    code = "salesforce"
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK, LINES, DEAL_STATUS))
    default_api_url = False  # the instance URL comes with the access token
    api_hosts = INSTANCE_HOSTS
    # Salesforce sends at most 100 notifications in one message
    max_items = 100
    # notices carry no secret: a deletion is read with queryAll first
    confirms_deletions = True
    field_maps = maps.FIELD_MAPS
    stage_values = maps.STAGE_VALUES

    @classmethod
    def webhook_extra(cls, backend):
        return {
            "salesforce_organization_id": backend.salesforce_organization_id or None,
            "salesforce_user_id": backend.salesforce_user_id or None,
        }

    def __init__(self, backend):
        super().__init__(backend)
        self.soql = SoqlReader(backend)
        # (body, notifications element) of the last body read: the webhook
        # checks and parses the same message, read once
        self._message = (None, None)

    def _client(self):
        return api_client(self.backend)

    # -- inbound -----------------------------------------------------------
    def _notifications(self, body):
        """``delivery.notifications_element(body)``, parsed once per body."""
        if self._message[0] is not body:
            self._message = (body, delivery.notifications_element(body))
        return self._message[1]

    def authenticate(self, secret, request, body, now):
        """Outbound Messages are not signed: the organization id must be ours.

        The webhook URL's token (256 random bits) proves the sender was given
        the URL; the ``OrganizationId`` of the notifications, the one that is
        stored, must be the backend's organization. Neither is a secret
        Salesforce signs with: what the message says is never applied as it
        is (see the module). A body that is not well-formed XML raises
        ``MalformedDelivery`` (400); a document that is not an Outbound
        Message, or of another organization, is not authentic (401).
        """
        expected = self.webhook_setting("salesforce_organization_id") or None
        if not secret or not expected:
            return False
        return delivery.of_organization(self._notifications(body), expected)

    def split_delivery(self, body):
        # the body was read once, by ``authenticate``
        return delivery.split_message(self._notifications(body), self.max_items)

    def load_raw_item(self, raw):
        return delivery.load_raw_item(raw)

    def parse_item(self, item, raw):
        connector_user = self.webhook_setting("salesforce_user_id")
        return [
            delivery.notification_item(
                item["notification"], item["organization"], item["action_id"], connector_user
            )
        ]

    def rejected_key(self, item, raw):
        return delivery.rejected_key(raw)

    def acknowledgement(self, accepted, duplicates, rejected=()):
        # without this exact answer, Salesforce sends the message again and
        # again for 24 hours; repeats are acknowledged the same way, and so are
        # messages whose notifications were rejected (they wait in the inbox)
        return 200, "text/xml; charset=utf-8", delivery.ACKNOWLEDGEMENT

    # -- processing --------------------------------------------------------
    def fetch(self, events):
        """Read the records of the notices through the API (see the module).

        Pulled records were read by the API already (their snapshot is
        applied); a deletion is read with ``queryAll``, to confirm it.
        """
        found = {}
        to_read = {}
        to_confirm = {}
        for event in events:
            kind = event.object_kind
            if not kind:
                continue  # another sObject type: nothing to read
            snapshot = records.stored_snapshot(event)
            if snapshot is not None and event.action != "merge":
                # a pull: the page already held the full record
                found[event.id] = records.record_from_snapshot(kind, snapshot)
                continue
            wanted = to_confirm if event.action == "delete" else to_read
            wanted.setdefault(kind, []).append(event)
        self._read_events(found, to_read, self.soql.read_ids, records.record_from_rest)
        return self._read_events(
            found,
            to_confirm,
            lambda client, kind, ids: self.soql.read_ids(client, kind, ids, include_deleted=True),
            records.record_from_rest,
        )

    def dependency_item(self, kind, external_id):
        return reading.dependency_item(kind, external_id, "Id")

    def merged_ids(self, event):
        """The record merged away, whose deletion a pull read (see ``pulled_action``)."""
        snapshot = records.stored_snapshot(event)
        if event.action != "merge" or snapshot is None:
            return []
        merged = snapshot.get("Id")
        return [merged] if merged and merged != event.external_id else []

    def snapshot_payload(self, record):
        return records.snapshot_payload(record)

    def record_from_snapshot(self, kind, snapshot):
        return records.record_from_snapshot(kind, snapshot)

    def pulled_action(self, record):
        """A record deleted by a merge is a merge into the surviving record.

        The bindings follow the survivor (read through the API), and no
        customer is archived.
        """
        survivor = records.merge_survivor(record)
        if survivor:
            return "merge", survivor
        return super().pulled_action(record)

    # -- capabilities ------------------------------------------------------
    def import_page(self, kind, after, limit=100):
        """One page of all ``kind`` records: ``([RemoteRecord], next cursor)``."""
        return self.soql.page(self._client(), kind, None, after, limit, include_deleted=False)

    def import_total(self, kind):
        return self._client().count(SOBJECTS[kind])

    def changed_page(self, kind, since, after, limit=100):
        """Read with ``queryAll``: records deleted since ``since`` come as ``missing`` ones."""
        if isinstance(since, str):
            since = transforms.parse_datetime(since)
        if since is not None and not isinstance(since, datetime):
            raise ExternalCrmError(f"{since!r} is not a date and time")
        return self.soql.page(self._client(), kind, since, after, limit, include_deleted=True)

    def write_company_properties(self, updates):
        """Write the figures to fields of the Accounts (custom fields, ``..__c``)."""
        values = {account_id: null_cleared(names) for account_id, names in updates.items()}
        return self._client().update_records(SOBJECTS["company"], values)

    def write_deal_status(self, updates):
        """Write the status to fields of the Opportunities (custom fields, ``..__c``)."""
        values = {deal_id: null_cleared(names) for deal_id, names in updates.items()}
        return self._client().update_records(SOBJECTS["deal"], values)

    def read_deal_lines(self, deal_ids):
        """OpportunityLineItem records, 200 opportunities per query (see ``lines``)."""
        return self._read_lines(deal_ids, lines)
