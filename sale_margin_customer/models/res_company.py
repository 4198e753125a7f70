# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _crm_accounting_waiting_features(self):
        """Customer margins and profitability tiers stay off until
        accounting is ready."""
        return [
            *super()._crm_accounting_waiting_features(),
            self.env._("Customer margins and profitability tiers."),
        ]
