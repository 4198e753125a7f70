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

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._trimmed(vals) for vals in vals_list])

    def write(self, vals):
        check_parent_access(self, vals, "field_map_id")
        return super().write(self._trimmed(vals))

    @api.model
    def _trimmed(self, vals):
        """``vals`` with the external value stripped of surrounding spaces.

        The form trims it, RPC and imports do not: " won" would never match
        what the external CRM sends, and would escape the unique check.
        """
        value = vals.get("external_value")
        if isinstance(value, str) and value != value.strip():
            vals = dict(vals, external_value=value.strip())
        return vals
