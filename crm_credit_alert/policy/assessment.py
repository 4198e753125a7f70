# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which alert level a customer gets, and the sentence that says why."""

from dataclasses import dataclass

from odoo.tools.float_utils import float_compare

LEVELS = [
    ("none", "No alert"),
    ("warning", "Credit warning"),
    ("block", "Credit blocked"),
]
# Severity of each level, to tell an escalation from a relief.
SEVERITY = {"none": 0, "warning": 1, "block": 2}


def compare_amounts(value1, value2, rounding):
    """Odoo's ``float_compare(value1, value2, precision_rounding=rounding)``.

    Two amounts at least two roundings apart compare the same once rounded
    (rounding moves each by at most half a rounding), so only closer ones
    are rounded. A search classifies every customer of the base with the
    policy, and ``float_compare`` was most of its time (3.5 of 7 s for
    134,000 customers).
    """
    delta = value1 - value2
    if delta >= 2 * rounding:
        return 1
    if delta <= -2 * rounding:
        return -1
    return float_compare(value1, value2, precision_rounding=rounding)


@dataclass(frozen=True)
class CreditPolicy:
    """A company's credit policy, as the assessment reads it.

    ``rounding`` is the company currency's: amounts compare at its
    precision. The other values are the company's settings of the same name
    (``credit_alert_*``); the defaults are those of a new company.
    """

    rounding: float = 0.01
    min_overdue_amount: float = 0.0
    block_days: int = 60
    block_on_limit: bool = True
    warn_percent: float = 80.0


def assess(figures, credit_limit, to_invoice, policy):
    """Apply ``policy`` to one customer's figures.

    ``figures``: the bridge's open receivable figures of the customer
    (``receivable_balance``, ``overdue_invoice_count``,
    ``oldest_overdue_days``, ``overdue_owed_amount`` and the
    ``unallocated_credit_amount`` and ``unallocated_credit_count`` of the
    credit notes and payments not yet allocated), overdue counting from the
    policy's grace days; ``credit_limit`` (0 when none applies) and
    ``to_invoice`` (confirmed sales not yet invoiced) are Odoo's, in the
    company currency.

    The unallocated credits of the customer cover its overdue items first
    (what accounting would reconcile): the overdue amount is what they leave
    uncovered. Covered in full, the customer is not alerted for them, and the
    message asks accounting to reconcile. Overdue items count when the
    uncovered amount reaches the minimum; they give a warning, or a block
    once the oldest still open is ``block_days`` overdue (which invoice a
    credit settles is accounting's choice: the oldest is not assumed
    settled). Under a credit limit, credit use reaching the warning
    percentage warns, and a limit exceeded blocks (or warns, when blocking
    on the limit is off).

    Returns a dict: ``level``, ``overdue_counts``, ``overdue_blocks`` (the
    overdue invoices alone block), ``overdue_amount`` (uncovered),
    ``overdue_owed_amount``, ``overdue_covered_amount``,
    ``unallocated_credit_count``, ``overdue_covered`` (overdue items all
    covered by credits), ``overdue_invoice_count``, ``oldest_overdue_days``,
    ``credit_limit``, ``credit_used``, ``credit_available``.
    """
    rounding = policy.rounding
    owed = float(figures.get("overdue_owed_amount", figures["overdue_amount"]) or 0.0)
    credits = float(figures.get("unallocated_credit_amount") or 0.0)
    covered = max(min(owed, credits), 0.0)
    overdue_amount = owed - covered
    overdue_counts = (
        compare_amounts(overdue_amount, 0, rounding) > 0
        and compare_amounts(overdue_amount, policy.min_overdue_amount, rounding) >= 0
    )
    # overdue items all settled by credits waiting to be allocated: a note
    # for accounting, not an alert (from the same minimum as an alert)
    overdue_covered = (
        compare_amounts(owed, 0, rounding) > 0
        and compare_amounts(overdue_amount, 0, rounding) <= 0
        and compare_amounts(owed, policy.min_overdue_amount, rounding) >= 0
    )
    level = "none"
    overdue_blocks = False
    if overdue_counts:
        overdue_blocks = figures["oldest_overdue_days"] >= policy.block_days
        level = "block" if overdue_blocks else "warning"
    credit_used = credit_available = 0.0
    if credit_limit:
        # the bridge's definition of credit available (Odoo's credit limit
        # and sales to invoice), in the company currency
        credit_used = figures["receivable_balance"] + to_invoice
        credit_available = credit_limit - credit_used
        exceeded = compare_amounts(credit_available, 0, rounding) < 0
        percent = policy.warn_percent
        reached = bool(percent) and (
            compare_amounts(credit_used, credit_limit * percent / 100, rounding) >= 0
        )
        if exceeded and policy.block_on_limit:
            level = "block"
        elif level == "none" and (exceeded or reached):
            level = "warning"
    return {
        "level": level,
        "overdue_counts": overdue_counts,
        "overdue_blocks": overdue_blocks,
        "overdue_amount": overdue_amount,
        "overdue_owed_amount": owed,
        "overdue_covered_amount": covered,
        "unallocated_credit_count": int(figures.get("unallocated_credit_count") or 0),
        "overdue_covered": overdue_covered,
        "overdue_invoice_count": figures["overdue_invoice_count"],
        "oldest_overdue_days": figures["oldest_overdue_days"],
        "credit_limit": credit_limit,
        "credit_used": credit_used,
        "credit_available": credit_available,
    }


