# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CrmCreditAlertCommon

# Fields of a kanban card: the lead's own, then the alert.
CARD_FIELDS = ("name", "partner_id", "company_id", "stage_id", "active", "user_id")
ALERT_FIELDS = ("credit_alert_level", "credit_alert_message")
# Upper bound of the queries adding the alert to a kanban page (measured 10
# and 11 here): the accounting readiness's checks, one statement of the
# open receivable figures with the credit limits and sales to invoice
# (``_read_figures``), the company's policy, currency, user and language.
# Was 20 when the credit limits and sales to invoice were read apart.
MAX_ALERT_QUERIES = 11


@tagged("post_install", "-at_install")
class TestCreditAlertQueries(CrmCreditAlertCommon):
    """A kanban page costs the same queries whatever the leads or invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"].create(
            [{"name": f"Queried customer {index}", "is_company": True} for index in range(80)]
        )
        cls._use_credit_limit(*customers, limit=1000.0)
        cls.big_customer = customers[0]
        cls.template_invoice = cls._create_invoice(cls.big_customer, 100, -100, -70)
        for customer in customers[1:4]:
            cls._create_invoice(customer, 900, -20, 10)
        cls.order_customer = customers[40]
        cls._create_order(cls.order_customer, 1500.0, confirm=True)
        contacts = cls.env["res.partner"].create(
            [
                {"name": f"Queried contact {index}", "parent_id": customer.id}
                for index, customer in enumerate(customers[40:])
            ]
        )
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Queried deal {index}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": cls.salesman.id,
                }
                for index, partner in enumerate(customers[:40] + contacts)
            ]
        )

    def _queries_to_read(self, leads):
        """Queries of the alert on a page already read, once registry caches
        (ir.default, rates) are warm, as on a server that served a request."""
        self._read_page(leads)
        return self._read_page(leads)

    def _read_page(self, leads):
        self.env.invalidate_all()
        leads = leads.with_user(self.salesman).browse(leads.ids)
        leads.fetch(CARD_FIELDS)  # the page's own read
        leads.partner_id.fetch(["commercial_partner_id"])
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        values = [lead[name] for lead in leads for name in ALERT_FIELDS]
        self.assertEqual(len(values), 2 * len(leads))
        return self.env.cr.sql_log_count - start

    def test_one_or_eighty_leads(self):
        # the single lead has every kind of data of the page: a contact of a
        # customer with invoices, a credit limit and an order not yet invoiced
        single = self.leads.filtered(lambda lead: lead.partner_id.parent_id == self.order_customer)
        self._create_invoice(self.order_customer, 100, -100, -70)
        one = self._queries_to_read(single)
        eighty = self._queries_to_read(self.leads)
        self.assertEqual(one, eighty)
        self.assertLessEqual(eighty, MAX_ALERT_QUERIES)

    def test_few_or_many_invoices(self):
        few = self._queries_to_read(self.leads)
        self._clone_invoice(self.template_invoice, 5000, batch=1)
        self.env.invalidate_all()
        self.assertEqual(self.big_customer.overdue_invoice_count, 5001)
        many = self._queries_to_read(self.leads)
        self.assertEqual(few, many)
        lead = self.leads[0]
        self.assertEqual(lead.partner_id, self.big_customer)
        self.assertEqual(self._alert(lead)[0], "block")
        self.assertIn("5,001 overdue invoices", self._alert(lead)[1])

    def test_kanban_read_as_the_web_client_does(self):
        """``web_search_read`` of 80 cards: the alert adds a fixed number of
        queries to the same read without it."""
        spec = {name: {} for name in CARD_FIELDS}
        spec["partner_id"] = {"fields": {"display_name": {}}}
        leads = self.env["crm.lead"].with_user(self.salesman)
        domain = [("id", "in", self.leads.ids)]

        def count(specification):
            for _warm in range(2):
                self.env.invalidate_all()
                start = self.env.cr.sql_log_count
                result = leads.web_search_read(domain, specification, limit=80)
            self.assertEqual(result["length"], 80)
            return self.env.cr.sql_log_count - start

        plain = count(spec)
        with_alert = count(dict(spec, **{name: {} for name in ALERT_FIELDS}))
        self._clone_invoice(self.template_invoice, 2000, batch=2)
        with_alert_many = count(dict(spec, **{name: {} for name in ALERT_FIELDS}))
        self.assertEqual(with_alert, with_alert_many)
        self.assertLessEqual(with_alert - plain, MAX_ALERT_QUERIES)

    def test_search_costs_the_same_whatever_the_invoices(self):
        leads = self.env["crm.lead"].with_user(self.salesman)
        domain = [("credit_alert_level", "=", "block")]

        def count():
            for _warm in range(2):
                self.env.invalidate_all()
                start = self.env.cr.sql_log_count
                found = leads.search(domain)
            return self.env.cr.sql_log_count - start, found

        few, found_few = count()
        self._clone_invoice(self.template_invoice, 2000, batch=3)
        many, found_many = count()
        self.assertEqual(few, many)
        self.assertEqual(found_few, found_many)
        self.assertIn(self.leads[0], found_few)
