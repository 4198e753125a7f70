# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A backend: one external CRM of one company, and how the connector talks to it.

This file holds its configuration and the checks of it. Beside it:
``_destinations`` (where credentials may go), ``_webhook`` (what the webhook
needs, cached), ``_jobs`` (the queue jobs of its inbox), ``_sync`` (initial
import and catch-up pull), ``_stats`` (the figures of its form); the
providers' own settings in ``_salesforce``, ``_zoho``, ``_pipedrive`` and
the financial write-back in ``external_crm_financial_writeback``, the order
status on deals in ``_deal_status``.
"""

import logging
import secrets

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..adapters.provider import PROVIDERS, get_provider
from ..services.api_pause import ApiPause
from ..services.queue_jobs import WAITING_JOB_STATES
from ..services.webhook_settings import DEFAULT_MAX_PAYLOAD, MAX_PAYLOAD_LIMIT, token_hash
from .external_crm_event_inbox import DEFAULT_BATCH_SIZE
from .external_crm_protected_mixin import connector_edit

_logger = logging.getLogger(__name__)


class ExternalCrmBackend(models.Model):
    _name = "external.crm.backend"
    _inherit = [
        "external.crm.backend.destinations",
        "external.crm.backend.webhook",
        "external.crm.backend.jobs",
        "external.crm.backend.sync",
        "external.crm.backend.stats",
        "external.crm.backend.orders",
        "external.crm.backend.deal.status",
        "external.crm.backend.writeback",
        "external.crm.backend.pipedrive",
        "external.crm.backend.salesforce",
        "external.crm.backend.zoho",
    ]
    _description = "External CRM Backend"
    _check_company_auto = True
    _order = "name, id"

    name = fields.Char(required=True)
    provider = fields.Selection(
        [
            ("hubspot", "HubSpot"),
            ("salesforce", "Salesforce"),
            ("zoho", "Zoho CRM"),
            ("pipedrive", "Pipedrive"),
            ("generic", "Generic JSON"),
        ],
        required=True,
        default="generic",
        help="Generic JSON serves Zapier, Make, n8n and scripts.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
    webhook_token = fields.Char(
        groups="base.group_system",
        copy=False,
        readonly=True,
        help="Secret part of the webhook URL: 256 random bits.",
    )
    webhook_token_hash = fields.Char(
        groups="base.group_system", copy=False, readonly=True, index=True
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups="base.group_system",
        help="Give this URL to the external CRM (HubSpot app, Zapier, Make, n8n).",
    )
    webhook_secret = fields.Char(
        string="Signing Secret",
        groups="base.group_system",
        copy=False,
        help="HubSpot: the app's client secret. Generic JSON: the shared secret of the "
        "HMAC signature or of the Bearer header. Without it, every delivery is refused.",
    )
    generic_auth = fields.Selection(
        [("hmac", "HMAC signature"), ("bearer", "Bearer secret")],
        string="Authentication",
        default="hmac",
        required=True,
        help="HMAC: X-Signature-Timestamp and X-Signature headers. Bearer: "
        "Authorization: Bearer <secret>, for tools that cannot sign (Zapier webhooks).",
    )
    hubspot_legacy_signatures = fields.Boolean(
        string="Accept v1/v2 Signatures",
        help="Also accept HubSpot's older signatures, which carry no timestamp and "
        "can therefore be replayed. Signature v3 is always accepted.",
    )
    api_base_url = fields.Char(
        string="API Base URL",
        help="Where the API token goes: https on a host of the provider. Set by "
        "administrators only.",
    )
    can_set_destinations = fields.Boolean(
        compute="_compute_can_set_destinations",
        help="Technical: the current user is an administrator, who alone sets the URLs "
        "that credentials are sent to.",
    )
    api_token = fields.Char(
        string="API Token",
        groups="base.group_system",
        copy=False,
        help="HubSpot: the private app's access token.",
    )
    api_timeout = fields.Integer(string="API Timeout (s)", default=30)
    api_paused_until = fields.Datetime(
        string="API Paused Until",
        readonly=True,
        copy=False,
        help="The external CRM asked to wait (Retry-After) until this time: no call of "
        "this backend is made before.",
    )
    sync_scope = fields.Selection(
        [
            ("create_update", "Create and update"),
            ("update_only", "Update only"),
            ("create_only", "Create only new customers"),
        ],
        string="Scope",
        default="create_update",
        required=True,
        help="Update only: never create a customer or opportunity. Create only new "
        "customers: customers that already exist in Odoo are linked but never changed.",
    )
    dry_run = fields.Boolean(
        help="Process deliveries into a preview of what would change, without writing "
        "anything, to try the connector on a limited perimeter first.",
    )
    default_country_id = fields.Many2one(
        "res.country",
        help="Country of phone numbers written without their international prefix.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Default Salesperson",
        check_company=True,
        domain="[('share', '=', False)]",
    )
    team_id = fields.Many2one("crm.team", string="Default Sales Team", check_company=True)
    lost_reason_id = fields.Many2one(
        "crm.lost.reason",
        string="Default Lost Reason",
        default=lambda self: self.env.ref(
            "external_crm_connector.lost_reason_external", raise_if_not_found=False
        ),
        help="Used for deals lost in the external CRM whose reason has no match in Odoo.",
    )
    integration_user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self._default_integration_user(),
        help="Dedicated user that processes this backend's inbox; its name appears in "
        "the history of every record it changes.",
    )
    max_payload_size = fields.Integer(
        string="Size Limit (bytes)",
        default=DEFAULT_MAX_PAYLOAD,
        help="Deliveries above this size are refused with HTTP 413.",
    )
    batch_size = fields.Integer(
        default=DEFAULT_BATCH_SIZE, help="Events processed by one queue job."
    )
    channel_id = fields.Many2one(
        "queue.job.channel",
        string="Job Channel",
        readonly=True,
        copy=False,
        help="Queue channel of this backend: its capacity (1 by default) keeps the "
        "events of a record in order; pause it to stop processing.",
    )
    field_map_ids = fields.One2many("external.crm.field.map", "backend_id")
    cursor_ids = fields.One2many("external.crm.sync.cursor", "backend_id", string="Import Cursors")
    pull_cursor_ids = fields.One2many(
        "external.crm.pull.cursor", "backend_id", string="Catch-up Cursors"
    )

    _sql_constraints = [
        (
            "max_payload_size_positive",
            "CHECK(max_payload_size > 0)",
            "The size limit must be positive.",
        ),
        ("batch_size_positive", "CHECK(batch_size > 0)", "The batch size must be positive."),
        (
            "pull_interval_positive",
            "CHECK(pull_interval > 0)",
            "The catch-up pull interval must be at least one minute.",
        ),
    ]

    @api.model
    def _default_integration_user(self):
        return self.env.ref("external_crm_connector.user_integration", raise_if_not_found=False)

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        # sudo: the server's public URL, a system parameter
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = (
                f"{base_url.rstrip('/')}/external_crm/webhook/{backend.webhook_token}"
                if backend.webhook_token
                else False
            )

    @api.constrains("provider")
    def _check_provider(self):
        for backend in self:
            if backend.provider not in PROVIDERS:
                raise ValidationError(
                    self.env._(
                        "The %(provider)s provider is not available.",
                        provider=dict(
                            self._fields["provider"]._description_selection(self.env)
                        ).get(backend.provider),
                    )
                )

    @api.constrains("integration_user_id")
    def _check_integration_user(self):
        """The integration user is a technical user of the integration group.

        The backend gives it access to its company (as superuser): any other
        user would be given a company by an External CRM manager, and could
        not read the inbox anyway.
        """
        for backend in self:
            # sudo: reading another user's groups
            user_sudo = backend.integration_user_id.sudo()
            if user_sudo.share or not user_sudo.has_group(
                "external_crm_connector.group_external_crm_integration"
            ):
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot be the integration user: choose a user of the "
                        "group External CRM integration (technical), such as External CRM "
                        "Integration.",
                        user=user_sudo.display_name,
                    )
                )

    @api.constrains("max_payload_size", "batch_size", "api_timeout")
    def _check_limits(self):
        for backend in self:
            if backend.api_timeout <= 0:
                raise ValidationError(self.env._("The API timeout must be positive."))
            if backend.max_payload_size > MAX_PAYLOAD_LIMIT:
                raise ValidationError(
                    self.env._(
                        "The size limit of a delivery cannot exceed %(limit)s bytes.",
                        limit=MAX_PAYLOAD_LIMIT,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_protected_settings(vals_list, creating=True)
        self._check_order_settings(vals_list)
        for vals in vals_list:
            token = secrets.token_urlsafe(32)
            vals.setdefault("webhook_token", token)
            vals["webhook_token_hash"] = token_hash(vals["webhook_token"])
        backends = super().create(vals_list)
        # the server sets the provider's own URL (a destination)
        for backend in connector_edit(backends):
            provider = get_provider(backend)
            if not backend.api_base_url and provider and provider.default_api_url:
                backend.api_base_url = provider.default_api_url
            if not backend.field_map_ids:
                self.env["external.crm.field.map"]._create_defaults(backend)
        backends._ensure_channel()
        backends._grant_integration_user()
        self.env.registry.clear_cache()
        return backends

    def write(self, vals):
        self._check_protected_settings([vals])
        self._check_order_settings([vals])
        if "webhook_token" in vals:
            vals["webhook_token_hash"] = token_hash(vals["webhook_token"])
        if "company_id" in vals:
            self._check_company_change(vals["company_id"])
        result = super().write(vals)
        if {"company_id", "integration_user_id"} & set(vals):
            self._grant_integration_user()
        # the webhook reads its settings from a cache: every worker drops it
        self.env.registry.clear_cache()
        return result

    def _check_company_change(self, company_id):
        """Refuse to move a backend that already received or bound records.

        Its events keep the company they were received in, while its
        bindings, maps and conflicts follow the backend: customers of one
        company would be bound, and updated, in another.
        """
        moved = self.filtered(lambda backend: backend.company_id.id != company_id)
        if not moved:
            return
        # sudo: whether any event or binding exists, whoever may read them
        counts = dict.fromkeys(moved.ids, 0)
        for model in ("external.crm.event", "external.crm.binding"):
            for backend, count in (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                ._read_group([("backend_id", "in", moved.ids)], ["backend_id"], ["__count"])
            ):
                counts[backend.id] += count
        holding = moved.filtered(lambda backend: counts[backend.id])
        if holding:
            raise UserError(
                self.env._(
                    "The backend %(name)s already holds events or bindings of its company: "
                    "its company cannot change. Create a backend for the other company.",
                    name=", ".join(holding.mapped("name")),
                )
            )

    def unlink(self):
        channels = self.channel_id
        # sudo: the channels and jobs are the backends' own technical routing
        names = channels.sudo().mapped("complete_name")
        result = super().unlink()
        # their waiting jobs (inbox, import, pull, write-back) would fail on
        # the records deleted under them
        if names:
            self.env["queue.job"].sudo().search(
                [("channel", "in", names), ("state", "in", WAITING_JOB_STATES)]
            ).button_cancelled()
        channels.sudo().unlink()
        self.env.registry.clear_cache()
        return result

    def action_regenerate_token(self):
        """Give the backend a new webhook URL; the old one stops working at once."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators manage webhook URLs."))
        self.check_access("write")
        self.webhook_token = secrets.token_urlsafe(32)
        return True

    def action_reset_field_map(self):
        """Replace the field map by the provider's default one."""
        self.ensure_one()
        self.field_map_ids.unlink()
        self.env["external.crm.field.map"]._create_defaults(self)
        return True

    def action_process_inbox(self):
        """Process the received events now, in the background."""
        self._check_active()
        self._schedule_inbox_processing(force=True)
        return True

    def _check_active(self):
        """Refuse to start work for an archived backend, which nothing processes.

        Its jobs do nothing and the inbox sweep skips it, so events sent to
        its inbox would wait there without a word until it is restored.
        """
        archived = self.filtered(lambda backend: not backend.active)
        if archived:
            raise UserError(
                self.env._(
                    "The backend %(name)s is archived: nothing is processed or read for it. "
                    "Restore it first.",
                    name=", ".join(archived.mapped("name")),
                )
            )

    def _grant_integration_user(self):
        """Let the integration user work in the backend's company."""
        for backend in self:
            user = backend.integration_user_id
            if user and backend.company_id not in user.company_ids:
                # sudo: an administrator set up the backend for this company;
                # its integration user needs access to that company only
                user.sudo().company_ids = [Command.link(backend.company_id.id)]

    @api.model
    def _api_backoff(self):
        """Seconds of the first retry of a failed API call (doubled each time)."""
        value = (
            # sudo: a system parameter, set by administrators for tests and benchmarks
            self.env["ir.config_parameter"].sudo().get_param("external_crm_connector.api_backoff")
        )
        try:
            return max(0.0, float(value)) if value else 1.0
        except ValueError:
            return 1.0

    def _api_pause(self):
        """The wait the provider asked of this backend, shared by its jobs (``ApiPause``)."""
        self.ensure_one()
        return ApiPause(self)

    def _as_integration_user(self):
        """This backend as its integration user, in its company (no superuser).

        It is the connector at work (processing, the actions of the views):
        it writes the records protected from everyone else (``connector_edit``).
        """
        self.ensure_one()
        backend = self.with_user(self.integration_user_id)
        return connector_edit(backend.with_context(allowed_company_ids=self.company_id.ids))
