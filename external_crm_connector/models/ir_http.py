# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.datastructures import ImmutableMultiDict

from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """Leave the body of a ``raw_body`` route unread until its controller.

        Between this method and the controller, Odoo gathers the parameters
        of a ``type="http"`` route from the query string and from a form body
        (``get_http_params``): Werkzeug would read a form-encoded body into
        memory, whatever its size (a chunked body has no length to check),
        before any controller could refuse it. A ``raw_body`` route reads its
        body itself, with its own limit, and refuses forms: its form is
        marked as already parsed, and empty.
        """
        if rule.endpoint.routing.get("raw_body"):
            request.httprequest.form = ImmutableMultiDict()
            request.httprequest.files = ImmutableMultiDict()
        return super()._pre_dispatch(rule, args)
