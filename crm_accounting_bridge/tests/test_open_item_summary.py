# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from odoo.addons.crm_accounting_bridge.hooks import uninstall_hook
from odoo.addons.crm_accounting_bridge.queries import owed_totals
from odoo.addons.crm_accounting_bridge.queries.open_item_summary import TABLE

from .common import CrmAccountingBridgeCommon


@tagged("post_install", "-at_install")
class TestOpenItemSummary(CrmAccountingBridgeCommon):
    """The summary follows every path that changes open receivable items.

    Each test also ends with the full comparison of the summary with the
    journal items (``KeptFiguresChecked``); the assertions here say
    what the rows are, so that a summary that is empty or always rebuilt
    would fail too.
    """

    def _rows(self, moves):
        """``{(move, due date, owed): (residual, item count)}`` of ``moves``."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT move_id, due_date, owed, residual, item_count FROM %s"
                " WHERE move_id = ANY(%s)",
                SQL.identifier(TABLE),
                moves.ids,
            )
        )
        return {
            (move, due, owed): (float(residual), count) for move, due, owed, residual, count in rows
        }

    def _exact(self):
        count, rows = self.env["account.move.line"]._open_item_summary_differences()
        self.assertEqual(count, 0, rows)

    def test_posting_paying_and_unreconciling(self):
        invoice = self._create_invoice(self.customer, 1000.0, due_offset=-5)
        due = self._day(-5)
        self.assertEqual(self._rows(invoice), {(invoice.id, due, True): (1000.0, 1)})
        payment = self._register_payment(invoice, 400.0)
        self.assertEqual(self._rows(invoice), {(invoice.id, due, True): (600.0, 1)})
        self._register_payment(invoice, 600.0)
        self.assertEqual(self._rows(invoice), {})
        self._exact()
        # unreconciling the first payment opens the invoice and the payment again
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertEqual(self._rows(invoice), {(invoice.id, due, True): (400.0, 1)})
        self.assertEqual(
            list(self._rows(payment.move_id).values()), [(-400.0, 1)], "an unallocated payment"
        )

    def test_installments_are_one_invoice(self):
        """Two installments, two due dates, one overdue invoice in the figures."""
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 30}),
                ],
            }
        )
        invoice = self._create_invoice(self.customer, 1000.0, post=False)
        invoice.write({"invoice_payment_term_id": term.id, "invoice_date": self._day(-60)})
        invoice.action_post()
        self.assertEqual(
            self._rows(invoice),
            {
                (invoice.id, self._day(-60), True): (500.0, 1),
                (invoice.id, self._day(-30), True): (500.0, 1),
            },
        )
        figures = self.customer.with_company(self.env.company)
        self.assertEqual(figures.overdue_amount, 1000.0)
        self.assertEqual(figures.overdue_invoice_count, 1)
        self.assertEqual(figures.oldest_overdue_days, 60)

    def test_reversal_draft_and_cancel(self):
        reversed_invoice = self._create_invoice(self.customer, 300.0)
        credit_note = reversed_invoice._reverse_moves(cancel=True)
        self.assertEqual(self._rows(reversed_invoice | credit_note), {})
        reset = self._create_invoice(self.customer, 200.0)
        reset.button_draft()
        self.assertEqual(self._rows(reset), {})
        reset.button_cancel()
        self.assertEqual(self._rows(reset), {})
        deleted = self._create_invoice(self.customer, 100.0)
        deleted.button_draft()
        deleted.unlink()
        self._exact()

    def test_credit_note_not_allocated(self):
        credit_note = self._create_invoice(self.customer, 250.0, move_type="out_refund")
        (row,) = self._rows(credit_note).items()
        self.assertEqual(row[0][2], False, "a credit, not an amount owed")
        self.assertEqual(row[1], (-250.0, 1))
        self.assertEqual(self.customer.receivable_balance, -250.0)

    def test_raw_sql_changes(self):
        """Integrators' scripts and migrations write journal items with SQL."""
        invoice = self._create_invoice(self.customer, 1000.0)
        line = invoice.line_ids.filtered(lambda item: item.account_type == "asset_receivable")
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE account_move_line SET amount_residual = 700 WHERE id = %s", line.id)
        )
        self.assertEqual(list(self._rows(invoice).values()), [(700.0, 1)])
        self.env.cr.execute(
            SQL(
                "UPDATE account_move_line SET amount_residual = 0, reconciled = TRUE WHERE id = %s",
                line.id,
            )
        )
        self.assertEqual(self._rows(invoice), {})
        self.env.cr.execute(
            SQL(
                "UPDATE account_move_line SET amount_residual = 1000, reconciled = FALSE,"
                " partner_id = %s WHERE id = %s",
                self.contact.id,
                line.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(list(self._rows(invoice).values()), [(1000.0, 1)])
        self.assertEqual(
            self.customer.receivable_balance, 1000.0, "a contact's item is its company's"
        )
        self.env.cr.execute(SQL("DELETE FROM account_move_line WHERE move_id = %s", invoice.id))
        self.assertEqual(self._rows(invoice), {})

    def test_account_type_changed(self):
        invoice = self._create_invoice(self.customer, 1000.0)
        line = invoice.line_ids.filtered(lambda item: item.account_type == "asset_receivable")
        account = line.account_id
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_account SET account_type = 'asset_current' WHERE id = %s",
                account.id,
            )
        )
        self.assertEqual(self._rows(invoice), {})
        self._exact()
        self.env.cr.execute(
            SQL(
                "UPDATE account_account SET account_type = 'asset_receivable' WHERE id = %s",
                account.id,
            )
        )
        self.assertEqual(list(self._rows(invoice).values()), [(1000.0, 1)])

    def test_built_on_install_and_dropped_on_uninstall(self):
        """Installing on a database with history fills the summary in one
        statement; uninstalling leaves no trigger behind, and posting works."""
        invoices = self._create_invoice(self.customer, 1000.0) | self._create_invoice(
            self.customer, 500.0, due_offset=-40
        )
        before = self._rows(invoices)
        self.assertEqual(len(before), 2)
        uninstall_hook(self.env)
        self.assertFalse(table_exists(self.env.cr, TABLE))
        self.assertFalse(table_exists(self.env.cr, owed_totals.TOTALS))
        self.assertFalse(table_exists(self.env.cr, owed_totals.CHANGED))
        triggers = self.env.execute_query(
            SQL("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", "crm_open_receivable%")
        )
        self.assertEqual(triggers, [])
        self._create_invoice(self.customer, 100.0)
        self.env.flush_all()
        self.env["account.move.line"]._install_open_item_summary()
        # the hook dropped the order-to-cash facts too (test_cycle_facts)
        self.env["crm.order.cash.cycle"].init()
        self.assertEqual(self._rows(invoices), before)
        self._exact()
        # the customers' owed totals are built again, none marked
        self.assertEqual(self.env.execute_query(owed_totals.marked()), [])
