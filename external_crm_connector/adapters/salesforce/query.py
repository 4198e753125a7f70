# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SOQL of a backend's reads: records by id, and pages in change order.

Every query selects the fields of the field map (checked: a SOQL field
name, nothing else) beside the system fields. Pages are ordered by
``LastModifiedDate, Id`` and follow ``nextRecordsUrl``; the cursor also
remembers the last record read, so that a page is asked again by SOQL when
the query locator expired.
"""

import json
import re

from ...exceptions import ExternalCrmError
from .. import transforms
from ..client import chunks
from ..maps import external_field_parts
from .client import QueryLocatorExpired
from .ids import ID_PATTERN, SOBJECTS, id18
from .records import record_from_rest

# fields every read asks for, whatever the field map says
SYSTEM_FIELDS = ("Id", "LastModifiedDate")
# kinds whose records Salesforce merges (``MasterRecordId``)
MERGEABLE = ("company", "contact")
# ids per ``WHERE Id IN (...)`` query: far below SOQL's 100,000 characters
READ_BATCH = 200

_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$")


def soql_datetime(moment):
    """A SOQL datetime literal (UTC) from a naive UTC datetime."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_string(value):
    """A quoted SOQL string of an id (ids are checked: nothing to escape)."""
    if not ID_PATTERN.match(value or ""):
        raise ExternalCrmError(f"{value!r} is not a Salesforce id")
    return f"'{value}'"


class SoqlReader:
    """The queries of one backend, with the fields of its field map."""

    def __init__(self, backend):
        self.backend = backend
        self._mapped_fields = {}

    def mapped_fields(self, kind):
        """Salesforce fields of the field map for ``kind`` (without system fields)."""
        if kind not in self._mapped_fields:
            names = {}
            for name in external_field_parts(self.backend, kind):
                if name:
                    names.setdefault(name.lower(), name)
            self._mapped_fields[kind] = list(names.values())
        return self._mapped_fields[kind]

    def select_fields(self, kind, include_deleted=False):
        """The SELECT list of ``kind``: mapped fields, checked, each once."""
        names = {}
        extra = ()
        if include_deleted:
            # a record merged away is deleted with the id of the one it was
            # merged into (accounts and contacts; opportunities do not merge)
            extra = ("IsDeleted", "MasterRecordId") if kind in MERGEABLE else ("IsDeleted",)
        for name in (*SYSTEM_FIELDS, *extra, *self.mapped_fields(kind)):
            if not _FIELD_NAME.match(name):
                raise ExternalCrmError(
                    self.backend.env._(
                        "%(field)s is not a Salesforce field name: correct the field map.",
                        field=name,
                    )
                )
            names.setdefault(name.lower(), name)
        return list(names.values())

    def soql(self, kind, where=(), ordered=True, include_deleted=False):
        soql = (
            f"SELECT {', '.join(self.select_fields(kind, include_deleted))} FROM {SOBJECTS[kind]}"
        )
        if where:
            soql += " WHERE " + " AND ".join(where)
        if ordered:
            soql += " ORDER BY LastModifiedDate, Id"
        return soql

    def read_ids(self, client, kind, ids, include_deleted=False):
        """``{id: REST record}`` of the ids that exist, ``READ_BATCH`` per query.

        With ``include_deleted`` (``queryAll``), records in the recycle bin
        come too, with ``IsDeleted`` (and ``MasterRecordId`` when merged).
        """
        found = {}
        for chunk in chunks(ids, READ_BATCH):
            where = [f"Id IN ({', '.join(soql_string(i) for i in chunk)})"]
            soql = self.soql(kind, where, ordered=False, include_deleted=include_deleted)
            for item in client.query_all(soql, include_deleted=include_deleted):
                found[id18(item["Id"])] = item
        return found

    def page(self, client, kind, since, after, limit, include_deleted):
        """One page ordered by ``LastModifiedDate, Id``: ``(records, next cursor)``.

        The cursor holds the ``nextRecordsUrl`` of the running query and the
        (time, id) of the last record given: when the query locator expired
        (they live about 15 minutes), the next page is asked again by SOQL
        from that record on.
        """
        state = json.loads(after) if after else {}
        answer = None
        if state.get("next"):
            try:
                answer = client.query_more(state["next"], batch_size=limit)
            except QueryLocatorExpired:
                answer = None
        if answer is None:
            answer = client.query(
                self.soql(kind, self._page_where(since, state), include_deleted=include_deleted),
                include_deleted=include_deleted,
                batch_size=limit,
            )
        answer = answer or {}
        records = [record_from_rest(kind, item) for item in answer.get("records") or []]
        next_url = answer.get("nextRecordsUrl")
        if answer.get("done", True) or not next_url or not records:
            return records, None
        last = records[-1]
        return records, json.dumps(
            {
                "next": next_url,
                "at": last.values.get("LastModifiedDate"),
                "id": last.external_id,
            }
        )

    @staticmethod
    def _page_where(since, state):
        """The conditions of a page: changed since ``since``, after the last record read."""
        where = []
        if since:
            where.append(f"LastModifiedDate >= {soql_datetime(since)}")
        if state.get("at") and state.get("id"):
            moment = soql_datetime(transforms.parse_datetime(state["at"]))
            where.append(
                f"(LastModifiedDate > {moment} OR (LastModifiedDate = {moment} "
                f"AND Id > {soql_string(state['id'])}))"
            )
        return where
