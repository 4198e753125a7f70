# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake HubSpot CRM API: a real HTTP server on loopback, in a thread.

It serves the calls the connector makes, with HubSpot's shapes: CRM v3
objects (batch read, list with the ``after`` cursor, search for totals) and
v4 associations (deals to companies, deals to line items and back, paged per
object);
line items as ../shared/samples/hubspot_deal_line_items.json shows them;
private-app token checked; scripted failures (429 with Retry-After, 500) to
test the retries.
"""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from .clock import EARLIER, iso
from .fake_server import FakeApiServer

TYPES = {
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "line_items": "line_item",
}


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeHubSpot(FakeApiServer):
    def __init__(self, token="pat-test-token"):
        super().__init__()
        self.token = token
        self.objects = {"company": {}, "contact": {}, "deal": {}}
        self.deal_companies = {}
        self.failures = []  # [(path fragment, status, retry_after)]
        self.updates = []  # [(kind, id, properties)] written by the connector
        self.requests = []
        self.without_id = set()  # ids of the objects answered without their id
        self.deal_line_items = {}  # deal id -> [line item ids], in association order
        self.association_page = 500  # associations answered per object and page

    # -- data --------------------------------------------------------------
    def add(self, kind, object_id, properties, updated_at=None, company=None):
        updated_at = updated_at or iso(EARLIER)
        with self.lock:
            self.objects[kind][str(object_id)] = {
                "id": str(object_id),
                "properties": {**properties, "hs_object_id": str(object_id)},
                "createdAt": updated_at,
                "updatedAt": updated_at,
                "archived": False,
            }
            if company is not None:
                self.deal_companies[str(object_id)] = [str(company)]

    def add_line_item(self, deal_id, line_id, properties):
        """A line item associated with ``deal_id`` (typeId 19, deal to line item)."""
        with self.lock:
            self.objects.setdefault("line_item", {})[str(line_id)] = {
                "id": str(line_id),
                "properties": {**properties, "hs_object_id": str(line_id)},
                "createdAt": iso(EARLIER),
                "updatedAt": iso(EARLIER),
                "archived": False,
            }
            self.deal_line_items.setdefault(str(deal_id), []).append(str(line_id))

    def remove(self, kind, object_id):
        with self.lock:
            self.objects[kind].pop(str(object_id), None)

    # -- server ------------------------------------------------------------
    # -- handling ----------------------------------------------------------
    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parsed = urlparse(handler.path)
        with self.lock:
            self.requests.append((method, parsed.path, parsed.query))
            failure = next((f for f in self.failures if f[0] in parsed.path), None)
            if failure:
                self.failures.remove(failure)
        if self._outage_answer(handler, method, parsed.path):
            return None
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(
                handler,
                401,
                {"status": "error", "category": "INVALID_AUTHENTICATION", "message": "bad token"},
            )
        if self._raw_answer(handler, parsed.path):
            return None
        if failure:
            _fragment, status, retry_after = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            category = "RATE_LIMITS" if status == 429 else "INTERNAL_ERROR"
            return self._send(handler, status, {"status": "error", "category": category}, headers)
        body = json.loads(raw) if raw else {}
        parts = parsed.path.strip("/").split("/")
        query = parse_qs(parsed.query)
        with self.lock:
            if parts[:3] == ["crm", "v3", "objects"] and parts[4:] == ["batch", "read"]:
                return self._batch_read(handler, TYPES[parts[3]], body)
            if parts[:3] == ["crm", "v3", "objects"] and parts[4:] == ["batch", "update"]:
                return self._batch_update(handler, TYPES[parts[3]], body)
            if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 5 and parts[4] == "search":
                return self._search(handler, TYPES[parts[3]], body)
            if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 4 and method == "GET":
                return self._list(handler, TYPES[parts[3]], query)
            if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 5 and method == "PATCH":
                return self._update(handler, TYPES[parts[3]], parts[4], body)
            if parts[:3] == ["crm", "v4", "associations"] and parts[3:5] == ["line_items", "deals"]:
                deals_of = {}
                for deal_id, line_ids in self.deal_line_items.items():
                    for line_id in line_ids:
                        deals_of.setdefault(line_id, []).append(deal_id)
                return self._associations(handler, body, deals_of, 20)
            if parts[:3] == ["crm", "v4", "associations"] and parts[4:5] == ["line_items"]:
                return self._associations(handler, body, self.deal_line_items, 19)
            if parts[:3] == ["crm", "v4", "associations"]:
                return self._associations(handler, body, self.deal_companies, 5)
        return self._send(handler, 404, {"status": "error", "category": "OBJECT_NOT_FOUND"})

    def _object(self, kind, item, properties):
        props = item["properties"]
        result = {**item, "properties": {name: props.get(name) for name in properties}}
        result["properties"]["hs_object_id"] = item["id"]
        if item["id"] in self.without_id:
            del result["id"]
        return result

    def _batch_read(self, handler, kind, body):
        properties = body.get("properties") or []
        results, missing = [], []
        for entry in body.get("inputs", []):
            item = self.objects.get(kind, {}).get(str(entry["id"]))
            if item:
                results.append(self._object(kind, item, properties))
            else:
                missing.append(str(entry["id"]))
        payload = {"status": "COMPLETE", "results": results}
        if missing:
            payload["numErrors"] = 1
            payload["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some objects, they may be deleted or not exist.",
                    "context": {"ids": missing},
                }
            ]
        return self._send(handler, 207 if missing else 200, payload)

    def _list(self, handler, kind, query):
        limit = int(query.get("limit", ["10"])[0])
        after = int(query.get("after", ["0"])[0])
        properties = query.get("properties", [""])[0].split(",")
        ids = sorted(self.objects[kind], key=int)
        page = ids[after : after + limit]
        results = []
        for object_id in page:
            item = self._object(kind, self.objects[kind][object_id], properties)
            if kind == "deal" and "associations" in query:
                item["associations"] = {
                    "companies": {
                        "results": [
                            {"id": company, "type": "deal_to_company"}
                            for company in self.deal_companies.get(object_id, [])
                        ]
                    }
                }
            results.append(item)
        payload = {"results": results}
        if after + limit < len(ids):
            payload["paging"] = {
                "next": {"after": str(after + limit), "link": f"?after={after + limit}"}
            }
        return self._send(handler, 200, payload)

    def _batch_update(self, handler, kind, body):
        results = []
        for entry in body.get("inputs", []):
            item = self.objects[kind].get(str(entry["id"]))
            if not item:
                return self._send(handler, 404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
            item["properties"].update(entry.get("properties") or {})
            self.updates.append((kind, str(entry["id"]), dict(entry.get("properties") or {})))
            results.append(item)
        return self._send(handler, 200, {"status": "COMPLETE", "results": results})

    def _update(self, handler, kind, object_id, body):
        item = self.objects[kind].get(object_id)
        if not item:
            return self._send(handler, 404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
        item["properties"].update(body.get("properties") or {})
        self.updates.append((kind, object_id, dict(body.get("properties") or {})))
        return self._send(handler, 200, item)

    def _search(self, handler, kind, body):
        """The search API: a GTE filter on the modification time, oldest first."""
        items = list(self.objects[kind].values())
        for group in body.get("filterGroups") or []:
            for rule in group.get("filters") or []:
                if rule.get("operator") == "GTE":
                    since = datetime.fromtimestamp(int(rule["value"]) / 1000, UTC)
                    items = [item for item in items if _moment(item["updatedAt"]) >= since]
        items.sort(key=lambda item: (_moment(item["updatedAt"]), int(item["id"])))
        limit = int(body.get("limit") or 10)
        after = int(body.get("after") or 0)
        page = items[after : after + limit]
        properties = body.get("properties") or []
        payload = {
            "total": len(items),
            "results": [self._object(kind, item, properties) for item in page],
        }
        if after + limit < len(items):
            payload["paging"] = {"next": {"after": str(after + limit)}}
        return self._send(handler, 200, payload)

    def _associations(self, handler, body, links, type_id):
        """v4 batch read: a page of ``association_page`` links per object, ``after`` to go on."""
        results = []
        for entry in body.get("inputs", []):
            linked = links.get(str(entry["id"]), [])
            start = int(entry.get("after") or 0)
            page = linked[start : start + self.association_page]
            result = {
                "from": {"id": str(entry["id"])},
                "to": [
                    {
                        "toObjectId": int(to_id),
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}
                        ],
                    }
                    for to_id in page
                ],
            }
            if start + self.association_page < len(linked):
                after = str(start + self.association_page)
                result["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
            results.append(result)
        return self._send(handler, 200, {"status": "COMPLETE", "results": results})
