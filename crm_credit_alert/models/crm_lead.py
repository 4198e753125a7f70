# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..policy import SEVERITY
from ..services.override_cover import OVERRIDE_GROUP


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.credit.alert.mixin"]

    credit_alert_level = fields.Selection(
        help="Credit policy of the company applied to the customer: overdue "
        "invoices and credit limit. Won and lost opportunities are not alerted.",
    )
    credit_alert_notified_level = fields.Selection(
        selection=[
            ("warning", "Credit warning"),
            ("block", "Credit blocked"),
        ],
        string="Notified Credit Alert",
        readonly=True,
        copy=False,
        help="Alert level of the last activity given to the salesperson by the "
        "daily credit check; empty when no alert was notified.",
    )
    credit_alert_activity_id = fields.Many2one(
        "mail.activity",
        readonly=True,
        copy=False,
        ondelete="set null",
    )

    def _credit_alert_depends(self):
        return [*super()._credit_alert_depends(), "active", "stage_id.is_won"]

    def _credit_alert_shown(self):
        """Open opportunities: won and lost ones show no alert."""
        return (
            super()
            ._credit_alert_shown()
            .filtered(lambda lead: lead.active and not lead.stage_id.is_won)
        )

    def _credit_alert_shown_domain(self):
        return [
            ("active", "=", True),
            "|",
            ("stage_id", "=", False),
            ("stage_id.is_won", "=", False),
        ]

    def write(self, vals):
        new_user_id = vals.get("user_id")
        if isinstance(new_user_id, int) and not isinstance(new_user_id, bool):
            # the opportunity changes hands: its credit alert activity follows
            # it, unless its salesperson had handed it to someone else; moved
            # first, while the writer may still write on the opportunity
            for lead in self:
                activity = lead.credit_alert_activity_id
                if activity and activity.user_id == lead.user_id and new_user_id != lead.user_id.id:
                    activity.user_id = new_user_id
        return super().write(vals)

    def action_new_quotation(self):
        """Refuse a new quotation for a customer blocked by the credit policy.

        Checked on the server, whatever calls it (the "New Quotation" button,
        sale_crm's customer wizard, RPC); the quotation's creation is checked
        again (see ``sale.order.create``), which uses the override. Members
        of the Credit override group get the override wizard instead.
        """
        # superuser flows (scripts run as superuser) may create quotations:
        # the confirmation is checked for everyone
        blocks = {} if self.env.su else self._credit_alert_quotation_blocks()
        blocked, refusals = self.env["crm.credit.override"]._credit_alert_cover(
            "quotation", blocks, consume=False
        )
        if blocked:
            return self._credit_alert_stop(blocked, refusals)
        return super().action_new_quotation()

    def _credit_alert_stop(self, blocked, refusals=None):
        """Open the override wizard for override members, else refuse."""
        if self.env.user.has_group(OVERRIDE_GROUP):
            lead = next(iter(blocked))
            return self.env["crm.credit.override.wizard"]._action_open(lead=lead)
        Override = self.env["crm.credit.override"]
        raise UserError(
            "\n".join(
                Override._credit_alert_quotation_refusal(
                    lead.partner_id,
                    lead.company_id or self.env.company,
                    assessment,
                    (refusals or {}).get(lead),
                )
                for lead, assessment in blocked.items()
            )
        )

    @api.model
    def _cron_credit_alert_activities(self):
        """Give salespeople a To Do when a customer moves to warning or block.

        Only the opportunities alerted now or notified before are read. One
        activity per opportunity: it is updated, not duplicated, while an
        alert persists, and marked done when the alert clears.
        """
        leads = self._credit_alert_watched_leads()
        for company, company_leads in leads.grouped(
            lambda lead: lead.company_id or self.env.company
        ).items():
            company_leads.with_company(company)._credit_alert_sync_activities()

    @api.model
    def _credit_alert_watched_leads(self):
        """Open opportunities alerted now, and those notified by a previous run."""
        groups = self._read_group(
            [("type", "=", "opportunity"), ("user_id", "!=", False)],
            groupby=["company_id"],
        )
        companies = self.env.company.browse([company.id for (company,) in groups if company])
        companies |= self.env.company
        alerted = self.with_context(allowed_company_ids=companies.ids).search(
            [
                ("type", "=", "opportunity"),
                ("user_id", "!=", False),
                ("credit_alert_level", "in", ("warning", "block")),
            ]
        )
        notified = self.with_context(active_test=False).search(
            [("credit_alert_notified_level", "!=", False)]
        )
        return (alerted | notified).with_env(self.env)

    def _credit_alert_sync_activities(self):
        """Create, update or close the credit alert activity of each lead."""
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        to_create, to_close, new_levels = [], self.env["mail.activity"], {}
        for lead in self:
            level = lead.credit_alert_level
            can_notify = (
                lead.type == "opportunity"
                and lead.user_id
                and (not lead.company_id or lead.company_id in lead.user_id.company_ids)
            )
            current = level if level != "none" and can_notify else False
            previous = lead.credit_alert_notified_level
            if current == previous:
                continue  # no duplicate while the state persists
            new_levels[lead] = current
            activity = lead.credit_alert_activity_id
            if not current:
                to_close |= activity
            elif activity:
                activity.write(lead._credit_alert_activity_values(current))
            elif SEVERITY[current] > SEVERITY[previous or "none"]:
                to_create.append(
                    dict(
                        lead._credit_alert_activity_values(current),
                        res_model_id=self.env["ir.model"]._get_id(self._name),
                        res_id=lead.id,
                        activity_type_id=todo_type.id,
                        user_id=lead.user_id.id,
                        # today where the salesperson is, not in the cron's UTC
                        date_deadline=fields.Date.context_today(
                            self.with_context(tz=lead.user_id.tz or self.env.context.get("tz"))
                        ),
                    )
                )
        if to_close:
            to_close.action_feedback(feedback=self.env._("The credit alert cleared."))
        for activity in self.env["mail.activity"].create(to_create):
            self.browse(activity.res_id).credit_alert_activity_id = activity
        for level, leads in (
            self.browse([lead.id for lead in new_levels])
            .grouped(lambda lead: new_levels[lead])
            .items()
        ):
            values = {"credit_alert_notified_level": level}
            if not level:
                values["credit_alert_activity_id"] = False
            leads.write(values)

    def _credit_alert_activity_values(self, level):
        """Summary and note of the credit alert activity at ``level``, in the
        salesperson's language (the scheduled action runs in its own)."""
        self.ensure_one()
        # the prefetch of the batch is kept: one message batch per language
        lead = self.with_context(lang=self.user_id.lang or self.env.lang)
        customer = lead.partner_id.commercial_partner_id.display_name
        if level == "block":
            summary = lead.env._("Credit blocked: %(customer)s", customer=customer)
        else:
            summary = lead.env._("Credit warning: %(customer)s", customer=customer)
        return {
            "summary": summary,
            "note": Markup("<p>%s</p>") % (lead.credit_alert_message or ""),
        }
