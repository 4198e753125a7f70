# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HubSpot CRM v3 objects and v4 associations (plain Python, no Odoo).

The private app's token is sent as a bearer token; reads and writes go by
batches of 100, the listing pages with HubSpot's ``after`` cursor and the
changes since a date come from the CRM search API.
"""

from ...exceptions import ExternalCrmApiError
from ..client import RestClient, chunks


class HubSpotClient(RestClient):
    """HubSpot CRM v3 objects and v4 associations, with a private-app token."""

    # api.hubapi.com, and the data centres' api-eu1.hubapi.com...
    HOSTS = ("api.hubapi.com", "*.hubapi.com")
    OBJECT_TYPES = {
        "company": "companies",
        "contact": "contacts",
        "deal": "deals",
        "line_item": "line_items",
    }
    BATCH_SIZE = 100

    def read_batch(self, kind, ids, properties):
        """Return ``{id: object}`` for the ids that still exist, 100 per call."""
        found = {}
        for chunk in chunks([str(object_id) for object_id in ids], self.BATCH_SIZE):
            answer = self.request(
                "POST",
                f"/crm/v3/objects/{self.OBJECT_TYPES[kind]}/batch/read",
                params={"archived": "false"},
                json={
                    "properties": list(properties),
                    "inputs": [{"id": object_id} for object_id in chunk],
                },
            )
            for item in (answer or {}).get("results", []):
                found[str(item["id"])] = item
        return found

    def read_associations(self, from_kind, to_kind, ids, all_pages=False):
        """Return ``{id: [associated ids]}`` from the v4 associations API.

        HubSpot answers a page of associations per object; with
        ``all_pages``, the following pages of the objects that have more
        are read too, in batches.
        """
        links = {}
        path = (
            f"/crm/v4/associations/{self.OBJECT_TYPES[from_kind]}/"
            f"{self.OBJECT_TYPES[to_kind]}/batch/read"
        )
        pending = [{"id": str(object_id)} for object_id in ids]
        while pending:
            following = []
            for chunk in chunks(pending, self.BATCH_SIZE):
                answer = self.request("POST", path, json={"inputs": chunk})
                for item in (answer or {}).get("results", []):
                    object_id = str(item["from"]["id"])
                    links.setdefault(object_id, []).extend(
                        str(to["toObjectId"]) for to in item.get("to", [])
                    )
                    after = ((item.get("paging") or {}).get("next") or {}).get("after")
                    if all_pages and after:
                        following.append({"id": object_id, "after": after})
            pending = following
        return links

    def list_page(self, kind, properties, after=None, limit=100, associations=None):
        """One page of all objects: ``(results, next after cursor or None)``."""
        params = {"limit": limit, "properties": ",".join(properties), "archived": "false"}
        if after:
            params["after"] = after
        if associations:
            params["associations"] = ",".join(self.OBJECT_TYPES[a] for a in associations)
        answer = self.request("GET", f"/crm/v3/objects/{self.OBJECT_TYPES[kind]}", params=params)
        answer = answer or {}
        next_page = (answer.get("paging") or {}).get("next") or {}
        return answer.get("results", []), next_page.get("after")

    # the property holding the last modification time, per object type
    MODIFIED_PROPERTIES = {
        "company": "hs_lastmodifieddate",
        "contact": "lastmodifieddate",
        "deal": "hs_lastmodifieddate",
    }
    # the search API answers at most this many results for one query
    SEARCH_LIMIT = 10000

    def search_changed(self, kind, properties, since_ms, after=None, limit=100):
        """One page of the objects modified at or after ``since_ms`` (epoch ms).

        Oldest change first, through the CRM search API. Returns ``(results,
        next after cursor or None)``; the cursor stops before the search
        API's limit of results per query, and the caller goes on from the
        newest change it stored.
        """
        modified = self.MODIFIED_PROPERTIES[kind]
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": modified, "operator": "GTE", "value": since_ms}]}
            ],
            "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
            "properties": list(properties),
            "limit": limit,
        }
        if after:
            body["after"] = after
        answer = self.request(
            "POST", f"/crm/v3/objects/{self.OBJECT_TYPES[kind]}/search", json=body
        )
        answer = answer or {}
        next_after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        if next_after and int(next_after) + limit > self.SEARCH_LIMIT:
            next_after = None
        return answer.get("results", []), next_after

    def batch_update(self, kind, updates):
        """Write ``{id: {property: value}}`` on existing objects, 100 per call.

        Returns ``{id: reason}`` of the objects not written. HubSpot refuses
        a whole batch when one of its objects no longer exists: that batch is
        written again one object at a time, so that the others are written
        and the missing ones named.
        """
        refused = {}
        inputs = [
            {"id": str(object_id), "properties": properties}
            for object_id, properties in sorted(updates.items())
        ]
        path = f"/crm/v3/objects/{self.OBJECT_TYPES[kind]}"
        for chunk in chunks(inputs, self.BATCH_SIZE):
            try:
                answer = self.request("POST", f"{path}/batch/update", json={"inputs": chunk})
            except ExternalCrmApiError as error:
                if "OBJECT_NOT_FOUND" not in str(error):
                    raise
                answer = None
            if answer is None:
                refused.update(self._update_each(path, chunk))
        return refused

    def _update_each(self, path, inputs):
        refused = {}
        for entry in inputs:
            try:
                answer = self.request(
                    "PATCH", f"{path}/{entry['id']}", json={"properties": entry["properties"]}
                )
            except ExternalCrmApiError as error:
                refused[entry["id"]] = str(error)  # built by _error: scrubbed
                continue
            if answer is None:
                refused[entry["id"]] = "no such record"
        return refused

    def count(self, kind):
        """Total number of objects of ``kind``, from the search API."""
        answer = self.request(
            "POST",
            f"/crm/v3/objects/{self.OBJECT_TYPES[kind]}/search",
            json={"limit": 1, "properties": ["hs_object_id"]},
        )
        return int((answer or {}).get("total") or 0)
