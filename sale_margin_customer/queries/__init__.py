# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The report's SQL in named parts: plain Python, values in, ``SQL`` out.

No environment and no database here: the report and the customer margins
decide what to read, flush it and run the statements.
"""
