# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Zoho CRM REST API v6 (plain Python, no Odoo).

The access token comes from ``oauth.refresh_access_token`` (through
``renew``). An access token that Zoho refuses (401 ``INVALID_TOKEN``) is
renewed once per call, then the call is made again; rate limits (429) and
server errors (5xx) follow ``RestClient``'s rules. Lists page with page
numbers, then with page tokens past the first 2,000 records.
"""

import logging
import time

from ...exceptions import ExternalCrmApiError
from ..client import RestClient, chunks, json_of
from .data_centres import API_HOSTS

_logger = logging.getLogger(__name__)

MODULES = {
    "company": "Accounts",
    "contact": "Contacts",
    "deal": "Deals",
    "quote": "Quotes",
    "product": "Products",
}
API_VERSION = "v6"
# Zoho reads at most 100 ids, 50 fields and 200 records per page in one call
MAX_IDS = 100
MAX_FIELDS = 50
MAX_PER_PAGE = 200
# records that page numbers reach; page tokens go further
MAX_DISCRETE_RECORDS = 2000
# 401 codes that a new access token can cure (OAUTH_SCOPE_MISMATCH cannot)
RENEWABLE_CODES = ("INVALID_TOKEN", "AUTHENTICATION_FAILURE", None)


class ZohoApiError(ExternalCrmApiError):
    """Zoho refused a call (4xx): with its HTTP status and Zoho's error code."""

    def __init__(self, message, status=None, code=None, answer=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.answer = answer  # the decoded body, when it was JSON


def iso_offset(moment):
    """A naive UTC datetime as Zoho writes times: ``2026-11-24T16:00:00+00:00``."""
    return moment.replace(microsecond=0).isoformat() + "+00:00"


class ZohoClient(RestClient):
    """Zoho CRM v6 records, record counts and notification channels.

    ``renew`` is a callable returning a fresh access token (and, optionally,
    saving it); it is called before the first call when no token is known,
    and once more when Zoho refuses the token.
    """

    HOSTS = API_HOSTS

    def __init__(self, base_url, token, renew=None, **kwargs):
        super().__init__(base_url, token, **kwargs)
        self.renew = renew
        # optional fields this org does not have, once Zoho refused them
        # (``lines.py``: one currency, one shape of line items)
        self.refused_fields = set()

    def _auth_headers(self):
        return {"Authorization": f"Zoho-oauthtoken {self.token}"}

    @staticmethod
    def _error_code(response):
        answer = json_of(response)
        if isinstance(answer, dict):
            return answer.get("code")
        return None

    @staticmethod
    def _retry_after(response):
        """Seconds to wait on a 429: Retry-After, else Zoho's rate-limit reset."""
        wait = RestClient._retry_after(response)
        if wait is not None:
            return wait
        reset = (response.headers.get("X-RATELIMIT-RESET") or "").strip()
        if reset.isdigit():
            # epoch milliseconds of the end of the window
            return max(0.0, int(reset) / 1000.0 - time.time())
        return None

    def _ensure_token(self):
        if not self.token and self.renew:
            self.token = self.renew()

    def _renew_token(self, response):
        code = self._error_code(response)
        if not self.renew or code not in RENEWABLE_CODES:
            return False
        _logger.info("Zoho refused the access token (%s): renewing it", self._scrub(str(code)))
        self.token = self.renew()
        return True

    def _api_error(self, method, path, response):
        answer = json_of(response)
        return self._error(
            ZohoApiError,
            f"{method} {path} answered HTTP {response.status_code}: {response.text[:500]}",
            status=response.status_code,
            code=self._error_code(response),
            answer=answer,
        )

    # -- records -----------------------------------------------------------
    def _path(self, suffix):
        return f"/crm/{API_VERSION}/{suffix}"

    @staticmethod
    def _fields(fields):
        names = sorted({name for name in fields if name} | {"Modified_Time"})
        if len(names) > MAX_FIELDS:
            raise ExternalCrmApiError(
                f"Zoho reads at most {MAX_FIELDS} fields per call; the field map asks "
                f"for {len(names)}"
            )
        return ",".join(names)

    def read_records(self, kind, ids, fields):
        """Return ``{id: record}`` for the ids that still exist, 100 per call."""
        found = {}
        for chunk in chunks([str(record_id) for record_id in ids], MAX_IDS):
            answer = self.request(
                "GET",
                self._path(MODULES[kind]),
                params={"ids": ",".join(chunk), "fields": self._fields(fields)},
            )
            for record in (answer or {}).get("data") or []:
                found[str(record["id"])] = record
        return found

    def query(self, select_query):
        """One page of a COQL query: the decoded answer (``data``, ``info``), ``{}`` for none."""
        return self.request("POST", self._path("coql"), json={"select_query": select_query}) or {}

    def update_records(self, kind, updates):
        """Write ``{id: {field: value}}`` on records of ``kind``, 100 per call.

        ``trigger`` is empty: Zoho runs no workflow rule, approval or
        blueprint for these writes. Zoho answers one result per record, in
        the order sent, and writes the records it accepts. Returns ``{id:
        reason}`` of those it refused.
        """
        refused = {}
        for chunk in chunks(sorted(updates.items()), MAX_IDS):
            data = [{**values, "id": record_id} for record_id, values in chunk]
            try:
                answer = self.request(
                    "PUT", self._path(MODULES[kind]), json={"data": data, "trigger": []}
                )
            except ZohoApiError as error:
                # every record refused: HTTP 400 with the same results
                if not isinstance(error.answer, dict) or "data" not in error.answer:
                    raise
                answer = error.answer
            results = (answer or {}).get("data")
            if not isinstance(results, list) or len(results) != len(data):
                raise ExternalCrmApiError("Zoho answered the update with no result per record")
            for record, result in zip(data, results, strict=True):
                if (result.get("status") or "").lower() != "success":
                    refused[record["id"]] = self._scrub(
                        f"{result.get('code')}: {result.get('message') or ''} "
                        f"{result.get('details') or ''}"
                    ).strip()
        return refused

    def list_page(self, kind, fields, cursor=None, limit=MAX_PER_PAGE, since=None):
        """One page of records: ``(records, next cursor or None)``.

        The cursor is ``token:<page_token>|<page number>`` when Zoho gave a
        page token (the only way past the first 2,000 records), else
        ``page:<number>``. A page token lives one day: when Zoho refuses it
        (an import resumed later), the page number takes over where Zoho
        allows it, else the listing starts again (the inbox recognises the
        records already stored). With ``since`` (a naive UTC datetime), only
        records modified after it are listed, oldest change first, through
        the ``If-Modified-Since`` header.
        """
        per_page = min(limit, MAX_PER_PAGE)
        params = {"fields": self._fields(fields), "per_page": per_page}
        token, page = self._parse_cursor(cursor)
        if token:
            params["page_token"] = token
        else:
            params["page"] = page
        headers = {}
        if since:
            params.update(sort_by="Modified_Time", sort_order="asc")
            headers["If-Modified-Since"] = iso_offset(since)
        else:
            params.update(sort_by="id", sort_order="asc")
        path = self._path(MODULES[kind])
        try:
            answer = self.request("GET", path, params=params, headers=headers)
        except ZohoApiError as error:
            if not token or error.status != 400:
                raise
            page = page if page * per_page <= MAX_DISCRETE_RECORDS else 1
            _logger.info(
                "Zoho refused page token (%s): reading page %s", self._scrub(str(error.code)), page
            )
            params.pop("page_token")
            params["page"] = page
            answer = self.request("GET", path, params=params, headers=headers)
        answer = answer or {}
        info = answer.get("info") or {}
        next_cursor = None
        if info.get("more_records"):
            if info.get("next_page_token"):
                next_cursor = f"token:{info['next_page_token']}|{page + 1}"
            else:
                next_cursor = f"page:{page + 1}"
        return answer.get("data") or [], next_cursor

    @staticmethod
    def _parse_cursor(cursor):
        """``(page token or None, page number)`` of a cursor from ``list_page``."""
        if cursor and cursor.startswith("token:"):
            token, _bar, page = cursor[len("token:") :].rpartition("|")
            if not token:  # no page number: a cursor of an older version
                return page, 1
            return token, int(page) if page.isdigit() else 1
        if cursor and cursor.startswith("page:") and cursor[len("page:") :].isdigit():
            return None, int(cursor[len("page:") :])
        return None, 1

    def count(self, kind):
        """Number of records of ``kind`` (Zoho's record count API)."""
        answer = self.request("GET", self._path(f"{MODULES[kind]}/actions/count"))
        return int((answer or {}).get("count") or 0)

    # -- notification channels --------------------------------------------
    def watch(self, channel_id, events, notify_url, token, expiry, renew=False):
        """Subscribe (or, with ``renew``, extend) a notification channel.

        Returns the expiries Zoho confirmed, one per module (text, as Zoho
        wrote them).
        """
        body = {
            "watch": [
                {
                    "channel_id": int(channel_id),
                    "events": list(events),
                    "notify_url": notify_url,
                    "token": token,
                    "channel_expiry": iso_offset(expiry),
                }
            ]
        }
        answer = self.request("PATCH" if renew else "POST", self._path("actions/watch"), json=body)
        results = (answer or {}).get("watch") or []
        if not results:
            raise ExternalCrmApiError("Zoho gave no answer for the notification channel")
        expiries = []
        for result in results:
            if (result.get("status") or "").lower() != "success":
                raise self._error(
                    ExternalCrmApiError,
                    f"Zoho refused the notification channel: {result.get('code')} "
                    f"{result.get('message') or ''} {result.get('details') or ''}".strip(),
                )
            for event in (result.get("details") or {}).get("events") or []:
                if event.get("channel_expiry"):
                    expiries.append(event["channel_expiry"])
        return expiries
