# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from odoo.addons.crm_accounting_bridge.hooks import uninstall_hook
from odoo.addons.crm_accounting_bridge.queries.cash_cycle_facts import TABLE

from .test_cycle import CashCycleCommon


@tagged("post_install", "-at_install")
class TestCycleFacts(CashCycleCommon):
    """The kept facts of the order-to-cash report follow every path that
    changes an opportunity's orders and invoices.

    Each test also ends with the full comparison of the kept facts with the
    orders and invoices (``KeptFiguresChecked``); the assertions here say
    what the rows hold, so that a table left empty or always rebuilt would
    fail too.
    """

    def _kept(self, lead):
        """``{company id: {fact: value}}`` of ``lead``, emptied rows left out."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                "SELECT * FROM %s WHERE lead_id = %s AND ordered_at IS NOT NULL",
                SQL.identifier(TABLE),
                lead.id,
            )
        )
        return {row.pop("company_id"): row for row in rows}

    def _facts(self, lead):
        """The facts of ``lead`` in the main company."""
        return self._kept(lead)[self.env.company.id]

    def _exact(self):
        count, rows = self.Cycle._cycle_facts_differences()
        self.assertEqual(count, 0, rows)

    def _xmin(self, lead):
        """The transaction that last wrote ``lead``'s row."""
        self.env.flush_all()
        return self.env.execute_query(
            SQL("SELECT xmin::text FROM %s WHERE lead_id = %s", SQL.identifier(TABLE), lead.id)
        )

    def test_each_step_of_a_cycle(self):
        lead = self._lead(self.customer, won=-30)
        self.assertEqual(self._kept(lead), {})
        order = self._order(lead, created=-29, qty=3)
        facts = self._facts(lead)
        self.assertEqual(facts["ordered_at"], self._noon(-29))
        self.assertIsNone(facts["confirmed_at"])
        self.assertEqual(facts["amount_ordered"], 300)
        order.action_confirm()
        order.date_order = self._noon(-28)
        self.assertEqual(self._facts(lead)["confirmed_at"], self._noon(-28))
        invoice = self._invoice(order, -20, qty=2, post=False)
        self.assertIsNone(self._facts(lead)["invoiced"], "a draft invoices nothing")
        invoice.action_post()
        facts = self._facts(lead)
        self.assertEqual(
            (facts["date_invoiced"], facts["invoiced"], facts["due"]), (self._day(-20), 200, 200)
        )
        payment = self._pay(invoice, 50, -15)
        self.assertEqual(self._facts(lead)["due"], 150)
        self._pay(invoice, 150, -10)
        facts = self._facts(lead)
        self.assertEqual((facts["due"], facts["date_last_paid"]), (0, self._day(-10)))
        self._exact()
        payment.move_id.line_ids.remove_move_reconcile()
        facts = self._facts(lead)
        self.assertEqual((facts["due"], facts["date_last_paid"]), (50, None))
        refund = self._credit_note(invoice, -5, qty=1)
        facts = self._facts(lead)
        self.assertEqual((facts["invoiced"], facts["due"]), (100, -50))
        self._exact()
        refund.button_draft()
        self.assertEqual(self._facts(lead)["invoiced"], 200)
        refund.button_cancel()
        invoice.button_draft()
        self.assertIsNone(self._facts(lead)["invoiced"])
        self._exact()
        invoice.button_cancel()
        order._action_cancel()
        self.assertEqual(self._kept(lead), {}, "a cancelled order orders nothing")

    def test_an_order_moved_to_another_opportunity(self):
        first = self._lead(self.customer, won=-10, name="First")
        second = self._lead(self.customer, won=-5, name="Second")
        order = self._order(first, created=-9, confirmed=-8)
        self._invoice(order, -7)
        order.opportunity_id = second
        self.assertEqual(self._kept(first), {})
        self.assertEqual(self._facts(second)["invoiced"], 1000)
        self.assertEqual(self._row(second).amount_invoiced, 1000)
        self.assertFalse(self.Cycle.search([("opportunity_id", "=", first.id)]).amount_invoiced)

    def test_writes_by_sql(self):
        """Raw SQL, as migrations and scripts write, is followed too."""
        lead = self._lead(self.customer, won=-10)
        order = self._order(lead, created=-9, confirmed=-8)
        invoice = self._invoice(order, -7)
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE account_move SET amount_residual_signed = 400 WHERE id = %s", invoice.id)
        )
        self.assertEqual(self._facts(lead)["due"], 400)
        self.env.cr.execute(
            SQL("UPDATE account_move SET amount_residual_signed = 1000 WHERE id = %s", invoice.id)
        )
        # an order line deleted with its links to invoice lines
        [line] = order.order_line.ids
        self.env.cr.execute(SQL("DELETE FROM sale_order_line WHERE id = %s", line))
        self.assertIsNone(self._facts(lead)["invoiced"])
        self.env.cr.execute(SQL("UPDATE sale_order SET state = 'cancel' WHERE id = %s", order.id))
        self.assertEqual(self._kept(lead), {})
        self.env.invalidate_all()

    def test_a_deleted_opportunity_takes_its_facts(self):
        lead = self._lead(self.customer, won=-10)
        order = self._order(lead, created=-9, confirmed=-8)
        self.assertTrue(self._kept(lead))
        lead_id = lead.id
        lead.unlink()
        self.assertFalse(order.opportunity_id)
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL("SELECT lead_id FROM %s WHERE lead_id = %s", SQL.identifier(TABLE), lead_id)
        )
        self.assertEqual(rows, [])

    def test_writes_that_change_no_fact_write_nothing(self):
        """Most updates of entries, lines and orders change no fact: the row
        is not written again (no contention between their transactions)."""
        lead = self._lead(self.customer, won=-10)
        order = self._order(lead, created=-9, confirmed=-8)
        invoice = self._invoice(order, -7)
        self.env.flush_all()
        # a new transaction id for the writes to come
        self.env.cr.execute("SAVEPOINT kept; RELEASE SAVEPOINT kept")
        written = self._xmin(lead)
        invoice.ref = "Customer reference"
        invoice.line_ids.write({"name": "Renamed"})
        order.client_order_ref = "PO 12"
        order.order_line.name = "Renamed too"
        self.assertEqual(self._xmin(lead), written)
        # a fact that changes is written
        self._pay(invoice, 10, -1)
        self.assertEqual(self._facts(lead)["due"], 990)

    def test_two_companies_two_rows(self):
        lead = self._lead(self.customer, won=-10, company=self.company_2)
        self._order(lead, created=-9, confirmed=-8)
        self.assertEqual(list(self._kept(lead)), [self.company_2.id])

    def test_built_on_install_and_dropped_on_uninstall(self):
        """Installing on a database with history fills the facts in one
        statement; uninstalling leaves no trigger behind, and ordering and
        invoicing work."""
        lead = self._lead(self.customer, won=-10)
        order = self._order(lead, created=-9, confirmed=-8)
        self._invoice(order, -7)
        before = self._kept(lead)
        uninstall_hook(self.env)
        self.assertFalse(table_exists(self.env.cr, TABLE))
        triggers = self.env.execute_query(
            SQL("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", "crm_order_cash_cycle%")
        )
        self.assertEqual(triggers, [])
        # the hook dropped the open item summary too (test_open_item_summary)
        self.env["account.move.line"]._install_open_item_summary()
        self._invoice(self._order(lead, created=-2, confirmed=-1), -1)
        self.env.flush_all()
        self.Cycle.init()
        after = self._kept(lead)
        self.assertEqual(after[self.env.company.id]["invoiced"], 2000)
        self.assertEqual(
            after[self.env.company.id]["ordered_at"], before[self.env.company.id]["ordered_at"]
        )
