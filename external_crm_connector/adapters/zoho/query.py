# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the connector asks Zoho: the fields of the field map, pages of records."""

from datetime import timedelta

from .records import ACCOUNT_ID, record_from_object

# kinds linked to an account by the ``Account_Name`` lookup
ACCOUNT_LINKED = ("contact", "deal")


def fields(kind, parts):
    """Zoho fields to read for ``kind``: those of the field map (``parts``)."""
    names = {part.partition(".")[0] for part in parts}
    if kind in ACCOUNT_LINKED:
        names.add("Account_Name")
    return sorted(name for name in names if name)


def dotted_names(kind, parts):
    """Map names of a lookup's attribute (``Account_Name.id``) for ``kind``."""
    return {part for part in parts if "." in part} | (
        {ACCOUNT_ID} if kind in ACCOUNT_LINKED else set()
    )


def list_records(client, kind, names, dotted, after, limit, since=None):
    """One page of ``kind`` records: ``([RemoteRecord], next cursor)``.

    With ``since`` (naive UTC), the records modified at or after it, oldest
    change first: Zoho's ``If-Modified-Since`` lists the records changed
    *after* the given second, so one second earlier includes those changed
    at ``since``.
    """
    results, next_after = client.list_page(
        kind,
        names,
        cursor=after,
        limit=limit,
        since=since - timedelta(seconds=1) if since else None,
    )
    return [record_from_object(kind, item, dotted) for item in results], next_after
