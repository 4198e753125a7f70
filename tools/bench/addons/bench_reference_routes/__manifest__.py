# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Benchmark Reference Routes",
    "summary": "Reference routes for tools/bench (loaded server-wide, never installed)",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "author": "Accounting First",
    "website": "https://github.com/accounting-first/odoo-crm-accounting",
    "depends": ["web"],
    "installable": True,
}
