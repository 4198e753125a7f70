# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..adapters.salesforce.client import DEFAULT_API_VERSION, DEFAULT_LOGIN_URL, LOGIN_HOSTS

ORGANIZATION_ID = re.compile(r"^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$")
API_VERSION = re.compile(r"^\d{2,3}\.0$")


class ExternalCrmBackendSalesforce(models.AbstractModel):
    """Salesforce settings of a backend.

    The backend's *Signing Secret* (``webhook_secret``) is the connected
    app's consumer secret: Outbound Messages carry no signature, so the
    secret serves the OAuth refresh-token flow, and a backend without it
    accepts no delivery, as for every provider.
    """

    _name = "external.crm.backend.salesforce"
    _description = "External CRM Backend: Salesforce Settings"

    salesforce_organization_id = fields.Char(
        string="Salesforce Organization ID",
        help="Setup > Company Information > Salesforce.com Organization ID (00D..., 15 or "
        "18 characters). Outbound Messages of any other organization are refused.",
    )
    salesforce_login_url = fields.Char(
        string="Salesforce Login URL",
        default=DEFAULT_LOGIN_URL,
        help="https://login.salesforce.com for production, https://test.salesforce.com "
        "for a sandbox, or the organization's My Domain URL (...my.salesforce.com). The "
        "consumer secret and refresh token go there: set by administrators only.",
    )
    salesforce_api_version = fields.Char(
        string="Salesforce API Version",
        default=DEFAULT_API_VERSION,
        help="REST API version used for SOQL queries, such as 62.0.",
    )
    salesforce_client_id = fields.Char(
        string="Salesforce Consumer Key",
        groups="base.group_system",
        copy=False,
        help="Consumer key of the connected app; its consumer secret is the Signing Secret.",
    )
    salesforce_refresh_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Refresh token of the integration user, obtained once with the connected "
        "app (scopes: api, refresh_token).",
    )
    salesforce_access_token = fields.Char(
        groups="base.group_system",
        copy=False,
        readonly=True,
        help="Renewed automatically from the refresh token when Salesforce says it expired.",
    )
    salesforce_user_id = fields.Char(
        string="Salesforce Integration User ID",
        copy=False,
        readonly=True,
        help="The Salesforce user of the refresh token, given with each access token. "
        "Changes it makes are the connector's own writes (financial write-back): their "
        "Outbound Messages are stored, not applied. Use a dedicated integration user.",
    )
    salesforce_instance_url = fields.Char(
        string="Salesforce Instance URL",
        copy=False,
        readonly=True,
        help="Given by Salesforce with each access token; every API call goes there.",
    )

    @api.constrains("provider", "salesforce_organization_id")
    def _check_salesforce_organization_id(self):
        for backend in self.filtered(lambda b: b.provider == "salesforce"):
            value = backend.salesforce_organization_id
            if value and not ORGANIZATION_ID.match(value.strip()):
                raise ValidationError(
                    self.env._(
                        "%(value)s is not a Salesforce organization ID: it starts with 00D "
                        "and has 15 or 18 letters and digits (Setup > Company Information).",
                        value=value,
                    )
                )

    @api.constrains("provider", "salesforce_login_url")
    def _check_salesforce_login_url(self):
        """A Salesforce login host: the consumer secret and refresh token go there."""
        for backend in self.filtered(lambda b: b.provider == "salesforce"):
            value = backend.salesforce_login_url
            if not value:
                continue
            parts = urlsplit(value.strip())
            if parts.path.strip("/") or parts.query:
                raise ValidationError(
                    self.env._(
                        "%(value)s is not a Salesforce login URL: give https:// and the host "
                        "only, such as https://login.salesforce.com, https://test.salesforce.com "
                        "or https://mycompany.my.salesforce.com.",
                        value=value,
                    )
                )
            backend._check_destination(
                value.strip(),
                LOGIN_HOSTS,
                self.env._("Salesforce login URL"),
                DEFAULT_LOGIN_URL,
            )

    @api.constrains("provider", "salesforce_api_version")
    def _check_salesforce_api_version(self):
        for backend in self.filtered(lambda b: b.provider == "salesforce"):
            value = backend.salesforce_api_version
            if value and not API_VERSION.match(value.strip()):
                raise ValidationError(
                    self.env._(
                        "%(value)s is not a Salesforce API version: write it as 62.0.",
                        value=value,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._clean_salesforce_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._clean_salesforce_vals(vals)
        if {"salesforce_login_url", "salesforce_client_id", "salesforce_refresh_token"} & set(
            vals
        ) and "salesforce_access_token" not in vals:
            # new credentials: the token of the old ones must not be used
            vals = {
                **vals,
                "salesforce_access_token": False,
                "salesforce_instance_url": False,
                "salesforce_user_id": False,
            }
        return super().write(vals)

    @api.model
    def _clean_salesforce_vals(self, vals):
        for name in ("salesforce_organization_id", "salesforce_api_version"):
            if isinstance(vals.get(name), str):
                vals[name] = vals[name].strip()
        if isinstance(vals.get("salesforce_login_url"), str):
            vals["salesforce_login_url"] = vals["salesforce_login_url"].strip().rstrip("/")
