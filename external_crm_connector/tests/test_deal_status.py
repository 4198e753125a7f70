# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order, invoice and payment status of won deals goes back to the deal.

Through the generic door: signed outbound webhooks to a fake receiver (a
real HTTP server on loopback), retried, logged. The API providers' deals
are written in ``orders_providers_common``.
"""

import json

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon
from odoo.addons.external_crm_connector.adapters.provider import get_provider
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .clock import moment
from .common import ExternalCrmCase
from .fake_receiver import FakeReceiver

SECRET = "generic-secret"


@tagged("post_install", "-at_install")
class TestDealStatus(ExternalCrmCase, CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the accounting test user sets the connector up as an administrator would
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.receiver = FakeReceiver(SECRET).start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.generic.write(
            {
                "order_creation": True,
                "status_enabled": True,
                "outbound_url": cls.receiver.hook_url,
            }
        )
        cls.env["product.product"].create(
            [
                {"name": "Carreaux", "default_code": "CAR-6060", "invoice_policy": "order"},
                {"name": "Livraison", "default_code": "LIV-CASA", "invoice_policy": "order"},
            ]
        )
        cls.currency_code = cls.env.company.currency_id.name

    def setUp(self):
        super().setUp()
        self.receiver.reset()
        # the delivery log is written in a transaction of its own (a retried
        # job rolls its own back): in test mode, that one is the test's
        self.registry.enter_test_mode(self.env.cr)
        self.addCleanup(self.registry.leave_test_mode)

    # -- helpers ---------------------------------------------------------------
    def _won_deal(self, deal_id="ext-D-301"):
        self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )
        lines = [
            {"sku": "CAR-6060", "name": "Carreaux", "quantity": 3, "unit_price": 1200},
            {"sku": "LIV-CASA", "name": "Livraison", "quantity": 1, "unit_price": 450},
        ]
        data = {"name": f"Deal {deal_id}", "stage": "won", "company_id": "ext-C-100"}
        data.update(currency=self.currency_code, lines=lines)
        event = self._deliver(self.generic, [self._item("deal", deal_id, data)])
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        return self._binding(self.generic, "deal", deal_id)

    def _invoice(self, order, invoice_offset=-40, due_offset=-10):
        """Confirm ``order`` and post its invoice, dated relative to today."""
        if order.state != "sale":
            order.action_confirm()
        invoice = order._create_invoices()
        invoice.write(
            {
                "invoice_date": self._day(invoice_offset),
                "invoice_payment_term_id": False,
            }
        )
        invoice.invoice_date_due = self._day(due_offset)
        invoice.action_post()
        return invoice

    def _perform_retried(self, job):
        """Run ``job``, which must ask to be tried again: its ``RetryableJobError``.

        Not ``assertRaises``, which rolls back to a savepoint: in the tests
        the log's own transaction is the test's, and would go with it.
        """
        try:
            Job.load(self.env, job.uuid).perform()
        except RetryableJobError as error:
            return error
        self.fail("the job was not retried")

    def _queue(self, backend=None):
        """Compare now: the jobs queued."""
        jobs = self.env["queue.job"]
        domain = [("method_name", "=", "_write_deal_status")]
        before = jobs.search(domain)
        (backend or self.generic)._as_integration_user()._queue_deal_status()
        return jobs.search(domain) - before

    def _write(self, backend=None):
        """Compare and run the jobs queued: their results."""
        return [Job.load(self.env, job.uuid).perform() for job in self._queue(backend)]

    def _last_status(self, deal_id="ext-D-301"):
        """The status the receiver last accepted for ``deal_id``."""
        statuses = [
            item["status"]
            for body in self.receiver.deliveries()
            for item in body["items"]
            if item["id"] == deal_id
        ]
        return statuses[-1] if statuses else None

    def _log(self):
        return self.env["external.crm.outbound.delivery"].search(
            [("backend_id", "=", self.generic.id)], order="id"
        )

    # -- the flow --------------------------------------------------------------
    def test_the_quotation_then_its_invoice_and_payments_reach_the_deal(self):
        binding = self._won_deal()
        order = binding.order_id
        self._write()
        self.assertEqual(
            self._last_status(),
            {
                "odoo_order": order.name,
                "odoo_order_state": "draft",
                "odoo_invoiced_amount": 0.0,
                "odoo_amount_due": 0.0,
                "odoo_amount_paid": 0.0,
                "odoo_last_payment_date": "",
                "odoo_paid_in_full": False,
                "odoo_days_overdue": 0,
            },
        )
        invoice = self._invoice(order)
        total = invoice.amount_total
        self._register_payment(invoice, 1000.0, offset=-3)
        self._write()
        status = self._last_status()
        self.assertEqual(status["odoo_order_state"], "sale")
        self.assertAlmostEqual(status["odoo_invoiced_amount"], total)
        self.assertAlmostEqual(status["odoo_amount_paid"], 1000.0)
        self.assertAlmostEqual(status["odoo_amount_due"], total - 1000.0)
        self.assertEqual(status["odoo_last_payment_date"], self._day(-3).isoformat())
        self.assertFalse(status["odoo_paid_in_full"])
        self.assertEqual(status["odoo_days_overdue"], 10, "due ten days ago, not fully paid")

        self._register_payment(invoice, total - 1000.0, offset=0)
        self._write()
        status = self._last_status()
        self.assertTrue(status["odoo_paid_in_full"])
        self.assertEqual(status["odoo_amount_due"], 0.0)
        self.assertEqual(status["odoo_days_overdue"], 0)
        self.assertEqual(
            status["odoo_last_payment_date"], fields.Date.context_today(order).isoformat()
        )
        self.assertEqual(binding.status_values, status, "recorded once the receiver accepted it")

    def test_a_credit_note_lowers_what_was_invoiced(self):
        order = self._won_deal().order_id
        invoice = self._invoice(order, due_offset=30)
        reversal = invoice._reverse_moves(
            [{"invoice_date": self._day(0), "ref": "Casse"}], cancel=False
        )
        reversal.invoice_line_ids[1:].unlink()
        reversal.action_post()
        self._write()
        status = self._last_status()
        self.assertAlmostEqual(
            status["odoo_invoiced_amount"], invoice.amount_total - reversal.amount_total
        )
        self.assertEqual(status["odoo_days_overdue"], 0, "not due yet")
        self.assertEqual(status["odoo_last_payment_date"], "", "a credit note is no payment")

    def test_a_deal_unchanged_is_not_written_again(self):
        self._won_deal()
        self.assertEqual(len(self._write()), 1)
        self.assertEqual(self._queue(), self.env["queue.job"], "nothing changed: nothing queued")
        self.assertEqual(len(self.receiver.deliveries()), 1)

    def test_days_overdue_grow_without_any_change(self):
        """Nothing in Odoo changes as days pass: the comparison finds it."""
        order = self._won_deal().order_id
        self._invoice(order, due_offset=0)
        self._write()
        self.assertEqual(self._last_status()["odoo_days_overdue"], 0)
        self.env["account.move"].search([("invoice_origin", "=", order.name)]).write(
            {"invoice_date_due": self._day(-2)}
        )
        self._write()
        self.assertEqual(self._last_status()["odoo_days_overdue"], 2)

    def test_each_company_makes_and_reports_its_own_orders(self):
        """A backend of a second company: its order, its invoice, its deliveries."""
        other = self.setup_other_company(name="Lyon")["company"]
        self.env.user.company_ids |= other
        lyon = self._create_backend(
            name="Zapier Lyon",
            provider="generic",
            webhook_secret=SECRET,
            company_id=other.id,
            order_creation=True,
            status_enabled=True,
            outbound_url=self.receiver.hook_url,
        )
        stage_line = lyon.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        stage_line.value_ids.filtered(lambda v: v.external_value == "won").stage_id = self.won_stage
        self._won_deal()  # the first company's
        company = self._item("company", "ext-C-100", {"name": "Atlas Lyon"})
        self._deliver(lyon, [company])
        data = {"name": "Lyon deal", "stage": "won", "company_id": "ext-C-100"}
        data.update(
            lines=[{"sku": "CAR-6060", "name": "Carreaux", "quantity": 2, "unit_price": 80}]
        )
        data.update(currency=other.currency_id.name)
        event = self._deliver(lyon, [self._item("deal", "ext-D-301", data)])
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        order = self._binding(lyon, "deal", "ext-D-301").order_id
        self.assertEqual(order.company_id, other)
        self.assertEqual(order.partner_id.name, "Atlas Lyon")
        self._invoice(order)
        self._write(lyon)
        (body,) = self.receiver.deliveries()
        ((item),) = body["items"]
        self.assertEqual(item["status"]["odoo_order"], order.name, "only the Lyon deal")
        self.assertAlmostEqual(
            item["status"]["odoo_invoiced_amount"], order.invoice_ids.amount_total
        )
        self.assertEqual(self._log().deal_ids, False, "the first backend sent nothing")
        self.assertEqual(
            self.env["external.crm.outbound.delivery"]
            .search([("backend_id", "=", lyon.id)])
            .company_id,
            other,
        )

    # -- the signed webhook -----------------------------------------------------
    def test_the_delivery_is_signed_and_says_what_it_is(self):
        self._won_deal()
        self._write()
        ((headers, body, valid, status),) = self.receiver.received
        self.assertTrue(valid, "the inbound door's HMAC scheme, with the signing secret")
        self.assertEqual(status, 200)
        self.assertEqual(body["event"], "deal.status")
        self.assertEqual(headers["X-Delivery-Id"], body["delivery_id"])
        self.assertEqual([item["id"] for item in body["items"]], ["ext-D-301"])
        self.assertEqual(self._log().state, "delivered")
        self.assertEqual(self._log().deal_ids, "ext-D-301")

    def test_a_receiver_down_is_tried_again_with_the_same_delivery(self):
        self._won_deal()
        self.receiver.fail("/hooks/", 503)
        (job,) = self._queue()
        self._perform_retried(job)
        binding = self._binding(self.generic, "deal", "ext-D-301")
        self.assertFalse(binding.status_values, "nothing recorded before it got through")
        Job.load(self.env, job.uuid).perform()
        first, second = self.receiver.received
        self.assertEqual(first[0]["X-Delivery-Id"], second[0]["X-Delivery-Id"])
        self.assertEqual(self._log().mapped("state"), ["retrying", "delivered"])
        self.assertEqual(self._log().mapped("attempt"), [1, 2])
        self.assertEqual(self._log()[0].status_code, 503)
        self.assertTrue(binding.status_values)

    def test_a_rate_limit_waits_as_the_receiver_asks(self):
        self._won_deal()
        self.receiver.fail("/hooks/", 429, retry_after=120)
        (job,) = self._queue()
        self.assertEqual(self._perform_retried(job).seconds, 120)

    def test_a_refusing_receiver_is_logged_and_compared_again(self):
        self._won_deal()
        self.receiver.fail("/hooks/", 400)
        (result,) = self._write()
        self.assertIn("refused: ext-D-301: HTTP 400", result)
        self.assertEqual(self._log().state, "refused")
        self.assertFalse(self._binding(self.generic, "deal", "ext-D-301").status_values)
        self.assertEqual(len(self._queue()), 1, "tried again at the next run")

    def test_an_unreachable_receiver_is_tried_again(self):
        self._won_deal()
        self.generic.outbound_url = "http://127.0.0.1:9/hooks/"  # discard: nobody listens
        (job,) = self._queue()
        self._perform_retried(job)
        self.assertEqual(self._log().state, "retrying")
        self.assertEqual(self._log().status_code, 0)

    def test_many_deals_go_in_deliveries_of_one_hundred(self):
        binding = self._won_deal()
        orders = binding.order_id
        for _number in range(150):
            orders |= binding.order_id.copy()
        bindings = self.env["external.crm.binding"].create(
            [
                {
                    "backend_id": self.generic.id,
                    "object_kind": "deal",
                    "external_id": f"bulk-{number}",
                    "lead_id": binding.lead_id.copy().id,
                    "order_id": order.id,
                }
                for number, order in enumerate(orders[1:])
            ]
        )
        self._write()
        self.assertEqual([len(body["items"]) for body in self.receiver.deliveries()], [100, 51])
        self.assertEqual(len(bindings.filtered("status_values")), 150)

    def test_comparing_costs_the_same_queries_for_more_deals(self):
        backend = self.generic._as_integration_user()

        def queries():
            backend._queue_deal_status()  # caches of rules and groups warm
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            backend._queue_deal_status()
            return self.env.cr.sql_log_count - before

        self._invoice(self._won_deal().order_id)
        queries()
        one = queries()
        for number in range(5):
            self._invoice(self._won_deal(f"ext-D-4{number}").order_id)
        self.assertEqual(queries(), one)

    # -- who sets what ----------------------------------------------------------
    def test_the_outbound_url_is_an_administrators_https_destination(self):
        with self.assertRaises(AccessError):
            self.generic.with_user(self.manager).write({"outbound_url": "https://evil.example"})
        for url in ("http://hooks.example.com/x", "https://10.0.0.5/hook", "hooks.example.com"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.generic.outbound_url = url
        self.generic.outbound_url = "https://hooks.zapier.com/hooks/catch/1/abc/"

    def test_the_opportunity_and_the_order_show_what_was_written(self):
        binding = self._won_deal()
        self._write()
        salesperson = new_test_user(
            self.env,
            login="status_salesperson",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        for record in (binding.lead_id, binding.order_id):
            shown = record.with_user(salesperson)
            self.assertIn(f"odoo_order: {binding.order_id.name}", shown.external_crm_status_written)
            self.assertIn("odoo_order_state: draft", shown.external_crm_status_written)
            self.assertEqual(shown.external_crm_status_written_at, binding.status_written_at)
            self.assertEqual(shown.external_crm_status_backend, "Zapier")
        with self.assertRaises(AccessError):
            self.env["external.crm.binding"].with_user(salesperson).search([])

    def test_our_own_writes_are_echoes_for_the_crm_that_tells_of_them(self):
        hubspot = self._create_backend(
            name="HubSpot status",
            provider="hubspot",
            webhook_secret="client-secret",
            api_token="pat-status",
            status_enabled=True,
        )
        written = hubspot._webhook_extra()["written_properties"]
        self.assertIn("odoo_amount_paid", written)
        change = {
            "eventId": 1,
            "subscriptionId": 1,
            "portalId": 62515,
            "occurredAt": int(moment(-1).timestamp() * 1000),
            "subscriptionType": "deal.propertyChange",
            "attemptNumber": 0,
            "objectId": 7701,
            "propertyName": "odoo_amount_paid",
            "propertyValue": "1000",
            "changeSource": "INTEGRATION",
        }
        (item,) = get_provider(hubspot).parse_delivery(json.dumps([change]).encode())
        self.assertEqual(item.action, "echo")
