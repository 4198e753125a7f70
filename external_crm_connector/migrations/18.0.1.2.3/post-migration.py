# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Close the conflicts left open by events processed again since.

Earlier versions left them open after *Process Again*; no action applies
to them any more (``external.crm.conflict._check_open``), so they would stay
to review for ever. Merge conflicts are left open: they are about two
bindings, which a new processing of the event does not look at again.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE external_crm_conflict AS conflict
              SET state = 'resolved', resolution = 'superseded',
                  resolved_at = now() AT TIME ZONE 'UTC'
             FROM external_crm_event AS event
            WHERE conflict.event_id = event.id
              AND conflict.state = 'open'
              AND conflict.match_rule IS DISTINCT FROM 'merge'
              AND event.state != 'conflict'"""
    )
