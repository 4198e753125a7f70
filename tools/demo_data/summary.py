# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the demo prints at each start: where, who logs in, what to look at."""

import json

from odoo import Command

from .cast import ADMIN_LOGIN, ADMIN_PASSWORD, GENERIC_SECRET, STORY, USERS, Text, demo_logins
from .database import BUILT_KEY

COLON = Text(": ", " : ")
LANGUAGE_NAMES = {"en_US": Text("English", "anglais"), "fr_FR": Text("French", "français")}


def apply_language(env, lang):
    """Install ``lang`` if needed and make it the language of the demo's users."""
    record = env["res.lang"]._activate_lang(lang)
    if lang != "en_US":
        env["base.language.install"].create(
            {"lang_ids": [Command.set(record.ids)], "overwrite": False}
        ).lang_install()
    logins = [login for login, _password in demo_logins()]
    env["res.users"].search([("login", "in", logins)]).write({"lang": lang})


def summary(env, database, base_url):
    admin = env.ref("base.user_admin")
    lang = admin.lang or "en_US"
    built = json.loads(env["ir.config_parameter"].get_param(BUILT_KEY) or "{}")
    t = lambda text: text(lang)  # noqa: E731
    env = env(context=dict(env.context, lang=lang))

    def language(code):
        return LANGUAGE_NAMES[code](lang) if code in LANGUAGE_NAMES else str(code)

    rows = [
        "",
        f"  Odoo demo: {base_url}/odoo?db={database}",
        "  "
        + t(
            Text(
                "(listens on localhost only; Ctrl-C stops it, the database stays)",
                "(n'écoute que sur localhost ; Ctrl-C l'arrête, la base reste)",
            )
        ),
        "  "
        + t(Text("Users' language: ", "Langue des utilisateurs : "))
        + language(lang)
        + t(
            Text(
                f" (story written in {language(built.get('lang'))} on "
                f"{built.get('date', '?')}; tools/demo --lang fr_FR or en_US switches)",
                f" (histoire écrite en {language(built.get('lang'))} le "
                f"{built.get('date', '?')} ; tools/demo --lang fr_FR ou en_US change)",
            )
        ),
        "",
        "  " + t(Text("Logins (login / password):", "Connexions (identifiant / mot de passe) :")),
        f"    {ADMIN_LOGIN} / {ADMIN_PASSWORD}".ljust(34)
        + t(Text("administrator", "administrateur")),
    ]
    for user in USERS:
        rows.append(
            f"    {user.login} / {user.password}".ljust(34) + f"{user.name}, {t(user.role)}"
        )
    companies = env["res.company"].search([], order="id")
    rows += [
        "",
        "  "
        + t(Text("Companies: ", "Sociétés : "))
        + "; ".join(f"{c.name} ({c.city}, {c.currency_id.name})" for c in companies),
        "  " + t(Text("The story:", "L'histoire :")),
    ]
    for customer in STORY:
        if customer.story:
            rows.append(f"    {customer.name}{t(COLON)}{t(customer.story)}")
    rows += [
        "    "
        + t(
            Text(
                f"{built.get('customers', '?')} customers, {built.get('invoices', '?')} invoices "
                f"over {built.get('months', '?')} months, {built.get('payments', '?')} payments, "
                f"{built.get('credit_notes', '?')} credit notes",
                f"{built.get('customers', '?')} clients, {built.get('invoices', '?')} factures "
                f"sur {built.get('months', '?')} mois, {built.get('payments', '?')} paiements, "
                f"{built.get('credit_notes', '?')} avoirs",
            )
        ),
        "",
        "  " + t(Text("External CRM backends:", "Connecteurs CRM externes :")),
    ]
    backends = env["external.crm.backend"].search([], order="id")
    labels = dict(env["external.crm.event"]._fields["state"]._description_selection(env))
    for backend in backends:
        states = dict(
            env["external.crm.event"]._read_group(
                [("backend_id", "=", backend.id)], ["state"], ["__count"]
            )
        )
        counts = ", ".join(
            f"{count} {labels.get(state, state).lower()}" for state, count in sorted(states.items())
        )
        rows.append(f"    {backend.name}: {counts}")
        if backend.provider == "generic":
            rows += [
                f'      URL="{backend.webhook_url}"',
                f'      SECRET="{GENERIC_SECRET}"',
                "      "
                + t(
                    Text(
                        "(the README's curl examples, 'Send a first delivery to the connector')",
                        "(exemples curl du README, « Send a first delivery to the connector »)",
                    )
                ),
            ]
    rows.append("")
    return "\n".join(rows)
