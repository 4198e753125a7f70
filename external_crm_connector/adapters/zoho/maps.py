# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM's default field map and the stages of a new organisation."""

from ..maps import map_lines
from .records import ACCOUNT_ID

FIELD_MAPS = [
    *map_lines(
        "company",
        [
            ("Account_Name", "name"),
            ("Phone", "phone"),
            ("Website", "website"),
            ("Billing_Street", "street"),
            ("Billing_City", "city"),
            ("Billing_Code", "zip"),
            ("Billing_Country", "country_id"),
        ],
    ),
    *map_lines(
        "contact",
        [
            ("First_Name+Last_Name", "name"),
            ("Email", "email"),
            ("Phone", "phone"),
            ("Mobile", "mobile"),
            ("Title", "function"),
            (ACCOUNT_ID, "parent_id"),
        ],
    ),
    *map_lines(
        "deal",
        [
            ("Deal_Name", "name"),
            ("Amount", "expected_revenue"),
            ("Closing_Date", "date_deadline"),
            ("Stage", "stage_id"),
            (ACCOUNT_ID, "partner_id"),
            ("Reason_For_Loss__s", "lost_reason_id"),
        ],
    ),
]

STAGE_VALUES = [
    ("Qualification", "crm.stage_lead1"),
    ("Needs Analysis", "crm.stage_lead1"),
    ("Value Proposition", "crm.stage_lead2"),
    ("Id. Decision Makers", "crm.stage_lead2"),
    ("Perception Analysis", "crm.stage_lead2"),
    ("Proposal/Price Quote", "crm.stage_lead3"),
    ("Negotiation/Review", "crm.stage_lead3"),
    ("Closed Won", "crm.stage_lead4"),
    ("Closed Lost", "lost"),
    ("Closed-Lost to Competition", "lost"),
]
