# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sale orders of deals won in the external CRM.

``OrderMaker`` follows a deal once its opportunity is applied: a deal in a
stage that makes orders (won, unless the backend names others) becomes one
quotation, with the deal's lines, quantities, prices and discounts as
negotiated, in the deal's currency; while it is a quotation it follows the
deal's lines; once confirmed, a change becomes an item to review, never a
silent change. What cannot be done without guessing (a product not found,
no pricelist in the deal's currency) is held for review with the reason.
It returns notes and review texts; the processor writes the outcome.
"""

from dataclasses import dataclass, field

from odoo.exceptions import UserError, ValidationError

from ..adapters.items import MAX_KEY_LENGTH, RemoteRecord
from ..adapters.provider import LINES
from ..exceptions import ExternalCrmTransientError
from .order_values import OrderValues, lines_key
from .outcome import Outcome, error_text
from .policy import LOST


@dataclass
class Followed:
    """What following a deal did: notes for its event, texts to review, the order."""

    notes: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    order: object = None
    changed: bool = False  # an order was created, changed or cancelled
    without_customer: bool = False  # an order to make, for an opportunity without customer
    planned: object = None  # a ``PlannedOrder``: created with the batch's others


@dataclass
class PlannedOrder:
    """A quotation to create together with the other new deals' (``apply_all``)."""

    event: object
    binding: object
    currency: str
    lines: list
    values: dict  # of ``sale.order``
    lines_key: str
    result: Followed
    outcome: object = None  # the event's ``Outcome``, told once the order exists


def deal_records(events, remotes):
    """The readable records of the deals created or changed in a batch."""
    return [
        remotes[event.id]
        for event in events
        if event.object_kind == "deal"
        and event.action in ("upsert", "association")
        and isinstance(remotes.get(event.id), RemoteRecord)
        and not remotes[event.id].missing
    ]


class OrderMaker:
    """Creates and follows the sale orders of one backend's won deals."""

    def __init__(self, backend, conflicts, dry_run=False, follow_ups=None):
        self.backend = backend
        self.env = backend.env
        self.conflicts = conflicts
        self.dry_run = dry_run
        self.company = backend.company_id
        self.values = OrderValues(backend)
        # inbox items that read a deal again once its customer is imported;
        # the processor stores them with the related records to import
        self.follow_ups = [] if follow_ups is None else follow_ups
        self.provider = None  # the provider that read the lines (``read_lines``)
        # while ``apply_all`` runs: the quotations to create together
        self.planned = None

    # -- which deals make orders -------------------------------------------
    def enabled(self):
        return bool(self.backend.order_creation)

    def wants_lines(self, stage_id):
        """True when a deal mapped to ``stage_id`` makes (or keeps) an order."""
        if stage_id in (None, False, LOST):
            return False
        stage = self.env["crm.stage"].browse(stage_id)
        stages = self.backend.order_stage_ids
        return stage in stages if stages else stage.is_won

    def read_lines(self, provider, deals, stage_of):
        """Read, in one go, the lines of the deals that will make or follow an order.

        ``deals`` are the readable ``RemoteRecord`` of the batch's deals;
        ``stage_of(remote)`` the stage their field map gives. Each record
        gets its ``lines`` (or the error of reading them) and ``currency``,
        every record of a deal that several events of the batch tell of too:
        the first of them applied makes the order. Providers whose deliveries
        carry the lines (generic JSON) need none.
        """
        self.provider = provider
        if not self.enabled() or not provider.can(LINES):
            return
        wanted = {}
        for remote in deals:
            if remote.lines is None and self.wants_lines(stage_of(remote)):
                wanted.setdefault(remote.external_id, []).append(remote)
        if not wanted:
            return
        try:
            answers = provider.read_deal_lines(list(wanted))
        except ExternalCrmTransientError as error:
            answers = dict.fromkeys(wanted, error)
        for external_id, remotes in wanted.items():
            answer = answers.get(external_id)
            for remote in remotes:
                if isinstance(answer, Exception):
                    remote.lines = answer
                elif answer is not None:
                    remote.currency = answer[0] or remote.currency
                    remote.lines = answer[1]

    def lines_changed(self, event, lines_of):
        """An event about line items (``LinesOf``): read their deals again.

        Each deal gets an inbox item of its own (``follow_ups``), keyed by
        the event: read again after it, the deal's order follows its lines.
        """
        if not self.enabled():
            return Outcome(state="ignored").note(
                self.env._("Sale orders from deals are off: line items are not followed.")
            )
        if not lines_of.deal_ids:
            return Outcome(state="ignored").note(
                self.env._("The line item belongs to no deal: nothing to do.")
            )
        for deal_id in lines_of.deal_ids:
            item = self.provider.dependency_item("deal", deal_id)
            item.idempotency_key = f"lines:{event.idempotency_key}:{deal_id}"[:MAX_KEY_LENGTH]
            if not self.dry_run:
                self.follow_ups.append(item)
        return Outcome().note(
            self.env._(
                "The line items of deal %(deals)s changed: the deal is read again, and its "
                "sale order follows it.",
                deals=", ".join(lines_of.deal_ids),
            )
        )

    def qualifies(self, lead):
        """True when the opportunity is in a stage that makes an order."""
        if not lead.active or not lead.stage_id:
            return False
        stages = self.backend.order_stage_ids
        return lead.stage_id in stages if stages else lead.stage_id.is_won

    # -- following a deal ---------------------------------------------------
    def apply_all(self, applied):
        """``apply`` for the deals created by a batch: their quotations created together.

        ``applied`` is ``[(event, binding, remote, outcome)]``. One
        ``create`` makes every new quotation, as Odoo's bulk creation does
        (one by one costs twice the time); when Odoo refuses it, each deal
        is followed alone, its error its own item to review.
        """
        if not self.enabled():
            return
        self.planned = []
        try:
            for event, binding, remote, outcome in applied:
                self.apply(event, binding, remote, outcome)
        finally:
            planned, self.planned = self.planned, None
        if not planned:
            return
        try:
            with self.env.cr.savepoint():
                orders = self._new_orders([plan.values for plan in planned])
        except (UserError, ValidationError):
            for plan in planned:
                followed = self.follow_safely(plan.binding, plan.currency, plan.lines)
                self._tell(plan.event, plan.binding, followed, plan.outcome)
            return
        for plan, order in zip(planned, orders, strict=True):
            self._created(plan.binding, order, plan.lines_key, plan.result)
            plan.outcome.lines.extend(plan.result.notes)

    def apply(self, event, binding, remote, outcome):
        """Follow the deal of an event once its opportunity is applied; tell ``outcome``."""
        if not self.enabled() or not binding or not isinstance(remote, RemoteRecord):
            return
        followed = self.follow_safely(binding, remote.currency, remote.lines)
        if followed.planned:
            followed.planned.event, followed.planned.outcome = event, outcome
        self._tell(event, binding, followed, outcome)

    def _tell(self, event, binding, followed, outcome):
        """What following the deal did, on its event's ``outcome`` (and items to review)."""
        if followed.without_customer:
            self._without_customer(event, binding, followed)
        if followed.changed and outcome.state == "duplicate":
            outcome.state = "done"  # the deal was applied already, its order was not
        outcome.lines.extend(followed.notes + followed.reviews)
        if followed.reviews:
            outcome.state = "conflict"
            if not self.dry_run:
                for text in followed.reviews:
                    self.conflicts.order(event, binding, binding.lead_id, text)

    def follow_safely(self, binding, currency, lines):
        """``follow`` in a savepoint: what Odoo refuses becomes an item to review."""
        try:
            with self.env.cr.savepoint():
                return self.follow(binding, binding.lead_id, currency, lines)
        except (UserError, ValidationError) as error:
            text = self.env._(
                "The sale order could not be made: %(error)s", error=error_text(error)
            )
            return Followed(reviews=[text])

    def follow(self, binding, lead, currency, lines):
        """Follow the deal of ``binding`` (its opportunity ``lead``).

        ``lines`` is the deal's list of ``DealLine`` (None when they were not
        read: the order is left as it is).
        """
        result = Followed()
        order = binding.order_id if binding else self.env["sale.order"]
        if not self.qualifies(lead):
            if order:
                self._reopened(binding, lead, order, result)
            return result
        if isinstance(lines, ExternalCrmTransientError):
            raise lines  # the event waits, and is applied again with its lines
        if isinstance(lines, Exception):
            result.reviews.append(
                self.env._(
                    "The deal's line items cannot be read: %(error)s; no sale order is "
                    "created or changed.",
                    error=error_text(lines),
                )
            )
            return result
        if lines is None:
            return result
        if order and order.state != "cancel":
            self._follow_lines(binding, order, currency, lines, result)
            return result
        if not lines:
            result.notes.append(
                self.env._("The won deal has no line items: no sale order is created.")
            )
            return result
        self._create(binding, lead, currency, lines, result)
        return result

    def _without_customer(self, event, binding, followed):
        """A won deal whose opportunity has no customer: wait for it, or review.

        When its company is on its way (the binding waits for it, and the
        provider imports it as a related record), the deal is read again
        after it, by an inbox item of its own (``follow_ups``): the order is
        made then. When that item still finds no customer (the company could
        not be imported), or nothing imports the company, a person reviews.
        """
        key = f"order:deal:{binding.external_id}:{binding.pending_reference}"
        item = (
            binding.pending_field == "partner_id"
            and event.idempotency_key != key
            and self.provider
            and self.provider.dependency_item("deal", binding.external_id)
        )
        if not item:
            followed.reviews.append(
                self.env._("The won deal has no customer in Odoo: no sale order is created.")
            )
            return
        followed.notes.append(
            self.env._(
                "The deal's customer is not in Odoo yet: the sale order is made once it is "
                "imported."
            )
        )
        if not self.dry_run:
            item.idempotency_key = key
            self.follow_ups.append(item)

    def _reopened(self, binding, lead, order, result):
        """The deal left the order's stages: reopened, lost, or archived."""
        if order.state in ("draft", "sent"):
            result.notes.append(
                self.env._(
                    "The deal is no longer won: quotation %(order)s cancelled.", order=order.name
                )
            )
            result.changed = True
            if not self.dry_run:
                order.with_context(disable_cancel_warning=True)._action_cancel()
        elif order.state == "sale":
            text = self.env._(
                "The deal of confirmed order %(order)s is no longer won in the external CRM "
                "(%(stage)s): the order is left as it is; cancel it, or have the deal won "
                "again.",
                order=order.name,
                stage=lead.stage_id.display_name if lead.active else self.env._("lost"),
            )
            result.reviews.append(text)
            if not self.dry_run:
                self._todo(order, text)

    def _follow_lines(self, binding, order, currency, lines, result):
        key = lines_key(currency, lines)
        if key == binding.order_lines_key:
            return
        if order.state in ("draft", "sent"):
            values, missing = self.values.line_values(lines)
            if missing:
                result.reviews.append(self.values.missing_text(missing))
                return
            result.notes.append(
                self.env._("Quotation %(order)s follows the deal's lines.", order=order.name)
            )
            result.changed = True
            if not self.dry_run:
                # sudo: see _create; the lines replace those of the deal's own quotation
                order.sudo().write({"order_line": [(5, 0, 0)] + [(0, 0, v) for v in values]})
                binding.sudo().write({"order_lines_key": key})
            return
        text = self.env._(
            "The deal's lines changed after order %(order)s was confirmed: the order is "
            "left as it is; change it by hand if the change is agreed.",
            order=order.name,
        )
        result.reviews.append(text)
        if not self.dry_run:
            # sudo: the binding's integration state is technical; the change is
            # reviewed once, not at every event of the same version
            binding.sudo().write({"order_lines_key": key})
            self._todo(order, text)

    def _create(self, binding, lead, currency_code, lines, result):
        if not lead.partner_id:
            result.without_customer = True  # see _without_customer
            return
        currency = self.values.currency(currency_code)
        if not currency:
            result.reviews.append(
                self.env._(
                    "The deal's currency %(currency)s is not active in Odoo: no sale order is "
                    "created.",
                    currency=currency_code,
                )
            )
            return
        pricelist = self.values.pricelist(lead.partner_id, currency)
        if not pricelist and currency != self.company.currency_id:
            result.reviews.append(
                self.env._(
                    "No pricelist in %(currency)s for %(company)s: no sale order is created "
                    "(amounts are never converted). Create a pricelist in that currency, then "
                    "process the event again.",
                    currency=currency.name,
                    company=self.company.display_name,
                )
            )
            return
        values, missing = self.values.line_values(lines)
        if missing:
            result.reviews.append(self.values.missing_text(missing))
            return
        if self.dry_run:
            # a term per number: env._ has no plural forms
            if len(values) == 1:
                note = self.env._("A quotation of 1 line would be created.")
            else:
                note = self.env._(
                    "A quotation of %(count)s lines would be created.", count=len(values)
                )
            result.notes.append(note)
            return
        values = self._order_values(lead, pricelist, values)
        key = lines_key(currency_code, lines)
        if self.planned is not None:
            result.changed = True
            result.planned = PlannedOrder(None, binding, currency_code, lines, values, key, result)
            self.planned.append(result.planned)
            return
        self._created(binding, self._new_orders([values]), key, result)

    def _created(self, binding, order, key, result):
        """``order`` was created for the deal of ``binding``: record it, confirm it."""
        # sudo: the binding's integration state is technical
        binding.sudo().write({"order_id": order.id, "order_lines_key": key})
        result.order = order
        result.changed = True
        result.notes.append(
            self.env._("Quotation %(order)s created from the won deal.", order=order.name)
        )
        if self.backend.order_confirmation == "confirm":
            self._confirm(order, result)

    def _order_values(self, lead, pricelist, line_values):
        """The quotation of a won deal, for its opportunity's customer and salesperson."""
        return {
            "partner_id": lead.partner_id.id,
            "opportunity_id": lead.id,
            "company_id": self.company.id,
            # none in the company's own currency: the order is in that currency
            "pricelist_id": pricelist.id or False,
            "user_id": lead.user_id.id,
            "team_id": lead.team_id.id,
            "origin": lead.name,
            "order_line": [(0, 0, line) for line in line_values],
        }

    def _new_orders(self, values_list):
        """The quotations of ``values_list`` (``_order_values``), created together."""
        # sudo: a quotation records a deal won in the external CRM, also for a
        # customer the credit policy blocks (crm_credit_alert lets code running
        # as superuser create quotations, and checks every confirmation). What
        # it holds was read with the integration user's rights: its company's
        # customer, products and pricelist.
        orders = self.env["sale.order"].sudo().create(values_list)
        return orders.with_env(self.env)

    def _confirm(self, order, result):
        """Confirm when the credit policy allows; a blocked order waits, with a To Do."""
        try:
            with self.env.cr.savepoint():
                order.action_confirm()
        except (UserError, ValidationError) as error:
            text = self.env._(
                "Order %(order)s stays a quotation: %(reason)s",
                order=order.name,
                reason=str(error.args[0]) if error.args else error.__class__.__name__,
            )
            result.notes.append(text)
            self._todo(order, text)
            return
        result.notes.append(self.env._("Order %(order)s confirmed.", order=order.name))
        if self.backend.order_invoicing in ("draft", "posted"):
            self._invoice(order, result)

    def _invoice(self, order, result):
        """Invoices of what the invoicing policy allows; posted only when the backend says so."""
        # sudo: the integration user is no accountant; invoicing on confirmation
        # is the backend's setting, and only an accounting manager can make it
        # post (external.crm.backend.orders)
        order_sudo = order.sudo()
        try:
            with self.env.cr.savepoint():
                invoices = order_sudo._create_invoices()
                if self.backend.order_invoicing == "posted":
                    invoices.action_post()
        except UserError as error:
            result.notes.append(
                self.env._(
                    "Order %(order)s: no invoice (%(reason)s).",
                    order=order.name,
                    reason=str(error.args[0]) if error.args else "",
                )
            )
            return
        result.notes.append(
            self.env._(
                "Order %(order)s: invoice %(invoices)s (%(state)s).",
                order=order.name,
                invoices=", ".join(invoices.mapped("display_name")),
                state=self.env._("posted")
                if self.backend.order_invoicing == "posted"
                else self.env._("draft"),
            )
        )

    def _todo(self, order, text):
        """A To Do for the order's salesperson."""
        user = order.user_id or order.opportunity_id.user_id or order.team_id.user_id
        # sudo: the integration user schedules the salesperson's activity on an
        # order it may not be allowed to follow itself
        order.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("External CRM: order to review"),
            note=text,
            user_id=(user or self.env.user).id,
        )
