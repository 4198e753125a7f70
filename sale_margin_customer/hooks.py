# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tools import SQL

from .services.margin_line_view import LINE_VIEW, REFRESHED_AT_KEY


def uninstall_hook(env):
    """Drop the materialized view of invoice lines, which Odoo does not know
    as the table of any model, and its refresh time."""
    env.cr.execute(SQL("DROP MATERIALIZED VIEW IF EXISTS %s", SQL.identifier(LINE_VIEW)))
    # sudo: system parameters are for administrators; this removes the
    # addon's own one, whoever uninstalls it
    env["ir.config_parameter"].sudo().search([("key", "=", REFRESHED_AT_KEY)]).unlink()
