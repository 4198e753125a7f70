# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The bridge's SQL in named parts: plain Python, values in, ``SQL`` out.

No environment and no database here: ``partner.financial.snapshot`` works
out the scope (the company group, the partners, the date), asks these
builders for the statement, flushes what it reads and runs it.
"""
