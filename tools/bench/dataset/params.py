# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Size and shape of the data set.

``Params`` are recorded in the database's marker: a database built with
other parameters is rebuilt. The shares below shape every build alike.

Sizes (``--size``): ``default`` is the data set every benchmark measures
(20,000 customers, 200,000 invoices); ``large`` is ten times as large
(issue 20: 200,000 customers, 2,000,000 invoices), and ``Nx`` is N times
as large. Every count grows in proportion; the shape (shares, ratios,
seed) stays, so that the sizes compare.
"""

import re
from dataclasses import dataclass, replace


@dataclass
class Params:
    """Size and shape of the data set; a database built with others is rebuilt."""

    customers: int = 20_000
    invoices: int = 200_000
    open_credit_notes: int = 1_000
    unallocated_payments: int = 1_000
    contacts_every: int = 4  # one customer in N has a contact
    opportunities: int = 2_000
    sale_orders: int = 300
    invoices_per_deal: int = 4  # a won opportunity per N invoices of a customer
    seed: float = 0.42

    # what grows with the size; the other parameters are ratios or the seed
    SCALED = (
        "customers",
        "invoices",
        "open_credit_notes",
        "unallocated_payments",
        "opportunities",
        "sale_orders",
    )

    def scaled(self, factor):
        """These parameters with every count ``factor`` times as large."""
        return replace(self, **{name: getattr(self, name) * factor for name in self.SCALED})


# ``--size``: named sizes, and how many times the default each one is
SIZES = {"default": 1, "large": 10}
SIZE_PATTERN = re.compile(r"(\d+)x")


def size_factor(size):
    """How many times the default data set ``size`` is: ``default``,
    ``large`` (10) or ``Nx``; raise ``ValueError`` otherwise."""
    if size in SIZES:
        return SIZES[size]
    match = SIZE_PATTERN.fullmatch(size)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"unknown size {size!r}: default, large or a factor such as 2x")
    return int(match.group(1))


def params_of_size(size):
    """The ``Params`` of a size (see ``size_factor``)."""
    return Params().scaled(size_factor(size))


# Share of invoices per outcome (the rest stays open). An outcome whose
# settlement date would fall after today leaves the invoice open.
SHARE_PAID_LATE = 0.33
SHARE_PAID_ON_TIME = 0.50
SHARE_PARTIAL = 0.05
SHARE_REVERSED = 0.005
# Share of full payments received as bank statement lines (no account.payment).
SHARE_STATEMENT = 0.2
# History span of invoice dates, in days before today.
SPAN_DAYS = 730
# Payment terms used (xml id, days after the invoice date).
PAYMENT_TERMS = (
    ("account.account_payment_term_immediate", 0),
    ("account.account_payment_term_15days", 15),
    ("account.account_payment_term_30days", 30),
    ("account.account_payment_term_45days", 45),
)
