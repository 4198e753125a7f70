# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "External CRM Connector",
    "summary": "HubSpot, Salesforce, Zoho CRM, Pipedrive and signed JSON into a durable "
    "inbox, with field mapping, identity matching, conflict policies, catch-up pulls "
    "and the financial status written back",
    "version": "18.0.2.2.2",
    "category": "Sales/CRM",
    "website": "https://github.com/accounting-first/odoo-crm-accounting",
    "author": "Accounting First",
    "maintainers": ["accounting-first"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["crm_accounting_bridge", "queue_job"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "data": [
        "security/external_crm_connector_security.xml",
        "security/ir.model.access.csv",
        "data/external_crm_data.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "data/zoho_cron_data.xml",
        "views/external_crm_outbound_delivery_views.xml",
        "views/external_crm_backend_views.xml",
        "views/external_crm_backend_salesforce_views.xml",
        "views/external_crm_backend_zoho_views.xml",
        "views/external_crm_backend_pipedrive_views.xml",
        "views/external_crm_field_map_views.xml",
        "views/external_crm_event_views.xml",
        "views/external_crm_binding_views.xml",
        "views/external_crm_conflict_views.xml",
        "views/external_crm_status_shown_views.xml",
        "views/external_crm_erasure_views.xml",
        "report/external_crm_event_stat_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/external_crm_connector_demo.xml"],
    "assets": {
        "web.assets_tests": ["external_crm_connector/static/tests/tours/*.js"],
    },
}
