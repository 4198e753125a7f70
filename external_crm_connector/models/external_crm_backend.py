# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import logging
import secrets
from collections import namedtuple
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, str2bool

from ..adapters.destinations import (
    EXTRA_HOSTS_PARAMETER,
    FOREIGN_HOST,
    INTERNAL,
    LOOPBACK,
    LOOPBACK_PARAMETER,
    MALFORMED,
    NOT_HTTPS,
    Destinations,
    parse_hosts,
)
from ..adapters.provider import IMPORT, PROVIDERS, PULL, get_provider
from ..adapters.salesforce.client import DEFAULT_LOGIN_URL
from ..adapters.zoho.data_centres import ACCOUNTS_URLS
from .external_crm_protected_mixin import connector_edit, is_connector_edit

_logger = logging.getLogger(__name__)

DEFAULT_MAX_PAYLOAD = 1024 * 1024
# no body above this size is even read, whatever a backend allows
MAX_PAYLOAD_LIMIT = 64 * 1024 * 1024
DEFAULT_BATCH_SIZE = 500
# states of queue jobs that will still run
WAITING_JOB_STATES = ("wait_dependencies", "pending", "enqueued")
KIND_ORDER = ("company", "contact", "deal")

# fields that decide where a request, and with it a credential, goes: set
# by administrators only (a new backend of a manager keeps the server's own)
DESTINATION_FIELDS = (
    "api_base_url",
    "salesforce_login_url",
    "zoho_data_centre",
    "zoho_accounts_url",
)
# derived from what the providers answer: written by the connector only
DERIVED_FIELDS = (
    "webhook_token_hash",
    "channel_id",
    "salesforce_access_token",
    "salesforce_instance_url",
    "salesforce_user_id",
    "zoho_access_token",
    "zoho_access_token_expiry",
    "zoho_channel_id",
    "zoho_watch_expiry",
    "zoho_watch_error",
)

# what the webhook needs of a backend, cached per worker
WebhookSettings = namedtuple(
    "WebhookSettings",
    "id token secret provider max_payload_size integration_user_id company_id "
    "generic_auth hubspot_legacy_signatures extra",
)


def token_hash(token):
    """Hash under which a webhook token is looked up (the token itself is not indexed)."""
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


