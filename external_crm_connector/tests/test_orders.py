# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Won deals with line items become sale orders (through the generic door)."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon

from .clock import iso, moment
from .common import ExternalCrmCase


@tagged("post_install", "-at_install")
class TestOrders(ExternalCrmCase, CrmAccountingBridgeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the accounting test user sets the connector up as an administrator would
        cls.env = cls.env(su=True)
        cls._setup_connector()
        cls.generic.write({"order_creation": True})
        cls.tiles = cls._product("Palette de carreaux 60x60", "CAR-6060", 999.0)
        cls.delivery = cls._product("Livraison Casablanca", "LIV-CASA", 500.0, "service")
        cls.fallback = cls._product("Article du CRM", "CRM-ANY", 0.0)
        cls.currency_code = cls.env.company.currency_id.name
        cls.won_name = cls.won_stage.name

    @classmethod
    def _product(cls, name, code, price, kind="consu"):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "list_price": price,
                "type": kind,
                "invoice_policy": "order",
            }
        )

    def _deal(self, deal_id="ext-D-301", stage="won", lines=None, when=None, **data):
        """The sample's won deal with lines, for the customer ext-C-100."""
        values = {
            "name": "Carrelage showroom Anfa",
            "amount": 3690,
            "currency": self.currency_code,
            "stage": stage,
            "company_id": "ext-C-100",
            "lines": [
                {
                    "sku": "CAR-6060",
                    "name": "Palette de carreaux 60x60",
                    "quantity": 3,
                    "unit_price": 1200,
                    "discount": 10,
                },
                {
                    "sku": "LIV-CASA",
                    "name": "Livraison Casablanca",
                    "quantity": 1,
                    "unit_price": 450,
                },
            ]
            if lines is None
            else lines,
            **data,
        }
        return self._item("deal", deal_id, values, updated_at=iso(when or moment(-1, 9)))

    def _deliver_deal(self, *args, **kwargs):
        self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )
        return self._deliver(self.generic, [self._deal(*args, **kwargs)])

    def _binding_of(self, deal_id="ext-D-301"):
        return self._binding(self.generic, "deal", deal_id)

    def _reviews(self, event):
        return self.env["external.crm.conflict"].search(
            [("event_id", "=", event.id), ("conflict_type", "=", "order"), ("state", "=", "open")]
        )

    # -- creation -------------------------------------------------------------
    def test_a_won_deal_becomes_a_quotation_as_negotiated(self):
        event = self._deliver_deal()
        self.assertEqual(event.state, "done", event.summary or event.last_error)
        binding = self._binding_of()
        order = binding.order_id
        self.assertTrue(order, event.summary)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.opportunity_id, binding.lead_id)
        self.assertEqual(order.partner_id, binding.lead_id.partner_id)
        self.assertEqual(order.partner_id.name, "Atlas Distribution")
        self.assertEqual(order.currency_id, self.env.company.currency_id)
        self.assertEqual(order.company_id, self.generic.company_id)
        lines = [
            (line.product_id, line.product_uom_qty, line.price_unit, line.discount)
            for line in order.order_line
        ]
        self.assertEqual(
            lines,
            [(self.tiles, 3.0, 1200.0, 10.0), (self.delivery, 1.0, 450.0, 0.0)],
            "quantities, prices and discounts as negotiated, not the pricelist's",
        )
        self.assertAlmostEqual(order.amount_untaxed, 3690.0)
        self.assertIn(order.name, event.summary)

    def test_the_same_deal_again_makes_no_second_order_and_a_quotation_follows_it(self):
        self._deliver_deal()
        order = self._binding_of().order_id
        again = self._deliver(
            self.generic,
            [
                self._deal(
                    when=moment(-1, 10),
                    lines=[
                        {"sku": "CAR-6060", "name": "Carreaux", "quantity": 5, "unit_price": 1100}
                    ],
                )
            ],
        )
        self.assertEqual(again.state, "done", again.summary)
        self.assertEqual(self._binding_of().order_id, order, "one order per deal")
        self.assertEqual(
            self.env["sale.order"].search_count([("opportunity_id", "=", order.opportunity_id.id)]),
            1,
        )
        self.assertEqual(
            [(line.product_uom_qty, line.price_unit) for line in order.order_line], [(5.0, 1100.0)]
        )

    def test_a_deal_that_is_not_won_makes_no_order(self):
        event = self._deliver_deal(stage="new")
        self.assertEqual(event.state, "done")
        self.assertFalse(self._binding_of().order_id)

    def test_a_won_deal_without_lines_makes_no_order(self):
        event = self._deliver_deal(lines=[])
        self.assertEqual(event.state, "done")
        self.assertFalse(self._binding_of().order_id)
        self.assertIn("no line items", event.summary)

    def test_backends_without_orders_make_none(self):
        self.generic.order_creation = False
        self._deliver_deal()
        self.assertFalse(self._binding_of().order_id)

    def test_a_won_deal_without_its_company_is_reviewed(self):
        """The generic door reads nothing back: its sender delivers the company."""
        event = self._deliver(self.generic, [self._deal()])
        self.assertEqual(event.state, "conflict", event.summary)
        self.assertIn("no customer in Odoo", self._reviews(event).description)
        companies = [("backend_id", "=", self.generic.id), ("object_kind", "=", "company")]
        self.assertFalse(self.env["external.crm.event"].search(companies), "nothing imported")

    def test_quotations_odoo_refuses_together_are_reviewed_one_by_one(self):
        """The new deals' quotations are created together; when Odoo refuses that,
        each deal is followed alone, and each gets its own item to review."""
        company = self.env.company
        company.portal_confirmation_pay = True
        # a percentage Odoo refuses on every quotation (set as an old database may hold it)
        self.env.cr.execute(
            "UPDATE res_company SET prepayment_percent = 0 WHERE id = %s", [company.id]
        )
        company.invalidate_recordset(["prepayment_percent"])
        self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )
        events = self._deliver(
            self.generic, [self._deal("ext-D-301"), self._deal("ext-D-302", name="Second")]
        )
        self.assertEqual(events.mapped("state"), ["conflict", "conflict"], events.mapped("summary"))
        for event in events:
            self.assertTrue(event.lead_id.stage_id.is_won, "the deal itself is applied")
            review = self._reviews(event)
            self.assertEqual(len(review), 1)
            self.assertIn("could not be made", review.description)
            self.assertIn("Prepayment", review.description)
        self.assertFalse(self._binding_of("ext-D-301").order_id)

    # -- what is never guessed -------------------------------------------------
    def test_an_unknown_product_holds_the_order_for_review(self):
        lines = [{"sku": "NOPE-1", "name": "Mystery", "quantity": 1, "unit_price": 10}]
        event = self._deliver_deal(lines=lines)
        self.assertEqual(event.state, "conflict")
        self.assertFalse(self._binding_of().order_id, "never a guessed product")
        review = self._reviews(event)
        self.assertEqual(len(review), 1)
        self.assertIn("NOPE-1", review.description)
        self.assertEqual(review.lead_id, self._binding_of().lead_id)
        with self.assertRaises(UserError):
            review.action_take_incoming()
        # the product is created: processing the event again makes the order
        self._product("Mystery", "NOPE-1", 10.0)
        event.action_retry()
        self._process(self.generic)
        self.assertEqual(event.state, "done", event.summary)
        self.assertTrue(self._binding_of().order_id)
        self.assertEqual(review.resolution, "superseded")

    def test_an_unknown_product_takes_the_fallback_when_the_backend_says_so(self):
        self.generic.write(
            {"order_missing_product": "fallback", "order_fallback_product_id": self.fallback.id}
        )
        lines = [{"sku": "NOPE-2", "name": "Pose du carrelage", "quantity": 2, "unit_price": 80}]
        self._deliver_deal(lines=lines)
        line = self._binding_of().order_id.order_line
        self.assertEqual((line.product_id, line.name), (self.fallback, "Pose du carrelage"))
        self.assertEqual((line.product_uom_qty, line.price_unit), (2.0, 80.0))

    def test_another_currency_needs_a_pricelist_in_it(self):
        euro = self.env.ref("base.EUR")
        euro.active = True
        event = self._deliver_deal(currency="EUR")
        self.assertEqual(event.state, "conflict")
        self.assertIn("EUR", self._reviews(event).description)
        self.assertFalse(self._binding_of().order_id, "amounts are never converted")
        pricelist = self.env["product.pricelist"].create(
            {"name": "Euro", "currency_id": euro.id, "company_id": self.env.company.id}
        )
        event.action_retry()
        self._process(self.generic)
        order = self._binding_of().order_id
        self.assertEqual((order.currency_id, order.pricelist_id), (euro, pricelist))
        self.assertEqual(order.order_line[0].price_unit, 1200.0, "the deal's own price")

    # -- after the order -------------------------------------------------------
    def test_a_lost_deal_cancels_its_quotation(self):
        self._deliver_deal()
        order = self._binding_of().order_id
        self._deliver(self.generic, [self._deal(stage="lost", when=moment(-1, 11))])
        self.assertEqual(order.state, "cancel")

    def test_a_confirmed_order_is_never_changed_silently(self):
        self._deliver_deal()
        binding = self._binding_of()
        order = binding.order_id
        order.action_confirm()
        changed = self._deliver(
            self.generic,
            [
                self._deal(
                    when=moment(-1, 12),
                    lines=[{"sku": "CAR-6060", "name": "Plus", "quantity": 9, "unit_price": 1}],
                )
            ],
        )
        self.assertEqual(changed.state, "conflict")
        self.assertEqual(order.order_line[0].product_uom_qty, 3.0, "left as it is")
        self.assertIn(order.name, self._reviews(changed).description)
        reopened = self._deliver(self.generic, [self._deal(stage="new", when=moment(-1, 13))])
        self.assertEqual(reopened.state, "conflict")
        self.assertEqual(order.state, "sale")
        activities = order.activity_ids.filtered(lambda a: "review" in (a.summary or ""))
        self.assertEqual(len(activities), 2, "a To Do for each change to review")
        self.assertEqual(activities.user_id, order.user_id or self.env.user)

    def test_confirmation_when_the_backend_says_so_then_draft_invoices(self):
        self.generic.write({"order_confirmation": "confirm", "order_invoicing": "draft"})
        event = self._deliver_deal()
        order = self._binding_of().order_id
        self.assertEqual(order.state, "sale", event.summary)
        self.assertEqual(order.invoice_ids.state, "draft", "accounting posts")
        self.assertAlmostEqual(order.invoice_ids.amount_untaxed, 3690.0)

    def test_posted_invoices_are_an_accounting_managers_choice(self):
        manager = self.manager  # External CRM manager, no accounting rights
        with self.assertRaises(AccessError):
            self.generic.with_user(manager).write({"order_invoicing": "posted"})
        self.generic.with_user(manager).write({"order_invoicing": "draft"})
        accountant = new_test_user(
            self.env,
            login="orders_accountant",
            groups="account.group_account_manager,external_crm_connector.group_external_crm_manager",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        self.generic.with_user(accountant).write(
            {"order_confirmation": "confirm", "order_invoicing": "posted"}
        )
        self._deliver_deal()
        self.assertEqual(self._binding_of().order_id.invoice_ids.state, "posted")

    def test_a_blocked_customer_keeps_a_quotation_and_its_salesperson_a_todo(self):
        self.generic.write({"order_confirmation": "confirm"})
        self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )
        customer = self._binding(self.generic, "company", "ext-C-100").partner_id
        self.env.company.write({"credit_alert_block_days": 60, "credit_alert_grace_days": 0})
        self._create_invoice(customer, 1500.0, invoice_offset=-100, due_offset=-70)
        event = self._deliver(self.generic, [self._deal()])
        order = self._binding_of().order_id
        self.assertEqual(order.state, "draft", "the connector never overrides a block")
        self.assertIn("stays a quotation", event.summary)
        todo = order.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertIn("blocked", todo.note)

    def test_dry_run_creates_no_order(self):
        self.generic.dry_run = True
        event = self._deliver(
            self.generic, [self._item("company", "ext-C-100", {"name": "Atlas Distribution"})]
        )
        self.assertTrue(event.dry_run)
        self.assertFalse(
            self.env["sale.order"].search([("origin", "=", "Carrelage showroom Anfa")])
        )

    def test_orders_are_made_in_the_backend_company(self):
        other = self.env["res.company"].create({"name": "Lyon Subsidiary"})
        backend = self._create_backend(
            name="Lyon", provider="generic", webhook_secret="lyon", company_id=other.id
        )
        backend.write({"order_creation": True})
        stage_line = backend.field_map_ids.filtered(lambda m: m.field_name == "stage_id")
        stage_line.value_ids.filtered(lambda v: v.external_value == "won").stage_id = self.won_stage
        self.tiles.company_id = False
        self._deliver(backend, [self._item("company", "ext-C-100", {"name": "Lyon Client"})])
        event = self._deliver(
            backend,
            [self._deal(lines=[{"sku": "CAR-6060", "name": "x", "quantity": 1, "unit_price": 1}])],
        )
        order = self._binding(backend, "deal", "ext-D-301").order_id
        self.assertTrue(order, event.summary or event.last_error)
        self.assertEqual(order.company_id, other)
        self.assertEqual(order.partner_id.name, "Lyon Client")
