# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

from ..queries.credit import (
    CREDIT_COLUMNS,
    CREDIT_LIMIT,
    CREDIT_PARTNER,
    SALES_TO_INVOICE,
    credit,
    with_credit,
)
from ..queries.monthly import monthly
from ..queries.receivable import receivable
from ..queries.sales_to_invoice import SALES_TO_INVOICE_SOURCES, sales_to_invoice
from ..queries.scope import SnapshotScope, company_scope
from ..queries.snapshot import SNAPSHOT_SOURCES, snapshot

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
    "paid_invoice_count",
    "last_payment_date",
)
# The figures of open receivable items alone (see ``_receivable_query``).
RECEIVABLE_FIELDS = (
    "receivable_balance",
    "overdue_amount",
    "overdue_invoice_count",
    "oldest_overdue_days",
    "overdue_owed_amount",
    "unallocated_credit_amount",
    "unallocated_credit_count",
    "aging_not_due",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
)


class PartnerFinancialSnapshot(models.AbstractModel):
    """Single source of the money facts shown to sales.

    Every figure of the snapshot comes from one SQL statement over posted
    journal items, so that the partner fields, the Customer 360 report and the
    addons built on the bridge (credit alerts, connectors) can never disagree.
    Other addons extend the statement through ``_snapshot_query`` rather than
    recomputing figures of their own. The statements are built in plain
    Python by ``queries`` (receivable, snapshot, sales_to_invoice); this
    model decides their scope (company group, partners, date) and reads them.
    """

    _name = "partner.financial.snapshot"
    _description = "Partner Financial Snapshot"

    @api.model
    def _snapshot_company(self):
        """The current company: the snapshot reads the books of its whole
        group, its root company and every branch (see ``_company_scope``),
        and sales to invoice of this company alone, as Odoo's own figures."""
        return self.env.company

    @api.model
    def _snapshot_root_path(self):
        """The ``parent_path`` of the current company's root company, whose
        group's books the snapshot reads."""
        # sudo: the root company may not be one of the user's companies;
        # only its parent_path is read
        return self._snapshot_company().root_id.sudo().parent_path

    @api.model
    def _snapshot_scope(self, partner_ids, today):
        """The scope of the snapshot's parts: the current company's group,
        the commercial entities ``partner_ids`` (None: all), ``today``."""
        return SnapshotScope(self._snapshot_root_path(), partner_ids, today)

    @api.model
    def _company_scope(self, column):
        """Restrict ``column`` to the current company's group: its root
        company and every branch of it, a branch's siblings included.

        This is the scope Odoo's own ``credit`` field uses for credit limits,
        so that ``credit_available`` agrees with the sale order warning.
        """
        return company_scope(column, self._snapshot_root_path())

    @api.model
    def _receivable_query(self, partner_ids=None, today=None, grace_days=0, columns=None):
        """Return the SQL of the open receivable figures, one row per commercial entity.

        Columns: ``partner_id`` and every name of ``RECEIVABLE_FIELDS``, never
        NULL. Partners without open receivable items have no row. This is the
        part of the snapshot that reads open items only: the snapshot joins
        it to the other figures, and callers that need only what is owed and
        how late (credit alerts) run it alone, without paying for revenue and
        payment habits. ``grace_days`` as in ``_snapshot_query``; ``columns``:
        only these names of ``RECEIVABLE_FIELDS`` (all by default).
        """
        today = today or fields.Date.context_today(self)
        return receivable(self._snapshot_scope(partner_ids, today), grace_days, columns)

    @api.model
    def _snapshot_query(self, partner_ids=None, today=None, grace_days=0):
        """Return the SQL computing the snapshot, one row per commercial entity.

        Columns: ``partner_id`` and every name of ``SNAPSHOT_FIELDS``. Partners
        without any accounting data have no row. Amounts are in the company
        currency of the journal items, the one currency of the current
        company's group (a branch has its root company's).
        ``grace_days`` lets a policy (credit alerts) count an item as overdue
        only once it is more than that many days past due; the aging buckets
        always count from the due date.
        """
        today = today or fields.Date.context_today(self)
        return snapshot(
            self._snapshot_scope(partner_ids, today),
            self._receivable_query(partner_ids, today=today, grace_days=grace_days),
            since=today - timedelta(days=LTM_DAYS),
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
    def _read_figures(self, partner_ids, grace_days=0, receivable_only=False):
        """Return ``(figures, credit figures)`` of ``partner_ids`` in one statement.

        ``figures`` as ``_read_snapshot`` returns them, or as
        ``_read_receivable`` with ``receivable_only``; ``credit figures`` as
        ``_read_credit``. One statement rather than two or three: on a page
        of ordinary customers, each statement costs more to plan and send
        than to run.
        """
        if not partner_ids:
            return {}, {}
        credit_part = self._credit_query(partner_ids)
        if receivable_only:
            figures_query = self._receivable_query(partner_ids, grace_days=grace_days)
        else:
            figures_query = self._snapshot_query(partner_ids, grace_days=grace_days)
        self._flush_snapshot_sources()
        if credit_part is None:
            rows = self.env.execute_query_dict(figures_query)
            return {row.pop("partner_id"): row for row in rows}, {}
        self._flush_sales_to_invoice_sources()
        figures, credit_rows = {}, []
        for row in self.env.execute_query_dict(
            with_credit(figures_query, credit_part, partner_ids)
        ):
            credit_row = {name: row.pop(name) for name in CREDIT_COLUMNS}
            partner_id = row.pop("partner_id")
            if partner_id is not None:
                figures[partner_id] = row
            if credit_row[CREDIT_PARTNER] is not None:
                credit_rows.append(credit_row)
        return figures, self._credit_figures_of(credit_rows)

    @api.model
    def _credit_query(self, partner_ids):
        """The SQL of the credit limits and sales to invoice of the commercial
        entities ``partner_ids`` under a limit (``queries.credit``), or None
        when the company does not use credit limits."""
        company = self._snapshot_company()
        if not company.account_use_credit_limit:
            return None
        # sudo: the credit limit is restricted to accounting groups, but the
        # figures built on it are meant for salespeople too; Odoo's own
        # expression of the field, its company default included
        partners = self.env["res.partner"].sudo().with_company(company)
        return credit(company.id, partners._field_to_sql("partner", "credit_limit"), partner_ids)

    @api.model
    def _read_credit(self, partner_ids):
        """Return ``{commercial partner id: (credit limit, sales to invoice)}``.

        Odoo's own ``credit_limit`` (with the company default) and the figure
        of its ``credit_to_invoice`` (see ``_read_sales_to_invoice``), so that
        the snapshot agrees with the credit warning of sale orders. Only
        partners under a credit limit appear; none when the company does not
        use credit limits.
        """
        credit_part = partner_ids and self._credit_query(partner_ids)
        if not credit_part:
            return {}
        self._flush_sales_to_invoice_sources()
        return self._credit_figures_of(self.env.execute_query_dict(credit_part))

    @api.model
    def _credit_figures_of(self, credit_rows):
        """``{partner id: (limit, sales to invoice)}`` of rows of ``queries.credit``."""
        return {
            row[CREDIT_PARTNER]: (
                row[CREDIT_LIMIT],
                # most customers have no order left to invoice: nothing to convert
                self._sales_to_invoice_amount(row[CREDIT_PARTNER], row[SALES_TO_INVOICE])
                if row[SALES_TO_INVOICE]
                else 0.0,
            )
            for row in credit_rows
        }

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
    def _read_monthly(self, partner_ids, first_month):
        """Return ``{commercial partner id: {month: figures}}`` in one query.

        The revenue and the payment habits of the snapshot, month by month
        since ``first_month`` (see ``queries.monthly``): ``figures`` has
        ``revenue``, and for the months in which invoices were paid in full
        ``avg_delay``, ``late_rate`` and ``paid_count``.
        """
        if not partner_ids:
            return {}
        self._flush_snapshot_sources()
        today = fields.Date.context_today(self)
        rows = self.env.execute_query_dict(
            monthly(self._snapshot_scope(partner_ids, today), first_month)
        )
        figures = defaultdict(lambda: defaultdict(dict))
        for row in rows:
            month = figures[row["partner_id"]][row["month"]]
            if row["kind"] == "revenue":
                month["revenue"] = float(row["revenue"])
            else:
                month.update(
                    avg_delay=float(row["avg_delay"]),
                    late_rate=float(row["late_rate"]),
                    paid_count=row["paid_count"],
                )
        return {partner_id: dict(months) for partner_id, months in figures.items()}

    @api.model
    def _sales_to_invoice_query(self, partner_ids):
        """Return the SQL of the confirmed sales not yet invoiced of ``partner_ids``.

        This is Odoo's ``credit_to_invoice`` (sale), which the credit limit
        warning of sale orders adds to the receivable, as one statement over
        stored columns: the same orders (confirmed, of the current company,
        with something left to invoice, invoiced to any address of the
        customer, archived ones included), and per line the same amount
        (total price per ordered unit times the ordered or delivered
        quantity, by the product's invoicing policy, minus the quantity on
        posted invoices, rounded like the field). Odoo computes it by loading
        every order, line and product, which costs more than the whole
        snapshot.

        One row per invoice address and order currency (Odoo converts each to
        the company currency separately): ``partner_invoice_id``,
        ``partner_id`` (commercial entity), ``currency_id``, ``amount`` in
        the order currency, and ``converted``: an invoice line in another
        unit than its order line, whose conversion only Odoo's units know.
        """
        return sales_to_invoice(self._snapshot_company().id, partner_ids)

    @api.model
    def _read_sales_to_invoice(self, partner_ids):
        """Return ``{commercial partner id: sales to invoice}`` in the company currency.

        Equal to Odoo's ``credit_to_invoice`` of these partners (see
        ``_sales_to_invoice_query``), in one query. Customers with an invoice
        line in another unit than its order line are left to Odoo's own
        computation. Partners without confirmed sales to invoice are absent.
        """
        if not partner_ids:
            return {}
        self._flush_sales_to_invoice_sources()
        amounts = defaultdict(list)
        rows = self.env.execute_query(self._sales_to_invoice_query(partner_ids))
        for _invoice_partner_id, partner_id, currency_id, amount, converted in rows:
            amounts[partner_id].append((currency_id, amount, converted))
        return {
            partner_id: self._sales_to_invoice_amount(partner_id, partner_amounts)
            for partner_id, partner_amounts in amounts.items()
        }

    @api.model
    def _flush_sales_to_invoice_sources(self):
        """Write pending ORM changes the statement of sales to invoice reads."""
        for model_name, field_names in SALES_TO_INVOICE_SOURCES.items():
            self.env[model_name].flush_model(field_names)

    @api.model
    def _sales_to_invoice_amount(self, partner_id, amounts):
        """The sales to invoice of ``partner_id`` in the company currency,
        from its ``(currency id, amount, converted)`` per invoice address and
        order currency: converted and rounded one by one, as Odoo does. An
        invoice line in another unit than its order line (``converted``)
        leaves the whole figure to Odoo's own computation."""
        company = self._snapshot_company()
        if any(converted for _currency_id, _amount, converted in amounts):
            # sudo: an aggregate for the snapshot; Odoo restricts the field to
            # accounting groups
            partner = self.env["res.partner"].sudo().with_company(company).browse(partner_id)
            return partner.credit_to_invoice
        company_currency = company.currency_id
        today = fields.Date.context_today(self)
        total = 0.0
        for currency_id, amount, _converted in amounts:
            total = company_currency.round(
                total
                + self.env["res.currency"]
                .browse(currency_id)
                ._convert(float(amount), company_currency, company, today)
            )
        return total

    @api.model
    def _empty_snapshot(self):
        """Values of a partner that has no posted accounting data."""
        values = dict.fromkeys(SNAPSHOT_FIELDS, 0)
        values["last_payment_date"] = False
        return values
