# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The values a company's credit policy may take, in one table."""

from typing import NamedTuple

from odoo.tools import LazyTranslate

# English where no language is known (a plain test); the models translate
# the terms with env._, in the user's language
_lt = LazyTranslate(__name__, default_lang="en_US")

# Largest number of days the policy stores (a PostgreSQL integer column).
MAX_POLICY_DAYS = 2**31 - 1
# Longest validity of a credit override: an exception to the policy, not a
# standing permission.
MAX_OVERRIDE_DAYS = 365


class PolicyLimit(NamedTuple):
    """A bound of one setting: a value under ``minimum`` or over ``maximum``
    (None: no bound on that side) is refused with ``message`` (see
    ``limit_message``)."""

    field: str
    minimum: float | None
    maximum: float | None
    message: object


# Checked in this order; the first bound broken is the one reported.
POLICY_LIMITS = (
    PolicyLimit(
        "credit_alert_override_days",
        1,
        MAX_OVERRIDE_DAYS,
        _lt(
            "Credit alerts of %(company)s: credit overrides must be valid for 1 to %(max)s "
            "days (%(value)s given)."
        ),
    ),
    PolicyLimit(
        "credit_alert_grace_days",
        0,
        None,
        _lt("Credit alerts of %(company)s: the grace days cannot be negative (%(value)s given)."),
    ),
    PolicyLimit(
        "credit_alert_grace_days",
        None,
        MAX_POLICY_DAYS,
        _lt(
            "Credit alerts of %(company)s: the grace days cannot be more than %(max)s "
            "(%(value)s given)."
        ),
    ),
    PolicyLimit(
        "credit_alert_block_days",
        0,
        None,
        _lt(
            "Credit alerts of %(company)s: the days overdue from which a customer is blocked "
            "cannot be negative (%(value)s given)."
        ),
    ),
    PolicyLimit(
        "credit_alert_block_days",
        None,
        MAX_POLICY_DAYS,
        _lt(
            "Credit alerts of %(company)s: the days overdue from which a customer is blocked "
            "cannot be more than %(max)s (%(value)s given)."
        ),
    ),
    PolicyLimit(
        "credit_alert_min_overdue_amount",
        0,
        None,
        _lt(
            "Credit alerts of %(company)s: the minimum overdue amount cannot be negative "
            "(%(value)s given)."
        ),
    ),
    PolicyLimit(
        "credit_alert_warn_percent",
        0,
        100,
        _lt(
            "Credit alerts of %(company)s: the percentage of the credit limit that triggers a "
            "warning must be between 0 and 100 (%(value)s given)."
        ),
    ),
)
POLICY_LIMIT_FIELDS = tuple(dict.fromkeys(limit.field for limit in POLICY_LIMITS))


def first_violation(values):
    """The first limit of ``POLICY_LIMITS`` that ``values`` break, or None.

    ``values``: ``{field: value}`` of every field of the table; amounts
    already rounded to the currency, so that what rounds to zero is zero.
    """
    for limit in POLICY_LIMITS:
        value = values[limit.field]
        if (limit.minimum is not None and value < limit.minimum) or (
            limit.maximum is not None and value > limit.maximum
        ):
            return limit
    return None


def limit_message(limit, env, company, value):
    """The refusal of ``limit`` for ``company`` (its name) and ``value`` (as
    shown), translated by ``env._``."""
    # a lazy term: env._ translates it without arguments, and the translation
    # is formatted here as env._ formats its own
    return env._(limit.message) % {  # pylint: disable=translation-not-lazy
        "company": company,
        "value": value,
        "min": limit.minimum,
        "max": limit.maximum,
    }
