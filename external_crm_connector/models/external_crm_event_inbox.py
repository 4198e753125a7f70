# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inbox: storing delivered items, taking the next batch, finding what waits.

SQL, for what the ORM cannot say: ``INSERT ... ON CONFLICT DO NOTHING`` (a
repeated delivery stored once, without a lock) and ``FOR UPDATE SKIP
LOCKED`` (jobs of one backend side by side, never on the same event).
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..services.queue_jobs import job_waiting

# events processed by one queue job, unless the backend says otherwise
DEFAULT_BATCH_SIZE = 500


class ExternalCrmEventInbox(models.AbstractModel):
    _name = "external.crm.event.inbox"
    _description = "External CRM Inbox"

    @api.model
    def _store_items(self, backend, items, company_id=None, check_job=False):
        """Store items of ``backend`` in its inbox; return the ids of the new events.

        A single ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
        (backend, idempotency key) index: repeated and concurrent identical
        deliveries store each item once, without a lock or an error. The ORM
        cannot express ON CONFLICT, hence SQL. With ``check_job``, the same
        statement also tells whether a job already waits for this inbox, and
        ``(ids, waiting)`` is returned: one round trip on the webhook's path.
        """
        if not items:
            return ([], True) if check_job else []
        # one array per column (unnest): a batch of 100 items is one statement
        # with a dozen parameters, not 1,600
        columns = {
            # rejected items (``rejection``: why) are kept, never processed
            "state": ("varchar", ["rejected" if item.rejection else "received" for item in items]),
            "last_error": ("text", [item.rejection or None for item in items]),
            "idempotency_key": ("varchar", [item.idempotency_key for item in items]),
            "external_event_id": ("varchar", [item.external_event_id for item in items]),
            "object_kind": ("varchar", [item.object_kind for item in items]),
            "external_id": ("varchar", [item.external_id for item in items]),
            "action": ("varchar", [item.action for item in items]),
            "external_modified_at": (
                "timestamp",
                [item.external_modified_at or None for item in items],
            ),
            "payload": ("text", [item.payload for item in items]),
        }
        arrays = SQL(", ").join(
            SQL("%s::%s[]", values, SQL(sql_type)) for sql_type, values in columns.values()
        )
        insert = SQL(
            """INSERT INTO external_crm_event (
                   backend_id, company_id, attempts, received_at,
                   create_uid, create_date, write_uid, write_date, %(columns)s)
               SELECT %(backend)s, %(company)s, 0, now() AT TIME ZONE 'UTC',
                      %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC',
                      item.*
                 FROM unnest(%(arrays)s) AS item
               ON CONFLICT (backend_id, idempotency_key) DO NOTHING
               RETURNING id""",
            columns=SQL(", ").join(SQL.identifier(name) for name in columns),
            backend=backend.id,
            company=company_id or backend.company_id.id,
            uid=self.env.uid,
            arrays=arrays,
        )
        if check_job:
            insert = SQL(
                "WITH stored AS (%s) SELECT COALESCE(array_agg(stored.id), '{}'), %s FROM stored",
                insert,
                job_waiting(backend._inbox_identity_key()),
            )
        # log_exceptions=False: in a job (REPEATABLE READ), storing the same
        # related record or pulled page as another job at the same moment
        # fails with a serialization error, which queue_job retries: no
        # ERROR line for that (the webhook stores at READ COMMITTED)
        self.env.cr.execute(insert, log_exceptions=False)
        rows = self.env.cr.fetchall()
        if check_job:
            return rows[0][0], rows[0][1]
        return [row[0] for row in rows]

    @api.model
    def _inbox_query(self, backend, limit):
        """The statement of ``_inbox_batch``: ids, kinds and external ids to lock."""
        return SQL(
            """WITH deferred AS MATERIALIZED (
                   -- records whose oldest waiting event waits for a retry;
                   -- computed once: right after a bulk store, outdated
                   -- statistics made the planner run it again per event
                   SELECT object_kind, external_id, MIN(id) AS first_id
                     FROM external_crm_event
                    WHERE backend_id = %(backend)s AND state = 'received'
                      AND next_attempt_at > %(now)s
                 GROUP BY object_kind, external_id)
               SELECT event.id, event.object_kind, event.external_id
                 FROM external_crm_event event
            LEFT JOIN deferred
                   ON deferred.object_kind = event.object_kind
                  AND deferred.external_id = event.external_id
                WHERE event.backend_id = %(backend)s
                  AND event.state = 'received'
                  AND (event.next_attempt_at IS NULL OR event.next_attempt_at <= %(now)s)
                  AND (deferred.first_id IS NULL OR event.id < deferred.first_id)
             ORDER BY event.id
                LIMIT %(limit)s
                  FOR UPDATE OF event SKIP LOCKED""",
            backend=backend.id,
            now=fields.Datetime.now(),
            limit=limit,
        )

    @api.model
    def _inbox_batch(self, backend):
        """Lock the next events to process: ``(events, more)``.

        SQL because the ORM has no row-locking search: ``FOR UPDATE SKIP
        LOCKED`` lets jobs of one backend run side by side without ever taking
        the same event. A record is left out of the batch while an older event
        of it is not in the batch (taken by another job, or waiting for a
        retry), so that the changes of one record always apply in order.

        ``more`` is ``"full"`` when the batch is full (more may wait),
        ``"held"`` when events were left out because another job applies the
        older events of their records now (they need a job once it is done),
        else False.
        """
        self.flush_model()
        limit = backend.batch_size or DEFAULT_BATCH_SIZE
        rows = self.env.execute_query(self._inbox_query(backend, limit))
        if not rows:
            return self.browse(), False
        first = {}
        for event_id, kind, external_id in rows:
            first.setdefault((kind, external_id), event_id)
        held = self.env.execute_query(
            SQL(
                """SELECT DISTINCT older.object_kind, older.external_id
                     FROM external_crm_event older
                     JOIN unnest(%s::varchar[], %s::varchar[], %s::int4[])
                          AS batch(object_kind, external_id, first_id)
                       ON older.object_kind = batch.object_kind
                      AND older.external_id = batch.external_id
                    WHERE older.backend_id = %s
                      AND older.state = 'received'
                      AND older.id < batch.first_id""",
                [kind for kind, _id in first],
                [external_id for _kind, external_id in first],
                list(first.values()),
                backend.id,
            )
        )
        held = set(map(tuple, held))
        ids = [event_id for event_id, kind, ext in rows if (kind, ext) not in held]
        if len(rows) >= limit:
            return self.browse(ids), "full"
        return self.browse(ids), "held" if len(ids) < len(rows) else False

    @api.model
    def _backends_waiting(self):
        """Backends whose inbox holds events due for processing for over 30 seconds."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT backend_id FROM external_crm_event
                    WHERE state = 'received'
                      AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
                      AND received_at <= %s""",
                fields.Datetime.now(),
                fields.Datetime.now() - timedelta(seconds=30),
            )
        )
        return self.env["external.crm.backend"].browse([row[0] for row in rows])
