# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestSalesToInvoice(CrmAccountingBridgeCommon):
    """The snapshot's sales to invoice equal Odoo's ``credit_to_invoice``.

    Odoo's figure feeds the credit warning of sale orders; the bridge computes
    it in SQL, so each case compares both on the same orders.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.account_use_credit_limit = True
        cls.customer.credit_limit = 100000.0
        cls.tax_15 = cls.env["account.tax"].create(
            {"name": "Sales 15 %", "amount": 15.0, "type_tax_use": "sale"}
        )
        cls.service = cls._create_product(
            name="Ordered service", lst_price=100.0, taxes_id=[Command.set(cls.tax_15.ids)]
        )
        cls.service.invoice_policy = "order"
        cls.goods = cls._create_product(
            name="Delivered goods", lst_price=40.0, taxes_id=[Command.set(cls.tax_15.ids)]
        )
        cls.goods.invoice_policy = "delivery"

    def _order(self, lines, partner=None, currency=None, confirm=True):
        values = {
            "partner_id": (partner or self.contact).id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": quantity,
                        "price_unit": price,
                        "discount": discount,
                    }
                )
                for product, quantity, price, discount in lines
            ],
        }
        if currency:
            values["pricelist_id"] = (
                self.env["product.pricelist"]
                .create({"name": f"{currency.name} prices", "currency_id": currency.id})
                .id
            )
        order = self.env["sale.order"].create(values)
        if confirm:
            # as superuser: credit policies of other addons stay out
            order.sudo().action_confirm()
        return order

    def _invoice(self, order, post=True):
        invoice = order._create_invoices()
        if post:
            invoice.action_post()
        return invoice

    def _assert_same_as_odoo(self, partner=None, expected=None):
        partner = (partner or self.customer).commercial_partner_id
        self.env.invalidate_all()
        # sudo: Odoo's figure is for accounting groups
        odoo_figure = partner.sudo().credit_to_invoice
        ours = self.env["partner.financial.snapshot"]._read_sales_to_invoice(partner.ids)
        self.assertAlmostEqual(ours.get(partner.id, 0.0), odoo_figure, places=2)
        if expected is not None:
            self.assertAlmostEqual(odoo_figure, expected, places=2)

    def test_ordered_quantities_with_tax_and_discount(self):
        self._order([(self.service, 3, 100.0, 10.0)])
        self._assert_same_as_odoo(expected=3 * 90.0 * 1.15)

    def test_partly_invoiced_then_credit_note(self):
        order = self._order([(self.service, 4, 100.0, 0.0)])
        invoice = self._invoice(order)
        with self.subTest("fully invoiced: nothing left, the order no longer counts"):
            self._assert_same_as_odoo(expected=0.0)
        refund = invoice._reverse_moves()
        refund.invoice_line_ids.quantity = 1
        refund.action_post()
        with self.subTest("a posted credit note gives one unit back to invoice"):
            self._assert_same_as_odoo(expected=115.0)

    def test_draft_invoices_do_not_count(self):
        order = self._order([(self.service, 2, 100.0, 0.0)])
        self._invoice(order, post=False)
        self._assert_same_as_odoo(expected=230.0)

    def test_delivered_quantities(self):
        order = self._order([(self.goods, 10, 40.0, 0.0), (self.service, 1, 100.0, 0.0)])
        order.order_line.filtered(lambda line: line.product_id == self.goods).qty_delivered = 4
        self._assert_same_as_odoo(expected=(4 * 40.0 + 100.0) * 1.15)

    def test_invoice_in_another_unit(self):
        """Odoo's units convert the quantity: its own figure is used."""
        dozens = self.env.ref("uom.product_uom_dozen")
        order = self._order([(self.service, 24, 100.0, 0.0)])
        invoice = self._invoice(order, post=False)
        invoice.invoice_line_ids.write({"product_uom_id": dozens.id, "quantity": 1})
        invoice.action_post()
        self._assert_same_as_odoo(expected=12 * 115.0)

    def test_order_in_another_currency(self):
        currency = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._order([(self.service, 1, 500.0, 0.0)], currency=currency)
        self._order([(self.service, 1, 100.0, 0.0)])
        self._assert_same_as_odoo(expected=500.0 * 1.15 / 2.0 + 115.0)

    def test_archived_invoice_address_counts(self):
        archived_address = self.env["res.partner"].create(
            {"name": "Old invoice address", "parent_id": self.customer.id, "type": "invoice"}
        )
        self._order([(self.service, 1, 100.0, 0.0)], partner=archived_address)
        archived_address.action_archive()
        self._assert_same_as_odoo(expected=115.0)

    def test_orders_left_out(self):
        self._order([(self.service, 1, 100.0, 0.0)], confirm=False)
        other_company = self.setup_other_company(name="Other Bridge Company")["company"]
        # confirmed as superuser: credit policies of other addons stay out
        self.env["sale.order"].with_company(other_company).create(
            {
                "partner_id": self.customer.id,
                "company_id": other_company.id,
                "order_line": [Command.create({"product_id": self.service.id})],
            }
        ).sudo().action_confirm()
        self._assert_same_as_odoo(expected=0.0)

    def test_credit_available_uses_it(self):
        self._order([(self.service, 2, 100.0, 0.0)])
        self.env.invalidate_all()
        self.assertAlmostEqual(self.customer.credit_available, 100000.0 - 230.0, places=2)
