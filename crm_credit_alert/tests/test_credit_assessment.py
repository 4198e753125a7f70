# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The credit policy's decisions, without a database.

``BaseCase`` is Odoo's ``unittest.TestCase`` with test tags and no
environment: nothing here opens a cursor, and Odoo's runner (which skips
classes without tags) runs these tests as pytest does.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase
from odoo.tools.float_utils import float_compare

from odoo.addons.crm_credit_alert.policy import (
    MAX_OVERRIDE_DAYS,
    MAX_POLICY_DAYS,
    POLICY_LIMIT_FIELDS,
    POLICY_LIMITS,
    CreditPolicy,
    FigureFormatter,
    alert_message,
    assess,
    badge_text,
    compare_amounts,
    figures_worse,
    first_violation,
    limit_message,
)

# English, a dollar after the amount: what ``format_amount`` writes for
# en_US and a currency placed after
FIGURES = FigureFormatter(
    grouping=[3, 0],
    thousands_sep=",",
    decimal_point=".",
    decimal_places=2,
    rounding=0.01,
    symbol="$",
    symbol_before=False,
)


class English:
    """``env._`` of an English environment: the source, formatted; a lazy
    term (the policy's table) in English."""

    def _(self, source, *args, **kwargs):
        if not isinstance(source, str):
            return str(source)
        params = args or kwargs
        return source % params if params else source


def money(amount):
    return FIGURES.amount(amount)


def figures(overdue=0.0, count=0, oldest=0, balance=None, credits=0.0, credit_count=0):
    """Open receivable figures of a customer, as the bridge gives them:
    ``overdue`` owed past due, and ``credits`` not yet allocated (credit
    notes and payments, ``credit_count`` of them)."""
    return {
        "receivable_balance": (overdue - credits) if balance is None else balance,
        "overdue_amount": overdue,
        "overdue_owed_amount": overdue,
        "unallocated_credit_amount": credits,
        "unallocated_credit_count": credit_count,
        "overdue_invoice_count": count,
        "oldest_overdue_days": oldest,
    }


class TestAssessmentLevels(BaseCase):
    """Every level, and each threshold of the policy on both sides."""

    policy = CreditPolicy()

    def _level(self, receivable, credit_limit=0.0, to_invoice=0.0, **policy):
        policy = CreditPolicy(**policy) if policy else self.policy
        return assess(receivable, credit_limit, to_invoice, policy)["level"]

    def test_nothing_owed_no_alert(self):
        self.assertEqual(self._level(figures()), "none")
        self.assertEqual(self._level(figures(balance=500.0)), "none")

    def test_overdue_warns_then_blocks_at_the_block_days(self):
        self.assertEqual(self._level(figures(100.0, 1, 59)), "warning")
        self.assertEqual(self._level(figures(100.0, 1, 60)), "block")
        self.assertEqual(self._level(figures(100.0, 1, 60), block_days=61), "warning")
        # 0 days: every counted overdue invoice blocks
        self.assertEqual(self._level(figures(100.0, 1, 1), block_days=0), "block")

    def test_minimum_overdue_amount(self):
        self.assertEqual(self._level(figures(499.99, 1, 10), min_overdue_amount=500.0), "none")
        self.assertEqual(self._level(figures(500.0, 1, 10), min_overdue_amount=500.0), "warning")
        # below the minimum, however old: not even a block
        self.assertEqual(self._level(figures(100.0, 1, 150), min_overdue_amount=500.0), "none")

    def test_amounts_compare_at_the_currency_precision(self):
        self.assertEqual(self._level(figures(0.004, 1, 90)), "none")
        self.assertEqual(self._level(figures(499.996, 1, 10), min_overdue_amount=500.0), "warning")
        self.assertEqual(self._level(figures(0.4, 1, 90), rounding=1.0), "none")

    def test_credit_limit_exceeded_blocks_or_warns(self):
        self.assertEqual(self._level(figures(balance=1000.0), 1000.0), "warning")  # 100 % used
        self.assertEqual(self._level(figures(balance=1000.01), 1000.0), "block")
        self.assertEqual(
            self._level(figures(balance=1000.01), 1000.0, block_on_limit=False), "warning"
        )
        # orders not yet invoiced count as used
        self.assertEqual(self._level(figures(balance=600.0), 1000.0, 400.01), "block")

    def test_warning_percentage(self):
        self.assertEqual(self._level(figures(balance=799.99), 1000.0), "none")
        self.assertEqual(self._level(figures(balance=800.0), 1000.0), "warning")
        self.assertEqual(self._level(figures(balance=800.0), 1000.0, warn_percent=0.0), "none")
        self.assertEqual(self._level(figures(balance=800.0), 1000.0, warn_percent=100.0), "none")

    def test_no_credit_limit_no_credit_figures(self):
        assessment = assess(figures(balance=5000.0), 0.0, 300.0, self.policy)
        self.assertEqual(assessment["level"], "none")
        self.assertEqual((assessment["credit_used"], assessment["credit_available"]), (0.0, 0.0))

    def test_overdue_block_stays_under_the_limit(self):
        """A limit left is no relief from overdue invoices; a limit exceeded
        blocks a customer the overdue invoices only warn about."""
        blocked = assess(figures(100.0, 1, 70), 10000.0, 0.0, self.policy)
        self.assertEqual((blocked["level"], blocked["overdue_blocks"]), ("block", True))
        over = assess(figures(100.0, 1, 10, balance=1200.0), 1000.0, 0.0, self.policy)
        self.assertEqual((over["level"], over["overdue_blocks"]), ("block", False))

    def test_assessment_gives_the_figures(self):
        self.assertEqual(
            assess(figures(300.0, 2, 47, balance=900.0), 1000.0, 50.0, self.policy),
            {
                "level": "warning",
                "overdue_counts": True,
                "overdue_blocks": False,
                "overdue_amount": 300.0,
                "overdue_owed_amount": 300.0,
                "overdue_covered_amount": 0.0,
                "unallocated_credit_count": 0,
                "overdue_covered": False,
                "overdue_invoice_count": 2,
                "oldest_overdue_days": 47,
                "credit_limit": 1000.0,
                "credit_used": 950.0,
                "credit_available": 50.0,
            },
        )


