# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Sale Margin per Customer",
    "summary": "Margin per customer from posted invoices, margin analysis by segment "
    "and customer profitability tiers",
    "version": "18.0.1.1.0",
    "category": "Sales/Sales",
    "website": "https://github.com/accounting-first/odoo-crm-accounting",
    "author": "Accounting First",
    "maintainers": ["accounting-first"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["crm_accounting_bridge", "sale_margin"],
    "data": [
        "security/sale_margin_customer_security.xml",
        "security/ir.model.access.csv",
        "report/sale_margin_customer_report_views.xml",
        "views/res_partner_views.xml",
        "views/crm_customer_360_views.xml",
        "views/crm_lead_views.xml",
        "views/menus.xml",
        "data/ir_cron_data.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_tests": ["sale_margin_customer/static/tests/tours/*.js"],
    },
}
