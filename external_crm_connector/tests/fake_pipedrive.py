# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake Pipedrive API v2: a real HTTP server on loopback, in a thread.

It serves what the connector reads, in Pipedrive's shapes: the v2 lists of
organizations, persons and deals (``limit``, opaque ``cursor`` answered in
``additional_data.next_cursor``, ``ids``, ``updated_since``, ``sort_by`` and
``sort_direction``); products, and the products of deals
(``/api/v2/deals/products?deal_ids=``, shaped as
../shared/samples/pipedrive_deal_products.json); the API token checked in
the ``x-api-token`` header or the ``api_token`` parameter; scripted
failures (429 with Retry-After and Pipedrive's rate-limit headers, 5xx) to
test the retries.
"""

import base64
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from .clock import LATER, iso
from .fake_server import FakeApiServer

ENTITIES = {
    "organizations": "company",
    "persons": "contact",
    "deals": "deal",
    "products": "product",
}
KINDS = ("company", "contact", "deal", "product", "deal_product")


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class FakePipedrive(FakeApiServer):
    default_headers = {"x-ratelimit-limit": "80"}

    def __init__(self, token="pd-test-token"):
        super().__init__()
        self.token = token
        self.records = {kind: {} for kind in KINDS}
        self.failures = []  # [(path fragment, status, retry_after)]
        self.requests = []  # [(method, path, query dict)]
        self.updates = []  # [(kind, id, custom fields)] written by the connector

    # -- data --------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.records = {kind: {} for kind in KINDS}
            self.failures = []
            self.requests = []
            self.updates = []

    def add(self, kind, record_id, values, update_time=None):
        """Store a record as Pipedrive's API v2 returns it."""
        update_time = update_time or iso(LATER)
        record = {
            "id": int(record_id),
            "add_time": update_time,
            "update_time": update_time,
            "is_deleted": False,
            "visible_to": 3,
            "custom_fields": {},
            **values,
        }
        if kind == "contact":
            record.setdefault("emails", [])
            record.setdefault("phones", [])
        with self.lock:
            self.records[kind][str(record_id)] = record
        return record

    def add_deal_product(self, deal_id, row_id, values):
        """A product attached to a deal, as ``GET /api/v2/deals/products`` answers it."""
        row = {
            "id": int(row_id),
            "deal_id": int(deal_id),
            "product_variation_id": None,
            "order_nr": len(self.records["deal_product"]) + 1,
            "discount": 0,
            "discount_type": "percentage",
            "tax": 0,
            "tax_method": "exclusive",
            "is_enabled": True,
            "billing_frequency": "one-time",
            "comments": None,
            **values,
        }
        with self.lock:
            self.records["deal_product"][str(row_id)] = row
        return row

    def remove(self, kind, record_id):
        with self.lock:
            self.records[kind].pop(str(record_id), None)

    # -- server ------------------------------------------------------------
    # -- handling ----------------------------------------------------------
    def _error(self, handler, status, message, code, headers=None):
        payload = {"success": False, "error": message, "errorCode": code, "error_info": ""}
        return self._send(handler, status, payload, headers)

    def _handle(self, handler, method):
        parsed = urlparse(handler.path)
        query = {key: values[0] for key, values in parse_qs(parsed.query).items()}
        with self.lock:
            self.requests.append((method, parsed.path, query))
            failure = next((f for f in self.failures if f[0] in parsed.path), None)
            if failure:
                self.failures.remove(failure)
        token = handler.headers.get("x-api-token") or query.get("api_token")
        if token != self.token:
            return self._error(handler, 401, "unauthorized access", 401)
        if failure:
            _fragment, status, retry_after = failure
            if status == 429:
                headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"}
                if retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
                return self._error(handler, 429, "Too many requests", 429, headers)
            return self._error(handler, status, "Internal server error", status)
        parts = parsed.path.strip("/").split("/")
        if parts == ["api", "v2", "deals", "products"] and method == "GET":
            with self.lock:
                return self._deal_products(handler, query)
        if parts[:2] == ["api", "v2"] and len(parts) == 3 and parts[2] in ENTITIES:
            with self.lock:
                return self._list(handler, ENTITIES[parts[2]], query)
        if (
            parts[:2] == ["api", "v2"]
            and len(parts) == 4
            and parts[2] in ENTITIES
            and (method == "PATCH")
        ):
            length = int(handler.headers.get("Content-Length") or 0)
            body = json.loads(handler.rfile.read(length) or b"{}")
            with self.lock:
                return self._update(handler, ENTITIES[parts[2]], parts[3], body)
        return self._error(handler, 404, "Unknown method .", 404)

    def _update(self, handler, kind, record_id, body):
        record = self.records[kind].get(record_id)
        if record is None:
            return self._error(handler, 404, "Organization not found", 404)
        custom = body.get("custom_fields") or {}
        record["custom_fields"].update(custom)
        self.updates.append((kind, record_id, dict(custom)))
        return self._send(handler, 200, {"success": True, "data": record})

    @staticmethod
    def _cursor(position):
        return base64.urlsafe_b64encode(json.dumps({"offset": position}).encode()).decode()

    def _deal_products(self, handler, query):
        """The products of at most 100 deals, by id, pages of ``limit`` behind a cursor."""
        wanted = set((query.get("deal_ids") or "").split(",")) - {""}
        if not wanted or len(wanted) > 100:
            return self._error(handler, 400, "Validation failed: deal_ids: 1 to 100", 400)
        rows = [r for r in self.records["deal_product"].values() if str(r["deal_id"]) in wanted]
        return self._page(handler, sorted(rows, key=lambda r: r["id"]), query)

    def _list(self, handler, kind, query):
        records = list(self.records[kind].values())
        if query.get("ids"):
            wanted = set(query["ids"].split(","))
            if len(wanted) > 100:
                return self._error(handler, 400, "Validation failed: ids: max 100", 400)
            records = [r for r in records if str(r["id"]) in wanted]
        if query.get("updated_since"):
            since = _moment(query["updated_since"])
            records = [r for r in records if _moment(r["update_time"]) >= since]
        sort_by = query.get("sort_by", "id")
        if sort_by not in ("id", "update_time", "add_time"):
            return self._error(handler, 400, "Validation failed: sort_by", 400)
        records.sort(
            key=lambda r: (r["id"],) if sort_by == "id" else (_moment(r[sort_by]), r["id"]),
            reverse=query.get("sort_direction") == "desc",
        )
        return self._page(handler, records, query)

    def _page(self, handler, records, query):
        """One page of ``records`` (``limit``, at most 500) from the query's cursor."""
        try:
            limit = int(query.get("limit", "100"))
        except ValueError:
            return self._error(handler, 400, "Validation failed: limit", 400)
        if not 1 <= limit <= 500:
            return self._error(handler, 400, "Validation failed: limit: max 500", 400)
        start = 0
        if query.get("cursor"):
            try:
                start = json.loads(base64.urlsafe_b64decode(query["cursor"]))["offset"]
            except ValueError:
                return self._error(handler, 400, "Validation failed: cursor", 400)
        page = records[start : start + limit]
        following = start + limit
        next_cursor = self._cursor(following) if following < len(records) else None
        return self._send(
            handler,
            200,
            {"success": True, "data": page, "additional_data": {"next_cursor": next_cursor}},
        )
