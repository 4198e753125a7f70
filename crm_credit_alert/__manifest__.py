# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Credit Alert",
    "summary": "Overdue and credit-limit warnings on opportunities, blocking with "
    "audited overrides, salesperson notifications",
    "version": "18.0.2.2.1",
    "category": "Sales/CRM",
    "website": "https://github.com/accounting-first/odoo-crm-accounting",
    "author": "Accounting First",
    "maintainers": ["accounting-first"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["crm_accounting_bridge"],
    "data": [
        "security/crm_credit_alert_security.xml",
        "security/ir.model.access.csv",
        "views/crm_lead_views.xml",
        "views/crm_customer_360_views.xml",
        "views/sale_order_views.xml",
        "views/sale_portal_templates.xml",
        "views/res_config_settings_views.xml",
        "views/crm_credit_override_views.xml",
        "wizards/crm_credit_override_wizard_views.xml",
        "views/menus.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "web.assets_tests": ["crm_credit_alert/static/tests/tours/*.js"],
    },
}
