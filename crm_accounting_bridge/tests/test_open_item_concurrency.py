# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import closing

from odoo import Command, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.crm_accounting_bridge.queries import owed_totals
from odoo.addons.crm_accounting_bridge.queries.open_item_summary import TABLE


def _commit(cr):
    """Commit a test cursor: two transactions can only race on committed data."""
    cr.commit()  # pylint: disable=invalid-commit


@tagged("post_install", "-at_install")
class TestOpenItemConcurrency(TransactionCase):
    """Two workers post invoices of the same customer, due the same day.

    Real transactions on real cursors, each committing, in Odoo's isolation
    level: the second posting must neither wait for the first (a lock on a
    summary row held until the first commits) nor fail to serialize when
    both commit. The invoices are in two journals, so that Odoo's own lock
    of a journal's sequence does not make them wait for each other. Every
    committed record is removed again at the end.
    """

    def setUp(self):
        super().setUp()
        with self._env() as env:
            company = env.company
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            )
            self.assertTrue(journal, "the database's company has a sales journal")
            income = env["account.account"].search(
                [("account_type", "=", "income"), ("company_ids", "in", company.id)], limit=1
            )
            second = journal.copy({"name": "Concurrency Sales", "code": "CCS"})
            partner = env["res.partner"].create({"name": "Concurrency Customer"})
            due = fields.Date.context_today(env.user)
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "journal_id": sales_journal.id,
                        "invoice_date": due,
                        "invoice_date_due": due,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Service",
                                    "account_id": income.id,
                                    "price_unit": 100.0,
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                    for sales_journal in (journal, second)
                ]
            )
            self.journal_id, self.partner_id = second.id, partner.id
            self.invoice_ids = invoices.ids
            _commit(env.cr)
        self.addCleanup(self._remove)

    def _env(self):
        """A new environment on a new cursor, as a worker would have."""
        cr = self.registry.cursor()
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return _Closing(env)

    def _remove(self):
        with self._env() as env:
            invoices = env["account.move"].browse(self.invoice_ids).exists()
            invoices.filtered(lambda move: move.state == "posted").button_draft()
            invoices.with_context(force_delete=True).unlink()
            env["account.journal"].browse(self.journal_id).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            _commit(env.cr)

    def test_two_workers_post_for_the_same_customer(self):
        with self._env() as first, self._env() as second:
            first["account.move"].browse(self.invoice_ids[0]).action_post()
            first.flush_all()
            # the first transaction is still open: the second must not wait
            second.cr.execute("SET LOCAL lock_timeout = '3s'")
            second["account.move"].browse(self.invoice_ids[1]).action_post()
            second.flush_all()
            _commit(first.cr)
            _commit(second.cr)
        with self._env() as env:
            rows = env.execute_query(
                SQL(
                    "SELECT move_id, residual FROM %s WHERE move_id = ANY(%s) ORDER BY move_id",
                    SQL.identifier(TABLE),
                    self.invoice_ids,
                )
            )
            self.assertEqual(
                [(move, float(residual)) for move, residual in rows],
                [
                    (self.invoice_ids[0], 100.0),
                    (self.invoice_ids[1], 100.0),
                ],
            )
            count, differences = env["account.move.line"]._open_item_summary_differences()
            self.assertEqual(count, 0, differences)

    def test_fold_beside_a_worker(self):
        """The fold of the customers' owed totals (``queries.owed_totals``)
        never loses a change made beside it: a posting it cannot see keeps
        its customer marked, whether the fold commits first or started
        before the posting committed."""

        def marked(env):
            return {row[0] for row in env.execute_query(owed_totals.marked())}

        with self._env() as worker, self._env() as fold:
            worker["account.move"].browse(self.invoice_ids[0]).action_post()
            worker.flush_all()
            fold["account.move.line"]._fold_owed_totals()
            _commit(fold.cr)
            _commit(worker.cr)
        with self._env() as worker, self._env() as fold:
            # the fold's snapshot is taken before the posting commits
            self.assertIn(self.partner_id, marked(fold))
            worker["account.move"].browse(self.invoice_ids[1]).action_post()
            worker.flush_all()
            _commit(worker.cr)
            fold["account.move.line"]._fold_owed_totals()
            _commit(fold.cr)
        with self._env() as env:
            self.assertIn(self.partner_id, marked(env), "the second posting's mark")
            count, differences = env["account.move.line"]._owed_totals_differences()
            self.assertEqual(count, 0, differences)
            env["account.move.line"]._fold_owed_totals()
            (owed,) = env.execute_query(
                SQL(
                    "SELECT owed FROM %s WHERE partner_id = %s",
                    SQL.identifier(owed_totals.TOTALS),
                    self.partner_id,
                )
            )
            self.assertEqual(float(owed[0]), 200.0)
            _commit(env.cr)


class _Closing:
    """Close the environment's cursor (rolling back what was not committed)."""

    def __init__(self, env):
        self.env = env

    def __enter__(self):
        return self.env

    def __exit__(self, *exc):
        with closing(self.env.cr):
            self.env.cr.rollback()