class TestAlertMessage(BaseCase):
    """The sentence of each case, with the figures formatted as Odoo does."""

    def _message(self, receivable, credit_limit=0.0, to_invoice=0.0, **extra):
        assessment = assess(receivable, credit_limit, to_invoice, CreditPolicy())
        return alert_message(dict(assessment, **extra), FIGURES, English())

    def test_no_figure_no_sentence(self):
        self.assertEqual(self._message(figures()), "")

    def test_overdue_invoices_singular_and_plural(self):
        self.assertEqual(
            self._message(figures(100.0, 1, 1)),
            f"1 overdue invoice, {money(100)}, oldest 1 day overdue",
        )
        self.assertEqual(
            self._message(figures(12450.0, 3, 47)),
            f"3 overdue invoices, {money(12450)}, oldest 47 days overdue",
        )
        self.assertEqual(
            self._message(figures(1e6, 1234, 1000)),
            f"1,234 overdue invoices, {money(1e6)}, oldest 1,000 days overdue",
        )

    def test_credit_left_and_over_the_limit(self):
        self.assertEqual(
            self._message(figures(balance=1000.0), 1000.0), f"{money(0)} of credit left"
        )
        self.assertEqual(
            self._message(figures(balance=1000.0), 1000.0, 200.0),
            f"{money(200)} over the credit limit of {money(1000)}",
        )
        self.assertEqual(
            self._message(figures(balance=1000.0), 1000.0, 200.0, order_amount=150.0),
            f"{money(200)} over the credit limit of {money(1000)} with this order of {money(150)}",
        )

    def test_every_figure_in_one_sentence(self):
        self.assertEqual(
            self._message(figures(12450.0, 3, 47, balance=18000.0), 20000.0),
            f"3 overdue invoices, {money(12450)}, oldest 47 days overdue; "
            f"{money(2000)} of credit left",
        )

    def test_overdue_under_the_minimum_is_not_named(self):
        assessment = assess(figures(100.0, 1, 10), 0.0, 0.0, CreditPolicy(min_overdue_amount=500))
        self.assertEqual(alert_message(assessment, FIGURES, English()), "")


