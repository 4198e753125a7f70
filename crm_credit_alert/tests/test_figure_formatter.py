# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged
from odoo.tools import format_amount, formatLang

from odoo.addons.crm_credit_alert.policy import FigureFormatter


@tagged("post_install", "-at_install")
class TestFigureFormatter(TransactionCase):
    """The batch formatter of alert messages writes exactly what Odoo's
    ``format_amount`` and ``formatLang`` write, in every language."""

    NUMBERS = (0, 1, 7, 47, 1000, 1234567, -3)
    AMOUNTS = (0.0, 0.5, 12.345, 900.0, 12450.0, 1234567.891, -2000.0, -0.004)

    def _check(self, lang_code, currency):
        env = self.env(context=dict(self.env.context, lang=lang_code))
        figures = FigureFormatter.for_env(env, currency)
        for number in self.NUMBERS:
            self.assertEqual(figures.number(number), formatLang(env, number, digits=0))
        for amount in self.AMOUNTS:
            self.assertEqual(figures.amount(amount), format_amount(env, amount, currency))

    def test_same_output_as_odoo(self):
        for code in ("fr_FR", "de_CH", "ar_001", "hi_IN"):
            self.env["res.lang"]._activate_lang(code)
        currencies = [
            self.env.ref("base.USD"),  # symbol before
            self.env.ref("base.EUR"),  # symbol after
            self.env.ref("base.MAD"),
            self.env.ref("base.JPY"),  # no decimals
            self.env.ref("base.KWD"),  # three decimals
        ]
        for currency in currencies:
            currency.active = True
            for code in ("en_US", "fr_FR", "de_CH", "ar_001", "hi_IN"):
                with self.subTest(lang=code, currency=currency.name):
                    self._check(code, currency)
