# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The wait a provider asked of a backend (Retry-After), shared by all its jobs.

The providers' rate limits belong to the account (HubSpot's private app,
Pipedrive's company, a Salesforce org), not to one call: while one job
waits the Retry-After it was given, the backend's other jobs (the next
page, a write-back, the inbox) must not call either. The pause lives on
the backend (``api_paused_until``), read and written in a transaction of
its own: a job retried later rolls its own transaction back and the pause
must survive it, and a job sees the pause written by another one after
it began (its own snapshot would not).
"""

from odoo.tools import SQL


class ApiPause:
    """``remaining()`` seconds to wait before calling; ``hold(seconds)`` when told to wait."""

    def __init__(self, backend):
        self.registry = backend.env.registry
        self.backend_id = backend.id

    def remaining(self):
        """Seconds left of the pause (0.0 when calls may go)."""
        with self.registry.cursor() as cr:
            # clock_timestamp(): the time of the call, not of a transaction
            cr.execute(
                SQL(
                    """SELECT EXTRACT(EPOCH FROM api_paused_until
                                      - (clock_timestamp() AT TIME ZONE 'UTC'))
                         FROM external_crm_backend WHERE id = %s""",
                    self.backend_id,
                )
            )
            row = cr.fetchone()
        return max(0.0, float(row[0])) if row and row[0] is not None else 0.0

    def hold(self, seconds):
        """No call of the backend for ``seconds`` from now (a longer pause is kept).

        Skipped when the backend's row is locked (the calling job itself may
        have written the backend, a refreshed access token): waiting for that
        lock would wait for ever; the calling job still waits its own delay.
        """
        with self.registry.cursor() as cr:
            # SQL: GREATEST keeps the longer of two pauses written at once,
            # SKIP LOCKED never waits, and the ORM's write would clear every
            # worker's caches (the backend's write) at each rate limit
            cr.execute(
                SQL(
                    """UPDATE external_crm_backend
                          SET api_paused_until = GREATEST(
                              api_paused_until,
                              (clock_timestamp() AT TIME ZONE 'UTC')
                              + make_interval(secs => %s))
                        WHERE id IN (SELECT id FROM external_crm_backend
                                      WHERE id = %s FOR UPDATE SKIP LOCKED)""",
                    float(seconds),
                    self.backend_id,
                )
            )
