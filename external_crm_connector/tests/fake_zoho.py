# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake Zoho CRM: accounts server and REST API v6, real HTTP on loopback.

It serves what the connector calls, in Zoho's shapes: the OAuth token
endpoint (refresh-token grant, ``api_domain`` in the answer, refusals with
HTTP 200 and an ``error`` member as Zoho does), records by ids, pages of
records (``page`` up to 2,000 records, ``page_token`` beyond, the
``If-Modified-Since`` header, sorting), the record count and the
notification ``actions/watch`` endpoint; quotes with their line items
(``Product_Details``) and products, the COQL query of the quotes of deals
by stage, and the fields an org does not have (``Currency`` with one
currency), refused with ``INVALID_DATA``. Access tokens expire on demand
(401 ``INVALID_TOKEN``); failures (429 with Retry-After, 500) are scripted.
"""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from .clock import LATER, iso, moment
from .fake_server import FakeApiServer

MODULES = {
    "Accounts": "company",
    "Contacts": "contact",
    "Deals": "deal",
    "Quotes": "quote",
    "Products": "product",
}
QUOTES_OF_DEALS = re.compile(
    r"^select (?P<fields>.+?) from Quotes where \(Deal_Name in \((?P<deals>[^)]*)\) "
    r"and Quote_Stage in \((?P<stages>[^)]*)\)\) limit (?P<limit>\d+) offset (?P<offset>\d+)$"
)


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class FakeZoho(FakeApiServer):
    content_type = "application/json;charset=UTF-8"

    def __init__(self, client_id="1000.CLIENT", client_secret="client-secret", refresh="1000.r"):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh
        self.access_token = None
        self.issued = 0
        self.records = {kind: {} for kind in MODULES.values()}
        self.unknown_fields = set()
        self.channels = {}
        self.failures = []  # [(path fragment, status, retry_after)]
        self.requests = []
        self.tokens = {}  # page token -> (module, offset)
        self.updates = []  # [(kind, id, values, trigger)] written by the connector

    def reset(self):
        with self.lock:
            self.access_token = None
            self.issued = 0
            self.records = {kind: {} for kind in MODULES.values()}
            self.unknown_fields = set()
            self.channels = {}
            self.failures = []
            self.requests = []
            self.tokens = {}
            self.updates = []

    # -- data --------------------------------------------------------------
    def add(self, kind, record_id, values, modified=None):
        modified = modified or iso(LATER, "+00:00")
        with self.lock:
            self.records[kind][str(record_id)] = {
                **values,
                "id": str(record_id),
                "Modified_Time": modified,
            }

    def remove(self, kind, record_id):
        with self.lock:
            self.records[kind].pop(str(record_id), None)

    def expire_token(self):
        """The current access token stops working (as after one hour)."""
        with self.lock:
            self.access_token = "1000.expired"

    # -- server ------------------------------------------------------------
    # -- handling ----------------------------------------------------------
    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parsed = urlparse(handler.path)
        query = parse_qs(parsed.query)
        with self.lock:
            self.requests.append(
                (method, parsed.path, parsed.query, dict(handler.headers), raw.decode())
            )
        if parsed.path == "/oauth/v2/token" and method == "POST":
            with self.lock:
                failure = next((f for f in self.failures if f[0] in parsed.path), None)
                if failure:
                    self.failures.remove(failure)
            if failure:
                # the accounts server limits renewals: 429 with Retry-After
                _fragment, status, retry_after = failure
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                error = {"error": "Access Denied", "error_description": "too many requests"}
                return self._send(handler, status, error, headers)
            return self._token(handler, {k: v[0] for k, v in parse_qs(raw.decode()).items()})
        with self.lock:
            failure = next((f for f in self.failures if f[0] in parsed.path), None)
            if failure:
                self.failures.remove(failure)
            token = self.access_token
        if not token or handler.headers.get("Authorization") != f"Zoho-oauthtoken {token}":
            return self._send(
                handler,
                401,
                {
                    "code": "INVALID_TOKEN",
                    "details": {},
                    "message": "invalid oauth token",
                    "status": "error",
                },
            )
        if failure:
            _fragment, status, retry_after = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            code = {429: "TOO_MANY_REQUESTS", 403: "NO_PERMISSION"}.get(
                status, "INTERNAL_ERROR" if status >= 500 else "INVALID_DATA"
            )
            return self._send(
                handler,
                status,
                {"code": code, "details": {}, "message": code.lower(), "status": "error"},
                headers,
            )
        parts = parsed.path.strip("/").split("/")
        if parts[:2] != ["crm", "v6"]:
            return self._not_found(handler)
        body = json.loads(raw) if raw else {}
        with self.lock:
            if parts[2:] == ["actions", "watch"] and method in ("POST", "PATCH"):
                return self._watch(handler, method, body)
            if parts[2:] == ["coql"] and method == "POST":
                return self._coql(handler, body.get("select_query") or "")
            kind = MODULES.get(parts[2]) if len(parts) > 2 else None
            if kind and parts[3:] == ["actions", "count"]:
                return self._send(handler, 200, {"count": len(self.records[kind])})
            if kind and len(parts) == 3 and method == "PUT":
                return self._update(handler, kind, body)
            if kind and len(parts) == 3 and method == "GET":
                if "ids" in query:
                    return self._by_ids(handler, kind, query)
                return self._list(handler, parts[2], kind, query, handler.headers)
        return self._not_found(handler)

    def _update(self, handler, kind, body):
        """Records update: one result per record, in order; HTTP 400 when all fail."""
        data = body.get("data") or []
        if not data or len(data) > 100:
            return self._send(handler, 400, {"code": "LIMIT_EXCEEDED", "status": "error"})
        results = []
        for entry in data:
            record = self.records[kind].get(str(entry.get("id")))
            if record is None:
                results.append(
                    {
                        "code": "INVALID_DATA",
                        "details": {"api_name": "id"},
                        "message": "the related id given seems to be invalid",
                        "status": "error",
                    }
                )
                continue
            values = {k: v for k, v in entry.items() if k != "id"}
            record.update(values)
            self.updates.append((kind, record["id"], values, body.get("trigger")))
            results.append(
                {
                    "code": "SUCCESS",
                    "details": {"id": record["id"]},
                    "message": "record updated",
                    "status": "success",
                }
            )
        success = any(result["status"] == "success" for result in results)
        return self._send(handler, 200 if success else 400, {"data": results})

    def _not_found(self, handler):
        return self._send(
            handler,
            404,
            {
                "code": "INVALID_URL_PATTERN",
                "details": {},
                "message": "invalid url",
                "status": "error",
            },
        )

    def _token(self, handler, form):
        if form.get("grant_type") != "refresh_token":
            return self._send(handler, 200, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return self._send(handler, 200, {"error": "invalid_client"})
        if form.get("refresh_token") != self.refresh_token:
            return self._send(handler, 200, {"error": "invalid_code"})
        with self.lock:
            self.issued += 1
            self.access_token = f"1000.access.{self.issued}"
            token = self.access_token
        return self._send(
            handler,
            200,
            {
                "access_token": token,
                "scope": "ZohoCRM.modules.ALL ZohoCRM.notifications.ALL",
                "api_domain": self.url,
                "token_type": "Bearer",
                "expires_in": 3600,
            },
        )

    @staticmethod
    def _select(record, fields):
        wanted = set(fields) | {"id"}
        return {name: value for name, value in record.items() if name in wanted}

    def _coql(self, handler, select_query):
        """The accepted quotes of deals: the one COQL query the connector makes."""
        match = QUOTES_OF_DEALS.match(select_query)
        if not match:
            return self._send(handler, 400, {"code": "SYNTAX_ERROR", "status": "error"})
        deals = {value.strip().strip("'") for value in match["deals"].split(",")}
        stages = {value.strip().strip("'") for value in match["stages"].split(",")}
        if len(deals) > 50 or int(match["limit"]) > 2000:
            return self._send(handler, 400, {"code": "LIMIT_EXCEEDED", "status": "error"})
        quotes = sorted(
            (
                quote
                for quote in self.records["quote"].values()
                if quote["Deal_Name"]["id"] in deals and quote["Quote_Stage"] in stages
            ),
            key=lambda quote: int(quote["id"]),
        )
        offset, limit = int(match["offset"]), int(match["limit"])
        page = quotes[offset : offset + limit]
        if not page:
            return self._send(handler, 204)
        fields = [name.strip() for name in match["fields"].split(",")]
        data = [
            {
                name: {"id": quote[name]["id"]} if name == "Deal_Name" else quote[name]
                for name in fields
            }
            for quote in page
        ]
        info = {"count": len(page), "more_records": offset + limit < len(quotes)}
        return self._send(handler, 200, {"data": data, "info": info})

    def _by_ids(self, handler, kind, query):
        fields = query.get("fields", [""])[0].split(",")
        ids = query["ids"][0].split(",")
        if len(ids) > 100:
            return self._send(handler, 400, {"code": "LIMIT_EXCEEDED", "status": "error"})
        unknown = sorted(self.unknown_fields & set(fields))
        if unknown:
            error = {
                "code": "INVALID_DATA",
                "details": {"api_name": unknown[0]},
                "message": "the field is not available",
                "status": "error",
            }
            return self._send(handler, 400, error)
        data = [
            self._select(self.records[kind][record_id], fields)
            for record_id in ids
            if record_id in self.records[kind]
        ]
        if not data:
            return self._send(handler, 204)
        return self._send(handler, 200, {"data": data})

    def _list(self, handler, module, kind, query, headers):
        fields = query.get("fields", [""])[0].split(",")
        per_page = min(int(query.get("per_page", ["200"])[0]), 200)
        records = list(self.records[kind].values())
        since = headers.get("If-Modified-Since")
        if since:
            records = [r for r in records if _moment(r["Modified_Time"]) > _moment(since)]
        sort_by = query.get("sort_by", ["id"])[0]
        if sort_by == "Modified_Time":
            records.sort(key=lambda r: (_moment(r["Modified_Time"]), int(r["id"])))
        else:
            records.sort(key=lambda r: int(r["id"]))
        if query.get("sort_order", ["desc"])[0] == "desc":
            records.reverse()
        if "page_token" in query:
            state = self.tokens.get(query["page_token"][0])
            if not state or state[0] != module:
                return self._send(
                    handler,
                    400,
                    {"code": "INVALID_DATA", "details": {"param": "page_token"}, "status": "error"},
                )
            offset, page = state[1], state[2]
        else:
            page = int(query.get("page", ["1"])[0])
            offset = (page - 1) * per_page
            if offset + per_page > 2000:
                # Zoho reads the first 2,000 records only with page numbers
                return self._send(
                    handler,
                    400,
                    {"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "status": "error"},
                )
        chunk = records[offset : offset + per_page]
        if not chunk:
            # nothing changed since If-Modified-Since: 304, else 204
            return self._send(handler, 304 if since else 204)
        more = offset + per_page < len(records)
        info = {
            "per_page": per_page,
            "count": len(chunk),
            "page": page,
            "sort_by": sort_by,
            "sort_order": query.get("sort_order", ["desc"])[0],
            "more_records": more,
            "next_page_token": None,
            "previous_page_token": None,
            "page_token_expiry": None,
        }
        if more:
            token = f"tok{len(self.tokens) + 1}x{offset + per_page}"
            self.tokens[token] = (module, offset + per_page, page + 1)
            info["next_page_token"] = token
            info["page_token_expiry"] = iso(moment(2, 16), "+00:00")
        data = [self._select(record, fields) for record in chunk]
        return self._send(handler, 200, {"data": data, "info": info})

    def _watch(self, handler, method, body):
        answers = []
        for entry in body.get("watch") or []:
            channel = str(entry.get("channel_id"))
            if method == "PATCH" and channel not in self.channels:
                answers.append(
                    {
                        "code": "RESOURCE_NOT_FOUND",
                        "details": {"channel_id": channel},
                        "message": "the channel is not subscribed",
                        "status": "error",
                    }
                )
                continue
            if not entry.get("notify_url") or not entry.get("events"):
                answers.append({"code": "MANDATORY_NOT_FOUND", "status": "error"})
                continue
            self.channels[channel] = dict(entry)
            answers.append(
                {
                    "code": "SUCCESS",
                    "details": {
                        "events": [
                            {
                                "channel_expiry": entry.get("channel_expiry"),
                                "resource_uri": f"{self.url}/crm/v6/{event.split('.')[0]}",
                                "resource_id": "4150868000000002175",
                                "resource_name": event.split(".")[0],
                                "channel_id": channel,
                            }
                            for event in entry["events"]
                        ]
                    },
                    "message": "Successfully subscribed for actions-watch of the given module",
                    "status": "success",
                }
            )
        status = 200 if all(a["status"] == "success" for a in answers) else 400
        return self._send(handler, status, {"watch": answers})
