# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon

POLICY_FIELDS = (
    "credit_alert_grace_days",
    "credit_alert_min_overdue_amount",
    "credit_alert_block_days",
    "credit_alert_block_on_limit",
    "credit_alert_warn_percent",
)


@tagged("post_install", "-at_install")
class TestCreditSettings(CrmAccountingBridgeCommon):
    """The policy in Settings: defaults, saving, and refused values."""

    def _policy(self):
        self.env.invalidate_all()
        return {name: self.env.company[name] for name in POLICY_FIELDS}

    def _save(self, **values):
        self.env["res.config.settings"].create(values).execute()

    def test_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh company"})
        self.assertEqual(
            {name: company[name] for name in POLICY_FIELDS},
            {
                "credit_alert_grace_days": 0,
                "credit_alert_min_overdue_amount": 0.0,
                "credit_alert_block_days": 60,
                "credit_alert_block_on_limit": True,
                "credit_alert_warn_percent": 80.0,
            },
        )

    def test_settings_are_saved_on_the_company(self):
        self._save(
            credit_alert_grace_days=3,
            credit_alert_min_overdue_amount=250.0,
            credit_alert_block_days=45,
            credit_alert_block_on_limit=False,
            credit_alert_warn_percent=100.0,
        )
        self.assertEqual(
            self._policy(),
            {
                "credit_alert_grace_days": 3,
                "credit_alert_min_overdue_amount": 250.0,
                "credit_alert_block_days": 45,
                "credit_alert_block_on_limit": False,
                "credit_alert_warn_percent": 100.0,
            },
        )
        self._save(credit_alert_warn_percent=0.0, credit_alert_block_days=0)
        self.assertEqual(self._policy()["credit_alert_warn_percent"], 0.0)
        self.assertEqual(self._policy()["credit_alert_block_days"], 0)

    def test_refused_values_change_nothing(self):
        before = self._policy()
        cases = [
            ({"credit_alert_grace_days": -1}, "grace days cannot be negative"),
            ({"credit_alert_block_days": -5}, "blocked cannot be negative"),
            (
                {"credit_alert_min_overdue_amount": -0.01},
                "minimum overdue amount cannot be negative",
            ),
            ({"credit_alert_warn_percent": 100.01}, "must be between 0 and 100"),
            ({"credit_alert_warn_percent": -1.0}, "must be between 0 and 100"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                # a valid value saved together with the refused one is not kept
                # assertRaises rolls back as the request would; nothing is kept
                with self.assertRaises(ValidationError) as error:
                    self._save(
                        **{
                            "credit_alert_grace_days": 7,
                            "credit_alert_block_days": 30,
                            "credit_alert_block_on_limit": False,
                            **values,
                        }
                    )
                self.assertIn(message, str(error.exception))
                self.assertEqual(self._policy(), before)

    def test_refused_over_rpc_write_too(self):
        with self.assertRaises(ValidationError) as error:
            self.env.company.write({"credit_alert_warn_percent": 150})
        self.assertIn("between 0 and 100", str(error.exception))
        self.assertEqual(self._policy()["credit_alert_warn_percent"], 80.0)

    def test_days_out_of_range_refused_clearly(self):
        """Days the database cannot store: a clear error, not an SQL one."""
        before = self._policy()
        for values, message in (
            ({"credit_alert_grace_days": 10**12}, "grace days cannot be more than"),
            ({"credit_alert_block_days": 3 * 10**9}, "blocked cannot be more than"),
        ):
            with self.subTest(values=values):
                with self.assertRaises(ValidationError) as error:
                    self._save(**values)
                self.assertIn(message, str(error.exception))
                self.assertEqual(self._policy(), before)
        with self.assertRaises(ValidationError):
            self.env.company.write({"credit_alert_block_days": 2**31})
        # the largest value the database stores is kept
        self._save(credit_alert_block_days=2**31 - 1)
        self.assertEqual(self._policy()["credit_alert_block_days"], 2**31 - 1)