class TestUnallocatedCredits(BaseCase):
    """Overdue invoices that credits not yet allocated (credit notes,
    payments) cover: a note for accounting, not an alert; partly covered,
    the policy applies to what is left."""

    policy = CreditPolicy()

    def _assess(self, receivable, credit_limit=0.0, **policy):
        return assess(receivable, credit_limit, 0.0, CreditPolicy(**policy))

    def _message(self, assessment):
        return alert_message(assessment, FIGURES, English())

    def test_fully_covered_no_alert_and_reconcile(self):
        assessment = self._assess(figures(3000.0, 2, 90, credits=3000.0, credit_count=1))
        self.assertEqual(assessment["level"], "none")
        self.assertTrue(assessment["overdue_covered"])
        self.assertFalse(assessment["overdue_counts"])
        self.assertEqual(assessment["overdue_amount"], 0.0)
        self.assertEqual(
            self._message(assessment),
            f"2 overdue invoices, {money(3000)}, covered by 1 unallocated credit note / "
            "payment: ask accounting to reconcile",
        )
        self.assertEqual(badge_text(assessment, FIGURES, English()), "")
        # more credit than owed: covered all the same
        more = self._assess(figures(3000.0, 2, 90, credits=5000.0, credit_count=3))
        self.assertEqual(more["level"], "none")
        self.assertEqual(more["overdue_covered_amount"], 3000.0)
        self.assertIn("covered by 3 unallocated credit notes / payments", self._message(more))

    def test_partly_covered_on_the_net_amount(self):
        # 3,000 overdue for 70 days, 2,000 of credits: 1,000 left, still old enough to block
        assessment = self._assess(figures(3000.0, 2, 70, credits=2000.0, credit_count=2))
        self.assertEqual(assessment["level"], "block")
        self.assertEqual(assessment["overdue_amount"], 1000.0)
        self.assertEqual(assessment["overdue_covered_amount"], 2000.0)
        self.assertEqual(
            self._message(assessment),
            f"2 overdue invoices, {money(1000)} not covered ({money(3000)} overdue, "
            f"{money(2000)} covered by 2 unallocated credit notes / payments: ask accounting "
            "to reconcile), oldest 70 days overdue",
        )
        self.assertEqual(badge_text(assessment, FIGURES, English()), f"Overdue {money(1000)}")

    def test_the_minimum_applies_to_the_net_amount(self):
        # 1,000 overdue, 600 covered: the 400 left are under a minimum of 500
        assessment = self._assess(
            figures(1000.0, 1, 20, credits=600.0, credit_count=1), min_overdue_amount=500.0
        )
        self.assertEqual(assessment["level"], "none")
        self.assertFalse(assessment["overdue_covered"])
        self.assertEqual(self._message(assessment), "")
        warned = self._assess(
            figures(1000.0, 1, 20, credits=400.0, credit_count=1), min_overdue_amount=500.0
        )
        self.assertEqual((warned["level"], warned["overdue_amount"]), ("warning", 600.0))

    def test_credits_with_nothing_overdue_say_nothing(self):
        assessment = self._assess(figures(0.0, 0, 0, credits=800.0, credit_count=1))
        self.assertEqual((assessment["level"], self._message(assessment)), ("none", ""))

    def test_covered_overdue_beside_a_credit_limit(self):
        # covered overdue, 1,500 over a limit of 1,000 (a balance of 2,500 not yet due)
        assessment = self._assess(
            figures(3000.0, 2, 90, credits=3000.0, credit_count=1, balance=2500.0), 1000.0
        )
        self.assertEqual(assessment["level"], "block")
        self.assertEqual(
            self._message(assessment),
            f"2 overdue invoices, {money(3000)}, covered by 1 unallocated credit note / "
            f"payment: ask accounting to reconcile; {money(1500)} over the credit limit of "
            f"{money(1000)}",
        )
        self.assertEqual(badge_text(assessment, FIGURES, English()), f"Over limit {money(1500)}")


class TestBadgeText(BaseCase):
    """The badge carries the amount that matters."""

    def _badge(self, receivable, credit_limit=0.0):
        return badge_text(assess(receivable, credit_limit, 0.0, CreditPolicy()), FIGURES, English())

    def test_badges(self):
        self.assertEqual(self._badge(figures()), "")
        self.assertEqual(self._badge(figures(12450.0, 3, 47)), f"Overdue {money(12450)}")
        self.assertEqual(self._badge(figures(balance=850.0), 1000.0), f"Credit left {money(150)}")
        self.assertEqual(self._badge(figures(balance=1200.0), 1000.0), f"Over limit {money(200)}")


class TestFiguresWorse(BaseCase):
    """An override holds while the customer owes no more than it showed."""

    given = {"overdue_amount": 1500.0, "credit_limit": 1000.0, "credit_available": -200.0}

    def _worse(self, receivable, credit_limit=1000.0):
        assessment = assess(receivable, credit_limit, 0.0, CreditPolicy())
        return figures_worse(self.given, assessment, 0.01)

    def test_same_or_better_figures(self):
        self.assertFalse(self._worse(figures(1500.0, 1, 70, balance=1200.0)))
        self.assertFalse(self._worse(figures(1000.0, 1, 70, balance=1100.0)))

    def test_more_overdue(self):
        self.assertTrue(self._worse(figures(1500.01, 1, 70, balance=1200.0)))

    def test_less_credit_left(self):
        self.assertTrue(self._worse(figures(1500.0, 1, 70, balance=1200.01)))
        # over a limit the override did not show
        given = dict(self.given, credit_limit=0.0, credit_available=0.0)
        assessment = assess(figures(balance=1000.01), 1000.0, 0.0, CreditPolicy())
        self.assertTrue(figures_worse(given, assessment, 0.01))


