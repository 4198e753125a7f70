# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL


class ExternalCrmRejection(models.Model):
    """Daily counters of refused deliveries: nothing of the body is kept."""

    _name = "external.crm.rejection"
    _description = "External CRM Refused Deliveries"
    _order = "day desc, id desc"
    _log_access = False

    day = fields.Date(required=True, readonly=True)
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
        ],
        required=True,
        readonly=True,
    )
    count = fields.Integer(readonly=True)

    def init(self):
        # one counter per day, backend (or none: unknown token) and reason
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS external_crm_rejection_day_uniq "
            "ON external_crm_rejection (day, reason, backend_id) NULLS NOT DISTINCT"
        )

    @api.model
    def _count(self, reason, backend_id=None, company_id=None):
        """Add one refused delivery to today's counter (an upsert, no read).

        SQL for ON CONFLICT: the unknown-token and bad-signature paths run
        the very same statement, so that they take the same time.
        """
        # log_exceptions=False: concurrent refusals of one day make the later
        # ones fail with a serialization error, and Odoo retries the request
        self.env.cr.execute(
            SQL(
                """INSERT INTO external_crm_rejection (day, backend_id, company_id, reason, count)
                   VALUES (%s, %s, %s, %s, 1)
                   ON CONFLICT (day, reason, backend_id)
                   DO UPDATE SET count = external_crm_rejection.count + 1""",
                fields.Date.today(),
                backend_id,
                company_id,
                reason,
            ),
            log_exceptions=False,
        )
