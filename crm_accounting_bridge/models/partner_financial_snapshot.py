# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Days in the "last twelve months" window used for revenue and payment habits.
LTM_DAYS = 365

# Aggregates of the snapshot that a partner without accounting data shows as 0.
SNAPSHOT_AMOUNT_FIELDS = (
    "receivable_balance",
    "overdue_amount",
    "revenue_ltm",
    "aging_not_due",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
)
SNAPSHOT_FIELDS = (
    *SNAPSHOT_AMOUNT_FIELDS,
    "overdue_invoice_count",
    "oldest_overdue_days",
    "avg_payment_delay_days",
    "late_payment_rate",
    "last_payment_date",
)
# The figures of open receivable items alone (see ``_receivable_query``).
RECEIVABLE_FIELDS = (
    "receivable_balance",
    "overdue_amount",
    "overdue_invoice_count",
    "oldest_overdue_days",
    "aging_not_due",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
)

# Stored fields the snapshot statement reads, to flush before running it.
SNAPSHOT_SOURCES = {
    "account.move.line": [
        "account_id",
        "amount_residual",
        "balance",
        "company_id",
        "date",
        "date_maturity",
        "display_type",
        "move_id",
        "parent_state",
        "partner_id",
        "reconciled",
    ],
    "account.move": [
        "amount_untaxed_signed",
        "commercial_partner_id",
        "company_id",
        "full_payment_date",
        "invoice_date",
        "invoice_date_due",
        "move_type",
        "origin_payment_id",
        "partner_id",
        "payment_state",
        "state",
        "statement_line_id",
    ],
    "account.account": ["account_type"],
    "res.partner": ["commercial_partner_id"],
    "res.company": ["parent_path"],
}


