# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer's financial status written back to the external CRM.

A salesperson who works in the external CRM never opens Odoo: the credit
alert level, the overdue amount and the credit available of each bound
customer are written to properties of its external company record.
Accounting moves the figures, not an edit of the customer, so a scheduled
action compares them with what was last written and queues a batched write
of the customers that changed. Our own writes come back as property change
webhooks: those are stored but not processed (see ``_webhook_extra``), and
incoming changes never trigger a write, so the two directions cannot loop.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import split_every

from ..adapters.provider import WRITE_BACK, get_provider
from ..services.queue_jobs import PROVIDER_JOB_RETRIES
from ..services.write_back import MISSING, TWICE, named_properties, naming_problem, write_job
from .external_crm_protected_mixin import connector_edit

# customers compared, and written, per batch
WRITEBACK_BATCH = 500


class ExternalCrmBackendWriteback(models.AbstractModel):
    _name = "external.crm.backend.writeback"
    _description = "External CRM Backend: Financial Write-back"

    writeback_enabled = fields.Boolean(
        string="Write Financial Status Back",
        help="Write each bound customer's credit status, overdue amount and credit "
        "available to properties of its company record in the external CRM.",
    )
    writeback_status_property = fields.Char(
        string="Credit Status Property",
        default="odoo_credit_status",
        help="Receives none, warning or block (the credit alert level).",
    )
    writeback_overdue_property = fields.Char(
        string="Overdue Amount Property", default="odoo_overdue_amount"
    )
    writeback_available_property = fields.Char(
        string="Credit Available Property",
        default="odoo_credit_available",
        help="Left empty for a customer without a credit limit.",
    )

    @api.constrains(
        "writeback_enabled",
        "writeback_status_property",
        "writeback_overdue_property",
        "writeback_available_property",
    )
    def _check_writeback_properties(self):
        for backend in self.filtered("writeback_enabled"):
            problem = naming_problem(backend._written_properties())
            if problem == MISSING:
                raise ValidationError(
                    self.env._(
                        "The write-back of %(name)s needs at least one property name.",
                        name=backend.name,
                    )
                )
            if problem == TWICE:
                raise ValidationError(
                    self.env._(
                        "The write-back of %(name)s writes two figures to the same property.",
                        name=backend.name,
                    )
                )

    def _written_properties(self):
        self.ensure_one()
        return named_properties(
            (
                self.writeback_status_property,
                self.writeback_overdue_property,
                self.writeback_available_property,
            )
        )

    def _can_write_back(self):
        provider = get_provider(self)
        return bool(provider) and provider.can(WRITE_BACK)

    @api.model
    def _cron_write_financial_status(self):
        """Scheduled: queue the write of the customers whose figures changed."""
        for backend in self.search([("writeback_enabled", "=", True)]):
            if backend._can_write_back():
                backend._as_integration_user()._queue_financial_status()

    def _queue_financial_status(self):
        """Compare each bound customer's figures with the last written; queue the changes."""
        self.ensure_one()
        bindings = self.env["external.crm.binding"].search(
            [
                ("backend_id", "=", self.id),
                ("object_kind", "=", "company"),
                ("partner_id", "!=", False),
                ("external_deleted", "=", False),
            ]
        )
        queued = 0
        for ids in split_every(WRITEBACK_BATCH, bindings.ids):
            batch = bindings.browse(ids)
            figures = self._financial_status(batch.partner_id)
            updates = [
                [binding.id, figures[binding.partner_id.id]]
                for binding in batch
                if figures[binding.partner_id.id] != (binding.financial_values or {})
            ]
            if updates:
                # a term per number: env._ has no plural forms
                if len(updates) == 1:
                    description = self.env._(
                        "Write the financial status of 1 customer to %(name)s", name=self.name
                    )
                else:
                    description = self.env._(
                        "Write the financial status of %(count)s customers to %(name)s",
                        count=len(updates),
                        name=self.name,
                    )
                self.with_delay(
                    channel=self._channel_name(),
                    description=description,
                    max_retries=PROVIDER_JOB_RETRIES,
                )._write_financial_status(updates)
                queued += len(updates)
        return queued

    def _financial_status(self, partners):
        """``{partner id: {property: value}}`` in the backend's company.

        The level is crm_credit_alert's when it is installed, and the
        overdue amount the one its level judges (past the policy's grace
        days, net of credit notes and payments accounting has not matched
        yet), as the badge in Odoo shows it; otherwise the bridge's overdue
        amount, which gives "warning". Amounts in the company currency.
        """
        self.ensure_one()
        company = self.company_id
        partners = partners.with_company(company)
        # computed from accounting, which moved since they were last read in
        # this transaction without the ORM knowing: read them again
        partners.invalidate_recordset(
            ["overdue_amount", "credit_available", "credit_limit_applies"]
        )
        currency = company.currency_id
        assessments = None
        if hasattr(company, "_credit_alert_assessments"):
            assessments = company._credit_alert_assessments(partners)
        status_name = (self.writeback_status_property or "").strip()
        overdue_name = (self.writeback_overdue_property or "").strip()
        available_name = (self.writeback_available_property or "").strip()
        result = {}
        for partner in partners:
            assessment = (assessments or {}).get(partner.commercial_partner_id.id)
            if assessment:
                level, overdue = assessment["level"], currency.round(assessment["overdue_amount"])
            else:
                overdue = currency.round(partner.overdue_amount)
                level = "warning" if overdue > 0 else "none"
                if assessments is not None:
                    # credit alerts say nobody has a level while accounting is not ready
                    level = "none"
            values = {}
            if status_name:
                values[status_name] = level
            if overdue_name:
                values[overdue_name] = overdue
            if available_name:
                values[available_name] = (
                    currency.round(partner.credit_available) if partner.credit_limit_applies else ""
                )
            result[partner.id] = values
        return result

    def _write_financial_status(self, updates):
        """Job: write ``[[binding id, {property: value}], ...]`` in batches (``write_job``)."""
        self.ensure_one()
        provider = get_provider(self)
        # the job records what it wrote on the bindings (protected from everyone else)
        bindings = connector_edit(self.env["external.crm.binding"])
        return write_job(
            bindings,
            updates,
            provider.write_company_properties,
            lambda binding, values: binding.write({"financial_values": values}),
            "customers",
        )
