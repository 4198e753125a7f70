# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # The policy is validated by res.company: a refused value raises before
    # anything is saved, and the settings transaction is rolled back whole.
    credit_alert_grace_days = fields.Integer(
        related="company_id.credit_alert_grace_days", readonly=False
    )
    credit_alert_min_overdue_amount = fields.Monetary(
        related="company_id.credit_alert_min_overdue_amount",
        currency_field="currency_id",
        readonly=False,
    )
    credit_alert_block_days = fields.Integer(
        related="company_id.credit_alert_block_days", readonly=False
    )
    credit_alert_block_on_limit = fields.Boolean(
        related="company_id.credit_alert_block_on_limit", readonly=False
    )
    credit_alert_warn_percent = fields.Float(
        related="company_id.credit_alert_warn_percent", readonly=False
    )
    credit_alert_override_days = fields.Integer(
        related="company_id.credit_alert_override_days", readonly=False
    )
