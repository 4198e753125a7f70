# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outbound REST clients of the external CRMs (plain Python, no Odoo).

Every call has a timeout; HTTP 429 waits as long as ``Retry-After`` says and
5xx answers are retried with an exponential backoff, a few times within the
call. When the other side is still unavailable, the caller gets an
``ExternalCrmTransientError`` and tries again later: after ``retry_after``
seconds when the provider said so, else after its own backoff (the inbox's,
or queue_job's retry pattern for the jobs).
"""

import email.utils
import logging
import time
from datetime import UTC

import requests

from ..exceptions import ExternalCrmApiError, ExternalCrmTransientError
from .destinations import DestinationRefused, same_origin, scrub, split_url

_logger = logging.getLogger(__name__)

# URLs requests refuses before sending anything: the setting is wrong, and
# trying again would fail the same way
REFUSED_URL_ERRORS = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.URLRequired,
)


class RestClient:
    """A JSON REST client with timeouts, rate-limit handling and retries.

    Requests go to the base URL's host only: a path is relative to it, and
    an absolute URL (a page link given by the provider) is followed only on
    that same host. With ``destinations`` (``destinations.Destinations``),
    the base URL must also be an allowed destination, on one of ``HOSTS``.
    Error texts never hold the credentials the client knows (``_secrets``).
    """

    # the provider's own API hosts (``destinations.host_matches`` patterns);
    # None: any https host
    HOSTS = None
    # what a person corrects when the base URL is refused
    BASE_URL_SETTING = "the API base URL of the backend"

    def __init__(
        self,
        base_url,
        token,
        timeout=30,
        max_attempts=4,
        backoff=1.0,
        max_wait=30.0,
        session=None,
        sleep=time.sleep,
        destinations=None,
        secrets=(),
        pause=None,
    ):
        self.base_url = (base_url or "").rstrip("/")
        self.token = token
        self.destinations = destinations
        # other credentials of the backend that an answer could repeat
        self.secrets = tuple(secrets)
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self.sleep = sleep
        # the wait the provider asked of the whole account (``remaining()``,
        # ``hold(seconds)``), shared with the backend's other jobs; None: none
        self.pause = pause
        self.calls = 0

    def _auth_headers(self):
        """How a call carries the token: a bearer token, unless the provider says otherwise."""
        return {"Authorization": f"Bearer {self.token}"}

    def _headers(self):
        return {
            **self._auth_headers(),
            "Accept": "application/json",
            "User-Agent": "odoo-external-crm-connector",
        }

    @staticmethod
    def _retry_after(response):
        """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date).

        ``None`` when the header is missing or is neither: the caller waits
        its own backoff rather than failing on a header it cannot read.
        """
        value = (response.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        if value.replace(".", "", 1).isdigit():
            return float(value)
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # an HTTP date is in GMT
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - time.time())

    # -- hooks of the providers' clients -------------------------------------
    # statuses whose Retry-After header says how long to wait
    RETRY_AFTER_STATUSES = (429,)

    def _ensure_token(self):
        """Get an access token before the first call (OAuth clients)."""

    def _renew_token(self, response):
        """Renew the access token refused by ``response`` (401); True when renewed."""
        return False

    def _check_answer(self, method, path, response):
        """Raise the provider's own error for ``response``, before the common rules."""

    def _api_error(self, method, path, response):
        return self._error(
            ExternalCrmApiError,
            f"{method} {path} answered HTTP {response.status_code}: {response.text[:500]}",
        )

    # -- errors --------------------------------------------------------------
    def _secrets(self):
        """The credentials this client knows, never written in an error."""
        return [self.token, *self.secrets]

    def _scrub(self, text):
        return scrub(text, self._secrets())

    def _error(self, error_class, message, **kwargs):
        """The one place errors are built: without the client's credentials."""
        return error_class(self._scrub(message), **kwargs)

    # -- destinations ----------------------------------------------------------
    def _check_destination(self, url, hosts, setting):
        """Raise ``DestinationRefused`` unless ``url`` is allowed (with ``destinations``)."""
        if self.destinations is not None:
            try:
                self.destinations.check(url, hosts, setting)
            except DestinationRefused as error:
                raise self._error(DestinationRefused, str(error)) from None

    def _url(self, method, path):
        """The URL of ``path``, on the base URL's host only.

        A relative path is joined to the base URL; an absolute URL (a page
        link from the provider) must be on the base URL's scheme, host and
        port. Anything else (another host, ``//host``, ``@host``, a
        backslash) is refused: the access token goes with every request.
        """
        base = split_url(self.base_url)
        if base is None:
            raise self._error(
                ExternalCrmApiError,
                f"{method} {path}: {self.base_url!r} cannot be called (not an http(s) URL "
                f"with a host name); check {self.BASE_URL_SETTING}",
            )
        self._check_destination(self.base_url, self.HOSTS, self.BASE_URL_SETTING)
        if path.lower().startswith(("http://", "https://")):
            target = split_url(path)
            if target is None or not same_origin(target, base):
                raise self._error(
                    DestinationRefused,
                    f"{method} {path}: the link is not on the API host {base.netloc}; "
                    "it is not followed",
                )
            return path
        url = f"{self.base_url}{path}"
        target = split_url(url)
        if not path.startswith("/") or path.startswith("//") or target is None:
            raise self._error(
                DestinationRefused,
                f"{method} {path}: the path is not on the API host {base.netloc}; "
                "it is not followed",
            )
        if not same_origin(target, base):
            raise self._error(
                DestinationRefused,
                f"{method} {path}: the path leads off the API host {base.netloc}",
            )
        return url

    # -- calls -------------------------------------------------------------
    def request(self, method, path, params=None, json=None, headers=None):
        """Call ``path`` and return its decoded JSON (``{}`` without a body, ``None`` for 404).

        A refused access token (401) is renewed once per call, when the client
        can; 429 and 5xx wait and try again, as the class says. A URL that
        requests refuses is an ``ExternalCrmApiError``, like a 4xx: no retry
        will make it valid.
        """
        self._ensure_token()
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_attempts
            url = self._url(method, path)
            self._wait_pause(method, path)
            self.calls += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={**self._headers(), **(headers or {})},
                    timeout=self.timeout,
                )
            except REFUSED_URL_ERRORS as error:
                raise self._error(
                    ExternalCrmApiError,
                    f"{method} {path}: {url!r} cannot be called ({error}); "
                    f"check {self.BASE_URL_SETTING}",
                ) from error
            except (requests.ConnectionError, requests.Timeout) as error:
                wait = self.backoff * 2 ** (attempt - 1)
                if last:
                    # no delay said by the provider: the caller's own backoff
                    # (queue_job's retry pattern) spaces the next tries
                    raise self._error(
                        ExternalCrmTransientError, f"{method} {path}: {error}"
                    ) from error
                self.sleep(min(wait, self.max_wait))
                continue
            status = response.status_code
            if status == 401 and not renewed and self._renew_token(response):
                # one new token per call, and the renewal uses up no attempt:
                # a second refusal is an error
                renewed = True
                attempt -= 1
                continue
            self._check_answer(method, path, response)
            if status == 429 or status >= 500:
                told = self._retry_after(response) if status in self.RETRY_AFTER_STATUSES else None
                wait = told if told is not None else self.backoff * 2 ** (attempt - 1)
                _logger.info("%s %s answered %s, attempt %s", method, path, status, attempt)
                if told and self.pause is not None:
                    self.pause.hold(told)
                if last or wait > self.max_wait:
                    # only a delay the provider said travels with the error:
                    # otherwise the caller's backoff spaces the next tries
                    raise self._error(
                        ExternalCrmTransientError,
                        f"{method} {path} answered HTTP {status}",
                        retry_after=told,
                    )
                self.sleep(wait)
                continue
            if status == 404:
                return None
            if status >= 400:
                raise self._api_error(method, path, response)
            return self._decode(method, path, response)

    def _wait_pause(self, method, path):
        """Wait the pause the provider asked of the account, or leave it to the caller.

        A pause longer than the client waits within a call is an
        ``ExternalCrmTransientError`` that says how long is left: the job
        runs again then, without calling.
        """
        if self.pause is None:
            return
        remaining = self.pause.remaining()
        if not remaining:
            return
        if remaining > self.max_wait:
            raise self._error(
                ExternalCrmTransientError,
                f"{method} {path}: the provider asked to wait, {remaining:.0f} s more",
                retry_after=remaining,
            )
        self.sleep(remaining)

    def _decode(self, method, path, response):
        """The JSON of a successful answer; a page that is not JSON is temporary.

        A proxy, a load balancer or a maintenance page answers with HTML
        (even with 200): what it says is kept in the error, and the call is
        tried again later like any unavailable service.
        """
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as error:
            text = " ".join(response.text.split())[:300]
            raise self._error(
                ExternalCrmTransientError,
                f"{method} {path} answered HTTP {response.status_code} with a body that is not "
                f"JSON ({response.headers.get('Content-Type') or 'no content type'}): {text}",
            ) from error


def chunks(values, size):
    """``values`` (a list) in consecutive slices of at most ``size`` items.

    The batch endpoints of every provider take a bounded number of ids or
    records per call.
    """
    for start in range(0, len(values), size):
        yield values[start : start + size]


def json_of(response):
    """The decoded JSON body of ``response``, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
