# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Zoho client of a backend: its OAuth client and the access token it keeps.

The client id, client secret and refresh token are required; the access
token is the one stored while it is valid, renewed (and stored again, with
the API domain Zoho names) when Zoho refuses it.
"""

from ..credentials import call_settings, credentials_sudo
from .client import ZohoClient
from .data_centres import API_URLS


def api_client(backend):
    """A ``ZohoClient`` with the stored access token, renewed when needed."""
    backend_sudo = credentials_sudo(
        backend,
        ["zoho_client_id", "zoho_client_secret", "zoho_refresh_token"],
        backend.env._(
            "The backend %(name)s has no Zoho client id, client secret or refresh token.",
            name=backend.name,
        ),
    )
    client = ZohoClient(
        backend_sudo.api_base_url or API_URLS.get(backend_sudo.zoho_data_centre, ""),
        backend_sudo._zoho_valid_access_token(),
        **call_settings(backend, backend_sudo),
        # the channel token (signing secret) travels in subscriptions
        secrets=[
            backend_sudo.zoho_client_id,
            backend_sudo.zoho_client_secret,
            backend_sudo.zoho_refresh_token,
            backend_sudo.webhook_secret,
        ],
    )

    def renew():
        access_token, api_domain = backend_sudo._zoho_renew_access_token()
        if api_domain:
            client.base_url = api_domain.rstrip("/")
        return access_token

    client.renew = renew
    return client
