# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the write-backs share: the properties a backend names, and the job that writes.

The customers' credit status (``models/external_crm_financial_writeback``)
and the deals' order status (``models/external_crm_backend_deal_status``)
both write properties of the external records their bindings point to, in
a queue job, and record on each binding what the external CRM accepted.
"""

from ..exceptions import ExternalCrmError, ExternalCrmTransientError
from .queue_jobs import retry_later

MISSING = "missing"
TWICE = "twice"


def named_properties(names):
    """The property names given, stripped, without the empty ones."""
    return tuple(name.strip() for name in names if name and name.strip())


def naming_problem(names):
    """``MISSING`` (no property at all), ``TWICE`` (two figures, one property) or None."""
    if not names:
        return MISSING
    if len(set(names)) != len(names):
        return TWICE
    return None


def write_job(bindings, updates, write, record, noun):
    """The job of a write-back: its result, for the job's record.

    ``updates`` is ``[[binding id, {property: value}], ...]`` (bindings
    deleted since are left out); ``write({external id: values})`` calls
    the provider and returns the refused ``{external id: reason}``;
    ``record(binding, values)`` keeps what the CRM accepted. A rate limit or
    an unavailable API retries the job later (queue_job's backoff, or as long
    as the CRM asked) and records nothing; an error that no retry will fix
    is the job's result; refused records are named in it, and compared
    again at the next run.
    """
    values = {binding_id: properties for binding_id, properties in updates}
    bindings = bindings.browse(list(values)).exists()
    try:
        refused = write({binding.external_id: values[binding.id] for binding in bindings})
    except ExternalCrmTransientError as error:
        raise retry_later(error) from error
    except ExternalCrmError as error:
        return str(error)
    refused = refused or {}
    written = bindings.filtered(lambda binding: binding.external_id not in refused)
    for binding in written:
        record(binding, values[binding.id])
    result = f"{len(written)} {noun} written"
    if refused:
        result += "; refused: " + "; ".join(
            f"{external_id}: {reason}" for external_id, reason in sorted(refused.items())
        )
    return result
