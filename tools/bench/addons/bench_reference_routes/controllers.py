# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routes that measure what Odoo itself costs, for bench_connector.

Loaded with ``--load`` (server-wide), so nothing is installed in the
benchmark's database. Each route does the least a webhook must do, to tell
Odoo's share of a delivery from the connector's.
"""

from odoo import http
from odoo.http import request

# the options of the connector's webhook route: same dispatch, same costs
WEBHOOK_LIKE = {
    "type": "http",
    "auth": "none",
    "readonly": False,
    "methods": ["POST"],
    "csrf": False,
    "save_session": False,
}


class BenchReferenceRoutes(http.Controller):
    @http.route("/bench/one_statement", **WEBHOOK_LIKE)
    def one_statement(self, **kwargs):
        """One statement in the request's transaction, as a webhook has at least.

        A route that runs no SQL costs no transaction at all (psycopg2 sends
        BEGIN before the first statement only); any route that reads or
        writes pays BEGIN, the statement and COMMIT.
        """
        request.env.cr.execute("SELECT 1")
        return request.make_json_response({"status": "ok"}, status=202)

    @http.route("/bench/one_insert", **WEBHOOK_LIKE)
    def one_insert(self, **kwargs):
        """The least a durable inbox does: the raw body in a table, committed.

        The table (``bench_reference_inbox``: an id, a time and the body, no
        other index or foreign key) is created by bench_connector before the
        server starts. Whatever a webhook does beyond this is its own cost.
        """
        request.env.cr.execute(
            "INSERT INTO bench_reference_inbox (body) VALUES (%s)",
            [request.httprequest.get_data(as_text=True)],
        )
        return request.make_json_response({"status": "accepted"}, status=202)
