# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where a backend may send requests, and with them its credentials.

Only administrators choose the destinations; whoever sets them, each must be
an https host of the provider (``adapters/destinations.py``). What the
providers answered (tokens, instance URL, channel) is written by the
connector only.
"""

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import str2bool

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
from ..adapters.provider import PROVIDERS, get_provider
from ..adapters.salesforce.client import DEFAULT_LOGIN_URL
from ..adapters.zoho.data_centres import ACCOUNTS_URLS
from .external_crm_protected_mixin import is_connector_edit

# fields that decide where a request, and with it a credential, goes: set
# by administrators only (a new backend of a manager keeps the server's own)
DESTINATION_FIELDS = (
    "api_base_url",
    "salesforce_login_url",
    "zoho_data_centre",
    "zoho_accounts_url",
    "outbound_url",
)
# derived from what the providers answer: written by the connector only
DERIVED_FIELDS = (
    "webhook_token_hash",
    "channel_id",
    "api_paused_until",
    "salesforce_access_token",
    "salesforce_instance_url",
    "salesforce_user_id",
    "zoho_access_token",
    "zoho_access_token_expiry",
    "zoho_channel_id",
    "zoho_watch_expiry",
    "zoho_watch_error",
)


class ExternalCrmBackendDestinations(models.AbstractModel):
    _name = "external.crm.backend.destinations"
    _description = "External CRM Backend: Destinations"

    @api.depends_context("uid")
    def _compute_can_set_destinations(self):
        allowed = self.env.is_system()
        for backend in self:
            backend.can_set_destinations = allowed

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
            "outbound_url": (False, None, ""),
        }
