# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..adapters.provider import SUBSCRIPTION, get_provider
from ..adapters.zoho.data_centres import ACCOUNTS_HOSTS, ACCOUNTS_URLS, API_URLS
from ..adapters.zoho.oauth import refresh_access_token
from ..exceptions import ExternalCrmApiError, ExternalCrmError, ExternalCrmTransientError
from .external_crm_protected_mixin import connector_edit

_logger = logging.getLogger(__name__)

ZOHO_DATA_CENTRES = [
    ("com", "United States (zoho.com)"),
    ("eu", "Europe (zoho.eu)"),
    ("in", "India (zoho.in)"),
    ("com.au", "Australia (zoho.com.au)"),
    ("jp", "Japan (zoho.jp)"),
    ("com.cn", "China (zoho.com.cn)"),
    ("sa", "Saudi Arabia (zoho.sa)"),
    ("ca", "Canada (zohocloud.ca)"),
]
# Zoho keeps a channel at most one week; ask for a little less, since a
# longer expiry silently falls back to one hour
ZOHO_CHANNEL_LIFETIME = timedelta(days=7) - timedelta(hours=1)
# the scheduled action renews the channels that expire within this delay
ZOHO_RENEW_BEFORE = timedelta(days=2)
# Zoho sends the channel token back as it is, up to 50 characters
ZOHO_TOKEN_MAX_LENGTH = 50
ZOHO_CREDENTIALS = (
    "zoho_data_centre",
    "zoho_accounts_url",
    "zoho_client_id",
    "zoho_client_secret",
    "zoho_refresh_token",
)


