# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What every provider does, and the registry of providers.

A provider knows one external CRM: how its webhooks are authenticated, how a
delivery splits into inbox items, how to get the full record behind an item,
and which field map makes sense by default. Everything else (inbox, mapping,
matching, conflicts) is shared. Another addon adds a provider by subclassing
``Provider`` and decorating it with ``register``.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import ExternalCrmError, ExternalCrmTransientError, MalformedDelivery

_logger = logging.getLogger(__name__)

PROVIDERS = {}

KINDS = ("company", "contact", "deal")
ACTIONS = ("upsert", "delete", "merge", "association")


def register(provider_class):
    """Class decorator: make ``provider_class`` available for its ``code``."""
    PROVIDERS[provider_class.code] = provider_class
    return provider_class


def get_provider(backend):
    """The provider instance serving ``backend`` (one ``external.crm.backend``)."""
    provider_class = PROVIDERS.get(backend.provider)
    if not provider_class:
        return None
    return provider_class(backend)


# ids are indexed: far below what an index row holds (2,700 bytes)
MAX_ID_LENGTH = 255
ID_FIELDS = ("external_event_id", "external_id", "object_kind", "action")
# idempotency keys longer than this are hashed (see InboxItem)
MAX_KEY_LENGTH = 200
# the text fields of an inbox item, as a sender knows them
NUL_CHECKED = (
    ("external_event_id", "the event id"),
    ("external_id", "the record id"),
    ("object_kind", "the object kind"),
    ("action", "the action"),
    ("idempotency_key", "the idempotency key"),
    ("payload", "the item"),
)


@dataclass
class InboxItem:
    """One item of a delivery, as it is stored in the inbox.

    A rejected item (``rejection`` set: why it cannot be read) keeps the raw
    text of what arrived as its payload; it is stored, shown and never
    processed, until *Process Again* reads it anew. ``index`` is its
    position in the delivery, for the answer.
    """

    idempotency_key: str
    object_kind: str | None
    external_id: str | None
    action: str | None = "upsert"
    external_event_id: str | None = None
    external_modified_at: datetime | None = None
    payload: str = ""
    rejection: str | None = None
    index: int | None = None

    def __post_init__(self):
        # What PostgreSQL cannot store is refused as malformed (400) rather
        # than failing on the INSERT (a 500 that the sender would retry
        # forever): NUL, lone surrogates, ids longer than an index row holds
        for name, label in NUL_CHECKED:
            value = getattr(self, name)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                raise MalformedDelivery(f"{label} contains a NUL character (\\u0000)")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise MalformedDelivery(
                    f"{label} contains an invalid character (a lone UTF-16 surrogate)"
                ) from error
            if name in ID_FIELDS and len(value) > MAX_ID_LENGTH:
                raise MalformedDelivery(f"{label} is longer than {MAX_ID_LENGTH} characters")
        # long keys (a provider's key built from several ids) are hashed, not
        # cut: two events that share a prefix must not look like one
        if len(self.idempotency_key) > MAX_KEY_LENGTH:
            digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()
            self.idempotency_key = f"{self.idempotency_key[:100]}#{digest}"


@dataclass
class RemoteRecord:
    """The full state of one external record, ready for the field map."""

    kind: str
    external_id: str
    values: dict = field(default_factory=dict)
    modified_at: datetime | None = None
    missing: bool = False  # deleted on the other side since the event

    def __post_init__(self):
        # PostgreSQL cannot store (nor search) NUL in text, and no CRM means
        # anything by it: removed, so that the rest of the record applies
        self.values = without_nul(self.values)


def without_nul(value):
    """``value`` with what PostgreSQL cannot store removed from its texts.

    NUL characters are removed and lone UTF-16 surrogates become "?", in
    dicts and lists too.
    """
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


