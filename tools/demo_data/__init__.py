# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo's data: a story told on a new database (run by ``tools/demo``).

A Casablanca distributor and its Lyon subsidiary, accounting set up first,
about 40 customers over 18 months, the opportunities, the credit alerts and
overrides, the margins and tiers, two external CRMs and a user per role.

- ``cast``: who is in the story (companies, users, catalogue, customers);
- ``plan``: what happened, drawn from a fixed seed, dates relative to today;
- ``setup``, ``sales``, ``accounting``, ``credit``, ``connector``: the story
  told through Odoo, in that order (``generator``);
- ``database``: the database, its modules, the ORM on it;
- ``summary``: the logins and what to look at, printed at each start;
- ``cli``: ``python3 tools/demo_data --help``.
"""
