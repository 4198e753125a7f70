# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho's OAuth 2 token endpoint: a new access token from the refresh token.

Zoho gives short-lived access tokens (one hour) from a refresh token, on the
accounts server of the data centre that holds the organisation
(``accounts.zoho.eu`` for Europe...). The token answer names the API domain
to call. Plain Python, no Odoo: the backend stores what it answers.
"""

from datetime import UTC, datetime, timedelta

import requests

from ...exceptions import ExternalCrmApiError
from ..destinations import DestinationRefused, scrub
from ..oauth import request_token
from .data_centres import ACCOUNTS_HOSTS, API_HOSTS


class ZohoTokenError(ExternalCrmApiError):
    """The accounts server refused the refresh token or the client."""


def _check(destinations, url, hosts, secrets, prefix=""):
    """Refuse ``url`` unless it is an allowed destination; the error without ``secrets``."""
    if destinations is None:
        return
    try:
        destinations.check(url, hosts, "the Zoho accounts URL")
    except DestinationRefused as error:
        raise DestinationRefused(scrub(f"{prefix}{error}", secrets)) from None


def refresh_access_token(
    accounts_url, client_id, client_secret, refresh_token, timeout=30, destinations=None
):
    """Ask Zoho for a new access token: ``(token, api domain, expires at)``.

    Zoho answers some refusals with HTTP 200 and an ``error`` member
    (``invalid_code``, ``invalid_client``): both are permanent errors. With
    ``destinations``, the accounts URL and the API domain of the answer must
    be Zoho's (or allowed by an administrator). Errors never hold the
    credentials.
    """
    secrets = [client_id, client_secret, refresh_token]
    accounts_url = (accounts_url or "").rstrip("/")
    _check(destinations, accounts_url, ACCOUNTS_HOSTS, secrets)
    url = f"{accounts_url}/oauth/v2/token"
    response, answer = request_token(
        requests.post,
        url,
        {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        },
        timeout,
        "Zoho token endpoint",
        url,
        secrets,
    )
    if response.status_code != 200 or not answer.get("access_token"):
        reason = answer.get("error") or f"HTTP {response.status_code}"
        raise ZohoTokenError(scrub(f"Zoho refused to renew the access token: {reason}", secrets))
    api_domain = answer.get("api_domain") or None
    if api_domain is not None and not isinstance(api_domain, str):
        raise ZohoTokenError("Zoho named no usable API domain with the access token")
    if api_domain:
        _check(
            destinations,
            api_domain.rstrip("/"),
            API_HOSTS,
            secrets,
            "Zoho named another API domain: ",
        )
    expires_in = answer.get("expires_in")
    expires_in = int(expires_in) if str(expires_in).isdigit() else 3600
    expires_at = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=expires_in)
    return answer["access_token"], api_domain, expires_at
