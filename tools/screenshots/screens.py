# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The screens of the README and the readmes: who looks, at what, on the demo's story.

Each screen is what one of the demo's users sees on one page (the pages of
the browser tours), found on the story by name, so that a new build of the
story gives the same pictures. ``where`` returns the URL, given a function
that calls the server over JSON-RPC as the administrator.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Screen:
    addon: str
    name: str
    login: str
    where: object  # rpc -> URL
    # clicked in order before the picture: a selector, or (selector, text in
    # each language) for the element whose text contains it
    clicks: tuple = field(default=())


def action(xmlid, record_id=None):
    url = f"/odoo/action-{xmlid}"
    return f"{url}/{record_id}" if record_id else url


def customer_id(rpc, name):
    [partner] = rpc("res.partner", "search", [[("name", "=", name)]], {"limit": 1})
    return partner


def opportunity_id(rpc, customer, login):
    """The open opportunity of ``customer`` that the user ``login`` sells."""
    [user] = rpc("res.users", "search", [[("login", "=", login)]])
    found = rpc(
        "crm.lead",
        "search",
        [
            [
                ("partner_id.commercial_partner_id.name", "=", customer),
                ("type", "=", "opportunity"),
                ("user_id", "=", user),
                ("stage_id.is_won", "=", False),
            ]
        ],
        {"limit": 1, "order": "expected_revenue desc"},
    )
    if not found:
        raise LookupError(f"no open opportunity of {customer} sold by {login}")
    return found[0]


def backend_id(rpc, provider):
    [backend] = rpc("external.crm.backend", "search", [[("provider", "=", provider)]], {"limit": 1})
    return backend


SEARCH_OPTIONS = ".o_searchview_dropdown_toggler"
FILTER = ".o_filter_menu .o-dropdown-item"
BLOCKED = "Riad Céramique"
LATE_PAYER = "Atlas Bâtiment SARL"

SCREENS = (
    Screen(
        "crm_accounting_bridge",
        "customer_360_list",
        "accountant",
        lambda rpc: action("crm_accounting_bridge.crm_customer_360_action"),
    ),
    Screen(
        "crm_accounting_bridge",
        "customer_360",
        "accountant",
        lambda rpc: action(
            "crm_accounting_bridge.crm_customer_360_action", customer_id(rpc, LATE_PAYER)
        ),
    ),
    Screen(
        "crm_accounting_bridge",
        "readiness",
        "accountant",
        lambda rpc: action("crm_accounting_bridge.crm_accounting_readiness_action"),
    ),
    Screen(
        "crm_accounting_bridge",
        "cash_cycle",
        "manager",
        lambda rpc: action("crm_accounting_bridge.crm_order_cash_cycle_action"),
    ),
    # the pipeline filtered on its credit alerts: the cards and their badges
    Screen(
        "crm_credit_alert",
        "pipeline",
        "salesperson",
        lambda rpc: "/odoo/crm",
        clicks=(
            SEARCH_OPTIONS,
            (FILTER, {"en": "Credit warning", "fr": "Avertissement de crédit"}),
            (FILTER, {"en": "Credit blocked", "fr": "Crédit bloqué"}),
            SEARCH_OPTIONS,
        ),
    ),
    Screen(
        "crm_credit_alert",
        "blocked_opportunity",
        "salesperson",
        lambda rpc: f"/odoo/crm/{opportunity_id(rpc, BLOCKED, 'salesperson')}",
    ),
    Screen(
        "crm_credit_alert",
        "quotation_refused",
        "salesperson",
        lambda rpc: f"/odoo/crm/{opportunity_id(rpc, BLOCKED, 'salesperson')}",
        clicks=(".o_form_view button[name=action_sale_quotations_new]",),
    ),
    Screen(
        "crm_credit_alert",
        "overrides",
        "accountant",
        lambda rpc: action("crm_credit_alert.crm_credit_override_action"),
    ),
    Screen(
        "sale_margin_customer",
        "margin_pivot",
        "manager",
        lambda rpc: action("sale_margin_customer.sale_margin_customer_report_action"),
    ),
    Screen(
        "external_crm_connector",
        "conflicts",
        "integrator",
        lambda rpc: action("external_crm_connector.external_crm_conflict_action"),
    ),
    Screen(
        "external_crm_connector",
        "inbox",
        "integrator",
        lambda rpc: action("external_crm_connector.external_crm_event_action"),
    ),
    Screen(
        "external_crm_connector",
        "backend",
        "integrator",
        lambda rpc: action(
            "external_crm_connector.external_crm_backend_action", backend_id(rpc, "hubspot")
        ),
    ),
)
