# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Salesforce client of a backend: its connected app and the tokens it keeps.

The consumer key, the consumer secret (the backend's webhook secret field)
and the refresh token are required; the access token, the instance URL and
the connector's Salesforce user that each refresh gives are stored back on
the backend.
"""

from ..credentials import call_settings, credentials_sudo
from .client import DEFAULT_API_VERSION, DEFAULT_LOGIN_URL, SalesforceClient


def api_client(backend):
    """A ``SalesforceClient`` with the backend's credentials and stored token."""
    backend_sudo = credentials_sudo(
        backend,
        ["salesforce_client_id", "webhook_secret", "salesforce_refresh_token"],
        backend.env._(
            "The backend %(name)s cannot call Salesforce: set the consumer key, "
            "the consumer secret and the refresh token. Outbound Messages are only "
            "notices: each record is read through the API before it is applied.",
            name=backend.name,
        ),
    )

    def store_token(token, instance_url, user_id):
        values = {"salesforce_access_token": token, "salesforce_instance_url": instance_url}
        if user_id and user_id != backend_sudo.salesforce_user_id:
            values["salesforce_user_id"] = user_id
        backend_sudo.write(values)

    return SalesforceClient(
        backend_sudo.salesforce_login_url or DEFAULT_LOGIN_URL,
        backend_sudo.salesforce_client_id,
        backend_sudo.webhook_secret,
        backend_sudo.salesforce_refresh_token,
        access_token=backend_sudo.salesforce_access_token or None,
        instance_url=backend_sudo.salesforce_instance_url or None,
        api_version=backend_sudo.salesforce_api_version or DEFAULT_API_VERSION,
        organization_id=backend_sudo.salesforce_organization_id,
        on_token=store_token,
        **call_settings(backend, backend_sudo),
    )
