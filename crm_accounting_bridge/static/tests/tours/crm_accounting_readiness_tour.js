/** @odoo-module **/
// Copyright 2026 Accounting First
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {registry} from "@web/core/registry";

// The accountant of a company without accounting opens the readiness page,
// reads the progress, fixes the sales journal item (the journals open) and
// comes back to the page.
registry.category("web_tour.tours").add("crm_accounting_readiness_tour", {
    steps: () => [
        {
            content: "The page says how many items are done",
            trigger: ".o_form_view .o_field_widget[name='progress_text']:contains('2 of 8 done')",
        },
        {
            content: "The first missing item is the next step",
            trigger: ".o_form_view .o_field_widget[name='next_item_id']:contains('chart of accounts')",
        },
        {
            content: "Fix the sales journal",
            trigger:
                ".o_field_widget[name='item_ids'] tr.o_data_row:contains('Create a sales journal') button[name='action_fix']",
            run: "click",
        },
        {
            content: "The journals open",
            trigger: ".o_list_view, .o_kanban_view",
        },
        {
            content: "Back to the checklist",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "The checklist is there again",
            trigger: ".o_form_view .o_field_widget[name='item_ids']",
        },
    ],
});
