# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..services.erasure import Eraser
from .external_crm_protected_mixin import connector_edit

MANAGER_GROUP = "external_crm_connector.group_external_crm_manager"


class ResPartner(models.Model):
    _inherit = "res.partner"

    external_crm_erased_at = fields.Datetime(
        string="Personal Data Erased On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Erased at the request of the person (External CRM): never matched again.",
    )

    def action_external_crm_erase(self):
        """Erase the personal data of bound customers, as a manager asks it in Odoo."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only External CRM managers erase personal data."))
        # sudo: bindings are the connector's; the manager may read them
        bound = self.env["external.crm.binding"].sudo().with_context(active_test=False)
        unbound = self - bound.search([("partner_id", "in", self.ids)]).partner_id
        if unbound:
            raise UserError(
                self.env._(
                    "%(names)s is bound to no external CRM: the connector erases only the "
                    "customers it brought or matched.",
                    names=", ".join(unbound.mapped("display_name")),
                )
            )
        rows = self.env["external.crm.erasure"]
        # the connector archives the bindings of the customers it erases
        eraser = Eraser(connector_edit(self).env, requested_by="person")
        for partner in self:
            rows |= eraser.erase(partner)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if rows else "info",
                "message": self.env._("%(count)s customers erased.", count=len(rows))
                if rows
                else self.env._("Already erased: nothing left to erase."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
