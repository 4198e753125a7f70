# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What happened over the months before today: orders, invoices, payments, opportunities.

Plain Python, no Odoo: ``make_plan`` draws the history from a fixed seed,
with every date relative to today, so that a demo built on any day tells
the same story. The story customers' last months are written out by hand
(``_story``): they must end in the state the story needs (blocked, late,
over the limit, credit notes matched), whatever the draw.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .cast import (
    BASKET,
    BUYER,
    COMPANIES,
    EXTRAS_FR,
    EXTRAS_MA,
    FR_VATS,
    PRODUCTS,
    STORY,
    Customer,
    Text,
)

SEED = 20260101
# days after the due date when a payment comes, by behaviour: (low, high)
DELAYS = {
    "good": ((-10, 1),),
    "mixed": ((-5, 2), (-5, 2), (5, 25)),
    "late": ((12, 48),),
}
# the shortest history that still holds the story's invoices (months)
MIN_MONTHS = 6
MAX_CUSTOMERS = len(STORY) + len(EXTRAS_MA) + len(EXTRAS_FR)
PRODUCT_BY_CODE = {product.code: product for product in PRODUCTS}
COMPANY_BY_KEY = {company.key: company for company in COMPANIES}
STORY_KEYS = {customer.key for customer in STORY}

PROJECTS = (
    Text("showroom renovation", "rénovation du showroom"),
    Text("40-flat residence, bathrooms", "résidence de 40 logements, salles de bains"),
    Text("hotel refurbishment, 24 rooms", "rénovation d'hôtel, 24 chambres"),
    Text("spring restocking", "réassort de printemps"),
    Text("villa project", "projet de villa"),
    Text("office building tiling", "carrelage d'un immeuble de bureaux"),
    Text("riad renovation", "rénovation de riad"),
    Text("annual framework agreement", "contrat-cadre annuel"),
    Text("school washrooms", "sanitaires d'une école"),
    Text("clinic extension", "extension d'une clinique"),
    Text("pool house and terraces", "pool house et terrasses"),
    Text("shop fitting", "aménagement de boutique"),
)
LOST_REASONS = ("crm.lost_reason_1", "crm.lost_reason_2", "crm.lost_reason_3")
PROSPECTS = (
    ("Fès Habitat Neuf", "Fès", "Kamal Berrada", Text("model flats", "appartements témoins")),
    (
        "Agadir Bay Resort",
        "Agadir",
        "Yasmina Tahiri",
        Text("beach resort, 120 bathrooms", "resort balnéaire, 120 salles de bains"),
    ),
    (
        "Rabat Clinique Les Orangers",
        "Rabat",
        "Dr Hakim Sefrioui",
        Text("new operating wing", "nouvelle aile opératoire"),
    ),
)


@dataclass
class Line:
    code: str
    quantity: float
    price: float
    discount: float = 0.0


@dataclass
class CreditNote:
    """A credit note reversing part of an invoice, matched to it."""

    days: int  # after the invoice date
    lines: dict  # product code: quantity credited
    reason: Text


@dataclass
class Sale:
    """An order and what followed: its invoice and the invoice's payments.

    ``state``: ``invoiced`` (confirmed and invoiced), ``order`` (confirmed,
    not invoiced yet) or ``quotation``. ``payments`` are ``(days after the
    due date, share of the invoice)``; a payment that would fall after
    yesterday is not made, and the invoice stays open.
    """

    key: str
    customer: Customer
    day: int  # order date, days before today
    lines: list
    state: str = "invoiced"
    invoice_after: int = 0  # days from the order to the invoice
    payments: list = field(default_factory=list)
    credit_note: CreditNote | None = None
    project: Text | None = None  # the opportunity it was won from
    # paid by yesterday at the latest, whatever the delay drawn
    settle: bool = False

    def order_date(self, today):
        return today - timedelta(days=self.day)

    def invoice_date(self, today):
        return today - timedelta(days=max(self.day - self.invoice_after, 0))


@dataclass
class Lead:
    key: str
    customer: Customer | None
    name: Text
    stage: str  # new, qualified, proposition, lost
    expected_revenue: float
    deadline: int  # days from today
    lost_reason: str | None = None
    prospect: tuple | None = None  # (company name, city, contact) without customer
    quotation: list | None = None  # lines of its quotation
    age: int = 30  # days since it was created