# the transform of an Odoo field in the default field maps (trim for the others)
DEFAULT_TRANSFORMS = {
    "email": "lower_email",
    "phone": "phone_e164",
    "mobile": "phone_e164",
    "country_id": "country_iso",
    "vat": "vat",
    "expected_revenue": "number",
    "date_deadline": "date",
    "stage_id": "value_table",
    "user_id": "value_table",
    "parent_id": "reference",
    "partner_id": "reference",
}


def map_lines(kind, pairs, masters=None):
    """Default field map lines of ``kind`` from ``(external field, Odoo field)`` pairs.

    The transform follows the Odoo field (``DEFAULT_TRANSFORMS``). The
    external CRM is master of deals and of links to other records, the newest
    change of the rest, unless ``masters`` (``{Odoo field: master}``) says
    otherwise.
    """
    lines = []
    for external, odoo in pairs:
        transform = DEFAULT_TRANSFORMS.get(odoo, "trim")
        master = "external" if kind == "deal" or transform == "reference" else "newest"
        lines.append((kind, external, odoo, transform, (masters or {}).get(odoo, master)))
    return lines


def canonical_json(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def body_hash(data):
    # surrogatepass: a lone surrogate is refused later, with a clear message
    return hashlib.sha256(canonical_json(data).encode("utf-8", "surrogatepass")).hexdigest()


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def load_items(body, max_items):
    """Decode a delivery: ``[(item, raw text of the item)]``.

    The body is one JSON object or a list. Each item keeps its raw text
    exactly as it was sent, so that the inbox stores what arrived; an item of
    the list that is not an object is the provider's to reject. Raises
    ``MalformedDelivery`` with the reason when the body cannot be read at
    all.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise MalformedDelivery(f"the body is not UTF-8: {error}") from error
    try:
        start = _WHITESPACE.match(text, 0).end()
        if text[start : start + 1] != "[":
            item, end = _DECODER.raw_decode(text, start)
            if text[_WHITESPACE.match(text, end).end() :]:
                raise ValueError("extra data after the JSON value")
            pairs = [(item, text[start:end])]
        else:
            pairs = []
            position = _WHITESPACE.match(text, start + 1).end()
            if text[position : position + 1] == "]":
                position += 1
            else:
                while True:
                    item, end = _DECODER.raw_decode(text, position)
                    pairs.append((item, text[position:end]))
                    if len(pairs) > max_items:
                        raise MalformedDelivery(f"a delivery holds at most {max_items} items")
                    position = _WHITESPACE.match(text, end).end()
                    separator = text[position : position + 1]
                    position = _WHITESPACE.match(text, position + 1).end()
                    if separator == "]":
                        break
                    if separator != ",":
                        raise ValueError(f"expected ',' or ']' at character {position}")
            if text[position:].strip():
                raise ValueError("extra data after the JSON list")
    except ValueError as error:
        if isinstance(error, MalformedDelivery):
            raise
        raise MalformedDelivery(f"the body is not valid JSON: {error}") from error
    except RecursionError as error:
        # deeper than Python's decoder goes: no CRM sends that
        raise MalformedDelivery("the body is not valid JSON: nested too deeply") from error
    if not pairs or (text[start : start + 1] != "[" and not isinstance(pairs[0][0], dict)):
        raise MalformedDelivery("the body must be a JSON object or a non-empty list of objects")
    return pairs


def load_raw_item(raw):
    """The item of a raw JSON text kept by a rejected event."""
    try:
        return json.loads(raw)
    except ValueError as error:
        raise MalformedDelivery(f"the item is not valid JSON: {error}") from error
    except RecursionError as error:
        raise MalformedDelivery("the item is not valid JSON: nested too deeply") from error


class Provider:
    """Base class: the generic parts of a provider."""

    code = None
    default_api_url = False
    # hosts of the API base URL (``destinations.host_matches`` patterns);
    # None: the provider calls no API, or any https host
    api_hosts = None
    # maximum number of items in one delivery
    max_items = 1000
    # implements ``write_company_properties`` (financial write-back)
    writes_back = False
    # ``fetch`` reads a deleted record through the API: a deletion whose record
    # is not ``missing`` there is not confirmed, and archives nothing
    confirms_deletions = False

    def __init__(self, backend):
        self.backend = backend

    @classmethod
    def webhook_extra(cls, backend):
        """Backend settings this provider needs at the webhook: a dict of plain values."""
        return {}

    def webhook_setting(self, name, default=None):
        """A provider setting of ``_webhook_extra``.

        ``backend`` is the cached webhook settings in a request and a backend
        record elsewhere (processing, tests): both answer.
        """
        extra = getattr(self.backend, "extra", None)
        if extra is None:
            extra = self.backend._webhook_extra()
        return extra.get(name, default)

    def _credentials(self, names, missing_message):
        """The backend as superuser, once its credentials ``names`` are all set.

        sudo: API credentials are readable by administrators only; the
        provider uses them to call the external CRM and never returns them to
        the user. ``missing_message`` is the error when one is not set.
        """
        backend_sudo = self.backend.sudo()
        if not all(backend_sudo[name] for name in names):
            raise ExternalCrmError(missing_message)
        return backend_sudo

    def _token_client(self, client_class, missing_message):
        """A ``client_class`` calling the API with the backend's API token.

        The client calls the API base URL only when it is an allowed
        destination (``_destinations``), and keeps the backend's secrets
        out of its errors.
        """
        backend_sudo = self._credentials(["api_token"], missing_message)
        return client_class(
            backend_sudo.api_base_url or self.default_api_url,
            backend_sudo.api_token,
            timeout=backend_sudo.api_timeout or 30,
            backoff=self.backend._api_backoff(),
            destinations=self.backend._destinations(),
            secrets=[backend_sudo.webhook_secret],
        )

    # -- inbound -----------------------------------------------------------
    def authenticate(self, secret, request, body, now):
        """Return True when ``request`` (method, url, headers) is authentic."""
        raise NotImplementedError

    def parse_delivery(self, body):
        """Split a raw body into ``InboxItem`` objects.

        Raises ``MalformedDelivery`` when the body cannot be read at all (not
        JSON, not an object or a list, too many items): nothing is stored. An
        item that cannot be read becomes a rejected item instead, so that
        the other items of the delivery are stored and processed.
        """
        items = []
        for index, (item, raw) in enumerate(self.split_delivery(body)):
            items.extend(self._read_item(index, item, raw))
        return items

    def split_delivery(self, body):
        """``[(item, raw text of the item)]`` of a body, or ``MalformedDelivery``.

        The default reads a JSON object or list (``load_items``).
        """
        return load_items(body, self.max_items)

    def load_raw_item(self, raw):
        """The item of the raw text a rejected item kept (see ``split_delivery``)."""
        return load_raw_item(raw)

    def parse_item(self, item, raw):
        """The inbox items of one item of a delivery: a list.

        ``item`` is a JSON object (a dict) and ``raw`` its text. Raises
        ``MalformedDelivery`` with the reason when the item cannot be read;
        a provider whose item holds several records may return rejected
        items (``rejected_item``) for some of them.
        """
        raise NotImplementedError

    def parse_rejected(self, raw):
        """Read again the raw text of a rejected item, with the parser of today.

        Returns inbox items as ``parse_delivery`` does, rejected ones
        included: a newer parser, or settings of the backend changed since,
        may read what was refused.
        """
        try:
            item = self.load_raw_item(raw)
        except MalformedDelivery as error:
            return [self._rejected_text(raw, str(error))]
        return self._read_item(0, item, raw)

    def _read_item(self, index, item, raw):
        """``parse_item``, a malformed item rejected rather than raised."""
        try:
            if not isinstance(item, dict):
                raise MalformedDelivery("the item is not a JSON object")
            items = self.parse_item(item, raw)
        except MalformedDelivery as error:
            items = [self.rejected_item(item, raw, str(error))]
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
            # a shape the parser did not expect (a list where it reads a
            # text...): that item is kept, to be read again by a fixed parser,
            # rather than the whole delivery failing
            _logger.debug("Unexpected item of a %s delivery", self.code, exc_info=True)
            reason = f"the item cannot be read: {type(error).__name__}: {error}"
            items = [self.rejected_item(item, raw, reason)]
        for parsed in items:
            if parsed.rejection:
                parsed.index = index
        return items

    def rejected_item(self, item, raw, reason):
        """The rejected inbox item of ``item`` (raw text ``raw``), refused for ``reason``.

        Its key comes from the item's content (``rejected_key``): a repeated
        delivery stores it once.
        """
        return self._rejected(self.rejected_key(item, raw), raw, reason)

    def _rejected_text(self, raw, reason):
        """A rejected item of a raw text that cannot be read as an item at all."""
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        return self._rejected(digest, raw, reason)

    @staticmethod
    def _rejected(key, raw, reason):
        return InboxItem(
            idempotency_key=f"rejected:{key}",
            object_kind=None,
            external_id=None,
            action=None,
            payload=raw,
            rejection=reason,
        )

    def rejected_key(self, item, raw):
        """What identifies a rejected item across the sender's retries.

        The hash of the item's content (its canonical JSON: the spacing of
        the text does not count); a provider leaves out what its sender
        changes at each retry (an attempt number).
        """
        return body_hash(item)

    # -- processing --------------------------------------------------------
    def fetch(self, events):
        """Return ``{event id: RemoteRecord or exception}`` for ``events``.

        Providers whose deliveries carry the full record read it from the
        stored payload; the others call the external API, in batches.
        """
        raise NotImplementedError

    def merged_ids(self, event):
        """External ids merged into ``event.external_id`` by a merge event."""
        return []

    def acknowledgement(self, accepted, duplicates, rejected=()):
        """The answer to a stored delivery, when the provider expects its own.

        ``None`` (the default) answers JSON: 202 with the counts, 200 when
        everything was a repeat, 422 when every item was rejected, with the
        ``rejected`` items listed. A provider whose sender waits for a given
        body (Salesforce's SOAP acknowledgement) returns ``(status, content
        type, body)``.
        """
        return None

    # -- financial write-back ------------------------------------------------
    def write_company_properties(self, updates):
        """Write ``{company id: {property: value}}`` on external company records.

        A value ``""`` clears the property (no credit limit). Returns
        ``{company id: reason}`` of the records the external CRM refused (a
        record deleted there): the others are written. Raises
        ``ExternalCrmTransientError`` when the job must try again later and
        ``ExternalCrmError`` when nothing can be written.
        """
        raise NotImplementedError

    # -- pulls (initial import, catch-up) ----------------------------------
    def snapshot_payload(self, record):
        """The inbox payload of a ``RemoteRecord`` read by a pull.

        ``fetch`` must give the same record back from it without calling the
        API again. The default keeps the shape of a HubSpot CRM object.
        """
        return {
            "snapshot": {
                "id": record.external_id,
                "properties": record.values,
                "updatedAt": (record.modified_at.isoformat() + "Z" if record.modified_at else None),
            }
        }

    def pulled_action(self, record):
        """``(action, external id)`` of a record read by a pull.

        A record the pull found deleted (Salesforce's ``queryAll``) is a
        deletion; a provider that tells a merge from a deletion says so here.
        """
        return ("delete" if record.missing else "upsert"), record.external_id

    def dependency_item(self, kind, external_id):
        """An inbox item that imports a missing related record, or None."""
        return None

    def _api_dependency_item(self, kind, external_id, id_key="id"):
        """A dependency read through the API like a notified change.

        Its payload only says which record to read (``{"dependency": true,
        <id_key>: id}``); the key makes two requests of one record a single
        inbox item.
        """
        return InboxItem(
            idempotency_key=f"dependency:{kind}:{external_id}",
            object_kind=kind,
            external_id=str(external_id),
            action="upsert",
            payload=json.dumps({"dependency": True, id_key: str(external_id)}),
        )

    def _split_events(self, events, from_snapshot):
        """``(records, to_read)``: what the inbox already says, and what to read.

        A pulled record carries its full state (``{"snapshot": ...}``, turned
        into a record by ``from_snapshot(kind, snapshot)``) and a deletion
        needs no read; the other events are returned by kind, for
        ``_read_events``.
        """
        records, to_read = {}, {}
        for event in events:
            if not event.object_kind:
                continue  # not a company, contact or deal: nothing to read
            payload = json.loads(event.payload or "{}")
            if isinstance(payload, dict) and isinstance(payload.get("snapshot"), dict):
                records[event.id] = from_snapshot(event.object_kind, payload["snapshot"])
            elif event.action == "delete":
                records[event.id] = RemoteRecord(
                    kind=event.object_kind, external_id=event.external_id, missing=True
                )
            else:
                to_read.setdefault(event.object_kind, []).append(event)
        return records, to_read

    def _read_events(self, records, to_read, read, to_record):
        """Read through the API the records of the events ``to_read``.

        ``to_read`` is ``{kind: [events]}``; ``read(client, kind, ids)``
        returns ``{id: raw object}`` in as few calls as the API allows, and
        ``to_record(kind, raw)`` a ``RemoteRecord``. An error fails the events
        of its kind only; an id the API no longer knows is a record deleted
        since the event. Fills and returns ``records``, as ``fetch`` does.
        """
        if not to_read:
            return records
        try:
            client = self._client()
        except (ExternalCrmTransientError, ExternalCrmError) as error:
            records.update({event.id: error for group in to_read.values() for event in group})
            return records
        for kind, kind_events in to_read.items():
            self._read_kind(client, kind, kind_events, read, to_record, records)
        return records

    def _read_kind(self, client, kind, events, read, to_record, records):
        """Read the records of ``events`` (one kind) into ``records``.

        An answer the adapter does not understand (a result without an id, a
        shape of another API) fails only the records it concerns: the ids
        are read again in halves until the record behind it is alone, and
        that event fails with what was answered, while the others proceed.
        """
        ids = sorted({event.external_id for event in events})
        try:
            found = read(client, kind, ids)
        except (ExternalCrmTransientError, ExternalCrmError) as error:
            records.update({event.id: error for event in events})
            return
        except Exception as error:  # an answer of a shape the adapter does not know
            if len(ids) > 1:
                first = set(ids[: len(ids) // 2])
                halves = (
                    [event for event in events if event.external_id in first],
                    [event for event in events if event.external_id not in first],
                )
                for half in halves:
                    self._read_kind(client, kind, half, read, to_record, records)
                return
            records.update({event.id: self._not_understood(kind, ids, error) for event in events})
            return
        for event in events:
            raw = found.get(event.external_id)
            try:
                records[event.id] = (
                    RemoteRecord(kind=kind, external_id=event.external_id, missing=True)
                    if raw is None
                    else to_record(kind, raw)
                )
            except Exception as error:  # one record of a shape the adapter does not know
                records[event.id] = self._not_understood(kind, [event.external_id], error)

    def _not_understood(self, kind, ids, error):
        """The permanent error of a record whose answer the adapter cannot read."""
        _logger.warning(
            "%s answer for %s %s not understood", self.code, kind, ", ".join(ids), exc_info=True
        )
        return ExternalCrmError(
            f"The external CRM answered for {kind} {', '.join(ids)} in a way the connector "
            f"did not understand ({error.__class__.__name__}: {error}); process the event "
            "again once the answer is fixed."
        )

    # -- configuration ---------------------------------------------------
    def default_field_maps(self):
        """``[(kind, external field, Odoo field, transform, master)]``."""
        return []

    def default_stage_values(self):
        """``[(external stage, crm.stage xml id or "lost")]`` for deals."""
        return []