def _overdue_part(assessment, figures, env):
    """The overdue part of ``alert_message``, or None when nothing overdue counts."""
    covered = assessment.get("overdue_covered_amount", 0.0)
    is_covered = compare_amounts(covered, 0, figures.rounding) > 0
    if not assessment["overdue_counts"] and not assessment.get("overdue_covered"):
        return None
    count = assessment["overdue_invoice_count"]
    # each term in a call of its own: the export skips a call nested in
    # the arguments of another
    if count == 1:
        invoices = env._("1 overdue invoice")
    else:
        invoices = env._("%(count)s overdue invoices", count=figures.number(count))
    credits = None
    if is_covered:
        if assessment["unallocated_credit_count"] == 1:
            credits = env._("1 unallocated credit note / payment")
        else:
            credits = env._(
                "%(count)s unallocated credit notes / payments",
                count=figures.number(assessment["unallocated_credit_count"]),
            )
    if not assessment["overdue_counts"]:
        # covered in full: nothing to chase, only to reconcile
        return env._(
            "%(invoices)s, %(amount)s, covered by %(credits)s: ask accounting to reconcile",
            invoices=invoices,
            amount=figures.amount(assessment["overdue_owed_amount"]),
            credits=credits,
        )
    days = assessment["oldest_overdue_days"]
    if days == 1:
        oldest = env._("oldest 1 day overdue")
    else:
        oldest = env._("oldest %(days)s days overdue", days=figures.number(days))
    if is_covered:
        return env._(
            "%(invoices)s, %(amount)s not covered (%(owed)s overdue, %(covered)s covered "
            "by %(credits)s: ask accounting to reconcile), %(oldest)s",
            invoices=invoices,
            amount=figures.amount(assessment["overdue_amount"]),
            owed=figures.amount(assessment["overdue_owed_amount"]),
            covered=figures.amount(covered),
            credits=credits,
            oldest=oldest,
        )
    return env._(
        "%(invoices)s, %(amount)s, %(oldest)s",
        invoices=invoices,
        amount=figures.amount(assessment["overdue_amount"]),
        oldest=oldest,
    )


def alert_message(assessment, figures, env):
    """One plain sentence with the figures of ``assessment``.

    For example "3 overdue invoices, 12,450.00 MAD, oldest 47 days overdue;
    2,000.00 MAD of credit left", or an empty string when nothing is
    overdue and no credit limit applies. Overdue items covered by credits
    not yet allocated say so, and ask accounting to reconcile. ``figures``
    is the ``FigureFormatter`` of the reader's language and the company
    currency; ``env`` translates (``env._``, as Odoo's environment does). An
    assessment with an ``order_amount`` (an order that would go over the
    limit) names that order.
    """
    parts = []
    overdue = _overdue_part(assessment, figures, env)
    if overdue:
        parts.append(overdue)
    if assessment["credit_limit"]:
        available = assessment["credit_available"]
        if compare_amounts(available, 0, figures.rounding) >= 0:
            parts.append(env._("%(amount)s of credit left", amount=figures.amount(available)))
        elif assessment.get("order_amount"):
            parts.append(
                env._(
                    "%(amount)s over the credit limit of %(limit)s with this order of %(order)s",
                    amount=figures.amount(-available),
                    limit=figures.amount(assessment["credit_limit"]),
                    order=figures.amount(assessment["order_amount"]),
                )
            )
        else:
            parts.append(
                env._(
                    "%(amount)s over the credit limit of %(limit)s",
                    amount=figures.amount(-available),
                    limit=figures.amount(assessment["credit_limit"]),
                )
            )
    if len(parts) == 2:
        # the separator is the language's ("; " in English, " ; " in French)
        return env._("%(overdue)s; %(credit)s", overdue=parts[0], credit=parts[1])
    return parts[0] if parts else ""


def badge_text(assessment, figures, env):
    """The short text of the alert's badge, with the amount that matters:
    "Overdue 12,450.00 MAD" (uncovered), "Over limit 500.00 MAD", or the
    credit left under a limit whose use warns. Empty without an alert."""
    if assessment["level"] == "none":
        return ""
    if assessment["overdue_counts"]:
        return env._("Overdue %(amount)s", amount=figures.amount(assessment["overdue_amount"]))
    available = assessment["credit_available"]
    if compare_amounts(available, 0, figures.rounding) < 0:
        return env._("Over limit %(amount)s", amount=figures.amount(-available))
    return env._("Credit left %(amount)s", amount=figures.amount(available))


def figures_worse(given, assessment, rounding):
    """Whether the customer owes more now than the figures ``given`` with an
    override: more overdue, or less credit left under the limit.

    ``given``: the figures recorded on the override (``overdue_amount``,
    ``credit_limit``, ``credit_available``); ``assessment``: the customer's
    now; ``rounding``: the currency's.
    """
    if assessment["overdue_counts"] and (
        float_compare(
            assessment["overdue_amount"], given["overdue_amount"], precision_rounding=rounding
        )
        > 0
    ):
        return True
    available = assessment["credit_available"]
    return bool(
        assessment["credit_limit"]
        and compare_amounts(available, 0, rounding) < 0
        and (
            not given["credit_limit"]
            or compare_amounts(available, given["credit_available"], rounding) < 0
        )
    )
