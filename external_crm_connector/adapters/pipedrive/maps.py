# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive's default field map (normalised names) and deal stages."""

from ..maps import map_lines
from .records import DEAL_STAGE

_ADDRESS = [
    ("address_street", "street"),
    ("address_locality", "city"),
    ("address_postal_code", "zip"),
    ("address_country", "country_id"),
]

FIELD_MAPS = [
    *map_lines("company", [("name", "name"), ("vat", "vat"), ("owner_id", "user_id"), *_ADDRESS]),
    *map_lines(
        "contact",
        [
            ("name", "name"),
            ("email", "email"),
            ("phone", "phone"),
            ("job_title", "function"),
            ("org_id", "parent_id"),
            ("owner_id", "user_id"),
            *_ADDRESS,
        ],
    ),
    *map_lines(
        "deal",
        [
            ("title", "name"),
            ("value", "expected_revenue"),
            (DEAL_STAGE, "stage_id"),
            ("expected_close_date", "date_deadline"),
            ("org_id", "partner_id"),
            ("lost_reason", "lost_reason_id"),
            ("owner_id", "user_id"),
        ],
    ),
]

# stage ids 1 to 5: the default pipeline of a new Pipedrive company
STAGE_VALUES = [
    ("1", "crm.stage_lead1"),
    ("2", "crm.stage_lead2"),
    ("3", "crm.stage_lead2"),
    ("4", "crm.stage_lead3"),
    ("5", "crm.stage_lead3"),
    ("won", "crm.stage_lead4"),
    ("lost", "lost"),
]
