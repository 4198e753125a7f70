# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import BaseCase, tagged

from odoo.addons.external_crm_connector.services import policy
from odoo.addons.external_crm_connector.services.policy import APPLY, CONFLICT, KEEP

from .clock import moment

EARLY, LATE = moment(-2, 9), moment(-1, 9)


@tagged("post_install", "-at_install")
class TestPolicy(BaseCase):
    """The master policies as plain functions: no database."""

    def test_fixed_masters(self):
        for external_changed, odoo_changed in ((True, True), (False, False), (True, False)):
            args = (external_changed, odoo_changed, LATE, EARLY, "Odoo value")
            self.assertEqual(policy.decide("external", *args), APPLY)
            self.assertEqual(policy.decide("odoo", *args), KEEP)

    def test_newest(self):
        decide = policy.decide
        self.assertEqual(decide("newest", True, True, LATE, EARLY, ""), APPLY, "empty is filled")
        self.assertEqual(decide("newest", True, True, LATE, EARLY, 0.0), APPLY, "zero too")
        self.assertEqual(decide("newest", False, True, LATE, EARLY, "x"), KEEP)
        self.assertEqual(decide("newest", True, False, EARLY, LATE, "x"), APPLY)
        self.assertEqual(decide("newest", True, True, LATE, EARLY, "x"), APPLY)
        self.assertEqual(decide("newest", True, True, EARLY, LATE, "x"), KEEP)
        self.assertEqual(decide("newest", True, True, LATE, LATE, "x"), CONFLICT, "same time")
        self.assertEqual(decide("newest", True, True, None, LATE, "x"), CONFLICT, "no time")

    def test_same_compares_comparable_values(self):
        self.assertTrue(policy.same(1.0000001, 1.0))
        self.assertTrue(policy.same(None, False))
        self.assertTrue(policy.same("", False))
        self.assertTrue(policy.same(0.0, None))
        self.assertFalse(policy.same("a", "b"))
        self.assertFalse(policy.same("abc", 1.0), "a text is no amount")

    def test_times(self):
        self.assertTrue(policy.is_older(EARLY, LATE))
        self.assertFalse(policy.is_older(LATE, EARLY))
        self.assertFalse(policy.is_older(EARLY, None), "nothing applied yet")
        self.assertIsNone(policy.local_change_time(EARLY, LATE), "unchanged since the sync")
        self.assertEqual(policy.local_change_time(LATE, EARLY), LATE)
        self.assertEqual(policy.local_change_time(LATE, None), LATE)
        self.assertTrue(policy.is_repeat(False, LATE, LATE))
        self.assertFalse(policy.is_repeat(True, LATE, LATE), "it changed something")
        self.assertFalse(policy.is_repeat(False, LATE, EARLY))
        self.assertFalse(policy.is_repeat(False, None, None), "no time: not a repeat")

    def test_decide_fields(self):
        incoming = {"name": "New", "city": "Rabat", "phone": "+212", "email": "a@b.example"}
        current = {"name": "Old", "city": "Fes", "phone": "+212", "email": "c@d.example"}
        masters = {"name": "external", "city": "odoo", "phone": "newest", "email": "newest"}
        last = {"city": "Casablanca", "email": "e@f.example"}
        decisions, seen = policy.decide_fields(incoming, current, masters, last, False, None, None)
        self.assertEqual(
            [(d.field_name, d.decision, d.external_changed) for d in decisions],
            [("name", APPLY, True), ("city", KEEP, True), ("email", CONFLICT, True)],
            "phone is equal on both sides: no decision",
        )
        self.assertEqual(
            seen,
            {"name": "New", "city": "Rabat", "phone": "+212", "email": "e@f.example"},
            "a field in conflict keeps the value last seen",
        )
        self.assertEqual(last, {"city": "Casablanca", "email": "e@f.example"}, "not changed")
        email = decisions[-1]
        self.assertEqual(
            (email.current, email.value, email.last), ("c@d.example", "a@b.example", "e@f.example")
        )

    def test_decide_fields_first_sync(self):
        decisions, seen = policy.decide_fields(
            {"email": "a@b.example"},
            {"email": "c@d.example"},
            {"email": "newest"},
            {},
            True,
            LATE,
            EARLY,
        )
        self.assertEqual([d.decision for d in decisions], [APPLY], "the newer change wins")
        self.assertEqual(seen, {"email": "a@b.example"})
