# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Credit limits, the overrides the sales manager gave, and what the nightly jobs make.

The overrides go through the addon's own doors, as the sales manager
(``crm.credit.override.wizard`` from the blocked opportunity, and an
override of an order followed by its confirmation): the figures, the
expiry and what each served for are taken by crm_credit_alert.
"""

import math

from odoo import Command

from .cast import Text

# share of the limit that the receivable and the orders to invoice reach
NEAR_LIMIT = 0.88
OVER_LIMIT = 1.25
REASONS = {
    "riad": Text(
        "Hotel project signed with a 30 % down payment; the owner promised to settle the "
        "overdue invoices this month.",
        "Projet hôtelier signé avec 30 % d'acompte ; le gérant s'est engagé à régler les "
        "factures en retard ce mois-ci.",
    ),
    "sahara": Text(
        "Strategic account: the limit review is planned with accounting next week.",
        "Compte stratégique : la révision du plafond est prévue avec la comptabilité la "
        "semaine prochaine.",
    ),
}


class Credit:
    def __init__(self, setup, sales):
        self.setup = setup
        self.sales = sales
        self.env = setup.env
        self.overrides = self.env["crm.credit.override"]

    def run(self):
        self.limits()
        self.override_opportunity()
        self.override_order()

    def limits(self):
        """Turn credit limits on and give a few customers theirs.

        Bab Souk's limit leaves it near the limit (a warning), Sahara's is
        below what it owes and has on order (blocked); the others' limits
        leave room.
        """
        setup = self.setup
        for company in setup.companies.values():
            company.account_use_credit_limit = True
        for customer in setup.plan.customers:
            share = {"babsouk": NEAR_LIMIT, "sahara": OVER_LIMIT}.get(customer.key)
            if share is None and "key" not in customer.tags:
                continue
            company = setup.companies[customer.company]
            partner = setup.customers[customer.key].with_company(company)
            used = partner.credit + partner.credit_to_invoice
            if share is None:
                limit = _round_up(max(used * 2, 100_000 * _factor(customer)), 10_000)
            elif share > 1:
                limit = _round_down(used / share, 10_000)
            else:
                limit = _round_up(used / share, 5_000)
            partner.write({"credit_limit": limit, "use_partner_credit_limit": True})

    def override_opportunity(self):
        """The sales manager lets one quotation of the blocked Riad Céramique through."""
        manager = self.setup.users["manager"]
        company = self.setup.companies["casa"]
        lead = self.sales.leads["riad-open"].with_user(manager).with_company(company)
        wizard = lead.env["crm.credit.override.wizard"].create(
            {"lead_id": lead.id, "reason": REASONS["riad"](self.setup.lang)}
        )
        action = wizard.action_override()
        # the quotation opens empty: the salesperson fills it in
        quotation = lead.env["sale.order"].browse(action["res_id"])
        quotation.with_user(self.setup.users["salesperson"]).write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.setup.products[code].id,
                            "product_uom_qty": quantity,
                        }
                    )
                    for code, quantity in (("CAR-ZEL", 40), ("SAN-VAS", 12), ("SAN-WC", 12))
                ]
            }
        )

    def override_order(self):
        """Sahara is over its limit: the manager overrides and confirms its quotation."""
        manager = self.setup.users["manager"]
        company = self.setup.companies["casa"]
        order = self.sales.orders["quotation-sahara-open"].with_user(manager)
        order = order.with_company(company)
        order.env["crm.credit.override"].create(
            {"order_id": order.id, "reason": REASONS["sahara"](self.setup.lang)}
        )
        order.action_confirm()

    def finish(self):
        """What the scheduled actions would do tonight, done now."""
        env = self.env
        env["sale.margin.customer.report"]._refresh_lines(force=True)
        companies = env["res.company"].browse([c.id for c in self.setup.companies.values()])
        env["res.partner"]._update_profitability_tiers(companies)
        env["crm.lead"]._cron_credit_alert_activities()


def _factor(customer):
    return 0.1 if customer.company == "lyon" else 1.0


def _round_up(value, step):
    return math.ceil(value / step) * step


def _round_down(value, step):
    return max(math.floor(value / step) * step, step)
