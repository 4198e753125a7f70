# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmAccountingReadiness(models.TransientModel):
    """The accounting readiness checklist of a company as a guided page.

    Accounting comes first: the page lists the company's readiness items
    (``res.company._crm_accounting_readiness_checks``), how many are done,
    the button that opens the place fixing each one, and the sales features
    that stay off until every item is done. Whether an item is done is read
    again on every display, so that coming back from a fix shows it done.
    """

    _name = "crm.accounting.readiness"
    _description = "Accounting Readiness Checklist"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    item_ids = fields.One2many(
        "crm.accounting.readiness.item", "readiness_id", string="Items", readonly=True
    )
    done_count = fields.Integer(string="Done", compute="_compute_progress")
    total_count = fields.Integer(string="Items Total", compute="_compute_progress")
    progress = fields.Float(string="Progress (%)", compute="_compute_progress")
    progress_text = fields.Char(string="Progress", compute="_compute_progress")
    ready = fields.Boolean(compute="_compute_progress")
    next_item_id = fields.Many2one(
        "crm.accounting.readiness.item",
        string="Next Step",
        compute="_compute_progress",
    )
    waiting_features = fields.Html(
        string="Sales Features Waiting",
        compute="_compute_waiting_features",
        sanitize=False,
    )

    @api.depends("company_id")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for readiness in self:
            readiness.display_name = self.env._(
                "Accounting Readiness of %(company)s", company=readiness.company_id.name
            )

    @api.depends("item_ids.done")
    @api.depends_context("lang")
    def _compute_progress(self):
        for readiness in self:
            items = readiness.item_ids.sorted("sequence")
            readiness.done_count = len(items.filtered("done"))
            readiness.total_count = len(items)
            readiness.progress = (
                100.0 * readiness.done_count / readiness.total_count
                if readiness.total_count
                else 100.0
            )
            readiness.ready = readiness.done_count == readiness.total_count
            readiness.progress_text = self.env._(
                "%(done)s of %(total)s done",
                done=readiness.done_count,
                total=readiness.total_count,
            )
            readiness.next_item_id = items.filtered(lambda item: not item.done)[:1]

    @api.depends("company_id")
    @api.depends_context("lang")
    def _compute_waiting_features(self):
        for readiness in self:
            features = readiness.company_id._crm_accounting_waiting_features()
            readiness.waiting_features = Markup("<ul>%s</ul>") % Markup().join(
                Markup("<li>%s</li>") % feature for feature in features
            )

    @api.model
    def _action_open_readiness(self):
        """Create the current company's checklist and open it (the menu and
        the settings' link)."""
        readiness = self.create({"company_id": self.env.company.id})
        checks = readiness.company_id._crm_accounting_readiness_item_checks()
        readiness.item_ids = [
            fields.Command.create({"sequence": sequence, "code": code})
            for sequence, code in enumerate(checks)
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Accounting Readiness"),
            "res_model": self._name,
            "res_id": readiness.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_fix_next(self):
        """Open the place that fixes the first item not done yet."""
        self.ensure_one()
        if not self.next_item_id:
            raise UserError(self.env._("Every accounting item is done."))
        return self.next_item_id.action_fix()


class CrmAccountingReadinessItem(models.TransientModel):
    """One item of the checklist: done or not, what waits for it, and the
    action that fixes it."""

    _name = "crm.accounting.readiness.item"
    _description = "Accounting Readiness Item"
    _order = "sequence, id"

    readiness_id = fields.Many2one(
        "crm.accounting.readiness", required=True, ondelete="cascade", readonly=True
    )
    sequence = fields.Integer(readonly=True)
    code = fields.Char(required=True, readonly=True)
    name = fields.Char(string="Item", compute="_compute_item")
    done = fields.Boolean(compute="_compute_item")
    purpose = fields.Char(string="Needed For", compute="_compute_item")

    @api.depends("code", "readiness_id.company_id")
    @api.depends_context("lang")
    def _compute_item(self):
        """Check the items of each company once (one batch of checks)."""
        for company, items in self.grouped(lambda item: item.readiness_id.company_id).items():
            checks = company._crm_accounting_readiness_item_checks()
            purposes = company._crm_accounting_readiness_purposes()
            for item in items:
                label, is_done, _action = checks.get(item.code, (item.code, lambda: True, None))
                item.name = label
                item.done = is_done()
                item.purpose = purposes.get(item.code, False)

    def action_fix(self):
        """Open the Odoo configuration that fixes the item."""
        self.ensure_one()
        checks = self.readiness_id.company_id._crm_accounting_readiness_item_checks()
        if self.code not in checks:
            raise UserError(self.env._("This accounting item no longer exists; reload the page."))
        return self.env["ir.actions.actions"]._for_xml_id(checks[self.code][2])
