# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The materialized view of invoice line margins: built, refreshed, dated."""

import logging
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

# The report's logger, where these messages were logged before the refresh
# moved here: log levels and handlers set on it (--log-handler) still apply.
_logger = logging.getLogger("odoo.addons.sale_margin_customer.report.sale_margin_customer_report")

# Materialized view holding one row per invoice line, in company currency.
LINE_VIEW = "sale_margin_customer_line"
# ir.config_parameter key: database time of the last refresh of LINE_VIEW.
REFRESHED_AT_KEY = "sale_margin_customer.refreshed_at"
# Changes made this long before a refresh may belong to transactions that
# were still running when it started: the next scheduled refresh looks back
# that far (minutes).
REFRESH_MARGIN_MINUTES = 15


class MarginLineView:
    """Builds and refreshes ``LINE_VIEW``, and keeps the time of its last
    refresh.

    A plain view cannot group a million invoice lines by customer and month
    fast enough: the report reads this materialized view, which the model
    builds at install and update and refreshes when invoices changed, every
    night and on demand (``sale.margin.customer.report._refresh_lines``).
    """

    def __init__(self, env):
        self.env = env

    def build(self, lines):
        """(Re)build the view as the statement ``lines``, with its indexes."""
        self.env.cr.execute(
            SQL(
                """
                DROP MATERIALIZED VIEW IF EXISTS %(view)s;
                CREATE MATERIALIZED VIEW %(view)s AS %(lines)s;
                CREATE UNIQUE INDEX %(id_index)s ON %(view)s (id);
                CREATE INDEX %(company_index)s ON %(view)s (company_id, invoice_date);
                CREATE INDEX %(partner_index)s ON %(view)s (partner_id, invoice_date);
                """,
                view=SQL.identifier(LINE_VIEW),
                lines=lines,
                id_index=SQL.identifier(f"{LINE_VIEW}_id_index"),
                company_index=SQL.identifier(f"{LINE_VIEW}_company_date_index"),
                partner_index=SQL.identifier(f"{LINE_VIEW}_partner_date_index"),
            )
        )
        self._set_refreshed_at()

    def refresh(self, force=False):
        """Refresh the view.

        Without ``force``, only when invoices or invoiced order lines changed
        since the last refresh. Readers are not blocked while it runs.
        Return whether it was refreshed.
        """
        self.env.flush_all()
        if not force and not self._changed_since_refresh():
            return False
        self.env.cr.execute(
            SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY %s", SQL.identifier(LINE_VIEW))
        )
        self._set_refreshed_at()
        _logger.info("Margin per customer: invoice lines refreshed")
        return True

    def daily_refresh_due(self):
        """Whether the view must be refreshed whatever changed: costs, rates
        and units may change too, so at least once a day. A refresh time more
        than a day ahead cannot be trusted either."""
        refreshed_at = self.refreshed_at()
        return not refreshed_at or abs(self.env.cr.now() - refreshed_at) > timedelta(days=1)

    def refreshed_at(self):
        """Time of the last refresh, or None when unknown.

        The system parameter can be edited by hand: a value that is not a
        datetime counts as no refresh, so that the next one runs in full and
        writes a valid time again, instead of failing at every run.
        """
        # sudo: the refresh time is technical, read whoever opens the report
        refreshed_at = self.env["ir.config_parameter"].sudo().get_param(REFRESHED_AT_KEY)
        if not refreshed_at:
            return None
        try:
            return fields.Datetime.to_datetime(refreshed_at)
        except ValueError:
            _logger.warning(
                "Margin per customer: refresh time %r is not a datetime, refreshing in full",
                refreshed_at,
            )
            return None

    def _set_refreshed_at(self):
        # sudo: the refresh time is technical, whoever triggers the refresh
        self.env["ir.config_parameter"].sudo().set_param(
            REFRESHED_AT_KEY, fields.Datetime.to_string(self.env.cr.now())
        )

    def _changed_since_refresh(self):
        """Whether customer invoices or invoiced order lines changed since the
        last refresh (looking ``REFRESH_MARGIN_MINUTES`` further back, for
        transactions that were running when it started)."""
        refreshed_at = self.refreshed_at()
        if not refreshed_at:
            return True
        since = refreshed_at - timedelta(minutes=REFRESH_MARGIN_MINUTES)
        # an EXISTS on write dates of two tables, which the ORM would run as
        # two searches
        return bool(
            self.env.execute_query(
                SQL(
                    """
                    SELECT 1 WHERE EXISTS (
                        SELECT 1 FROM account_move
                         WHERE write_date > %(since)s
                           AND move_type IN ('out_invoice', 'out_refund'))
                    OR EXISTS (
                        SELECT 1 FROM sale_order_line
                         WHERE write_date > %(since)s AND qty_invoiced != 0)
                    """,
                    since=since,
                )
            )
        )
