# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Salesforce REST API client: OAuth 2 refresh-token flow and SOQL queries.

Plain Python, no Odoo. The access token is obtained from the configured
login URL (login.salesforce.com, test.salesforce.com or a My Domain) with the
refresh token of a connected app; the answer also gives the instance URL that
every other call goes to. An expired access token (HTTP 401) is renewed once
per call. Rate limits follow the ``RestClient`` rules: 429 and 503 wait as
long as ``Retry-After`` says, other 5xx answers are retried with a backoff;
Salesforce's daily API limit (403 ``REQUEST_LIMIT_EXCEEDED``) is a temporary
error for the inbox, not a reason to wait inside the call.
"""

from urllib.parse import urlsplit

from ...exceptions import ExternalCrmApiError, ExternalCrmTransientError
from ..client import RestClient, chunks, json_of
from ..destinations import DestinationRefused
from ..oauth import request_token
from .ids import ID_PATTERN, id18, same_organization

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
# where the consumer secret and refresh token may go: production, sandboxes,
# and My Domain login URLs (acme.my.salesforce.com, acme--uat.sandbox.my...)
LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com", "*.my.salesforce.com")
# the instance URL of a token answer (My Domain, or a legacy instance name)
INSTANCE_HOSTS = ("*.salesforce.com",)
DEFAULT_API_VERSION = "62.0"
# how long to wait when the daily API limit is reached and nothing says more
DAILY_LIMIT_WAIT = 900.0


class QueryLocatorExpired(ExternalCrmApiError):
    """A ``nextRecordsUrl`` that Salesforce no longer knows (it expires)."""


class SalesforceClient(RestClient):
    """Salesforce REST API with OAuth 2 refresh tokens.

    The base URL is the instance URL that Salesforce gives with each access
    token: it must be a Salesforce host too, as the login URL must.
    """

    HOSTS = INSTANCE_HOSTS
    BASE_URL_SETTING = "the instance URL that Salesforce gave (log in again)"

    def __init__(
        self,
        login_url,
        client_id,
        client_secret,
        refresh_token,
        access_token=None,
        instance_url=None,
        api_version=DEFAULT_API_VERSION,
        organization_id=None,
        on_token=None,
        **kwargs,
    ):
        super().__init__(instance_url, access_token, **kwargs)
        self.login_url = (login_url or DEFAULT_LOGIN_URL).rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.api_version = api_version or DEFAULT_API_VERSION
        self.organization_id = organization_id
        self.on_token = on_token
        self.refreshes = 0
        # the Salesforce user of the refresh token, known after a refresh
        self.user_id = None
        # whether the organization has several currencies (CurrencyIsoCode
        # fields): None until a query asked; the currency of a single-currency
        # organization, once read (``lines.py``)
        self.multi_currency = None
        self.organization_currency = None

    def _secrets(self):
        return [*super()._secrets(), self.client_secret, self.refresh_token, self.client_id]

    # -- OAuth -------------------------------------------------------------
    def refresh(self):
        """Get a new access token (and the instance URL) with the refresh token."""
        if not (self.client_id and self.client_secret and self.refresh_token):
            raise ExternalCrmApiError(
                "Salesforce: the consumer key, consumer secret and refresh token are required"
            )
        self._check_destination(self.login_url, LOGIN_HOSTS, "the Salesforce login URL")
        self.refreshes += 1
        self.calls += 1
        response, answer = request_token(
            self.session.post,
            f"{self.login_url}/services/oauth2/token",
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "refresh_token": self.refresh_token,
            },
            self.timeout,
            "Salesforce login",
            self.login_url,
            self._secrets(),
            wait=self.backoff,
        )
        if response.status_code != 200 or not answer.get("access_token"):
            # invalid_grant: the refresh token was revoked or expired;
            # invalid_client: wrong consumer key or secret
            error = answer.get("error", "")
            description = answer.get("error_description", response.text[:200])
            raise self._error(
                ExternalCrmApiError,
                f"Salesforce refused the refresh token (HTTP {response.status_code}): "
                f"{error} {description}",
            )
        instance_url = self._instance_url(answer)
        identity = self._identity(answer)
        self.token = answer["access_token"]
        self.base_url = instance_url
        if len(identity) >= 3 and identity[-3] == "id" and ID_PATTERN.match(identity[-1]):
            self.user_id = id18(identity[-1])
        if self.on_token:
            self.on_token(self.token, self.base_url, self.user_id)
        return self.token

    def _instance_url(self, answer):
        """The instance URL of a token answer: a Salesforce host, else refused."""
        instance_url = (answer.get("instance_url") or "").rstrip("/")
        if urlsplit(instance_url).scheme not in ("https", "http"):
            raise ExternalCrmApiError("Salesforce gave no instance URL with the access token")
        try:
            self._check_destination(instance_url, INSTANCE_HOSTS, "the Salesforce login URL")
        except DestinationRefused as error:
            raise self._error(
                DestinationRefused, f"Salesforce named another instance URL: {error}"
            ) from None
        return instance_url

    def _identity(self, answer):
        """The parts of the identity URL (``.../id/<organization id>/<user id>``).

        A token of another organization must not be used for this backend.
        """
        identity = (answer.get("id") or "").rstrip("/").split("/")
        if (
            self.organization_id
            and len(identity) >= 2
            and identity[-3:-2] == ["id"]
            and not same_organization(identity[-2], self.organization_id)
        ):
            raise self._error(
                ExternalCrmApiError,
                f"The Salesforce user of this refresh token belongs to organization "
                f"{identity[-2]}, not to {self.organization_id}",
            )
        return identity

    # -- calls -------------------------------------------------------------
    @staticmethod
    def _error_code(response):
        answer = json_of(response)
        if isinstance(answer, list) and answer and isinstance(answer[0], dict):
            return answer[0].get("errorCode") or ""
        if isinstance(answer, dict):
            return answer.get("errorCode") or answer.get("error") or ""
        return ""

    # 503 is also how Salesforce says "too many requests at once"
    RETRY_AFTER_STATUSES = (429, 503)

    def _ensure_token(self):
        if not self.token or not self.base_url:
            self.refresh()

    def _renew_token(self, response):
        # the session expired (INVALID_SESSION_ID): a new token from the
        # refresh token
        self.refresh()
        return True

    def _check_answer(self, method, path, response):
        status = response.status_code
        code = self._error_code(response) if status >= 400 else ""
        if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
            # the organization's API requests of the last 24 hours are used
            # up: waiting inside the call would not help
            raise self._error(
                ExternalCrmTransientError,
                f"{method} {path}: Salesforce API limit reached (REQUEST_LIMIT_EXCEEDED)",
                retry_after=self._retry_after(response) or DAILY_LIMIT_WAIT,
            )
        if code == "INVALID_QUERY_LOCATOR" or (status == 404 and "/query/" in path):
            raise self._error(QueryLocatorExpired, f"{method} {path}: the query locator expired")

    def _data_path(self, tail):
        return f"/services/data/v{self.api_version}/{tail}"

    def query(self, soql, include_deleted=False, batch_size=None):
        """First page of a SOQL query: the decoded answer (records, nextRecordsUrl)."""
        return self.request(
            "GET",
            self._data_path("queryAll" if include_deleted else "query"),
            params={"q": soql},
            headers=self._query_options(batch_size),
        )

    def query_more(self, next_records_url, batch_size=None):
        """The page behind a ``nextRecordsUrl``."""
        return self.request("GET", next_records_url, headers=self._query_options(batch_size))

    def query_all(self, soql, include_deleted=False):
        """Every record of a SOQL query, its pages followed (``nextRecordsUrl``)."""
        records = []
        answer = self.query(soql, include_deleted=include_deleted) or {}
        while True:
            records.extend(answer.get("records") or [])
            next_url = answer.get("nextRecordsUrl")
            if answer.get("done", True) or not next_url:
                return records
            answer = self.query_more(next_url) or {}

    @staticmethod
    def _query_options(batch_size):
        """The headers asking pages of about ``batch_size`` records (None: Salesforce's)."""
        if not batch_size:
            return {}
        # Salesforce takes 200 to 2,000 and may still answer more or less
        return {"Sforce-Query-Options": f"batchSize={min(2000, max(200, batch_size))}"}

    def count(self, sobject, where=None):
        soql = f"SELECT COUNT() FROM {sobject}"
        if where:
            soql += f" WHERE {where}"
        return int((self.query(soql) or {}).get("totalSize") or 0)

    # the sObject Collections API writes at most 200 records per call
    COLLECTION_SIZE = 200

    def update_records(self, sobject, updates):
        """Write ``{id: {field: value}}`` on records of ``sobject``, 200 per call.

        ``allOrNone`` is off, so Salesforce writes what it can and says why
        it refused the others (a deleted record, a field the user cannot
        edit). Returns ``{id: reason}`` of those.
        """
        refused = {}
        for chunk in chunks(sorted(updates.items()), self.COLLECTION_SIZE):
            records = [
                {"attributes": {"type": sobject}, "id": record_id, **values}
                for record_id, values in chunk
            ]
            answer = self.request(
                "PATCH",
                self._data_path("composite/sobjects"),
                json={"allOrNone": False, "records": records},
            )
            if not isinstance(answer, list) or len(answer) != len(records):
                raise ExternalCrmApiError(
                    "Salesforce answered the update of records with no result per record"
                )
            # the results come in the order of the records sent
            for record, result in zip(records, answer, strict=True):
                if not result.get("success"):
                    reasons = [
                        f"{error.get('statusCode')}: {error.get('message')}"
                        for error in result.get("errors") or []
                    ]
                    refused[record["id"]] = self._scrub("; ".join(reasons)) or "refused"
        return refused
