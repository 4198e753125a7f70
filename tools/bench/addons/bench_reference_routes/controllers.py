# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routes that measure what Odoo itself costs, for bench_connector.

Loaded with ``--load`` (server-wide), so nothing is installed in the
benchmark's database. Each route does the least a webhook must do, to tell
Odoo's share of a delivery from the connector's.
"""

from odoo import http
from odoo.http import request


class BenchReferenceRoutes(http.Controller):
    @http.route(
        "/bench/one_statement",
        type="http",
        auth="none",
        readonly=False,
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def one_statement(self, **kwargs):
        """One statement in the request's transaction, as a webhook has at least.

        A route that runs no SQL costs no transaction at all (psycopg2 sends
        BEGIN before the first statement only); any route that reads or
        writes pays BEGIN, the statement and COMMIT.
        """
        request.env.cr.execute("SELECT 1")
        return request.make_json_response({"status": "ok"}, status=202)
