# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The log of the signed webhooks the generic door sends (the deals' order status).

One row per attempt: a receiver that was down shows its failed attempts,
then the one that got through, under the same delivery id. Rows of
delivered attempts are removed after 90 days; failures stay until a person
removes them.
"""

from datetime import UTC, datetime, timedelta

from odoo import api, fields, models

# days a delivered attempt stays in the log
KEEP_DELIVERED_DAYS = 90


class ExternalCrmOutboundDelivery(models.Model):
    _name = "external.crm.outbound.delivery"
    _description = "External CRM Outbound Delivery"
    _order = "sent_at desc, id desc"
    _rec_name = "delivery_id"

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    delivery_id = fields.Char(
        string="Delivery ID",
        required=True,
        readonly=True,
        index=True,
        help="The X-Delivery-Id header: the same for every attempt of one delivery.",
    )
    attempt = fields.Integer(readonly=True, help="1 for the first attempt of this delivery.")
    sent_at = fields.Datetime(required=True, readonly=True)
    state = fields.Selection(
        [
            ("delivered", "Delivered"),
            ("retrying", "Failed, tried again later"),
            ("refused", "Refused"),
        ],
        required=True,
        readonly=True,
    )
    status_code = fields.Integer(
        string="HTTP Status", readonly=True, help="0: no answer (timeout, connection refused)."
    )
    deal_count = fields.Integer(string="Deals", readonly=True)
    deal_ids = fields.Text(string="Deal IDs", readonly=True)
    error = fields.Text(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)

    @api.model
    def _log_attempts(self, backend, attempts):
        """Rows for ``attempts`` (``adapters.generic.outbound.Attempt``) of ``backend``."""
        previous = dict(
            self._read_group(
                [
                    ("backend_id", "=", backend.id),
                    ("delivery_id", "in", [attempt.delivery_id for attempt in attempts]),
                ],
                ["delivery_id"],
                ["__count"],
            )
        )
        rows = []
        for attempt in attempts:
            previous[attempt.delivery_id] = previous.get(attempt.delivery_id, 0) + 1
            if attempt.delivered:
                state = "delivered"
            else:
                state = "retrying" if attempt.transient else "refused"
            rows.append(
                {
                    "backend_id": backend.id,
                    "delivery_id": attempt.delivery_id,
                    "attempt": previous[attempt.delivery_id],
                    "sent_at": datetime.fromtimestamp(int(attempt.sent_at), UTC).replace(
                        tzinfo=None
                    ),
                    "state": state,
                    "status_code": attempt.status_code,
                    "deal_count": len(attempt.deal_ids),
                    "deal_ids": ", ".join(attempt.deal_ids),
                    "error": attempt.error or False,
                    "duration_ms": attempt.duration_ms,
                }
            )
        return self.create(rows)

    @api.autovacuum
    def _gc_delivered(self):
        """Forget the delivered attempts of long ago; failures stay for a person to read."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DELIVERED_DAYS)
        self.search([("state", "=", "delivered"), ("sent_at", "<", limit)]).unlink()