@dataclass
class Plan:
    today: date
    months: int
    customers: list
    sales: list
    leads: list

    def customer(self, key):
        return next(customer for customer in self.customers if customer.key == key)


def make_plan(today, customers=40, months=18, seed=SEED):
    """The whole history, drawn from ``seed``: the same plan for the same arguments."""
    if months < MIN_MONTHS:
        raise ValueError(f"the story needs at least {MIN_MONTHS} months of history")
    if not len(STORY) <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"the story has {len(STORY)} to {MAX_CUSTOMERS} customers")
    rng = random.Random(seed)
    cast = list(STORY) + _extras(rng, customers - len(STORY))
    sales, leads = [], []
    for customer in cast:
        history_end = 0 if customer.key not in STORY_KEYS else STORY_END.get(customer.key, 45)
        sales += _history(rng, customer, months * 30, history_end)
        leads += _leads(rng, customer)
    sales += _story({customer.key: customer for customer in cast})
    leads += _prospects(rng)
    return Plan(today=today, months=months, customers=cast, sales=sales, leads=leads)


# days before today where the drawn history of a story customer ends: its
# last months are written by hand
STORY_END = {
    "riad": 130,
    "atlas": 70,
    "yasmine": 105,
    "babsouk": 40,
    "oasis": 10_000,
    "rhone": 80,
    "lumiere": 40,
}


