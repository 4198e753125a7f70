# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

import pytz

from odoo import fields, models
from odoo.tools import SQL

# a bound customer "has an address" with a street and a city
_SHARES = SQL(
    """COUNT(*) AS bound,
       COUNT(*) FILTER (WHERE COALESCE(p.vat, '') <> '') AS with_vat,
       COUNT(*) FILTER (WHERE COALESCE(p.email, '') <> '') AS with_email,
       COUNT(*) FILTER (WHERE COALESCE(p.phone, '') <> '' OR COALESCE(p.mobile, '') <> '')
           AS with_phone,
       COUNT(*) FILTER (WHERE COALESCE(p.street, '') <> '' AND COALESCE(p.city, '') <> '')
           AS with_address"""
)


class ExternalCrmEventStat(models.Model):
    """Per backend and day: what arrived, what it became, how fast, how complete.

    Events count on the day they were received, in the user's time zone (the
    chart's "today" is the user's). The shares are those of the customers
    bound up to that day, with their data as it is now.
    """

    _name = "external.crm.event.stat"
    _description = "External CRM Statistics"
    _auto = False
    _order = "day desc"
    _rec_name = "day"
    _depends = {
        "external.crm.event": [
            "backend_id",
            "company_id",
            "received_at",
            "state",
            "sync_delay",
            "external_modified_at",
            "dry_run",
        ],
        "external.crm.binding": ["backend_id", "partner_id", "active"],
        "res.partner": ["vat", "email", "phone", "mobile", "street", "city"],
    }

    backend_id = fields.Many2one("external.crm.backend", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    day = fields.Date(readonly=True)
    received_count = fields.Integer(string="Received", readonly=True)
    done_count = fields.Integer(string="Done", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    conflict_count = fields.Integer(string="Conflicts", readonly=True)
    median_delay = fields.Float(
        string="Median Delay (s)",
        readonly=True,
        aggregator="avg",
        help="Median of the seconds from the change in the external CRM to Odoo.",
    )
    bound_count = fields.Integer(string="Bound Customers", readonly=True, aggregator="max")
    share_vat = fields.Float(string="With VAT (%)", readonly=True, aggregator="avg")
    share_email = fields.Float(string="With E-mail (%)", readonly=True, aggregator="avg")
    share_phone = fields.Float(string="With Phone (%)", readonly=True, aggregator="avg")
    share_address = fields.Float(string="With Address (%)", readonly=True, aggregator="avg")

    def _tz(self):
        """The user's time zone, as ``fields.Date.context_today`` reads it."""
        tz = self.env.context.get("tz") or self.env.user.tz
        return tz if tz in pytz.all_timezones_set else "UTC"

    @property
    def _table_query(self):
        return SQL(
            """SELECT d.first_id AS id, d.backend_id, d.company_id, d.day,
                      d.received_count, d.done_count, d.failed_count, d.conflict_count,
                      d.median_delay, s.bound AS bound_count,
                      100.0 * s.with_vat / NULLIF(s.bound, 0) AS share_vat,
                      100.0 * s.with_email / NULLIF(s.bound, 0) AS share_email,
                      100.0 * s.with_phone / NULLIF(s.bound, 0) AS share_phone,
                      100.0 * s.with_address / NULLIF(s.bound, 0) AS share_address
                 FROM (
                    SELECT MIN(e.id) AS first_id, e.backend_id, e.company_id,
                           (e.received_at AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                               AS day,
                           COUNT(*) AS received_count,
                           COUNT(*) FILTER (WHERE e.state IN ('done', 'duplicate'))
                               AS done_count,
                           COUNT(*) FILTER (WHERE e.state IN ('failed', 'rejected'))
                               AS failed_count,
                           COUNT(*) FILTER (WHERE e.state = 'conflict') AS conflict_count,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY e.sync_delay)
                               FILTER (WHERE e.state = 'done' AND NOT COALESCE(e.dry_run, FALSE)
                                       AND e.external_modified_at IS NOT NULL)
                               AS median_delay
                      FROM external_crm_event e
                  GROUP BY e.backend_id, e.company_id, 4
                 ) d
            LEFT JOIN LATERAL (
                    SELECT %(shares)s
                      FROM external_crm_binding b
                      JOIN res_partner p ON p.id = b.partner_id
                     WHERE b.backend_id = d.backend_id AND b.active
                       AND (b.create_date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                           <= d.day
                 ) s ON TRUE""",
            shares=_SHARES,
            tz=self._tz(),
        )

    def _daily_rows(self, backend, days=14):
        """The last ``days`` days of ``backend``, oldest first, missing days as zero."""
        if not backend:
            return []
        today = fields.Date.context_today(self)
        since = today - timedelta(days=days - 1)
        found = {
            row.day: row
            for row in self.search([("backend_id", "=", backend.id), ("day", ">=", since)])
        }
        rows = []
        for offset in range(days):
            day = since + timedelta(days=offset)
            row = found.get(day)
            rows.append(
                {
                    "day": day,
                    "received": row.received_count if row else 0,
                    "done": row.done_count if row else 0,
                    "failed": row.failed_count if row else 0,
                    "median_delay": row.median_delay if row else 0.0,
                }
            )
        return rows

    def _chart_geometry(self, rows, height=120, bar=6, gap=4):
        """Bar positions of an SVG chart: received, done and failed per day."""
        top = max([row["received"] for row in rows] + [1])
        bars = []
        width = len(rows) * (3 * bar + gap) + gap
        for index, row in enumerate(rows):
            x = gap + index * (3 * bar + gap)
            for shift, key in enumerate(("received", "done", "failed")):
                value_height = round(height * row[key] / top, 1)
                bars.append(
                    {
                        "x": x + shift * bar,
                        "y": height - value_height,
                        "height": value_height,
                        "width": bar - 1,
                        "kind": key,
                        "title": f"{row['day']}: {row[key]} {key}",
                    }
                )
        return {"width": width, "height": height, "bars": bars, "top": top}

    def _bound_customer_shares(self, backends):
        """Current shares of bound customers with VAT, e-mail, phone, address (%)."""
        if not backends:
            return {}
        self.env["external.crm.binding"].flush_model()
        self.env["res.partner"].flush_model(["vat", "email", "phone", "mobile", "street", "city"])
        rows = self.env.execute_query(
            SQL(
                """SELECT b.backend_id, %s
                     FROM external_crm_binding b
                     JOIN res_partner p ON p.id = b.partner_id
                    WHERE b.backend_id IN %s AND b.active
                 GROUP BY b.backend_id""",
                _SHARES,
                tuple(backends.ids),
            )
        )
        return {
            backend_id: {
                "vat": 100.0 * vat / bound,
                "email": 100.0 * email / bound,
                "phone": 100.0 * phone / bound,
                "address": 100.0 * address / bound,
            }
            for backend_id, bound, vat, email, phone, address in rows
            if bound
        }
