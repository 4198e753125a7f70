# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo tells its story: each test reads one part of it, as its user would.

Run: ``python3 -m pytest -p no:cacheprovider tools/demo_data/tests`` (with
``PGHOST`` set to use a running server; without it, a private cluster is
started). One small demo is built for the whole file (a few minutes, most
of it installing the modules).
"""

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from demo_data import cli
from demo_data.cast import demo_logins
from demo_data.plan import make_plan

README = Path(__file__).resolve().parents[3] / "README.md"


def _customer(env, name):
    partner = env["res.partner"].search([("name", "=", name), ("is_company", "=", True)])
    assert len(partner) == 1, name
    return partner


def _company(env, city):
    casa = env.ref("base.main_company")
    return casa if city == "Casablanca" else env["res.company"].search([("id", "!=", casa.id)])


def _open_lead(env, customer, user=None):
    leads = env["crm.lead"].search(
        [
            ("partner_id", "child_of", customer.id),
            ("stage_id.is_won", "=", False),
            ("type", "=", "opportunity"),
        ]
    )
    assert leads, customer.name
    return leads.with_user(user) if user else leads


def _user(env, login):
    return env["res.users"].search([("login", "=", login)])


def test_built_without_problems(demo):
    """No warning nor error, in the installation's log or while the story was told."""
    log = demo["install_log"].read_text(errors="replace")
    lines = [line for line in log.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]
    assert not lines, lines[:10]
    assert not demo["build_problems"], [r.getMessage() for r in demo["build_problems"][:10]]


def test_accounting_first(env):
    """Two companies, their charts and currencies; the bridge's checklist complete."""
    casa, lyon = _company(env, "Casablanca"), _company(env, "Lyon")
    assert (casa.chart_template, casa.currency_id.name) == ("ma", "MAD")
    assert (lyon.chart_template, lyon.currency_id.name) == ("fr", "EUR")
    assert not lyon.parent_id, "a subsidiary of its own, not a branch"
    for company in casa | lyon:
        assert company._crm_accounting_readiness() == [], company.name
        assert company.account_use_credit_limit


def test_blocked_customer(env):
    """The salesperson sees Riad Céramique blocked: invoices overdue for more than 60 days."""
    salesperson = _user(env, "salesperson")
    lead = _open_lead(env, _customer(env, "Riad Céramique"), salesperson)
    assert set(lead.mapped("credit_alert_level")) == {"block"}
    customer = _customer(env, "Riad Céramique").with_company(_company(env, "Casablanca"))
    assert customer.oldest_overdue_days > 60
    assert customer.overdue_invoice_count >= 2


def test_credit_limits(env):
    """Sahara is over its credit limit without owing anything overdue; Bab Souk is near."""
    casa = _company(env, "Casablanca")
    manager = _user(env, "manager")
    sahara = _customer(env, "Sahara Construction SA").with_company(casa)
    assert sahara.overdue_amount == 0
    assert sahara.credit_available < 0
    assert set(_open_lead(env, sahara, manager).mapped("credit_alert_level")) == {"block"}
    babsouk = _customer(env, "Bab Souk Négoce").with_company(casa)
    assert babsouk.overdue_amount == 0
    assert set(_open_lead(env, babsouk, manager).mapped("credit_alert_level")) == {"warning"}


def test_credit_notes_leave_no_false_alarm(env):
    """Dar Yasmine's past-due invoice is covered by a credit note matched to it: no alert."""
    casa = _company(env, "Casablanca")
    yasmine = _customer(env, "Dar Yasmine Hôtels").with_company(casa)
    notes = env["account.move"].search(
        [("partner_id", "=", yasmine.id), ("move_type", "=", "out_refund")]
    )
    assert len(notes) == 2
    assert set(notes.mapped("state")) == {"posted"}
    assert set(notes.mapped("payment_state")) <= {"paid", "reversed"}, "matched"
    covered = notes.reversed_entry_id
    assert "reversed" in covered.mapped("payment_state"), "one invoice entirely credited"
    assert min(covered.mapped("invoice_date_due")) < date.today(), "past its due date"
    assert yasmine.overdue_amount == 0
    assert set(_open_lead(env, yasmine).mapped("credit_alert_level")) == {"none"}