class PartnerFinancialSnapshot(models.AbstractModel):
    """Single source of the money facts shown to sales.

    Every figure of the snapshot comes from one SQL statement over posted
    journal items, so that the partner fields, the Customer 360 report and the
    addons built on the bridge (credit alerts, connectors) can never disagree.
    Other addons extend the statement through ``_snapshot_query`` rather than
    recomputing figures of their own.
    """

    _name = "partner.financial.snapshot"
    _description = "Partner Financial Snapshot"

    @api.model
    def _snapshot_company(self):
        """The company whose books the snapshot reads: the current one."""
        return self.env.company

    @api.model
    def _company_scope(self, column):
        """Restrict ``column`` to the current company and its branches.

        This is the scope Odoo's own ``credit`` field uses for credit limits,
        so that ``credit_available`` agrees with the sale order warning.
        """
        root = self._snapshot_company().root_id.sudo()
        return SQL(
            "%s IN (SELECT id FROM res_company WHERE parent_path LIKE %s)",
            column,
            f"{root.parent_path}%",
        )

    @api.model
    def _partner_scope(self, column, partner_ids):
        """Restrict ``column`` (a partner id) to the commercial entities given.

        ``partner_ids`` None means every partner (the Customer 360 report).
        """
        if partner_ids is None:
            return SQL("TRUE")
        return SQL(
            "%s IN (SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))",
            column,
            list(partner_ids),
        )

    @api.model
    def _receivable_query(self, partner_ids=None, today=None, grace_days=0):
        """Return the SQL of the open receivable figures, one row per commercial entity.

        Columns: ``partner_id`` and every name of ``RECEIVABLE_FIELDS``, never
        NULL. Partners without open receivable items have no row. This is the
        part of the snapshot that reads open items only: the snapshot joins
        it to the other figures, and callers that need only what is owed and
        how late (credit alerts) run it alone, without paying for revenue and
        payment habits. ``grace_days`` as in ``_snapshot_query``.
        """
        today = today or fields.Date.context_today(self)
        return SQL(
            """
            WITH open_item AS (
                -- open receivable items: invoices and credit notes not fully
                -- reconciled, and payments not yet allocated
                SELECT partner.commercial_partner_id AS partner_id,
                       open_line.move_id,
                       open_line.amount_residual AS residual,
                       %(today)s - COALESCE(open_line.date_maturity, open_line.date) AS days_late
                  FROM res_partner partner
                  JOIN account_account account ON account.account_type = 'asset_receivable'
                  -- per partner and receivable account, so that Odoo's index
                  -- of unreconciled items (account_id, partner_id) serves
                  CROSS JOIN LATERAL (
                       SELECT line.move_id, line.amount_residual, line.date_maturity, line.date
                         FROM account_move_line line
                        WHERE line.account_id = account.id
                          AND line.partner_id = partner.id
                          AND line.parent_state = 'posted'
                          AND line.reconciled IS NOT TRUE
                          AND line.amount_residual != 0
                          AND %(line_company)s) open_line
                 WHERE %(partner_partner)s
            )
            SELECT partner_id,
                   SUM(residual) AS receivable_balance,
                   COALESCE(SUM(residual) FILTER (WHERE days_late > %(grace_days)s), 0)
                       AS overdue_amount,
                   COUNT(DISTINCT move_id)
                       FILTER (WHERE days_late > %(grace_days)s AND residual > 0)
                       AS overdue_invoice_count,
                   COALESCE(
                       MAX(days_late) FILTER (WHERE days_late > %(grace_days)s AND residual > 0),
                       0
                   ) AS oldest_overdue_days,
                   COALESCE(SUM(residual) FILTER (WHERE days_late <= 0), 0) AS aging_not_due,
                   COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 1 AND 30), 0)
                       AS aging_1_30,
                   COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 31 AND 60), 0)
                       AS aging_31_60,
                   COALESCE(SUM(residual) FILTER (WHERE days_late BETWEEN 61 AND 90), 0)
                       AS aging_61_90,
                   COALESCE(SUM(residual) FILTER (WHERE days_late > 90), 0) AS aging_over_90
              FROM open_item
          GROUP BY partner_id
            """,
            today=today,
            grace_days=grace_days,
            line_company=self._company_scope(SQL("line.company_id")),
            partner_partner=self._partner_scope(SQL("partner.id"), partner_ids),
        )

    @api.model
    def _snapshot_query(self, partner_ids=None, today=None, grace_days=0):
        """Return the SQL computing the snapshot, one row per commercial entity.

        Columns: ``partner_id`` and every name of ``SNAPSHOT_FIELDS``. Partners
        without any accounting data have no row. Amounts are in the currency
        of the current company (journal items' company currency).
        ``grace_days`` lets a policy (credit alerts) count an item as overdue
        only once it is more than that many days past due; the aging buckets
        always count from the due date.
        """
        today = today or fields.Date.context_today(self)
        ltm_start = today - timedelta(days=LTM_DAYS)
        line_company = self._company_scope(SQL("line.company_id"))
        move_company = self._company_scope(SQL("move.company_id"))
        partner_partner = self._partner_scope(SQL("partner.id"), partner_ids)
        move_commercial = (
            SQL("move.commercial_partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL("TRUE")
        )
        receivable = self._receivable_query(partner_ids, today=today, grace_days=grace_days)
        return SQL(
            """
            WITH receivable AS (
                %(receivable)s
            ), revenue AS (
                SELECT move.commercial_partner_id AS partner_id,
                       SUM(move.amount_untaxed_signed) AS revenue_ltm
                  FROM account_move move
                 WHERE move.move_type IN ('out_invoice', 'out_refund')
                   AND move.state = 'posted'
                   AND move.invoice_date > %(ltm_start)s
                   AND move.invoice_date <= %(today)s
                   AND %(move_company)s
                   AND %(move_commercial)s
              GROUP BY move.commercial_partner_id
            ), payment_habit AS (
                SELECT move.commercial_partner_id AS partner_id,
                       AVG(move.full_payment_date - move.invoice_date_due)
                           AS avg_payment_delay_days,
                       AVG(CASE WHEN move.full_payment_date > move.invoice_date_due
                                THEN 1.0 ELSE 0.0 END) AS late_payment_rate
                  FROM account_move move
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN ('paid', 'in_payment')
                   AND move.full_payment_date > %(ltm_start)s
                   AND %(move_company)s
                   AND %(move_commercial)s
              GROUP BY move.commercial_partner_id
            ), last_payment AS (
                -- money received: receivable credits of payments and bank
                -- statement lines, allocated or not; the latest per partner,
                -- walking its journal items backwards by date
                SELECT partner.commercial_partner_id AS partner_id,
                       MAX(latest.date) AS last_payment_date
                  FROM res_partner partner
                  CROSS JOIN LATERAL (
                       SELECT line.date
                         FROM account_move_line line
                         JOIN account_move move ON move.id = line.move_id
                        WHERE line.partner_id = partner.id
                          -- a filter, not a join: the newest credit comes first
                          AND line.account_id = ANY(ARRAY(
                              SELECT id FROM account_account
                               WHERE account_type = 'asset_receivable'))
                          AND line.parent_state = 'posted'
                          AND line.balance < 0
                          AND (move.origin_payment_id IS NOT NULL
                               OR move.statement_line_id IS NOT NULL)
                          AND %(line_company)s
                     ORDER BY line.date DESC
                        LIMIT 1) latest
                 WHERE %(partner_partner)s
              GROUP BY partner.commercial_partner_id
            ), snapshot_partner AS (
                SELECT partner_id FROM receivable
                 UNION SELECT partner_id FROM revenue
                 UNION SELECT partner_id FROM payment_habit
                 UNION SELECT partner_id FROM last_payment
            )
            SELECT snapshot_partner.partner_id,
                   COALESCE(receivable.receivable_balance, 0) AS receivable_balance,
                   COALESCE(receivable.overdue_amount, 0) AS overdue_amount,
                   COALESCE(receivable.overdue_invoice_count, 0) AS overdue_invoice_count,
                   COALESCE(receivable.oldest_overdue_days, 0) AS oldest_overdue_days,
                   COALESCE(receivable.aging_not_due, 0) AS aging_not_due,
                   COALESCE(receivable.aging_1_30, 0) AS aging_1_30,
                   COALESCE(receivable.aging_31_60, 0) AS aging_31_60,
                   COALESCE(receivable.aging_61_90, 0) AS aging_61_90,
                   COALESCE(receivable.aging_over_90, 0) AS aging_over_90,
                   COALESCE(revenue.revenue_ltm, 0) AS revenue_ltm,
                   COALESCE(payment_habit.avg_payment_delay_days, 0)
                       AS avg_payment_delay_days,
                   COALESCE(payment_habit.late_payment_rate, 0) AS late_payment_rate,
                   last_payment.last_payment_date
              FROM snapshot_partner
         LEFT JOIN receivable ON receivable.partner_id = snapshot_partner.partner_id
         LEFT JOIN revenue ON revenue.partner_id = snapshot_partner.partner_id
         LEFT JOIN payment_habit ON payment_habit.partner_id = snapshot_partner.partner_id
         LEFT JOIN last_payment ON last_payment.partner_id = snapshot_partner.partner_id
            """,
            receivable=receivable,
            today=today,
            ltm_start=ltm_start,
            line_company=line_company,
            move_company=move_company,
            move_commercial=move_commercial,
            partner_partner=partner_partner,
        )

    @api.model
    def _flush_snapshot_sources(self):
        """Write pending ORM changes the snapshot statement reads."""
        for model_name, field_names in SNAPSHOT_SOURCES.items():
            self.env[model_name].flush_model(field_names)

    @api.model
    def _read_snapshot(self, partner_ids, grace_days=0):
        """Return ``{commercial partner id: {field: value}}`` in one query.

        Partners without accounting data are absent from the result; callers
        show zeros for them.
        """
        if not partner_ids:
            return {}
        self._flush_snapshot_sources()
        rows = self.env.execute_query_dict(self._snapshot_query(partner_ids, grace_days=grace_days))
        return {row.pop("partner_id"): row for row in rows}

    @api.model
    def _read_receivable(self, partner_ids, grace_days=0):
        """Return ``{commercial partner id: {field: value}}`` of the open
        receivable figures alone (``RECEIVABLE_FIELDS``), in one query.

        The same figures as ``_read_snapshot`` at a fraction of its cost.
        Partners without open receivable items are absent from the result;
        callers show zeros for them.
        """
        if not partner_ids:
            return {}
        self._flush_snapshot_sources()
        rows = self.env.execute_query_dict(
            self._receivable_query(partner_ids, grace_days=grace_days)
        )
        return {row.pop("partner_id"): row for row in rows}

    @api.model
    def _empty_snapshot(self):
        """Values of a partner that has no posted accounting data."""
        values = dict.fromkeys(SNAPSHOT_FIELDS, 0)
        values["last_payment_date"] = False
        return values
