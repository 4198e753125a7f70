# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL


class CrmOrderCashCycle(models.Model):
    _inherit = "crm.order.cash.cycle"
    _depends = {
        "external.crm.binding": ["backend_id", "lead_id", "object_kind"],
        "external.crm.backend": ["name"],
    }

    @api.model
    def _source_sql(self, lead_id):
        """The name of the backend whose deal is bound to the opportunity.

        The first binding of a deal to it, archived ones included: a deal
        bound once came from that external CRM, even after its binding was
        set aside. An opportunity bound to no deal keeps the bridge's
        source (won in Odoo). The lookup uses the index of bindings by
        opportunity.
        """
        return SQL(
            """COALESCE((SELECT backend.name
                          FROM external_crm_binding binding
                          JOIN external_crm_backend backend ON backend.id = binding.backend_id
                         WHERE binding.lead_id = %(lead_id)s AND binding.object_kind = 'deal'
                      ORDER BY binding.id
                         LIMIT 1), %(default)s)""",
            lead_id=lead_id,
            default=super()._source_sql(lead_id),
        )
