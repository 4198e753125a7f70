# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The generation of the data set, step by step, in one transaction.

Order matters: the random numbers are drawn in this order from one seed, so
that every build is the same; the plans (temp tables ``bench_*``) are made
before anything is written, because documents, payments and reconciliations
point to each other's ids.
"""

from odoo import fields

from .bulk import BULK_TABLES, bulk_load
from .consistency import log
from .customers import finish_partners, plan_customers, write_customers
from .deals import DEAL_TABLES, plan_won_deals, write_won_deals
from .documents import plan_documents, write_documents
from .leads import make_opportunities
from .orders import make_sale_orders
from .prototypes import make_prototypes
from .reconciliations import (
    plan_reconciliations,
    write_full_reconciles,
    write_partials,
)
from .settlements import plan_payments, write_settlements


class Generator:
    """Generate the data set in one transaction on ``env``."""

    def __init__(self, env, params):
        self.env = env
        self.cr = env.cr
        self.params = params
        self.today = fields.Date.context_today(env.user)
        self.company = env.company
        self.counts = {}

    def plan(self, prototypes):
        """The plans of every document, payment and reconciliation (temp tables)."""
        cr, params, today = self.cr, self.params, self.today
        n_docs = plan_documents(cr, params, today, prototypes)
        n_pay, n_st = plan_payments(cr, params, today, prototypes)
        n_rec, n_full = plan_reconciliations(cr)
        log(
            f"planned {n_docs} invoices and credit notes, {n_pay} payments "
            f"({n_st} by bank statement), {n_rec} reconciliations ({n_full} full)"
        )

    def write(self, prototypes):
        """Write the planned accounting in bulk: full reconciles first (items point to them)."""
        cr, counts = self.cr, self.counts
        with bulk_load(cr, BULK_TABLES):
            counts["full_reconciles"] = write_full_reconciles(cr)
            counts.update(write_documents(cr, prototypes))
            counts.update(write_settlements(cr, prototypes))
            counts["partial_reconciles"] = write_partials(cr, prototypes, counts["full_reconciles"])
        # as the bridge fills it on install: the last matching of each paid
        # invoice (a copy would hold the prototype's date)
        self.env["account.move"]._fill_full_payment_date()
        # the bulk load skips triggers (bulk_load), those of the bridge's open
        # item summary too: build it as installing the bridge on these books would
        self.env["account.move.line"]._rebuild_open_item_summary()
        finish_partners(cr, self.company.id)

    def run(self):
        """Generate everything; return the counts of what was written."""
        env, cr = self.env, self.cr
        prototypes = make_prototypes(env, self.today)
        env.flush_all()
        plan_customers(cr, self.params)
        self.counts.update(write_customers(cr, prototypes))
        self.plan(prototypes)
        self.write(prototypes)
        # Commit the bulk load: indexes built in a transaction that also
        # updated their table are not used until it ends (pg_index.indcheckxmin),
        # and the ORM steps below would then scan whole tables.
        env.flush_all()
        cr.commit()
        cr.execute("ANALYZE")
        env.invalidate_all()
        # before the open opportunities: these keep the highest ids, so that
        # the first page of the pipeline (newest first) is still theirs
        self.write_won_deals(prototypes)
        self.counts["opportunities"] = make_opportunities(env, self.params)
        self.counts["sale_orders"] = make_sale_orders(env, self.params, prototypes.product)
        env.flush_all()
        env.invalidate_all()
        return self.counts

    def write_won_deals(self, prototypes):
        """Won opportunities whose orders the invoices invoice (bulk, like the invoices)."""
        env, cr = self.env, self.cr
        lead, order = plan_won_deals(env, self.params, prototypes)
        env.flush_all()
        with bulk_load(cr, DEAL_TABLES):
            self.counts.update(write_won_deals(env, lead, order, prototypes.tax))
        env.invalidate_all()
