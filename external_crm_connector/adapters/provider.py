# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The provider interface, the capabilities it declares, and the registry.

A provider knows one external CRM: how its webhooks are authenticated, how a
delivery splits into inbox items, how to get the full record behind an item,
and which field map makes sense by default. Everything else (inbox, mapping,
matching, conflicts) is shared. Each provider is a package of this folder
(``hubspot/``, ``salesforce/``...); another addon adds one by subclassing
``Provider``, declaring its ``capabilities`` and decorating it with
``register``.

What a provider can do beyond receiving deliveries is stated, not guessed
from its methods: ``capabilities`` holds ``IMPORT`` (read every record),
``PULL`` (read the records changed since a date), ``WRITE_BACK`` (write the
financial figures on companies), ``SUBSCRIPTION`` (subscribe its own
notification channel), ``LINES`` (read the line items and currency of
deals, for their sale orders) and ``DEAL_STATUS`` (write the status of a
deal's order, invoices and payments back on the deal). The connector asks
``can(...)``; a provider that declares a capability implements its methods
(``CAPABILITY_METHODS``).
"""

from ..exceptions import MalformedDelivery
from . import delivery, lines, reading
from .delivery import body_hash, canonical_json, load_items, load_raw_item
from .items import (
    ID_FIELDS,
    MAX_ID_LENGTH,
    MAX_KEY_LENGTH,
    NUL_CHECKED,
    InboxItem,
    LinesOf,
    RemoteRecord,
    without_nul,
)
from .maps import DEFAULT_TRANSFORMS, map_lines

# this module's names, and those of the shared modules (items, delivery,
# maps) that the connector has always imported from here
__all__ = [
    "ACTIONS",
    "CAPABILITY_METHODS",
    "DEAL_STATUS",
    "DEFAULT_TRANSFORMS",
    "ID_FIELDS",
    "IMPORT",
    "KINDS",
    "LINES",
    "MAX_ID_LENGTH",
    "MAX_KEY_LENGTH",
    "NUL_CHECKED",
    "PROVIDERS",
    "PULL",
    "SUBSCRIPTION",
    "WRITE_BACK",
    "InboxItem",
    "LinesOf",
    "Provider",
    "RemoteRecord",
    "body_hash",
    "canonical_json",
    "capability_mismatches",
    "get_provider",
    "load_items",
    "load_raw_item",
    "map_lines",
    "null_cleared",
    "register",
    "without_nul",
]

PROVIDERS = {}

KINDS = ("company", "contact", "deal")
# "lines": the line items of a deal changed; the event's external id is the
# line item's (``items.LinesOf``)
# "erase": the person asked to be forgotten (``services/erasure.py``)
ACTIONS = ("upsert", "delete", "merge", "association", "lines", "erase")

# what a provider may declare in ``Provider.capabilities``
IMPORT = "import"
PULL = "pull"
WRITE_BACK = "write_back"
SUBSCRIPTION = "subscription"
LINES = "lines"
DEAL_STATUS = "deal_status"
# the methods a provider implements for each capability it declares
CAPABILITY_METHODS = {
    IMPORT: ("import_page", "import_total"),
    PULL: ("changed_page",),
    WRITE_BACK: ("write_company_properties",),
    SUBSCRIPTION: ("watch",),
    LINES: ("read_deal_lines",),
    DEAL_STATUS: ("write_deal_status",),
}


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


def capability_mismatches(provider_class):
    """``{capability: what is wrong}`` where the declaration and the methods disagree.

    A capability is implemented when the class overrides every method of it
    (``CAPABILITY_METHODS``); it must be declared exactly then. Empty for a
    provider that declares what it implements.
    """
    mismatches = {}
    for capability, methods in CAPABILITY_METHODS.items():
        overridden = [
            name for name in methods if getattr(provider_class, name) is not getattr(Provider, name)
        ]
        declared = capability in provider_class.capabilities
        if declared and len(overridden) < len(methods):
            missing = sorted(set(methods) - set(overridden))
            mismatches[capability] = f"declared, without {', '.join(missing)}"
        elif not declared and overridden:
            mismatches[capability] = f"not declared, with {', '.join(overridden)}"
    return mismatches


def null_cleared(values):
    """Write-back values with ``""`` (a cleared figure) as null, as the APIs take it."""
    return {name: None if value == "" else value for name, value in values.items()}


class Provider:
    """The interface every provider implements, with the shared defaults.

    The methods a provider must write are ``authenticate``, ``parse_item``
    and ``fetch``, and those of the capabilities it declares; the others
    have defaults that suit a JSON provider.
    """

    code = None
    default_api_url = False
    # hosts of the API base URL (``destinations.host_matches`` patterns);
    # None: the provider calls no API, or any https host
    api_hosts = None
    # maximum number of items in one delivery
    max_items = 1000
    # what the provider can do beyond receiving deliveries (see the module)
    capabilities = frozenset()
    # the default field map (``maps.map_lines``) and deal stages of a new backend
    field_maps = ()
    stage_values = ()
    # ``fetch`` reads a deleted record through the API: a deletion whose record
    # is not ``missing`` there is not confirmed, and archives nothing
    confirms_deletions = False

    def __init__(self, backend):
        self.backend = backend

    @classmethod
    def can(cls, capability):
        """True when the provider declares ``capability`` (``IMPORT``, ``PULL``...)."""
        return capability in cls.capabilities

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

    def _client(self):
        """The API client of the provider, with the backend's credentials."""
        raise NotImplementedError

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
            return [delivery.rejected_text(raw, str(error))]
        return self._read_item(0, item, raw)

    def _read_item(self, index, item, raw):
        """``parse_item``, a malformed item rejected rather than raised."""
        return delivery.read_item(index, item, raw, self.parse_item, self.rejected_item, self.code)

    def rejected_item(self, item, raw, reason):
        """The rejected inbox item of ``item`` (raw text ``raw``), refused for ``reason``.

        Its key comes from the item's content (``rejected_key``): a repeated
        delivery stores it once.
        """
        return delivery.rejected(self.rejected_key(item, raw), raw, reason)

    def rejected_key(self, item, raw):
        """What identifies a rejected item across the sender's retries.

        The hash of the item's content (its canonical JSON: the spacing of
        the text does not count); a provider leaves out what its sender
        changes at each retry (an attempt number).
        """
        return body_hash(item)

    def acknowledgement(self, accepted, duplicates, rejected=()):
        """The answer to a stored delivery, when the provider expects its own.

        ``None`` (the default) answers JSON: 202 with the counts, 200 when
        everything was a repeat, 422 when every item was rejected, with the
        ``rejected`` items listed. A provider whose sender waits for a given
        body (Salesforce's SOAP acknowledgement) returns ``(status, content
        type, body)``.
        """
        return None

    # -- processing --------------------------------------------------------
    def fetch(self, events):
        """Return ``{event id: RemoteRecord or exception}`` for ``events``.

        Providers whose deliveries carry the full record read it from the
        stored payload; the others call the external API, in batches
        (``_read_events``).
        """
        raise NotImplementedError

    def _read_events(self, records, to_read, read, to_record):
        """``reading.read_events`` with this provider's client."""
        return reading.read_events(records, to_read, self._client, read, to_record, self.code)

    def _read_lines(self, deal_ids, module):
        """``lines.read_deal_lines`` with this provider's client and ``module``'s reading.

        ``module`` (the provider's ``lines``) has ``CHUNK``, ``read_chunk`` and ``to_line``.
        """
        return lines.read_deal_lines(
            deal_ids, self._client, module.CHUNK, module.read_chunk, module.to_line, self.code
        )

    def merged_ids(self, event):
        """External ids merged into ``event.external_id`` by a merge event."""
        return []

    def dependency_item(self, kind, external_id):
        """An inbox item that imports a missing related record, or None."""
        return None

    def snapshot_payload(self, record):
        """The inbox payload of a ``RemoteRecord`` read by a pull.

        ``fetch`` must give the same record back from it without calling the
        API again. The default keeps the shape of a HubSpot CRM object.
        """
        return {
            "snapshot": {
                "id": record.external_id,
                "properties": record.values,
                "updatedAt": record.modified_text(),
            }
        }

    def pulled_action(self, record):
        """``(action, external id)`` of a record read by a pull.

        A record the pull found deleted (Salesforce's ``queryAll``) is a
        deletion; a provider that tells a merge from a deletion says so here.
        """
        return ("delete" if record.missing else "upsert"), record.external_id

    # -- capabilities ------------------------------------------------------
    def import_page(self, kind, after, limit=100):
        """``IMPORT``: one page of all ``kind`` records, ``([RemoteRecord], next cursor)``."""
        raise NotImplementedError

    def import_total(self, kind):
        """``IMPORT``: how many ``kind`` records there are (0: unknown)."""
        raise NotImplementedError

    def changed_page(self, kind, since, after, limit=100):
        """``PULL``: one page of the records changed at or after ``since`` (naive UTC).

        Oldest change first: ``([RemoteRecord], next cursor)``.
        """
        raise NotImplementedError

    def write_company_properties(self, updates):
        """``WRITE_BACK``: write ``{company id: {property: value}}`` on company records.

        A value ``""`` clears the property (no credit limit). Returns
        ``{company id: reason}`` of the records the external CRM refused (a
        record deleted there): the others are written. Raises
        ``ExternalCrmTransientError`` when the job must try again later and
        ``ExternalCrmError`` when nothing can be written.
        """
        raise NotImplementedError

    def write_deal_status(self, updates):
        """``DEAL_STATUS``: write ``{deal id: {property: value}}`` on deals.

        The status of the deal's sale order, invoices and payments (see
        ``services/deal_status.py``); ``""`` clears a property. Answers as
        ``write_company_properties`` does: ``{deal id: reason}`` of the deals
        refused, ``ExternalCrmTransientError`` to try again later.
        """
        raise NotImplementedError

    def watch(self, channel_id, notify_url, token, expiry, renew=False):
        """``SUBSCRIPTION``: subscribe or extend the notification channel.

        Returns the expiry the external CRM confirmed.
        """
        raise NotImplementedError

    def read_deal_lines(self, deal_ids):
        """``LINES``: the line items and currency of the deals ``deal_ids``.

        Returns ``{deal id: (currency, [DealLine])}``, the currency an ISO
        4217 code or None and the list empty for a deal without line items;
        a deal whose lines cannot be read gets the ``ExternalCrmError``
        (permanent: a deal deleted, a malformed line, named in the message)
        or ``ExternalCrmTransientError`` (try again later: rate limit,
        server error) instead. Read in batches (``lines.read_deal_lines``);
        an error fails the deals of its batch only.
        """
        raise NotImplementedError

    # -- configuration ---------------------------------------------------
    def default_field_maps(self):
        """``[(kind, external field, Odoo field, transform, master)]``: ``field_maps``."""
        return list(self.field_maps)

    def default_stage_values(self):
        """``[(external stage, crm.stage xml id or "lost")]`` for deals: ``stage_values``."""
        return list(self.stage_values)
