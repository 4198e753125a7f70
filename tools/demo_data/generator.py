# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The story, step by step, each step committed: accounting first, then sales."""

import json
import time

from .accounting import Accounting
from .connector import Connector
from .credit import Credit
from .database import BUILT_KEY
from .sales import Sales
from .setup import Setup


def build(db, plan, lang, base_url, say=print):
    """Tell the whole story in ``db`` (a new database with the modules installed)."""
    started = time.monotonic()
    with db.environment() as env:

        def step(label, function):
            begin = time.monotonic()
            function()
            env.cr.commit()
            say(f"  {label}: {time.monotonic() - begin:.0f}s")

        env["ir.config_parameter"].set_param("web.base.url", base_url)
        setup = Setup(env, plan, lang)
        step("companies and charts of accounts", setup.create_companies)
        step("French", setup.install_french)
        step("users and sales teams", lambda: (setup.create_users(), setup.create_teams()))
        step(
            "credit policy and readiness", lambda: (setup.credit_policy(), setup.check_readiness())
        )
        step(
            "catalogue and customers", lambda: (setup.create_catalogue(), setup.create_customers())
        )
        sales = Sales(setup)
        step("opportunities", sales.opportunities)
        step("sale orders and invoices", sales.orders_and_invoices)
        accounting = Accounting(setup, sales)
        step("credit notes and payments", accounting.run)
        credit = Credit(setup, sales)
        step("credit limits and overrides", credit.run)
        connector = Connector(setup)
        connector.run(step)
        step("margins, tiers and credit activities", credit.finish)
        env["ir.config_parameter"].set_param(
            BUILT_KEY,
            json.dumps(
                {
                    "date": plan.today.isoformat(),
                    "lang": lang,
                    "customers": len(plan.customers),
                    "months": plan.months,
                    "invoices": len(sales.invoices),
                    "payments": accounting.payments,
                    "credit_notes": accounting.credit_notes,
                }
            ),
        )
        env.cr.commit()
    say(f"  story told in {time.monotonic() - started:.0f}s")
