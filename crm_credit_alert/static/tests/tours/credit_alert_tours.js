/** @odoo-module **/
/* Copyright 2026 Accounting First
   License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */

import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

/* A salesperson opens the opportunity of a blocked customer: the banner says
   why, and "New Quotation" is refused with the figures; nothing is created. */
tours.add("crm_credit_alert_blocked_quotation", {
    steps: () => [
        {
            content: "The opportunity says that the customer is blocked",
            trigger: ".o_form_view div[name=credit_alert_banner_block]:visible",
        },
        {
            content: "Try to quote",
            trigger: ".o_form_view button[name=action_sale_quotations_new]",
            run: "click",
        },
        {
            content: "The refusal gives the overdue figures",
            trigger: ".modal .o_error_dialog:contains(overdue)",
        },
        {
            content: "Close the refusal",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Back on the opportunity, no quotation was opened",
            trigger:
                ".o_form_view:not(:has(.modal)) div[name=credit_alert_banner_block]:visible",
        },
    ],
});

/* A member of the Credit override group overrides the block with a reason:
   the quotation the override lets through is created and opens. */
tours.add("crm_credit_alert_override", {
    steps: () => [
        {
            content: "The opportunity says that the customer is blocked",
            trigger: ".o_form_view div[name=credit_alert_banner_block]:visible",
        },
        {
            content: "Ask for a quotation",
            trigger: ".o_form_view button[name=action_sale_quotations_new]",
            run: "click",
        },
        {
            content: "The override wizard shows the figures and asks why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Payment promised by the customer for Friday",
        },
        {
            content: "Override",
            trigger: ".modal button[name=action_override]",
            run: "click",
        },
        {
            content: "The override created the customer's quotation, which opens",
            trigger:
                ".o_form_view .o_form_saved .o_field_widget[name=partner_id] input:value(Blocked Tour Customer)",
        },
    ],
});
