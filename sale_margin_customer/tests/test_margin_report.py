# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.sale_margin_customer.report.sale_margin_customer_report import (
    REFRESHED_AT_KEY,
)

from .common import SaleMarginCustomerCommon


@tagged("post_install", "-at_install")
class TestMarginReport(SaleMarginCustomerCommon):
    """Revenue, cost and margin of each kind of invoice line."""

    def _of(self, moves):
        return [("move_id", "in", moves.ids)]

    def test_invoiced_order(self):
        order = self._create_order(self.contact, [(self.widget, 10, 100), (self.gadget, 4, 50)])
        invoice = self._invoice_order(order)
        self.assertTotals(self._of(invoice), 14, 1200, 640)
        row = self._rows([*self._of(invoice), ("product_id", "=", self.widget.id)])
        self.assertRecordValues(
            row,
            [
                {
                    "partner_id": self.customer.id,  # the contact's commercial entity
                    "company_id": self.env.company.id,
                    "invoice_date": self._day(-10),
                    "move_type": "out_invoice",
                    "user_id": self.env.user.id,
                    "team_id": order.team_id.id,
                    "product_categ_id": self.widget.categ_id.id,
                    "currency_id": self.env.company.currency_id.id,
                    "quantity": 10.0,
                    "revenue": 1000.0,
                    "cost": 600.0,
                    "margin": 400.0,
                    "margin_percent": 0.4,
                }
            ],
        )
        # the margin of the order equals the margin of what was invoiced
        self.assertAlmostEqual(self._totals(self._of(invoice))[3], order.margin, places=2)

    def test_foreign_currency_order_converted_at_invoice_date(self):
        # 1 company currency = 2 EUR when ordering, 4 EUR when invoicing
        eur = self.setup_other_currency(
            "EUR", rates=[(self._day(-400), 2.0), (self._day(-20), 4.0)]
        )
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        order = self._create_order(self.customer, [(self.widget, 10, 200)], pricelist=pricelist)
        self.assertEqual(order.currency_id, eur)
        self.assertAlmostEqual(order.order_line.purchase_price, 120.0)  # 60 at 2 EUR
        invoice = self._invoice_order(order, offset=-10)
        self.assertEqual(invoice.currency_id, eur)
        # revenue 2,000 EUR and cost 1,200 EUR, both at the invoice date's rate
        self.assertTotals(self._of(invoice), 10, 500, 300)

    def test_order_currency_differs_from_invoice_currency(self):
        eur = self.setup_other_currency(
            "EUR", rates=[(self._day(-400), 2.0), (self._day(-20), 4.0)]
        )
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        order = self._create_order(self.customer, [(self.widget, 10, 200)], pricelist=pricelist)
        invoice = order._create_invoices()
        invoice.write(
            {"currency_id": self.env.company.currency_id.id, "invoice_date": self._day(-10)}
        )
        invoice.action_post()
        revenue = -sum(invoice.invoice_line_ids.mapped("balance"))
        # the order's 1,200 EUR of cost at the invoice date's rate of 4
        self.assertTotals(self._of(invoice), 10, revenue, 300)

    def test_credit_notes_count_negatively(self):
        order = self._create_order(self.customer, [(self.widget, 10, 100)])
        invoice = self._invoice_order(order)
        credit_note = self._refund(invoice)
        self.assertTrue(credit_note.invoice_line_ids.sale_line_ids)
        self.assertTotals(self._of(credit_note), -10, -1000, -600)
        self.assertTotals(self._of(invoice | credit_note), 0, 0, 0)
        self.assertRecordValues(
            self._rows(self._of(credit_note)),
            [{"move_type": "out_refund", "margin_percent": 0.4}],
        )
        # a partial credit note without order: 2 of 5 gadgets come back
        sold = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        returned = self._create_product_invoice(
            self.customer, [(self.gadget, 2, 50)], move_type="out_refund"
        )
        self.assertTotals(self._of(sold | returned), 3, 150, 30)

    def test_order_invoiced_in_two_parts(self):
        self.widget.invoice_policy = "delivery"
        order = self._create_order(self.customer, [(self.widget, 10, 100)])
        order.order_line.qty_delivered = 3
        first = self._invoice_order(order, offset=-20)
        order.order_line.qty_delivered = 10
        second = self._invoice_order(order, offset=-10)
        self.assertTotals(self._of(first), 3, 300, 180)
        self.assertTotals(self._of(second), 7, 700, 420)
        self.assertAlmostEqual(self._totals(self._of(first | second))[3], order.margin, places=2)

    def test_down_payment_is_excluded(self):
        order = self._create_order(self.customer, [(self.widget, 10, 100)])
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 30})
        )
        down_payment = self.env["account.move"].browse(wizard.create_invoices()["res_id"])
        down_payment.invoice_date = self._day(-20)
        down_payment.action_post()
        final = self._invoice_order(order, final=True)
        self.assertTrue(final.invoice_line_ids.filtered("is_downpayment"))
        self.assertFalse(self._rows(self._of(down_payment)))
        # the final invoice counts the goods, not the deduction of the down payment
        self.assertTotals(self._of(final), 10, 1000, 600)

    def test_line_without_order_uses_cost_at_posting(self):
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        self.assertTotals(self._of(invoice), 5, 250, 50)
        self.gadget.standard_price = 30.0
        self.assertTotals(self._of(invoice), 5, 250, 50)
        # a credit note reversing it reverses the cost the invoice counted
        credit_note = self._refund(invoice)
        self.assertTotals(self._of(credit_note), -5, -250, -50)
        # an invoice posted now costs the new cost
        later = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        self.assertTotals(self._of(later), 5, 250, 150)

    def test_product_without_cost_when_posted(self):
        """A product invoiced while its cost was 0 (a free sample, a service):
        setting its cost later does not change the margin of that invoice,
        nor of the credit note reversing it."""
        sample = self._create_margin_product("Sample", price=20.0, cost=0.0)
        invoice = self._create_product_invoice(self.customer, [(sample, 2, 20)])
        sample.standard_price = 15.0
        self.assertTotals(self._of(invoice), 2, 40, 0)
        credit_note = self._refund(invoice)
        self.assertTotals(self._of(credit_note), -2, -40, 0)
        # a line added to a credit note costs the product's cost of that day
        manual = self._create_product_invoice(
            self.customer, [(sample, 1, 20)], move_type="out_refund"
        )
        self.assertTotals(self._of(manual), -1, -20, -15)

    def test_lines_without_cost_are_flagged(self):
        """A line whose cost is unknown (no cost on its order line, or on its
        product when posted without order) is counted as a line without
        cost, so that its margin reads as incomplete, not as a profit or a
        loss; lines of known cost are not."""
        uncosted = self._create_margin_product("Uncosted", price=80.0, cost=0.0)
        order = self._create_order(
            self.customer,
            [(uncosted, 2, 80), (self.widget, 1, 100)],
            user=self.salesman,
        )
        invoice = self._invoice_order(order)
        # the salesperson's own invoice, read by the salesperson
        rows = self._rows(self._of(invoice), report=self.Report.with_user(self.salesman))
        self.assertEqual(
            {row.product_id: row.missing_cost_count for row in rows},
            {uncosted: 1, self.widget: 0},
        )
        credit_note = self._create_product_invoice(
            self.customer, [(uncosted, 1, 80)], move_type="out_refund"
        )
        rows = self._rows(self._of(credit_note))
        self.assertEqual((rows.missing_cost_count, rows.margin), (1, -80.0))
        total = self.Report._read_group(
            self._of(invoice | credit_note), aggregates=["missing_cost_count:sum"]
        )
        self.assertEqual(total, [(2,)])
        # a cost given to the order line: known
        order.order_line.filtered(lambda line: line.product_id == uncosted).purchase_price = 30.0
        rows = self._rows(self._of(invoice))
        self.env.invalidate_all()  # the rows read above, before the refresh
        self.assertEqual(rows.mapped("missing_cost_count"), [0, 0])
        # the customer's figures count them too
        self.env.invalidate_all()
        self.assertEqual(self.customer.with_user(self.salesman).margin_missing_cost_count, 1)

    def test_line_posted_before_install_uses_current_cost(self):
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move_line SET posted_unit_cost = NULL WHERE move_id = %s",
                invoice.id,
            )
        )
        self.env.invalidate_all()
        self.gadget.standard_price = 30.0
        self.assertTotals(self._of(invoice), 5, 250, 150)

    def test_units_of_measure(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        # 2 dozen widgets without order: 24 units at a unit cost of 60
        invoice = self._create_product_invoice(self.customer, [(self.widget, 2, 1000, dozen)])
        self.assertTotals(self._of(invoice), 24, 2000, 1440)
        # an order line in dozens costs its own purchase price per dozen
        order = self._create_order(self.customer, [(self.widget, 1, 1000, dozen)])
        self.assertAlmostEqual(order.order_line.purchase_price, 720.0)
        invoice = self._invoice_order(order)
        self.assertTotals(self._of(invoice), 12, 1000, 720)

    def test_lines_left_out(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": self._day(-10),
                "invoice_line_ids": [
                    Command.create({"display_type": "line_section", "name": "Goods"}),
                    Command.create(
                        {
                            "product_id": self.widget.id,
                            "quantity": 1,
                            "price_unit": 100,
                            "tax_ids": [Command.clear()],
                        }
                    ),
                    Command.create({"display_type": "line_note", "name": "Thanks"}),
                    Command.create(
                        {"name": "Service", "quantity": 1, "price_unit": 500, "tax_ids": []}
                    ),
                ],
            }
        )
        self.assertFalse(self._rows(self._of(invoice)))  # draft
        invoice.action_post()
        self.assertEqual(self._rows(self._of(invoice)).product_id, self.widget)
        bill = self.init_invoice(
            "in_invoice", partner=self.customer, products=self.widget, post=True
        )
        self.assertFalse(self._rows(self._of(bill)))
        invoice.button_draft()
        self.assertFalse(self._rows(self._of(invoice)))

    def test_invoice_deleted_before_the_next_refresh(self):
        """An invoice posted by mistake, reset to draft and deleted: the list
        of the report opens before the next refresh, without that invoice."""
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 1, 50)])
        kept = self._create_product_invoice(self.customer, [(self.widget, 1, 100)])
        self._refresh()
        invoice.button_draft()
        self.assertFalse(self.Report.search(self._of(invoice)), "not posted any more")
        invoice.with_context(force_delete=True).unlink()
        specification = {
            "move_id": {"fields": {"display_name": {}}},
            "partner_id": {"fields": {"display_name": {}}},
            "margin": {},
        }
        result = self.Report.with_user(self.sales_manager).web_search_read(
            self._of(invoice | kept), specification
        )
        self.assertEqual([row["move_id"]["id"] for row in result["records"]], kept.ids)

    def test_purchase_price_change_on_order_line_follows(self):
        order = self._create_order(self.customer, [(self.widget, 10, 100)])
        invoice = self._invoice_order(order)
        order.order_line.purchase_price = 70.0
        self.assertTotals(self._of(invoice), 10, 1000, 700)

    def test_refresh_rule(self):
        self._refresh()
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        domain = self._of(invoice)
        self.assertFalse(self.Report.search(domain), "shown at the next refresh only")
        # customer margins are live and do not wait for it
        self.assertAlmostEqual(self.customer.margin_ltm, 200.0)
        # the scheduled refresh sees that invoices changed
        self.Report._cron_refresh_lines()
        self.assertEqual(len(self.Report.search(domain)), 1)
        # when nothing changed since the last refresh, it does nothing
        parameters = self.env["ir.config_parameter"].sudo()  # sudo: system parameters
        later = self.env.cr.now() + timedelta(hours=1)
        parameters.set_param(REFRESHED_AT_KEY, fields.Datetime.to_string(later))
        self.assertFalse(self.Report._refresh_lines())
        # but it refreshes at least once a day
        parameters.set_param(
            REFRESHED_AT_KEY, fields.Datetime.to_string(self.env.cr.now() - timedelta(days=2))
        )
        self.Report._cron_refresh_lines()
        self.assertEqual(parameters.get_param(REFRESHED_AT_KEY)[:10], str(self.env.cr.now().date()))

    def test_refresh_with_a_malformed_refresh_time(self):
        """A refresh time edited by hand in the system parameters: the
        scheduled action refreshes and writes a valid time again."""
        self._refresh()
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        parameters = self.env["ir.config_parameter"].sudo()  # sudo: system parameters
        for malformed in ("yesterday", "2026-13-45 00:00:00", "%Y-%m-%"):
            with (
                self.subTest(malformed=malformed),
                self.assertLogs(
                    "odoo.addons.sale_margin_customer.report.sale_margin_customer_report",
                    level="WARNING",
                ) as logs,
            ):
                parameters.set_param(REFRESHED_AT_KEY, malformed)
                self.assertTrue(self.Report._refresh_lines())
                parameters.set_param(REFRESHED_AT_KEY, malformed)
                self.Report._cron_refresh_lines()
                self.assertEqual(len(logs.output), 2)
                self.assertIn("is not a datetime", logs.output[0])
                self.assertEqual(
                    parameters.get_param(REFRESHED_AT_KEY)[:10], str(self.env.cr.now().date())
                )
        self.assertEqual(len(self.Report.search(self._of(invoice))), 1)

    def test_refresh_time_far_in_the_future(self):
        """A refresh time far ahead (edited by hand, or a database restored on
        a server whose clock is behind) does not stop the daily refresh."""
        self._refresh()
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 5, 50)])
        parameters = self.env["ir.config_parameter"].sudo()  # sudo: system parameters
        far_ahead = self.env.cr.now() + timedelta(days=365 * 70)
        parameters.set_param(REFRESHED_AT_KEY, fields.Datetime.to_string(far_ahead))
        self.Report._cron_refresh_lines()
        self.assertEqual(len(self.Report.search(self._of(invoice))), 1)
        self.assertEqual(parameters.get_param(REFRESHED_AT_KEY)[:10], str(self.env.cr.now().date()))

    def test_refresh_on_demand(self):
        with self.assertRaises(AccessError):
            self.Report.with_user(self.salesman).action_refresh()
        invoice = self._create_product_invoice(self.customer, [(self.gadget, 1, 50)])
        action = self.Report.with_user(self.sales_manager).action_refresh()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.Report.search(self._of(invoice)))
        server_action = self.env.ref(
            "sale_margin_customer.sale_margin_customer_report_action_refresh"
        )
        self.assertEqual(server_action.binding_model_id.model, self.Report._name)

    def test_views(self):
        for view_type in ("pivot", "graph", "list", "search"):
            self.Report.get_view(view_type=view_type)
        for xmlid in ("view_pivot_segment", "view_graph_segment"):
            view = self.env.ref(f"sale_margin_customer.sale_margin_customer_report_{xmlid}")
            self.Report.get_view(view.id, view.type)
        for xmlid in ("action", "action_segment"):
            self.env.ref(f"sale_margin_customer.sale_margin_customer_report_{xmlid}")
