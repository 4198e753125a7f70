# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce names and ids: the sObjects read, record and organization ids."""

import re

SOBJECTS = {"company": "Account", "contact": "Contact", "deal": "Opportunity"}
KINDS_BY_SOBJECT = {sobject: kind for kind, sobject in SOBJECTS.items()}

ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id18(value):
    """The 18-character, case-safe form of a Salesforce id (15 or 18 characters).

    Salesforce documents the suffix: for each block of five characters, one
    bit per upper-case letter, read as an index in A-Z0-5. Bindings always use
    the 18-character form, so that an id typed in its short form matches.
    """
    if not isinstance(value, str) or len(value) != 15 or not ID_PATTERN.match(value):
        return value
    suffix = ""
    for block in range(3):
        bits = 0
        for position, char in enumerate(value[block * 5 : block * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _ID_SUFFIX[bits]
    return value + suffix


def same_organization(first, second):
    """True when two organization ids (15 or 18 characters) are the same org.

    The first 15 characters are the id itself (case-sensitive); the three
    more of the 18-character form only encode the case.
    """
    first = (first or "").strip()
    second = (second or "").strip()
    if not (ID_PATTERN.match(first) and ID_PATTERN.match(second)):
        return False
    return first[:15] == second[:15]
