# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Accounting Bridge",
    "summary": "Accounting readiness, partner financial snapshot and Customer 360 "
    "for salespeople, from posted journal items",
    "version": "18.0.2.6.2",
    "category": "Sales/CRM",
    "website": "https://github.com/accounting-first/odoo-crm-accounting",
    "author": "Accounting First",
    "maintainers": ["accounting-first"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["account", "sale_crm"],
    "data": [
        "security/crm_accounting_bridge_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/aging_bar_templates.xml",
        "views/cash_cycle_chart_templates.xml",
        "views/customer_360_chart_templates.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "wizards/crm_accounting_readiness_views.xml",
        "views/res_config_settings_views.xml",
        "report/crm_customer_360_views.xml",
        "report/crm_order_cash_cycle_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/crm_accounting_bridge_demo.xml"],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_tests": [
            "crm_accounting_bridge/static/tests/tours/crm_accounting_readiness_tour.js",
        ],
    },
}
