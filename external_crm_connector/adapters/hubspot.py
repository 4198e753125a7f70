# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot: signed batches of thin webhook events, full records read from CRM v3.

A delivery is a JSON list of up to 100 events (creation, propertyChange,
deletion, merge, associationChange, restore) for contacts, companies and
deals. Events only say *what* changed; the processing reads the current
record through the REST API, in batches, so that several events of one
record cost one read.
"""

import json
from datetime import UTC

from ..exceptions import MalformedDelivery
from . import credentials, reading, signatures, transforms
from .client import HubSpotClient
from .provider import (
    IMPORT,
    PULL,
    WRITE_BACK,
    InboxItem,
    Provider,
    RemoteRecord,
    body_hash,
    map_lines,
    register,
)

OBJECT_KINDS = {"contact": "contact", "company": "company", "deal": "deal"}
ACTIONS = {
    "creation": "upsert",
    "propertyChange": "upsert",
    "restore": "upsert",
    "deletion": "delete",
    "privacyDeletion": "delete",
    "merge": "merge",
    "associationChange": "association",
}
# pseudo-property holding the company a deal is associated with
DEAL_COMPANY = "associations.companies"


def is_object_id(value):
    """True for a HubSpot object id as JSON carries it: a number or a non-empty text."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and bool(value.strip()))


