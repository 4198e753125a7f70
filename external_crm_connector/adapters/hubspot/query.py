# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the connector asks HubSpot: properties, records by id, pages.

Every read asks for the properties of the field map; deals come with the
company they are associated with (the v4 associations API, or the listing's
own associations).
"""

from datetime import UTC

from .records import DEAL_COMPANY, DEAL_CURRENCY, record_from_object


def properties(kind, parts):
    """HubSpot properties to read for ``kind``: ``parts``, those of the field map.

    A deal also gives its currency (``RemoteRecord.currency``).
    """
    names = set(parts)
    names.discard(DEAL_COMPANY)
    if kind == "contact":
        names.add("associatedcompanyid")
    if kind == "deal":
        names.add(DEAL_CURRENCY)
    return sorted(name for name in names if name)


def read_ids(client, kind, ids, names):
    """``({id: object}, {deal id: [company ids]})`` of the ids that still exist."""
    found = client.read_batch(kind, ids, names)
    # the company of each deal, from the associations API
    links = client.read_associations("deal", "company", list(found)) if kind == "deal" else {}
    return found, links


def import_page(client, kind, names, after, limit):
    """One page of all ``kind`` records: ``([RemoteRecord], next cursor)``."""
    associations = ["company"] if kind == "deal" else None
    results, next_after = client.list_page(
        kind, names, after=after, limit=limit, associations=associations
    )
    return [record_from_object(kind, item) for item in results], next_after


def changed_page(client, kind, names, since, after, limit):
    """One page of the ``kind`` records changed since ``since`` (naive UTC)."""
    since_ms = int(since.replace(tzinfo=UTC).timestamp() * 1000) if since else 0
    results, next_after = client.search_changed(kind, names, since_ms, after=after, limit=limit)
    # search results carry no associations: read the deals' companies
    associations = (
        client.read_associations("deal", "company", [item["id"] for item in results])
        if kind == "deal" and results
        else None
    )
    return [record_from_object(kind, item, associations) for item in results], next_after
