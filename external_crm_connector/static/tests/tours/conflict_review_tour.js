/** @odoo-module **/
/* Copyright 2026 Accounting First
   License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */

import {registry} from "@web/core/registry";

/* A connector manager opens the conflicts to review, reads what Odoo has,
   what arrived and what was last applied, and takes the incoming value. */
registry.category("web_tour.tours").add("external_crm_conflict_review", {
    steps: () => [
        {
            content: "The conflict waits in the review queue",
            trigger: ".o_list_view .o_data_row td[name=incoming_value]:contains(Fes)",
            run: "click",
        },
        {
            content: "The form shows both values and the last one applied",
            trigger: ".o_form_view .o_field_widget[name=odoo_value]:contains(Meknes)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=last_applied_value]:contains(Rabat)",
        },
        {
            content: "Take the value of the external CRM",
            trigger: ".o_form_view button[name=action_take_incoming]",
            run: "click",
        },
        {
            content: "The conflict is resolved",
            trigger: ".o_form_view .o_field_widget[name=resolution]:contains(incoming value)",
        },
        {
            trigger: ".o_form_view:not(:has(button[name=action_take_incoming]:visible))",
        },
    ],
});
