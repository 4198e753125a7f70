/** @odoo-module **/
/* Copyright 2026 Accounting First
   License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */

import {registry} from "@web/core/registry";

/* A sales manager opens Margin per Customer: one row per customer, then the
   invoice lines behind the margin of one of them. */
registry.category("web_tour.tours").add("sale_margin_customer_pivot", {
    steps: () => [
        {
            content: "The pivot has a row per customer",
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains(Wide Margin Customer)",
        },
        {
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains(Thin Margin Customer)",
        },
        {
            content: "Open the lines behind the thin margin",
            trigger:
                ".o_pivot tr:has(th:contains(Thin Margin Customer)) td.o_pivot_cell_value:last",
            run: "click",
        },
        {
            content: "The invoice lines of that customer, with their cost and margin",
            trigger: ".o_list_view .o_data_row td[name=partner_id]:contains(Thin Margin Customer)",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row td[name=partner_id]:contains(Wide)))",
        },
    ],
});