def test_late_payer(env):
    """Atlas Bâtiment pays weeks late: its payment delay and late rate say so."""
    casa = _company(env, "Casablanca")
    atlas = _customer(env, "Atlas Bâtiment SARL").with_company(casa)
    assert atlas.avg_payment_delay_days > 10
    assert atlas.late_payment_rate > 0.5
    assert set(_open_lead(env, atlas).mapped("credit_alert_level")) == {"warning"}
    sahara = _customer(env, "Sahara Construction SA").with_company(casa)
    assert sahara.avg_payment_delay_days <= 0, "a good payer pays on time"


def test_margins_and_tiers(env):
    """The company earns a margin; the discounted architect earns little, the clearance
    buyer loses money; tiers are there at once."""
    for company in _company(env, "Casablanca") | _company(env, "Lyon"):
        report = env(context={"allowed_company_ids": company.ids})["sale.margin.customer.report"]
        [(revenue, margin)] = report._read_group(
            [("company_id", "=", company.id)], [], ["revenue:sum", "margin:sum"]
        )
        assert revenue > 0 and margin / revenue > 0.2, company.name
    casa = _company(env, "Casablanca")
    majorelle = _customer(env, "Atelier Majorelle Design").with_company(casa)
    assert 0 < majorelle.margin_percent_ltm < 15
    tanger = _customer(env, "Tanger Promo Immobilier").with_company(casa)
    assert tanger.margin_ltm < 0
    customers = env["res.partner"].with_company(casa).search([("customer_rank", ">", 0)])
    assert {"A", "B", "C"} <= set(customers.mapped("profitability_tier"))


def test_overrides_in_the_report(env):
    """The accountant reads the manager's overrides, each with what it served for."""
    accountant = _user(env, "accountant")
    overrides = env["crm.credit.override"].with_user(accountant).search([])
    assert len(overrides) == 2
    assert all(overrides.mapped("used"))
    assert set(overrides.mapped("operation")) == {"quotation", "confirmation"}
    assert overrides.used_order_id.filtered(lambda order: order.amount_total > 0)


def test_pipeline(env):
    """Opportunities at every stage, lost ones too; quotations wait on some."""
    leads = env["crm.lead"].with_context(active_test=False).search([("type", "=", "opportunity")])
    for xml_id in ("crm.stage_lead1", "crm.stage_lead2", "crm.stage_lead3", "crm.stage_lead4"):
        assert leads.filtered(lambda lead, x=xml_id: lead.stage_id == env.ref(x)), xml_id
    assert leads.filtered(lambda lead: not lead.active and lead.lost_reason_id)
    assert env["sale.order"].search_count([("state", "=", "draft")]) >= 2


def test_inbox(env):
    """Both backends' inboxes: processed, failed, rejected and conflicting events,
    conflicts waiting in review."""
    backends = env["external.crm.backend"].search([])
    generic = backends.filtered(lambda b: b.provider == "generic")
    hubspot = backends.filtered(lambda b: b.provider == "hubspot")
    states = set(
        env["external.crm.event"].search([("backend_id", "=", generic.id)]).mapped("state")
    )
    assert {"done", "failed", "conflict", "rejected"} <= states
    hubspot_states = env["external.crm.event"].search([("backend_id", "=", hubspot.id)])
    assert {"done", "failed"} <= set(hubspot_states.mapped("state"))
    conflicts = env["external.crm.conflict"].search([("state", "=", "open")])
    assert set(conflicts.mapped("conflict_type")) >= {"identity", "field"}
    assert generic.webhook_secret == "demo-secret"


def _deliver(env, bodies):
    """Store the deliveries ``bodies`` in the demo's generic backend's inbox
    and process it, as its webhook and its jobs would."""
    # found once the demo configured Odoo (the fixture)
    from odoo.addons.external_crm_connector.adapters.provider import (  # noqa: PLC0415
        get_provider,
    )

    generic = env["external.crm.backend"].search([("provider", "=", "generic")])
    for body in bodies:
        items = get_provider(generic).parse_delivery(body.encode())
        integration = generic._as_integration_user()
        integration.env["external.crm.event"]._store_items(integration, items)
        for _round in range(5):
            env.invalidate_all()
            generic._as_integration_user()._process_inbox()
    env.invalidate_all()


