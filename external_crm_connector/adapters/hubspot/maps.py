# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot's default field map and deal stages (a new portal's defaults)."""

from ..maps import map_lines
from .records import DEAL_COMPANY

_ADDRESS = [
    ("address", "street"),
    ("city", "city"),
    ("zip", "zip"),
    ("country", "country_id"),
]

FIELD_MAPS = [
    *map_lines(
        "company",
        [
            ("name", "name"),
            ("domain", "website"),
            ("phone", "phone"),
            ("address2", "street2"),
            *_ADDRESS,
        ],
    ),
    *map_lines(
        "contact",
        [
            ("firstname+lastname", "name"),
            ("email", "email"),
            ("phone", "phone"),
            ("mobilephone", "mobile"),
            ("jobtitle", "function"),
            ("associatedcompanyid", "parent_id"),
            *_ADDRESS,
        ],
    ),
    *map_lines(
        "deal",
        [
            ("dealname", "name"),
            ("amount", "expected_revenue"),
            ("dealstage", "stage_id"),
            ("closedate", "date_deadline"),
            (DEAL_COMPANY, "partner_id"),
            ("closed_lost_reason", "lost_reason_id"),
        ],
    ),
]

STAGE_VALUES = [
    ("appointmentscheduled", "crm.stage_lead1"),
    ("qualifiedtobuy", "crm.stage_lead2"),
    ("presentationscheduled", "crm.stage_lead2"),
    ("decisionmakerboughtin", "crm.stage_lead3"),
    ("contractsent", "crm.stage_lead3"),
    ("closedwon", "crm.stage_lead4"),
    ("closedlost", "lost"),
]
