# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Accounting first: the companies and their charts, then users, catalogue and customers."""

from datetime import timedelta

from odoo import Command

from .cast import (
    COMPANIES,
    EUR_IN_MAD,
    INDUSTRIES,
    PRODUCT_CATEGORIES,
    PRODUCTS,
    TAGS,
    TEAMS,
    TERMS,
    USERS,
    email_of,
)

FRENCH = "fr_FR"


class Setup:
    """Records of the story's cast, by key, once created (``companies``, ``users``...)."""

    def __init__(self, env, plan, lang):
        self.env = env
        self.plan = plan
        self.lang = lang
        self.companies = {}
        self.users = {}
        self.teams = {}
        self.products = {}
        self.tags = {}
        self.customers = {}
        self.contacts = {}

    # -- accounting first ------------------------------------------------------
    def create_companies(self):
        """The Casablanca distributor (Moroccan chart) and its Lyon subsidiary (French chart).

        The charts are loaded as *Settings > Invoicing > Fiscal Localization*
        does (``try_loading``): accounts, journals, taxes and the defaults the
        bridge's readiness checks read come with them. The subsidiary is a
        company of its own, not a branch: a branch shares its parent's chart
        and currency.
        """
        env = self.env
        for spec in COMPANIES:
            values = {
                "name": spec.name,
                "street": spec.street,
                "zip": spec.zip,
                "city": spec.city,
                "country_id": env.ref(f"base.{spec.country.lower()}").id,
                "phone": spec.phone,
                "email": spec.email,
                "website": spec.website,
                "vat": spec.vat,
                "company_registry": spec.company_registry,
            }
            if spec.key == "casa":
                company = env.ref("base.main_company")
                company.write(values)
            else:
                currency = env.ref(f"base.{spec.currency}")
                currency.active = True
                values["currency_id"] = currency.id
                if "iap_enrich_auto_done" in env["res.company"]._fields:
                    # partner_autocomplete would look the new company up on
                    # Odoo's servers: nothing leaves this machine
                    values["iap_enrich_auto_done"] = True
                company = env["res.company"].create(values)
            env["account.chart.template"].try_loading(spec.chart, company, install_demo=False)
            self.companies[spec.key] = company
        self._currency_rates()
        self._pricelists()

    def _currency_rates(self):
        """One rate between the two currencies, in each company, since the story began."""
        env = self.env
        start = self.plan.today - timedelta(days=self.plan.months * 31 + 31)
        eur, mad = env.ref("base.EUR"), env.ref("base.MAD")
        eur.active = mad.active = True
        env["res.currency.rate"].create(
            [
                {
                    "name": start,
                    "currency_id": eur.id,
                    "company_id": self.companies["casa"].id,
                    "rate": round(1 / EUR_IN_MAD, 6),
                },
                {
                    "name": start,
                    "currency_id": mad.id,
                    "company_id": self.companies["lyon"].id,
                    "rate": EUR_IN_MAD,
                },
            ]
        )

    def _pricelists(self):
        """A pricelist in each company's currency, so that orders are in that currency.

        Odoo's default pricelist was made in the currency the first company
        had before its chart (USD).
        """
        env = self.env
        casa, lyon = self.companies["casa"], self.companies["lyon"]
        default = env.ref("product.list0", raise_if_not_found=False)
        if default:
            default.write({"currency_id": casa.currency_id.id, "company_id": casa.id})
        env["product.pricelist"].create(
            {"name": "Tarif France", "currency_id": lyon.currency_id.id, "company_id": lyon.id}
        )

    def credit_policy(self):
        """The credit alert policy (crm_credit_alert's defaults, said aloud).

        Credit limits are turned on later (``credit.limits``), once the
        history is in the books: an order confirmed 18 months ago was not
        refused for today's balance.
        """
        for company in self.companies.values():
            company.write(
                {
                    "credit_alert_grace_days": 0,
                    "credit_alert_block_days": 60,
                    "credit_alert_block_on_limit": True,
                    "credit_alert_warn_percent": 80.0,
                    "credit_alert_override_days": 7,
                }
            )

    def check_readiness(self):
        """The bridge's readiness checklist must be complete before sales start."""
        for key, company in self.companies.items():
            missing = company._crm_accounting_readiness()
            if missing:
                codes = ", ".join(item["code"] for item in missing)
                raise RuntimeError(f"accounting of {key} is not ready: {codes}")

    # -- languages -----------------------------------------------------------
    def install_french(self):
        """French is always installed (as Settings > Languages does), so that
        every user may switch to it and the French names of the catalogue are
        kept; ``--lang`` only decides the users' language and the texts of
        the story."""
        env = self.env
        lang = env["res.lang"]._activate_lang(FRENCH)
        env["base.language.install"].create(
            {"lang_ids": [Command.set(lang.ids)], "overwrite": False}
        ).lang_install()
        # what Odoo and the addons write from here on (chatter notes, the
        # figures of overrides, the connector's summaries) is in the story's
        # language; translatable names are written in both (``_translate``)
        self.env = env(context=dict(env.context, lang=self.lang))
        env.ref("external_crm_connector.user_integration").lang = self.lang

    def _translate(self, record, field_name, text):
        """Write the English value, and the French translation."""
        record.with_context(lang="en_US")[field_name] = text.en
        record.update_field_translations(field_name, {FRENCH: text.fr})

    # -- people --------------------------------------------------------------
    def create_users(self):
        env = self.env
        tz = {company.key: company.tz for company in COMPANIES}
        admin = env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [Command.set([c.id for c in self.companies.values()])],
                "company_id": self.companies["casa"].id,
                "lang": self.lang,
                "tz": tz["casa"],
                "notification_type": "inbox",
            }
        )
        for spec in USERS:
            companies = [self.companies[key] for key in spec.companies]
            self.users[spec.key] = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": spec.name,
                        "login": spec.login,
                        "password": spec.password,
                        "email": spec.email,
                        "lang": self.lang,
                        "tz": tz[spec.companies[0]],
                        # the demo sends no e-mail: notifications go to Odoo's inbox
                        "notification_type": "inbox",
                        "company_id": companies[0].id,
                        "company_ids": [Command.set([c.id for c in companies])],
                        "groups_id": [Command.link(env.ref(xml_id).id) for xml_id in spec.groups],
                    }
                )
            )
        self.users["admin"] = admin

    def create_teams(self):
        """Three sales teams: key accounts and Casablanca sales, and the Lyon team."""
        env = self.env
        manager = self.users["manager"]
        for key, (name, company_key) in TEAMS.items():
            values = {
                "company_id": self.companies[company_key].id,
                "user_id": manager.id,
                "use_opportunities": True,
            }
            if key == "sales":
                team = env.ref("sales_team.team_sales_department")
                team.write(values)
                team.crm_team_member_ids.unlink()
            else:
                team = env["crm.team"].create({**values, "name": name.en})
            self._translate(team, "name", name)
            self.teams[key] = team
        # Odoo keeps a team's members in its company: the manager, based in
        # Casablanca, leads the Lyon team without being one of its members
        members = {"sales": ("salesperson", "manager"), "key": ("manager",)}
        env["crm.team.member"].create(
            [
                {"crm_team_id": self.teams[team].id, "user_id": self.users[user].id}
                for team, users in members.items()
                for user in users
            ]
        )
        self.users["salesperson"].sale_team_id = self.teams["sales"]

    # -- catalogue -----------------------------------------------------------
    def create_catalogue(self):
        """Products with a list price and a cost in each company (costs make margins)."""
        env = self.env
        categories = {}
        for key, name in PRODUCT_CATEGORIES.items():
            categories[key] = env["product.category"].create({"name": name(self.lang)})
        casa, lyon = self.companies["casa"], self.companies["lyon"]
        lyon_factor = next(c.price_factor for c in COMPANIES if c.key == "lyon")
        taxes = casa.account_sale_tax_id | lyon.account_sale_tax_id
        for spec in PRODUCTS:
            template = env["product.template"].create(
                {
                    "name": spec.name.en,
                    "default_code": spec.code,
                    "type": "service" if spec.service else "consu",
                    "invoice_policy": "order",
                    "list_price": spec.price,
                    "categ_id": categories[spec.category].id,
                    "taxes_id": [Command.set(taxes.ids)],
                    "sale_ok": True,
                    "purchase_ok": not spec.service,
                }
            )
            template.update_field_translations("name", {FRENCH: spec.name.fr})
            template.with_company(casa).standard_price = spec.cost
            template.with_company(lyon).standard_price = round(spec.cost * lyon_factor, 2)
            self.products[spec.code] = template.product_variant_id

    # -- customers -------------------------------------------------------------
    def create_customers(self):
        """The customer companies, each with a contact person, terms and salesperson."""
        env = self.env
        for key, text in TAGS.items():
            tag = env["res.partner.category"].create({"name": text.en})
            tag.update_field_translations("name", {FRENCH: text.fr})
            self.tags[key] = tag
        customers = self.plan.customers
        # the salesperson is not told of each of the 40 customers given to them
        env = env(context=dict(env.context, mail_auto_subscribe_no_notify=True))
        partners = env["res.partner"].create(
            [self._customer_values(index, customer) for index, customer in enumerate(customers)]
        )
        for customer, partner in zip(customers, partners, strict=True):
            self.customers[customer.key] = partner
            company = self.companies[customer.company]
            partner.with_company(company).property_payment_term_id = env.ref(TERMS[customer.terms])
        contacts = env["res.partner"].create(
            [
                {
                    "name": customer.contact,
                    "type": "contact",
                    "parent_id": self.customers[customer.key].id,
                    "function": customer.contact_function(self.lang),
                    "email": _person_email(customer),
                    "phone": _phone(customer, index + 50),
                    "lang": self.lang,
                }
                for index, customer in enumerate(customers)
            ]
        )
        for customer, contact in zip(customers, contacts, strict=True):
            self.contacts[customer.key] = contact

    def _customer_values(self, index, customer):
        env = self.env
        country = "fr" if customer.company == "lyon" else "ma"
        return {
            "name": customer.name,
            "is_company": True,
            "street": customer.street,
            "zip": customer.zip,
            "city": customer.city,
            "country_id": env.ref(f"base.{country}").id,
            "vat": customer.vat,
            "email": email_of(customer),
            "phone": _phone(customer, index),
            "industry_id": env.ref(INDUSTRIES[customer.industry]).id,
            "category_id": [Command.set([self.tags[tag].id for tag in customer.tags])],
            "user_id": self.users[customer.seller].id,
            "lang": self.lang,
        }


def _phone(customer, index):
    if customer.company == "lyon":
        return f"+33 4 78 {20 + index % 70:02d} {(index * 37) % 100:02d} {(index * 53) % 100:02d}"
    return f"+212 5 22 {30 + index % 60:02d} {(index * 37) % 100:02d} {(index * 53) % 100:02d}"


def _person_email(customer):
    first = customer.contact.split()[0].lower()
    for a, b in (("é", "e"), ("è", "e"), ("ë", "e"), ("ï", "i"), ("ç", "c")):
        first = first.replace(a, b)
    return email_of(customer).replace("compta@", f"{first}@")
