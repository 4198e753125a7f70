# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The backend's API credentials and call settings, for the providers' clients.

Every client a provider builds gets the backend's credentials (read as
superuser, never returned to the user), its timeout and backoff, and the
destinations it may call.
"""

from ..exceptions import ExternalCrmError


def credentials_sudo(backend, names, missing_message):
    """The backend as superuser, once its credentials ``names`` are all set.

    sudo: API credentials are readable by administrators only; the provider
    uses them to call the external CRM and never returns them to the user.
    ``missing_message`` is the error when one is not set.
    """
    backend_sudo = backend.sudo()
    if not all(backend_sudo[name] for name in names):
        raise ExternalCrmError(missing_message)
    return backend_sudo


def call_settings(backend, backend_sudo):
    """The keyword arguments of a ``RestClient`` that every client takes.

    The client calls only the allowed destinations (``_destinations``), with
    the backend's timeout and backoff, and waits the Retry-After the provider
    gave any call of the backend (``_api_pause``).
    """
    return {
        "timeout": backend_sudo.api_timeout or 30,
        "backoff": backend._api_backoff(),
        "destinations": backend._destinations(),
        "pause": backend._api_pause(),
    }


def token_client(backend, client_class, default_url, missing_message):
    """A ``client_class`` calling the API with the backend's API token.

    The client keeps the backend's secrets out of its errors.
    """
    backend_sudo = credentials_sudo(backend, ["api_token"], missing_message)
    return client_class(
        backend_sudo.api_base_url or default_url,
        backend_sudo.api_token,
        **call_settings(backend, backend_sudo),
        secrets=[backend_sudo.webhook_secret],
    )
