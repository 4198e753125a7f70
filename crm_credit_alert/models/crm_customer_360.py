# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class CrmCustomer360(models.Model):
    """The customer's credit alert at the top of its Customer 360 page, the
    one its opportunities and orders of the current company show."""

    _name = "crm.customer.360"
    _inherit = ["crm.customer.360", "crm.credit.alert.mixin"]