def test_readme_examples(env):
    """The README's two deliveries, sent to the demo's generic backend: a customer, then
    a won deal that becomes a quotation of 3,690.00."""
    bodies = re.findall(r"^BODY='(.*)'$", README.read_text(), re.MULTILINE)
    assert len(bodies) == 2
    _deliver(env, bodies)
    keys = [f"event:{json.loads(body)['event_id']}" for body in bodies]
    events = env["external.crm.event"].search([("idempotency_key", "in", keys)])
    assert set(events.mapped("state")) == {"done"}, events.mapped("last_error")
    order = env["sale.order"].search([("opportunity_id", "in", events.lead_id.ids)])
    assert order.amount_untaxed == 3690.0


def test_every_printed_login_logs_in(demo, env):
    """Each login and password of the summary opens a session; each user has its role."""
    users = env["res.users"]
    for login, password in demo_logins():
        credential = {"type": "password", "login": login, "password": password}
        info = env.registry["res.users"].authenticate(
            demo["db"].name, credential, {"interactive": False}
        )
        assert info["uid"], login
    assert _user(env, "accountant").has_group("account.group_account_manager")
    salesperson = _user(env, "salesperson")
    assert not salesperson.has_group("account.group_account_invoice")
    assert not salesperson.has_group("account.group_account_readonly")
    assert _user(env, "manager").has_group("crm_credit_alert.group_crm_credit_alert_override")
    assert _user(env, "integrator").has_group("external_crm_connector.group_external_crm_manager")
    assert users.search([("login", "=", "admin")]).lang == "en_US", "English by default"


def test_summary_prints_the_logins(demo, capsys):
    """A later start builds nothing and prints the logins, the URL and the secret."""
    assert cli.main(demo["args"]) == 0
    out = capsys.readouterr().out
    assert "Creating" not in out
    for login, password in demo_logins():
        assert f"{login} / {password}" in out
    assert 'SECRET="demo-secret"' in out
    assert f"http://localhost:{cli_port(demo)}/external_crm/webhook/" in out


def cli_port(demo):
    return demo["args"][demo["args"].index("--port") + 1]


def test_french(demo):
    """``--lang fr_FR`` puts the users in French; ``--lang en_US`` back in English."""
    db = demo["db"]
    assert cli.main([*demo["args"], "--lang", "fr_FR"]) == 0
    with db.environment() as env:
        salesperson = _user(env, "salesperson")
        assert salesperson.lang == "fr_FR"
        won = env.ref("crm.stage_lead4").with_user(salesperson).with_context(lang="fr_FR")
        assert won.name == "Gagné"
        product = env["product.product"].search([("default_code", "=", "CAR-6060")])
        assert product.with_context(lang="fr_FR").name == "Palette de carreaux 60x60"
    assert cli.main([*demo["args"], "--lang", "en_US"]) == 0
    with db.environment() as env:
        assert _user(env, "salesperson").lang == "en_US"


def test_plan_is_the_same_every_time():
    """The same day and size give the same story (a fixed seed)."""
    today = date.today()
    first, second = make_plan(today), make_plan(today)
    assert [(s.key, s.day, s.lines, s.payments) for s in first.sales] == [
        (s.key, s.day, s.lines, s.payments) for s in second.sales
    ]
    assert len(first.customers) == 40


def test_a_vat_that_odoo_refuses_leaves_the_rest_applied(env):
    """The demo installs French accounting, with Odoo's VAT check (base_vat):
    a company whose VAT Odoo refuses is still created, with everything else
    it carries; the VAT is left out and the event says why."""
    body = json.dumps(
        {
            "event_id": "vat-refused-1",
            "object": "company",
            "id": "ext-C-VAT-1",
            # yesterday: the run's own clock, never a date today overtakes
            "updated_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": {"name": "Lumière Négoce SARL", "vat": "FR 1234", "country": "FR"},
        }
    )
    _deliver(env, [body])
    event = env["external.crm.event"].search([("idempotency_key", "=", "event:vat-refused-1")])
    assert event.state == "done", (event.state, event.last_error, event.summary)
    company = _customer(env, "Lumière Négoce SARL")
    assert company.country_id.code == "FR"
    assert not company.vat
    assert "FR1234" in event.summary, event.summary
