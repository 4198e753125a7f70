# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools.sql import create_index, table_exists

from ..queries import open_item_summary, owed_totals


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def init(self):
        """Index the money received per partner and the entry of posted
        product lines; keep the open item summary.

        The snapshot's last payment date is the latest receivable credit of
        a payment or bank statement line: with the first index it is found by
        walking a partner's credits backwards from the newest, instead of
        reading all of the partner's journal items. What customers owe is
        read from the open item summary (``_install_open_item_summary``).
        """
        res = super().init()
        create_index(
            self.env.cr,
            "account_move_line_crm_bridge_partner_credit_index",
            self._table,
            ["partner_id", "date"],
            where="parent_state = 'posted' AND balance < 0",
        )
        # the open items are read from the open item summary now: the
        # covering index of earlier versions would only cost every write
        self.env.cr.execute("DROP INDEX IF EXISTS account_move_line_crm_bridge_open_item_index")
        # the order-to-cash report reaches an invoice from its lines linked
        # to order lines: posted product lines, id to entry from the index
        # alone (a third of the statement's time on the benchmark otherwise)
        create_index(
            self.env.cr,
            "account_move_line_crm_bridge_sale_link_index",
            self._table,
            ["id", "move_id"],
            where="parent_state = 'posted' AND display_type = 'product'",
        )
        self._install_open_item_summary()
        return res

    @api.model
    def _install_open_item_summary(self):
        """Create the open item summary and its triggers (``queries.open_item_summary``).

        On install, and on the upgrade that brings it to a database with
        history, the table is filled in one statement from the journal
        items; afterwards the triggers keep it, and upgrades only replace
        the functions.
        """
        cr = self.env.cr
        new = not table_exists(cr, open_item_summary.TABLE)
        new_totals = not table_exists(cr, owed_totals.TOTALS)
        # the totals first: the summary's triggers mark their changes
        cr.execute(owed_totals.install())
        cr.execute(open_item_summary.install())
        if new:
            self.flush_model()
            cr.execute(open_item_summary.build())
        if new or new_totals:
            cr.execute(owed_totals.build())

    @api.model
    def _open_item_summary_differences(self, limit=20):
        """Return ``(count, rows)``: how many rows of the open item summary
        disagree with a full recomputation from the journal items, and the
        first ``limit`` of them (see ``queries.open_item_summary.differences``).

        Zero means the summary is exact. The tests check it after every
        scenario; ``tools/open_items_check.py`` checks a database.
        """
        self.env.flush_all()
        rows = self.env.execute_query_dict(open_item_summary.differences(limit))
        return (rows[0]["total"] if rows else 0), rows

    @api.model
    def _rebuild_open_item_summary(self):
        """Fill the open item summary again from the journal items.

        For a database whose summary was changed by hand or restored apart
        from its journal items; never needed otherwise.
        """
        self.env.flush_all()
        self.env.cr.execute(open_item_summary.build())
        self.env.cr.execute(owed_totals.build())

    @api.model
    def _rebuild_owed_totals(self):
        """Fill the customers' owed totals again from the open item summary."""
        self.env.flush_all()
        self.env.cr.execute(owed_totals.build())

    @api.model
    def _fold_owed_totals(self):
        """Bring the customers' owed totals up to date (``queries.owed_totals``).

        The scheduled action's work, and nothing depends on when it runs:
        a customer changed since is computed in full by the Customer 360
        search, which only gets slower as changes wait. Returns how many
        customers it folded, or None when another fold was running.
        """
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", owed_totals.FOLD_LOCK)
        if not cr.fetchone()[0]:
            return None
        cr.execute(owed_totals.fold())
        return cr.fetchone()[0]

    @api.model
    def _owed_totals_differences(self, limit=20):
        """Return ``(count, rows)`` as ``_open_item_summary_differences``
        does, for the customers' owed totals (those not marked as changed)."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(owed_totals.differences(limit))
        return (rows[0]["total"] if rows else 0), rows
