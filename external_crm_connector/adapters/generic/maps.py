# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The generic door's default field map and deal stages: plain names."""

from ..maps import map_lines

_PARTNER_FIELDS = [
    ("email", "email"),
    ("phone", "phone"),
    ("mobile", "mobile"),
    ("street", "street"),
    ("street2", "street2"),
    ("zip", "zip"),
    ("city", "city"),
    ("country", "country_id"),
]

FIELD_MAPS = [
    *map_lines(
        "company",
        [
            ("name", "name"),
            ("vat", "vat"),
            ("company_registry", "company_registry"),
            ("website", "website"),
            *_PARTNER_FIELDS,
        ],
        # identifiers typed by the accountant win over a form on a website
        masters={"vat": "odoo", "company_registry": "odoo"},
    ),
    *map_lines(
        "contact",
        [
            ("name", "name"),
            ("job_title", "function"),
            ("company_id", "parent_id"),
            *_PARTNER_FIELDS,
        ],
    ),
    *map_lines(
        "deal",
        [
            ("name", "name"),
            ("amount", "expected_revenue"),
            ("stage", "stage_id"),
            ("company_id", "partner_id"),
            ("close_date", "date_deadline"),
            ("lost_reason", "lost_reason_id"),
        ],
    ),
]

STAGE_VALUES = [
    ("new", "crm.stage_lead1"),
    ("qualified", "crm.stage_lead2"),
    ("proposition", "crm.stage_lead3"),
    ("won", "crm.stage_lead4"),
    ("lost", "lost"),
]
