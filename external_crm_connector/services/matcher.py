# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Identity matching of external companies and contacts with Odoo customers.

Rules, in order: VAT or company registry number (normalised), e-mail (lower
case), phone in E.164, exact normalised company name. The first rule that
finds someone decides: one candidate is a match, several are a conflict for
a person. Keys of a whole batch are looked up with one query per rule, and
customers created by the batch are added as they are created, so that two
new records of one batch with the same identity give one customer.
"""

from collections import defaultdict

from odoo.tools import SQL

from ..adapters import transforms

RULES = ("vat", "company_registry", "email", "phone", "name")
# digits compared in SQL before phonenumbers checks the candidates exactly
PHONE_SUFFIX = 8


def identity_keys(kind, values, country_code):
    """Matching keys of incoming Odoo values (field name -> value)."""
    keys = {}
    if values.get("vat"):
        keys["vat"] = transforms.vat_key(values["vat"])
    if values.get("company_registry"):
        keys["company_registry"] = transforms.registry_key(values["company_registry"])
    if values.get("email"):
        keys["email"] = str(values["email"]).strip().lower()
    phones = []
    for fname in ("phone", "mobile"):
        if values.get(fname):
            try:
                phones.append(transforms.phone_e164(values[fname], country_code))
            except ValueError:
                continue
    if phones:
        keys["phone"] = tuple(phones)
    if kind == "company" and values.get("name"):
        keys["name"] = transforms.name_key(values["name"])
    return {rule: key for rule, key in keys.items() if key}


def key_items(keys):
    """``(rule, value)`` of identity keys, one per phone number."""
    for rule, key in keys.items():
        for value in key if rule == "phone" else (key,):
            yield rule, value


class PartnerMatcher:
    """Candidates for new external records, prefetched per batch."""

    def __init__(self, backend, country_code):
        self.env = backend.env
        self.company = backend.company_id
        self.country_code = country_code
        # (kind, rule) -> key -> set of partner ids
        self.index = defaultdict(lambda: defaultdict(set))

    def _domain(self, kind):
        # an erased customer is never matched again: a delivery cannot bring
        # the erased data back onto it (a customer with invoices keeps its VAT)
        domain = [
            ("company_id", "in", [False, self.company.id]),
            ("external_crm_erased_at", "=", False),
        ]
        if kind == "company":
            domain += [("is_company", "=", True), ("parent_id", "=", False)]
        else:
            domain += [("is_company", "=", False), ("type", "=", "contact")]
        return domain

    def _rows(self, kind, expression, where):
        """``(id, key)`` rows of readable partners of ``kind`` matching ``where``.

        SQL for the normalising expressions; the query comes from ``_search``,
        so record rules apply.
        """
        query = self.env["res.partner"]._search(self._domain(kind))
        query.add_where(where)
        return self.env.execute_query(query.select(SQL("res_partner.id"), expression))

    def prefetch(self, kind, keys_list):
        """Look up every key of a batch, one query per rule."""
        wanted = defaultdict(set)
        for keys in keys_list:
            for rule, value in key_items(keys):
                wanted[rule].add(value)
        index = self.index
        self.env["res.partner"].flush_model()
        for rule in ("vat", "company_registry"):
            if wanted[rule]:
                column = SQL.identifier("res_partner", rule)
                expression = (
                    SQL(transforms.SQL_VAT_KEY.format(column="%s"), column)
                    if rule == "vat"
                    else SQL("upper(regexp_replace(%s, '[^0-9A-Za-z]', '', 'g'))", column)
                )
                for partner_id, key in self._rows(
                    kind, expression, SQL("%s IN %s", expression, tuple(wanted[rule]))
                ):
                    index[kind, rule][key].add(partner_id)
        if wanted["email"]:
            expression = SQL("res_partner.email_normalized")
            for partner_id, key in self._rows(
                kind, expression, SQL("%s IN %s", expression, tuple(wanted["email"]))
            ):
                index[kind, "email"][key].add(partner_id)
        if wanted["phone"]:
            self._prefetch_phones(kind, wanted["phone"])
        if wanted["name"]:
            expression = SQL("lower(regexp_replace(btrim(res_partner.name), '\\s+', ' ', 'g'))")
            for partner_id, key in self._rows(
                kind, expression, SQL("%s IN %s", expression, tuple(wanted["name"]))
            ):
                index[kind, "name"][key].add(partner_id)

    def _prefetch_phones(self, kind, numbers):
        """Candidates by phone in E.164.

        With the SMS apps installed, customers carry ``phone_sanitized``
        (E.164, kept by Odoo): an exact comparison. Otherwise phones are typed
        freely: the last digits are compared in SQL, then each candidate is
        parsed with its country and only exact E.164 matches are kept.
        """
        if "phone_sanitized" in self.env["res.partner"]._fields:
            expression = SQL("res_partner.phone_sanitized")
            for partner_id, number in self._rows(
                kind, expression, SQL("%s IN %s", expression, tuple(numbers))
            ):
                self.index[kind, "phone"][number].add(partner_id)
            return
        suffixes = tuple({number[-PHONE_SUFFIX:] for number in numbers})
        phone = SQL(
            "right(regexp_replace(coalesce(res_partner.phone, ''), '\\D', '', 'g'), %s)",
            PHONE_SUFFIX,
        )
        mobile = SQL(
            "right(regexp_replace(coalesce(res_partner.mobile, ''), '\\D', '', 'g'), %s)",
            PHONE_SUFFIX,
        )
        query = self.env["res.partner"]._search(self._domain(kind))
        query.add_where(SQL("(%s IN %s OR %s IN %s)", phone, suffixes, mobile, suffixes))
        country = SQL(
            "(SELECT code FROM res_country WHERE res_country.id = res_partner.country_id)"
        )
        rows = self.env.execute_query(
            query.select(
                SQL("res_partner.id"), SQL("res_partner.phone"), SQL("res_partner.mobile"), country
            )
        )
        for partner_id, phone_value, mobile_value, code in rows:
            for value in (phone_value, mobile_value):
                try:
                    number = transforms.phone_e164(value, code or self.country_code)
                except ValueError:
                    continue
                if number in numbers:
                    self.index[kind, "phone"][number].add(partner_id)

    def match(self, kind, keys):
        """``(partners, rule)`` for the first rule with candidates, else empty."""
        partners = self.env["res.partner"]
        for rule in RULES:
            key = keys.get(rule)
            if not key:
                continue
            if rule == "phone":
                found = set().union(*(self.index[kind, rule].get(number, set()) for number in key))
            else:
                found = self.index[kind, rule].get(key, set())
            if found:
                return partners.browse(sorted(found)).exists(), rule
        return partners, None

    def add(self, kind, partner, keys):
        """Index a customer created in this batch under its keys."""
        for rule, value in key_items(keys):
            self.index[kind, rule][value].add(partner.id)
