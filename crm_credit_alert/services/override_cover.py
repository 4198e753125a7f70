# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which credit overrides let blocked documents through, and their use.

``crm.credit.override`` defines the record (who gave it, for what, with
which figures); this collaborator matches the overrides with the blocked
documents of one operation and marks those used. It returns results and
never calls the override model back.
"""

from odoo import fields
from odoo.tools import format_amount, format_datetime

from ..policy import figures_worse

OVERRIDE_GROUP = "crm_credit_alert.group_crm_credit_alert_override"


class OverrideCover:
    """The overrides of one operation ("confirmation": sale orders to
    confirm; "quotation": new quotations, or opportunities asking for one)
    that may let blocked documents through.

    An override applies when it is not used, is its author's (any author's
    in superuser flows: the customer signing or paying online), its author
    is still in the group, it has not expired, it concerns the document's
    company and customer (and, given from an opportunity, a quotation of
    that opportunity; given for an order, that order), the order is not
    larger than it was given for, and the customer's figures are not worse
    than shown.
    """

    def __init__(self, env, operation):
        self.env = env
        self.operation = operation
        self.now = fields.Datetime.now()

    def match(self, blocks):
        """Match ``blocks`` (``{document: assessment}``) with the overrides.

        Returns ``(remaining, refusals, covering)``: the part of ``blocks``
        no valid override covers; for those documents, why the overrides
        found do not apply (sentences); and for the others, the overrides
        that cover them (a quotation uses one, a confirmation every pending
        override of its order).
        """
        overrides_sudo = self._candidates(blocks)
        remaining, refusals, covering = {}, {}, {}
        taken = overrides_sudo.browse()
        for document, assessment in blocks.items():
            valid, reasons = overrides_sudo.browse(), []
            for override in overrides_sudo - taken:
                if not self._concerns(override, document):
                    continue
                reason = self._refusal(override, document, assessment)
                if reason:
                    reasons.append(reason)
                else:
                    valid |= override
            if not valid:
                remaining[document] = assessment
                if reasons:
                    refusals[document] = reasons
                continue
            covering[document] = valid if self.operation == "confirmation" else valid[:1]
            taken |= covering[document]
        return remaining, refusals, covering

    def use(self, covering):
        """Mark the overrides of ``covering`` (``{document: overrides}``, as
        ``match`` returns it) as used for their document."""
        for document, overrides in covering.items():
            values = {
                "used": True,
                "used_date": self.now,
                "used_user_id": self.env.uid,
                "used_document_name": document.display_name,
            }
            if document._name == "sale.order":
                values["used_order_id"] = document.id
                values["used_amount"] = document._credit_alert_amount()
            overrides.write(values)
            # the UPDATE runs now: of two transactions using the same override,
            # the second fails to serialize (REPEATABLE READ) and is retried,
            # and then finds it used
            overrides.flush_recordset()

    def _candidates(self, blocks):
        """The unused overrides of the operation for the documents of ``blocks``."""
        documents = list(blocks)
        domain = [("operation", "=", self.operation), ("used", "=", False)]
        if not self.env.su:
            domain.append(("user_id", "=", self.env.uid))
        if self.operation == "confirmation":
            domain.append(("order_id", "in", [document.id for document in documents]))
        else:
            customer_ids = [document.partner_id.commercial_partner_id.id for document in documents]
            domain.append(("partner_id", "in", customer_ids))
        # sudo: the overrides that may apply, looked up whatever the record
        # rules of the accountants' report; only refusal reasons (the user's
        # own overrides, or none in the customer's flows) are returned
        return self.env["crm.credit.override"].sudo().search(domain, order="expiry_date, id")

    def _concerns(self, override, document):
        """Whether ``override`` was given for ``document`` (its company, and
        its order or its opportunity when it was given for one)."""
        if document._name == "crm.lead":
            company, lead = document.company_id or self.env.company, document
        else:
            company, lead = document.company_id, document.opportunity_id
        if override.company_id != company:
            return False
        if self.operation == "confirmation":
            return override.order_id == document
        return not override.lead_id or override.lead_id == lead

    def _refusal(self, override, document, assessment):
        """Why ``override`` does not let ``document`` through, or ``False``."""
        env = self.env
        currency = override.currency_id or override.company_id.currency_id
        reason = False
        if not override.user_id.has_group(OVERRIDE_GROUP):
            reason = env._("its author is no longer a member of the Credit override group")
        elif override.expiry_date <= self.now:
            reason = env._(
                "it expired on %(date)s", date=format_datetime(env, override.expiry_date)
            )
        elif override.partner_id != document.partner_id.commercial_partner_id:
            reason = env._(
                "it was given for %(customer)s", customer=override.partner_id.display_name
            )
        elif self.operation == "confirmation" and (
            currency.compare_amounts(document._credit_alert_amount(), override.order_amount) > 0
        ):
            reason = env._(
                "it was given for an order of %(given)s, the order is now %(amount)s",
                given=format_amount(env, override.order_amount, currency),
                amount=format_amount(env, document._credit_alert_amount(), currency),
            )
        elif figures_worse(override, assessment, currency.rounding):
            reason = env._(
                "the customer's figures are worse than when it was given (%(figures)s)",
                figures=override.alert_message,
            )
        if not reason:
            return False
        return env._(
            "The override given by %(user)s on %(date)s does not apply: %(reason)s.",
            user=override.user_id.name,
            date=format_datetime(env, override.date),
            reason=reason,
        )
