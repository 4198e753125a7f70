# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..policy import LEVELS, badge_text

ALERTED_LEVELS = {"warning", "block"}
# Sorting by the alert puts the most severe last in ascending order, first
# in descending order, as a priority would; the badge column sorts the same.
LEVEL_RANKS = {"none": 0, "warning": 1, "block": 2}
SORTED_BY_LEVEL = ("credit_alert_level", "credit_alert_badge")
# The alert is our judgement of the customer, and its sentences carry the
# customer's figures (its credit limit): for internal users, not for the
# customer's portal user who reads its own orders.
TEXT_GROUPS = "base.group_user"


class CrmCreditAlertMixin(models.AbstractModel):
    """The credit alert of a document's customer, for opportunities and orders.

    The customer is the commercial entity of ``partner_id``, in the
    document's company (the current one when it has none); the level and
    the message are the company's (``res.company._credit_alert_assessments``).
    Not stored: accounting is the source of truth, so that a payment clears
    the alert at the next read, with nothing to recompute or go stale.

    A model using the mixin says which of its records show an alert, twice
    and in agreement: ``_credit_alert_shown`` filters records, and
    ``_credit_alert_shown_domain`` is the same rule as a domain, for the
    search. ``_credit_alert_depends`` lists what the rule reads.
    """

    _name = "crm.credit.alert.mixin"
    _description = "Credit Alert of the Customer"

    credit_alert_level = fields.Selection(
        selection=LEVELS,
        groups=TEXT_GROUPS,
        string="Credit Alert",
        compute="_compute_credit_alert",
        search="_search_credit_alert_level",
        help="Credit policy of the company applied to the customer: overdue "
        "invoices and credit limit.",
    )
    credit_alert_message = fields.Char(
        groups=TEXT_GROUPS,
        string="Credit Alert Details",
        compute="_compute_credit_alert",
        help="The customer's figures behind the credit alert; without an alert, "
        "overdue invoices covered by credit notes or payments not yet allocated.",
    )
    credit_alert_badge = fields.Char(
        groups=TEXT_GROUPS,
        compute="_compute_credit_alert",
        help="The alert in short, with its amount: the overdue amount not "
        "covered, the amount over the credit limit, or the credit left.",
    )
    credit_alert_summary = fields.Char(
        groups=TEXT_GROUPS,
        compute="_compute_credit_alert",
        help="The sentence of the credit banner: the level, then the details.",
    )
    credit_alert_overdue = fields.Boolean(
        groups=TEXT_GROUPS,
        string="Credit Alert Overdue Items",
        compute="_compute_credit_alert",
        help="The customer owes overdue items (covered by credits or not), "
        "which the banner links to.",
    )

    def _credit_alert_depends(self):
        """Fields the alert of a record depends on (``_compute_credit_alert``)."""
        return ["partner_id.commercial_partner_id", "company_id"]

    def _credit_alert_shown(self):
        """The records of ``self`` that show their customer's alert."""
        return self.filtered("partner_id")

    def _credit_alert_shown_domain(self):
        """``_credit_alert_shown`` as a domain, beside the customer's."""
        return expression.TRUE_DOMAIN

    @api.depends(lambda self: self._credit_alert_depends())
    @api.depends_context("company", "lang")
    def _compute_credit_alert(self):
        """Apply the company's credit policy to the customers of the batch.

        One assessment per company of the batch (a constant number of
        queries whatever the number of records or invoices). No customer, a
        record that shows no alert (see ``_credit_alert_shown``), or
        accounting not ready (the bridge's banner says why): no alert. A
        customer whose overdue items are all covered by unallocated credits
        has no alert but a message, for accounting to reconcile.
        """
        values = dict.fromkeys(self, ("none", False, False, False, False))
        for company, records, assessments in self._credit_alert_shown()._credit_alert_by_company():
            figures = company._credit_alert_figures()
            # one set of texts per customer, however many of its records the batch has
            partner_values = {
                partner_id: self._credit_alert_texts(company, assessment, figures)
                for partner_id, assessment in assessments.items()
                if assessment["level"] != "none" or assessment["overdue_covered"]
            }
            for record in records:
                partner_id = record.partner_id.commercial_partner_id._origin.id
                if partner_id in partner_values:
                    values[record] = partner_values[partner_id]
        # One cache update per field rather than one assignment per record and
        # field: assigning costs more than the policy itself on a kanban page,
        # and no public API sets a field's values for a whole batch at once.
        for index, name in enumerate(
            (
                "credit_alert_level",
                "credit_alert_message",
                "credit_alert_badge",
                "credit_alert_summary",
                "credit_alert_overdue",
            )
        ):
            self.env.cache.update(
                self, self._fields[name], [values[record][index] for record in self]
            )

    @api.model
    def _credit_alert_texts(self, company, assessment, figures):
        """``(level, message, badge, summary, overdue)`` of an assessment, in
        the user's language: the banner's sentence starts with its level
        ("Credit warning: ..."), and a customer whose overdue items are all
        covered by credits gets no level and a note for accounting."""
        level = assessment["level"]
        message = company._credit_alert_message(assessment, figures)
        if level == "block":
            summary = self.env._("Credit blocked: %(details)s", details=message)
        elif level == "warning":
            summary = self.env._("Credit warning: %(details)s", details=message)
        else:
            summary = self.env._("No credit alert: %(details)s", details=message)
        overdue = bool(assessment["overdue_counts"] or assessment["overdue_covered"])
        return level, message, badge_text(assessment, figures, self.env) or False, summary, overdue

    def _search_credit_alert_level(self, operator, value):
        """Search the level without reading every record or partner.

        For each allowed company, SQL selects the customers at a level (see
        ``res.company._credit_alert_partner_ids``); the domain then keeps the
        records of those customers in that company that show an alert.
        "none" is what is left.
        """
        values = self._credit_alert_searched_levels(operator, value)
        if "none" in values:
            excluded = ALERTED_LEVELS - values
            if not excluded:
                return expression.TRUE_DOMAIN
            return ["!", *self._credit_alert_domain(excluded)]
        levels = values & ALERTED_LEVELS
        return self._credit_alert_domain(levels) if levels else expression.FALSE_DOMAIN

    @api.model
    def _credit_alert_searched_levels(self, operator, value):
        """The levels a search of the credit alert level selects.

        ``operator`` and ``value`` of the condition, as a domain gives them
        (over RPC too). Returns the set of level keys to select; unknown
        operators and values that are not level keys are refused clearly.
        """
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._(
                    "The credit alert cannot be searched with the operator %(operator)s.",
                    operator=operator,
                )
            )
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        # a domain sent over RPC may hold anything: only level keys (or False)
        # are compared, anything else is refused before it reaches a set
        for level in values:
            if level is not False and level is not None and not isinstance(level, str):
                raise UserError(
                    self.env._(
                        "%(value)s is not a credit alert level.",
                        value=repr(level)[:50],
                    )
                )
        values = set(values)
        if operator in ("!=", "not in"):
            values = {level for level, _label in LEVELS} - values
        return values

    def _credit_alert_domain(self, levels):
        """Domain of the records that show an alert whose customer is at one
        of ``levels`` (a non-empty subset of warning and block)."""
        company_domains = []
        for company in self.env.companies:
            partner_ids = company._credit_alert_partner_ids(levels)
            if not partner_ids:
                continue
            # a record without company is the current company's
            company_ids = [company.id]
            if company == self.env.company:
                company_ids.append(False)
            company_domains.append(
                [
                    ("company_id", "in", company_ids),
                    ("partner_id.commercial_partner_id", "in", partner_ids),
                ]
            )
        if not company_domains:
            return expression.FALSE_DOMAIN
        return expression.AND([expression.OR(company_domains), self._credit_alert_shown_domain()])

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """Describe the alert as sortable and groupable without classifying
        any customer: Odoo asks ``_field_to_sql`` for the expression to find
        out, and a placeholder of the same type answers it."""
        return super(
            CrmCreditAlertMixin, self.with_context(crm_credit_alert_describing=True)
        ).fields_get(allfields, attributes)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The alert level as SQL, so that lists, kanban and pivot group by it.

        Not stored (see the class), so never stale: the expression selects
        the records of blocked and warned customers with the same search as
        the "Credit warning" and "Credit blocked" filters, when the query
        runs. The customers are classified once per level and query.
        """
        if fname != "credit_alert_level":
            return super()._field_to_sql(alias, fname, query, flush)
        if self.env.context.get("crm_credit_alert_describing"):
            return SQL("'none'::varchar")
        record_id = SQL.identifier(alias, "id")
        records = self.with_context(active_test=False)
        return SQL(
            "CASE WHEN %s IN %s THEN 'block' WHEN %s IN %s THEN 'warning' ELSE 'none' END",
            record_id,
            records._search(self._credit_alert_domain({"block"})).subselect(),
            record_id,
            records._search(self._credit_alert_domain({"warning"})).subselect(),
        )

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        """Sort by the alert's severity (``LEVEL_RANKS``), from the level or its badge."""
        if field_name not in SORTED_BY_LEVEL:
            return super()._order_field_to_sql(alias, field_name, direction, nulls, query)
        level = self._field_to_sql(alias, "credit_alert_level", query)
        rank = SQL("CASE %s", level)
        for key, value in LEVEL_RANKS.items():
            rank = SQL("%s WHEN %s THEN %s", rank, key, value)
        return SQL("%s END %s", rank, direction)

    def _credit_alert_by_company(self):
        """Yield ``(company, records, assessments)`` for the records of
        ``self`` that have a customer, one assessment per company (see
        ``res.company._credit_alert_assessments``)."""
        for company, records in (
            self.filtered("partner_id")
            .grouped(lambda record: record.company_id or self.env.company)
            .items()
        ):
            yield company, records, company._credit_alert_assessments(records.partner_id)

    def action_credit_alert_overdue_items(self):
        """Open the customer's overdue items, from the credit banner.

        The bridge's list of the customer's overdue entries
        (``res.partner.action_view_overdue_invoices``), in the document's
        company, under the reader's own access rules: a salesperson sees
        the invoices Odoo lets them see. A user who may not read journal
        entries at all gets the customer's Customer 360 page instead of an
        access error.
        """
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if not partner:
            return False
        partner = partner.with_company(self.company_id or self.env.company)
        if not self.env["account.move"].has_access("read"):
            return partner.action_open_customer_360()
        return partner.action_view_overdue_invoices()

    def action_credit_alert_customer_360(self):
        """Open the customer's Customer 360 page, from the credit banner."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if not partner:
            return False
        return partner.with_company(self.company_id or self.env.company).action_open_customer_360()

    def _credit_alert_quotation_blocks(self):
        """Return ``{record: assessment}`` of the records whose customer is blocked.

        The block is about the customer: it applies to a new quotation from
        any of its documents, whether or not the document shows an alert
        (a won opportunity shows none, and still gives no new quotation).
        """
        blocks = {}
        for _company, records, assessments in self._credit_alert_by_company():
            for record in records:
                assessment = assessments.get(record.partner_id.commercial_partner_id.id)
                if assessment and assessment["level"] == "block":
                    blocks[record] = assessment
        return blocks
