# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce: Outbound Messages (SOAP) in, REST API and SOQL for the rest.

An Outbound Message is a SOAP envelope holding up to 100 ``Notification``
elements, each with its notification id and an ``sObject`` (Account,
Contact or Opportunity) carrying the fields chosen in Salesforce. It has no
signature: the webhook URL's token and the ``OrganizationId`` of the
message, which must be the backend's, are all that is checked, and the
organization id is no secret. So a message is a notice only: which record
changed. The record is read through the authenticated REST API with SOQL,
in batches, before anything is applied, and a deletion is confirmed there
(``queryAll``) before anything is archived; a backend without API
credentials keeps the notices and says it cannot apply them. Salesforce
delivers at least once and out of order and retries until it gets its SOAP
acknowledgement: the notification id is the idempotency key.

Pulls (initial import, catch-up) run SOQL ordered by
``LastModifiedDate, Id`` and follow ``nextRecordsUrl``; the cursor also
remembers the last record read, so that a pull resumes after its query
locator expired.
"""

import hashlib
import json
import re
from datetime import datetime
from xml.etree import ElementTree

from ..exceptions import ExternalCrmError, MalformedDelivery
from . import credentials, reading, transforms
from .provider import (
    IMPORT,
    PULL,
    WRITE_BACK,
    InboxItem,
    Provider,
    RemoteRecord,
    map_lines,
    register,
)
from .salesforce_client import (
    DEFAULT_API_VERSION,
    DEFAULT_LOGIN_URL,
    ID_PATTERN,
    INSTANCE_HOSTS,
    QueryLocatorExpired,
    SalesforceClient,
    id18,
    same_organization,
)

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

SOBJECTS = {"company": "Account", "contact": "Contact", "deal": "Opportunity"}
KINDS_BY_SOBJECT = {sobject: kind for kind, sobject in SOBJECTS.items()}
# fields every read asks for, whatever the field map says
SYSTEM_FIELDS = ("Id", "LastModifiedDate")
# kinds whose records Salesforce merges (``MasterRecordId``)
MERGEABLE = ("company", "contact")
# ids per ``WHERE Id IN (...)`` query: far below SOQL's 100,000 characters
READ_BATCH = 200

_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$")
# a DTD can declare entities (billion laughs, external files): none is read
_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)

ACKNOWLEDGEMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body>"
    "</soapenv:Envelope>"
)


def _tag(namespace, name):
    return f"{{{namespace}}}{name}"


def _local(tag):
    return tag.rpartition("}")[2]


def xml_text(body):
    """The body as text, refused when it is not UTF-8 or declares a DTD."""
    try:
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise MalformedDelivery(f"the body is not UTF-8: {error}") from error
    if _DTD.search(text):
        raise MalformedDelivery("document type declarations and entities are refused")
    return text


def notifications_element(body):
    """The ``notifications`` element of an Outbound Message, or None.

    Raises ``MalformedDelivery`` when the body is not well-formed XML (or
    not UTF-8, or declares a DTD); ``None`` for a document that is not an
    Outbound Message.
    """
    try:
        root = ElementTree.fromstring(xml_text(body))
    except ElementTree.ParseError as error:
        raise MalformedDelivery(f"the body is not well-formed XML: {error}") from error
    if root.tag != _tag(SOAP_NS, "Envelope"):
        return None
    envelope_body = root.find(_tag(SOAP_NS, "Body"))
    if envelope_body is None:
        return None
    return envelope_body.find(_tag(OUTBOUND_NS, "notifications"))


def _child_text(element, name):
    child = element.find(_tag(OUTBOUND_NS, name))
    return (child.text or "").strip() if child is not None else None


def soql_datetime(moment):
    """A SOQL datetime literal (UTC) from a naive UTC datetime."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_string(value):
    """A quoted SOQL string of an id (ids are checked: nothing to escape)."""
    if not ID_PATTERN.match(value or ""):
        raise ExternalCrmError(f"{value!r} is not a Salesforce id")
    return f"'{value}'"


def flatten(record, prefix=""):
    """REST record values, related records as ``Account.Name``; no ``attributes``."""
    values = {}
    for name, value in record.items():
        if name == "attributes":
            continue
        if isinstance(value, dict):
            values.update(flatten(value, f"{prefix}{name}."))
        else:
            values[f"{prefix}{name}"] = value
    return values


