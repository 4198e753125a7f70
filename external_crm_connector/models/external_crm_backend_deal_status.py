# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The status of won deals' orders, invoices and payments, written back on the deals.

The salesperson in the external CRM sees, on the deal, whether its order
was confirmed, invoiced and paid. As for the financial write-back, what
moves the figures is accounting (an invoice posted, a payment reconciled, a
due date passed), not an edit of the deal: a scheduled action compares each
bound deal's figures with what was last written, and queues a batched write
of those that changed. HubSpot, Salesforce, Zoho CRM and Pipedrive write
properties of the deal (our own writes come back as change notifications,
stored and not processed: ``_webhook_extra``); the generic door posts signed
webhooks to an outbound URL, each attempt kept in the delivery log.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import split_every

from ..adapters.provider import DEAL_STATUS, get_provider
from ..services.deal_status import FIGURES, deal_values, order_figures
from ..services.queue_jobs import PROVIDER_JOB_RETRIES
from ..services.write_back import MISSING, TWICE, named_properties, naming_problem, write_job
from .external_crm_protected_mixin import connector_edit

# deals compared, and written, per batch
STATUS_BATCH = 500


class ExternalCrmBackendDealStatus(models.AbstractModel):
    _name = "external.crm.backend.deal.status"
    _description = "External CRM Backend: Order Status on Deals"

    status_enabled = fields.Boolean(
        string="Write Order Status to Deals",
        help="Write the status of each won deal's sale order, invoices and payments to "
        "properties of the deal in the external CRM (generic JSON: post it, signed, to "
        "the outbound URL).",
    )
    status_order_property = fields.Char(
        string="Order Reference Property", default="odoo_order", help="The sale order's number."
    )
    status_state_property = fields.Char(
        string="Order State Property",
        default="odoo_order_state",
        help="draft, sent, sale (confirmed) or cancel.",
    )
    status_delivery_property = fields.Char(
        string="Delivery State Property",
        help="With Inventory installed: pending, started, partial or full.",
    )
    status_invoiced_property = fields.Char(
        string="Invoiced Amount Property",
        default="odoo_invoiced_amount",
        help="Posted invoices less credit notes, in the order's currency.",
    )
    status_due_property = fields.Char(string="Amount Due Property", default="odoo_amount_due")
    status_paid_property = fields.Char(string="Amount Paid Property", default="odoo_amount_paid")
    status_payment_date_property = fields.Char(
        string="Last Payment Date Property",
        default="odoo_last_payment_date",
        help="A date (YYYY-MM-DD), empty before the first payment.",
    )
    status_paid_in_full_property = fields.Char(
        string="Paid in Full Property",
        default="odoo_paid_in_full",
        help="True once something is invoiced and nothing remains due.",
    )
    status_overdue_days_property = fields.Char(
        string="Days Overdue Property",
        default="odoo_days_overdue",
        help="Days since the oldest due date of an invoice not fully paid; 0 when none is late.",
    )
    outbound_url = fields.Char(
        string="Outbound URL",
        groups="base.group_system",
        help="Generic JSON: where the status of the deals is posted, signed with the "
        "signing secret (a Zapier, Make or n8n webhook). Set by administrators.",
    )
    outbound_delivery_count = fields.Integer(compute="_compute_outbound_delivery_count")

    def _compute_outbound_delivery_count(self):
        counts = dict(
            self.env["external.crm.outbound.delivery"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        for backend in self:
            backend.outbound_delivery_count = counts.get(backend, 0)

    @api.constrains("status_enabled", *(setting for _figure, setting in FIGURES))
    def _check_status_properties(self):
        for backend in self.filtered("status_enabled"):
            problem = naming_problem(backend._status_properties())
            if problem == MISSING:
                raise ValidationError(
                    self.env._(
                        "The order status of %(name)s needs at least one property name.",
                        name=backend.name,
                    )
                )
            if problem == TWICE:
                raise ValidationError(
                    self.env._(
                        "The order status of %(name)s writes two figures to the same property.",
                        name=backend.name,
                    )
                )

    @api.constrains("outbound_url")
    def _check_outbound_url(self):
        for backend in self.sudo():
            if backend.outbound_url:
                backend._check_destination(
                    backend.outbound_url,
                    None,
                    self.env._("outbound URL"),
                    "https://hooks.zapier.com/hooks/catch/...",
                )

    def _status_properties(self):
        self.ensure_one()
        return named_properties(self[setting] for _figure, setting in FIGURES)

    def _can_write_status(self):
        provider = get_provider(self)
        return bool(provider) and provider.can(DEAL_STATUS)

    # -- comparing and queueing --------------------------------------------
    @api.model
    def _cron_write_deal_status(self):
        """Scheduled: queue the write of the deals whose order status changed."""
        for backend in self.search([("status_enabled", "=", True)]):
            if backend._can_write_status():
                backend._as_integration_user()._queue_deal_status()

    def action_write_deal_status(self):
        """Compare now, rather than at the next scheduled run."""
        self.ensure_one()
        if not self.status_enabled or not self._can_write_status():
            raise UserError(self.env._("Turn on the order status to deals first."))
        queued = self._as_integration_user()._queue_deal_status()
        # a term per number: env._ has no plural forms
        if queued == 1:
            message = self.env._("The status of 1 deal is queued to be written.")
        else:
            message = self.env._(
                "The status of %(count)s deals is queued to be written.", count=queued
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "info", "message": message},
        }

    def _status_bindings(self):
        return self.env["external.crm.binding"].search(
            [
                ("backend_id", "=", self.id),
                ("object_kind", "=", "deal"),
                ("order_id", "!=", False),
                ("external_deleted", "=", False),
            ]
        )

    def _queue_deal_status(self):
        """Compare each bound deal's order figures with the last written; queue the changes.

        Returns how many deals are queued.
        """
        self.ensure_one()
        bindings = self._status_bindings()
        today = fields.Date.context_today(self.with_company(self.company_id))
        queued = 0
        for ids in split_every(STATUS_BATCH, bindings.ids):
            batch = bindings.browse(ids)
            figures = order_figures(self.env, batch.order_id.with_company(self.company_id), today)
            updates = []
            for binding in batch:
                values = deal_values(self, figures[binding.order_id.id])
                if values != (binding.status_values or {}):
                    updates.append([binding.id, values])
            if updates:
                if len(updates) == 1:
                    description = self.env._(
                        "Write the order status of 1 deal to %(name)s", name=self.name
                    )
                else:
                    description = self.env._(
                        "Write the order status of %(count)s deals to %(name)s",
                        count=len(updates),
                        name=self.name,
                    )
                self.with_delay(
                    channel=self._channel_name(),
                    description=description,
                    max_retries=PROVIDER_JOB_RETRIES,
                )._write_deal_status(updates)
                queued += len(updates)
        return queued

    # -- writing -------------------------------------------------------------
    def _write_deal_status(self, updates):
        """Job: write ``[[binding id, {property: value}], ...]`` on the deals (``write_job``).

        The generic door's deliveries are logged whatever becomes of the job.
        """
        self.ensure_one()
        provider = get_provider(self)

        def write(values):
            try:
                return provider.write_deal_status(values)
            finally:
                self._log_outbound(getattr(provider, "attempts", ()))

        def record(binding, values):
            binding.write({"status_values": values, "status_written_at": fields.Datetime.now()})

        # the job records what it wrote on the bindings (protected from everyone else)
        bindings = connector_edit(self.env["external.crm.binding"])
        return write_job(bindings, updates, write, record, "deals")

    def _log_outbound(self, attempts):
        """Keep the outbound deliveries attempted, whatever becomes of the job.

        Written in a transaction of their own: a job retried later rolls its
        own transaction back, and the log must still show the failed attempt.
        Tests, sharing one transaction, write in it.
        """
        if not attempts:
            return
        registry = self.env.registry
        with registry.cursor() as cr:
            env = self.env(cr=cr)
            env["external.crm.outbound.delivery"]._log_attempts(self.with_env(env), attempts)
