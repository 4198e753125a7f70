# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which system wins a field: the master policies, as plain functions.

Values come in in their comparable form (ids for relations, ISO text for
dates, ``LOST`` for a lost deal's stage) and decisions come out; there is no
database here, so the rules are tested without one (tests/test_policy.py).
"""

from dataclasses import dataclass

# the comparable form of the stage of a lost deal (it has no stage of its own)
LOST = "lost"
APPLY, KEEP, CONFLICT = "apply", "keep", "conflict"


def same(left, right):
    """True when two comparable values are equal (floats to 6 decimals, empties alike)."""
    if isinstance(left, float) or isinstance(right, float):
        try:
            return round(float(left or 0.0), 6) == round(float(right or 0.0), 6)
        except (TypeError, ValueError):
            return False
    return (left or False) == (right or False)


def is_older(modified_at, applied_at):
    """True when a change dated ``modified_at`` is older than the one applied."""
    return bool(applied_at and modified_at and modified_at < applied_at)


def is_repeat(changed, modified_at, applied_at):
    """True when a change already applied arrives again and changes nothing."""
    return not changed and bool(modified_at) and applied_at == modified_at


def local_change_time(write_date, sync_date):
    """When Odoo changed the record, or None when nobody did since the last sync."""
    if sync_date and write_date and write_date <= sync_date:
        return None
    return write_date


def decide(master, external_changed, odoo_changed, modified_at, local_time, current):
    """``apply``, ``keep`` or ``conflict`` for one field whose values differ."""
    if master == "external":
        return APPLY
    if master == "odoo":
        return KEEP
    if current in (False, None, "", 0, 0.0):
        return APPLY  # filling an empty Odoo field overwrites nothing
    if not external_changed:
        return KEEP
    if not odoo_changed:
        return APPLY
    if modified_at and local_time and modified_at != local_time:
        return APPLY if modified_at > local_time else KEEP
    return CONFLICT


@dataclass(frozen=True)
class FieldDecision:
    """The decision on one field whose Odoo and incoming values differ."""

    field_name: str
    decision: str
    current: object
    value: object
    last: object
    external_changed: bool


def decide_fields(incoming, current, masters, last_values, first_sync, modified_at, local_time):
    """Decide each incoming field: ``(decisions, values last seen)``.

    ``current``: the record's comparable values, ``masters``: the policy of
    each field, ``last_values``: what the external CRM sent last time (the
    binding keeps it). A field equal on both sides needs no decision; the
    values last seen record what the external CRM has now, except for a
    field left in conflict.
    """
    last_values = dict(last_values)
    decisions = []
    for fname, value in incoming.items():
        now = current[fname]
        if same(now, value):
            last_values[fname] = value
            continue
        last = last_values.get(fname)
        external_changed = first_sync or fname not in last_values or not same(value, last)
        odoo_changed = first_sync or (fname in last_values and not same(now, last))
        decision = decide(
            masters[fname], external_changed, odoo_changed, modified_at, local_time, now
        )
        if decision != CONFLICT:
            last_values[fname] = value
        decisions.append(FieldDecision(fname, decision, now, value, last, external_changed))
    return decisions, last_values
