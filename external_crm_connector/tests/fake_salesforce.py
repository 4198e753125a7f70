# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake Salesforce: a real HTTP server on loopback, in a thread.

It serves what the connector calls, with Salesforce's shapes: the OAuth 2
token endpoint (refresh-token grant, identity URL with the organization id),
and REST ``query`` / ``queryAll`` for the SOQL the connector writes (SELECT
fields, ``LastModifiedDate`` and ``Id`` conditions, ``Id IN (...)``,
``ORDER BY LastModifiedDate, Id``, ``COUNT()``), pages behind
``nextRecordsUrl`` that can expire; OpportunityLineItem records
(``OpportunityId IN (...)``) and the Organization, and an org with one
currency, that refuses ``CurrencyIsoCode`` (``INVALID_FIELD``). Access
tokens expire on demand (401 ``INVALID_SESSION_ID``); scripted failures (by
path, or by a piece of the SOQL) give 429 or 503 with Retry-After, 500, or
403 ``REQUEST_LIMIT_EXCEEDED``.
"""

import itertools
import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from .clock import EARLIER, iso
from .fake_server import FakeApiServer

SELECT = re.compile(
    r"^SELECT (?P<fields>.+?) FROM (?P<sobject>\w+)"
    r"(?: WHERE (?P<where>.+?))?(?P<order> ORDER BY LastModifiedDate, Id)?$"
)
SINCE = re.compile(r"^LastModifiedDate >= (\S+)$")
AFTER = re.compile(
    r"^\(LastModifiedDate > (\S+) OR \(LastModifiedDate = (\S+) AND Id > '(\w+)'\)\)$"
)
IDS = re.compile(r"^(\w*Id) IN \((.+)\)$")
SOBJECTS = ("Account", "Contact", "Opportunity", "OpportunityLineItem", "Organization")


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _salesforce_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeSalesforce(FakeApiServer):
    content_type = "application/json;charset=UTF-8"

    API = "v62.0"

    def __init__(
        self,
        organization_id="00D5e000000AbCdEAK",
        client_id="consumer-key",
        client_secret="consumer-secret",
        refresh_token="refresh-token",
    ):
        super().__init__()
        self.organization_id = organization_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.records = {sobject: {} for sobject in SOBJECTS}
        self.multi_currency = True
        self.valid_tokens = set()
        self.failures = []  # [(path fragment, status, retry_after, error code)]
        self.requests = []
        self.locators = {}
        self.page_size = 2000
        self.counter = itertools.count(1)
        self.user_id = "0055e000001AbCdAAK"  # the user of the refresh token
        self.updates = []  # [(sobject, id, values, allOrNone)] written by the connector

    # -- data --------------------------------------------------------------
    def add(self, sobject, record_id, fields, modified=None, deleted=False):
        modified = modified or iso(EARLIER)
        with self.lock:
            self.records[sobject][record_id] = {
                **fields,
                "Id": record_id,
                "LastModifiedDate": _moment(modified),
                "IsDeleted": deleted,
            }

    def delete(self, sobject, record_id, modified):
        with self.lock:
            record = self.records[sobject][record_id]
            record["IsDeleted"] = True
            record["LastModifiedDate"] = _moment(modified)

    def fail(self, fragment, *statuses, retry_after=None, code=None):
        """The next calls whose path (or SOQL) holds ``fragment`` answer ``statuses``."""
        with self.lock:
            for status in statuses:
                self.failures.append((fragment, status, retry_after, code))

    def expire_tokens(self):
        with self.lock:
            self.valid_tokens.clear()

    def expire_locators(self):
        with self.lock:
            self.locators.clear()

    def calls(self, fragment=""):
        return [r for r in self.requests if fragment in r[1]]

    def soql(self):
        """The SOQL texts received, in order."""
        return [
            parse_qs(query)["q"][0]
            for _method, path, query, _headers in self.requests
            if path.endswith(("/query", "/queryAll"))
        ]

    def reset(self):
        with self.lock:
            self.records = {sobject: {} for sobject in SOBJECTS}
            self.multi_currency = True
            self.failures = []
            self.requests = []
            self.locators = {}
            self.page_size = 2000
            self.updates = []

    # -- server ------------------------------------------------------------
    # -- handling ----------------------------------------------------------
    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parsed = urlparse(handler.path)
        soql = parse_qs(parsed.query).get("q", [""])[0]
        with self.lock:
            self.requests.append((method, parsed.path, parsed.query, dict(handler.headers)))
            failure = next((f for f in self.failures if f[0] in parsed.path or f[0] in soql), None)
            if failure:
                self.failures.remove(failure)
        if failure:
            _fragment, status, retry_after, code = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            code = code or {429: "REQUEST_LIMIT_EXCEEDED", 503: "SERVER_UNAVAILABLE"}.get(
                status, "UNKNOWN_EXCEPTION"
            )
            return self._send(
                handler, status, [{"message": "scripted failure", "errorCode": code}], headers
            )
        if parsed.path == "/services/oauth2/token" and method == "POST":
            return self._token(handler, parse_qs(raw.decode()))
        authorization = handler.headers.get("Authorization") or ""
        with self.lock:
            valid = authorization.startswith("Bearer ") and authorization[7:] in self.valid_tokens
        if not valid:
            return self._send(
                handler,
                401,
                [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            )
        prefix = f"/services/data/{self.API}/"
        batch = self._batch_size(handler.headers.get("Sforce-Query-Options") or "")
        with self.lock:
            if parsed.path in (prefix + "query", prefix + "queryAll") and method == "GET":
                soql = parse_qs(parsed.query).get("q", [""])[0]
                return self._query(handler, soql, parsed.path.endswith("queryAll"), batch)
            if parsed.path.startswith(prefix + "query/") and method == "GET":
                return self._query_more(handler, parsed.path.rpartition("/")[2], batch)
            if parsed.path == prefix + "composite/sobjects" and method == "PATCH":
                return self._update(handler, json.loads(raw or b"{}"))
        return self._send(handler, 404, [{"message": "not found", "errorCode": "NOT_FOUND"}])

    def _update(self, handler, body):
        """sObject Collections update: one result per record, in order."""
        records = body.get("records") or []
        if len(records) > 200:
            return self._send(
                handler, 400, [{"message": "max 200 records", "errorCode": "EXCEEDED_ID_LIMIT"}]
            )
        results = []
        for record in records:
            sobject = (record.get("attributes") or {}).get("type")
            row = self.records.get(sobject, {}).get(record.get("id"))
            if row is None or row["IsDeleted"]:
                results.append(
                    {
                        "id": record.get("id"),
                        "success": False,
                        "errors": [
                            {
                                "statusCode": "ENTITY_IS_DELETED",
                                "message": "entity is deleted",
                                "fields": [],
                            }
                        ],
                    }
                )
                continue
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            row.update(values)
            row["LastModifiedById"] = self.user_id
            self.updates.append((sobject, record["id"], values, body.get("allOrNone")))
            results.append({"id": record["id"], "success": True, "errors": []})
        return self._send(handler, 200, results)

    def _token(self, handler, form):
        def one(name):
            return (form.get(name) or [""])[0]

        if (
            one("grant_type") != "refresh_token"
            or one("client_id") != self.client_id
            or one("client_secret") != self.client_secret
        ):
            return self._send(
                handler,
                400,
                {"error": "invalid_client", "error_description": "invalid client credentials"},
            )
        if one("refresh_token") != self.refresh_token:
            return self._send(
                handler,
                400,
                {"error": "invalid_grant", "error_description": "expired access/refresh token"},
            )
        token = f"00D!fake-access-{next(self.counter)}"
        with self.lock:
            self.valid_tokens.add(token)
        return self._send(
            handler,
            200,
            {
                "access_token": token,
                "instance_url": self.url,
                "id": f"{self.url}/id/{self.organization_id}/{self.user_id}",
                "token_type": "Bearer",
                "issued_at": "1764000000000",
                "signature": "c2lnbmF0dXJl",
                "scope": "api refresh_token",
            },
        )

    def _batch_size(self, options):
        found = re.search(r"batchSize=(\d+)", options)
        size = int(found.group(1)) if found else 2000
        return min(size, self.page_size)

    def _query(self, handler, soql, include_deleted, batch):
        if soql.startswith("SELECT COUNT() FROM "):
            sobject = soql.split()[-1]
            total = sum(1 for r in self.records[sobject].values() if not r["IsDeleted"])
            return self._send(handler, 200, {"totalSize": total, "done": True, "records": []})
        match = SELECT.match(soql)
        if not match:
            return self._malformed(handler, soql)
        fields = [name.strip() for name in match["fields"].split(",")]
        sobject = match["sobject"]
        if "CurrencyIsoCode" in fields and not self.multi_currency:
            message = f"No such column 'CurrencyIsoCode' on entity '{sobject}'"
            return self._send(handler, 400, [{"message": message, "errorCode": "INVALID_FIELD"}])
        rows = [r for r in self.records[sobject].values() if include_deleted or not r["IsDeleted"]]
        for condition in (match["where"] or "").split(" AND (") if match["where"] else []:
            rows = self._filter(rows, condition)
            if rows is None:
                return self._malformed(handler, soql)
        if match["order"]:
            rows.sort(key=lambda r: (r["LastModifiedDate"], r["Id"]))
        ids = [r["Id"] for r in rows]
        return self._answer(handler, sobject, fields, ids, 0, batch)

    @staticmethod
    def _filter(rows, condition):
        condition = condition.strip()
        if condition.startswith("LastModifiedDate > "):
            condition = "(" + condition  # split on " AND (" took its bracket
        since = SINCE.match(condition)
        if since:
            moment = _moment(since[1])
            return [r for r in rows if r["LastModifiedDate"] >= moment]
        after = AFTER.match(condition)
        if after:
            moment = _moment(after[1])
            return [
                r
                for r in rows
                if r["LastModifiedDate"] > moment
                or (r["LastModifiedDate"] == moment and r["Id"] > after[3])
            ]
        ids = IDS.match(condition)
        if ids:
            wanted = {part.strip().strip("'") for part in ids[2].split(",")}
            return [r for r in rows if r.get(ids[1]) in wanted]
        return None

    def _malformed(self, handler, soql):
        return self._send(
            handler, 400, [{"message": f"unexpected SOQL: {soql}", "errorCode": "MALFORMED_QUERY"}]
        )

    def _answer(self, handler, sobject, fields, ids, offset, batch):
        page = ids[offset : offset + batch]
        records = []
        for record_id in page:
            row = self.records[sobject][record_id]
            item = {
                "attributes": {
                    "type": sobject,
                    "url": f"/services/data/{self.API}/sobjects/{sobject}/{record_id}",
                }
            }
            for name in fields:
                value = row.get(name)
                item[name] = _salesforce_time(value) if isinstance(value, datetime) else value
            records.append(item)
        payload = {"totalSize": len(ids), "done": offset + batch >= len(ids), "records": records}
        if not payload["done"]:
            locator = f"01gFAKE{next(self.counter):08d}-{offset + batch}"
            self.locators[locator] = (sobject, fields, ids)
            payload["nextRecordsUrl"] = f"/services/data/{self.API}/query/{locator}"
        return self._send(handler, 200, payload)

    def _query_more(self, handler, locator, batch):
        if locator not in self.locators:
            return self._send(
                handler,
                400,
                [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}],
            )
        sobject, fields, ids = self.locators.pop(locator)
        offset = int(locator.rpartition("-")[2])
        return self._answer(handler, sobject, fields, ids, offset, batch)
