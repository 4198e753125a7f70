# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Size and shape of the data set.

``Params`` are recorded in the database's marker: a database built with
other parameters is rebuilt. The shares below shape every build alike.
"""

from dataclasses import dataclass


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
