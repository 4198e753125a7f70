# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


class KeptFiguresChecked:
    """After every test, what PostgreSQL keeps for the bridge must equal a
    full recomputation from its sources: the open item summary from the
    journal items (``queries.open_item_summary``), the customers' owed
    totals not marked as changed from it (``queries.owed_totals``), the facts of the
    order-to-cash report from the orders and invoices
    (``queries.cash_cycle_facts``).

    Mixed into the test cases of every addon that orders, posts, pays or
    reconciles, so that each scenario of the suites checks the triggers.
    The checks run before the test's changes are rolled back.
    """

    def setUp(self):
        super().setUp()
        self.addCleanup(self.assertKeptFiguresExact)

    def assertKeptFiguresExact(self):
        count, rows = self.env["account.move.line"]._open_item_summary_differences()
        if count:
            self.fail(f"The open item summary has {count} differences, the first: {rows[:5]}")
        count, rows = self.env["account.move.line"]._owed_totals_differences()
        if count:
            self.fail(f"The customers' owed totals have {count} differences, the first: {rows[:5]}")
        count, rows = self.env["crm.order.cash.cycle"]._cycle_facts_differences()
        if count:
            self.fail(f"The order-to-cash facts have {count} differences, the first: {rows[:5]}")
