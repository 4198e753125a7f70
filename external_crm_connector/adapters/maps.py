# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Building the providers' default field maps (their ``maps`` modules).

Each provider package lists its default field map as ``(external field,
Odoo field)`` pairs per object kind; ``map_lines`` gives each line the
transform its Odoo field needs and the system that is master of it.
"""

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


def external_field_parts(backend, kind):
    """The external fields the backend's field map reads for ``kind``, stripped.

    A line may join several fields (``FirstName+LastName``): each is given,
    in the order of the lines; the providers read exactly these.
    """
    return [
        part.strip()
        for line in backend.field_map_ids.filtered(lambda m: m.object_kind == kind)
        for part in line.external_field.split("+")
    ]
