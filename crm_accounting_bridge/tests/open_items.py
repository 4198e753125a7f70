# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


class OpenItemSummaryChecked:
    """After every test, the open item summary must equal a full
    recomputation from the journal items (``queries.open_item_summary``).

    Mixed into the test cases of every addon that posts, pays or reconciles,
    so that each scenario of the suites checks the triggers. The check runs
    before the test's changes are rolled back.
    """

    def setUp(self):
        super().setUp()
        self.addCleanup(self.assertOpenItemSummaryExact)

    def assertOpenItemSummaryExact(self):
        count, rows = self.env["account.move.line"]._open_item_summary_differences()
        if count:
            self.fail(f"The open item summary has {count} differences, the first: {rows[:5]}")
