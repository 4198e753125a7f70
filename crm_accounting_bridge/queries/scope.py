# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the snapshot reads: which companies' books, which partners, as of when."""

from odoo.tools import SQL


def company_scope(column, root_path):
    """Restrict ``column`` (a company id) to the group of the root company
    whose ``parent_path`` is ``root_path``: the root and every branch."""
    return SQL(
        "%s IN (SELECT id FROM res_company WHERE parent_path LIKE %s)",
        column,
        f"{root_path}%",
    )


class SnapshotScope:
    """The scope of every part of the snapshot.

    ``root_path``: the ``parent_path`` of the current company's root company,
    whose whole group's books are read. ``partner_ids``: the commercial
    entities to compute, None for every partner (the Customer 360 report).
    ``today``: the date overdue days and the last twelve months count from.

    Semi-joins (``IN (SELECT ...)``) rather than arrays computed first
    (``ANY(ARRAY(...))``): arrays plan faster, but PostgreSQL then guesses
    their size, and the Customer 360 list, which computes a few hundred
    customers, took 161 ms rather than 114 ms with them at 200,000
    customers (measured).
    """

    def __init__(self, root_path, partner_ids, today):
        self.root_path = root_path
        self.partner_ids = None if partner_ids is None else sorted(set(partner_ids))
        self.today = today

    def company(self, column):
        """Restrict ``column`` (a company id) to the company group."""
        return company_scope(column, self.root_path)

    def partners(self, column):
        """Restrict ``column`` (a partner id) to the partners of the commercial
        entities."""
        if self.partner_ids is None:
            return SQL("TRUE")
        return SQL(
            "%s IN (SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))",
            column,
            self.partner_ids,
        )

    def commercial(self, column):
        """Restrict ``column`` (a commercial partner id) to the commercial entities."""
        if self.partner_ids is None:
            return SQL("TRUE")
        return SQL("%s = ANY(%s)", column, self.partner_ids)

    def moves(self):
        """Restrict the entries ``move`` to those of the commercial entities."""
        return self.commercial(SQL("move.commercial_partner_id"))
