# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
import time

from psycopg2.errors import SerializationFailure

from odoo import api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.crm_accounting_bridge.queries.cash_cycle_facts import LOCK_NAMESPACE, TABLE

from .test_open_item_concurrency import _Closing, _commit


@tagged("post_install", "-at_install")
class TestCycleFactsConcurrency(TransactionCase):
    """Two workers change the orders of opportunities at the same time.

    Real transactions on real cursors, each committing, in Odoo's isolation
    level (repeatable read). The kept facts of an opportunity are one row
    shared by its orders: two workers changing two opportunities must not
    wait for each other; two workers changing one must never leave facts
    that miss the other's change: the second waits, or fails with an error
    Odoo retries (serialization failure). Every committed record is removed
    again at the end.
    """

    def setUp(self):
        super().setUp()
        with self._env() as env:
            partner = env["res.partner"].create({"name": "Cycle Concurrency Customer"})
            leads = env["crm.lead"].create(
                [
                    {"name": name, "type": "opportunity", "partner_id": partner.id}
                    for name in ("Concurrency One", "Concurrency Two")
                ]
            )
            orders = env["sale.order"].create(
                [
                    {"partner_id": partner.id, "opportunity_id": lead.id}
                    for lead in (leads[0], leads[0], leads[1])
                ]
            )
            self.partner_id, self.lead_ids, self.order_ids = partner.id, leads.ids, orders.ids
            _commit(env.cr)
        self.addCleanup(self._remove)

    def _env(self):
        """A new environment on a new cursor, as a worker would have."""
        return _Closing(api.Environment(self.registry.cursor(), api.SUPERUSER_ID, {}))

    def _remove(self):
        with self._env() as env:
            env.cr.execute(SQL("DELETE FROM sale_order WHERE id = ANY(%s)", self.order_ids))
            env["crm.lead"].browse(self.lead_ids).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            _commit(env.cr)

    @staticmethod
    def _set_total(env, order_id, amount):
        env.cr.execute(
            SQL("UPDATE sale_order SET amount_total = %s WHERE id = %s", amount, order_id)
        )

    def _ordered(self):
        """``[amount ordered of each opportunity]`` as committed, and the
        number of differences of the kept facts."""
        with self._env() as env:
            rows = env.execute_query(
                SQL(
                    "SELECT amount_ordered FROM %s WHERE lead_id = ANY(%s) ORDER BY lead_id",
                    SQL.identifier(TABLE),
                    self.lead_ids,
                )
            )
            count, _rows = env["crm.order.cash.cycle"]._cycle_facts_differences()
            return [float(amount) for (amount,) in rows], count

    def test_two_opportunities_do_not_wait(self):
        with self._env() as first, self._env() as second:
            self._set_total(first, self.order_ids[0], 100)
            # the first transaction is still open: the second must not wait
            second.cr.execute("SET LOCAL lock_timeout = '3s'")
            self._set_total(second, self.order_ids[2], 300)
            _commit(first.cr)
            _commit(second.cr)
        self.assertEqual(self._ordered(), ([100.0, 300.0], 0))

    def test_one_opportunity_at_a_time(self):
        """While a worker recomputes an opportunity's facts, another worker
        cannot take that opportunity's lock (it waits for it: see the read
        committed test), but takes another opportunity's at once. Asked
        with pg_try_advisory_xact_lock rather than a lock timeout: the run
        with the clock a year ahead (libfaketime) does not fire timeouts."""
        with self._env() as first, self._env() as second:
            self._set_total(first, self.order_ids[0], 100)
            [taken] = second.execute_query(
                SQL(
                    "SELECT pg_try_advisory_xact_lock(%(ns)s, %(same)s),"
                    " pg_try_advisory_xact_lock(%(ns)s, %(other)s)",
                    ns=LOCK_NAMESPACE,
                    same=self.lead_ids[0],
                    other=self.lead_ids[1],
                )
            )
            self.assertEqual(taken, (False, True))
            second.cr.rollback()
            _commit(first.cr)
            self._set_total(second, self.order_ids[1], 200)
            _commit(second.cr)
        self.assertEqual(self._ordered(), ([300.0, 0.0], 0))

    def test_a_worker_that_started_earlier_fails_to_serialize(self):
        """Repeatable read: the second worker's snapshot predates the
        first's commit, so facts computed in it would miss the first's
        order; writing them fails and Odoo retries the request."""
        with self._env() as first, self._env() as second:
            # the second transaction's snapshot is taken here
            second.cr.execute("SELECT 1 FROM sale_order LIMIT 1")
            self._set_total(first, self.order_ids[0], 100)
            _commit(first.cr)
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                self._set_total(second, self.order_ids[1], 200)
            second.cr.rollback()
            self._set_total(second, self.order_ids[1], 200)
            _commit(second.cr)
        self.assertEqual(self._ordered(), ([300.0, 0.0], 0))

    def test_read_committed_sees_what_the_other_worker_committed(self):
        """Read committed (psql, scripts): the second worker waits for the
        first, then computes the facts from what the first committed rather
        than from what was there when its statement began."""
        with self._env() as first, self._env() as second:
            self._set_total(first, self.order_ids[0], 100)
            second.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            second.cr.execute("SET LOCAL lock_timeout = '20s'")
            waiting = threading.Thread(
                target=self._set_total, args=(second, self.order_ids[1], 200)
            )
            waiting.start()
            # let the second worker reach the first's lock
            time.sleep(1)
            _commit(first.cr)
            waiting.join()
            _commit(second.cr)
        self.assertEqual(self._ordered(), ([300.0, 0.0], 0))
