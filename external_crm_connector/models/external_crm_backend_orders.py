# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a backend does with the deals won in the external CRM: sale orders.

Accounting first: nothing is created unless the backend says so, a
confirmation always passes the credit policy, and invoices are posted only
when an accounting manager chose it.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# who may make the connector post invoices: accounting decides
POSTING_GROUP = "account.group_account_manager"


class ExternalCrmBackendOrders(models.AbstractModel):
    _name = "external.crm.backend.orders"
    _description = "External CRM Backend: Sale Orders"

    order_creation = fields.Boolean(
        string="Sale Orders from Deals",
        help="A deal won in the external CRM (or in one of the stages below) becomes a "
        "quotation with its line items, for its opportunity's customer.",
    )
    order_stage_ids = fields.Many2many(
        "crm.stage",
        string="Order Stages",
        help="Stages of the opportunity that make its sale order. Empty: the won stages.",
    )
    order_product_key = fields.Selection(
        [("default_code", "Internal Reference"), ("barcode", "Barcode")],
        string="Match Products By",
        default="default_code",
        required=True,
        help="The product of a line is the one whose internal reference (or barcode) is "
        "the line's product code (SKU). A product is never guessed.",
    )
    order_missing_product = fields.Selection(
        [
            ("review", "Hold the order for review"),
            ("fallback", "Use the fallback product"),
        ],
        string="Unknown Product",
        default="review",
        required=True,
        help="Hold: no order is created, and a review item names the lines. Fallback: the "
        "line is sold as the fallback product, with the line's description.",
    )
    order_fallback_product_id = fields.Many2one(
        "product.product",
        string="Fallback Product",
        domain="[('sale_ok', '=', True)]",
        check_company=True,
    )
    order_confirmation = fields.Selection(
        [
            ("quotation", "Leave as quotation"),
            ("confirm", "Confirm when the credit policy allows"),
        ],
        string="Confirmation",
        default="quotation",
        required=True,
        help="A customer blocked by the credit policy keeps a quotation, and its "
        "salesperson gets a To Do: the connector never overrides a block.",
    )
    order_invoicing = fields.Selection(
        [
            ("none", "None: accounting invoices as usual"),
            ("draft", "Draft invoices on confirmation"),
            ("posted", "Posted invoices on confirmation"),
        ],
        string="Invoicing",
        default="none",
        required=True,
        help="What the invoicing policy of the products allows is invoiced on "
        "confirmation. Only an accounting manager can choose posted invoices.",
    )

    @api.constrains("order_missing_product", "order_fallback_product_id")
    def _check_fallback_product(self):
        for backend in self:
            if backend.order_missing_product == "fallback" and not (
                backend.order_fallback_product_id
            ):
                raise ValidationError(
                    self.env._("Choose the fallback product for lines whose product is unknown.")
                )

    def _check_order_settings(self, vals_list):
        """Posting invoices is an accountant's decision, made in this setting."""
        if self.env.su or self.env.user.has_group(POSTING_GROUP):
            return
        if any(vals.get("order_invoicing") == "posted" for vals in vals_list):
            raise AccessError(
                self.env._(
                    "Only an accounting manager can let the connector post invoices; "
                    "choose draft invoices, which accounting posts."
                )
            )
