# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Opportunities, sale orders and their invoices, as Odoo makes them.

Orders are created and confirmed in batches, invoiced by the order's own
*Create Invoice* (``_create_invoices``) and posted with ``action_post``, so
that costs (``sale_margin``), taxes, due dates and journal items are Odoo's.
Only the dates are moved into the past: the documents' own dates before
posting, the creation dates of opportunities and orders afterwards.
"""

from datetime import datetime, time, timedelta

from odoo import Command
from odoo.tools import SQL

from .cast import Text
from .plan import Sale

# chatter tracking of thousands of historical documents is slow and says
# nothing: the story's own messages (overrides, connector) are kept
QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
}
BATCH = 100
# crm's own stages
STAGES = {
    "new": "crm.stage_lead1",
    "qualified": "crm.stage_lead2",
    "proposition": "crm.stage_lead3",
    "won": "crm.stage_lead4",
}


class Sales:
    def __init__(self, setup):
        self.setup = setup
        self.env = setup.env(context=dict(setup.env.context, **QUIET))
        self.plan = setup.plan
        self.lang = setup.lang
        self.orders = {}  # sale key: sale.order
        self.invoices = {}  # sale key: account.move
        self.leads = {}  # lead key: crm.lead
        self._created = {}  # crm.lead id: the day it was created

    def _stage(self, name):
        return self.env.ref(STAGES[name])

    # -- opportunities -----------------------------------------------------
    def opportunities(self):
        """Open and lost opportunities of the plan, and the prospects' leads."""
        setup, env = self.setup, self.env
        values = []
        for lead in self.plan.leads:
            if lead.customer:
                customer = lead.customer
                company = setup.companies[customer.company]
                partner = setup.contacts[customer.key]
                name = title(customer.name, lead.name, self.lang)
                user, team = setup.users[customer.seller], setup.teams[customer.team]
            else:
                company_name, city, contact = lead.prospect
                company = setup.companies["casa"]
                partner = env["res.partner"]
                name = title(company_name, lead.name, self.lang)
                user, team = setup.users["salesperson"], setup.teams["sales"]
            stage = "new" if lead.stage == "lost" else lead.stage
            values.append(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "partner_name": "" if partner else company_name,
                    "contact_name": "" if partner else contact,
                    "city": "" if partner else city,
                    "country_id": False if partner else env.ref("base.ma").id,
                    "company_id": company.id,
                    "user_id": user.id,
                    "team_id": team.id,
                    "stage_id": self._stage(stage).id,
                    "expected_revenue": lead.expected_revenue,
                    "date_deadline": self.plan.today + timedelta(days=lead.deadline),
                    "priority": "2" if lead.expected_revenue >= 150_000 else "1",
                }
            )
        records = env["crm.lead"].create(values)
        today = self.plan.today
        for lead, record in zip(self.plan.leads, records, strict=True):
            self.leads[lead.key] = record
            self._created[record.id] = today - timedelta(days=lead.age)
            if lead.stage == "lost":
                record.action_set_lost(lost_reason_id=env.ref(lead.lost_reason).id)

    def _won_leads(self, sales):
        """One won opportunity per order that was won from one."""
        setup, env = self.setup, self.env
        won = [sale for sale in sales if sale.project]
        records = env["crm.lead"].create(
            [
                {
                    "name": title(sale.customer.name, sale.project, self.lang),
                    "type": "opportunity",
                    "partner_id": setup.contacts[sale.customer.key].id,
                    "company_id": setup.companies[sale.customer.company].id,
                    "user_id": setup.users[sale.customer.seller].id,
                    "team_id": setup.teams[sale.customer.team].id,
                    "stage_id": self._stage("proposition").id,
                    "expected_revenue": _untaxed(sale.lines),
                }
                for sale in won
            ]
        )
        records.write({"stage_id": self._stage("won").id})
        for sale, record in zip(won, records, strict=True):
            self.leads[f"won-{sale.key}"] = record
            self._created[record.id] = sale.order_date(self.plan.today) - timedelta(days=21)
            closed = datetime.combine(sale.order_date(self.plan.today), time(10))
            record.write({"date_closed": closed, "date_deadline": closed.date()})
        return dict(zip((sale.key for sale in won), records, strict=True))

    # -- orders ----------------------------------------------------------------
    def orders_and_invoices(self):
        """Every order of the plan, confirmed or not, and the invoices of the invoiced ones."""
        sales = sorted(self.plan.sales, key=lambda sale: (-sale.day, sale.key))
        won = self._won_leads(sales)
        quotations = self._quotations()
        for company_key, company in self.setup.companies.items():
            company_sales = [s for s in sales if s.customer.company == company_key]
            env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
            for start in range(0, len(company_sales), BATCH):
                self._create_orders(env, company, company_sales[start : start + BATCH], won)
            self._create_orders(
                env, company, [q for q in quotations if q.customer.company == company_key], {}
            )
            self._invoice(env, [s for s in company_sales if s.state == "invoiced"])
        self._backdate()

    def _backdate(self):
        """Date the opportunities' and orders' creation in the past, as they were.

        The ORM sets ``create_date`` itself and lets nobody write it: one
        statement per table gives the pipeline analysis its history. No
        accounting figure reads these dates.
        """
        env = self.env
        env.flush_all()
        leads = [(lead_id, _moment(day)) for lead_id, day in self._created.items()]
        orders = [(order.id, order.date_order) for order in self.orders.values()]
        for table, rows, also in (
            ("crm_lead", leads, ("date_open",)),
            ("sale_order", orders, ()),
        ):
            if not rows:
                continue
            columns = [SQL.identifier("create_date")] + [SQL.identifier(c) for c in also]
            env.cr.execute(
                SQL(
                    "UPDATE %s AS t SET %s FROM (VALUES %s) AS v(id, day) WHERE t.id = v.id",
                    SQL.identifier(table),
                    SQL(", ").join(SQL("%s = v.day", column) for column in columns),
                    SQL(", ").join(SQL("(%s, %s::timestamp)", row_id, day) for row_id, day in rows),
                )
            )
        env.invalidate_all()

    def _quotations(self):
        """Quotations of the opportunities at the proposition stage."""
        quotations = []
        for lead in self.plan.leads:
            if lead.quotation:
                quotations.append(
                    Sale(
                        key=f"quotation-{lead.key}",
                        customer=lead.customer,
                        day=1 + lead.age % 5,  # after the opportunity, days ago
                        lines=lead.quotation,
                        state="quotation",
                    )
                )
                self.leads[f"quotation-{lead.key}"] = self.leads[lead.key]
        return quotations

    def _create_orders(self, env, company, sales, won):
        if not sales:
            return
        setup = self.setup
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": setup.customers[sale.customer.key].id,
                    "company_id": company.id,
                    "user_id": setup.users[sale.customer.seller].id,
                    "team_id": setup.teams[sale.customer.team].id,
                    "opportunity_id": (
                        won.get(sale.key) or self.leads.get(sale.key) or env["crm.lead"]
                    ).id,
                    "date_order": _moment(sale.order_date(self.plan.today)),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": setup.products[line.code].id,
                                "product_uom_qty": line.quantity,
                                "price_unit": line.price,
                                "discount": line.discount,
                            }
                        )
                        for line in sale.lines
                    ],
                }
                for sale in sales
            ]
        )
        for sale, order in zip(sales, orders, strict=True):
            self.orders[sale.key] = order
        confirmed = [(s, o) for s, o in zip(sales, orders, strict=True) if s.state != "quotation"]
        if confirmed:
            env["sale.order"].union(*(order for _s, order in confirmed)).action_confirm()
            # confirming dates the order today: it was confirmed then
            for sale, order in confirmed:
                order.date_order = _moment(sale.order_date(self.plan.today))

    def _invoice(self, env, sales):
        """Invoice the orders (one invoice each), date the invoices, post them in date order."""
        if not sales:
            return
        orders = env["sale.order"].union(*(self.orders[sale.key] for sale in sales))
        invoices = orders._create_invoices(grouped=True)
        by_order = {
            invoice.invoice_line_ids.sale_line_ids.order_id: invoice for invoice in invoices
        }
        today = self.plan.today
        for sale in sales:
            invoice = by_order[self.orders[sale.key]]
            self.invoices[sale.key] = invoice
            invoice.write({"invoice_date": sale.invoice_date(today)})
        posted = sorted(sales, key=lambda sale: (sale.invoice_date(today), sale.key))
        env["account.move"].union(*(self.invoices[sale.key] for sale in posted)).action_post()


def title(customer_name, project, lang):
    """An opportunity's name: the customer and the project (French puts a space before ':')."""
    return Text(f"{customer_name}: {project.en}", f"{customer_name} : {project.fr}")(lang)


def _moment(day):
    """10:00 on ``day``: a time of the working day in Casablanca and Lyon."""
    return datetime.combine(day, time(10))


def _untaxed(lines):
    return round(sum(line.quantity * line.price * (1 - line.discount / 100) for line in lines), 2)