def _extras(rng, count):
    """Ordinary customers: Moroccan ones first, a quarter French, behaviour drawn."""
    french = min(len(EXTRAS_FR), max(count // 4, 1 if count > 2 else 0))
    moroccan = min(len(EXTRAS_MA), count - french)
    rows = [(row, "casa") for row in EXTRAS_MA[:moroccan]]
    rows += [(row, "lyon") for row in EXTRAS_FR[:french]]
    extras = []
    for index, ((name, city, zip_code, industry, contact), company) in enumerate(rows):
        behaviour = rng.choices(("good", "mixed", "late"), (55, 27, 18))[0]
        vat = FR_VATS[index - moroccan] if company == "lyon" else f"4{2000000 + index * 7919:07d}"
        key_account = rng.random() < 0.15
        extras.append(
            Customer(
                key=f"extra{index:02d}",
                name=name,
                company=company,
                city=city,
                zip=zip_code,
                street=_street(rng, company),
                vat=vat,
                industry=industry,
                contact=contact,
                contact_function=BUYER,
                behaviour=behaviour,
                orders_per_month=round(rng.uniform(0.2, 0.9), 2) + (0.6 if key_account else 0),
                terms=rng.choice(("30", "30", "30", "45", "15", "eom", "immediate")),
                team="lyon" if company == "lyon" else ("key" if key_account else "sales"),
                seller="manager" if company == "lyon" or key_account else "salesperson",
                tags=("key",) if key_account else (),
                discount=rng.choice((0.0, 0.0, 3.0, 5.0, 8.0)),
            )
        )
    return extras


def _street(rng, company):
    if company == "casa":
        kind = rng.choice(("Rue", "Avenue", "Boulevard"))
        name = rng.choice(("Hassan II", "Mohammed V", "Al Massira", "des Orangers"))
    else:
        kind = "Rue"
        name = rng.choice(("Garibaldi", "Victor Hugo", "de la Part-Dieu", "Paul Bert"))
    return f"{rng.randint(1, 180)} {kind} {name}"


def _lines(rng, customer, scale=1.0):
    company = COMPANY_BY_KEY[customer.company]
    basket = customer.basket or BASKET
    codes = list(basket)
    count = min(len(codes), rng.choice((1, 1, 2, 2, 3, 4)))
    chosen = []
    while len(chosen) < count:
        code = rng.choices(codes, [basket[c] for c in codes])[0]
        if code not in chosen:
            chosen.append(code)
    lines = []
    for code in chosen:
        product = PRODUCT_BY_CODE[code]
        low, high = product.quantity
        quantity = max(1, round(rng.randint(low, high) * scale))
        lines.append(Line(code, quantity, _price(product, company), customer.discount))
    if customer.free_delivery or rng.random() < 0.4:
        delivery = PRODUCT_BY_CODE[company.delivery_code]
        price = 0.0 if customer.free_delivery else _price(delivery, company)
        lines.append(Line(delivery.code, 1, price, 0.0))
    return lines


def _price(product, company):
    return round(product.price * company.price_factor, 2)


def _payments(rng, customer):
    """When the invoice is paid: ``[(days after the due date, share)]``."""
    low, high = rng.choice(DELAYS[customer.behaviour])
    delay = rng.randint(low, high)
    if customer.behaviour == "late" and rng.random() < 0.3:
        # half now, half weeks later
        return [(delay - 10, 0.5), (delay + 5, None)]
    return [(delay, None)]


def _history(rng, customer, span, end):
    """Orders of ``customer`` from ``span`` days ago until ``end`` days ago."""
    sales = []
    day = span
    while day > max(end, 2):
        month = min(30, day - end)
        count = sum(rng.random() < customer.orders_per_month / 2 for _ in range(2))
        count += int(customer.orders_per_month > 2 and rng.random() < 0.5)
        for _n in range(count):
            order_day = day - rng.randint(0, month - 1)
            if order_day <= max(end, 2):
                continue
            won = rng.random() < 0.25
            sales.append(
                Sale(
                    key=f"{customer.key}-{len(sales):03d}",
                    customer=customer,
                    day=order_day,
                    lines=_lines(rng, customer),
                    invoice_after=min(rng.randint(0, 4), order_day - 1),
                    payments=_payments(rng, customer),
                    project=rng.choice(PROJECTS) if won else None,
                )
            )
        day -= 30
    if customer.key in STORY_KEYS:
        # a story customer's drawn history is settled: its last months
        # (``_story``) decide what it owes today
        for sale in sales:
            sale.settle = True
    return sales


def _sale(customers, key, day, codes, invoice_after=1, payments=(), state="invoiced", **kw):
    customer = customers[key]
    company = COMPANY_BY_KEY[customer.company]
    lines = []
    for code, quantity, *price in codes:
        product = PRODUCT_BY_CODE[code]
        unit = price[0] if price else _price(product, company)
        lines.append(Line(code, quantity, unit, 0.0 if product.service else customer.discount))
    return Sale(
        key=f"{key}-story-{day}",
        customer=customer,
        day=day,
        lines=lines,
        state=state,
        invoice_after=invoice_after,
        payments=list(payments),
        **kw,
    )


def _story(customers):
    """The last months of the story customers, written out."""
    unpaid = []
    sales = [
        # blocked: the oldest invoice due 95 days ago, the next 68 days ago
        _sale(customers, "riad", 126, [("CAR-ZEL", 24), ("SAN-VAS", 6)], payments=unpaid),
        _sale(customers, "riad", 99, [("CAR-6060", 10), ("LIV-CASA", 1)], payments=unpaid),
        _sale(customers, "riad", 41, [("ROB-MIT", 12), ("JNT-5", 20)], payments=unpaid),
        # the chronic late payer: paid late again, then two overdue, one not due
        _sale(customers, "atlas", 100, [("CAR-6060", 12), ("COL-25", 60)], payments=[(31, None)]),
        _sale(customers, "atlas", 66, [("CAR-3030", 8), ("JNT-5", 25)], payments=unpaid),
        _sale(customers, "atlas", 41, [("SAN-WC", 6), ("LIV-CASA", 1)], payments=unpaid),
        _sale(customers, "atlas", 13, [("CAR-6060", 6)], payments=unpaid),
        # over its limit: large recent invoices, not due yet, and an order to invoice
        _sale(customers, "sahara", 40, [("CAR-6060", 40), ("COL-25", 120)], payments=unpaid),
        _sale(customers, "sahara", 21, [("SAN-WC", 24), ("SAN-VAS", 24)], payments=unpaid),
        _sale(customers, "sahara", 9, [("CAR-3030", 30), ("JNT-5", 60)], payments=unpaid),
        _sale(customers, "sahara", 5, [("SAN-DOU", 24), ("ROB-MIT", 24)], state="order"),
        # credit notes: three broken pallets credited, the rest paid; two
        # shower columns returned, their whole invoice credited although due
        _sale(
            customers,
            "yasmine",
            101,
            [("CAR-6060", 10), ("LIV-CASA", 1)],
            payments=[(2, None)],
            credit_note=CreditNote(
                15,
                {"CAR-6060": 3},
                Text("3 pallets broken in delivery", "3 palettes cassées à la livraison"),
            ),
        ),
        _sale(
            customers,
            "yasmine",
            51,
            [("SAN-DOU", 2)],
            payments=unpaid,
            credit_note=CreditNote(
                20,
                {"SAN-DOU": 2},
                Text("Wrong model returned", "Mauvais modèle retourné"),
            ),
        ),
        _sale(customers, "yasmine", 30, [("SAN-VAS", 8), ("ROB-MIT", 8)], payments=[(-8, None)]),
        _sale(customers, "yasmine", 12, [("CAR-ZEL", 16)], payments=unpaid),
        # near its limit: what it owes is not due yet
        _sale(customers, "babsouk", 33, [("CAR-6060", 10), ("COL-25", 40)], payments=[(-2, None)]),
        _sale(customers, "babsouk", 24, [("SAN-WC", 8), ("ROB-MIT", 10)], payments=unpaid),
        _sale(customers, "babsouk", 9, [("CAR-3030", 12), ("JNT-5", 30)], payments=unpaid),
        # the new customer: one invoice, not due yet
        _sale(customers, "oasis", 10, [("SAN-WC", 3), ("ROB-MIT", 6)], payments=unpaid),
        # Lyon: its best customer pays on time; the late payer is late again
        _sale(customers, "lumiere", 31, [("SAN-VAS", 6), ("LIV-LYON", 1)], payments=[(-4, None)]),
        _sale(customers, "lumiere", 12, [("CAR-6060", 10), ("COL-25", 30)], payments=unpaid),
        _sale(customers, "rhone", 76, [("CAR-6060", 8), ("LIV-LYON", 1)], payments=unpaid),
        _sale(customers, "rhone", 35, [("SAN-VAS", 3)], payments=[(20, None)]),
        _sale(customers, "rhone", 16, [("CAR-3030", 6)], payments=unpaid),
    ]
    return sales


def _leads(rng, customer):
    """Opportunities of a customer that are not won: open ones, and lost ones."""
    company = COMPANY_BY_KEY[customer.company]
    leads = []
    story_stage = {
        "riad": "proposition",
        "atlas": "qualified",
        "sahara": "proposition",
        "yasmine": "qualified",
        "majorelle": "proposition",
        "babsouk": "new",
        "oasis": "new",
        "benjelloun_freres": "qualified",
        "rhone": "proposition",
        "lumiere": "qualified",
    }
    if customer.key in story_stage:
        stage = story_stage[customer.key]
    elif rng.random() < 0.45:
        stage = rng.choice(("new", "qualified", "proposition"))
    else:
        stage = None
    if stage:
        project = PROJECTS[len(customer.name) % len(PROJECTS)]
        quotation = _lines(rng, customer, scale=2.0) if stage == "proposition" else None
        leads.append(
            Lead(
                key=f"{customer.key}-open",
                customer=customer,
                name=project,
                stage=stage,
                expected_revenue=round(rng.randint(4, 30) * 10_000 * company.price_factor, -2),
                deadline=rng.randint(10, 90),
                quotation=quotation if customer.key != "riad" else None,
                age=rng.randint(8, 120),
            )
        )
    lost = customer.key == "benjelloun_distribution"  # the story's lost tender
    if lost or (customer.key not in STORY_KEYS and rng.random() < 0.18):
        leads.append(
            Lead(
                key=f"{customer.key}-lost",
                customer=customer,
                name=rng.choice(PROJECTS),
                stage="lost",
                expected_revenue=round(rng.randint(3, 15) * 10_000 * company.price_factor, -2),
                deadline=-rng.randint(20, 200),
                lost_reason=LOST_REASONS[0] if lost else rng.choice(LOST_REASONS),
                age=rng.randint(220, 400),
            )
        )
    return leads


def _prospects(rng):
    return [
        Lead(
            key=f"prospect{index}",
            customer=None,
            name=project,
            stage="new" if index else "qualified",
            expected_revenue=rng.randint(10, 60) * 10_000,
            deadline=rng.randint(20, 120),
            prospect=(name, city, contact),
            age=rng.randint(2, 20),
        )
        for index, (name, city, contact, project) in enumerate(PROSPECTS)
    ]