class TestPolicyLimits(BaseCase):
    """The bounds of the policy's settings, from the one table."""

    valid = {
        "credit_alert_override_days": 7,
        "credit_alert_grace_days": 0,
        "credit_alert_block_days": 60,
        "credit_alert_min_overdue_amount": 0.0,
        "credit_alert_warn_percent": 80.0,
    }

    def test_table_covers_the_settings(self):
        self.assertEqual(set(POLICY_LIMIT_FIELDS), set(self.valid))
        self.assertIsNone(first_violation(self.valid))

    def test_each_bound_is_kept_and_refused_past_it(self):
        for limit in POLICY_LIMITS:
            for bound, outside in ((limit.minimum, -1), (limit.maximum, 1)):
                if bound is None:
                    continue
                with self.subTest(field=limit.field, bound=bound):
                    self.assertIsNone(first_violation(dict(self.valid, **{limit.field: bound})))
                    refused = first_violation(dict(self.valid, **{limit.field: bound + outside}))
                    self.assertIs(refused, limit)

    def test_bounds(self):
        bounds = {(limit.field, limit.minimum, limit.maximum) for limit in POLICY_LIMITS}
        self.assertEqual(
            bounds,
            {
                ("credit_alert_override_days", 1, MAX_OVERRIDE_DAYS),
                ("credit_alert_grace_days", 0, None),
                ("credit_alert_grace_days", None, MAX_POLICY_DAYS),
                ("credit_alert_block_days", 0, None),
                ("credit_alert_block_days", None, MAX_POLICY_DAYS),
                ("credit_alert_min_overdue_amount", 0, None),
                ("credit_alert_warn_percent", 0, 100),
            },
        )
        self.assertEqual(MAX_POLICY_DAYS, 2**31 - 1)  # a PostgreSQL integer
        self.assertEqual(MAX_OVERRIDE_DAYS, 365)

    def test_messages_name_the_setting_and_the_value(self):
        refused = first_violation(dict(self.valid, credit_alert_warn_percent=100.01))
        self.assertEqual(
            limit_message(refused, English(), "Acme", 100.01),
            "Credit alerts of Acme: the percentage of the credit limit that triggers a "
            "warning must be between 0 and 100 (100.01 given).",
        )
        refused = first_violation(dict(self.valid, credit_alert_grace_days=3 * 10**9))
        self.assertEqual(
            limit_message(refused, English(), "Acme", 3 * 10**9),
            "Credit alerts of Acme: the grace days cannot be more than 2147483647 "
            "(3000000000 given).",
        )

    def test_first_bound_broken_is_reported(self):
        refused = first_violation(
            dict(self.valid, credit_alert_override_days=0, credit_alert_warn_percent=-1)
        )
        self.assertEqual(refused.field, "credit_alert_override_days")


class TestCompareAmounts(BaseCase):
    """``compare_amounts`` answers as Odoo's ``float_compare`` always does:
    the policy compares every customer's figures with it when a search
    classifies a whole customer base, where ``float_compare`` was most of
    the time spent."""

    ROUNDINGS = (0.01, 0.001, 1.0, 0.05, 0.5)

    def _assert_same(self, value1, value2, rounding):
        self.assertEqual(
            compare_amounts(value1, value2, rounding),
            float_compare(value1, value2, precision_rounding=rounding),
            f"{value1!r} against {value2!r} at {rounding}",
        )

    def test_edges_of_the_rounding(self):
        for rounding in self.ROUNDINGS:
            for base in (0.0, 1.0, -1.0, 123456.785, -98765.4321, 1e9):
                for steps in (0, 0.5, 1, 1.5, 2, 2.5, 3):
                    for tiny in (0.0, 1e-9, -1e-9, rounding / 1000, -rounding / 1000):
                        delta = steps * rounding + tiny
                        self._assert_same(base + delta, base, rounding)
                        self._assert_same(base, base + delta, rounding)
                        self._assert_same(base - delta, base, rounding)

    @given(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.sampled_from(ROUNDINGS),
    )
    @settings(max_examples=2000, deadline=None)
    def test_any_amounts(self, value1, value2, rounding):
        self._assert_same(value1, value2, rounding)

    @given(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
        st.integers(min_value=-300, max_value=300),
        st.sampled_from(ROUNDINGS),
    )
    @settings(max_examples=2000, deadline=None)
    def test_amounts_a_few_roundings_apart(self, value, steps, rounding):
        self._assert_same(value + steps * rounding / 100, value, rounding)
