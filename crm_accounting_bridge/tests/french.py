# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""French in the tests of the four addons.

``use_french`` switches the database to French as a new French-speaking
user would find it (the language active, the addons' translations loaded);
``missing_french`` lists the terms of an addon that have no French
translation, which the tests of each addon require to be none.
"""

import os

import polib

from odoo.modules.module import get_module_path
from odoo.tools import html2plaintext
from odoo.tools.translate import TranslationModuleReader

# Terms written the same in French, which oca-checks-po's po-pretty-format
# keeps without a msgstr (Odoo then shows the source, which is the French):
# any other term without a msgstr is untranslated.
SAME_IN_FRENCH = frozenset(
    {
        "%(document)s (%(operation)s)",
        "%(invoices)s, %(amount)s, %(oldest)s",
        "00D...",
        "Action",
        "Backend",
        "Backends",
        "Canada (zohocloud.ca)",
        "Code",
        "Confirmation",
        "Contact",
        "Contacts",
        "Date",
        "Document",
        "Europe (zoho.eu)",
        "HubSpot",
        "ID",
        "Odoo",
        "Pages",
        "Pipedrive",
        "Salesforce",
        "Source",
        "Total",
        "Type",
        "Zoho CRM",
    }
)


def use_french(env, modules):
    """Activate French and load the French of ``modules`` from their
    ``i18n/fr.po``, over what the database may already hold."""
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"]._load_module_terms(modules, ["fr_FR"], overwrite=True)


def as_user(records, user):
    """``records`` as ``user`` reads them in the web client, in the user's
    language (the client sends it in the context of every call)."""
    return records.with_user(user).with_context(lang=user.lang)


def _french(module):
    """``{msgid: msgstr}`` of the module's ``i18n/fr.po``."""
    path = os.path.join(get_module_path(module), "i18n", "fr.po")
    return {entry.msgid: entry.msgstr for entry in polib.pofile(path) if not entry.obsolete}


def _untranslated(terms, french):
    return sorted(
        term
        for term in terms
        if term and not french.get(term) and not (term in french and term in SAME_IN_FRENCH)
    )


def missing_french(module):
    """The msgids of the module's ``.pot`` that ``fr.po`` does not translate."""
    path = os.path.join(get_module_path(module), "i18n", f"{module}.pot")
    return _untranslated((entry.msgid for entry in polib.pofile(path)), _french(module))


def missing_french_now(env, module):
    """The terms the module shows now (Odoo's own export of its fields,
    views, data and code, as ``--i18n-export`` reads them) that ``fr.po``
    does not translate: a term added since the ``.pot`` was made counts."""
    reader = TranslationModuleReader(env.cr, modules=[module])
    terms = {
        source
        for (term_module, _type, _name, _id, source, *_rest) in reader
        if term_module == module
    }
    return _untranslated(terms, _french(module))


NBSP = "\N{NO-BREAK SPACE}"


def plain(text):
    """``text`` (HTML or not) on one line with ordinary spaces: French
    amounts group thousands and join the currency with no-break spaces."""
    if "<" in text:
        text = html2plaintext(text)
    return " ".join(text.replace(NBSP, " ").split())


class InDirhams:
    """Test classes of a Casablanca distributor: the company keeps its books in dirhams."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        dirham = cls.env.ref("base.MAD")
        dirham.active = True
        return super().setup_independent_company(currency_id=dirham.id, **kwargs)
