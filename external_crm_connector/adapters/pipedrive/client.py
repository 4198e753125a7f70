# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pipedrive's REST API v2 (plain Python, no Odoo).

Organizations, persons and deals are read from the v2 list endpoints, which
page with an opaque ``cursor`` (``additional_data.next_cursor``), filter on
``updated_since`` and read up to 100 given ``ids`` in one call. The API token
travels in the ``x-api-token`` header, as Pipedrive documents it, never in the
URL where proxies and logs would keep it.
"""

import re

from ..client import RestClient, chunks

# "https://acme.pipedrive.com/api/v2/" and "https://api.pipedrive.com" both work
_API_SUFFIX = re.compile(r"/api(/v[12])?/*$|/v[12]/*$")


def api_root(base_url):
    """The host part of a Pipedrive API URL, whatever suffix was typed."""
    return _API_SUFFIX.sub("", (base_url or "").strip().rstrip("/"))


def rfc3339(moment):
    """``updated_since`` as Pipedrive wants it: ``2026-11-20T10:00:00Z`` (UTC)."""
    return moment.replace(microsecond=0).isoformat() + "Z"


class PipedriveClient(RestClient):
    """Pipedrive API v2 for organizations, persons and deals, with an API token."""

    # api.pipedrive.com, or the company's own <company>.pipedrive.com
    HOSTS = ("api.pipedrive.com", "*.pipedrive.com")
    ENTITIES = {
        "company": "organizations",
        "contact": "persons",
        "deal": "deals",
        "product": "products",
    }
    # Pipedrive accepts at most 100 ids and 500 records per call
    IDS_PER_CALL = 100
    MAX_LIMIT = 500

    def __init__(self, base_url, token, **kwargs):
        super().__init__(api_root(base_url), token, **kwargs)

    def _auth_headers(self):
        return {"x-api-token": self.token or ""}

    @staticmethod
    def _retry_after(response):
        """``Retry-After``, else Pipedrive's ``x-ratelimit-reset`` (seconds)."""
        wait = RestClient._retry_after(response)
        if wait is None:
            reset = (response.headers.get("x-ratelimit-reset") or "").strip()
            if reset.replace(".", "", 1).isdigit():
                wait = float(reset)
        return wait

    def _path(self, kind):
        return f"/api/v2/{self.ENTITIES[kind]}"

    def list_page(self, kind, cursor=None, limit=100, updated_since=None):
        """One page: ``(items, next cursor or None)``.

        With ``updated_since`` (a naive UTC datetime), only the records changed
        at or after it, oldest change first; without it, every record by id.
        """
        params = {"limit": max(1, min(int(limit or 100), self.MAX_LIMIT))}
        if cursor:
            params["cursor"] = cursor
        if updated_since:
            params["updated_since"] = rfc3339(updated_since)
            params["sort_by"] = "update_time"
        else:
            params["sort_by"] = "id"
        params["sort_direction"] = "asc"
        answer = self.request("GET", self._path(kind), params=params) or {}
        next_cursor = (answer.get("additional_data") or {}).get("next_cursor")
        return answer.get("data") or [], next_cursor or None

    def read_ids(self, kind, ids):
        """``{id: item}`` of the given ids that still exist, 100 per call."""
        found = {}
        for chunk in chunks(sorted({str(object_id) for object_id in ids}), self.IDS_PER_CALL):
            answer = self.request(
                "GET",
                self._path(kind),
                params={"ids": ",".join(chunk), "limit": self.IDS_PER_CALL},
            )
            for item in (answer or {}).get("data") or []:
                found[str(item.get("id"))] = item
        return found

    def deal_products(self, deal_ids):
        """The products attached to ``deal_ids`` (at most 100), every cursor page read.

        ``GET /api/v2/deals/products``: 500 per page, in the order of their ids.
        """
        params = {"deal_ids": ",".join(deal_ids), "limit": self.MAX_LIMIT, "sort_by": "id"}
        products = []
        while True:
            answer = self.request("GET", "/api/v2/deals/products", params=params) or {}
            products.extend(answer.get("data") or [])
            params["cursor"] = (answer.get("additional_data") or {}).get("next_cursor")
            if not params["cursor"]:
                return products

    def update_custom_fields(self, kind, record_id, values):
        """Write custom fields ``{key: value}`` on one record (v2 has no batch update).

        Returns False when the record no longer exists.
        """
        answer = self.request(
            "PATCH", f"{self._path(kind)}/{record_id}", json={"custom_fields": values}
        )
        return answer is not None
