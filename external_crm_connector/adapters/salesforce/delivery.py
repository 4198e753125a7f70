# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce Outbound Messages: the SOAP envelope read, and acknowledged.

An Outbound Message is a SOAP envelope holding up to 100 ``Notification``
elements, each with its notification id and an ``sObject`` (Account,
Contact or Opportunity) carrying the fields chosen in Salesforce. It has no
signature: the webhook URL's token and the ``OrganizationId`` of the
message, which must be the backend's, are all that is checked, and the
organization id is no secret. So a message is a notice only: which record
changed (the record is read through the API before anything is applied).
Salesforce delivers at least once and out of order and retries until it
gets its SOAP acknowledgement: the notification id is the idempotency key.
"""

import hashlib
import json
import re
from xml.etree import ElementTree

from ...exceptions import MalformedDelivery
from ..delivery import read_time
from ..items import InboxItem
from .ids import ID_PATTERN, KINDS_BY_SOBJECT, id18, same_organization

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
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


def of_organization(message, expected):
    """True when the ``notifications`` element ``message`` is of organization ``expected``."""
    return message is not None and same_organization(
        _child_text(message, "OrganizationId"), expected
    )


def split_message(message, max_items):
    """The notifications of a message, each with the organization and action it came in.

    ``message`` is the ``notifications`` element of the body (None: not an
    Outbound Message). The raw text of a notification is a ``notifications``
    element holding the organization id, the action id and that notification
    alone: what one notification means, readable again by itself.
    """
    if message is None:
        raise MalformedDelivery("the body is not an Outbound Message (SOAP notifications)")
    organization = _child_text(message, "OrganizationId")
    if not organization or not ID_PATTERN.match(organization):
        raise MalformedDelivery("the message has no valid OrganizationId")
    action_id = _child_text(message, "ActionId")
    notifications = message.findall(_tag(OUTBOUND_NS, "Notification"))
    if not notifications:
        raise MalformedDelivery("the message holds no Notification")
    if len(notifications) > max_items:
        raise MalformedDelivery(f"a message holds at most {max_items} notifications")
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


def load_raw_item(raw):
    """The item of the raw text of one notification (see ``split_message``)."""
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


def notification_item(notification, organization, action_id, connector_user):
    """The inbox item of one ``Notification`` element of ``organization``.

    ``connector_user`` is the connector's own Salesforce user: its changes
    are echoes of the write-back.
    """
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
    modified_at = read_time(fields.get("LastModifiedDate"), "LastModifiedDate")
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


def rejected_key(raw):
    """The key of a rejected notification: its XML text, as Salesforce resends it."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
