# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Times of the external CRMs in the tests, relative to the day the tests run.

A test that names a calendar date breaks once the calendar passes it (a
catch-up pull reads what changed since the backend was created: today). So
every external modification time is written ``moment(day, hour, ...)``: that
time of the day ``day`` days from today (UTC), e.g. ``moment(-3, 10)`` three
days ago at 10:00 and ``moment(1, 16)`` tomorrow at 16:00, which is always
after a backend created by the test. ``iso`` writes it as the providers do.
"""

from datetime import UTC, datetime, timedelta

# midnight (UTC) of the day the test run started, as a naive UTC datetime
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)


def moment(day=0, hour=0, minute=0, second=0):
    """``hour:minute:second`` (UTC) of the day ``day`` days from today: naive UTC."""
    return TODAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


# default modification times of the test helpers and fakes: three days ago,
# and tomorrow (after the creation of any backend of a test: a catch-up pull
# reads what changed since then)
EARLIER = TODAY + timedelta(days=-3, hours=10)
LATER = TODAY + timedelta(days=1, hours=16)


def iso(when, suffix="Z", offset_hours=0, sep="T"):
    """``when`` (naive UTC) as ISO 8601 text ending with ``suffix``.

    ``offset_hours`` writes the local time of a time zone: ``iso(t, "+01:00",
    1)`` is the same instant as ``iso(t)``, as Zoho writes it. Pipedrive's
    webhooks v1 write ``iso(t, "", sep=" ")``.
    """
    local = when + timedelta(hours=offset_hours)
    return local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + suffix


def epoch(when):
    """``when`` (naive UTC) in seconds since 1970, as Pipedrive's ``meta.timestamp``."""
    return int(when.replace(tzinfo=UTC).timestamp())


def epoch_ms(when):
    """``when`` (naive UTC) in milliseconds since 1970, as HubSpot and Zoho write it."""
    return epoch(when) * 1000


def day_text(day):
    """The date ``day`` days from today, as ``YYYY-MM-DD``."""
    return moment(day).date().isoformat()
