# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .external_crm_field_map import check_parent_access


class ExternalCrmValueMap(models.Model):
    _name = "external.crm.value.map"
    _description = "External CRM Value Table Line"
    _order = "field_map_id, sequence, id"
    _check_company_auto = True

    field_map_id = fields.Many2one(
        "external.crm.field.map", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="field_map_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    external_value = fields.Char(required=True)
    odoo_value = fields.Char(
        help="Value written in Odoo: the technical value of a selection, or the name "
        "of the related record."
    )
    stage_id = fields.Many2one(
        "crm.stage", help="For deal stages: the opportunity stage; a won stage marks it won."
    )
    is_lost = fields.Boolean(
        string="Lost", help="For deal stages: mark the opportunity lost, with a reason."
    )

    _sql_constraints = [
        (
            "external_value_uniq",
            "unique(field_map_id, external_value)",
            "Each external value appears once in a value table.",
        ),
    ]

    @api.constrains("stage_id", "is_lost")
    def _check_stage(self):
        for line in self:
            if line.stage_id and line.is_lost:
                raise ValidationError(
                    self.env._(
                        "The external stage %(value)s either goes to a stage or marks the "
                        "opportunity lost, not both.",
                        value=line.external_value,
                    )
                )

    def write(self, vals):
        check_parent_access(self, vals, "field_map_id")
        return super().write(vals)
