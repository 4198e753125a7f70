# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Value normalisation shared by the field maps and the identity matching.

Pure functions: a value that cannot be normalised raises ``ValueError`` with
a message meant for the person reading the event.
"""

import functools
import math
import re
from datetime import UTC, date, datetime

import phonenumbers

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
# a VAT number often starts with its country code ("MA 0015...", "FR12...")
_VAT_PREFIX = re.compile(r"^[A-Z]{2}(?=[0-9])")
# the same rule, in PostgreSQL's regular expressions, for matching in SQL
SQL_VAT_KEY = r"regexp_replace(upper(regexp_replace({column}, '[^0-9A-Za-z]', '', 'g')), '^[A-Z]{{2}}(?=[0-9])', '')"  # noqa: E501


# what a value was expected to be (``Unreadable.expected``)
EMAIL, PHONE, DATETIME, DATE, NUMBER = "email", "phone", "datetime", "date", "number"
_EXPECTED_TEXT = {
    EMAIL: "an e-mail address",
    PHONE: "a phone number",
    DATETIME: "a date and time",
    DATE: "a date",
    NUMBER: "a number",
}


class Unreadable(ValueError):
    """A value that is not what its transform expects (``expected``: EMAIL...).

    The message is English, for logs; whoever shows it to a person words it
    in the person's language from ``value`` and ``expected``.
    """

    def __init__(self, value, expected):
        super().__init__(f"{value!r} is not {_EXPECTED_TEXT[expected]}")
        self.value = value
        self.expected = expected


def is_empty(value):
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def trim(value):
    """Collapse inner whitespace and strip; empty gives False."""
    if is_empty(value):
        return False
    return _SPACES.sub(" ", str(value)).strip()


def lower_email(value):
    """Trimmed, lower-case e-mail address."""
    value = trim(value)
    if not value:
        return False
    value = value.lower()
    if "@" not in value:
        raise Unreadable(value, EMAIL)
    return value


# parsing is the costly part of matching a batch: one number is often parsed
# several times (mapping, matching keys, candidates)
@functools.lru_cache(maxsize=8192)
def phone_e164(value, country_code=None):
    """The number in E.164 (``+212522123456``); national numbers use ``country_code``."""
    value = trim(value)
    if not value:
        return False
    try:
        number = phonenumbers.parse(value, (country_code or "").upper() or None)
    except phonenumbers.NumberParseException as error:
        raise Unreadable(value, PHONE) from error
    if not phonenumbers.is_possible_number(number):
        raise Unreadable(value, PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_code(value):
    """Upper-case country code or name, resolved to a country by the caller."""
    value = trim(value)
    return value.upper() if value and len(value) <= 3 else value


def normalize_vat(value):
    """VAT number without spaces or punctuation, upper case (``MA001524398000088``)."""
    value = trim(value)
    if not value:
        return False
    return _NOT_ALNUM.sub("", value).upper() or False


def vat_key(value):
    """Matching key of a VAT number: normalised, without its country prefix."""
    value = normalize_vat(value)
    return _VAT_PREFIX.sub("", value) if value else False


def registry_key(value):
    """Matching key of a company registry number."""
    return normalize_vat(value)


def name_key(value):
    """Matching key of a company name: trimmed, single spaces, lower case."""
    value = trim(value)
    return value.lower() if value else False


def parse_datetime(value):
    """A naive UTC datetime from ISO 8601 text or epoch milliseconds."""
    if is_empty(value):
        return False
    # out of range (year 0 or 10000 once in UTC, NaN, infinity, a number of
    # seconds past what the platform counts) is as unreadable as a typo
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            number = int(value)
            # HubSpot sends milliseconds, scripts often seconds
            moment = datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)
        else:
            text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
            moment = datetime.fromisoformat(text)
        if moment.tzinfo:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError) as error:
        raise Unreadable(value, DATETIME) from error
    return moment.replace(microsecond=0)


def parse_date(value):
    """A date from ISO text, a datetime text or epoch milliseconds."""
    if is_empty(value):
        return False
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError as error:
            raise Unreadable(value, DATE) from error
    return parse_datetime(value).date()


def parse_number(value):
    """A float from a number or a text such as ``"1 200,50"`` or ``"1,200.50"``."""
    if is_empty(value):
        return 0.0
    if isinstance(value, bool):
        raise Unreadable(value, NUMBER)
    if isinstance(value, int | float):
        text = value
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." in text:
            # the separator written last is the decimal one
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        elif "," in text:
            text = text.replace(",", ".")
    try:
        number = float(text)
    except (ValueError, OverflowError) as error:
        raise Unreadable(value, NUMBER) from error
    # JSON allows NaN and Infinity, which no amount of money is
    if not math.isfinite(number):
        raise Unreadable(value, NUMBER)
    return number
