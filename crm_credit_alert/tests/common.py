# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command
from odoo.tests import HttpCase, new_test_user
from odoo.tools import format_amount, mute_logger

from odoo.addons.crm_accounting_bridge.tests.common import CrmAccountingBridgeCommon

OVERRIDE_GROUP = "crm_credit_alert.group_crm_credit_alert_override"


class CrmCreditAlertCommon(CrmAccountingBridgeCommon):
    """Opportunities and orders of customers with invoices relative to today,
    under the default credit policy of the company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "credit_alert_grace_days": 0,
                "credit_alert_min_overdue_amount": 0.0,
                "credit_alert_block_days": 60,
                "credit_alert_block_on_limit": True,
                "credit_alert_warn_percent": 80.0,
            }
        )
        company_values = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.overrider = new_test_user(
            cls.env,
            login="credit_overrider",
            name="Olivia Override",
            groups=f"sales_team.group_sale_salesman,{OVERRIDE_GROUP}",
            **company_values,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="credit_accountant",
            groups="account.group_account_invoice",
            **company_values,
        )
        cls.won_stage = cls.env["crm.stage"].create(
            {"name": "Credit won", "is_won": True, "sequence": 90}
        )

    @classmethod
    def _block_customer(cls):
        """Block ``customer`` by an invoice of 1,500 overdue for 70 days (the
        policy blocks at 60); return the figures its refusals show."""
        cls._create_invoice(cls.customer, 1500, -100, -70)
        return (
            f"1 overdue invoice, {format_amount(cls.env, 1500, cls.currency)}, "
            "oldest 70 days overdue"
        )

    @classmethod
    def _create_blocked_customer(cls, name, amount=100):
        """A customer blocked by an invoice of ``amount`` overdue for 70 days
        (the policy blocks at 60)."""
        customer = cls._create_customer(name)
        cls._create_invoice(customer, amount, -100, -70)
        return customer

    @classmethod
    def _create_customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **values})

    @classmethod
    def _create_opportunity(cls, partner, user=None, company=None, **values):
        return (
            cls.env["crm.lead"]
            .with_company(company or cls.company)
            .create(
                {
                    "name": f"Deal with {partner.name if partner else 'nobody'}",
                    "type": "opportunity",
                    "partner_id": partner.id if partner else False,
                    "user_id": (user or cls.salesman).id,
                    "company_id": (company or cls.company).id,
                    **values,
                }
            )
        )

    @classmethod
    def _order_values(cls, partner, amount, user=None, lead=None):
        """Values of a quotation of one untaxed line of ``amount``."""
        return {
            "partner_id": partner.id,
            "user_id": (user or cls.salesman).id,
            "opportunity_id": lead.id if lead else False,
            "order_line": [
                Command.create(
                    {
                        "product_id": cls.product_a.id,
                        "product_uom_qty": 1,
                        "price_unit": amount,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }

    @classmethod
    def _create_order(cls, partner, amount, user=None, lead=None, confirm=False):
        """A quotation of one untaxed line of ``amount``, created by code
        running as superuser (setup data, not a salesperson's door)."""
        # sudo: setup data, as code running as superuser creates it (an
        # eCommerce cart, a connector): users are refused quotations of
        # blocked customers
        order = (
            cls.env["sale.order"]
            .sudo()
            .create(cls._order_values(partner, amount, user, lead))
            .sudo(False)
        )
        if confirm:
            cls._confirm_outside_policy(order)
        return order

    @classmethod
    def _confirm_outside_policy(cls, orders):
        """Confirm ``orders`` as if the policy did not block their customer.

        For tests about the figures that confirmed orders give, not about the
        block: every confirmation passes the credit check, superuser included,
        so the company's blocking is relaxed for the call, then restored.
        """
        policy_fields = ["credit_alert_block_days", "credit_alert_block_on_limit"]
        companies = orders.company_id
        policies = {company: company.read(policy_fields)[0] for company in companies}
        companies.write({"credit_alert_block_days": 10**6, "credit_alert_block_on_limit": False})
        orders.action_confirm()
        for company, policy in policies.items():
            company.write({name: policy[name] for name in policy_fields})

    @classmethod
    def _use_credit_limit(cls, *partners, limit=1000.0, company=None):
        company = company or cls.company
        company.account_use_credit_limit = True
        for partner in partners:
            partner.with_company(company).credit_limit = limit

    def _alert(self, record, user=None):
        """``(level, message)`` read freshly, as a new request would."""
        self.env.invalidate_all()
        if user:
            record = record.with_user(user)
        return record.credit_alert_level, record.credit_alert_message


class CrmCreditAlertHttpCommon(CrmCreditAlertCommon, HttpCase):
    """Calls over the real JSON-RPC route of the web client and RPC clients."""

    @mute_logger("odoo.http")  # refusals are logged as warnings, as any UserError
    def _call_kw(self, model, method, args, kwargs=None):
        """``(result, error)`` of ``/web/dataset/call_kw`` as the logged-in user.

        ``error`` is the ``data`` of a JSON-RPC error (``name``, ``message``,
        ``arguments``), so that tests read the message the caller gets.
        """
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "id": 0,
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            return None, body["error"]["data"]
        return body["result"], None
