# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM: notification-channel deliveries, records read through REST API v6.

Zoho's Notification API posts one JSON object per change set: the module
(Accounts, Contacts, Deals), the operation (insert, update, delete) and the
ids of the records, with the ``token`` given when the channel was
subscribed. The token is the proof that Zoho sent the delivery: it must equal
the backend's signing secret. Each id becomes an inbox item; the processing
reads the current records through the REST API, 100 ids per call.
"""

import json
from datetime import timedelta

from ..exceptions import MalformedDelivery
from . import credentials, reading, signatures, transforms
from .provider import (
    IMPORT,
    PULL,
    SUBSCRIPTION,
    WRITE_BACK,
    InboxItem,
    Provider,
    RemoteRecord,
    load_items,
    map_lines,
    register,
)
from .zoho_client import API_HOSTS, API_URLS, ZohoClient

MODULE_KINDS = {"accounts": "company", "contacts": "contact", "deals": "deal"}
OPERATIONS = {"insert": "upsert", "update": "upsert", "restore": "upsert", "delete": "delete"}
WATCH_EVENTS = ("Accounts.all", "Contacts.all", "Deals.all")
# the lookup of a contact or deal to its account, as the field map names it
ACCOUNT_ID = "Account_Name.id"
# fields Zoho changes along with any edit
SYSTEM_FIELDS = frozenset(("Modified_Time", "Modified_By", "Last_Activity_Time"))


def affected_fields(item):
    """``{record id: [field API names]}`` of an update notification.

    Zoho lists the fields each update changed as ``[{id: [names]}, ...]``;
    ``{}`` when the notification does not say.
    """
    entries = item.get("affected_fields")
    entries = entries if isinstance(entries, list) else [entries]
    found = {}
    for entry in entries:
        if isinstance(entry, dict):
            for record_id, names in entry.items():
                if isinstance(names, list):
                    found[str(record_id)] = [name for name in names if isinstance(name, str)]
    return found


@register
class ZohoProvider(Provider):
    code = "zoho"
    default_api_url = API_URLS["com"]
    api_hosts = API_HOSTS
    # Zoho sends one object per delivery; a list is accepted for scripts
    max_items = 100
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK, SUBSCRIPTION))

    # -- inbound -----------------------------------------------------------
    def authenticate(self, secret, request, body, now):
        """The channel token of every item must equal the backend secret.

        The token travels in the body, so a body that cannot be read cannot be
        authenticated either: it is refused like a bad token.
        """
        if not secret:
            return False
        try:
            pairs = load_items(body, self.max_items)
        except MalformedDelivery:
            return False
        authentic = True
        for item, _raw in pairs:
            token = item.get("token") if isinstance(item, dict) else None
            # every item is compared, in constant time, whatever the first gave
            same = signatures.constant_time_equal(secret, token if isinstance(token, str) else "")
            authentic = authentic and same
        return authentic

    def parse_item(self, item, raw):
        ids = item.get("ids")
        if not isinstance(ids, list) or not ids:
            raise MalformedDelivery("'ids' must be a non-empty list")
        module = item.get("module")
        if not isinstance(module, str) or not module:
            raise MalformedDelivery("'module' is missing")
        operation = item.get("operation")
        if not isinstance(operation, str) or not operation:
            raise MalformedDelivery("'operation' is missing")
        try:
            server_time = transforms.parse_datetime(item.get("server_time"))
        except ValueError as error:
            raise MalformedDelivery(f"'server_time': {error}") from error
        # fields the connector writes itself (financial write-back): an update
        # of those alone is the echo of our own write, stored but not applied
        echoed = frozenset(self.webhook_setting("written_properties", ()))
        kind = MODULE_KINDS.get(module.lower())
        action = OPERATIONS.get(operation.lower())
        channel = item.get("channel_id")
        changed = affected_fields(item)
        # the stored payload: the delivery without its token (a secret),
        # narrowed to the item's own id (a bulk change sends hundreds)
        stored = self._without_token(item)
        stored.pop("ids")
        stored.pop("affected_fields", None)
        items = []
        for record_id in ids:
            payload = {**stored, "ids": [record_id]}
            if record_id in (None, "") or isinstance(record_id, bool | dict | list | float):
                # the other ids of the notification are read
                items.append(
                    self.rejected_item(
                        payload, json.dumps(payload), f"{record_id!r} is not a record id"
                    )
                )
                continue
            key = ":".join(
                "" if part is None else str(part)
                for part in (
                    "zoho",
                    channel,
                    module,
                    record_id,
                    operation,
                    item.get("server_time"),
                )
            )
            fields = changed.get(str(record_id))
            if fields is not None:
                payload["affected_fields"] = [{str(record_id): fields}]
            own = set(fields or ()) - SYSTEM_FIELDS
            echo = operation.lower() == "update" and own and own <= echoed
            items.append(
                InboxItem(
                    idempotency_key=key,
                    # other modules and operations are stored, then ignored
                    object_kind=kind if action else None,
                    external_id=str(record_id),
                    action="echo" if echo else action or "upsert",
                    external_event_id=(
                        None
                        if item.get("server_time") is None
                        else f"{channel}:{item.get('server_time')}"
                    ),
                    external_modified_at=server_time or None,
                    payload=json.dumps(payload),
                )
            )
        return items

    @staticmethod
    def _without_token(item):
        """The notification without the channel token: a secret, never stored."""
        return {key: value for key, value in item.items() if key != "token"}

    def rejected_item(self, item, raw, reason):
        # the raw text would hold the channel token: the item is kept without it
        if isinstance(item, dict) and "token" in item:
            item = self._without_token(item)
            raw = json.dumps(item)
        return super().rejected_item(item, raw, reason)

    # -- API client --------------------------------------------------------
    def _client(self):
        """A REST client with the stored access token, renewed when needed."""
        backend = self.backend
        backend_sudo = credentials.credentials_sudo(
            backend,
            ["zoho_client_id", "zoho_client_secret", "zoho_refresh_token"],
            backend.env._(
                "The backend %(name)s has no Zoho client id, client secret or refresh token.",
                name=backend.name,
            ),
        )
        token = backend_sudo._zoho_valid_access_token()
        client = ZohoClient(
            backend_sudo.api_base_url or API_URLS.get(backend_sudo.zoho_data_centre, ""),
            token,
            timeout=backend_sudo.api_timeout or 30,
            backoff=backend._api_backoff(),
            destinations=backend._destinations(),
            # the channel token (signing secret) travels in subscriptions
            secrets=[
                backend_sudo.zoho_client_id,
                backend_sudo.zoho_client_secret,
                backend_sudo.zoho_refresh_token,
                backend_sudo.webhook_secret,
            ],
        )

        def renew():
            access_token, api_domain = backend_sudo._zoho_renew_access_token()
            if api_domain:
                client.base_url = api_domain.rstrip("/")
            return access_token

        client.renew = renew
        return client

    def fields(self, kind):
        """Zoho fields to read for ``kind``: those of the field map."""
        names = set()
        for line in self.backend.field_map_ids.filtered(lambda m: m.object_kind == kind):
            for part in line.external_field.split("+"):
                names.add(part.strip().partition(".")[0])
        if kind in ("contact", "deal"):
            names.add("Account_Name")
        return sorted(name for name in names if name)

    def _dotted_names(self, kind):
        """Map names of a lookup's attribute (``Account_Name.id``), per kind."""
        cache = self.__dict__.setdefault("_dotted_cache", {})
        if kind not in cache:
            cache[kind] = self._read_dotted_names(kind)
        return cache[kind]

    def _read_dotted_names(self, kind):
        return {
            part.strip()
            for line in self.backend.field_map_ids.filtered(lambda m: m.object_kind == kind)
            for part in line.external_field.split("+")
            if "." in part
        } | ({ACCOUNT_ID} if kind in ("contact", "deal") else set())

    def record_from_object(self, kind, item, dotted=None):
        """A ``RemoteRecord`` from a Zoho record; lookups give ``Field.id``."""
        values = dict(item)
        for name, value in item.items():
            if isinstance(value, dict) and "." not in name:
                for attribute in ("id", "name"):
                    if attribute in value:
                        values[f"{name}.{attribute}"] = value[attribute]
        for name in self._dotted_names(kind) if dotted is None else dotted:
            base = name.partition(".")[0]
            if base in item and not isinstance(item[base], dict):
                values[name] = False  # an empty lookup: the link is removed
        return RemoteRecord(
            kind=kind,
            external_id=str(item["id"]),
            values=values,
            modified_at=transforms.parse_datetime(item.get("Modified_Time")) or None,
        )

    def fetch(self, events):
        records, to_read = reading.split_events(events, self.record_from_object)
        return self._read_events(
            records,
            to_read,
            lambda client, kind, ids: client.read_records(kind, ids, self.fields(kind)),
            lambda kind, item: self.record_from_object(kind, item, self._dotted_names(kind)),
        )

    def dependency_item(self, kind, external_id):
        return reading.dependency_item(kind, external_id)

    # -- financial write-back ------------------------------------------------
    def write_company_properties(self, updates):
        """Write the figures to fields of the Accounts (API names)."""
        records = {
            account_id: {name: None if value == "" else value for name, value in values.items()}
            for account_id, values in updates.items()
        }
        return self._client().update_records("company", records)

    # -- pulls (initial import, catch-up) ----------------------------------
    def snapshot_payload(self, record):
        return {"snapshot": {**record.values, "id": record.external_id}}

    def import_page(self, kind, after, limit=100):
        """One page of all ``kind`` records: ``([RemoteRecord], next cursor)``."""
        results, next_after = self._client().list_page(
            kind, self.fields(kind), cursor=after, limit=limit
        )
        dotted = self._dotted_names(kind)
        return [self.record_from_object(kind, item, dotted) for item in results], next_after

    def import_total(self, kind):
        return self._client().count(kind)

    def changed_page(self, kind, since, after, limit=100):
        """Records modified at or after ``since`` (naive UTC), oldest change first.

        Zoho's ``If-Modified-Since`` lists the records changed *after* the
        given second: one second earlier includes those changed at ``since``.
        """
        results, next_after = self._client().list_page(
            kind,
            self.fields(kind),
            cursor=after,
            limit=limit,
            since=since - timedelta(seconds=1) if since else None,
        )
        dotted = self._dotted_names(kind)
        return [self.record_from_object(kind, item, dotted) for item in results], next_after

    # -- notification channel ----------------------------------------------
    def watch(self, channel_id, notify_url, token, expiry, renew=False):
        """Subscribe or extend the channel; return the expiry Zoho confirmed."""
        expiries = self._client().watch(
            channel_id, WATCH_EVENTS, notify_url, token, expiry, renew=renew
        )
        confirmed = [transforms.parse_datetime(value) for value in expiries]
        confirmed = [moment for moment in confirmed if moment]
        return min(confirmed) if confirmed else expiry.replace(microsecond=0)

    # -- configuration ---------------------------------------------------
    def default_field_maps(self):
        return [
            *map_lines(
                "company",
                [
                    ("Account_Name", "name"),
                    ("Phone", "phone"),
                    ("Website", "website"),
                    ("Billing_Street", "street"),
                    ("Billing_City", "city"),
                    ("Billing_Code", "zip"),
                    ("Billing_Country", "country_id"),
                ],
            ),
            *map_lines(
                "contact",
                [
                    ("First_Name+Last_Name", "name"),
                    ("Email", "email"),
                    ("Phone", "phone"),
                    ("Mobile", "mobile"),
                    ("Title", "function"),
                    (ACCOUNT_ID, "parent_id"),
                ],
            ),
            *map_lines(
                "deal",
                [
                    ("Deal_Name", "name"),
                    ("Amount", "expected_revenue"),
                    ("Closing_Date", "date_deadline"),
                    ("Stage", "stage_id"),
                    (ACCOUNT_ID, "partner_id"),
                    ("Reason_For_Loss__s", "lost_reason_id"),
                ],
            ),
        ]

    def default_stage_values(self):
        return [
            ("Qualification", "crm.stage_lead1"),
            ("Needs Analysis", "crm.stage_lead1"),
            ("Value Proposition", "crm.stage_lead2"),
            ("Id. Decision Makers", "crm.stage_lead2"),
            ("Perception Analysis", "crm.stage_lead2"),
            ("Proposal/Price Quote", "crm.stage_lead3"),
            ("Negotiation/Review", "crm.stage_lead3"),
            ("Closed Won", "crm.stage_lead4"),
            ("Closed Lost", "lost"),
            ("Closed-Lost to Competition", "lost"),
        ]
