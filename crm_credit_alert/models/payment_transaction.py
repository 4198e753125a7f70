# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """Hold, rather than confirm, the paid quotations the policy blocks.

        The payment's post-processing confirms a quotation once enough is
        paid, as superuser. What was paid is not credit (see
        ``sale.order._credit_alert_unpaid_amount``), but a customer blocked
        by overdue invoices stays blocked: its quotation is kept as it is,
        with a To Do for the salesperson, instead of failing the
        post-processing of the payment with the refusal.
        """
        held = self.browse()
        for transaction in self:
            # the only flow Odoo confirms: one quotation per transaction
            if len(transaction.sale_order_ids) != 1:
                continue
            quotation = transaction.sale_order_ids.filtered(
                lambda order: order.state in ("draft", "sent")
            )
            if (
                quotation
                and quotation._is_confirmation_amount_reached()
                and quotation._credit_alert_hold()
            ):
                held |= transaction
        return super(PaymentTransaction, self - held)._check_amount_and_confirm_order()
