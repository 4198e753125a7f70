# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# a Pipedrive field key: 40 hexadecimal characters for custom fields
_FIELD_KEY = re.compile(r"^[A-Za-z0-9_]+$")


class ExternalCrmBackendPipedrive(models.AbstractModel):
    _name = "external.crm.backend.pipedrive"
    _description = "External CRM Backend: Pipedrive Settings"

    pipedrive_webhook_user = fields.Char(
        string="Webhook User",
        groups="base.group_system",
        copy=False,
        help="Pipedrive: the HTTP Basic user given when creating the webhook "
        "(http_auth_user); its password is the Signing Secret. Deliveries without "
        "both are refused.",
    )
    pipedrive_vat_field = fields.Char(
        string="VAT Custom Field",
        help="Pipedrive: the API key of the organization custom field holding the VAT "
        "number (Pipedrive has no VAT field of its own). Empty: the VAT is not read.",
    )

    @api.constrains("provider", "pipedrive_webhook_user", "pipedrive_vat_field")
    def _check_pipedrive_settings(self):
        # sudo: the constraint reads the webhook user it checks, nothing else
        for backend in self.sudo():
            user = backend.pipedrive_webhook_user
            if user and (":" in user or user != user.strip()):
                raise ValidationError(
                    self.env._(
                        "The Pipedrive webhook user cannot contain a colon or start or end "
                        "with spaces: HTTP Basic authentication could not carry it."
                    )
                )
            key = backend.pipedrive_vat_field
            if key and not _FIELD_KEY.match(key):
                raise ValidationError(
                    self.env._(
                        "%(key)s is not a Pipedrive field key: copy the key of the custom "
                        "field (40 letters and digits), not its name.",
                        key=key,
                    )
                )
