# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..adapters.provider import get_provider
from ..services.batch import process_isolating_failures
from .external_crm_field_map import OBJECT_KINDS, check_parent_access
from .external_crm_protected_mixin import connector_edit

RAW_GROUPS = (
    "external_crm_connector.group_external_crm_manager,"
    "external_crm_connector.group_external_crm_integration"
)
# seconds before the next try of an event that met a temporary error
RETRY_DELAYS = (10, 30, 60, 300, 900, 1800, 3600, 3600)


class ExternalCrmEvent(models.Model):
    _name = "external.crm.event"
    _inherit = ["external.crm.protected.mixin", "external.crm.event.inbox"]
    _description = "External CRM Event"
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "idempotency_key"

    backend_id = fields.Many2one(
        "external.crm.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    provider = fields.Selection(related="backend_id.provider")
    idempotency_key = fields.Char(
        required=True,
        readonly=True,
        help="The provider's event id, else a hash of the item: a repeated delivery "
        "of the same event is recognised and not processed twice.",
    )
    external_event_id = fields.Char(string="External Event ID", readonly=True)
    object_kind = fields.Selection(OBJECT_KINDS, readonly=True)
    external_id = fields.Char(string="External ID", readonly=True, index=True)
    action = fields.Selection(
        [
            ("upsert", "Created or changed"),
            ("delete", "Deleted"),
            ("merge", "Merged"),
            ("association", "Association changed"),
            ("lines", "Line items changed"),
            ("erase", "Erasure requested"),
            ("echo", "Echo of our write-back"),
        ],
        readonly=True,
        default="upsert",
    )
    external_modified_at = fields.Datetime(
        string="External Change Time", readonly=True, help="When the change happened outside."
    )
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    payload = fields.Text(
        readonly=True, groups=RAW_GROUPS, help="The item exactly as it was delivered."
    )
    state = fields.Selection(
        [
            ("received", "Received"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("conflict", "Conflict"),
            ("ignored", "Ignored"),
            ("duplicate", "Duplicate"),
            ("rejected", "Rejected"),
        ],
        default="received",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)
    summary = fields.Text(
        readonly=True,
        help="What the processing did; in dry-run mode, what it would have done.",
    )
    dry_run = fields.Boolean(readonly=True)
    processed_at = fields.Datetime(readonly=True, index=True)
    processing_time = fields.Float(string="Processing Time (ms)", readonly=True)
    sync_delay = fields.Float(
        string="Delay (s)",
        readonly=True,
        help="Seconds from the change in the external CRM to its application in Odoo.",
    )
    binding_id = fields.Many2one("external.crm.binding", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index="btree_not_null"
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", readonly=True, index="btree_not_null"
    )
    conflict_ids = fields.One2many("external.crm.conflict", "event_id", string="Conflicts")

    _sql_constraints = [
        (
            "idempotency_key_uniq",
            "unique(backend_id, idempotency_key)",
            "This event is already in the inbox.",
        ),
    ]

    def init(self):
        # the inbox query of each job: received events of a backend, in order
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS external_crm_event_inbox_idx "
            "ON external_crm_event (backend_id, id) WHERE state = 'received'"
        )
        # the older events of one record that an inbox query looks for
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS external_crm_event_record_idx "
            "ON external_crm_event (backend_id, object_kind, external_id) "
            "WHERE state = 'received'"
        )

    def write(self, vals):
        check_parent_access(self, vals, "backend_id")
        return super().write(vals)

    def action_retry(self):
        """Put failed, ignored, previewed or rejected events back in the inbox.

        The open conflicts of these events become stale: the new processing
        decides their records anew. A rejected event is read again from its
        raw text by the provider's parser of today; one still malformed stays
        rejected with the reason, told in a notification.
        """
        events = self.filtered(
            lambda e: e.state in ("failed", "ignored", "conflict", "done", "rejected")
        )
        events = events.filtered(lambda e: e.state != "done" or e.dry_run)
        if not events:
            raise UserError(
                self.env._(
                    "Only failed, ignored, conflicting, rejected and previewed (dry-run) "
                    "events can be processed again."
                )
            )
        events.check_access("write")
        events.backend_id._check_active()
        rejected = events.filtered(lambda e: e.state == "rejected")
        events -= rejected
        # the new processing decides anew, and raises new conflicts if need be
        events.conflict_ids._supersede()
        # sudo: the state and counters are managed by the inbox, not edited by hand
        events.sudo().write({"state": "received", "next_attempt_at": False, "last_error": False})
        still_rejected = rejected._read_again()
        (events | (rejected - still_rejected)).backend_id._schedule_inbox_processing(force=True)
        if still_rejected:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "title": self.env._("Still malformed"),
                    "message": "\n".join(
                        f"#{event.id}: {event.last_error}" for event in still_rejected
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    def action_open_record(self):
        self.ensure_one()
        record = self.lead_id or self.partner_id
        if not record:
            raise UserError(self.env._("This event is linked to no record."))
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }

    def _read_again(self):
        """Read these rejected events again from their raw text; return those still malformed.

        An event that is read becomes the first item read (a Zoho
        notification may hold more: they are stored beside it) and waits in
        the inbox; when the sender has delivered that item since, it is a
        duplicate of that event.
        """
        still = self.browse()
        for event in self:
            backend = event.backend_id
            # sudo: the parser reads the backend's webhook settings (some are
            # for administrators) and the raw text; it shows and writes nothing
            provider = get_provider(backend.sudo())
            items = provider.parse_rejected(event.sudo().payload or "")
            read = [item for item in items if not item.rejection]
            if not read:
                # sudo: the state and reason are managed by the inbox
                event.sudo().last_error = "; ".join(item.rejection for item in items)
                still |= event
                continue
            first, others = read[0], [item for item in items if item is not read[0]]
            same = self.sudo().search(
                [
                    ("backend_id", "=", backend.id),
                    ("idempotency_key", "=", first.idempotency_key),
                    ("id", "!=", event.id),
                ],
                limit=1,
            )
            values = {"next_attempt_at": False, "last_error": False}
            if same:
                values.update(
                    state="duplicate",
                    summary=self.env._(
                        "Read again: the sender delivered it since (event %(key)s).",
                        key=same.idempotency_key,
                    ),
                )
            else:
                values.update(
                    state="received",
                    idempotency_key=first.idempotency_key,
                    external_event_id=first.external_event_id,
                    object_kind=first.object_kind,
                    external_id=first.external_id,
                    action=first.action,
                    external_modified_at=first.external_modified_at,
                    payload=first.payload,
                )
            # sudo: the inbox, not the user, writes what the parser read
            event.sudo().write(values)
            if others:
                self._store_items(backend, others, company_id=event.company_id.id)
        return still

    def _process(self):
        """Process these events (one batch of one backend) and record the outcome.

        The connector at work: it writes the outcome on the events, bindings
        and conflicts, which nothing else may change (``connector_edit``).
        """
        for backend, events in connector_edit(self).grouped("backend_id").items():
            process_isolating_failures(backend, events)

    @api.model
    def _retry_delay(self, attempts):
        return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])
