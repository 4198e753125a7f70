# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OAuth 2 refresh-token grant, as Salesforce and Zoho take it (plain Python).

Both give short-lived access tokens from a refresh token posted as a form
to their token endpoint. What is temporary (no connection, 429, 5xx) is an
``ExternalCrmTransientError``; the answer is given back to the provider,
which reads its own fields and refusals. No error holds the credentials.
"""

import requests

from ..exceptions import ExternalCrmTransientError
from .client import RestClient, json_of
from .destinations import scrub


def request_token(post, url, form, timeout, label, target, secrets, wait=None):
    """POST the refresh-token ``form`` to ``url``: ``(response, decoded answer or {})``.

    ``post`` is ``requests.post`` or a session's; ``label`` names the
    endpoint in errors (``"{label} {target}: <error>"``, ``"{label} answered
    HTTP 503"``), without any of ``secrets``. ``wait`` is the delay to retry
    after when the endpoint says none (None: let the inbox decide).
    """
    try:
        response = post(url, data=form, headers={"Accept": "application/json"}, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise ExternalCrmTransientError(
            scrub(f"{label} {target}: {error}", secrets), retry_after=wait
        ) from error
    if response.status_code == 429 or response.status_code >= 500:
        said = RestClient._retry_after(response)
        raise ExternalCrmTransientError(
            scrub(f"{label} answered HTTP {response.status_code}", secrets),
            retry_after=said if said or wait is None else wait,
        )
    answer = json_of(response)
    return response, answer if isinstance(answer, dict) else {}
