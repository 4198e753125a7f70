# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One job's batch of the inbox: processed together, split when it fails as a whole.

The processor already isolates each event's own errors (``outcome.classify``);
what fails a whole batch (reading the records, a bug) is isolated here, by
halves, so that one bad event never holds back the rest of the inbox.
"""

import logging

import psycopg2

from .outcome import OutcomeWriter, error_text
from .processor import EventProcessor

_logger = logging.getLogger(__name__)


def process_isolating_failures(backend, events):
    """Process a batch; a batch that fails as a whole is split until the failing
    event is alone, and that event fails with its error.

    Each event already fails alone when its own processing raises; this is
    for what fails the whole batch (reading the records, a creation of the
    batch, a bug): without it the job fails, the events stay received, and
    every later job takes the same first batch again. Serialization errors
    are left to queue_job, which runs the job again.
    """
    env = backend.env
    try:
        with env.cr.savepoint():
            EventProcessor(backend, events).run()
        return
    except psycopg2.extensions.TransactionRollbackError:
        raise
    except Exception as error:  # whatever it is, the rest of the inbox must go on
        if len(events) > 1:
            _logger.info(
                "External CRM batch of %s events of backend %s failed (%s): split in two",
                len(events),
                backend.id,
                error.__class__.__name__,
            )
            half = len(events) // 2
            process_isolating_failures(backend, events[:half])
            process_isolating_failures(backend, events[half:])
            return
        _logger.exception("External CRM event %s failed its whole batch", events.id)
        outcomes = OutcomeWriter(env, backend.dry_run)
        outcomes.failed(
            events,
            env._(
                "The processing failed (%(error)s): %(message)s",
                error=error.__class__.__name__,
                message=error_text(error),
            ),
        )
        outcomes.flush()