@register
class SalesforceProvider(Provider):
    code = "salesforce"
    default_api_url = False  # the instance URL comes with the access token
    api_hosts = INSTANCE_HOSTS
    # Salesforce sends at most 100 notifications in one message
    max_items = 100
    capabilities = frozenset((IMPORT, PULL, WRITE_BACK))
    # notices carry no secret: a deletion is read with queryAll first
    confirms_deletions = True

    @classmethod
    def webhook_extra(cls, backend):
        return {
            "salesforce_organization_id": backend.salesforce_organization_id or None,
            "salesforce_user_id": backend.salesforce_user_id or None,
        }

    def __init__(self, backend):
        super().__init__(backend)
        self._mapped_fields = {}
        # (body, notifications element) of the last body read: the webhook
        # checks and parses the same message, read once
        self._message = (None, None)

    # -- inbound -----------------------------------------------------------
    def _organization(self):
        """The backend's organization id, from a record or the webhook's settings."""
        return self.webhook_setting("salesforce_organization_id") or None

    def _notifications(self, body):
        """``notifications_element(body)``, parsed once per body."""
        if self._message[0] is not body:
            self._message = (body, notifications_element(body))
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
        expected = self._organization()
        if not secret or not expected:
            return False
        message = self._notifications(body)
        if message is None:
            return False
        return same_organization(_child_text(message, "OrganizationId"), expected)

    def split_delivery(self, body):
        """The notifications of a message, each with the organization and action it came in.

        The raw text of a notification is a ``notifications`` element holding
        the organization id, the action id and that notification alone: what
        one notification means, readable again by itself. The body was read
        once, by ``authenticate``.
        """
        message = self._notifications(body)
        if message is None:
            raise MalformedDelivery("the body is not an Outbound Message (SOAP notifications)")
        organization = _child_text(message, "OrganizationId")
        if not organization or not ID_PATTERN.match(organization):
            raise MalformedDelivery("the message has no valid OrganizationId")
        action_id = _child_text(message, "ActionId")
        notifications = message.findall(_tag(OUTBOUND_NS, "Notification"))
        if not notifications:
            raise MalformedDelivery("the message holds no Notification")
        if len(notifications) > self.max_items:
            raise MalformedDelivery(f"a message holds at most {self.max_items} notifications")
        pairs = []
        for notification in notifications:
            wrapper = ElementTree.Element(_tag(OUTBOUND_NS, "notifications"))
            ElementTree.SubElement(wrapper, _tag(OUTBOUND_NS, "OrganizationId")).text = organization
            if action_id is not None:
                ElementTree.SubElement(wrapper, _tag(OUTBOUND_NS, "ActionId")).text = action_id
            wrapper.append(notification)
            item = {
                "organization": organization,
                "action_id": action_id,
                "notification": notification,
            }
            pairs.append((item, ElementTree.tostring(wrapper, encoding="unicode")))
        return pairs

    def load_raw_item(self, raw):
        text = xml_text(raw)
        try:
            message = ElementTree.fromstring(text)
        except ElementTree.ParseError as error:
            raise MalformedDelivery(f"the item is not well-formed XML: {error}") from error
        notification = message.find(_tag(OUTBOUND_NS, "Notification"))
        if message.tag != _tag(OUTBOUND_NS, "notifications") or notification is None:
            raise MalformedDelivery("the item is not an Outbound Message notification")
        return {
            "organization": _child_text(message, "OrganizationId") or "",
            "action_id": _child_text(message, "ActionId"),
            "notification": notification,
        }

    def parse_item(self, item, raw):
        connector_user = self.webhook_setting("salesforce_user_id")
        return [
            self._notification_item(
                item["notification"], item["organization"], item["action_id"], connector_user
            )
        ]

    def rejected_key(self, item, raw):
        # the XML text: Salesforce resends a notification as it was
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _notification_item(self, notification, organization, action_id, connector_user):
        notification_id = _child_text(notification, "Id")
        if not notification_id or not ID_PATTERN.match(notification_id):
            raise MalformedDelivery("no valid notification Id")
        sobject = notification.find(_tag(OUTBOUND_NS, "sObject"))
        if sobject is None:
            raise MalformedDelivery("no sObject")
        # xsi:type="sf:Account": the prefix is the enterprise sObject namespace
        sobject_type = (sobject.get(_tag(XSI_NS, "type")) or "").rpartition(":")[2]
        fields = {}
        for child in sobject:
            if len(child):
                continue  # a related record: not sent by Outbound Messages
            if child.get(_tag(XSI_NS, "nil")) == "true":
                fields[_local(child.tag)] = None
            else:
                fields[_local(child.tag)] = child.text or ""
        record_id = id18((fields.get("Id") or "").strip())
        if not ID_PATTERN.match(record_id):
            raise MalformedDelivery("the sObject has no valid Id")
        fields["Id"] = record_id
        try:
            modified_at = transforms.parse_datetime(fields.get("LastModifiedDate"))
        except ValueError as error:
            raise MalformedDelivery(f"LastModifiedDate: {error}") from error
        kind = KINDS_BY_SOBJECT.get(sobject_type)
        deleted = str(fields.get("IsDeleted") or "").lower() == "true"
        action = "delete" if deleted else "upsert"
        # Outbound Messages do not say which fields changed: a change last
        # made by the connector's own Salesforce user is the echo of the
        # financial write-back (the connector writes nothing else)
        modified_by = fields.get("LastModifiedById")
        if connector_user and modified_by and id18(modified_by.strip()) == connector_user:
            action = "echo"
        payload = {
            "organizationId": organization,
            "actionId": action_id,
            "notificationId": notification_id,
            "sObjectType": sobject_type,
            "fields": fields,
        }
        return InboxItem(
            # one key per notification: Salesforce repeats it when it retries
            idempotency_key=f"salesforce:{organization[:15]}:{notification_id}",
            object_kind=kind,
            external_id=record_id,
            action=action,
            external_event_id=notification_id,
            external_modified_at=modified_at or None,
            payload=json.dumps(payload, ensure_ascii=False),
        )

    def acknowledgement(self, accepted, duplicates, rejected=()):
        # without this exact answer, Salesforce sends the message again and
        # again for 24 hours; repeats are acknowledged the same way, and so are
        # messages whose notifications were rejected (they wait in the inbox)
        return 200, "text/xml; charset=utf-8", ACKNOWLEDGEMENT

    # -- API ---------------------------------------------------------------
    def _client(self):
        backend = self.backend
        backend_sudo = credentials.credentials_sudo(
            backend,
            ["salesforce_client_id", "webhook_secret", "salesforce_refresh_token"],
            backend.env._(
                "The backend %(name)s cannot call Salesforce: set the consumer key, "
                "the consumer secret and the refresh token. Outbound Messages are only "
                "notices: each record is read through the API before it is applied.",
                name=backend.name,
            ),
        )

        def store_token(token, instance_url, user_id):
            values = {"salesforce_access_token": token, "salesforce_instance_url": instance_url}
            if user_id and user_id != backend_sudo.salesforce_user_id:
                values["salesforce_user_id"] = user_id
            backend_sudo.write(values)

        return SalesforceClient(
            backend_sudo.salesforce_login_url or DEFAULT_LOGIN_URL,
            backend_sudo.salesforce_client_id,
            backend_sudo.webhook_secret,
            backend_sudo.salesforce_refresh_token,
            access_token=backend_sudo.salesforce_access_token or None,
            instance_url=backend_sudo.salesforce_instance_url or None,
            api_version=backend_sudo.salesforce_api_version or DEFAULT_API_VERSION,
            organization_id=backend_sudo.salesforce_organization_id,
            on_token=store_token,
            timeout=backend_sudo.api_timeout or 30,
            backoff=backend._api_backoff(),
            destinations=backend._destinations(),
        )

    def mapped_fields(self, kind):
        """Salesforce fields of the field map for ``kind`` (without system fields)."""
        if kind not in self._mapped_fields:
            self._mapped_fields[kind] = self._read_mapped_fields(kind)
        return self._mapped_fields[kind]

    def _read_mapped_fields(self, kind):
        names = {}
        for line in self.backend.field_map_ids.filtered(lambda m: m.object_kind == kind):
            for part in line.external_field.split("+"):
                name = part.strip()
                if name:
                    names.setdefault(name.lower(), name)
        return list(names.values())

    def select_fields(self, kind, include_deleted=False):
        """The SELECT list of ``kind``: mapped fields, checked, each once."""
        names = {}
        extra = ()
        if include_deleted:
            # a record merged away is deleted with the id of the one it was
            # merged into (accounts and contacts; opportunities do not merge)
            extra = ("IsDeleted", "MasterRecordId") if kind in MERGEABLE else ("IsDeleted",)
        for name in (*SYSTEM_FIELDS, *extra, *self.mapped_fields(kind)):
            if not _FIELD_NAME.match(name):
                raise ExternalCrmError(
                    self.backend.env._(
                        "%(field)s is not a Salesforce field name: correct the field map.",
                        field=name,
                    )
                )
            names.setdefault(name.lower(), name)
        return list(names.values())

    def record_from_rest(self, kind, item):
        values = flatten(item)
        record_id = id18(values.get("Id"))
        values["Id"] = record_id
        return RemoteRecord(
            kind=kind,
            external_id=record_id,
            values=values,
            modified_at=transforms.parse_datetime(values.get("LastModifiedDate")) or None,
            missing=bool(values.get("IsDeleted")),
        )

    def _soql(self, kind, where=(), ordered=True, include_deleted=False):
        soql = (
            f"SELECT {', '.join(self.select_fields(kind, include_deleted))} FROM {SOBJECTS[kind]}"
        )
        if where:
            soql += " WHERE " + " AND ".join(where)
        if ordered:
            soql += " ORDER BY LastModifiedDate, Id"
        return soql

    def read_ids(self, client, kind, ids, include_deleted=False):
        """``{id: REST record}`` of the ids that exist, ``READ_BATCH`` per query.

        With ``include_deleted`` (``queryAll``), records in the recycle bin
        come too, with ``IsDeleted`` (and ``MasterRecordId`` when merged).
        """
        found = {}
        for start in range(0, len(ids), READ_BATCH):
            chunk = ids[start : start + READ_BATCH]
            where = [f"Id IN ({', '.join(soql_string(i) for i in chunk)})"]
            soql = self._soql(kind, where, ordered=False, include_deleted=include_deleted)
            answer = client.query(soql, include_deleted=include_deleted) or {}
            while True:
                for item in answer.get("records") or []:
                    found[id18(item["Id"])] = item
                next_url = answer.get("nextRecordsUrl")
                if answer.get("done", True) or not next_url:
                    break
                answer = client.query_more(next_url) or {}
        return found

    # -- processing --------------------------------------------------------
    def fetch(self, events):
        """Read the records of the notices through the API (see the module).

        Pulled records were read by the API already (their snapshot is
        applied); a deletion is read with ``queryAll``, to confirm it.
        """
        records = {}
        to_read = {}
        to_confirm = {}
        for event in events:
            kind = event.object_kind
            if not kind:
                continue  # another sObject type: nothing to read
            payload = json.loads(event.payload or "{}")
            snapshot = payload.get("snapshot") if isinstance(payload, dict) else None
            if isinstance(snapshot, dict) and event.action != "merge":
                # a pull: the page already held the full record
                records[event.id] = self.record_from_snapshot(kind, snapshot)
                continue
            wanted = to_confirm if event.action == "delete" else to_read
            wanted.setdefault(kind, []).append(event)
        self._read_events(records, to_read, self.read_ids, self.record_from_rest)
        return self._read_events(
            records,
            to_confirm,
            lambda client, kind, ids: self.read_ids(client, kind, ids, include_deleted=True),
            self.record_from_rest,
        )

    def dependency_item(self, kind, external_id):
        return reading.dependency_item(kind, external_id, "Id")

    def merged_ids(self, event):
        """The record merged away, whose deletion a pull read (see ``pulled_action``)."""
        payload = json.loads(event.payload or "{}")
        snapshot = payload.get("snapshot") if isinstance(payload, dict) else None
        if event.action != "merge" or not isinstance(snapshot, dict):
            return []
        merged = snapshot.get("Id")
        return [merged] if merged and merged != event.external_id else []

    # -- financial write-back ------------------------------------------------
    def write_company_properties(self, updates):
        """Write the figures to fields of the Accounts (custom fields, ``..__c``)."""
        records = {
            account_id: {name: None if value == "" else value for name, value in values.items()}
            for account_id, values in updates.items()
        }
        return self._client().update_records(SOBJECTS["company"], records)

    # -- pulls -------------------------------------------------------------
    def snapshot_payload(self, record):
        return {
            "snapshot": {
                "Id": record.external_id,
                "fields": record.values,
                "LastModifiedDate": record.modified_text(),
                "IsDeleted": record.missing,
            }
        }

    def pulled_action(self, record):
        """A record deleted by a merge is a merge into the surviving record.

        Salesforce merges accounts and contacts by deleting the others, each
        with ``MasterRecordId``: the bindings follow the survivor (read
        through the API), and no customer is archived.
        """
        master = record.values.get("MasterRecordId") if record.missing else None
        if master and ID_PATTERN.match(master):
            return "merge", id18(master)
        return super().pulled_action(record)

    def record_from_snapshot(self, kind, snapshot):
        return RemoteRecord(
            kind=kind,
            external_id=str(snapshot["Id"]),
            values=dict(snapshot.get("fields") or {}),
            modified_at=transforms.parse_datetime(snapshot.get("LastModifiedDate")) or None,
            missing=bool(snapshot.get("IsDeleted")),
        )

    def _page(self, kind, since, after, limit, include_deleted):
        """One page ordered by ``LastModifiedDate, Id``: ``(records, next cursor)``.

        The cursor holds the ``nextRecordsUrl`` of the running query and the
        (time, id) of the last record given: when the query locator expired
        (they live about 15 minutes), the next page is asked again by SOQL
        from that record on.
        """
        client = self._client()
        state = json.loads(after) if after else {}
        answer = None
        if state.get("next"):
            try:
                answer = client.query_more(state["next"], batch_size=limit)
            except QueryLocatorExpired:
                answer = None
        if answer is None:
            where = []
            if since:
                where.append(f"LastModifiedDate >= {soql_datetime(since)}")
            if state.get("at") and state.get("id"):
                moment = soql_datetime(transforms.parse_datetime(state["at"]))
                where.append(
                    f"(LastModifiedDate > {moment} OR (LastModifiedDate = {moment} "
                    f"AND Id > {soql_string(state['id'])}))"
                )
            answer = client.query(
                self._soql(kind, where, include_deleted=include_deleted),
                include_deleted=include_deleted,
                batch_size=limit,
            )
        answer = answer or {}
        records = [self.record_from_rest(kind, item) for item in answer.get("records") or []]
        next_url = answer.get("nextRecordsUrl")
        if answer.get("done", True) or not next_url or not records:
            return records, None
        last = records[-1]
        return records, json.dumps(
            {
                "next": next_url,
                "at": last.values.get("LastModifiedDate"),
                "id": last.external_id,
            }
        )

    def import_page(self, kind, after, limit=100):
        """One page of all ``kind`` records: ``([RemoteRecord], next cursor)``."""
        return self._page(kind, None, after, limit, include_deleted=False)

    def import_total(self, kind):
        return self._client().count(SOBJECTS[kind])

    def changed_page(self, kind, since, after, limit=100):
        """Records changed at or after ``since`` (naive UTC), oldest first.

        Read with ``queryAll``: records deleted since then (in the recycle
        bin) come too, as ``missing`` records.
        """
        if isinstance(since, str):
            since = transforms.parse_datetime(since)
        if since is not None and not isinstance(since, datetime):
            raise ExternalCrmError(f"{since!r} is not a date and time")
        return self._page(kind, since, after, limit, include_deleted=True)

    # -- configuration ---------------------------------------------------
    def default_field_maps(self):
        def address(prefix):
            return [
                (f"{prefix}Street", "street"),
                (f"{prefix}City", "city"),
                (f"{prefix}PostalCode", "zip"),
                (f"{prefix}Country", "country_id"),
            ]

        return [
            *map_lines(
                "company",
                [("Name", "name"), ("Phone", "phone"), ("Website", "website"), *address("Billing")],
            ),
            *map_lines(
                "contact",
                [
                    ("FirstName+LastName", "name"),
                    ("Email", "email"),
                    ("Phone", "phone"),
                    ("MobilePhone", "mobile"),
                    ("Title", "function"),
                    ("AccountId", "parent_id"),
                    *address("Mailing"),
                ],
            ),
            *map_lines(
                "deal",
                [
                    ("Name", "name"),
                    ("Amount", "expected_revenue"),
                    ("CloseDate", "date_deadline"),
                    ("StageName", "stage_id"),
                    ("AccountId", "partner_id"),
                ],
            ),
        ]

    def default_stage_values(self):
        # the stages of a new Salesforce organization's sales process
        return [
            ("Prospecting", "crm.stage_lead1"),
            ("Qualification", "crm.stage_lead2"),
            ("Needs Analysis", "crm.stage_lead2"),
            ("Value Proposition", "crm.stage_lead2"),
            ("Id. Decision Makers", "crm.stage_lead2"),
            ("Perception Analysis", "crm.stage_lead2"),
            ("Proposal/Price Quote", "crm.stage_lead3"),
            ("Negotiation/Review", "crm.stage_lead3"),
            ("Closed Won", "crm.stage_lead4"),
            ("Closed Lost", "lost"),
        ]