@register
class HubSpotProvider(Provider):
    code = "hubspot"
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK))
    default_api_url = "https://api.hubapi.com"
    api_hosts = HubSpotClient.HOSTS

    def authenticate(self, secret, request, body, now):
        return signatures.verify_hubspot(
            secret,
            request.headers,
            request.method,
            request.url,
            body,
            now,
            allow_legacy=self.backend.hubspot_legacy_signatures,
        )

    @staticmethod
    def _association_side(item):
        """The (kind, id) of the record holding the link an association changed."""
        association = item.get("associationType")
        kinds = (association if isinstance(association, str) else "").lower().split("_to_")
        if len(kinds) != 2:
            return None, None
        # "CONTACT_TO_COMPANY_UNLABELED" and the like: the object type is the first word
        kinds = [side.split("_")[0] for side in kinds]
        sides = dict(zip(kinds, (item.get("fromObjectId"), item.get("toObjectId")), strict=True))
        for holder, other in (("contact", "company"), ("deal", "company")):
            if holder in sides and other in sides:
                return holder, sides[holder]
        return OBJECT_KINDS.get(kinds[0]), sides[kinds[0]]

    def parse_item(self, item, raw):
        subscription = item.get("subscriptionType")
        if not isinstance(subscription, str) or "." not in subscription:
            raise MalformedDelivery("'subscriptionType' is missing")
        # properties the connector writes itself (financial write-back): their
        # change events echo our own writes, and are stored but not processed
        echoed = self.webhook_setting("written_properties", ())
        object_type, _dot, change = subscription.partition(".")
        kind = OBJECT_KINDS.get(object_type)
        action = ACTIONS.get(change)
        object_id = item.get("objectId")
        if action == "association":
            kind, object_id = self._association_side(item)
        elif action == "merge":
            object_id = item.get("primaryObjectId") or object_id
            merged = item.get("mergedObjectIds")
            # read again at each processing: a value not a list of ids would
            # fail every job of the inbox, or be read one character at a time
            if not isinstance(merged, list) or not all(map(is_object_id, merged)):
                raise MalformedDelivery("'mergedObjectIds' must be a list of object ids")
        elif change == "propertyChange" and item.get("propertyName") in echoed:
            action = "echo"
        if object_id in (None, "") or isinstance(object_id, bool | dict | list):
            raise MalformedDelivery("'objectId' is missing")
        try:
            occurred_at = transforms.parse_datetime(item.get("occurredAt"))
        except ValueError as error:
            raise MalformedDelivery(f"'occurredAt': {error}") from error
        event_id = item.get("eventId")
        # HubSpot does not promise unique event ids: the key also holds the
        # subscription, the object and the time; the attempt number is left
        # out so that a retried delivery is recognised.
        key_parts = [
            item.get("portalId"),
            event_id,
            item.get("subscriptionId"),
            object_id,
            item.get("occurredAt"),
        ]
        if event_id is None:
            key = f"sha256:{body_hash(self._without_attempt(item))}"
        else:
            key = "hubspot:" + ":".join("" if part is None else str(part) for part in key_parts)
        return [
            InboxItem(
                idempotency_key=key,
                object_kind=kind if action else None,
                external_id=str(object_id),
                action=action or "upsert",
                external_event_id=None if event_id is None else str(event_id),
                external_modified_at=occurred_at or None,
                payload=raw,
            )
        ]

    @staticmethod
    def _without_attempt(item):
        """The event without ``attemptNumber``, which HubSpot raises at each retry."""
        return {key: value for key, value in item.items() if key != "attemptNumber"}

    def rejected_key(self, item, raw):
        if isinstance(item, dict):
            item = self._without_attempt(item)
        return super().rejected_key(item, raw)

    # -- processing --------------------------------------------------------
    def _client(self):
        backend = self.backend
        return credentials.token_client(
            backend,
            HubSpotClient,
            self.default_api_url,
            backend.env._("The backend %(name)s has no HubSpot access token.", name=backend.name),
        )

    def properties(self, kind):
        """HubSpot properties to read for ``kind``: those of the field map."""
        names = set()
        for line in self.backend.field_map_ids.filtered(lambda m: m.object_kind == kind):
            names.update(part.strip() for part in line.external_field.split("+"))
        names.discard(DEAL_COMPANY)
        if kind == "contact":
            names.add("associatedcompanyid")
        return sorted(name for name in names if name)

    def record_from_object(self, kind, item, associations=None):
        values = dict(item.get("properties") or {})
        if kind == "deal" and DEAL_COMPANY not in values:
            companies = (associations or {}).get(str(item["id"]))
            if companies is None:
                results = ((item.get("associations") or {}).get("companies") or {}).get("results")
                companies = [str(link["id"]) for link in results or []]
            values[DEAL_COMPANY] = companies[0] if companies else False
        modified = item.get("updatedAt") or values.get("hs_lastmodifieddate")
        return RemoteRecord(
            kind=kind,
            external_id=str(item["id"]),
            values=values,
            modified_at=transforms.parse_datetime(modified) or None,
        )

    def fetch(self, events):
        records, to_read = reading.split_events(events, self.record_from_object)
        links = {}

        def read(client, kind, ids):
            found = client.read_batch(kind, ids, self.properties(kind))
            # the company of each deal, from the associations API
            links[kind] = (
                client.read_associations("deal", "company", list(found)) if kind == "deal" else {}
            )
            return found

        return self._read_events(
            records,
            to_read,
            read,
            lambda kind, item: self.record_from_object(kind, item, links[kind]),
        )

    def merged_ids(self, event):
        """The merged ids of a merge; none from a value the door would refuse now.

        Events stored before ``mergedObjectIds`` was checked may hold anything.
        """
        item = json.loads(event.payload or "{}")
        merged = item.get("mergedObjectIds") if isinstance(item, dict) else None
        if not isinstance(merged, list):
            return []
        primary = str(event.external_id)
        return [str(i).strip() for i in merged if is_object_id(i) and str(i).strip() != primary]

    def dependency_item(self, kind, external_id):
        return reading.dependency_item(kind, external_id, "objectId")

    # -- configuration ---------------------------------------------------
    def default_field_maps(self):
        address = [
            ("address", "street"),
            ("city", "city"),
            ("zip", "zip"),
            ("country", "country_id"),
        ]
        return [
            *map_lines(
                "company",
                [
                    ("name", "name"),
                    ("domain", "website"),
                    ("phone", "phone"),
                    ("address2", "street2"),
                    *address,
                ],
            ),
            *map_lines(
                "contact",
                [
                    ("firstname+lastname", "name"),
                    ("email", "email"),
                    ("phone", "phone"),
                    ("mobilephone", "mobile"),
                    ("jobtitle", "function"),
                    ("associatedcompanyid", "parent_id"),
                    *address,
                ],
            ),
            *map_lines(
                "deal",
                [
                    ("dealname", "name"),
                    ("amount", "expected_revenue"),
                    ("dealstage", "stage_id"),
                    ("closedate", "date_deadline"),
                    (DEAL_COMPANY, "partner_id"),
                    ("closed_lost_reason", "lost_reason_id"),
                ],
            ),
        ]

    def default_stage_values(self):
        return [
            ("appointmentscheduled", "crm.stage_lead1"),
            ("qualifiedtobuy", "crm.stage_lead2"),
            ("presentationscheduled", "crm.stage_lead2"),
            ("decisionmakerboughtin", "crm.stage_lead3"),
            ("contractsent", "crm.stage_lead3"),
            ("closedwon", "crm.stage_lead4"),
            ("closedlost", "lost"),
        ]

    # -- initial import --------------------------------------------------
    def import_page(self, kind, after, limit=100):
        """One page of all ``kind`` records: ``([RemoteRecord], next cursor)``."""
        client = self._client()
        associations = ["company"] if kind == "deal" else None
        results, next_after = client.list_page(
            kind, self.properties(kind), after=after, limit=limit, associations=associations
        )
        return [self.record_from_object(kind, item) for item in results], next_after

    def changed_page(self, kind, since, after, limit=100):
        """One page of the ``kind`` records changed since ``since`` (naive UTC)."""
        client = self._client()
        since_ms = int(since.replace(tzinfo=UTC).timestamp() * 1000) if since else 0
        results, next_after = client.search_changed(
            kind, self.properties(kind), since_ms, after=after, limit=limit
        )
        # search results carry no associations: read the deals' companies
        associations = (
            client.read_associations("deal", "company", [item["id"] for item in results])
            if kind == "deal" and results
            else None
        )
        records = [self.record_from_object(kind, item, associations) for item in results]
        return records, next_after

    def write_company_properties(self, updates):
        # an empty text clears a HubSpot property
        return self._client().batch_update("company", updates)

    def import_total(self, kind):
        return self._client().count(kind)
