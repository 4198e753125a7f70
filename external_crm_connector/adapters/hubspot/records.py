# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot CRM objects as remote records.

A CRM object's ``properties`` are the record's values; a deal also gets
the company it is associated with, as the pseudo-property
``associations.companies`` that the field map reads.
"""

from .. import transforms
from ..items import RemoteRecord
from ..lines import record_currency

# pseudo-property holding the company a deal is associated with
DEAL_COMPANY = "associations.companies"
# the property holding a deal's currency (ISO code)
DEAL_CURRENCY = "deal_currency_code"


def record_from_object(kind, item, associations=None):
    """A ``RemoteRecord`` from a CRM object (an API answer or a pulled snapshot).

    ``associations`` is ``{deal id: [company ids]}`` read beside the deals;
    without it, the companies the object itself lists.
    """
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
        currency=record_currency(values.get(DEAL_CURRENCY)) if kind == "deal" else None,
    )
