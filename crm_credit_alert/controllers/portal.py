# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.sale.controllers import portal


class CustomerPortal(portal.CustomerPortal):
    @http.route()
    def portal_quote_accept(self, order_id, access_token=None, name=None, signature=None):
        """Accept & Sign: a quotation held by the credit policy keeps the
        signature; the customer is told politely, without figures, that the
        order will be confirmed shortly (``message=credit_review``)."""
        result = super().portal_quote_accept(
            order_id, access_token=access_token, name=name, signature=signature
        )
        if isinstance(result, dict) and result.get("redirect_url"):
            # sudo: the order whose access the parent route just checked
            order_sudo = request.env["sale.order"].sudo().browse(order_id)
            if order_sudo._credit_alert_awaits_review():
                result["redirect_url"] = order_sudo.get_portal_url(
                    query_string="&message=credit_review"
                )
        return result
