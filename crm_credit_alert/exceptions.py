# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import RedirectWarning, UserError


class CreditBlockRedirect(RedirectWarning, UserError):
    """A credit block refused to a member of the Credit override group, with
    a button opening the override wizard.

    A ``RedirectWarning`` for the web client (it shows Odoo's redirect dialog,
    found through ``context["exception_class"]``), and a ``UserError`` for the
    server: an ordinary refusal, logged as a warning like the refusals of the
    other users, not as an error with its traceback. The arguments are those
    of ``RedirectWarning``: the message first, then the action, the button.
    """

    def __init__(self, message, action, button_text, additional_context=None):
        # both bases take different arguments: set them as RedirectWarning does
        Exception.__init__(self, message, action, button_text, additional_context)
        self.context = {"exception_class": "odoo.exceptions.RedirectWarning"}

    def __str__(self):
        return str(self.args[0])
