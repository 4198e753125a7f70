# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL


class ExternalCrmRejection(models.Model):
    """Refused deliveries: nothing of the body is kept.

    Each refusal adds a row of its own (``count`` 1); a daily task folds the
    rows of past days into one per day, backend and reason, whose ``count``
    is their sum. No row is shared by two refusals of the day: a flood of
    refused deliveries never makes one wait for another (a shared counter
    row made concurrent refusals fail with serialization errors, and Odoo
    replayed each request after growing sleeps).
    """

    _name = "external.crm.rejection"
    _description = "External CRM Refused Deliveries"
    _order = "day desc, id desc"
    _log_access = False

    day = fields.Date(required=True, readonly=True, index=True)
    backend_id = fields.Many2one(
        "external.crm.backend", ondelete="cascade", readonly=True, index="btree_not_null"
    )
    company_id = fields.Many2one("res.company", readonly=True)
    reason = fields.Selection(
        [
            ("unknown_token", "Unknown or inactive token"),
            ("bad_signature", "Missing or bad signature"),
            ("malformed", "Malformed body"),
            ("too_large", "Too large"),
            ("form_body", "Form-encoded body"),
        ],
        required=True,
        readonly=True,
    )
    count = fields.Integer(readonly=True, help="Refusals this row stands for.")

    def init(self):
        # Versions up to 18.0.1.2.4 kept one counter row per day, backend and
        # reason under this unique index (NULLS NOT DISTINCT: PostgreSQL 15).
        # Their rows stay valid as they are; the index would refuse the rows
        # of the second refusal of a day.
        self.env.cr.execute("DROP INDEX IF EXISTS external_crm_rejection_day_uniq")

    @api.model
    def _count(self, reason, backend_id=None, company_id=None):
        """Record one refused delivery: a plain INSERT, no row read or updated.

        SQL, one statement and no ORM cache: the unknown-token and the
        bad-signature paths run the very same statement, so that they take
        the same time.
        """
        self.env.cr.execute(
            SQL(
                """INSERT INTO external_crm_rejection (day, backend_id, company_id, reason, count)
                   VALUES (%s, %s, %s, %s, 1)""",
                fields.Date.today(),
                backend_id,
                company_id,
                reason,
            )
        )

    @api.model
    def _cron_fold_past_days(self):
        """Scheduled: fold the rows of past days into one per day, backend and reason.

        The figures stay the same (``count`` is summed). Today's rows are left
        alone: deliveries are still adding to them, and this task must not
        take a lock they wait for. One statement (SQL: a DELETE whose rows are
        inserted again summed, which the ORM cannot express).
        """
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """WITH folded AS (
                       DELETE FROM external_crm_rejection r
                        WHERE r.day < %(today)s
                          AND EXISTS (
                              SELECT 1 FROM external_crm_rejection o
                               WHERE o.day = r.day AND o.reason = r.reason
                                 AND o.backend_id IS NOT DISTINCT FROM r.backend_id
                                 AND o.company_id IS NOT DISTINCT FROM r.company_id
                                 AND o.id <> r.id)
                    RETURNING r.day, r.backend_id, r.company_id, r.reason, r.count)
                   INSERT INTO external_crm_rejection (day, backend_id, company_id, reason, count)
                   SELECT day, backend_id, company_id, reason, SUM(count)
                     FROM folded
                 GROUP BY day, backend_id, company_id, reason""",
                today=fields.Date.today(),
            )
        )
        self.invalidate_model()