class ExternalCrmBackendZoho(models.AbstractModel):
    _name = "external.crm.backend.zoho"
    _description = "External CRM Backend: Zoho CRM Settings"

    zoho_data_centre = fields.Selection(
        ZOHO_DATA_CENTRES,
        default="com",
        help="Where the Zoho organisation lives: its accounts server renews the access "
        "tokens (accounts.zoho.eu for Europe, and so on). Set by administrators only.",
    )
    zoho_accounts_url = fields.Char(
        string="Zoho Accounts URL",
        compute="_compute_zoho_accounts_url",
        store=True,
        readonly=False,
        help="OAuth server of the data centre; set from the data centre. The client "
        "secret and refresh token go there: a Zoho accounts server only.",
    )
    zoho_client_id = fields.Char(
        string="Zoho Client ID",
        groups="base.group_system",
        copy=False,
        help="Client id of the self client or server-based client registered in the "
        "Zoho API console.",
    )
    zoho_client_secret = fields.Char(groups="base.group_system", copy=False)
    zoho_refresh_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Long-lived token of the scopes ZohoCRM.modules.accounts.READ, "
        "ZohoCRM.modules.contacts.READ, ZohoCRM.modules.deals.READ and "
        "ZohoCRM.notifications.ALL.",
    )
    zoho_access_token = fields.Char(groups="base.group_system", copy=False, readonly=True)
    zoho_access_token_expiry = fields.Datetime(
        groups="base.group_system", copy=False, readonly=True
    )
    zoho_channel_id = fields.Char(
        copy=False,
        readonly=True,
        help="Notification channel the connector subscribed for Accounts, Contacts and Deals.",
    )
    zoho_watch_expiry = fields.Datetime(
        string="Channel Expires",
        copy=False,
        readonly=True,
        help="Zoho stops notifying after this time; a scheduled action renews the channel "
        "two days before.",
    )
    zoho_watch_error = fields.Text(
        string="Channel Error",
        copy=False,
        readonly=True,
        help="Why the last subscription or renewal failed.",
    )

    @api.depends("zoho_data_centre")
    def _compute_zoho_accounts_url(self):
        for backend in self:
            backend.zoho_accounts_url = ACCOUNTS_URLS.get(backend.zoho_data_centre or "com")

    @api.onchange("zoho_data_centre")
    def _onchange_zoho_data_centre(self):
        if self.provider == "zoho" and self.zoho_data_centre:
            self.api_base_url = API_URLS[self.zoho_data_centre]

    @api.constrains("provider", "webhook_secret", "zoho_accounts_url")
    def _check_zoho_settings(self):
        # sudo: the secret is readable by administrators only; only its
        # length is checked here
        for backend in self.sudo().filtered(lambda b: b.provider == "zoho"):
            if backend.webhook_secret and len(backend.webhook_secret) > ZOHO_TOKEN_MAX_LENGTH:
                raise ValidationError(
                    self.env._(
                        "Zoho sends back channel tokens of at most %(max)s characters: "
                        "shorten the signing secret of %(name)s, or leave it empty and "
                        "subscribe the channel to get one.",
                        max=ZOHO_TOKEN_MAX_LENGTH,
                        name=backend.name,
                    )
                )
            url = backend.zoho_accounts_url or ""
            if url:
                backend._check_destination(
                    url,
                    ACCOUNTS_HOSTS,
                    self.env._("Zoho accounts URL"),
                    ACCOUNTS_URLS["eu"],
                )

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        # the server sets the data centre's API URL (a destination)
        for backend, vals in zip(connector_edit(backends), vals_list, strict=True):
            if backend.provider == "zoho" and not vals.get("api_base_url"):
                backend.api_base_url = API_URLS[backend.zoho_data_centre or "com"]
        return backends

    def write(self, vals):
        if "zoho_data_centre" in vals and "api_base_url" not in vals and vals["zoho_data_centre"]:
            vals = {**vals, "api_base_url": API_URLS[vals["zoho_data_centre"]]}
        result = super().write(vals)
        if set(ZOHO_CREDENTIALS) & set(vals) and "zoho_access_token" not in vals:
            # other credentials: the access token of the old ones is useless.
            # sudo: the token is an administrator-only field, cleared here
            # whoever changed the data centre
            super(ExternalCrmBackendZoho, self.sudo()).write(
                {"zoho_access_token": False, "zoho_access_token_expiry": False}
            )
        if (
            {"webhook_token", "webhook_secret"} & set(vals)
            and not self.env.context.get("zoho_no_resubscribe")
            and any(b.provider == "zoho" and b.zoho_channel_id for b in self)
        ):
            # the channel must call the new URL with the new token
            self.filtered(lambda b: b.provider == "zoho" and b.zoho_channel_id)._zoho_watch_safe()
        return result

    # ------------------------------------------------------------------
    # OAuth
    # ------------------------------------------------------------------
    def _zoho_valid_access_token(self):
        """The stored access token while it has a minute left, else None."""
        self.ensure_one()
        expiry = self.zoho_access_token_expiry
        if (
            self.zoho_access_token
            and expiry
            and expiry > fields.Datetime.now() + timedelta(minutes=1)
        ):
            return self.zoho_access_token
        return None

    def _zoho_renew_access_token(self):
        """Get a new access token from the refresh token and store it.

        Called on a superuser record by the provider. Returns ``(token, API
        domain)``: Zoho tells which API domain serves the organisation, and
        the backend's API base URL follows it.
        """
        self.ensure_one()
        # Zoho's accounts server limits renewals: its Retry-After holds every
        # job of the backend, as any call's does (see ``ApiPause``)
        pause = self._api_pause()
        remaining = pause.remaining()
        if remaining:
            raise ExternalCrmTransientError(
                self.env._(
                    "Zoho asked to wait before renewing the access token of %(name)s.",
                    name=self.name,
                ),
                retry_after=remaining,
            )
        try:
            token, api_domain, expires_at = refresh_access_token(
                self.zoho_accounts_url or ACCOUNTS_URLS[self.zoho_data_centre or "com"],
                self.zoho_client_id,
                self.zoho_client_secret,
                self.zoho_refresh_token,
                timeout=self.api_timeout or 30,
                destinations=self._destinations(),
            )
        except ExternalCrmTransientError as error:
            if error.retry_after:
                pause.hold(error.retry_after)
            raise
        vals = {"zoho_access_token": token, "zoho_access_token_expiry": expires_at}
        if api_domain and api_domain.rstrip("/") != (self.api_base_url or "").rstrip("/"):
            vals["api_base_url"] = api_domain.rstrip("/")
        self.write(vals)
        return token, api_domain

    # ------------------------------------------------------------------
    # notification channel
    # ------------------------------------------------------------------
    def action_zoho_subscribe(self):
        """Subscribe (or extend) the Zoho notification channel now."""
        self.ensure_one()
        self.check_access("write")
        provider = get_provider(self)
        if not (provider and provider.can(SUBSCRIPTION)):
            raise UserError(self.env._("Only Zoho CRM backends have notification channels."))
        try:
            self._zoho_watch()
        except (ExternalCrmError, ExternalCrmTransientError) as error:
            raise UserError(
                self.env._(
                    "Zoho did not subscribe the notification channel of %(name)s: %(error)s",
                    name=self.name,
                    error=str(error),
                )
            ) from error
        return True

    def _zoho_watch(self):
        """Subscribe the channel, or extend it while it is still alive.

        The channel calls the backend's webhook URL with the signing secret
        as its token; a backend without secret gets one (43 characters, Zoho
        accepts 50). Zoho keeps a channel one week at most.
        """
        self.ensure_one()
        # sudo: the secret, the webhook URL and the OAuth credentials are for
        # administrators only; a manager may still renew the channel
        backend_sudo = self.sudo().with_context(zoho_no_resubscribe=True)
        if not backend_sudo.webhook_secret:
            backend_sudo.webhook_secret = secrets.token_urlsafe(32)
        channel_id = backend_sudo.zoho_channel_id or str(10**15 + secrets.randbelow(9 * 10**15))
        now = fields.Datetime.now()
        alive = bool(
            backend_sudo.zoho_channel_id
            and backend_sudo.zoho_watch_expiry
            and backend_sudo.zoho_watch_expiry > now
        )
        provider = get_provider(self)
        expiry = now + ZOHO_CHANNEL_LIFETIME
        arguments = (channel_id, backend_sudo.webhook_url, backend_sudo.webhook_secret, expiry)
        try:
            confirmed = provider.watch(*arguments, renew=alive)
        except ExternalCrmApiError:
            if not alive:
                raise
            # Zoho forgot the channel (disabled by hand): subscribe it again
            confirmed = provider.watch(*arguments, renew=False)
        backend_sudo.write(
            {
                "zoho_channel_id": channel_id,
                "zoho_watch_expiry": confirmed,
                "zoho_watch_error": False,
            }
        )
        return confirmed

    def _zoho_watch_safe(self):
        """Subscribe or renew each channel; a failure is kept on the backend."""
        for backend in self:
            try:
                with self.env.cr.savepoint():
                    backend._zoho_watch()
            except (ExternalCrmError, ExternalCrmTransientError) as error:
                _logger.warning(
                    "Zoho notification channel of backend %s not renewed: %s", backend.id, error
                )
                # sudo: the channel's state is the connector's, whoever renews it
                backend.sudo().with_context(zoho_no_resubscribe=True).zoho_watch_error = str(error)

    @api.model
    def _cron_zoho_renew_channels(self):
        """Scheduled: renew the Zoho channels that expire within two days.

        Expired channels are subscribed again (a channel lapses while the
        server was down); a failure is shown on the backend and retried at the
        next run.
        """
        backends = self.search(
            [
                ("provider", "=", "zoho"),
                ("zoho_channel_id", "!=", False),
                "|",
                ("zoho_watch_expiry", "=", False),
                ("zoho_watch_expiry", "<", fields.Datetime.now() + ZOHO_RENEW_BEFORE),
            ]
        )
        backends._zoho_watch_safe()
        return len(backends)
