# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon


class SaleMarginCustomerCommon(CrmAccountingBridgeCommon):
    """Products with known costs, and factories for orders and invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the test user is an accountant; it also sells, to create orders
        cls.env.user.groups_id += cls.env.ref("sales_team.group_sale_manager")
        cls.Report = cls.env["sale.margin.customer.report"]
        cls.widget = cls._create_margin_product("Widget", price=100.0, cost=60.0)
        cls.gadget = cls._create_margin_product("Gadget", price=50.0, cost=10.0)

    @classmethod
    def _create_margin_product(cls, name, price, cost, **values):
        """A product without taxes, so that revenue equals the price."""
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "list_price": price,
                "standard_price": cost,
                "taxes_id": [Command.clear()],
                "invoice_policy": "order",
                **values,
            }
        )

    @classmethod
    def _create_order(cls, partner, lines, offset=-30, user=None, pricelist=None, company=None):
        """A confirmed sale order; ``lines`` are ``(product, quantity, price)``
        or ``(product, quantity, price, uom)``."""
        company = company or cls.env.company
        values = {
            "partner_id": partner.id,
            "company_id": company.id,
            "date_order": cls._day(offset),
            "user_id": (user or cls.env.user).id,
            "order_line": [
                Command.create(
                    {
                        "product_id": line[0].id,
                        "product_uom_qty": line[1],
                        "price_unit": line[2],
                        **({"product_uom": line[3].id} if len(line) > 3 else {}),
                        "tax_id": [Command.clear()],
                    }
                )
                for line in lines
            ],
        }
        if pricelist:
            values["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].with_company(company).create(values)
        order.action_confirm()
        return order

    @classmethod
    def _invoice_order(cls, order, offset=-10, post=True, final=False):
        """Invoice what the order has to invoice, dated relative to today."""
        invoice = order._create_invoices(final=final)
        invoice.invoice_date = cls._day(offset)
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _create_product_invoice(
        cls, partner, lines, offset=-10, move_type="out_invoice", user=None, company=None
    ):
        """A posted invoice without order; ``lines`` are ``(product, quantity, price)``
        or ``(product, quantity, price, uom)``."""
        company = company or cls.env.company
        invoice = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": cls._day(offset),
                    "invoice_user_id": (user or cls.env.user).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line[0].id,
                                "quantity": line[1],
                                "price_unit": line[2],
                                **({"product_uom_id": line[3].id} if len(line) > 3 else {}),
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for line in lines
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    @classmethod
    def _refund(cls, invoice, offset=-5):
        """Reverse the whole invoice with a posted credit note."""
        reversal = (
            cls.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "date": cls._day(offset),
                    "reason": "Returned",
                    "journal_id": invoice.journal_id.id,
                }
            )
        )
        credit_note = cls.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        return credit_note

    def _refresh(self):
        """Refresh the report's invoice lines, as its scheduled action does."""
        self.Report._refresh_lines(force=True)

    def _rows(self, domain, report=None):
        """Report rows of ``domain``, once the report is refreshed."""
        self._refresh()
        return (report if report is not None else self.Report).search(domain)

    def _totals(self, domain, report=None):
        """``(quantity, revenue, cost, margin, margin_percent)`` of the lines,
        once the report is refreshed."""
        self._refresh()
        report = report if report is not None else self.Report
        return report._read_group(
            domain,
            aggregates=[
                "quantity:sum",
                "revenue:sum",
                "cost:sum",
                "margin:sum",
                "margin_percent:avg",
            ],
        )[0]

    def assertTotals(self, domain, quantity, revenue, cost, report=None):
        """The lines of ``domain`` add up to these figures, margin included."""
        got = self._totals(domain, report=report)
        expected = (quantity, revenue, cost, revenue - cost)
        for name, value, wanted in zip(
            ("quantity", "revenue", "cost", "margin"), got, expected, strict=False
        ):
            self.assertAlmostEqual(value, wanted, places=2, msg=name)
        if revenue:
            self.assertAlmostEqual(got[4], (revenue - cost) / revenue, places=6)
