# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Won deals of the API providers become sale orders: the scenarios they share.

``ProviderOrdersCase`` holds each scenario once (a won deal, no line items,
an unknown product, a second currency, a rate limit or a server error while
the lines are read, lines changed before and after confirmation, a lost
deal, several deals in one delivery); a provider's test class says how its
fake CRM holds a deal and its line items (``_put_deal``), how the provider
delivers a change of deals (``_payloads``) and which requests read line
items (``LINE_PATHS``), so that every provider passes the same scenarios
end to end: real HTTP to its fake on loopback, the inbox, the processor.
"""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields

from odoo.addons.queue_job.job import Job

from .clock import moment
from .common import ExternalCrmCase

# (product code, name, quantity, unit price, discount in percent): the lines
# of the providers' samples (../shared/samples)
SAMPLE_LINES = (
    ("CAR-6060", "Palette de carreaux 60x60", 3.0, 1200.0, 10.0),
    ("LIV-CASA", "Livraison Casablanca", 1.0, 450.0, 0.0),
)
CHANGED_LINES = (("CAR-6060", "Palette de carreaux 60x60", 5.0, 1100.0, 0.0),)
UNKNOWN_LINE = ("NOPE-1", "Carreau mystère", 1.0, 10.0, 0.0)


class ProviderOrdersCase(ExternalCrmCase):
    """The won deals of ``backend`` (set by the provider's class) and their orders."""

    backend = None
    # the external id of the company the provider's deals belong to
    COMPANY = None
    # path fragments of the requests that read line items, one request each
    # for a batch of deals
    LINE_PATHS = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = backend = cls._setup_backend()
        backend.order_creation = True
        cls.currency_code = cls.env.company.currency_id.name
        cls.products = {
            code: cls.env["product.product"].create(
                {"name": name, "default_code": code, "list_price": 1.0, "invoice_policy": "order"}
            )
            for code, name, *_values in SAMPLE_LINES
        }

    # -- what a provider's class writes --------------------------------------
    @classmethod
    def _setup_backend(cls):
        """The provider's backend, calling its fake API (started here)."""
        raise NotImplementedError

    def _deal_id(self, number):
        """The external id of the ``number``-th deal of a test."""
        raise NotImplementedError

    def _put_deal(self, deal_id, lines, stage, currency, when):
        """The fake holds deal ``deal_id`` of ``COMPANY``, in ``stage`` (won, lost
        or open) and ``currency``, modified at ``when``, with exactly ``lines``."""
        raise NotImplementedError

    def _payloads(self, deal_ids, with_company, when):
        """The deliveries that tell of a change of ``deal_ids`` (and of ``COMPANY``)."""
        raise NotImplementedError

    def _fail_lines(self, *statuses, retry_after=None):
        """The next requests that read line items answer ``statuses``."""
        self.fake.fail(self.LINE_PATHS[0], *statuses, retry_after=retry_after)

    def _line_requests(self):
        """``{path fragment: requests}`` of the requests that read line items."""
        return {path: len(self.fake.calls(path)) for path in self.LINE_PATHS}

    def _status_names(self):
        """``{backend setting: property}`` of the deal's status in this CRM (defaults: none)."""
        return {}

    def _status_written(self, deal_id):
        """What the fake CRM holds of what the connector wrote on ``deal_id``."""
        written = {}
        for row in self.fake.updates:
            if str(row[1]) == str(deal_id):
                written.update(row[2])
        return written

    def _remove_company(self):
        """``COMPANY`` no longer exists in the CRM."""
        self.fake.remove("company", self.COMPANY)

    # -- helpers ---------------------------------------------------------------
    def _change(self, number=1, lines=SAMPLE_LINES, stage="won", currency=None, when=None):
        """Deal ``number`` changes in the CRM and is delivered: its event."""
        when = when or moment(-1, 10)
        deal_id = self._deal_id(number)
        self._put_deal(deal_id, lines, stage, currency or self.currency_code, when)
        return self._deliver_deals([deal_id], when=when)

    def _won(self, number=1, lines=SAMPLE_LINES, currency=None):
        """A won deal delivered with its company, as the CRM tells of a new deal."""
        deal_id = self._deal_id(number)
        when = moment(-1, 9)
        self._put_deal(deal_id, lines, "won", currency or self.currency_code, when)
        return self._deliver_deals([deal_id], with_company=True, when=when)

    def _deliver_deals(self, deal_ids, with_company=False, when=None):
        events = self.env["external.crm.event"]
        for payload in self._payloads(deal_ids, with_company, when or moment(-1, 9)):
            events |= self._store(self.backend, payload)
        self._process(self.backend)
        return events.filtered(lambda event: event.object_kind == "deal")

    def _order(self, number=1):
        return self._binding(self.backend, "deal", self._deal_id(number)).order_id

    def _customer(self):
        return self._binding(self.backend, "company", self.COMPANY).partner_id

    def _reviews(self, event):
        return self.env["external.crm.conflict"].search(
            [("event_id", "=", event.id), ("conflict_type", "=", "order"), ("state", "=", "open")]
        )

    def _check_order(self, number=1, lines=SAMPLE_LINES, currency=None):
        """Deal ``number`` has one order, for its company, as negotiated: the order."""
        binding = self._binding(self.backend, "deal", self._deal_id(number))
        order = binding.order_id
        self.assertTrue(order, "a sale order")
        lead = binding.lead_id
        self.assertEqual(order.opportunity_id, lead)
        self.assertEqual(order.partner_id, self._customer(), "the deal's company")
        self.assertEqual(lead.partner_id, order.partner_id)
        self.assertEqual(order.currency_id, currency or self.env.company.currency_id)
        self.assertEqual(
            [
                (line.product_id, line.name, line.product_uom_qty, line.price_unit, line.discount)
                for line in order.order_line
            ],
            [(self.products[code], *values) for code, *values in lines],
            "products by code; quantities, prices and discounts as negotiated",
        )
        self.assertEqual(self.env["sale.order"].search_count([("opportunity_id", "=", lead.id)]), 1)
        return order

    # -- the scenarios -----------------------------------------------------------
    def test_a_won_deal_becomes_the_right_quotation(self):
        event = self._won()
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        order = self._check_order()
        self.assertEqual(order.state, "draft")
        self.assertIn(order.name, event.summary)

    def test_a_won_deal_without_line_items_makes_no_order(self):
        event = self._won(lines=())
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertTrue(event.lead_id.stage_id.is_won)
        self.assertFalse(self._order())
        self.assertIn("no line items", event.summary)

    def test_an_unknown_product_holds_the_order_for_review(self):
        event = self._won(lines=(*SAMPLE_LINES, UNKNOWN_LINE))
        self.assertEqual(event.state, "conflict", event.summary or event.last_error)
        self.assertFalse(self._order(), "never a guessed product")
        review = self._reviews(event)
        self.assertEqual(len(review), 1)
        self.assertIn("NOPE-1 (Carreau mystère)", review.description)
        self.assertNotIn("CAR-6060", review.description, "only the missing line")

    def test_a_second_currency_needs_a_pricelist_in_it(self):
        euro = self.env.ref("base.EUR")
        euro.active = True
        event = self._won(currency="EUR")
        self.assertEqual(event.state, "conflict", event.summary or event.last_error)
        self.assertIn("No pricelist in EUR", self._reviews(event).description)
        self.assertFalse(self._order(), "amounts are never converted")
        pricelist = self.env["product.pricelist"].create(
            {"name": "Euro", "currency_id": euro.id, "company_id": self.env.company.id}
        )
        event.action_retry()
        self._process(self.backend)
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        order = self._check_order(currency=euro)
        self.assertEqual(order.pricelist_id, pricelist)

    def test_a_won_deal_waits_for_its_company_then_becomes_its_order(self):
        """Delivered alone (its company was in the CRM before the connector): the
        company is imported, then the deal is read again and becomes its order."""
        deal_id = self._deal_id(1)
        self._put_deal(deal_id, SAMPLE_LINES, "won", self.currency_code, moment(-1, 9))
        event = self._deliver_deals([deal_id])
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertIn("once it is imported", event.summary)
        self.assertFalse(self._reviews(event))
        self._check_order()

    def test_a_won_deal_whose_company_cannot_be_imported_is_reviewed(self):
        self._remove_company()
        deal_id = self._deal_id(1)
        self._put_deal(deal_id, SAMPLE_LINES, "won", self.currency_code, moment(-1, 9))
        self._deliver_deals([deal_id])
        self.assertFalse(self._order())
        reviews = self.env["external.crm.conflict"].search(
            [("lead_id", "=", self._binding(self.backend, "deal", deal_id).lead_id.id)]
        )
        self.assertEqual(len(reviews), 1, "one review, once the company could not come")
        self.assertIn("no customer in Odoo", reviews.description)

    def test_a_rate_limit_while_reading_lines_waits_as_the_crm_asks(self):
        self._fail_lines(429, retry_after=3600)
        self._check_waits_then_applied(429, timedelta(minutes=30), timedelta(hours=2))

    def test_server_errors_while_reading_lines_wait_for_a_later_try(self):
        self._fail_lines(500, 500, 500, 500)
        self._check_waits_then_applied(500, None, timedelta(hours=1))

    def _check_waits_then_applied(self, status, too_early, later):
        """The won deal's event waits (no order) and is applied ``later``: one order."""
        event = self._won()
        self.assertEqual(event.state, "received", event.summary)
        self.assertTrue(event.next_attempt_at)
        self.assertIn(f"HTTP {status}", event.last_error)
        self.assertFalse(self._order())
        self.assertFalse(self.env["sale.order"].search([("partner_id", "=", self._customer().id)]))
        if too_early:
            with freeze_time(fields.Datetime.now() + too_early):
                self._process(self.backend)
            self.assertEqual(event.state, "received", "as long as the CRM asked")
        with freeze_time(fields.Datetime.now() + later):
            self._process(self.backend)
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self._check_order()
        self.assertEqual(
            self.env["sale.order"].search_count([("partner_id", "=", self._customer().id)]), 1
        )

    def test_a_quotation_follows_the_deals_lines(self):
        self._won()
        order = self._order()
        event = self._change(lines=CHANGED_LINES)
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertEqual(self._order(), order, "one order per deal")
        self._check_order(lines=CHANGED_LINES)
        self.assertIn("follows the deal's lines", event.summary)

    def test_lines_changed_after_confirmation_are_reviewed(self):
        self._won()
        order = self._order()
        order.action_confirm()
        event = self._change(lines=CHANGED_LINES)
        self.assertEqual(event.state, "conflict", event.summary or event.last_error)
        self._check_order()  # left as it is
        self.assertEqual(order.state, "sale")
        self.assertIn(order.name, self._reviews(event).description)

    def test_a_lost_deal_cancels_its_quotation(self):
        self._won()
        order = self._order()
        before = self._line_requests()
        event = self._change(stage="lost")
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        self.assertFalse(event.lead_id.active)
        self.assertEqual(order.state, "cancel")
        self.assertEqual(self._line_requests(), before, "a lost deal's lines are not read")

    def test_the_lines_of_several_won_deals_are_read_together(self):
        deal_ids = [self._deal_id(number) for number in (1, 2, 3)]
        for deal_id in deal_ids:
            self._put_deal(deal_id, SAMPLE_LINES, "won", self.currency_code, moment(-1, 9))
        events = self._deliver_deals(deal_ids, with_company=True)
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("last_error"))
        for number in (1, 2, 3):
            self._check_order(number)
        self.assertEqual(self._line_requests(), dict.fromkeys(self.LINE_PATHS, 1))

    def test_the_invoice_and_the_payment_show_on_the_deal(self):
        """Confirmed, invoiced, partly paid in Odoo: written on the deal, once."""
        self.backend.write({"status_enabled": True, **self._status_names()})
        self._won()
        order = self._order()
        order.action_confirm()
        invoice = order._create_invoices()
        today = fields.Date.context_today(order)
        invoice.write({"invoice_date": today - timedelta(days=5), "invoice_payment_term_id": False})
        invoice.invoice_date_due = today + timedelta(days=25)
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 1000.0, "payment_date": today})._create_payments()
        self.assertEqual(self._write_status(), 1, "one job for the deals that changed")
        names = {
            name: self.backend[name]
            for name in self.backend._fields
            if name.startswith("status_") and name.endswith("_property")
        }
        written = self._status_written(self._deal_id(1))
        self.assertEqual(written[names["status_order_property"]], order.name)
        self.assertEqual(written[names["status_state_property"]], "sale")
        self.assertAlmostEqual(written[names["status_invoiced_property"]], invoice.amount_total)
        self.assertAlmostEqual(written[names["status_paid_property"]], 1000.0)
        self.assertAlmostEqual(written[names["status_due_property"]], invoice.amount_total - 1000.0)
        self.assertEqual(written[names["status_payment_date_property"]], today.isoformat())
        self.assertIs(written[names["status_paid_in_full_property"]], False)
        self.assertEqual(written[names["status_overdue_days_property"]], 0)
        self.assertIn(order.name, order.external_crm_status_written)
        self.assertEqual(self._write_status(), 0, "unchanged: not written again")
        # what the CRM tells of our own write is not an incoming change
        written_names = {name for name in names.values() if name}
        self.assertTrue(written_names <= set(self.backend._webhook_extra()["written_properties"]))

    def _write_status(self):
        """Compare now and run the jobs queued: how many."""
        jobs = self.env["queue.job"]
        domain = [("method_name", "=", "_write_deal_status")]
        before = jobs.search(domain)
        self.backend._as_integration_user()._queue_deal_status()
        queued = jobs.search(domain) - before
        for job in queued:
            result = Job.load(self.env, job.uuid).perform()
            self.assertNotIn("refused", result)
        return len(queued)

    def test_a_won_deal_told_of_several_times_makes_its_order_with_the_first(self):
        """A delivery tells of a new deal more than once (its creation, then its
        properties): its lines are read once, and the event that creates the
        opportunity makes the quotation; the others change nothing."""
        deal_id = self._deal_id(1)
        self._put_deal(deal_id, SAMPLE_LINES, "won", self.currency_code, moment(-1, 9))
        events = self._deliver_deals([deal_id] * 3, with_company=True).sorted("id")
        order = self._check_order()
        self.assertIn(order.name, events[0].summary, events.mapped("summary"))
        self.assertEqual(set(events[1:].mapped("state")) - {"duplicate"}, set())
        self.assertEqual(self._line_requests(), dict.fromkeys(self.LINE_PATHS, 1))