class ExternalCrmBackend(models.Model):
    _name = "external.crm.backend"
    _inherit = [
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
    rejected_count = fields.Integer(
        compute="_compute_rejected_count",
        help="Deliveries refused in the last 30 days: missing or bad signature, too large, "
        "form-encoded or unreadable body.",
    )
    event_count = fields.Integer(compute="_compute_counts")
    failed_event_count = fields.Integer(
        compute="_compute_counts",
        help="Events that failed, and items of deliveries that could not be read (rejected).",
    )
    pending_event_count = fields.Integer(compute="_compute_counts")
    binding_count = fields.Integer(compute="_compute_counts")
    conflict_count = fields.Integer(compute="_compute_counts")
    cursor_ids = fields.One2many("external.crm.sync.cursor", "backend_id", string="Import Cursors")
    import_progress = fields.Float(compute="_compute_import_progress")
    import_state = fields.Selection(
        [("none", "Not started"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        compute="_compute_import_progress",
    )
    pull_enabled = fields.Boolean(
        string="Catch-up Pull",
        help="Read the records changed in the external CRM on a schedule, so that "
        "a change whose webhook was lost is recovered.",
    )
    pull_interval = fields.Integer(
        string="Pull Every (minutes)",
        default=60,
        help="Minutes between two catch-up pulls.",
    )
    pull_cursor_ids = fields.One2many(
        "external.crm.pull.cursor", "backend_id", string="Catch-up Cursors"
    )
    stat_chart = fields.Html(compute="_compute_stat_chart", sanitize=False)
    share_vat = fields.Float(string="With VAT", compute="_compute_shares")
    share_email = fields.Float(string="With E-mail", compute="_compute_shares")
    share_phone = fields.Float(string="With Phone", compute="_compute_shares")
    share_address = fields.Float(string="With Address", compute="_compute_shares")

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
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = (
                f"{base_url.rstrip('/')}/external_crm/webhook/{backend.webhook_token}"
                if backend.webhook_token
                else False
            )

    @api.depends_context("uid")
    def _compute_can_set_destinations(self):
        allowed = self.env.is_system()
        for backend in self:
            backend.can_set_destinations = allowed

    def _compute_rejected_count(self):
        since = fields.Date.context_today(self) - timedelta(days=30)
        # sudo: rejections of unknown tokens carry no company; only the
        # counts of these backends are read
        totals = dict(
            self.env["external.crm.rejection"]
            .sudo()
            ._read_group(
                [("backend_id", "in", self.ids), ("day", ">=", since)],
                ["backend_id"],
                ["count:sum"],
            )
        )
        for backend in self:
            backend.rejected_count = totals.get(backend._origin, 0)

    def _compute_counts(self):
        events = self.env["external.crm.event"]
        by_state = {
            (backend.id, state): count
            for backend, state, count in events._read_group(
                [("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"]
            )
        }
        bindings = dict(
            self.env["external.crm.binding"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        conflicts = dict(
            self.env["external.crm.conflict"]._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "open")],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            key = backend._origin.id
            backend.event_count = sum(
                count for (backend_id, _state), count in by_state.items() if backend_id == key
            )
            backend.failed_event_count = by_state.get((key, "failed"), 0) + by_state.get(
                (key, "rejected"), 0
            )
            backend.pending_event_count = by_state.get((key, "received"), 0)
            backend.binding_count = bindings.get(backend._origin, 0)
            backend.conflict_count = conflicts.get(backend._origin, 0)

    @api.depends("cursor_ids.state", "cursor_ids.done_count", "cursor_ids.total_count")
    def _compute_import_progress(self):
        for backend in self:
            cursors = backend.cursor_ids
            total = sum(cursors.mapped("total_count"))
            done = sum(cursors.mapped("done_count"))
            backend.import_progress = min(100.0, 100.0 * done / total) if total else 0.0
            states = set(cursors.mapped("state"))
            if not cursors:
                backend.import_state = "none"
            elif "failed" in states:
                backend.import_state = "failed"
            elif states == {"done"}:
                backend.import_state = "done"
            else:
                backend.import_state = "running"

    def _compute_stat_chart(self):
        stats = self.env["external.crm.event.stat"]
        for backend in self:
            rows = stats._daily_rows(backend._origin, days=14)
            backend.stat_chart = self.env["ir.qweb"]._render(
                "external_crm_connector.stat_chart",
                {"rows": rows, "chart": stats._chart_geometry(rows)},
            ) or Markup("")

    def _compute_shares(self):
        shares = self.env["external.crm.event.stat"]._bound_customer_shares(self._origin)
        for backend in self:
            values = shares.get(backend._origin.id, {})
            backend.share_vat = values.get("vat", 0.0)
            backend.share_email = values.get("email", 0.0)
            backend.share_phone = values.get("phone", 0.0)
            backend.share_address = values.get("address", 0.0)

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

    @api.constrains("provider", "api_base_url")
    def _check_api_base_url(self):
        """https on a host of the provider, else the API token goes elsewhere.

        Empty is allowed: the provider's own URL is used (HubSpot, Zoho CRM,
        Pipedrive), or the provider calls no such URL (Salesforce answers
        its instance URL with the access token; generic JSON calls nothing).
        """
        for backend in self:
            value = backend.api_base_url
            if not value:
                continue
            provider = get_provider(backend)
            backend._check_destination(
                value,
                provider.api_hosts if provider else None,
                self.env._("API base URL"),
                (provider and provider.default_api_url) or "https://api.example.com",
            )

    def _destinations(self):
        """Where backends may send requests (``adapters.destinations``).

        Beyond the providers' own hosts, the system parameter
        ``external_crm_connector.extra_allowed_hosts`` lists the hosts an
        administrator allows (a proxy, a Salesforce custom domain), and
        ``external_crm_connector.allow_loopback`` lets tests and local fakes
        use http://127.0.0.1.
        """
        # sudo: system parameters are readable by administrators only; these
        # two decide where every backend may call, and are not shown
        params = self.env["ir.config_parameter"].sudo()
        return Destinations(
            extra_hosts=parse_hosts(params.get_param(EXTRA_HOSTS_PARAMETER)),
            allow_loopback=str2bool(params.get_param(LOOPBACK_PARAMETER) or "0", False),
        )

    def _check_destination(self, value, hosts, setting, example):
        """Raise a ``ValidationError`` when ``value`` is not an allowed destination."""
        reason = self._destinations().problem(value, hosts)
        if not reason:
            return
        provider = dict(self._fields["provider"]._description_selection(self.env)).get(
            self[:1].provider, ""
        )
        explanations = {
            MALFORMED: self.env._(
                "give an https:// address with a plain host name, such as %(example)s",
                example=example,
            ),
            NOT_HTTPS: self.env._("credentials travel over https only"),
            LOOPBACK: self.env._(
                "loopback addresses are for tests and local fakes, with the system "
                "parameter %(parameter)s",
                parameter=LOOPBACK_PARAMETER,
            ),
            INTERNAL: self.env._("internal addresses are refused"),
            FOREIGN_HOST: self.env._(
                "it is not a host of %(provider)s, such as %(example)s; an administrator "
                "can allow another host with the system parameter %(parameter)s",
                provider=provider,
                example=example,
                parameter=EXTRA_HOSTS_PARAMETER,
            ),
        }
        raise ValidationError(
            self.env._(
                "%(value)s is not a valid %(setting)s: %(reason)s.",
                value=value,
                setting=setting,
                reason=explanations[reason],
            )
        )

    def _check_protected_settings(self, vals_list, creating=False):
        """Refuse derived fields to everyone, destinations to non-administrators.

        Derived fields (tokens, instance URL, channel) come from the
        providers' answers. Destinations decide where the API token, the
        secrets and refresh tokens are sent: an administrator sets them, a
        new backend of a manager keeps the server's own (the provider's URL,
        login.salesforce.com, Zoho's US data centre).
        """
        if is_connector_edit(self.env):
            return
        derived = sorted({name for vals in vals_list for name in vals if name in DERIVED_FIELDS})
        if derived:
            raise AccessError(
                self.env._(
                    "Only the connector writes %(fields)s, from what the external CRM answers.",
                    fields=", ".join(derived),
                )
            )
        if self.env.is_system():
            return
        for vals in vals_list:
            changed = [name for name in DESTINATION_FIELDS if name in vals]
            if creating:
                # what create takes from the context's defaults counts as given
                given = {**self.default_get(list(DESTINATION_FIELDS)), **vals}
                own = self._own_destinations(given)
                changed = [name for name in given if name in own and given[name] not in own[name]]
            if changed:
                raise AccessError(
                    self.env._(
                        "Only administrators choose where the connector sends requests and "
                        "credentials (%(fields)s).",
                        fields=", ".join(
                            self._fields[name].get_description(self.env)["string"]
                            for name in changed
                        ),
                    )
                )

    @api.model
    def _own_destinations(self, vals):
        """``{field: accepted values}`` the server sets by itself on a new backend."""
        provider_class = PROVIDERS.get(vals.get("provider") or "generic")
        default_api_url = provider_class.default_api_url if provider_class else False
        return {
            "api_base_url": (False, None, "", default_api_url),
            "salesforce_login_url": (False, None, "", DEFAULT_LOGIN_URL),
            "zoho_data_centre": (False, None, "com"),
            "zoho_accounts_url": (False, None, "", ACCOUNTS_URLS["com"]),
        }

    @api.model_create_multi
    def create(self, vals_list):
        self._check_protected_settings(vals_list, creating=True)
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
                backend._create_default_field_map()
        backends._ensure_channel()
        backends._grant_integration_user()
        self.env.registry.clear_cache()
        return backends

    def write(self, vals):
        self._check_protected_settings([vals])
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
        self._create_default_field_map()
        return True

    def action_open_events(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_event_action")

    def action_open_failed_events(self):
        self.ensure_one()
        action = self._open_related("external_crm_connector.external_crm_event_action")
        action["context"] = {"search_default_failed": 1, "search_default_rejected": 1}
        return action

    def action_open_bindings(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_binding_action")

    def action_open_conflicts(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_conflict_action")

    def action_open_statistics(self):
        self.ensure_one()
        return self._open_related("external_crm_connector.external_crm_event_stat_action")

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

    def action_start_import(self):
        """Read every record of the external CRM into the inbox, page by page.

        Restarting an import that stopped resumes at the last stored page.
        """
        self.ensure_one()
        self._check_active()
        provider = get_provider(self)
        if not (provider and provider.can(IMPORT)):
            raise UserError(
                self.env._("The %(name)s backend cannot import by itself.", name=self.name)
            )
        # the connector moves its cursors (protected from hand edits)
        cursors = connector_edit(self.env["external.crm.sync.cursor"])
        for kind in KIND_ORDER:
            cursor = self.cursor_ids.filtered(lambda c, kind=kind: c.object_kind == kind)
            if not cursor:
                cursor = cursors.create({"backend_id": self.id, "object_kind": kind})
            cursors |= cursor
        if all(cursor.state == "done" for cursor in cursors):
            # a finished import: start a new one from the first page
            cursors.write(
                {
                    "state": "waiting",
                    "after": False,
                    "done_count": 0,
                    "page_count": 0,
                    "total_count": 0,
                }
            )
        else:
            # an import that stopped: resume each kind at its stored cursor
            cursors.filtered(lambda c: c.state == "failed").write({"state": "waiting"})
        cursors.write({"last_error": False})
        first = cursors.filtered(lambda c: c.state != "done")[:1]
        first._schedule_page()
        return True

    def _can_pull(self):
        """True when the provider can list the records changed since a date."""
        provider = get_provider(self)
        return bool(provider) and provider.can(PULL)

    def action_pull_changes(self):
        """Read the records changed since the last pull now, in the background."""
        self._check_active()
        for backend in self:
            if not backend._can_pull():
                raise UserError(
                    self.env._(
                        "The %(name)s backend cannot read changed records by itself.",
                        name=backend.name,
                    )
                )
            backend._pull_cursors()._start()
        return True

    def _pull_cursors(self):
        """The catch-up cursor of each object kind, created when missing."""
        self.ensure_one()
        # the connector moves its cursors (protected from hand edits)
        cursors = connector_edit(self.env["external.crm.pull.cursor"])
        for kind in KIND_ORDER:
            cursor = self.pull_cursor_ids.filtered(lambda c, kind=kind: c.object_kind == kind)
            cursors |= cursor or cursors.create({"backend_id": self.id, "object_kind": kind})
        return cursors

    @api.model
    def _cron_pull_changes(self):
        """Scheduled: start the catch-up pull of every backend that is due.

        A backend is due when the last complete pull of one of its kinds is
        older than its interval. A failed pull is resumed at its stored page.
        """
        now = fields.Datetime.now()
        for backend in self.search([("pull_enabled", "=", True)]):
            if not backend._can_pull():
                continue
            cursors = backend._pull_cursors()
            due = cursors.filtered(
                lambda c, backend=backend: c.state == "failed"
                or (
                    c.state == "idle"
                    and (
                        not c.last_pull_date
                        or c.last_pull_date + timedelta(minutes=backend.pull_interval) <= now
                    )
                )
            )
            due._start()

    def _open_related(self, xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"default_backend_id": self.id}
        return action

    def _create_default_field_map(self):
        """Create the provider's default field map and stage table."""
        self.ensure_one()
        provider = get_provider(self)
        if not provider:
            return
        maps = self.env["external.crm.field.map"]
        vals_list = []
        for kind, external, odoo_field, transform, master in provider.default_field_maps():
            if odoo_field not in self.env[maps._model_for_kind(kind)]._fields:
                continue
            vals = {
                "backend_id": self.id,
                "object_kind": kind,
                "external_field": external,
                "field_name": odoo_field,
                "transform": transform,
                "master": master,
            }
            if odoo_field == "stage_id":
                vals["value_ids"] = [
                    Command.create(values) for values in self._default_stage_lines(provider)
                ]
            vals_list.append(vals)
        maps.create(vals_list)

    def _default_stage_lines(self, provider):
        lines = []
        for external, target in provider.default_stage_values():
            if target == "lost":
                lines.append({"external_value": external, "is_lost": True})
                continue
            stage = self.env.ref(target, raise_if_not_found=False)
            lines.append({"external_value": external, "stage_id": stage.id if stage else False})
        return lines

    def _ensure_channel(self):
        """One queue channel per backend, under ``root.external_crm``."""
        parent = self.env.ref("external_crm_connector.channel_external_crm")
        # the channel is the connector's routing (protected from hand edits)
        for backend in connector_edit(self).filtered(lambda b: not b.channel_id):
            # sudo: job channels belong to the queue manager; each backend
            # owns exactly its own channel
            backend.channel_id = (
                self.env["queue.job.channel"]
                .sudo()
                .create({"name": f"backend_{backend.id}", "parent_id": parent.id, "capacity": 1})
            )

    def _grant_integration_user(self):
        """Let the integration user work in the backend's company."""
        for backend in self:
            user = backend.integration_user_id
            if user and backend.company_id not in user.company_ids:
                # sudo: an administrator set up the backend for this company;
                # its integration user needs access to that company only
                user.sudo().company_ids = [Command.link(backend.company_id.id)]

    def _channel_name(self):
        self.ensure_one()
        # sudo: the channel name is technical routing, not business data
        return self.sudo().channel_id.complete_name or "root.external_crm"

    @api.model
    def _api_backoff(self):
        """Seconds of the first retry of a failed API call (doubled each time)."""
        value = (
            self.env["ir.config_parameter"].sudo().get_param("external_crm_connector.api_backoff")
        )
        try:
            return max(0.0, float(value)) if value else 1.0
        except ValueError:
            return 1.0

    # ------------------------------------------------------------------
    # webhook side
    # ------------------------------------------------------------------
    @api.model
    def _webhook_settings(self, hashed):
        """Settings the webhook needs for a token hash, or None.

        None for an unknown or inactive token, or a backend without a signing
        secret. An unknown hash costs one look-up in the cached map of the
        backends' hashes: no query and no cache entry, so that a flood of
        made-up tokens can neither load the database nor evict the rest of
        the cache.
        """
        backend_id = self._webhook_backend_ids().get(hashed)
        return self._webhook_settings_of(backend_id) if backend_id else None

    @api.model
    @tools.ormcache()
    def _webhook_backend_ids(self):
        """``{token hash: backend id}`` of the backends that take deliveries.

        Cached per worker, one entry for all backends. The cache is cleared
        on every change of a backend (``create``, ``write`` and ``unlink``
        clear the registry cache, which every worker notices at its next
        request).
        """
        # sudo: the token hashes and secrets are for administrators; only
        # which backends take deliveries is read here
        backends = (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch(
                [
                    ("webhook_token_hash", "!=", False),
                    ("webhook_token", "!=", False),
                    ("webhook_secret", "!=", False),
                ],
                ["webhook_token_hash"],
            )
        )
        return tools.frozendict({backend.webhook_token_hash: backend.id for backend in backends})

    @api.model
    @tools.ormcache("backend_id")
    def _webhook_settings_of(self, backend_id):
        """The webhook settings of a backend of ``_webhook_backend_ids``, cached per worker."""
        # sudo: the webhook authenticates the delivery itself; the secret
        # never leaves the request
        backend = self.sudo().browse(backend_id)
        return WebhookSettings(
            id=backend.id,
            token=backend.webhook_token,
            secret=backend.webhook_secret,
            provider=backend.provider,
            max_payload_size=backend.max_payload_size or DEFAULT_MAX_PAYLOAD,
            integration_user_id=backend.integration_user_id.id,
            company_id=backend.company_id.id,
            generic_auth=backend.generic_auth,
            hubspot_legacy_signatures=backend.hubspot_legacy_signatures,
            extra=backend._webhook_extra(),
        )

    def _webhook_extra(self):
        """Settings the webhook needs beyond the common ones: a dict.

        The provider names its own (``Provider.webhook_extra``); the
        properties written back are there so that their echoes are not
        processed. Cached with the settings: plain values only.
        """
        self.ensure_one()
        extra = {}
        if self.writeback_enabled:
            extra["written_properties"] = self._written_properties()
        provider_class = PROVIDERS.get(self.provider)
        if provider_class:
            extra.update(provider_class.webhook_extra(self))
        return extra

    def _as_integration_user(self):
        """This backend as its integration user, in its company (no superuser).

        It is the connector at work (processing, the actions of the views):
        it writes the records protected from everyone else (``connector_edit``).
        """
        self.ensure_one()
        backend = self.with_user(self.integration_user_id)
        return connector_edit(backend.with_context(allowed_company_ids=self.company_id.ids))

    def _store_items(self, items, company_id=None, check_job=False):
        """Store delivery items in the inbox; return the ids of the new events.

        A single ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
        (backend, idempotency key) index: repeated and concurrent identical
        deliveries store each item once, without a lock or an error. The ORM
        cannot express ON CONFLICT, hence SQL. With ``check_job``, the same
        statement also tells whether a job already waits for this inbox, and
        ``(ids, waiting)`` is returned: one round trip on the webhook's path.
        """
        self.ensure_one()
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
            backend=self.id,
            company=company_id or self.company_id.id,
            uid=self.env.uid,
            arrays=arrays,
        )
        if check_job:
            insert = SQL(
                """WITH stored AS (%s)
                   SELECT COALESCE(array_agg(stored.id), '{}'), EXISTS(
                          SELECT 1 FROM queue_job
                           WHERE identity_key = %s AND state IN %s)
                     FROM stored""",
                insert,
                self._inbox_identity_key(),
                WAITING_JOB_STATES,
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

    def _receive_delivery(self, items, company_id):
        """Store a webhook delivery and make sure a job will process it.

        Returns the ids of the new events to process; the rejected items
        (``rejection`` set) are stored beside them, and nothing waits for
        them. Runs in a short transaction of
        its own at READ COMMITTED: when an identical delivery is being
        stored at the same moment, the INSERT waits for it and then finds
        its rows, instead of failing on a serialization error (the request's
        own REPEATABLE READ snapshot cannot see rows committed after it
        started), which Odoo would answer by replaying the whole request
        after a sleep. Tests that share one transaction store in it.
        """
        self.ensure_one()
        registry = self.env.registry
        with registry.cursor() as cr:
            if not registry.in_test_mode():
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            backend = self.with_env(self.env(cr=cr))
            new_ids, job_waiting = backend._store_items(
                [item for item in items if not item.rejection],
                company_id=company_id,
                check_job=True,
            )
            refused = [item for item in items if item.rejection]
            if refused:
                backend._store_items(refused, company_id=company_id)
            if new_ids and not job_waiting:
                backend._schedule_inbox_processing(force=True)
        return new_ids

    def _inbox_identity_key(self, retry=False):
        return f"external_crm_inbox:{self.id}{':retry' if retry else ''}"

    def _schedule_inbox_processing(self, eta=None, force=False):
        """Make sure a queue job will process the inbox of these backends.

        One job at a time waits per backend: a webhook that finds one waiting
        only adds its events, which that job will take. The check reads the
        queue_job partial index on ``identity_key`` first, a single indexed
        query on the webhook's hot path.
        """
        for backend in self:
            identity = backend._inbox_identity_key(retry=bool(eta))
            if not force:
                waiting = self.env.execute_query(
                    SQL(
                        "SELECT 1 FROM queue_job WHERE identity_key = %s AND state IN %s LIMIT 1",
                        identity,
                        WAITING_JOB_STATES,
                    )
                )
                if waiting:
                    continue
            backend._as_integration_user().with_delay(
                channel=backend._channel_name(),
                identity_key=identity,
                eta=eta,
                description=self.env._("Process the inbox of %(name)s", name=backend.name),
            )._process_inbox()

    # ------------------------------------------------------------------
    # processing side
    # ------------------------------------------------------------------
    def _process_inbox(self):
        """Job: process the next batch of received events of this backend.

        Events are taken in arrival order; the events of one record are
        applied in order (see ``_inbox_batch``). When more events wait, the
        next job is queued before this one starts working, so that a channel
        with a capacity above 1 processes several batches at once.
        """
        self.ensure_one()
        if not self.active:
            return "backend archived"
        events, full = self._inbox_batch()
        if full:
            self._schedule_inbox_processing(force=True)
        if not events:
            return "nothing to process"
        events._process()
        return f"{len(events)} events processed"

    def _inbox_query(self, limit):
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
            backend=self.id,
            now=fields.Datetime.now(),
            limit=limit,
        )

    def _inbox_batch(self):
        """Lock the next events to process: ``(events, more may wait)``.

        SQL because the ORM has no row-locking search: ``FOR UPDATE SKIP
        LOCKED`` lets jobs of one backend run side by side without ever taking
        the same event. A record is left out of the batch while an older event
        of it is not in the batch (taken by another job, or waiting for a
        retry), so that the changes of one record always apply in order.
        """
        self.ensure_one()
        self.env["external.crm.event"].flush_model()
        limit = self.batch_size or DEFAULT_BATCH_SIZE
        rows = self.env.execute_query(self._inbox_query(limit))
        if not rows:
            return self.env["external.crm.event"], False
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
                self.id,
            )
        )
        held = set(map(tuple, held))
        ids = [event_id for event_id, kind, ext in rows if (kind, ext) not in held]
        return self.env["external.crm.event"].browse(ids), len(rows) >= limit

    @api.model
    def _cron_sweep_inbox(self):
        """Scheduled safety net: no received event waits without a job.

        A job that is cancelled by hand, or a delivery stored while the last
        job was starting, would otherwise leave events in the inbox.
        """
        self.env["external.crm.event"].flush_model()
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
        backends = self.search([("id", "in", [row[0] for row in rows])])
        backends._schedule_inbox_processing()
        _logger.debug("Inbox sweep scheduled %s backends", len(backends))
