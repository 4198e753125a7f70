# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce's default field map and the stages of a new organization."""

from ..maps import map_lines


def _address(prefix):
    return [
        (f"{prefix}Street", "street"),
        (f"{prefix}City", "city"),
        (f"{prefix}PostalCode", "zip"),
        (f"{prefix}Country", "country_id"),
    ]


FIELD_MAPS = [
    *map_lines(
        "company",
        [("Name", "name"), ("Phone", "phone"), ("Website", "website"), *_address("Billing")],
    ),
    *map_lines(
        "contact",
        [
            ("FirstName+LastName", "name"),
            ("Email", "email"),
            ("Phone", "phone"),
            ("MobilePhone", "mobile"),
            ("Title", "function"),
            ("AccountId", "parent_id"),
            *_address("Mailing"),
        ],
    ),
    *map_lines(
        "deal",
        [
            ("Name", "name"),
            ("Amount", "expected_revenue"),
            ("CloseDate", "date_deadline"),
            ("StageName", "stage_id"),
            ("AccountId", "partner_id"),
        ],
    ),
]

# the stages of a new Salesforce organization's sales process
STAGE_VALUES = [
    ("Prospecting", "crm.stage_lead1"),
    ("Qualification", "crm.stage_lead2"),
    ("Needs Analysis", "crm.stage_lead2"),
    ("Value Proposition", "crm.stage_lead2"),
    ("Id. Decision Makers", "crm.stage_lead2"),
    ("Perception Analysis", "crm.stage_lead2"),
    ("Proposal/Price Quote", "crm.stage_lead3"),
    ("Negotiation/Review", "crm.stage_lead3"),
    ("Closed Won", "crm.stage_lead4"),
    ("Closed Lost", "lost"),
]
